//! Related stories, ranked off the request path. Ranking a story's related list needs the
//! store's candidates (shared tags, same section, recency) and the search index's text
//! similarity: on the 100,000-story site the similarity query alone costs several milliseconds,
//! more than the rest of the page. So each published story keeps its automatic list in the
//! store (`related_lists`), and the article page reads it with one statement, puts the editor's
//! picks in front and drops stories readers can no longer see.
//!
//! [`RelatedLists`] keeps those lists through durable jobs (`web/src/jobs.rs`), so any node
//! ranks them and none ranks the same story twice at once: its task follows the store's change
//! events and queues a `related.rank` job per changed story (its list is ranked once the index
//! has caught up with it, and then the stories in that list get jobs too, since the newcomer
//! may belong in theirs; a story whose kept list changed has its cached page dropped). A
//! `related.sweep` job, one across nodes (its dedupe key), looks every minute for what is due,
//! stories without a list (after a rebuild or an upgrade, newest first) and lists older than
//! [`REFRESH_AFTER`] (recency counts in the ranking), and queues their rankings, paced to at
//! most half of one core. A page whose story has no list yet ranks inline, as before, and
//! queues the story's ranking.

use crate::jobs::{Handlers, JobQueue, Kind};
use crate::search::Search;
use anyhow::Context;
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::related::{self, Candidate, Subject};
use dateline_core::tag::Tag;
use dateline_search::{SearchIndex, Similar};
use dateline_store::{ArticleSummary, Change, Store};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// Stories kept per list: more than a page shows, so that after the editor's picks and stories
/// withdrawn since, four remain.
pub const KEEP: usize = 8;
/// Similar stories asked of the index per ranking.
pub const SIMILAR: usize = 12;
/// A list computed longer ago than this is recomputed when the worker is otherwise idle.
pub const REFRESH_AFTER: SignedDuration = SignedDuration::from_hours(24 * 7);
/// Stories taken from the store per look at what is due.
const DUE_BATCH: u32 = 100;
/// With nothing due, the sweep looks again this often (other nodes' stories, aging lists).
const IDLE: Duration = Duration::from_secs(60);
/// How long the worker waits for the index to catch up with a change before ranking anyway.
const INDEX_WAIT: Duration = Duration::from_secs(5);
/// A published story the index did not have is ranked again after this, at most [`RETRIES`]
/// times, within its job.
const RETRY_AFTER: Duration = Duration::from_millis(250);
const RETRIES: u32 = 40;

/// What ranking a story's related list gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Ranked {
    /// The list, best first, at most [`KEEP`].
    List(Vec<ArticleId>),
    /// The story is not published (or gone): it needs no list.
    NotPublished,
    /// The index does not have the story yet: a list ranked without its similarity must not be
    /// kept; ask again once the index has caught up.
    NotIndexed,
}

/// The automatic list of story `id` as of `now`.
pub async fn compute(
    store: &Store,
    index: &Arc<SearchIndex>,
    id: ArticleId,
    now: Timestamp,
) -> anyhow::Result<Ranked> {
    let article = match store.article(id).await {
        Ok(a) => a,
        Err(dateline_store::StoreError::NotFound) => return Ok(Ranked::NotPublished),
        Err(e) => return Err(e.into()),
    };
    if article.status != Status::Published {
        return Ok(Ranked::NotPublished);
    }
    let ids = [id];
    let Some(similar) = crate::search::similar(index, id, SIMILAR).await else {
        return Ok(Ranked::NotIndexed);
    };
    let (tags, candidates) = tokio::try_join!(
        store.tags_of(&ids),
        store.related_candidates(id, article.section_id),
    )?;
    let tags: Vec<Tag> = tags.into_iter().map(|(_, t)| t).collect();
    let subject = Subject {
        id,
        section_id: article.section_id,
    };
    Ok(Ranked::List(rank(
        &subject, candidates, &similar, &tags, now,
    )))
}

