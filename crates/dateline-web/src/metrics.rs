//! The operator's view into a node: Prometheus metrics and the one log line per request.
//!
//! Every answer passes [`Seen`] once, in the outermost service (the page cache's hit path
//! included): it gives the request an id (sent back as `X-Request-Id`; one sent by a trusted
//! proxy is kept), counts it under its route template (axum's `MatchedPath`, never the raw
//! path, so no crawler can grow the label set) and status class, and writes the request line
//! when the node logs requests (`--log-format json`). Figures that live elsewhere (the page
//! cache, the job queue, the search index, the live hub, mail, the process) are read when
//! Prometheus scrapes, not pushed on every change, so they cost nothing between scrapes. The
//! store's calls are the exception: the store reports each one's time as it ends
//! ([`StoreTimes`], through `dateline_store::timing`), into a histogram kept per method.
//!
//! `/metrics` is served by [`routes`] on its own listener (`--metrics-listen`), never on the
//! public port. Nothing here may log or label a secret: the request line has the route
//! template, never the path or query (a reader's sign-in link carries its token), and of the
//! headers only the request id.

use crate::newsroom::PeerAddr;
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The header a request's id travels in, both ways.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Latency buckets in seconds: a page-cache hit takes tens of microseconds and a render a few
/// milliseconds, so the low end is finer than Prometheus's defaults (which start at 5 ms).
const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// The route label of a request no route matched (a 404 from the fallback).
const UNMATCHED: &str = "unmatched";

/// Methods with a label of their own, in [`method_label`]'s order, then `other`.
const METHODS: usize = 8;
/// Status classes `1xx` to `5xx`.
const CLASSES: usize = 5;

/// One route's counters, made once per method and status class and then reused: a page-cache
/// hit finds them through its kept page (no label hashing at all), a miss through one map
/// lookup by route. Prometheus's own lookup hashes every label on every call, which in the
/// hit path cost more than the rest of the answer (docs/benchmarks.md, "Metrics").
pub struct RouteMetrics {
    route: String,
    children: [[std::sync::OnceLock<(IntCounter, prometheus::Histogram)>; CLASSES]; METHODS],
}

impl std::fmt::Debug for RouteMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteMetrics")
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

impl RouteMetrics {
    fn record(&self, metrics: &Metrics, method: usize, class: usize, seconds: f64) {
        let Some(slot) = self.children.get(method).and_then(|m| m.get(class)) else {
            return;
        };
        let (count, duration) = slot.get_or_init(|| {
            let labels = [
                METHOD_LABELS[method],
                self.route.as_str(),
                CLASS_LABELS[class],
            ];
            (
                metrics.requests.with_label_values(&labels),
                metrics.duration.with_label_values(&labels),
            )
        });
        count.inc();
        duration.observe(seconds);
    }
}

const METHOD_LABELS: [&str; METHODS] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];
const CLASS_LABELS: [&str; CLASSES] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// A request's id, in its extensions for whoever logs about it (the error layer).
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

impl RequestId {
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or("")
    }
}

/// The client's address as the trusted proxy saw it (the last `X-Forwarded-For` entry, the
/// one the proxy added), in the request's extensions; absent when the peer is not a trusted
/// proxy, whose header anyone could forge.
#[derive(Debug, Clone, Copy)]
pub struct ForwardedClient(pub IpAddr);

/// The last address in `X-Forwarded-For`, if it is one.
fn forwarded_client(req: &Request) -> Option<IpAddr> {
    let mut last = None;
    for value in req.headers().get_all("x-forwarded-for") {
        last = value.to_str().ok()?.rsplit(',').next().map(str::trim);
    }
    last?.parse().ok()
}

