//! The search index as the web layer runs it: [`Search`] opens (or rebuilds) the index and
//! owns the indexer, a background task fed by the store's change events that keeps the index
//! in step with the database.
//!
//! The indexer reindexes the articles named by `Change::Article`, in batches: at most one
//! commit every [`COMMIT_EVERY`], so a burst of edits costs one commit and a single edit shows
//! in search within a fraction of a second. When it falls behind the change stream (a lagged
//! receiver), after a restart, and every [`SWEEP_EVERY`] (to pick up other nodes' writes to a
//! shared PostgreSQL), it catches up from the watermark: every story modified since the last
//! catch-up, less a margin, except those a catch-up already reindexed as they are now (else the
//! stories of the margin's last minutes were reindexed and committed every minute, forever, on a
//! quiet site). A step that fails (a commit, a database read) is retried from the watermark
//! [`RETRY_FIRST`] later, doubling while it keeps failing, rather than with the next write or
//! sweep: until it succeeds, the stories it held are not searchable. Index work (tokenising,
//! commits) runs on blocking threads; the request path only ever waits for a search to finish
//! there.
//!
//! It must never make a story searchable that readers cannot see: only published stories are
//! indexed, and every other status removes the story.
//!
//! A search answer reads no SQL when it can help it: the index keeps each story's result card
//! ([`dateline_search::Card`]), and [`Search::find`] uses those cards when the index had caught
//! up with every write announced before the search began, so nothing it holds can be stale.
//! Between a write and the commit that follows it (a fraction of a second) answers read the
//! hits' stories from the store instead, as they always did, so an edited story shows as it is
//! now and one withdrawn a moment ago not at all.

use crate::AppError;
use crate::state::SiteContext;
use dateline_core::ArticleId;
use dateline_core::page::PageRequest;
use dateline_core::person::Person;
use dateline_core::section::Section;
use dateline_search::{
    Byline, Card, Document, Hit, Opened, Request, Results, SearchIndex, Similar, Sort,
};
use dateline_store::{ArticleSummary, Change, Modified, SearchSource, Shared, Store};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Search texts longer than this are never prepared on the request's thread (see
/// [`Search::query`]): a quick search is one word or a quoted pair.
const QUICK_TEXT_BYTES: usize = 100;
/// At most one commit this often: changes arriving meanwhile are batched into the next.
pub const COMMIT_EVERY: Duration = Duration::from_millis(200);
/// How soon a failed step (a commit that failed, a database read) is tried again the first
/// time: within a second, so a passing fault costs readers no more than that.
pub const RETRY_FIRST: Duration = Duration::from_millis(500);
/// The longest wait between retries of a step that keeps failing (a full disk): doubling from
/// [`RETRY_FIRST`] up to this, so a lasting fault does not fill the log.
const RETRY_AT_MOST: Duration = Duration::from_secs(30);

/// The wait before the retry that follows `failures` failures in a row.
fn retry_after(failures: u32) -> Duration {
    RETRY_FIRST
        .saturating_mul(1u32 << failures.min(6))
        .min(RETRY_AT_MOST)
}

/// How often the indexer catches up from the database whether or not it heard of changes.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A catch-up re-reads this much before the watermark, for clock skew between nodes and
/// transactions that committed out of order.
const CATCH_UP_MARGIN: SignedDuration = SignedDuration::from_mins(5);
/// Stories read from the database and indexed per step of a rebuild or catch-up.
const BATCH: usize = 500;

/// The index and its indexer. Cheap to clone.
#[derive(Clone)]
pub struct Search {
    index: Arc<SearchIndex>,
    /// The store generation the index has caught up with; None until its first step (a
    /// rebuild, or the catch-up after a restart) is complete.
    indexed: watch::Receiver<Option<u64>>,
    stop: Arc<watch::Sender<bool>>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search").finish_non_exhaustive()
    }
}

/// What the indexer does first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Rebuild,
    CatchUp,
}

