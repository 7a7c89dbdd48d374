//! The job runner: the one task per node, owned by [`AppState`](crate::AppState), that runs
//! the durable jobs of `dateline-store` (`store/src/jobs.rs`): photo variants, related-list
//! ranking and mail. Work queued on any node is a row in the shared database, so it survives
//! the node that queued it and runs once across nodes.
//!
//! [`JobQueue`] queues (handlers only ever queue; nothing here runs on the request path).
//! [`Jobs`] claims due jobs of the kinds it has handlers for, at most [`AT_ONCE`] at a time,
//! for a lease ([`Options::job_lease`](crate::Options)) that it renews at a third of its length
//! while a job runs; a job whose lease cannot be renewed (another node took it over) is
//! dropped, as that node runs it. It wakes when a job is queued on this node
//! ([`JobQueue::wake`], the one place a cross-node notification would also call) and otherwise
//! looks every [`Options::job_poll`](crate::Options) for other nodes' jobs and jobs coming due.
//! A failed run is tried again after the kind's backoff, up to its attempts, then kept as failed
//! with its error (logged as an error, listed by `dateline jobs list`).
//!
//! At shutdown ([`Jobs::shutdown`]) it stops claiming, lets running jobs finish within the
//! grace and gives the rest back (their leases released, the attempt not counted), so another
//! node, or the next start, takes them at once. A node that dies without that leaves its
//! leases to run out. Time comes from [`Clock`] (due times, leases); a fixed clock in tests
//! therefore holds every backoff and lease until the test moves it.

use crate::clock::Clock;
use dateline_store::{Job, NewJob, Store, StoreError};
use futures::future::BoxFuture;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

/// Jobs one node runs at once.
pub const AT_ONCE: usize = 4;
/// How long a claim holds a job unless renewed: what a dead node's jobs wait before another
/// node takes them.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often the runner looks for jobs it was not woken for (other nodes', due retries).
pub const POLL: Duration = Duration::from_secs(1);

/// A kind of job: its name in the store, and how failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    /// Runs after which a failure is final.
    pub max_attempts: u32,
    /// The wait before each retry: the first after the first failure, and so on; the last
    /// repeats.
    pub backoff: &'static [Duration],
}

impl Kind {
    /// The wait before the retry that follows attempt `attempt` (1-based).
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let i = (attempt.max(1) as usize - 1).min(self.backoff.len().saturating_sub(1));
        self.backoff
            .get(i)
            .copied()
            .unwrap_or(Duration::from_secs(1))
    }
}

/// What a handler does with one job's payload.
pub type Handler = Arc<dyn Fn(Job) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The handlers a runner has, by kind, and the kinds a node runs one job of at a time.
#[derive(Default, Clone)]
pub struct Handlers(
    HashMap<&'static str, (Kind, Handler)>,
    std::collections::HashSet<&'static str>,
);

impl Handlers {
    /// Run jobs of `kind` with `run`, one at a time on a node: for work that takes a core for
    /// seconds a job (a photo's AVIF), whose queue may be long, so it holds one of the node's
    /// [`AT_ONCE`] places and never all of them (mail and newsletters keep theirs).
    pub fn add_one_at_a_time<F, Fut>(&mut self, kind: Kind, run: F)
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.add(kind, run);
        self.1.insert(kind.name);
    }

    /// Run jobs of `kind` with `run`.
    pub fn add<F, Fut>(&mut self, kind: Kind, run: F)
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let run: Handler = Arc::new(move |job| Box::pin(run(job)));
        self.0.insert(kind.name, (kind, run));
    }
}

/// Queues jobs: cheap to clone; given to everything that queues work.
#[derive(Clone)]
pub struct JobQueue {
    store: Store,
    clock: Clock,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue").finish_non_exhaustive()
    }
}

