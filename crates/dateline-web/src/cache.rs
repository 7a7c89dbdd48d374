//! The in-memory cache of rendered pages: keyed by path and query, each entry holding the
//! identity bytes plus compressed forms: a quick gzip made for a page's first answer, and
//! brotli and gzip at a better level, made off the async threads once the page is read again.
//! A hit is served as bytes with its ETag and answers conditional requests with 304.
//!
//! Only answers marked [`Cacheable`] are kept, and never one that sets a cookie or is marked
//! `private`/`no-store`: the newsroom and anything personal stay out (the newsroom's routes are
//! outside this layer too).
//!
//! # What a change drops
//!
//! Each kept page records the store generation read before it was rendered and what it shows
//! ([`Shows`], put beside [`Cacheable`] by its handler): the stories whose own change alters it,
//! and whether it lists stories. Every request first applies the store's changes since the
//! last one it saw (`Store::changes_since`, read synchronously, so a write that has returned is
//! never followed by a page that predates it); a page is current when nothing it shows changed
//! after it was rendered. The rule, correct by construction:
//!
//! - `Change::Article(id)` (created, edited, published, withdrawn, corrected): drops the pages
//!   that name the story (its own page; a page whose READ MORE or related picks name it, at any
//!   status, since one unpublished now shows once published; a page whose kept related list
//!   holds it) and every page that lists stories (front, section, tag and author pages and
//!   their later pages, feeds, sitemaps, the API's lists and its story answers, a story page
//!   whose related block was ranked inline). A list page is dropped whatever story changed:
//!   the change does not say which sections, tags and bylines the story had before, and a
//!   story leaving a section shifts every later page of it.
//! - `Change::Related(ids)`: the kept related lists of these stories; drops the pages that name
//!   them.
//! - Anything else (`Content`: settings, sections, people, photos, tags made, mounts;
//!   `Shared`: a section, tag or photo changed that many pages show, the sections bar among
//!   them), a page that says nothing of what it shows, or a gap in the changes the store kept:
//!   everything is dropped, as before.
//!
//! Another node's writes reach this cache as the same changes ([`Store::follow_other_nodes`]),
//! `Change::Gap` among them (the link to the other nodes broke or came back: everything is
//! dropped). While this node is out of step with the others (`Store::in_step` false: the link
//! is down) the cache keeps and serves nothing, so a missed change never leaves a stale page.
//!
//! Time alone drops a page too: at its [`CacheUntil`] (the news sitemap's window), and every
//! page at the next New Year in the site's time zone, since every footer shows the year.
//!
//! What is not cached cannot be stale: search answers, short links (301s) and newsroom pages
//! never enter. The site context's latest stories are shown only by search.
//!
//! # Misses under load
//!
//! Concurrent misses of one page make one render (single flight, [`serve_cached`]). While it
//! renders, the other readers of a *list page* are answered from the old copy when the only
//! changes since it was rendered are publications of new stories, and for at most
//! [`STALE_FOR`] after the first of them (a new story showing a few seconds late is late, not
//! wrong). An edit, a withdrawal (a story withdrawn for legal reasons) or a correction is never
//! answered stale, and neither is a story's own page: those readers wait for the render.
//!
//! Memory is bounded by a byte budget with quick_cache's eviction; the record of what changed
//! is bounded too (past [`ARTICLES_KEPT`] stories it starts afresh by dropping everything).

use crate::discussion::DiscussionCache;
use crate::http::{Accepted, Encoding, accepted, add_security_headers, csp_value, not_modified};
use crate::metrics::RouteMetrics;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use dateline_core::ArticleId;
use dateline_store::{Announced, Change, Store};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// Put this in a response's extensions to let the cache keep it.
#[derive(Clone, Copy, Debug)]
pub struct Cacheable;

/// Put this beside [`Cacheable`] when what a page shows changes with time alone, not only with
/// the store (the news sitemap's two-day window): the cache stops serving it at that moment.
#[derive(Clone, Copy, Debug)]
pub struct CacheUntil(pub jiff::Timestamp);

/// Put this beside [`Cacheable`] to say what a page was rendered from, so that a change to
/// something else keeps it ([module docs](self)). Without it a page depends on everything and
/// any change readers can see drops it.
#[derive(Clone, Debug, Default)]
pub struct Shows {
    /// Stories whose own change alters this page (the story itself, its READ MORE targets,
    /// its related picks and kept list).
    pub articles: Vec<ArticleId>,
    /// The page lists stories (front, sections, tags, authors, feeds, sitemaps, API lists, a
    /// story ranked inline): any story's change can add to, remove from or reorder it.
    pub lists: bool,
}