impl Search {
    /// Open the index in `dir` (in memory when None) for a site in `language`, and start the
    /// indexer. A new, missing or unusable index is rebuilt from the database in the
    /// background (logged); an existing one has its files' checksums verified (a damaged one is
    /// rebuilt, logged) and catches up with what changed while it was closed.
    pub async fn start(
        store: &Store,
        dir: Option<PathBuf>,
        language: &str,
        sweep_every: Duration,
    ) -> anyhow::Result<Self> {
        let language = language.to_owned();
        let shown = dir.as_ref().map(|d| d.display().to_string());
        let (index, opened) = tokio::task::spawn_blocking(move || match dir {
            Some(d) => SearchIndex::open(&d, &language),
            None => SearchIndex::in_memory(&language)
                .map(|i| (i, Opened::Created("it lives in memory".to_owned()))),
        })
        .await??;
        let job = match opened {
            Opened::Existing => Job::CatchUp,
            Opened::Created(reason) => {
                if let Some(folder) = &shown {
                    tracing::info!(%folder, %reason, "building the search index from the database");
                }
                Job::Rebuild
            }
        };
        let index = Arc::new(index);
        // Subscribe before the first job, so no change between the two is missed.
        let changes = store.changes();
        let (indexed_tx, indexed) = watch::channel(None);
        let (stop, stop_rx) = watch::channel(false);
        let worker = Worker {
            store: store.clone(),
            index: index.clone(),
            changes,
            stop: stop_rx,
            indexed: indexed_tx,
            swept: Swept::from(index.watermark()),
            sweep_every,
        };
        let task = tokio::spawn(worker.run(job));
        Ok(Self {
            index,
            indexed,
            stop: Arc::new(stop),
            task: Arc::new(Mutex::new(Some(task))),
        })
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Run a search: a quick one ([`dateline_search::Prepared::is_quick`]) here, any other
    /// on a blocking thread.
    ///
    /// A quick search costs about what a page's template does (a third of a millisecond on
    /// the 100,000-story site), and handing it to another thread and back cost as much again
    /// on the bench machine (two thread wake-ups): so it runs on the request's own thread, as
    /// rendering does. Searches that can take milliseconds still go to the blocking pool, so
    /// they never hold up the requests sharing this thread.
    pub async fn query(&self, req: Request) -> Result<Results, AppError> {
        let fault = |e: dateline_search::SearchError| AppError::Internal(e.into());
        let index = self.index.clone();
        // Preparing looks each word up in the dictionaries: a long text, which cannot be a
        // quick search anyway, is prepared on the blocking pool too.
        if req.text.len() > QUICK_TEXT_BYTES {
            return tokio::task::spawn_blocking(move || index.search(&req))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(fault);
        }
        let prepared = self.index.prepare(&req).map_err(fault)?;
        if prepared.is_quick() {
            return self.index.run(prepared).map_err(fault);
        }
        let results = tokio::task::spawn_blocking(move || index.run(prepared))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(fault)?;
        Ok(results)
    }

    /// Run a search and read its hits' stories (in the hits' order; a hit whose story is not
    /// published any more is left out). The stories come from the cards in the index when it
    /// had caught up with every write announced before the search began; else, or when a card
    /// cannot be used, from the store.
    pub async fn find(
        &self,
        store: &Store,
        site: &SiteContext,
        req: Request,
    ) -> Result<Found, AppError> {
        // Read before searching: a write announced later is one the search may not see anyway.
        let generation = store.generation();
        // Out of step with the other nodes, the index may miss their latest writes: the
        // hits' stories come from the store (which leaves out withdrawn ones).
        let current = store.in_step() && self.indexed.borrow().is_some_and(|g| g >= generation);
        let mut results = self.query(req).await?;
        let stories = match current
            .then(|| from_cards(&mut results.hits, site))
            .flatten()
        {
            Some(stories) => stories,
            None => {
                let ids: Vec<ArticleId> = results.hits.iter().map(|h| h.id).collect();
                store.summaries(&ids).await?
            }
        };
        Ok(Found { results, stories })
    }

    /// Stories similar to `id`; None when the index cannot say (the story is not in it yet, or
    /// the index failed: logged), so callers fall back to the ranking without similarity.
    pub async fn similar(&self, id: ArticleId, limit: usize) -> Option<Vec<Similar>> {
        similar(&self.index, id, limit).await
    }

    /// Wait until the index has caught up with store generation `generation` (every change
    /// announced up to it is searchable), or `timeout` passes. Whether it caught up.
    pub async fn caught_up(&self, generation: u64, timeout: Duration) -> bool {
        let mut rx = self.indexed.clone();
        tokio::time::timeout(timeout, rx.wait_for(|g| g.is_some_and(|g| g >= generation)))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Wait until the index has finished its first step (a rebuild from the database, or the
    /// catch-up after a restart), so similar-story answers reflect the whole archive.
    pub async fn ready(&self) {
        let mut rx = self.indexed.clone();
        let _ = rx.wait_for(Option::is_some).await;
    }

    /// The store generation the index has caught up with; None until its first step is done.
    pub fn indexed_generation(&self) -> Option<u64> {
        *self.indexed.borrow()
    }

    /// Whether the indexer is still running: false after [`shutdown`](Self::shutdown) or when
    /// its task ended on its own (a panic), when writes would no longer reach the index.
    pub fn is_running(&self) -> bool {
        !*self.stop.borrow()
            && self
                .task
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_some_and(|t| !t.is_finished())
    }

    /// Stop the indexer after its current step (its last commit is kept).
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, "the search indexer ended badly");
        }
    }
}

