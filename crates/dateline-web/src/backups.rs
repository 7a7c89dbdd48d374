//! Scheduled backups (`[backup] every = "6h"`, `keep = 28`, `dir = …` in `dateline.toml`): a
//! durable job (`backup.scheduled`, one live job across nodes through its dedupe key, so
//! exactly one node runs each backup) that writes an archive into the folder, prunes the
//! oldest beyond `keep`, keeps the outcome in the store for the newsroom's settings page and
//! queues itself again `every` later.
//!
//! The web layer does not know how an archive is made: the binary hands in [`MakeBackup`]
//! (`dateline::backup`), so this crate keeps away from `pg_dump`, tar and the configuration.
//! Never on the request path: the settings page only reads [`Status`] and the queued job.

use crate::jobs::{Handlers, JobQueue, Kind};
use dateline_store::{JobFilter, Store};
use futures::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Makes one archive at the path given; the binary's `dateline backup`.
pub type MakeBackup = Arc<dyn Fn(PathBuf) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The job. It retries a failed backup itself (see [`RETRY`]) and always queues the next
/// run, so the queue's own retries are only for the store failing under it.
pub const KIND: Kind = Kind {
    name: "backup.scheduled",
    max_attempts: 3,
    backoff: &[Duration::from_secs(60)],
};
/// After a failed backup, the next try comes this soon (or at the next regular time, if that is
/// sooner), up to [`RETRIES`] times in a row; then at the regular times again. A full disk or
/// a busy database may clear; the failure is on the settings page and logged as an error
/// either way.
const RETRY: Duration = Duration::from_secs(600);
const RETRIES: u32 = 2;
/// The one key the scheduled job is queued under: one live job across nodes.
const KEY: &str = "scheduled";
/// Names the backups this schedule writes and prunes; nothing else in the folder is touched.
const PREFIX: &str = "dateline-";
const SUFFIX: &str = ".tar.gz";

/// The schedule, checked by the binary's configuration.
#[derive(Clone)]
pub struct Plan {
    pub every: Duration,
    pub keep: u32,
    pub dir: PathBuf,
    pub make: MakeBackup,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("every", &self.every)
            .field("keep", &self.keep)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The latest outcomes, kept in the store (`settings` key `backup_status`) so every node's
/// settings page shows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Status {
    pub last_success_at: Option<Timestamp>,
    pub last_file: Option<String>,
    pub last_size: Option<u64>,
    pub last_failure_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// Failures since the last success.
    #[serde(default)]
    pub failures_in_a_row: u32,
}

/// What the settings page shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub plan: Plan,
    pub status: Status,
    /// When the queued job is due; None when none is queued.
    pub next_run: Option<Timestamp>,
}

/// The running schedule: registers the job's handler and queues the first run.
#[derive(Clone)]
pub struct Backups {
    plan: Plan,
    queue: JobQueue,
}

impl std::fmt::Debug for Backups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backups")
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

impl Backups {
    pub fn start(queue: JobQueue, plan: Plan, handlers: &mut Handlers) -> Self {
        let me = Self { plan, queue };
        let run = me.clone();
        handlers.add(KIND, move |_job| {
            let run = run.clone();
            async move { run.run_once().await }
        });
        me
    }

    /// Queue the next run `every` from now, unless one is queued sooner (a pending job keeps
    /// the earlier time, so restarts never put a backup off).
    pub async fn queue_first(&self) -> anyhow::Result<()> {
        let at = self.after(self.queue.clock().now());
        self.queue
            .enqueue(&KIND, &(), Some(KEY.to_owned()), Some(at))
            .await?;
        Ok(())
    }

    fn after(&self, now: Timestamp) -> Timestamp {
        jiff::SignedDuration::try_from(self.plan.every)
            .ok()
            .and_then(|d| now.checked_add(d).ok())
            .unwrap_or(Timestamp::MAX)
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let store = self.queue.store().clone();
        let now = self.queue.clock().now();
        // The next run is queued first (while this one runs, the queue keeps it as a run
        // after this one), so nothing here can end the schedule.
        self.queue
            .enqueue(&KIND, &(), Some(KEY.to_owned()), Some(self.after(now)))
            .await?;
        let name = format!("{PREFIX}{}{SUFFIX}", now.strftime("%Y%m%dT%H%M%SZ"));
        let path = self.plan.dir.join(&name);
        let dir = self.plan.dir.clone();
        let started = std::time::Instant::now();
        let made = match tokio::fs::create_dir_all(&dir).await {
            Ok(()) => (self.plan.make)(path.clone()).await,
            Err(e) => Err(anyhow::Error::new(e).context(format!("creating {}", dir.display()))),
        };
        let mut status = status(&store).await.unwrap_or_default();
        match made {
            Ok(()) => {
                let size = tokio::fs::metadata(&path).await.map(|m| m.len()).ok();
                let keep = self.plan.keep;
                let pruned = tokio::task::spawn_blocking(move || prune(&dir, keep)).await?;
                let pruned = pruned.unwrap_or_else(|e| {
                    tracing::warn!(error = %format!("{e:#}"), "old scheduled backups not pruned");
                    0
                });
                tracing::info!(file = %path.display(), size, pruned,
                    secs = started.elapsed().as_secs_f64(), "scheduled backup written");
                status.last_success_at = Some(now);
                status.last_file = Some(name);
                status.last_size = size;
                status.failures_in_a_row = 0;
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), file = %path.display(),
                    "scheduled backup failed");
                // Nothing half-written is left under an archive's name.
                let _ = tokio::fs::remove_file(&path).await;
                status.last_failure_at = Some(now);
                status.last_error = Some(format!("{e:#}"));
                status.failures_in_a_row += 1;
                if status.failures_in_a_row <= RETRIES && RETRY < self.plan.every {
                    let soon = jiff::SignedDuration::try_from(RETRY)
                        .ok()
                        .and_then(|d| now.checked_add(d).ok())
                        .unwrap_or(Timestamp::MAX);
                    self.queue
                        .enqueue(&KIND, &(), Some(KEY.to_owned()), Some(soon))
                        .await?;
                }
            }
        }
        set_status(&store, &status).await?;
        Ok(())
    }

    /// What the settings page shows.
    pub async fn report(&self) -> anyhow::Result<Report> {
        let store = self.queue.store();
        let next_run = store
            .jobs(JobFilter::All, 1000)
            .await?
            .into_iter()
            .filter(|j| j.kind == KIND.name && j.failed_at.is_none())
            .map(|j| j.run_at)
            .min();
        Ok(Report {
            plan: self.plan.clone(),
            status: status(store).await?,
            next_run,
        })
    }
}

async fn status(store: &Store) -> anyhow::Result<Status> {
    Ok(match store.note("backup_status").await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => Status::default(),
    })
}

async fn set_status(store: &Store, status: &Status) -> anyhow::Result<()> {
    store
        .set_note("backup_status", &serde_json::to_string(status)?)
        .await?;
    Ok(())
}

/// Delete this schedule's oldest archives in `dir` beyond the newest `keep` (their names sort
/// by time); how many were deleted.
pub fn prune(dir: &Path, keep: u32) -> anyhow::Result<usize> {
    let mut ours: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    ours.sort();
    let extra = ours.len().saturating_sub(keep as usize);
    for old in &ours[..extra] {
        std::fs::remove_file(old)?;
        tracing::info!(file = %old.display(), "old scheduled backup deleted");
    }
    Ok(extra)
}