impl JobQueue {
    pub fn new(store: Store, clock: Clock) -> Self {
        Self {
            store,
            clock,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Queue a job of `kind` with this payload, due at once, or at `run_at`; with a
    /// `dedupe_key`, one live job per kind and key. The job's id.
    pub async fn enqueue(
        &self,
        kind: &Kind,
        payload: &impl serde::Serialize,
        dedupe_key: Option<String>,
        run_at: Option<Timestamp>,
    ) -> Result<i64, StoreError> {
        let now = self.clock.now();
        let payload = serde_json::to_string(payload)
            .map_err(|e| StoreError::Invalid(format!("a {} job's payload: {e}", kind.name)))?;
        let id = self
            .store
            .enqueue_job(
                &NewJob {
                    kind: kind.name.to_owned(),
                    payload,
                    dedupe_key,
                    run_at: run_at.unwrap_or(now),
                    max_attempts: kind.max_attempts,
                },
                now,
            )
            .await?;
        self.wake();
        Ok(id)
    }

    /// Have this node's runner look for due jobs now. The one place that says "a job may be
    /// waiting": a cross-node notification (PostgreSQL `LISTEN`) would call it too.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Wait (at most `within`) until no live job of `kind` is due now or running; whether that
    /// came. For tests and tools; a job due later does not count.
    pub async fn settled(&self, kind: &Kind, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let now = self.clock.now();
            let busy = match self
                .store
                .jobs(dateline_store::JobFilter::All, 10_000)
                .await
            {
                Ok(jobs) => jobs.iter().any(|j| {
                    j.kind == kind.name
                        && !j.failed()
                        && (j.lease_owner.is_some() || j.run_at <= now)
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "reading the jobs failed");
                    true
                }
            };
            if !busy {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

/// How a runner works: its node's name, lease and poll.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// This node's name in the leases it holds (`--node-name`, or a random one).
    pub node: String,
    pub lease: Duration,
    pub poll: Duration,
}

/// The handle on the runner: cheap to clone; the task stops when the last handle goes (without
/// releasing its leases: call [`Jobs::shutdown`] for an orderly stop).
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
    _task: Arc<Owned>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("node", &self.inner.options.node)
            .finish_non_exhaustive()
    }
}

struct Inner {
    queue: JobQueue,
    handlers: Handlers,
    kinds: Vec<&'static str>,
    options: RunnerOptions,
    /// Jobs this node holds the lease of, by id: what shutdown gives back.
    running: Mutex<HashMap<i64, Job>>,
    /// Set (with the grace) when the node stops.
    stop: watch::Sender<Option<Duration>>,
    /// Set when the runner has stopped and given back what it held.
    stopped: watch::Sender<bool>,
    /// Runs ended on this node (finished, failed or retried): tests wait on it.
    ran: watch::Sender<u64>,
    /// Runs ended on this node by kind and outcome, for the metrics ([`Jobs::outcomes`]).
    outcomes: Mutex<std::collections::BTreeMap<(String, Outcome), u64>>,
}

/// How a run on this node ended, as the metrics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Finished,
    /// Failed and queued to be tried again.
    Retried,
    /// Failed for good.
    Failed,
    /// Its lease was taken over by another node.
    Lost,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Finished => "finished",
            Outcome::Retried => "retried",
            Outcome::Failed => "failed",
            Outcome::Lost => "lost",
        }
    }
}