/// A search's results and the stories of its hits.
#[derive(Debug)]
pub struct Found {
    pub results: Results,
    /// The hits' stories in the hits' order, without the ones no longer published.
    pub stories: Vec<ArticleSummary>,
}

/// The hits' stories from their cards, which are moved out of the hits, each section named from
/// `site`; None when a hit has no card or names a section the site no longer has (then the
/// store is asked instead, which needs no card).
fn from_cards(hits: &mut [Hit], site: &SiteContext) -> Option<Vec<ArticleSummary>> {
    if hits.iter().any(|h| h.card.is_none()) {
        return None;
    }
    hits.iter_mut()
        .map(|h| {
            let card = h.card.take()?;
            let section = site.sections.iter().find(|s| s.id == card.section_id)?;
            Some(summary(card, section))
        })
        .collect()
}

/// A card as the store's summary of the story.
fn summary(card: Card, section: &Section) -> ArticleSummary {
    ArticleSummary {
        id: card.id,
        headline: card.headline,
        standfirst: card.standfirst,
        section_id: section.id,
        section_slug: section.slug.to_string(),
        section_name: section.name.clone(),
        published_at: card.published_at,
        updated_at: card.updated_at,
        path: dateline_core::article::canonical_path(
            section.slug.as_str(),
            card.path_date,
            &card.slug,
        ),
        short_code: card.short_code,
        lead: card.lead,
        // Cards and the API name and link bylines: the rest of a person is not kept.
        authors: card
            .authors
            .into_iter()
            .map(|b| Person {
                id: b.id,
                slug: b.slug,
                name: b.name,
                title: String::new(),
                bio: String::new(),
                photo_media_id: None,
            })
            .collect(),
    }
}

struct Worker {
    store: Store,
    index: Arc<SearchIndex>,
    changes: broadcast::Receiver<Change>,
    stop: watch::Receiver<bool>,
    indexed: watch::Sender<Option<u64>>,
    swept: Swept,
    /// How often to catch up with writes made without a change event ([`SWEEP_EVERY`]).
    sweep_every: Duration,
}

/// Where catch-ups stand: the watermark, and the stories they reindexed that the next one will
/// list again (modified within [`CATCH_UP_MARGIN`] of it), with the modification each had.
#[derive(Debug, Default)]
struct Swept {
    watermark: Option<Timestamp>,
    reindexed: HashMap<ArticleId, Timestamp>,
}

impl From<Option<Timestamp>> for Swept {
    fn from(watermark: Option<Timestamp>) -> Self {
        Self {
            watermark,
            reindexed: HashMap::new(),
        }
    }
}