impl Shows {
    /// A page showing these stories and no list.
    pub fn articles(articles: impl IntoIterator<Item = ArticleId>) -> Self {
        Self {
            articles: articles.into_iter().collect(),
            lists: false,
        }
    }

    /// A page listing stories.
    pub fn lists() -> Self {
        Self {
            articles: Vec::new(),
            lists: true,
        }
    }
}

/// Put this beside [`Cacheable`] when the page shows a story's discussion (the story page
/// shows its first page): `ticket` is [`DiscussionCache::ticket`], taken before its comments
/// were read. A comment on that story drops the page once it is [`DISCUSSION_LAG`] old;
/// comments are not store changes, so nothing else does ([`crate::discussion`]).
#[derive(Clone, Copy, Debug)]
pub struct EmbedsDiscussion {
    pub article: ArticleId,
    pub ticket: u64,
    pub rendered_at: jiff::Timestamp,
}

/// How long a story page may go on showing its discussion after a comment changed it. A busy
/// discussion then costs its story at most one render per this, whatever the rate of comments
/// (a story page is the hottest page there is); the discussion's own resource, which the page's
/// script loads and every form comes back to, is never late.
pub const DISCUSSION_LAG: jiff::SignedDuration = jiff::SignedDuration::from_secs(10);

/// How long after a publication a list page rendered before it may still be answered while
/// its new copy renders ([module docs](self)).
pub const STALE_FOR: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);

/// Largest body the cache keeps; bigger answers are served (compressed) but not kept.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub struct CachedPage {
    /// The counters of the route that rendered it, so a hit is counted under its route
    /// without the router or a label lookup ([`crate::metrics::RouteMetrics`]).
    route: Option<Arc<RouteMetrics>>,
    /// The store generation read before the page was rendered: it shows every change up to it.
    rendered_at: u64,
    /// What the page was rendered from; None: everything.
    shows: Option<Shows>,
    /// The discussion it shows, checked on every hit (comments move no generation).
    discussion: Option<EmbedsDiscussion>,
    /// The cache's applied generation at which the page was last found current, so that a hit
    /// checks its dependencies once per change, not once per request.
    checked_at: AtomicU64,
    status: StatusCode,
    /// Every header of the answer that does not depend on the encoding (content type, cache
    /// lifetime, `Last-Modified`, `Vary`, the security headers and the CSP), made once when the
    /// page is kept, so that a hit only clones it.
    headers: HeaderMap,
    etag: String,
    /// `ETag` values for the identity, gzip and brotli forms, in that order.
    etags: [HeaderValue; 3],
    last_modified: HeaderValue,
    /// When the page goes stale by time alone ([`CacheUntil`]); most pages never do.
    expires: Option<jiff::Timestamp>,
    identity: Bytes,
    compressible: bool,
    /// Compressed forms at the level hits are served with, each made the first time a reader
    /// asks for it again (most clients ask for brotli only, so making both up front would
    /// double the work of every first view).
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
    /// The form a page's first answer was compressed to, kept: gzip at a fast level, for every
    /// client that takes gzip (all browsers), brotli ones included: the brotli crate's fastest
    /// level costs about four times as much CPU for 10–15 % fewer bytes, and a reader waiting
    /// on a miss should not pay for compression that only pays off over many hits. The next
    /// readers are served this at once while the best form they accept is made in the
    /// background. Most pages of a large archive are read once before the next change drops
    /// them, so the better levels' work is spent only on pages read again.
    quick_gzip: OnceLock<Bytes>,
    /// Whether the better gzip and brotli forms are being made (started once per page).
    refining: [AtomicBool; 2],
    /// The whole header block of a 200 answer in each kept form (identity, gzip, brotli, quick
    /// gzip: ETag, length and encoding included), made at its first hit, so later hits clone
    /// one map instead of inserting into it.
    heads: [OnceLock<HeaderMap>; 4],
}

impl CachedPage {
    fn expired(&self, clock: &crate::Clock) -> bool {
        self.expires.is_some_and(|at| clock.now() >= at)
    }

    /// Whether the discussion it shows changed after it was rendered, and it is older than
    /// [`DISCUSSION_LAG`].
    fn discussion_changed(&self, discussions: &DiscussionCache, clock: &crate::Clock) -> bool {
        self.discussion.is_some_and(|d| {
            discussions.changed_since(d.article.0, d.ticket)
                && d.rendered_at
                    .checked_add(DISCUSSION_LAG)
                    .is_ok_and(|until| clock.now() >= until)
        })
    }

    /// An upper bound of what the page will hold once compressed forms exist: for the text
    /// types we compress, the three compressed forms together stay under the identity bytes
    /// (the 256 bytes cover the headers of forms of a tiny page).
    fn weight(&self) -> u64 {
        let compressed = if self.compressible { 2 } else { 0 };
        (self.identity.len() * (1 + compressed) + 256) as u64
    }

