//! `jobs`: the durable job queue (`web/src/jobs.rs`, `store/src/jobs.rs`), in process.
//!
//! - Throughput: `--jobs N` no-op jobs queued first, then one runner, or two runners over two
//!   connection pools (two nodes), claim and finish them all; jobs per second from the
//!   runners' start until the table is empty.
//! - Takeover: node A claims a job that never ends by itself and is then dropped without
//!   giving it back (its task aborted and its connections closed, as `kill -9` would leave
//!   it); node B, already running and polling, takes the job over once A's lease runs out and
//!   finishes it. The time from A's end to the job's end is essentially the lease plus at most
//!   one poll; `--lease-ms` shortens the lease (production: 30 s) so several runs fit.
//!
//! SQLite runs on a temporary file; PostgreSQL on `--database` (an EMPTY database, whose job
//! table this fills and empties). Every loop is bounded in count and time.

use crate::stats;
use anyhow::Context;
use dateline_store::{JobFilter, Store};
use dateline_web::Clock;
use dateline_web::jobs::{Handlers, JobQueue, Jobs, Kind, RunnerOptions};
use std::time::{Duration, Instant};

const NOOP: Kind = Kind {
    name: "bench.noop",
    max_attempts: 3,
    backoff: &[Duration::from_secs(1)],
};

const STUCK: Kind = Kind {
    name: "bench.stuck",
    max_attempts: 3,
    backoff: &[Duration::from_secs(1)],
};

#[derive(Debug, clap::Args)]
pub struct JobsArgs {
    /// A PostgreSQL URL (an empty database); without it, SQLite on a temporary file.
    #[arg(long)]
    pub database: Option<String>,
    /// Jobs per throughput run.
    #[arg(long, default_value_t = 2000)]
    pub jobs: usize,
    /// Repetitions of each measurement.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// The lease in the takeover runs, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub lease_ms: u64,
    /// The runners' poll, in milliseconds (production: 1000).
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
}

pub struct JobsReport {
    pub backend: &'static str,
    /// Jobs per second with one runner, each run.
    pub one_node: Vec<f64>,
    /// Jobs per second with two runners on two pools, each run.
    pub two_nodes: Vec<f64>,
    /// Seconds from node A's death to node B finishing its job, each run.
    pub takeover: Vec<f64>,
}

impl JobsReport {
    pub fn median(v: &[f64]) -> f64 {
        stats::median(v)
    }
}

fn runner(
    store: Store,
    node: &str,
    lease: Duration,
    poll: Duration,
    kind: Kind,
    stuck: bool,
) -> Jobs {
    let mut handlers = Handlers::default();
    if stuck {
        handlers.add(kind, |_job| std::future::pending::<anyhow::Result<()>>());
    } else {
        handlers.add(kind, |_job| async { Ok(()) });
    }
    Jobs::start(
        JobQueue::new(store, Clock::System),
        handlers,
        RunnerOptions {
            node: node.to_owned(),
            lease,
            poll,
        },
    )
}

async fn live_jobs(store: &Store, kind: &Kind) -> anyhow::Result<usize> {
    Ok(store
        .jobs(JobFilter::All, 100_000)
        .await?
        .iter()
        .filter(|j| j.kind == kind.name)
        .count())
}

/// Wait (polling every `every`) until `kind` has no job left, for at most `limit`.
async fn drained(
    store: &Store,
    kind: &Kind,
    every: Duration,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while live_jobs(store, kind).await? > 0 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the {} jobs did not finish within {limit:?}",
            kind.name
        );
        tokio::time::sleep(every).await;
    }
    Ok(())
}

pub async fn run(args: &JobsArgs) -> anyhow::Result<JobsReport> {
    let dir = tempfile::tempdir().context("creating a temporary folder")?;
    let (url, backend) = match &args.database {
        Some(url) => (url.clone(), "postgres"),
        None => (
            dateline::config::sqlite_url(&dir.path().join("jobs.db")),
            "sqlite",
        ),
    };
    let store = Store::open(&url).await.context("opening the database")?;
    let second = Store::open(&url)
        .await
        .context("opening the database again")?;
    let queue = JobQueue::new(store.clone(), Clock::System);
    let poll = Duration::from_millis(args.poll_ms);
    let lease = Duration::from_secs(30);
    let mut report = JobsReport {
        backend,
        one_node: Vec::new(),
        two_nodes: Vec::new(),
        takeover: Vec::new(),
    };
    for run in 0..args.runs {
        for nodes in [1, 2] {
            for i in 0..args.jobs {
                queue.enqueue(&NOOP, &i, None, None).await?;
            }
            let started = Instant::now();
            let a = runner(store.clone(), "a", lease, poll, NOOP, false);
            let b = (nodes == 2).then(|| runner(second.clone(), "b", lease, poll, NOOP, false));
            drained(
                &store,
                &NOOP,
                Duration::from_millis(5),
                Duration::from_secs(300),
            )
            .await?;
            let rate = args.jobs as f64 / started.elapsed().as_secs_f64();
            a.shutdown(Duration::ZERO).await;
            if let Some(b) = b {
                b.shutdown(Duration::ZERO).await;
            }
            eprintln!(
                "jobs {backend}: run {} with {nodes} node(s): {rate:.0} jobs/s",
                run + 1
            );
            if nodes == 1 {
                report.one_node.push(rate);
            } else {
                report.two_nodes.push(rate);
            }
        }
    }
    let lease = Duration::from_millis(args.lease_ms);
    for run in 0..args.runs {
        // Node A: its own pool, closed when it "dies", as a killed process's connections are.
        let a_store = Store::open(&url).await?;
        let a = runner(a_store.clone(), "a", lease, poll, STUCK, true);
        let id = queue.enqueue(&STUCK, &run, None, None).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while store.job(id).await?.lease_owner.as_deref() != Some("a") {
            anyhow::ensure!(Instant::now() < deadline, "node a never claimed the job");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Node B starts only now, so it cannot win the first claim; it polls from here on.
        let mut handlers = Handlers::default();
        handlers.add(STUCK, |_job| async { Ok(()) });
        let b = Jobs::start(
            JobQueue::new(second.clone(), Clock::System),
            handlers,
            RunnerOptions {
                node: "b".to_owned(),
                lease,
                poll,
            },
        );
        // A dies: no release, no more renewals.
        let died = Instant::now();
        drop(a);
        a_store.close().await;
        drained(
            &store,
            &STUCK,
            Duration::from_millis(2),
            lease * 4 + Duration::from_secs(10),
        )
        .await?;
        let took = died.elapsed().as_secs_f64();
        b.shutdown(Duration::ZERO).await;
        eprintln!(
            "jobs {backend}: takeover run {}: {took:.2} s (lease {lease:?})",
            run + 1
        );
        report.takeover.push(took);
    }
    store.close().await;
    second.close().await;
    Ok(report)
}