impl Swept {
    /// Where the next catch-up starts reading.
    fn since(&self) -> Option<Timestamp> {
        self.watermark
            .and_then(|w| w.checked_sub(CATCH_UP_MARGIN).ok())
    }

    /// Of the stories a catch-up listed, those it must reindex: all but the ones an earlier
    /// catch-up reindexed at the same modification. (A story reindexed for a change event is
    /// not in the list, so the next catch-up reindexes it once more: harmless, and that path
    /// does not read the modification time.)
    fn unseen(&self, listed: &[Modified]) -> Vec<ArticleId> {
        listed
            .iter()
            .filter(|m| self.reindexed.get(&m.id) != Some(&m.modified_at))
            .map(|m| m.id)
            .collect()
    }

    /// After a catch-up that listed `listed` and reached `watermark`: remember them, and forget
    /// what the next catch-up cannot list again.
    fn advance(&mut self, listed: &[Modified], watermark: Option<Timestamp>) {
        self.watermark = watermark;
        self.reindexed
            .extend(listed.iter().map(|m| (m.id, m.modified_at)));
        if let Some(since) = self.since() {
            self.reindexed.retain(|_, modified| *modified >= since);
        }
    }
}

/// What the indexer has been told to do.
#[derive(Default)]
struct Todo {
    /// Check the index files' checksums first (an existing index, at start).
    verify: bool,
    rebuild: bool,
    catch_up: bool,
    articles: BTreeSet<ArticleId>,
    /// Photos, sections and tags whose text changed: the stories showing them are reindexed.
    shared: BTreeSet<Shared>,
}

impl Todo {
    fn note(&mut self, change: Change) {
        match change {
            Change::Article(id) => {
                self.articles.insert(id);
            }
            Change::Shared(what) => {
                self.shared.insert(what);
            }
            // Changes may have been missed (the link to the other nodes broke): catch up
            // from the store, by modification time.
            Change::Gap => self.catch_up = true,
            Change::Content | Change::Related(_) | Change::Discussion(_) => {}
        }
    }

    fn lagged(&mut self, missed: u64) {
        tracing::warn!(
            missed,
            "the search indexer fell behind the change stream; catching up"
        );
        self.catch_up = true;
    }
}