/// Aborts the task when the last handle is dropped.
struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A random node name, `node-` and 8 hex digits, for a node started without `--node-name`.
pub fn random_node_name() -> String {
    let mut bytes = [0u8; 4];
    // Without randomness the process id still tells nodes on one machine apart.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = std::process::id().to_be_bytes();
    }
    format!("node-{}", hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Jobs {
    /// Start the runner (on the current tokio runtime).
    pub fn start(queue: JobQueue, handlers: Handlers, options: RunnerOptions) -> Self {
        let mut kinds: Vec<&'static str> = handlers.0.keys().copied().collect();
        kinds.sort_unstable();
        let inner = Arc::new(Inner {
            queue,
            handlers,
            kinds,
            options,
            running: Mutex::default(),
            stop: watch::Sender::new(None),
            stopped: watch::Sender::new(false),
            ran: watch::Sender::new(0),
            outcomes: Mutex::default(),
        });
        tracing::info!(node = %inner.options.node, kinds = ?inner.kinds, "job runner started");
        let task = tokio::spawn(inner.clone().run());
        Self {
            inner,
            _task: Arc::new(Owned(task)),
        }
    }

    /// This node's name in the leases it holds.
    pub fn node(&self) -> &str {
        &self.inner.options.node
    }

    /// The queue this runner takes from.
    pub fn queue(&self) -> &JobQueue {
        &self.inner.queue
    }

    /// Runs ended on this node since start (finished, retried or failed).
    pub fn ran(&self) -> u64 {
        *self.inner.ran.borrow()
    }

    /// Runs ended on this node since start, by kind and outcome (counters: they only grow).
    pub fn outcomes(&self) -> Vec<(String, Outcome, u64)> {
        self.inner
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|((kind, outcome), n)| (kind.clone(), *outcome, *n))
            .collect()
    }

    /// Wait until at least `n` runs ended on this node, for at most `within`; whether they did.
    pub async fn ran_at_least(&self, n: u64, within: Duration) -> bool {
        let mut rx = self.inner.ran.subscribe();
        tokio::time::timeout(within, rx.wait_for(|r| *r >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Stop claiming, let running jobs finish for up to `grace`, give back the rest, and return
    /// once the runner has stopped. Later calls return at once.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.stop.send_if_modified(|s| {
            if s.is_none() {
                *s = Some(grace);
                true
            } else {
                false
            }
        });
        let mut rx = self.inner.stopped.subscribe();
        // The sender lives as long as `self`.
        let _ = rx.wait_for(|s| *s).await;
    }
}

