//! Related stories, ranked off the request path. Ranking a story's related list needs the
//! store's candidates (shared tags, same section, recency) and the search index's text
//! similarity: on the 100,000-story site the similarity query alone costs several milliseconds,
//! more than the rest of the page. So each published story keeps its automatic list in the
//! store (`related_lists`), and the article page reads it with one statement, puts the editor's
//! picks in front and drops stories readers can no longer see.
//!
//! [`RelatedLists`] owns the worker that keeps those lists: it follows the store's change
//! events (a published or edited story gets its list at once, once the index has caught up
//! with it, and so do the stories in that list, since the newcomer may belong in theirs; then
//! cached pages are dropped once, so readers see the new lists), and in quiet moments it works
//! through what is due: stories without a list (after a rebuild or an upgrade, newest first)
//! and lists older than
//! [`REFRESH_AFTER`] (recency counts in the ranking). Background work is paced to at most half
//! of one core. A page whose story has no list yet ranks inline, as before, and asks the
//! worker to compute it next.

use crate::clock::Clock;
use crate::search::Search;
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::related::{self, Candidate, Subject};
use dateline_core::tag::Tag;
use dateline_search::{SearchIndex, Similar};
use dateline_store::{ArticleSummary, Change, Store};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
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
/// With nothing due, the worker looks again this often (other nodes' stories, aging lists).
const IDLE: Duration = Duration::from_secs(60);
/// How long the worker waits for the index to catch up with a change before ranking anyway.
const INDEX_WAIT: Duration = Duration::from_secs(5);
/// A published story the index did not have is ranked again after this, at most [`RETRIES`]
/// times.
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

/// The handle on the worker: cheap to clone; the task stops when the last handle goes.
#[derive(Clone)]
pub struct RelatedLists {
    inner: Arc<Inner>,
    _task: Arc<Owned>,
}

impl std::fmt::Debug for RelatedLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelatedLists").finish_non_exhaustive()
    }
}

struct Inner {
    store: Store,
    search: Search,
    clock: Clock,
    /// Stories a reader asked for that had no list: computed before other due work.
    wanted: Mutex<BTreeSet<ArticleId>>,
    /// Published stories the index did not have yet: ranked again in a moment.
    retry: Mutex<BTreeSet<ArticleId>>,
    wake: Notify,
}

/// Aborts the task when the last handle is dropped.
struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RelatedLists {
    /// Start the worker (on the current tokio runtime).
    pub fn start(store: Store, search: Search, clock: Clock) -> Self {
        // Subscribe now, so no change made after start is missed.
        let changes = store.changes();
        let inner = Arc::new(Inner {
            store,
            search,
            clock,
            wanted: Mutex::default(),
            retry: Mutex::default(),
            wake: Notify::new(),
        });
        let task = tokio::spawn(inner.clone().run(changes));
        Self {
            inner,
            _task: Arc::new(Owned(task)),
        }
    }

    /// A page found no list for `id`: compute it soon.
    pub fn want(&self, id: ArticleId) {
        let fresh = self
            .inner
            .wanted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        if fresh {
            self.inner.wake.notify_one();
        }
    }
}