impl Worker {
    async fn run(mut self, first: Job) {
        let mut todo = Todo {
            verify: first == Job::CatchUp,
            rebuild: first == Job::Rebuild,
            catch_up: first == Job::CatchUp,
            ..Todo::default()
        };
        let mut next_sweep = Instant::now() + self.sweep_every;
        // Steps failed in a row: the next retry waits longer, up to RETRY_AT_MOST.
        let mut failures: u32 = 0;
        loop {
            // Read the generation before draining: every change announced up to it is either
            // drained now or was handled earlier.
            let generation = self.store.generation();
            loop {
                match self.changes.try_recv() {
                    Ok(c) => todo.note(c),
                    Err(broadcast::error::TryRecvError::Empty) => break,
                    Err(broadcast::error::TryRecvError::Lagged(n)) => todo.lagged(n),
                    Err(broadcast::error::TryRecvError::Closed) => return,
                }
            }
            let started = Instant::now();
            let mut pause = COMMIT_EVERY;
            match self.step(&mut todo).await {
                Ok(committed) => {
                    // The interval holds commits apart; a step that made none (a draft's
                    // change) leaves the next change free to commit at once.
                    if !committed {
                        pause = Duration::ZERO;
                    }
                    todo = Todo::default();
                    failures = 0;
                    self.indexed.send_replace(Some(generation));
                }
                Err(e) => {
                    let retry_in = retry_after(failures);
                    failures = failures.saturating_add(1);
                    tracing::error!(
                        error = ?e,
                        retry_in_ms = retry_in.as_millis(),
                        "updating the search index failed; retrying"
                    );
                    if !todo.rebuild {
                        todo.catch_up = true;
                    }
                    pause = retry_in;
                }
            }
            // After a failure the retry comes at once (after the pause below), not with the next
            // write or sweep: until it succeeds the stories it was indexing are unsearchable.
            if failures == 0 {
                tokio::select! {
                    r = self.changes.recv() => match r {
                        Ok(c) => todo.note(c),
                        Err(broadcast::error::RecvError::Lagged(n)) => todo.lagged(n),
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = self.stop.changed() => return,
                    () = tokio::time::sleep_until(next_sweep) => {
                        todo.catch_up = true;
                        next_sweep = Instant::now() + self.sweep_every;
                    }
                }
            }
            // Batch: whatever arrives until then goes into the same commit.
            tokio::select! {
                () = tokio::time::sleep_until(started + pause) => {}
                _ = self.stop.changed() => {
                    // A clean stop commits what this batch heard (not a rebuild, which the
                    // next start redoes anyway), so a restart leaves no story unsearchable
                    // until the catch-up.
                    if failures == 0
                        && !todo.rebuild
                        && let Err(e) = self.step(&mut todo).await
                    {
                        tracing::warn!(error = ?e, "the search index's last commit failed");
                    }
                    return;
                }
            }
        }
    }

    /// One step of the indexer; whether it committed (or rebuilt) the index.
    async fn step(&mut self, todo: &mut Todo) -> anyhow::Result<bool> {
        if todo.verify {
            let index = self.index.clone();
            let damaged = match tokio::task::spawn_blocking(move || index.damaged_files()).await? {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "search index files could not be checked");
                    1
                }
            };
            todo.verify = false;
            if damaged > 0 {
                tracing::warn!(
                    damaged,
                    "search index files failed their checksum; rebuilding"
                );
                todo.rebuild = true;
            }
        }
        if todo.rebuild {
            rebuild(&self.store, &self.index, |_, _| {}).await?;
            self.swept = Swept::from(self.index.watermark());
            return Ok(true);
        }
        // Kept in `todo` until the step succeeds, like the articles: a failed lookup is retried.
        let shared: Vec<Shared> = todo.shared.iter().copied().collect();
        for what in shared {
            let showing = self.store.stories_showing(what).await?;
            todo.articles.extend(showing);
        }
        let ids: Vec<ArticleId> = todo.articles.iter().copied().collect();
        // Whether a search could see the difference: a draft's change (announced unseen, but
        // heard here) removes a story the index never held, and needs no commit.
        let mut changed = false;
        for batch in ids.chunks(BATCH) {
            changed |= apply(&self.store, &self.index, batch).await?.changed();
        }
        if todo.catch_up {
            // Commits the articles above too.
            catch_up(&self.store, &self.index, &mut self.swept, changed).await?;
            Ok(true)
        } else if changed {
            commit(&self.index, self.swept.watermark).await?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

/// What [`apply`] did: stories (re)added, and removed stories the index held.
#[derive(Debug, Clone, Copy)]
struct Applied {
    indexed: usize,
    removed: usize,
}

impl Applied {
    fn changed(self) -> bool {
        self.indexed + self.removed > 0
    }
}

/// Reindex `ids`: published ones are (re)added, every other one removed. Not committed.
async fn apply(
    store: &Store,
    index: &Arc<SearchIndex>,
    ids: &[ArticleId],
) -> anyhow::Result<Applied> {
    let sources = store.search_sources(ids).await?;
    let found: BTreeSet<ArticleId> = sources.iter().map(|s| s.id).collect();
    let gone: Vec<ArticleId> = ids.iter().filter(|i| !found.contains(i)).copied().collect();
    let docs: Vec<Document> = sources.into_iter().map(document).collect();
    let n = docs.len();
    let index = index.clone();
    let removed = tokio::task::spawn_blocking(move || {
        let removed = index.remove(&gone)?;
        index.upsert(&docs)?;
        Ok::<_, dateline_search::SearchError>(removed)
    })
    .await??;
    Ok(Applied {
        indexed: n,
        removed,
    })
}

async fn commit(index: &Arc<SearchIndex>, watermark: Option<Timestamp>) -> anyhow::Result<()> {
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit(watermark)).await??;
    Ok(())
}

/// Reindex every story modified since the watermark (less a margin; all when None) that no
/// catch-up has reindexed as it is now, and commit (with `uncommitted`, changes made before the
/// call are committed too). Moves `swept` on.
async fn catch_up(
    store: &Store,
    index: &Arc<SearchIndex>,
    swept: &mut Swept,
    uncommitted: bool,
) -> anyhow::Result<()> {
    let listed = store.modified_since(swept.since()).await?;
    let newest = listed.iter().map(|m| m.modified_at).max();
    let ids = swept.unseen(&listed);
    for batch in ids.chunks(BATCH) {
        apply(store, index, batch).await?;
    }
    let caught_up = swept.watermark.max(newest);
    // A quiet minute's sweep reindexes nothing: no commit (each one writes a new meta file,
    // and the searcher reopens the index).
    if !ids.is_empty() || caught_up != swept.watermark || uncommitted {
        commit(index, caught_up).await?;
    }
    if !ids.is_empty() {
        tracing::debug!(stories = ids.len(), "search index caught up");
    }
    swept.advance(&listed, caught_up);
    Ok(())
}

/// Empty the index and fill it from the database, calling `progress(done, total)` after each
/// batch (`total` counts stories of every status; only published ones are indexed). Commits
/// once at the end, so searches see the old index until the new one is complete. The number of
/// stories indexed.
pub async fn rebuild(
    store: &Store,
    index: &Arc<SearchIndex>,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<usize> {
    let all = store.modified_since(None).await?;
    let newest = all.iter().map(|m| m.modified_at).max();
    let ids: Vec<ArticleId> = all.iter().map(|m| m.id).collect();
    {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await??;
    }
    let mut indexed = 0;
    let mut done = 0;
    for batch in ids.chunks(BATCH) {
        indexed += apply(store, index, batch).await?.indexed;
        done += batch.len();
        progress(done, ids.len());
    }
    commit(index, newest).await?;
    // One segment instead of the several a build leaves makes every search cheaper.
    let merging = index.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || merging.merge_segments()).await? {
        tracing::warn!(error = %e, "the rebuilt search index could not be merged into one segment");
    }
    tracing::info!(stories = indexed, "search index rebuilt");
    Ok(indexed)
}

/// Stories similar to `id` in `index`, asked on a blocking thread; None when the index cannot
/// say (the story is not in it yet, or the index failed: logged).
pub async fn similar(
    index: &Arc<SearchIndex>,
    id: ArticleId,
    limit: usize,
) -> Option<Vec<Similar>> {
    let index = index.clone();
    match tokio::task::spawn_blocking(move || index.similar(id, limit)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, %id, "similar stories unavailable");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, %id, "similar stories unavailable");
            None
        }
    }
}