impl Inner {
    async fn run(self: Arc<Self>) {
        let mut stop = self.stop.subscribe();
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut failing = Duration::ZERO;
        loop {
            if stop.borrow().is_some() {
                break;
            }
            let free = AT_ONCE.saturating_sub(tasks.len());
            let mut full = false;
            if free > 0 {
                match self.claim(free).await {
                    Ok(jobs) => {
                        failing = Duration::ZERO;
                        full = jobs.len() == free;
                        for job in jobs {
                            tasks.spawn(self.clone().work(job));
                        }
                    }
                    Err(e) => {
                        // The database is away: wait longer each time, up to a minute.
                        failing = (failing * 2).clamp(self.options.poll, Duration::from_secs(60));
                        tracing::warn!(error = %e, retry_in_ms = failing.as_millis() as u64,
                            "claiming jobs failed");
                    }
                }
            }
            // A full claim may have left more due: claim again as soon as a slot frees.
            let pause = if failing.is_zero() {
                self.options.poll
            } else {
                failing
            };
            tokio::select! {
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = self.queue.wake.notified(), if !full => {}
                () = tokio::time::sleep(pause), if !full || tasks.is_empty() => {}
                _ = stop.changed() => {}
            }
        }
        let grace = stop.borrow().unwrap_or(Duration::ZERO);
        let running = tasks.len();
        if running > 0 {
            tracing::info!(
                jobs = running,
                grace_ms = grace.as_millis() as u64,
                "stopping: letting running jobs finish"
            );
        }
        let _ =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        let left: Vec<Job> = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, j)| j)
            .collect();
        for job in left {
            match self.queue.store.release_job(&job).await {
                Ok(true) => tracing::info!(job_id = job.id, kind = %job.kind,
                    "job given back unfinished: another node (or the next start) takes it"),
                Ok(false) => {}
                Err(e) => tracing::warn!(job_id = job.id, error = %e,
                    "giving a job back failed: it waits for its lease to run out"),
            }
        }
        self.stopped.send_replace(true);
        tracing::info!(node = %self.options.node, "job runner stopped");
    }

    async fn claim(&self, limit: usize) -> Result<Vec<Job>, StoreError> {
        let now = self.queue.clock.now();
        let until = lease_end(now, self.options.lease);
        // A one-at-a-time kind is claimed alone, one job, and only while none of it runs here;
        // the other kinds share what is left.
        let busy: Vec<String> = {
            let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            running.values().map(|j| j.kind.clone()).collect()
        };
        let mut jobs = Vec::new();
        for kind in self.kinds.iter().filter(|k| self.handlers.1.contains(*k)) {
            if jobs.len() < limit && !busy.iter().any(|b| b == kind) {
                jobs.extend(
                    self.queue
                        .store
                        .claim_jobs(&[kind], &self.options.node, now, until, 1)
                        .await?,
                );
            }
        }
        let shared: Vec<&'static str> = self
            .kinds
            .iter()
            .copied()
            .filter(|k| !self.handlers.1.contains(k))
            .collect();
        let left = limit.saturating_sub(jobs.len());
        if left > 0 && !shared.is_empty() {
            jobs.extend(
                self.queue
                    .store
                    .claim_jobs(
                        &shared,
                        &self.options.node,
                        now,
                        until,
                        u32::try_from(left).unwrap_or(u32::MAX),
                    )
                    .await?,
            );
        }
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        for job in &jobs {
            if job.attempts > 1 {
                tracing::info!(job_id = job.id, kind = %job.kind, attempt = job.attempts,
                    "job claimed again");
            }
            running.insert(job.id, job.clone());
        }
        Ok(jobs)
    }

    async fn work(self: Arc<Self>, job: Job) {
        let Some((kind, handler)) = self.handlers.0.get(job.kind.as_str()).cloned() else {
            // Claimed only by kind, so this cannot happen; give it back rather than lose it.
            let _ = self.queue.store.release_job(&job).await;
            self.forget(&job);
            return;
        };
        let renew = async {
            loop {
                tokio::time::sleep(self.options.lease / 3).await;
                let until = lease_end(self.queue.clock.now(), self.options.lease);
                match self.queue.store.renew_job(&job, until).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!(job_id = job.id, error = %e, "renewing a job's lease failed");
                    }
                }
            }
        };
        let outcome = tokio::select! {
            r = handler(job.clone()) => Some(r),
            () = renew => None,
        };
        let store = &self.queue.store;
        let now = self.queue.clock.now();
        let counted = match &outcome {
            None => Outcome::Lost,
            Some(Ok(())) => Outcome::Finished,
            Some(Err(_)) if job.attempts >= job.max_attempts => Outcome::Failed,
            Some(Err(_)) => Outcome::Retried,
        };
        let kept = match outcome {
            None => {
                tracing::warn!(job_id = job.id, kind = %job.kind,
                    "a job's lease was taken over by another node: this node stopped running it");
                Ok(true)
            }
            Some(Ok(())) => store.finish_job(&job).await,
            Some(Err(e)) => {
                let error = format!("{e:#}");
                if job.attempts >= job.max_attempts {
                    tracing::error!(job_id = job.id, kind = %job.kind, attempts = job.attempts,
                        error = %error,
                        "a job failed for good: it is kept as failed (`dateline jobs list`)");
                    store.fail_job(&job, &error, now).await
                } else {
                    let wait = kind.backoff_after(job.attempts);
                    tracing::warn!(job_id = job.id, kind = %job.kind, attempt = job.attempts,
                        retry_in_ms = wait.as_millis() as u64, error = %error,
                        "a job failed; it will be tried again");
                    store.retry_job(&job, &error, lease_end(now, wait)).await
                }
            }
        };
        match kept {
            Ok(true) => {}
            Ok(false) => tracing::warn!(job_id = job.id, kind = %job.kind,
                "a job ended after its lease was taken over: its result counts for nothing here"),
            Err(e) => tracing::warn!(job_id = job.id, error = %e,
                "recording a job's end failed: it runs again when its lease runs out"),
        }
        self.forget(&job);
        // Counted once the store has the job's end, so a scrape that sees the outcome also
        // sees the job pending again (or gone) rather than still running.
        *self
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((job.kind.clone(), counted))
            .or_default() += 1;
        self.ran.send_modify(|n| *n += 1);
    }

    fn forget(&self, job: &Job) {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&job.id);
    }
}

/// `now` plus `d`, saturating at the end of time.
fn lease_end(now: Timestamp, d: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}