impl Inner {
    async fn run(self: Arc<Self>, mut changes: broadcast::Receiver<Change>) {
        self.search.ready().await;
        let mut changed: BTreeSet<ArticleId> = BTreeSet::new();
        let mut attempts: std::collections::BTreeMap<ArticleId, u32> = Default::default();
        loop {
            // Stories the index did not have a moment ago: again, a bounded number of times
            // (a story that never gets indexed is left to the due scan, as it has no list).
            let retry = std::mem::take(&mut *self.retry.lock().unwrap_or_else(|e| e.into_inner()));
            if !retry.is_empty() {
                tokio::time::sleep(RETRY_AFTER).await;
                for id in retry {
                    let n = attempts.entry(id).or_default();
                    *n += 1;
                    if *n <= RETRIES {
                        changed.insert(id);
                    } else {
                        attempts.remove(&id);
                        tracing::debug!(%id, "not in the search index yet; left to the due scan");
                    }
                }
            }
            // What changed first: a newly published story's list, and its neighbours'.
            loop {
                match changes.try_recv() {
                    Ok(Change::Article(id)) => {
                        changed.insert(id);
                    }
                    Ok(_) => {}
                    Err(broadcast::error::TryRecvError::Empty) => break,
                    // Missed stories are found by the due scan (no list yet) or age out.
                    Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                    Err(broadcast::error::TryRecvError::Closed) => return,
                }
            }
            if !changed.is_empty() {
                self.search
                    .caught_up(self.store.generation(), INDEX_WAIT)
                    .await;
                let changed = std::mem::take(&mut changed);
                let mut neighbours: BTreeSet<ArticleId> = BTreeSet::new();
                let mut moved = Vec::new();
                for id in &changed {
                    if let Some(r) = self.refresh(*id).await {
                        attempts.remove(id);
                        neighbours.extend(r.list);
                        if r.moved {
                            moved.push(*id);
                        }
                    }
                }
                // The newcomer may belong in the lists of the stories in its own.
                for id in neighbours.difference(&changed) {
                    if self.refresh(*id).await.is_some_and(|r| r.moved) {
                        moved.push(*id);
                    }
                }
                // Pages rendered since the change show the old lists: drop them, once, and
                // only the pages of stories whose kept list changed (a story without a kept
                // list was ranked inline, the same way, so its page is right).
                if !moved.is_empty()
                    && let Err(e) = self.store.related_lists_changed(moved).await
                {
                    tracing::warn!(error = %e, "announcing new related lists failed");
                }
                continue;
            }
            let wanted: Vec<ArticleId> =
                std::mem::take(&mut *self.wanted.lock().unwrap_or_else(|e| e.into_inner()))
                    .into_iter()
                    .collect();
            let due = if wanted.is_empty() {
                let older = self
                    .clock
                    .now()
                    .checked_sub(REFRESH_AFTER)
                    .unwrap_or(Timestamp::MIN);
                match self.store.related_due(older, DUE_BATCH).await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading due related lists failed");
                        Vec::new()
                    }
                }
            } else {
                wanted
            };
            if due.is_empty() {
                tokio::select! {
                    r = changes.recv() => match r {
                        Ok(Change::Article(id)) => { changed.insert(id); }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(IDLE) => {}
                }
                continue;
            }
            let mut kept = 0;
            for id in due {
                let started = std::time::Instant::now();
                if self.refresh(id).await.is_some() {
                    kept += 1;
                }
                // Paced: rest as long as the work took, so a backlog of 100,000 lists never
                // takes more than half a core from readers. Changes cut the batch short.
                tokio::time::sleep(started.elapsed()).await;
                if !changes.is_empty() {
                    break;
                }
            }
            if kept == 0 {
                // Every one failed (logged): do not spin on them; changes still wake us.
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(IDLE) => {}
                }
            }
        }
    }

    /// Rank `id` again in a moment (the index did not have it yet).
    fn later(&self, id: ArticleId) {
        self.retry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        // The worker may be about to wait for changes: have it look at the retries first.
        self.wake.notify_one();
    }

    /// Recompute and keep `id`'s list; None when the story is not published, not indexed yet
    /// (then it is ranked again in a moment) or the work failed (logged; the story stays due).
    async fn refresh(&self, id: ArticleId) -> Option<Refreshed> {
        let now = self.clock.now();
        let result = async {
            let before = self.store.related_list(id).await?;
            let list = match compute(&self.store, self.search.index(), id, now).await? {
                Ranked::List(list) => list,
                Ranked::NotPublished => return anyhow::Ok(None),
                Ranked::NotIndexed => {
                    self.later(id);
                    return Ok(None);
                }
            };
            self.store.save_related_list(id, &list, now).await?;
            let moved = before.is_some_and(|b| b != list);
            Ok(Some(Refreshed { list, moved }))
        };
        result.await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, %id, "ranking related stories failed");
            None
        })
    }
}

/// A list kept afresh.
struct Refreshed {
    list: Vec<ArticleId>,
    /// Whether it differs from the list kept before (None before: not a change pages saw).
    moved: bool,
}