    /// The gzip form at the best level made so far, with its index in `heads`.
    fn any_gzip(&self) -> Option<(&Bytes, usize)> {
        self.gzip
            .get()
            .map(|b| (b, 1))
            .or(self.quick_gzip.get().map(|b| (b, 3)))
    }

    /// Whether a form the client accepts is there, at any level (or needs no making).
    fn prepared(&self, accepts: Accepted) -> bool {
        !self.compressible
            || (!accepts.br && !accepts.gzip)
            || (accepts.br && self.br.get().is_some())
            || (accepts.gzip && self.any_gzip().is_some())
    }

    /// After a hit: make the best form the client accepts in the background, if it is missing
    /// (once per form).
    fn refine(self: &Arc<Self>, accepts: Accepted) {
        if !self.compressible {
            return;
        }
        let encoding = accepts.best();
        let (better, flag) = match encoding {
            Encoding::Brotli => (&self.br, &self.refining[1]),
            Encoding::Gzip => (&self.gzip, &self.refining[0]),
            Encoding::Identity => return,
        };
        if better.get().is_some() || flag.swap(true, Ordering::Relaxed) {
            return;
        }
        let page = self.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = page.compress(encoding) {
                tracing::warn!(error = %e, "compressing a cached page failed");
            }
        });
    }

    /// Make a form the client accepts, if none is there yet (off the async threads).
    async fn prepare(self: &Arc<Self>, accepts: Accepted) -> anyhow::Result<()> {
        if self.prepared(accepts) {
            return Ok(());
        }
        let page = self.clone();
        tokio::task::spawn_blocking(move || page.compress(accepts.best())).await?
    }

    /// Make and keep the form `encoding` needs, at the level hits are served with.
    fn compress(&self, encoding: Encoding) -> anyhow::Result<()> {
        match encoding {
            Encoding::Brotli => {
                let _ = self.br.set(brotli_bytes(&self.identity, BROTLI_QUALITY)?);
            }
            Encoding::Gzip => {
                let _ = self.gzip.set(gzip_bytes(&self.identity, GZIP_LEVEL)?);
            }
            Encoding::Identity => {}
        }
        Ok(())
    }

    /// The first answer of a page just rendered: gzip at a fast level (a fraction of the work
    /// of the better levels), kept for the next readers ([`CachedPage::quick_gzip`]); the best
    /// form is made only when the page is read again ([`CachedPage::refine`]). A client that
    /// takes brotli but not gzip (no browser) gets brotli at the better level. The ETag is the
    /// encoding's: both gzip levels decode to the same bytes, and the page cache never serves
    /// byte ranges.
    fn first_answer(self: &Arc<Self>, req_headers: &HeaderMap, head: bool) -> Response {
        let accepts = accepted(req_headers);
        if self.prepared(accepts) {
            return self.respond(req_headers, head);
        }
        let made = if accepts.gzip {
            gzip_bytes(&self.identity, GZIP_QUICK).map(|body| {
                let _ = self.quick_gzip.set(body);
            })
        } else {
            self.compress(Encoding::Brotli)
                .map_err(std::io::Error::other)
        };
        match made {
            Ok(()) => self.respond(req_headers, head),
            Err(e) => {
                tracing::warn!(error = %e, "compressing a page failed; sent uncompressed");
                self.respond_with(req_headers, head, self.identity.clone(), None, 0)
            }
        }
    }

    /// Answer a request from this page: 304, or the best encoding the client accepts that has
    /// been prepared.
    pub fn respond(&self, req_headers: &HeaderMap, head: bool) -> Response {
        // `form` indexes `heads`; `etag` the encoding's ETag (the same at either level). Only
        // forms the client accepts: a brotli-only client never gets gzip, nor the reverse.
        let accepts = accepted(req_headers);
        let br = self.br.get().filter(|_| accepts.br);
        let gzip = self.any_gzip().filter(|_| accepts.gzip);
        let (encoding, body, form, etag) = match (br, gzip) {
            (Some(br), _) => (Some("br"), br, 2, 2),
            (None, Some((gz, form))) => (Some("gzip"), gz, form, 1),
            (None, None) => (None, &self.identity, 0, 0),
        };
        if self.status == StatusCode::OK
            && not_modified(req_headers, &self.etag, &self.last_modified)
        {
            return self.respond_with(req_headers, head, body.clone(), encoding, etag);
        }
        let headers = self.heads[form]
            .get_or_init(|| self.headers_for(body.len(), encoding, etag))
            .clone();
        let mut res = Response::new(if head {
            Body::empty()
        } else {
            Body::from(body.clone())
        });
        *res.status_mut() = self.status;
        *res.headers_mut() = headers;
        res
    }

    /// The header block of an answer of `len` bytes in `encoding` (`etag`: its ETag's index).
    fn headers_for(&self, len: usize, encoding: Option<&'static str>, etag: usize) -> HeaderMap {
        let mut h = self.headers.clone();
        h.insert(header::ETAG, self.etags[etag].clone());
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        if let Some(e) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        h
    }

    /// Answer with `body` in `encoding` (`etag`: the index of its ETag), or 304.
    fn respond_with(
        &self,
        req_headers: &HeaderMap,
        head: bool,
        body: Bytes,
        encoding: Option<&'static str>,
        etag_index: usize,
    ) -> Response {
        let etag = &self.etags[etag_index];
        if self.status == StatusCode::OK
            && not_modified(req_headers, &self.etag, &self.last_modified)
        {
            let mut res = StatusCode::NOT_MODIFIED.into_response();
            let h = res.headers_mut();
            h.insert(header::ETAG, etag.clone());
            for name in [header::CACHE_CONTROL, header::LAST_MODIFIED, header::VARY] {
                if let Some(v) = self.headers.get(&name) {
                    h.insert(name, v.clone());
                }
            }
            return res;
        }
        let headers = self.headers_for(body.len(), encoding, etag_index);
        let mut res = Response::new(if head {
            Body::empty()
        } else {
            Body::from(body)
        });
        *res.status_mut() = self.status;
        *res.headers_mut() = headers;
        res
    }
}

