//! The in-memory cache of rendered pages: keyed by path and query, each entry holding the
//! identity bytes plus compressed forms: a quick gzip made for a page's first answer, and
//! brotli and gzip at a better level, made off the async threads once the page is read again.
//! A hit is served as bytes with its ETag and answers conditional requests with 304.
//!
//! Only answers marked [`Cacheable`] are kept, and never one that sets a cookie or is marked
//! `private`/`no-store`: the newsroom and anything personal stay out (the newsroom's routes are
//! outside this layer too).
//!
//! Entries are tagged with the store's content generation; any write bumps it, so a page is
//! never served after the content it shows changed (whole-cache invalidation: correct by
//! construction, and cheap because publishing is rare next to reading). Memory is bounded by
//! a byte budget with quick_cache's eviction.

use crate::http::{Accepted, Encoding, accepted, add_security_headers, csp_value, not_modified};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Put this in a response's extensions to let the cache keep it.
#[derive(Clone, Copy, Debug)]
pub struct Cacheable;

/// Put this beside [`Cacheable`] when what a page shows changes with time alone, not only with
/// the store (the news sitemap's two-day window): the cache stops serving it at that moment.
#[derive(Clone, Copy, Debug)]
pub struct CacheUntil(pub jiff::Timestamp);

/// Largest body the cache keeps; bigger answers are served (compressed) but not kept.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub struct CachedPage {
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
    /// The store generation the entries belong to.
    generation: AtomicU64,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("entries", &self.pages.len())
            .field("bytes", &self.pages.weight())
            .finish()
    }
}

impl PageCache {
    pub fn new(max_bytes: u64) -> Self {
        Self {
            pages: Cache::with_weighter(4096, max_bytes.max(1024), ByBytes),
            generation: AtomicU64::new(0),
        }
    }

    fn get(&self, key: &str, generation: u64) -> Option<Arc<CachedPage>> {
        if self.generation.load(Ordering::Acquire) != generation {
            return None;
        }
        self.pages.get(key)
    }

    fn insert(&self, key: String, page: Arc<CachedPage>, generation: u64) {
        let held = self.generation.load(Ordering::Acquire);
        if generation < held {
            // Rendered from content that has changed since: serve it once, keep nothing.
            return;
        }
        if generation > held {
            self.pages.clear();
            self.generation.store(generation, Ordering::Release);
        }
        self.pages.insert(key, page);
    }

    /// Number of cached pages and their bytes (for status pages and benchmarks).
    pub fn usage(&self) -> (usize, u64) {
        (self.pages.len(), self.pages.weight())
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

    fn call(&mut self, req: Request) -> Self::Future {
        use futures::future::Either;
        let head = req.method() == Method::HEAD;
        if (req.method() == Method::GET || head)
            && let Some(page) = lookup(&self.state, key_of(&req), self.state.store.generation())
        {
            let accepts = accepted(req.headers());
            // The usual hit: a form the client accepts is made; answer without a task (and
            // have the best form it accepts made, if this was not it).
            if page.prepared(accepts) {
                let res = page.respond(req.headers(), head);
                page.refine(accepts);
                return Either::Left(std::future::ready(Ok(res)));
            }
            return Either::Right(Box::pin(async move {
                Ok(answer(&page, req.headers(), head).await)
            }));
        }
        // The instance that was polled ready serves this request; a fresh clone waits for the
        // next (tower's rule for services called from a shared handle).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Either::Right(Box::pin(async move { inner.call(req).await }))
    }
}

/// Middleware around the cacheable routes: render, keep (when the handler marked the response
/// [`Cacheable`]) and answer. Hits never get here: [`serve_hit`], outermost, answered them.
pub async fn serve_cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return next.run(req).await;
    }
    // Read before rendering: a write landing meanwhile leaves the page tagged as older.
    let generation = state.store.generation();
    let key = key_of(&req).to_owned();
    let req_headers = req.headers().clone();
    let res = next.run(req).await;
    if res.extensions().get::<Cacheable>().is_none() || is_personal(res.headers()) {
        return res;
    }
    let expires = res.extensions().get::<CacheUntil>().map(|u| u.0);
    // The policy of the site the page was rendered for; a settings change bumps the generation,
    // so a page kept with an old policy is never served.
    let csp = match state.site().await {
        Ok(site) => csp_value(&site.csp),
        Err(e) => {
            tracing::warn!(error = %e, "loading the site settings failed; page not kept");
            return res;
        }
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
        parts.status,
        &parts.headers,
        bytes,
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
    state.cache.insert(key, page.clone(), generation);
    if page.identity.len() <= QUICK_INLINE {
        page.first_answer(&req_headers, head)
    } else {
        answer(&page, &req_headers, head).await
    }
}

/// Largest page whose first answer is compressed on the request's own thread (at the quick
/// level, well under a millisecond); bigger ones are compressed on a blocking thread.
const QUICK_INLINE: usize = 256 * 1024;

/// A current page for `key`: kept at `generation` and not past its [`CacheUntil`].
fn lookup(state: &AppState, key: &str, generation: u64) -> Option<Arc<CachedPage>> {
    state
        .cache
        .get(key, generation)
        .filter(|page| !page.expired(&state.clock))
}

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

fn build(
    status: StatusCode,
    headers: &HeaderMap,
    identity: Bytes,
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
