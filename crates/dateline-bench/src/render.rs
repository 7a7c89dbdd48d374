//! `dateline-bench render`: the uncached article-page time, in process. It builds the real
//! router (`dateline_web::app`, every middleware included) over the seeded database and drives
//! it with `tower::ServiceExt::oneshot`, one request at a time, each for an article path not
//! requested before in this process, so every request misses the page cache: the figure is
//! what a reader waits for on a miss (store queries, template, the cache's ETag and whatever
//! compression it does for a browser's `Accept-Encoding: gzip, deflate, br`), minus the network.
//!
//! `--profile` runs a separate pass that counts the SQL statements each page makes (from sqlx's
//! own `sqlx::query` events, with the time each spent in SQLite), replays the handler's store
//! calls to time each from outside, and times gzip, brotli and SHA-256 (the cache's settings)
//! on the same pages alone, to say where the time goes.

use crate::stats::{self, Summary};
use crate::text::Rng;
use anyhow::{Context, bail, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dateline_core::ArticleId;
use dateline_store::Store;
use dateline_web::{AppState, Clock, MediaStore, Options, Theme};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Seeded data folder.
    #[arg(long)]
    pub data: PathBuf,
    /// Timed requests per run.
    #[arg(long, default_value_t = 2_000)]
    pub samples: usize,
    /// Untimed requests before each run (distinct paths too).
    #[arg(long, default_value_t = 200)]
    pub warmup: usize,
    /// Runs; the report quotes the median of the runs' figures.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Page cache size, as the server's default (`cache_mb = 64`).
    #[arg(long, default_value_t = 64)]
    pub cache_mb: u64,
    /// Which articles to request (a seed for the shuffle).
    #[arg(long, default_value_t = 1)]
    pub shuffle: u64,
    /// Instead of timing: count queries per page and time compression alone.
    #[arg(long)]
    pub profile: bool,
}

/// The app over the seeded database, as `dateline serve` builds it (fixed clock).
pub async fn open_app(data: &Path, cache_mb: u64) -> anyhow::Result<(Store, AppState)> {
    let db = data.join("dateline.db");
    ensure!(
        db.exists(),
        "{} does not exist: run `dateline-bench seed` first",
        db.display()
    );
    let store = Store::open(&dateline::config::sqlite_url(&db)).await?;
    let clock = Clock::fixed(crate::seed::END.parse()?);
    let state = AppState::new(
        store.clone(),
        Theme::load(None)?,
        MediaStore::local(data.join("media"))?,
        clock,
        Options {
            cache_bytes: cache_mb * 1024 * 1024,
            search_dir: Some(dateline::config::search_dir(data)),
            ..Options::default()
        },
    )
    .await?;
    // Article pages ask the index for similar stories: measure with the index complete, and
    // without a rebuild competing for the CPU.
    let caught_up = state
        .search
        .caught_up(store.generation(), std::time::Duration::from_secs(3600))
        .await;
    ensure!(
        caught_up,
        "the search index did not catch up within an hour"
    );
    // Pages read each story's kept related list; measure with every list there, as on a
    // running site, not with the worker ranking the archive in the background.
    let due = store.related_due(jiff::Timestamp::MIN, 1).await?;
    ensure!(
        due.is_empty(),
        "{} has stories without a related list: run `dateline reindex --data {}` first",
        data.display(),
        data.display()
    );
    Ok((store, state))
}

/// Paths of all published stories, shuffled with `shuffle` (deterministic).
pub async fn article_paths(store: &Store, shuffle: u64) -> anyhow::Result<Vec<String>> {
    let mut ids: Vec<ArticleId> = store.article_ids().await?;
    ids.sort();
    let mut paths = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        paths.extend(store.summaries(chunk).await?.into_iter().map(|s| s.path));
    }
    let mut rng = Rng::new(shuffle);
    for i in (1..paths.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        paths.swap(i, j);
    }
    Ok(paths)
}

/// One GET through the whole router, as a browser asks (`Accept-Encoding: gzip, deflate, br`);
/// the body is read to the end.
pub async fn get(
    app: &dateline_web::App,
    path: &str,
) -> anyhow::Result<(StatusCode, axum::body::Bytes)> {
    let req = Request::get(path)
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
        .header(header::HOST, "127.0.0.1")
        .body(Body::empty())?;
    let res = app.clone().oneshot(req).await?;
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
    Ok((status, body))
}

pub struct RenderReport {
    pub runs: Vec<Summary>,
}