/// Compression levels: a page's first answer is gzip at the quick level, kept; a page read
/// again is made at the better ones ([`CachedPage::first_answer`], [`CachedPage::refine`]).
const BROTLI_QUALITY: u32 = 5;
const GZIP_LEVEL: u32 = 6;
const GZIP_QUICK: u32 = 1;

fn brotli_bytes(data: &[u8], quality: u32) -> std::io::Result<Bytes> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        w.write_all(data)?;
    }
    out.shrink_to_fit();
    Ok(Bytes::from(out))
}

fn gzip_bytes(data: &[u8], level: u32) -> std::io::Result<Bytes> {
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(level),
    );
    gz.write_all(data)?;
    let mut out = gz.finish()?;
    out.shrink_to_fit();
    Ok(Bytes::from(out))
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Arc<CachedPage>> for ByBytes {
    fn weight(&self, key: &String, val: &Arc<CachedPage>) -> u64 {
        key.len() as u64 + val.weight()
    }
}

pub struct PageCache {
    pages: Cache<String, Arc<CachedPage>, ByBytes>,
    /// The store generation whose changes [`PageCache::dropped`] holds (a copy of its
    /// `applied`, read without the lock on every hit).
    applied: AtomicU64,
    /// Which generations dropped what: pages are checked against it lazily, at their next hit.
    dropped: RwLock<Dropped>,
    /// Renders under way, by key: later misses for the same page wait for it (single flight).
    flights: Mutex<HashMap<String, tokio::sync::watch::Receiver<()>>>,
    /// Keys whose last answer was not kept (the live page, a 404): their readers render at
    /// once rather than wait for a render that keeps nothing. Bounded by count.
    uncacheable: Cache<String, ()>,
    /// Pages rendered by the cacheable routes (misses), for tests and benchmarks.
    renders: AtomicU64,
    /// Answers served stale while a new copy rendered, for tests and benchmarks.
    stale_answers: AtomicU64,
    /// Answers served from a kept page (fresh or stale), for the metrics.
    hits: AtomicU64,
}

/// Changes applied to the cache: for each thing a page can show, the generation of the last
/// change to it. A page rendered at generation `r` is current when nothing it shows changed
/// after `r`.
#[derive(Debug, Default)]
struct Dropped {
    /// The last generation applied.
    applied: u64,
    /// Pages rendered before this are dropped, whatever they show (a change the scheme does
    /// not understand, or a gap in what the store kept for us).
    everything: u64,
    /// The last change to any story: list pages rendered before it are dropped.
    lists: u64,
    /// The last change to each story.
    articles: HashMap<ArticleId, u64>,
    /// The latest story changes, for deciding whether a list page may be answered stale.
    recent: VecDeque<Recent>,
    /// The newest generation pushed out of `recent`: a page older than it cannot know every
    /// change since, so it is never answered stale.
    forgotten: u64,
}

#[derive(Debug, Clone, Copy)]
struct Recent {
    generation: u64,
    /// See [`Announced::may_lag_from`].
    may_lag_from: Option<jiff::Timestamp>,
}