fn document(s: SearchSource) -> Document {
    let card = Card {
        id: s.id,
        headline: s.headline.clone(),
        standfirst: s.standfirst.clone(),
        slug: s.slug,
        path_date: s.path_date,
        short_code: s.short_code,
        section_id: s.section.id,
        published_at: s.published_at,
        updated_at: s.updated_at,
        lead: s.lead,
        authors: s
            .authors
            .iter()
            .map(|p| Byline {
                id: p.id,
                slug: p.slug.clone(),
                name: p.name.clone(),
            })
            .collect(),
    };
    Document {
        card,
        id: s.id,
        published_at: s.published_at,
        section_id: s.section.id,
        section_slug: s.section.slug.to_string(),
        section_name: s.section.name,
        headline: s.headline,
        standfirst: s.standfirst,
        body: s.body_text,
        captions: s.captions,
        tags: s.tags.into_iter().map(|t| (t.id, t.name)).collect(),
        authors: s
            .authors
            .into_iter()
            .map(|p| (p.slug.to_string(), p.name))
            .collect(),
    }
}

/// The search parameters as typed by a reader (page) or a client (API); each is checked by
/// [`check`], never by serde, so a bad value gets a sentence.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct SearchParams {
    pub q: Option<String>,
    pub section: Option<String>,
    pub author: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Checked search parameters.