pub async fn run(args: &RenderArgs) -> anyhow::Result<RenderReport> {
    let (store, state) = open_app(&args.data, args.cache_mb).await?;
    let app = dateline_web::app(state.clone());
    let paths = article_paths(&store, args.shuffle).await?;
    let needed = args.runs * (args.warmup + args.samples);
    if paths.len() < needed {
        bail!(
            "{} runs of {} + {} distinct pages need {needed} stories; the site has {}",
            args.runs,
            args.warmup,
            args.samples,
            paths.len()
        );
    }
    let mut next = paths.iter();
    let mut runs = Vec::with_capacity(args.runs);
    for run in 0..args.runs {
        for path in next.by_ref().take(args.warmup) {
            let (status, _) = get(&app, path).await?;
            ensure!(status == StatusCode::OK, "GET {path}: {status}");
        }
        let mut samples = Vec::with_capacity(args.samples);
        let mut bytes = 0usize;
        for path in next.by_ref().take(args.samples) {
            let t = Instant::now();
            let (status, body) = get(&app, path).await?;
            let len = body.len();
            samples.push(t.elapsed());
            ensure!(status == StatusCode::OK, "GET {path}: {status}");
            bytes += len;
        }
        let s = stats::summarise(&samples);
        let (pages, cached) = state.cache.usage();
        eprintln!(
            "render: run {}: {} pages, p50 {:.3} ms, p99 {:.3} ms, mean {:.3} ms \
             (mean body {} bytes as sent to a browser; cache now {pages} pages, {:.1} MB)",
            run + 1,
            s.n,
            s.p50,
            s.p99,
            s.mean,
            bytes / s.n.max(1),
            cached as f64 / 1e6
        );
        runs.push(s);
    }
    store.close().await;
    Ok(RenderReport { runs })
}

// ---- profile ----------------------------------------------------------------------------

/// Counts `sqlx::query` events: statement text → (count, seconds inside SQLite).
#[derive(Clone, Default)]
pub struct QueryCounter {
    seen: Arc<Mutex<HashMap<String, (u64, f64)>>>,
}

impl QueryCounter {
    fn take(&self) -> HashMap<String, (u64, f64)> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[derive(Default)]
struct QueryFields {
    summary: String,
    statement: String,
    seconds: f64,
}

impl tracing::field::Visit for QueryFields {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = value;
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.statement = value.to_owned(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" && self.summary.is_empty() {
            self.summary = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for QueryCounter {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut f = QueryFields::default();
        event.record(&mut f);
        let text = if f.statement.trim().is_empty() {
            f.summary
        } else {
            f.statement
        };
        let key = normalise(&text);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let e = seen.entry(key).or_default();
        e.0 += 1;
        e.1 += f.seconds;
    }
}

/// One line, and `IN (1,2,3)` id lists (spliced into the SQL by the store) as `IN (…)`, so a
/// statement's calls are counted together whatever ids it named.
pub fn normalise(sql: &str) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(flat.len());
    let mut rest = flat.as_str();
    while let Some(at) = rest.find("IN (") {
        let (head, tail) = rest.split_at(at + 4);
        out.push_str(head);
        let list_len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '-' || c == ' '))
            .unwrap_or(tail.len());
        if list_len > 0 && tail[list_len..].starts_with(')') {
            out.push('…');
        }
        rest = &tail[list_len..];
    }
    out.push_str(rest);
    out
}

/// Install the counter as the global subscriber (only `sqlx::query` at DEBUG reaches it).
pub fn install_counter() -> anyhow::Result<QueryCounter> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::{Layer, filter};
    let counter = QueryCounter::default();
    let layer = counter
        .clone()
        .with_filter(filter::Targets::new().with_target("sqlx::query", tracing::Level::DEBUG));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .context("installing the query counter")?;
    Ok(counter)
}