/// Keys remembered as not kept ([`PageCache::uncacheable`]).
const UNCACHEABLE_KEPT: usize = 4096;
/// Stories whose change times [`Dropped::articles`] keeps before starting afresh.
const ARTICLES_KEPT: usize = 65_536;
/// Story changes kept in [`Dropped::recent`].
const RECENT_KEPT: usize = 256;

impl Dropped {
    fn apply(&mut self, a: &Announced) {
        let g = a.generation;
        match &a.change {
            Change::Article(id) => {
                self.articles.insert(*id, g);
                self.lists = g;
                if self.recent.len() == RECENT_KEPT
                    && let Some(old) = self.recent.pop_front()
                {
                    self.forgotten = old.generation;
                }
                self.recent.push_back(Recent {
                    generation: g,
                    may_lag_from: a.may_lag_from,
                });
            }
            // Only each story's own page shows its kept list; pages showing the story as a
            // card do not, so dropping them too is merely cautious.
            Change::Related(ids) => {
                for id in ids {
                    self.articles.insert(*id, g);
                }
            }
            // Settings, sections, tags, people, photos, mounts, a section or tag renamed: shown
            // on many pages (the sections bar, every card's photo) in ways the tags do not
            // follow, so everything goes, as it always did.
            // A gap in what this node heard of the other nodes: anything may have changed.
            Change::Content | Change::Shared(_) | Change::Gap => self.everything = g,
            // Comments are never announced as seen (discussions are cached apart): no page
            // shows them.
            Change::Discussion(_) => {}
        }
        if self.articles.len() > ARTICLES_KEPT {
            self.articles.clear();
            self.everything = g;
        }
        self.applied = g;
    }

    /// Whether a page rendered at `r` showing `shows` is current.
    fn current(&self, r: u64, shows: Option<&Shows>) -> bool {
        if r < self.everything {
            return false;
        }
        let Some(shows) = shows else {
            return r >= self.applied;
        };
        (!shows.lists || r >= self.lists)
            && shows
                .articles
                .iter()
                .all(|id| self.articles.get(id).is_none_or(|&g| r >= g))
    }

    /// When a list page rendered at `r`, no longer current, may no longer be answered: None
    /// when never (it is not a list page, or what dropped it is more than publications).
    fn stale_until(&self, r: u64, shows: Option<&Shows>) -> Option<jiff::Timestamp> {
        let shows = shows.filter(|s| s.lists)?;
        if r < self.everything {
            return None;
        }
        // The stories it names must be current: only its lists may be late.
        let named = Shows {
            articles: shows.articles.clone(),
            lists: false,
        };
        if !self.current(r, Some(&named)) {
            return None;
        }
        // Every story change since it was rendered must be a publication, and all kept.
        if self.forgotten > r {
            return None;
        }
        let mut earliest: Option<jiff::Timestamp> = None;
        for c in self.recent.iter().filter(|c| c.generation > r) {
            let at = c.may_lag_from?;
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
        earliest?.checked_add(STALE_FOR).ok()
    }
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("entries", &self.pages.len())
            .field("bytes", &self.pages.weight())
            .finish()
    }
}

/// What the cache holds for a key.
enum Found {
    Current(Arc<CachedPage>),
    /// A list page that is no longer current but may be answered until its new copy is kept
    /// ([`STALE_FOR`]).
    Stale(Arc<CachedPage>),
    Missing,
}

