//! The scheduler: the one task, owned by [`AppState`](crate::AppState), that publishes
//! scheduled stories when their time comes. At start it publishes every story whose time
//! passed while the server was down ([`Scheduler::start`] runs one [`Scheduler::tick`] before
//! returning).
//!
//! No story is published twice: each publication is the store's conditional update (`… WHERE
//! status = 'scheduled' AND scheduled_for <= now`), so two ticks, or two nodes sharing a
//! PostgreSQL database, race harmlessly. Time comes only from [`Clock`]; the task wakes at the
//! next scheduled time (at most a minute away, so another node's schedule is seen) or when the
//! newsroom schedules something ([`Scheduler::wake`]). Tests move the clock and call `tick`.

use crate::clock::Clock;
use dateline_core::article::path_date;
use dateline_store::Store;
use jiff::tz::TimeZone;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The longest the task sleeps between looks at the schedule.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// The handle: cheap to clone; the task stops when the last handle goes.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
    _task: Arc<Owned>,
}

struct Inner {
    store: Store,
    clock: Clock,
    wake: Notify,
}

/// Aborts the task when the last handle is dropped.
struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Scheduler {
    /// Publish what is overdue, then start the task (on the current tokio runtime).
    pub async fn start(store: Store, clock: Clock) -> anyhow::Result<Self> {
        let inner = Arc::new(Inner {
            store,
            clock,
            wake: Notify::new(),
        });
        let overdue = inner.tick().await?;
        if overdue > 0 {
            tracing::info!(
                stories = overdue,
                "published stories whose time passed while stopped"
            );
        }
        let worker = inner.clone();
        let task = tokio::spawn(async move {
            loop {
                let pause = match worker.store.next_scheduled().await {
                    Ok(Some(at)) => {
                        let wait = at.duration_since(worker.clock.now());
                        Duration::try_from(wait)
                            .unwrap_or(Duration::ZERO)
                            .min(MAX_SLEEP)
                    }
                    Ok(None) => MAX_SLEEP,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the schedule failed");
                        MAX_SLEEP
                    }
                };
                // A notification sent while not waiting is kept, so a wake is never lost.
                let _ = tokio::time::timeout(pause, worker.wake.notified()).await;
                if let Err(e) = worker.tick().await {
                    tracing::error!(error = ?e, "publishing scheduled stories failed");
                }
            }
        });
        Ok(Self {
            inner,
            _task: Arc::new(Owned(task)),
        })
    }

    /// Publish every story due now; how many this call published.
    pub async fn tick(&self) -> anyhow::Result<usize> {
        self.inner.tick().await
    }

    /// Look at the schedule again now (something was scheduled).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }
}

impl Inner {
    async fn tick(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let due = self.store.due_scheduled(now).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let settings = self.store.site_settings().await?;
        let tz = dateline_core::dateline::time_zone(&settings.time_zone).unwrap_or(TimeZone::UTC);
        let mut published = 0;
        for id in due {
            if let Some(a) = self
                .store
                .publish_scheduled(id, path_date(now, &tz), now)
                .await?
            {
                published += 1;
                tracing::info!(article_id = %a.id, "published on schedule");
            }
        }
        Ok(published)
    }
}