/// Rank and keep the lists of published stories (`dateline reindex`): those without one, or
/// every one with `all`; two at a time, calling `progress(done, total)` now and then. The
/// number of lists kept.
pub async fn rank_all(
    store: &Store,
    index: &Arc<SearchIndex>,
    now: Timestamp,
    all: bool,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<usize> {
    use futures::StreamExt;
    let ids = store.published_ids(!all).await?;
    let total = ids.len();
    let mut work = futures::stream::iter(ids)
        .map(|id| async move {
            let Ranked::List(list) = compute(store, index, id, now).await? else {
                return anyhow::Ok(0);
            };
            store.save_related_list(id, &list, now).await?;
            Ok(1)
        })
        .buffer_unordered(2);
    let (mut done, mut kept) = (0, 0);
    while let Some(r) = work.next().await {
        kept += r?;
        done += 1;
        progress(done, total);
    }
    Ok(kept)
}

/// The related stories a page shows: the first [`related::LIMIT`] of `wanted` (editors' picks,
/// then the kept list) that are still published, as summaries. Kept lists are re-ranked when a
/// story leaves, so the first four nearly always are: this asks for four, and for the next four
/// only when some dropped out.
pub async fn shown(
    store: &Store,
    wanted: &[ArticleId],
) -> Result<Vec<ArticleSummary>, dateline_store::StoreError> {
    let mut out = Vec::with_capacity(related::LIMIT);
    for batch in wanted.chunks(related::LIMIT) {
        out.extend(store.summaries(batch).await?);
        if out.len() >= related::LIMIT {
            break;
        }
    }
    out.truncate(related::LIMIT);
    Ok(out)
}

/// Fold the index's similar stories into the store's candidates and rank them.
pub fn rank(
    subject: &Subject,
    mut candidates: Vec<Candidate>,
    similar: &[Similar],
    subject_tags: &[Tag],
    now: Timestamp,
) -> Vec<ArticleId> {
    add_similar(&mut candidates, similar, subject_tags);
    related::automatic(subject, &candidates, now, KEEP)
}

/// A story in both gets its similarity; one only the index found joins with the tags it shares
/// with the subject.
fn add_similar(candidates: &mut Vec<Candidate>, similar: &[Similar], subject_tags: &[Tag]) {
    for s in similar {
        match candidates.iter_mut().find(|c| c.id == s.id) {
            Some(c) => c.similarity = s.similarity,
            None => candidates.push(Candidate {
                id: s.id,
                section_id: s.section_id,
                published_at: s.published_at,
                shared_tags: s
                    .tags
                    .iter()
                    .filter(|t| subject_tags.iter().any(|x| x.id == **t))
                    .count() as u32,
                similarity: s.similarity,
            }),
        }
    }
}

/// Ranking one story's list. Payload: [`Rank`]; dedupe key: the story's id (with `+` when
/// its neighbours follow), so a story queued again while it waits is ranked once.
pub const RANK: Kind = Kind {
    name: "related.rank",
    max_attempts: 3,
    backoff: &[Duration::from_secs(5), Duration::from_secs(60)],
};

/// Looking for due lists: one job across nodes (dedupe key `sweep`), queued at every start and
/// by itself, a minute later (sooner while a backlog lasts).
pub const SWEEP: Kind = Kind {
    name: "related.sweep",
    max_attempts: 10,
    backoff: &[Duration::from_secs(60)],
};

/// How soon the sweep looks again after a full batch (a backlog).
const SWEEP_BACKLOG: Duration = Duration::from_secs(5);

/// What a `related.rank` job carries.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Rank {
    pub id: i64,
    /// The story changed: wait for the index to catch up first, and rank the stories in its
    /// new list after.
    #[serde(default)]
    pub neighbours: bool,
    /// Background work from the sweep: rest as long as the work took after.
    #[serde(default)]
    pub paced: bool,
}

/// The handle on the worker: cheap to clone; the task stops when the last handle goes.
#[derive(Clone)]
pub struct RelatedLists {
    queue: JobQueue,
    _task: Arc<Owned>,
}

impl std::fmt::Debug for RelatedLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelatedLists").finish_non_exhaustive()
    }
}

struct Inner {
    queue: JobQueue,
    search: Search,
    /// Paced rankings take turns, one at a time per node, so their work and rest together keep
    /// to half a core however many run at once.
    pace: tokio::sync::Semaphore,
}

/// Aborts the task when the last handle is dropped.
struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RelatedLists {
    /// Add the ranking and sweep jobs' handlers to `handlers` and start the task that turns
    /// change events into ranking jobs (on the current tokio runtime).
    pub fn start(queue: JobQueue, search: Search, handlers: &mut Handlers) -> Self {
        // Subscribe now, so no change made after start is missed.
        let changes = queue.store().changes();
        let inner = Arc::new(Inner {
            queue: queue.clone(),
            search,
            pace: tokio::sync::Semaphore::new(1),
        });
        let rank = inner.clone();
        handlers.add(RANK, move |job| {
            let inner = rank.clone();
            async move {
                let r: Rank =
                    serde_json::from_str(&job.payload).context("reading the job's payload")?;
                inner.rank(r).await
            }
        });
        let sweep = inner.clone();
        handlers.add(SWEEP, move |_job| {
            let inner = sweep.clone();
            async move { inner.sweep().await }
        });
        let task = tokio::spawn(inner.follow(changes));
        Self {
            queue,
            _task: Arc::new(Owned(task)),
        }
    }

    /// Queue the sweep (at start: two nodes starting together make one job).
    pub async fn queue_sweep(&self) -> Result<(), dateline_store::StoreError> {
        self.queue
            .enqueue(&SWEEP, &(), Some("sweep".to_owned()), None)
            .await?;
        Ok(())
    }

    /// A page found no list for `id`: compute it soon. Never fails the page: a failure to
    /// queue is logged, and the sweep finds the story later.
    pub async fn want(&self, id: ArticleId) {
        let job = Rank {
            id: id.0,
            neighbours: false,
            paced: false,
        };
        if let Err(e) = self
            .queue
            .enqueue(&RANK, &job, Some(id.0.to_string()), None)
            .await
        {
            tracing::warn!(error = %e, %id, "queueing a related list failed");
        }
    }
}