impl PageCache {
    pub fn new(max_bytes: u64) -> Self {
        Self {
            pages: Cache::with_weighter(4096, max_bytes.max(1024), ByBytes),
            applied: AtomicU64::new(0),
            dropped: RwLock::default(),
            flights: Mutex::default(),
            uncacheable: Cache::new(UNCACHEABLE_KEPT),
            renders: AtomicU64::new(0),
            stale_answers: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    /// Apply the store's changes since the last call, if its generation moved. Every request
    /// does this before looking, so a write that has returned is never followed by a page
    /// that predates it.
    fn catch_up(&self, store: &Store) {
        let generation = store.generation();
        if self.applied.load(Ordering::Acquire) >= generation {
            return;
        }
        let mut dropped = self.dropped.write().unwrap_or_else(|e| e.into_inner());
        if dropped.applied >= generation {
            return;
        }
        match store.changes_since(dropped.applied) {
            Some(changes) => {
                for a in &changes {
                    dropped.apply(a);
                }
            }
            None => {
                // The store no longer keeps some of them: assume anything changed.
                let now = store.generation();
                dropped.everything = now;
                dropped.applied = now;
                dropped.articles.clear();
                dropped.forgotten = now;
                dropped.recent.clear();
            }
        }
        self.applied.store(dropped.applied, Ordering::Release);
    }

    fn find(
        &self,
        key: &str,
        store: &Store,
        clock: &crate::Clock,
        discussions: &DiscussionCache,
    ) -> Found {
        // Out of step with the other nodes (`Store::in_step`), this node cannot know what
        // changed: every reader is answered from the store.
        if !store.in_step() {
            return Found::Missing;
        }
        self.catch_up(store);
        let Some(page) = self.pages.get(key) else {
            return Found::Missing;
        };
        if page.expired(clock) || page.discussion_changed(discussions, clock) {
            return Found::Missing;
        }
        let applied = self.applied.load(Ordering::Acquire);
        if page.checked_at.load(Ordering::Acquire) == applied {
            return Found::Current(page);
        }
        let dropped = self.dropped.read().unwrap_or_else(|e| e.into_inner());
        if dropped.current(page.rendered_at, page.shows.as_ref()) {
            page.checked_at.store(dropped.applied, Ordering::Release);
            return Found::Current(page);
        }
        match dropped.stale_until(page.rendered_at, page.shows.as_ref()) {
            Some(until) if clock.now() < until => Found::Stale(page),
            _ => Found::Missing,
        }
    }

    fn get(
        &self,
        key: &str,
        store: &Store,
        clock: &crate::Clock,
        discussions: &DiscussionCache,
    ) -> Option<Arc<CachedPage>> {
        match self.find(key, store, clock, discussions) {
            Found::Current(page) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(page)
            }
            Found::Stale(_) | Found::Missing => None,
        }
    }

    /// Keep `page`, unless something it shows changed while it rendered (then it is served
    /// once and not kept).
    fn insert(
        &self,
        key: String,
        page: Arc<CachedPage>,
        store: &Store,
        clock: &crate::Clock,
        discussions: &DiscussionCache,
    ) {
        if !store.in_step() || page.discussion_changed(discussions, clock) {
            return;
        }
        self.catch_up(store);
        {
            let dropped = self.dropped.read().unwrap_or_else(|e| e.into_inner());
            if !dropped.current(page.rendered_at, page.shows.as_ref()) {
                return;
            }
            page.checked_at.store(dropped.applied, Ordering::Release);
        }
        self.pages.insert(key, page);
    }

    /// Number of cached pages and their bytes (for status pages and benchmarks).
    pub fn usage(&self) -> (usize, u64) {
        (self.pages.len(), self.pages.weight())
    }

    /// Pages the cacheable routes have rendered so far (each a miss), for tests and
    /// benchmarks.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// Answers served from a kept page since start (the misses are [`renders`](Self::renders)).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Answers served from a stale list page while its new copy rendered.
    pub fn stale_answers(&self) -> u64 {
        self.stale_answers.load(Ordering::Relaxed)
    }

    /// Lead the render of `key`, or follow the one under way.
    fn flight(self: &Arc<Self>, key: &str) -> Flight {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rx) = flights.get(key) {
            return Flight::Follow(rx.clone());
        }
        let (tx, rx) = tokio::sync::watch::channel(());
        flights.insert(key.to_owned(), rx);
        Flight::Lead(Leading {
            cache: self.clone(),
            key: key.to_owned(),
            _done: tx,
        })
    }
}

enum Flight {
    Lead(Leading),
    Follow(tokio::sync::watch::Receiver<()>),
}

/// The render of one key under way: dropping it (done, failed or cancelled) lets the readers
/// waiting for it go on.
struct Leading {
    cache: Arc<PageCache>,
    key: String,
    /// Dropped with this: every waiting receiver's `changed()` then returns.
    _done: tokio::sync::watch::Sender<()>,
}