#[derive(Debug)]
pub struct Checked {
    pub text: String,
    pub section: Option<Section>,
    pub author: Option<Person>,
    pub from: Option<jiff::civil::Date>,
    pub to: Option<jiff::civil::Date>,
    pub sort: Sort,
    pub page: PageRequest,
    pub request: Request,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(v: &Option<String>, what: &str) -> Result<Option<jiff::civil::Date>, AppError> {
    given(v)
        .map(|s| {
            s.parse::<jiff::civil::Date>().map_err(|_| {
                AppError::BadRequest(format!(
                    "The {what} date must be written as YYYY-MM-DD, for example 2026-03-10."
                ))
            })
        })
        .transpose()
}

/// Check the parameters against the site (sections, authors, its time zone for dates).
pub async fn check(
    store: &Store,
    site: &SiteContext,
    p: &SearchParams,
    per_page: u32,
    max_per_page: u32,
) -> Result<Checked, AppError> {
    let text = p.q.clone().unwrap_or_default();
    if text.chars().count() > dateline_search::MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(format!(
            "Search for at most {} characters at a time.",
            dateline_search::MAX_QUERY_CHARS
        )));
    }
    let page = PageRequest::parse(
        p.page.as_deref(),
        p.per_page.as_deref(),
        per_page,
        max_per_page,
    )?;
    let section = match given(&p.section) {
        None => None,
        Some(s) => Some(
            site.sections
                .iter()
                .find(|x| x.slug.as_str() == s)
                .cloned()
                .ok_or_else(|| AppError::BadRequest(format!("There is no section {s:?}.")))?,
        ),
    };
    let author = match given(&p.author) {
        None => None,
        // Authors with a published story are kept with the site; anyone else (no results,
        // but a known name) is looked up.
        Some(a) => match site
            .authors(store)
            .await?
            .iter()
            .find(|p| p.slug.as_str() == a)
        {
            Some(p) => Some(p.clone()),
            None => Some(
                store
                    .person_by_slug(a)
                    .await
                    .map_err(|_| AppError::BadRequest(format!("There is no author {a:?}.")))?,
            ),
        },
    };
    let from = date(&p.from, "from")?;
    let to = date(&p.to, "to")?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::BadRequest(
            "The from date must not be after the to date.".to_owned(),
        ));
    }
    let sort = match given(&p.sort) {
        None | Some("relevance") => Sort::Relevance,
        Some("newest") => Sort::Newest,
        Some(_) => {
            return Err(AppError::BadRequest(
                "sort must be relevance or newest.".to_owned(),
            ));
        }
    };
    // Days in the site's time zone: from the start of `from` to the start of the day after `to`.
    let start_of = |d: jiff::civil::Date| -> Result<Timestamp, AppError> {
        d.to_zoned(site.tz.clone())
            .map(|z| z.timestamp())
            .map_err(|_| AppError::BadRequest("That date is out of range.".to_owned()))
    };
    let from_ts = from.map(start_of).transpose()?;
    let until_ts = match to {
        Some(t) => Some(start_of(t.tomorrow().map_err(|_| {
            AppError::BadRequest("That date is out of range.".to_owned())
        })?)?),
        None => None,
    };
    let request = Request {
        text: text.clone(),
        section: section.as_ref().map(|s| s.slug.to_string()),
        author: author.as_ref().map(|a| a.slug.to_string()),
        from: from_ts,
        until: until_ts,
        sort,
        offset: usize::try_from(page.offset()).unwrap_or(usize::MAX),
        limit: page.per_page as usize,
    };
    Ok(Checked {
        text,
        section,
        author,
        from,
        to,
        sort,
        page,
        request,
    })
}

/// `a=b&c=d` with both sides percent-encoded (RFC 3986 unreserved characters kept).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, k);
        out.push('=');
        encode_into(&mut out, v);
    }
    out
}

fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests;