pub struct Profile {
    pub pages: usize,
    pub mean_ms: f64,
    pub queries_per_page: f64,
    pub sqlite_ms_per_page: f64,
    /// Statement, calls per page, mean µs inside SQLite.
    pub statements: Vec<(String, f64, f64)>,
    /// The article page's store calls replayed in order on other fresh pages: call → mean ms.
    pub store_calls: Vec<(&'static str, f64)>,
    pub identity_bytes: usize,
    pub gzip_ms: f64,
    pub brotli_ms: f64,
    pub sha256_ms: f64,
}

pub async fn profile(args: &RenderArgs, counter: &QueryCounter) -> anyhow::Result<Profile> {
    let (store, state) = open_app(&args.data, args.cache_mb).await?;
    let app = dateline_web::app(state.clone());
    let paths = article_paths(&store, args.shuffle.wrapping_add(1_000)).await?;
    let pages = args.samples.min(paths.len().saturating_sub(args.warmup));
    for path in paths.iter().take(args.warmup) {
        get(&app, path).await?;
    }
    counter.take();
    let mut samples = Vec::with_capacity(pages);
    for path in paths.iter().skip(args.warmup).take(pages) {
        let t = Instant::now();
        let (status, _) = get(&app, path).await?;
        samples.push(t.elapsed());
        ensure!(status == StatusCode::OK, "GET {path}: {status}");
    }
    let seen = counter.take();
    let n = pages.max(1) as f64;
    let total_queries: u64 = seen.values().map(|v| v.0).sum();
    let total_secs: f64 = seen.values().map(|v| v.1).sum();
    let mut statements: Vec<(String, f64, f64)> = seen
        .into_iter()
        .map(|(k, (c, s))| (k, c as f64 / n, s / c.max(1) as f64 * 1e6))
        .collect();
    statements.sort_by(|a, b| (b.1 * b.2).total_cmp(&(a.1 * a.2)));

    // The cache's work on a miss, alone, on the same pages (identity bytes fetched without
    // Accept-Encoding, so from the cache now): settings as in dateline-web's cache.rs.
    let mut gzip = Duration::ZERO;
    let mut brotli = Duration::ZERO;
    let mut sha = Duration::ZERO;
    let mut identity_bytes = 0;
    let sample: Vec<&String> = paths.iter().skip(args.warmup).take(50).collect();
    for path in &sample {
        let req = Request::get(path.as_str()).body(Body::empty())?;
        let res = app.clone().oneshot(req).await?;
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
        identity_bytes += body.len();
        let t = Instant::now();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        gz.write_all(&body)?;
        std::hint::black_box(gz.finish()?);
        gzip += t.elapsed();
        let t = Instant::now();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&body)?;
        }
        std::hint::black_box(br);
        brotli += t.elapsed();
        let t = Instant::now();
        {
            use sha2::Digest;
            std::hint::black_box(sha2::Sha256::digest(&body));
        }
        sha += t.elapsed();
    }
    let k = sample.len().max(1) as f64;
    let replay_paths: Vec<&String> = paths.iter().skip(args.warmup + pages).take(pages).collect();
    let store_calls = replay_store_calls(&store, &replay_paths).await?;
    counter.take();
    store.close().await;
    Ok(Profile {
        pages,
        mean_ms: stats::summarise(&samples).mean,
        queries_per_page: total_queries as f64 / n,
        sqlite_ms_per_page: total_secs * 1e3 / n,
        statements,
        store_calls,
        identity_bytes: identity_bytes / sample.len().max(1),
        gzip_ms: gzip.as_secs_f64() * 1e3 / k,
        brotli_ms: brotli.as_secs_f64() * 1e3 / k,
        sha256_ms: sha.as_secs_f64() * 1e3 / k,
    })
}

/// The store calls `show_article` makes for one page (see dateline-web's `site/articles.rs`),
/// in the same order, timed one by one from outside the handler: the wall time the page spends
/// waiting on the store, sqlx's round trips to its SQLite threads included. Keep it in step
/// with the handler.
async fn replay_store_calls(
    store: &Store,
    paths: &[&String],
) -> anyhow::Result<Vec<(&'static str, f64)>> {
    const CALLS: [&str; 2] = [
        "article_page (the story, its lists, its related stories)",
        "all store calls",
    ];
    let mut total = [Duration::ZERO; CALLS.len()];
    for path in paths {
        let slug = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .context("an article path has a slug")?;
        let page_started = Instant::now();
        let p = store.article_page(slug).await?;
        p.related_kept
            .context("a story has no related list: run `dateline reindex` on the folder")?;
        std::hint::black_box(p.related);
        total[0] += page_started.elapsed();
        total[1] += page_started.elapsed();
    }
    let n = paths.len().max(1) as f64;
    Ok(CALLS
        .iter()
        .zip(total)
        .map(|(name, d)| (*name, d.as_secs_f64() * 1e3 / n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn id_lists_are_folded_and_whitespace_collapsed() {
        assert_eq!(
            normalise("SELECT id FROM a\n   WHERE id IN (1,22,-1) AND b IN (3)"),
            "SELECT id FROM a WHERE id IN (…) AND b IN (…)"
        );
        assert_eq!(normalise("x IN ($1)"), "x IN ($1)");
    }
}