impl Drop for Leading {
    fn drop(&mut self) {
        self.cache
            .flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

/// The cache key of a request: its path and query, borrowed.
fn key_of(req: &Request) -> &str {
    req.uri()
        .path_and_query()
        .map_or_else(|| req.uri().path(), |p| p.as_str())
}

/// The outermost service: answers a GET/HEAD that hits the cache before the router or any
/// layer runs. A hit needs none of them: its headers (security headers included) were made when
/// the page was kept, it cannot time out or fail, and request spans are only debug-level. A
/// `from_fn` middleware would clone the whole stack under it for every request; this clones
/// it only for misses. Everything else goes on to the router, where [`serve_cached`] fills the
/// cache.
#[derive(Clone)]
pub struct ServeHits<S> {
    state: AppState,
    inner: S,
}

impl<S> ServeHits<S> {
    pub fn new(state: AppState, inner: S) -> Self {
        Self { state, inner }
    }
}

impl<S> tower::Service<Request> for ServeHits<S>
where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::Either<
        std::future::Ready<Result<Response, std::convert::Infallible>>,
        futures::future::BoxFuture<'static, Result<Response, std::convert::Infallible>>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        use futures::future::Either;
        // Every answer, hit or not, is counted and logged once, here.
        let seen = crate::metrics::Seen::start(&self.state, &mut req);
        let head = req.method() == Method::HEAD;
        if (req.method() == Method::GET || head)
            && !req.headers().contains_key(header::AUTHORIZATION)
            && let Some(page) = self.state.cache.get(
                key_of(&req),
                &self.state.store,
                &self.state.clock,
                &self.state.discussion,
            )
        {
            let accepts = accepted(req.headers());
            // The usual hit: a form the client accepts is made; answer without a task (and
            // have the best form it accepts made, if this was not it).
            if page.prepared(accepts) {
                let mut res = page.respond(req.headers(), head);
                page.refine(accepts);
                if let Some(route) = &page.route {
                    res.extensions_mut().insert(route.clone());
                }
                return Either::Left(std::future::ready(Ok(seen.finish(res))));
            }
            return Either::Right(Box::pin(async move {
                let mut res = answer(&page, req.headers(), head).await;
                if let Some(route) = &page.route {
                    res.extensions_mut().insert(route.clone());
                }
                Ok(seen.finish(res))
            }));
        }
        // The instance that was polled ready serves this request; a fresh clone waits for the
        // next (tower's rule for services called from a shared handle).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Either::Right(Box::pin(async move {
            let res = inner.call(req).await?;
            Ok(seen.finish(res))
        }))
    }
}

/// Middleware around the cacheable routes: render, keep (when the handler marked the response
/// [`Cacheable`]) and answer. Hits never get here: [`ServeHits`], outermost, answered them.
///
/// Misses of one page at once make one render (single flight): the first reader renders, the
/// others wait for it and are answered from what it kept, or, when the page is a list that only
/// a publication made old, from the old copy at once ([`STALE_FOR`]). Search answers, and
/// pages whose last answer was not kept, are never waited for: nothing would be kept to share.
pub async fn serve_cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    // A request with credentials (an API token reading a story's source) is answered for
    // its sender alone: never from the cache, never kept.
    if (req.method() != Method::GET && !head) || req.headers().contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let key = key_of(&req).to_owned();
    let req_headers = req.headers().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| state.metrics.route(m.as_str()));
    let leading = if is_search(req.uri().path()) || state.cache.uncacheable.get(&key).is_some() {
        None
    } else {
        match state.cache.flight(&key) {
            Flight::Lead(leading) => {
                // A render that ended between the hit check and here may have kept it.
                if let Some(page) =
                    state
                        .cache
                        .get(&key, &state.store, &state.clock, &state.discussion)
                {
                    return answer(&page, &req_headers, head).await;
                }
                Some(leading)
            }
            Flight::Follow(mut done) => {
                match state
                    .cache
                    .find(&key, &state.store, &state.clock, &state.discussion)
                {
                    Found::Current(page) => {
                        state.cache.hits.fetch_add(1, Ordering::Relaxed);
                        return answer(&page, &req_headers, head).await;
                    }
                    Found::Stale(page) => {
                        state.cache.hits.fetch_add(1, Ordering::Relaxed);
                        state.cache.stale_answers.fetch_add(1, Ordering::Relaxed);
                        return answer(&page, &req_headers, head).await;
                    }
                    Found::Missing => {}
                }
                // Err only says the render ended, which is what we wait for.
                let _ = done.changed().await;
                if let Some(page) =
                    state
                        .cache
                        .get(&key, &state.store, &state.clock, &state.discussion)
                {
                    return answer(&page, &req_headers, head).await;
                }
                // Not kept (not cacheable, or changed while it rendered): render our own,
                // without leading, so that a page never kept never queues its readers twice.
                None
            }
        }
    };
    // Read before rendering: a write landing meanwhile leaves the page tagged as older.
    let generation = state.store.generation();
    state.cache.renders.fetch_add(1, Ordering::Relaxed);
    let res = next.run(req).await;
    if res.extensions().get::<Cacheable>().is_none() || is_personal(res.headers()) {
        state.cache.uncacheable.insert(key, ());
        return res;
    }
    if leading.is_none() {
        state.cache.uncacheable.remove(&key);
    }
    let expires = res.extensions().get::<CacheUntil>().map(|u| u.0);
    let shows = res.extensions().get::<Shows>().cloned();
    let discussion = res.extensions().get::<EmbedsDiscussion>().copied();
    // The policy of the site the page was rendered for; a settings change drops every page,
    // so a page kept with an old policy is never served.
    let (csp, year_ends) = match state.site().await {
        Ok(site) => (
            csp_value(&site.csp),
            next_new_year(state.clock.now(), &site.tz),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "loading the site settings failed; page not kept");
            return res;
        }
    };
    // Every page's footer shows the year: no page outlives the year it was rendered in.
    let expires = match (expires, year_ends) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let (parts, body) = res.into_parts();
    // The body is ours, already rendered in memory: read it whole whatever its size. A page
    // too big to keep is still answered (compressed, from this one-off entry), never refused.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "reading a rendered page failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let page = Arc::new(build(
        Rendered {
            status: parts.status,
            headers: &parts.headers,
            identity: bytes,
            generation,
            shows,
            discussion,
            route,
        },
        state.clock.now(),
        csp,
        expires,
    ));
    if page.identity.len() > MAX_BODY {
        tracing::debug!(
            bytes = page.identity.len(),
            "page too big to keep; served uncached"
        );
        return answer(&page, &req_headers, head).await;
    }
    state.cache.insert(
        key,
        page.clone(),
        &state.store,
        &state.clock,
        &state.discussion,
    );
    // The readers waiting for this render find it kept now.
    drop(leading);
    if page.identity.len() <= QUICK_INLINE {
        page.first_answer(&req_headers, head)
    } else {
        answer(&page, &req_headers, head).await
    }
}