impl Inner {
    /// Turn change events into ranking jobs.
    async fn follow(self: Arc<Self>, mut changes: broadcast::Receiver<Change>) {
        loop {
            match changes.recv().await {
                Ok(Change::Article(id)) => {
                    let job = Rank {
                        id: id.0,
                        neighbours: true,
                        paced: false,
                    };
                    if let Err(e) = self
                        .queue
                        .enqueue(&RANK, &job, Some(format!("{}+", id.0)), None)
                        .await
                    {
                        // The sweep finds a story with no list; an edited story's list ages
                        // out within the week.
                        tracing::warn!(error = %e, %id, "queueing a related list failed");
                    }
                }
                // Missed stories are found by the sweep (no list yet) or age out.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// The `related.rank` job.
    async fn rank(&self, job: Rank) -> anyhow::Result<()> {
        let _turn = if job.paced {
            Some(
                self.pace
                    .acquire()
                    .await
                    .context("the worker has stopped")?,
            )
        } else {
            None
        };
        let started = std::time::Instant::now();
        let store = self.queue.store();
        let id = ArticleId(job.id);
        self.search.ready().await;
        if job.neighbours {
            self.search.caught_up(store.generation(), INDEX_WAIT).await;
        }
        // A story the index does not have yet (just published, on this node or another) is
        // looked at again a bounded number of times; after that it is left to the sweep, as
        // it has no list.
        let mut tries = 0;
        let refreshed = loop {
            match self.refresh(id).await? {
                Some(Refreshed::NotIndexed) if tries < RETRIES => {
                    tries += 1;
                    tokio::time::sleep(RETRY_AFTER).await;
                }
                Some(Refreshed::NotIndexed) => {
                    tracing::debug!(%id, "not in the search index yet; left to the sweep");
                    break None;
                }
                Some(Refreshed::Kept { list, moved }) => break Some((list, moved)),
                None => break None,
            }
        };
        if let Some((list, moved)) = refreshed {
            // Pages rendered since the change show the old list: drop this story's (a story
            // without a kept list was ranked inline, the same way, so its page is right).
            if moved && let Err(e) = store.related_lists_changed(vec![id]).await {
                tracing::warn!(error = %e, %id, "announcing a new related list failed");
            }
            // The newcomer may belong in the lists of the stories in its own.
            if job.neighbours {
                for n in list {
                    let next = Rank {
                        id: n.0,
                        neighbours: false,
                        paced: false,
                    };
                    self.queue
                        .enqueue(&RANK, &next, Some(n.0.to_string()), None)
                        .await?;
                }
            }
        }
        if job.paced {
            // Rest as long as the work took, so a backlog of 100,000 lists never takes more
            // than half a core from readers (the lease is renewed meanwhile).
            tokio::time::sleep(started.elapsed()).await;
        }
        Ok(())
    }

    /// The `related.sweep` job: queue the rankings of what is due, and the next sweep.
    async fn sweep(&self) -> anyhow::Result<()> {
        let store = self.queue.store();
        let now = self.queue.clock().now();
        let older = now.checked_sub(REFRESH_AFTER).unwrap_or(Timestamp::MIN);
        let due = store.related_due(older, DUE_BATCH).await?;
        for id in &due {
            let job = Rank {
                id: id.0,
                neighbours: false,
                paced: true,
            };
            self.queue
                .enqueue(&RANK, &job, Some(id.0.to_string()), None)
                .await?;
        }
        let next = if due.len() == DUE_BATCH as usize {
            SWEEP_BACKLOG
        } else {
            IDLE
        };
        let at = now
            .checked_add(jiff::SignedDuration::try_from(next)?)
            .unwrap_or(Timestamp::MAX);
        // Queued while this one runs: it runs again at `at` (the store's `again`).
        self.queue
            .enqueue(&SWEEP, &(), Some("sweep".to_owned()), Some(at))
            .await?;
        Ok(())
    }

    /// Recompute and keep `id`'s list; None when the story is not published.
    async fn refresh(&self, id: ArticleId) -> anyhow::Result<Option<Refreshed>> {
        let store = self.queue.store();
        let now = self.queue.clock().now();
        let before = store.related_list(id).await?;
        let list = match compute(store, self.search.index(), id, now).await? {
            Ranked::List(list) => list,
            Ranked::NotPublished => return Ok(None),
            Ranked::NotIndexed => return Ok(Some(Refreshed::NotIndexed)),
        };
        store.save_related_list(id, &list, now).await?;
        let moved = before.is_some_and(|b| b != list);
        Ok(Some(Refreshed::Kept { list, moved }))
    }
}

/// What ranking a published story gave.
enum Refreshed {
    /// A list kept afresh; `moved`: it differs from the list kept before (None before: not a
    /// change pages saw).
    Kept { list: Vec<ArticleId>, moved: bool },
    /// The index does not have the story yet.
    NotIndexed,
}