/// This node's registry and the figures it counts as they happen.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    cache_hits: IntCounter,
    cache_misses: IntCounter,
    cache_entries: IntGauge,
    cache_bytes: IntGauge,
    search_lag: IntGauge,
    jobs: IntGaugeVec,
    job_runs: IntCounterVec,
    mail_sent: IntCounter,
    mail_failed: IntCounter,
    live_listeners: IntGaugeVec,
    live_sources: IntGaugeVec,
    /// The store's calls, timed as they end ([`StoreTimes`]).
    store_times: std::sync::Arc<StoreTimes>,
    /// One scrape at a time: counters mirrored from elsewhere are moved by the difference
    /// since the last scrape, which two at once would count twice.
    scrape: tokio::sync::Mutex<()>,
    /// Ids are this random base plus a count: unique in the process, unlikely to repeat
    /// across nodes, and cheap (no randomness per request).
    id_base: u64,
    ids: AtomicU64,
    /// Write one log line per request.
    log_requests: bool,
    /// Count requests by route (on unless `--no-request-metrics`: the benchmark's baseline).
    count_requests: bool,
    /// Each route's counters ([`RouteMetrics`]), by route template.
    routes: std::sync::RwLock<std::collections::HashMap<String, std::sync::Arc<RouteMetrics>>>,
    /// Peers whose `X-Request-Id` is kept (the front proxy); others get a new id.
    trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("log_requests", &self.log_requests)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new(
        log_requests: bool,
        count_requests: bool,
        trusted_proxies: Vec<IpAddr>,
    ) -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "dateline_http_requests_total",
                "HTTP requests answered, by method, route template and status class.",
            ),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "dateline_http_request_duration_seconds",
                "Time from a request's arrival to its answer's head, by method, route template \
                 and status class.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        let cache_hits = IntCounter::new(
            "dateline_page_cache_hits_total",
            "Answers served from a kept page.",
        )?;
        let cache_misses = IntCounter::new(
            "dateline_page_cache_misses_total",
            "Pages the cacheable routes rendered (each a miss).",
        )?;
        let cache_entries = IntGauge::new(
            "dateline_page_cache_entries",
            "Pages kept in the page cache.",
        )?;
        let cache_bytes = IntGauge::new(
            "dateline_page_cache_bytes",
            "Bytes of pages kept in the page cache.",
        )?;
        let search_lag = IntGauge::new(
            "dateline_search_index_lag_writes",
            "Store writes not yet searchable on this node (0 when the index is caught up).",
        )?;
        let jobs = IntGaugeVec::new(
            Opts::new(
                "dateline_jobs",
                "Jobs in the durable queue (every node's), by kind and state \
                 (pending, running, failed for good).",
            ),
            &["kind", "state"],
        )?;
        let job_runs = IntCounterVec::new(
            Opts::new(
                "dateline_job_runs_total",
                "Job runs ended on this node, by kind and outcome \
                 (finished, retried, failed for good, lost to another node).",
            ),
            &["kind", "outcome"],
        )?;
        let mail_sent = IntCounter::new(
            "dateline_mail_sent_total",
            "Messages this node's SMTP server accepted.",
        )?;
        let mail_failed = IntCounter::new(
            "dateline_mail_failed_total",
            "Mail jobs that failed on this node (retried or for good).",
        )?;
        let live_listeners = IntGaugeVec::new(
            Opts::new(
                "dateline_live_listeners",
                "Listeners of each live mount on this node.",
            ),
            &["mount"],
        )?;
        let live_sources = IntGaugeVec::new(
            Opts::new(
                "dateline_live_sources",
                "Whether a source is on air on each live mount on this node (0 or 1).",
            ),
            &["mount"],
        )?;
        let store_query = HistogramVec::new(
            HistogramOpts::new(
                "dateline_store_query_duration_seconds",
                "Time of each store call (its queries and any wait for the database), by the \
                 store method called: a slow database shows here first.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["query"],
        )?;
        let build = IntGaugeVec::new(
            Opts::new("dateline_build_info", "The running build (always 1)."),
            &["version"],
        )?;
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(cache_hits.clone()))?;
        registry.register(Box::new(cache_misses.clone()))?;
        registry.register(Box::new(cache_entries.clone()))?;
        registry.register(Box::new(cache_bytes.clone()))?;
        registry.register(Box::new(search_lag.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(job_runs.clone()))?;
        registry.register(Box::new(mail_sent.clone()))?;
        registry.register(Box::new(mail_failed.clone()))?;
        registry.register(Box::new(live_listeners.clone()))?;
        registry.register(Box::new(live_sources.clone()))?;
        registry.register(Box::new(store_query.clone()))?;
        registry.register(Box::new(build))?;
        // process_resident_memory_bytes, process_cpu_seconds_total, process_open_fds,
        // process_max_fds, process_start_time_seconds…, read from /proc at each scrape.
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        let mut seed = [0u8; 8];
        // Without randomness the process id still tells nodes on one machine apart.
        if getrandom::fill(&mut seed).is_err() {
            seed[..4].copy_from_slice(&std::process::id().to_be_bytes());
        }
        Ok(Self {
            registry,
            requests,
            duration,
            cache_hits,
            cache_misses,
            cache_entries,
            cache_bytes,
            search_lag,
            jobs,
            job_runs,
            mail_sent,
            mail_failed,
            live_listeners,
            live_sources,
            store_times: std::sync::Arc::new(StoreTimes {
                slots: (0..STORE_SLOTS)
                    .map(|_| std::sync::OnceLock::new())
                    .collect(),
                histograms: store_query,
            }),
            scrape: tokio::sync::Mutex::new(()),
            id_base: u64::from_be_bytes(seed),
            ids: AtomicU64::new(0),
            log_requests,
            count_requests,
            routes: std::sync::RwLock::default(),
            trusted_proxies,
        })
    }

    /// What the store tells of each call's time ([`Store::observe_queries`]).
    ///
    /// [`Store::observe_queries`]: dateline_store::Store::observe_queries
    pub fn store_observer(&self) -> std::sync::Arc<dyn dateline_store::timing::QueryObserver> {
        self.store_times.clone()
    }

    /// The counters of route template `route` (made on first use). Routes are the
    /// router's templates and `unmatched`: a fixed, small set.
    pub fn route(&self, route: &str) -> std::sync::Arc<RouteMetrics> {
        if let Some(r) = self
            .routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(route)
        {
            return r.clone();
        }
        self.routes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(route.to_owned())
            .or_insert_with(|| {
                std::sync::Arc::new(RouteMetrics {
                    route: route.to_owned(),
                    children: Default::default(),
                })
            })
            .clone()
    }

    /// A fresh request id: 16 hex digits.
    fn next_id(&self) -> HeaderValue {
        let n = self
            .id_base
            .wrapping_add(self.ids.fetch_add(1, Ordering::Relaxed));
        HeaderValue::from_str(&format!("{n:016x}")).unwrap_or(HeaderValue::from_static("0"))
    }

    /// Whether the request came from a trusted proxy, whose headers are believed.
    fn sent_by_trusted_proxy(&self, req: &Request) -> bool {
        !self.trusted_proxies.is_empty()
            && req
                .extensions()
                .get::<ConnectInfo<PeerAddr>>()
                .is_some_and(|c| self.trusted_proxies.contains(&c.0.0.ip()))
    }

    /// The id a trusted proxy sent, when it is one we can log safely (1 to 64 characters of
    /// letters, digits, `-`, `_`, `.`).
    fn kept_id(req: &Request) -> Option<HeaderValue> {
        let id = req.headers().get(&X_REQUEST_ID)?;
        let ok = (1..=64).contains(&id.len())
            && id
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        ok.then(|| id.clone())
    }
}