/// Search answers: never kept ([`crate::site`]), so never coalesced either.
/// The first instant of the next year in the site's time zone (every page's footer shows the
/// current year there, so a page kept across New Year would keep the old one).
fn next_new_year(now: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    let year = now.to_zoned(tz.clone()).year();
    jiff::civil::date(year.checked_add(1)?, 1, 1)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

fn is_search(path: &str) -> bool {
    path == "/search" || path == "/api/v1/search"
}

/// Largest page whose first answer is compressed on the request's own thread (at the quick
/// level, well under a millisecond); bigger ones are compressed on a blocking thread.
const QUICK_INLINE: usize = 256 * 1024;

async fn answer(page: &Arc<CachedPage>, req_headers: &HeaderMap, head: bool) -> Response {
    if let Err(e) = page.prepare(accepted(req_headers)).await {
        // Serving it uncompressed is still an answer.
        tracing::warn!(error = %e, "compressing a cached page failed");
    }
    page.respond(req_headers, head)
}

/// An answer meant for one person only (it sets a cookie, or says `private`/`no-store`): never
/// kept, whatever marked it cacheable. Reader pages never vary by cookie; this keeps it so.
fn is_personal(headers: &HeaderMap) -> bool {
    headers.contains_key(header::SET_COOKIE)
        || headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("private") || v.contains("no-store"))
}

/// A response just rendered, with what the cache needs to know of it.
struct Rendered<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
    identity: Bytes,
    /// The store generation read before rendering.
    generation: u64,
    shows: Option<Shows>,
    discussion: Option<EmbedsDiscussion>,
    route: Option<Arc<RouteMetrics>>,
}

fn build(
    Rendered {
        status,
        headers,
        identity,
        generation,
        shows,
        discussion,
        route,
    }: Rendered<'_>,
    now: jiff::Timestamp,
    csp: HeaderValue,
    expires: Option<jiff::Timestamp>,
) -> CachedPage {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let cache_control = headers
        .get(header::CACHE_CONTROL)
        .cloned()
        .unwrap_or(HeaderValue::from_static("public, max-age=60"));
    let compressible = is_compressible(&content_type) && identity.len() > 512;
    let digest = Sha256::digest(&identity);
    let etag: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    let etags = ["", "-gz", "-br"].map(|suffix| {
        HeaderValue::from_str(&format!("\"{etag}{suffix}\""))
            .unwrap_or(HeaderValue::from_static("\"\""))
    });
    let last_modified = HeaderValue::from_str(&httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(now.as_second().max(0) as u64),
    ))
    .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
    let mut kept = HeaderMap::with_capacity(12);
    kept.insert(header::CONTENT_TYPE, content_type.clone());
    kept.insert(header::CACHE_CONTROL, cache_control);
    kept.insert(header::LAST_MODIFIED, last_modified.clone());
    kept.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    kept.insert(header::CONTENT_SECURITY_POLICY, csp);
    add_security_headers(&mut kept);
    CachedPage {
        route,
        rendered_at: generation,
        shows,
        discussion,
        checked_at: AtomicU64::new(0),
        status,
        headers: kept,
        etag,
        etags,
        last_modified,
        expires,
        identity,
        compressible,
        gzip: OnceLock::new(),
        br: OnceLock::new(),
        quick_gzip: OnceLock::new(),
        refining: Default::default(),
        heads: Default::default(),
    }
}

fn is_compressible(content_type: &HeaderValue) -> bool {
    let ct = content_type.to_str().unwrap_or("");
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.contains("svg")
}

#[cfg(test)]
mod tests;