/// Slots for the store methods' histograms: more than the store has methods, so every one
/// finds its histogram without hashing its label; any beyond are looked up by label.
const STORE_SLOTS: usize = 512;

/// `dateline_store_query_duration_seconds`, fed by the store as each call ends: one
/// histogram per store method, kept in the slot of the method's number
/// ([`dateline_store::timing::Query::index`]), so a call costs a histogram observation.
struct StoreTimes {
    histograms: HistogramVec,
    slots: Box<[std::sync::OnceLock<prometheus::Histogram>]>,
}

impl dateline_store::timing::QueryObserver for StoreTimes {
    fn observe(&self, query: &dateline_store::timing::Query, elapsed: std::time::Duration) {
        let seconds = elapsed.as_secs_f64();
        match self.slots.get(query.index()) {
            Some(slot) => slot
                .get_or_init(|| self.histograms.with_label_values(&[query.name()]))
                .observe(seconds),
            None => self
                .histograms
                .with_label_values(&[query.name()])
                .observe(seconds),
        }
    }
}

/// One request on its way through: started by the outermost service, finished with the
/// answer's head.
pub struct Seen {
    state: AppState,
    started: Instant,
    /// Index into [`METHOD_LABELS`].
    method: usize,
    id: HeaderValue,
}

impl Seen {
    /// Note the request's arrival, and give it its id (in its extensions as [`RequestId`]).
    pub fn start(state: &AppState, req: &mut Request) -> Self {
        let metrics = &state.metrics;
        let trusted = metrics.sent_by_trusted_proxy(req);
        let id = trusted
            .then(|| Metrics::kept_id(req))
            .flatten()
            .unwrap_or_else(|| metrics.next_id());
        if trusted && let Some(client) = forwarded_client(req) {
            req.extensions_mut().insert(ForwardedClient(client));
        }
        req.extensions_mut().insert(RequestId(id.clone()));
        Self {
            state: state.clone(),
            started: Instant::now(),
            method: method_index(req.method()),
            id,
        }
    }

    /// Count the answer under its route (a kept page's [`RouteMetrics`], else the
    /// `MatchedPath` in its extensions), log it when asked, and send the id back.
    pub fn finish(self, mut res: Response) -> Response {
        let elapsed = self.started.elapsed();
        let route = res
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED, MatchedPath::as_str);
        let status = res.status();
        let class = status_index(status);
        let metrics = &self.state.metrics;
        if metrics.count_requests {
            let seconds = elapsed.as_secs_f64();
            match res.extensions().get::<std::sync::Arc<RouteMetrics>>() {
                Some(kept) => kept.record(metrics, self.method, class, seconds),
                None => metrics
                    .route(route)
                    .record(metrics, self.method, class, seconds),
            }
        }
        let route = res
            .extensions()
            .get::<std::sync::Arc<RouteMetrics>>()
            .map_or(route, |r| r.route.as_str());
        // Probes come every few seconds from every load balancer: a line each would bury
        // the log. A failing probe is still logged.
        let probe = route == "/livez" || route == "/readyz";
        if metrics.log_requests && !(probe && status.is_success()) {
            tracing::info!(
                target: "dateline::request",
                request_id = %self.id.to_str().unwrap_or(""),
                method = METHOD_LABELS[self.method],
                route,
                status = status.as_u16(),
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                "request"
            );
        }
        res.headers_mut().insert(X_REQUEST_ID.clone(), self.id);
        res
    }
}

/// Middleware on every route: copy the route template the router matched onto the answer,
/// where [`Seen::finish`], outside the router, finds it.
pub async fn mark_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(route);
    }
    res
}

/// A method's label in [`METHOD_LABELS`]: the standard ones, and `other` for the rest, so a
/// client inventing methods cannot grow the label set.
fn method_index(m: &Method) -> usize {
    match *m {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// A status's class in [`CLASS_LABELS`].
fn status_index(s: StatusCode) -> usize {
    match s.as_u16() {
        100..=199 => 0,
        200..=299 => 1,
        300..=399 => 2,
        400..=499 => 3,
        _ => 4,
    }
}

/// The metrics listener's routes: `/metrics` only.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// `GET /metrics`: read the figures that live elsewhere, then write everything in the
/// Prometheus text format.
async fn scrape(State(state): State<AppState>) -> Response {
    let metrics = &state.metrics;
    let _one = metrics.scrape.lock().await;
    let cache = &state.cache;
    mirror(&metrics.cache_hits, cache.hits());
    mirror(&metrics.cache_misses, cache.renders());
    let (entries, bytes) = cache.usage();
    metrics.cache_entries.set(saturate(entries as u64));
    metrics.cache_bytes.set(saturate(bytes));
    let generation = state.store.generation();
    let indexed = state.search.indexed_generation().unwrap_or(0);
    metrics
        .search_lag
        .set(saturate(generation.saturating_sub(indexed)));
    // The store times these calls itself, as every other (`schema_check`, `job_counts`).
    if let Err(e) = state.store.schema_check().await {
        tracing::warn!(error = %e, "the metrics scrape could not reach the database");
    }
    match state.store.job_counts().await {
        Ok(counts) => {
            // Kinds whose jobs are all done disappear from the answer: start from zero.
            metrics.jobs.reset();
            for c in counts {
                for (state, n) in [
                    ("pending", c.pending),
                    ("running", c.running),
                    ("failed", c.failed),
                ] {
                    metrics
                        .jobs
                        .with_label_values(&[c.kind.as_str(), state])
                        .set(saturate(n));
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "the metrics scrape could not count the jobs"),
    }
    let mut mail_failed = 0;
    for (kind, outcome, n) in state.jobs.outcomes() {
        mirror(
            &metrics
                .job_runs
                .with_label_values(&[kind.as_str(), outcome.as_str()]),
            n,
        );
        if kind.starts_with("mail")
            && matches!(
                outcome,
                crate::jobs::Outcome::Retried | crate::jobs::Outcome::Failed
            )
        {
            mail_failed += n;
        }
    }
    mirror(&metrics.mail_failed, mail_failed);
    if let Some(mail) = &state.mail {
        mirror(&metrics.mail_sent, mail.sent());
    }
    metrics.live_listeners.reset();
    metrics.live_sources.reset();
    for mount in state.live.hub().status() {
        let path = mount.config.path.to_string();
        metrics
            .live_listeners
            .with_label_values(&[path.as_str()])
            .set(saturate(mount.listeners as u64));
        metrics
            .live_sources
            .with_label_values(&[path.as_str()])
            .set(i64::from(mount.source.is_some()));
    }
    match TextEncoder::new().encode_to_string(&metrics.registry.gather()) {
        Ok(text) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(prometheus::TEXT_FORMAT),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "writing the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Move a counter up to `value`, a count kept elsewhere that only grows.
fn mirror(counter: &IntCounter, value: u64) {
    let have = counter.get();
    if value > have {
        counter.inc_by(value - have);
    }
}

fn saturate(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
