//! `dateline-bench feeds`: how long feeds and sitemaps take to make, uncached and cached, in
//! process through the real router (every middleware included), on the seeded site.
//!
//! Uncached: an app whose page cache is too small to keep any of these documents, so every
//! request generates its answer from the store. Cached: the server's default cache, warmed by
//! one request, so every timed request is answered from memory. Each request asks for
//! `Accept-Encoding: gzip, deflate, br` as feed readers and crawlers do, and reads the body to
//! the end.

use crate::render::{get, open_app};
use crate::stats::{self, Summary};
use anyhow::{Context, ensure};
use axum::http::StatusCode;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct FeedsArgs {
    /// Seeded data folder.
    #[arg(long)]
    pub data: PathBuf,
    /// Timed requests per document and mode.
    #[arg(long, default_value_t = 20)]
    pub samples: usize,
}

/// One document's figures.
pub struct FeedTiming {
    pub path: String,
    /// The answer's size as sent (brotli).
    pub bytes: usize,
    pub uncached: Summary,
    pub cached: Summary,
}

async fn time(app: &dateline_web::App, path: &str, samples: usize) -> anyhow::Result<Summary> {
    let mut took: Vec<Duration> = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        let (status, _) = get(app, path).await?;
        took.push(start.elapsed());
        ensure!(status == StatusCode::OK, "{path} answered {status}");
    }
    Ok(stats::summarise(&took))
}

pub async fn run(args: &FeedsArgs) -> anyhow::Result<Vec<FeedTiming>> {
    // 0 MB: the cache keeps nothing over its 1 KiB floor, so every answer is generated.
    let (store, uncached_state) = open_app(&args.data, 0).await?;
    let (_, cached_state) = open_app(&args.data, 64).await?;
    let uncached = dateline_web::app(uncached_state);
    let cached = dateline_web::app(cached_state);
    let section = store
        .sections()
        .await?
        .into_iter()
        .next()
        .context("the seeded site has no sections")?;
    let paths: Vec<String> = vec![
        "/feed.xml".into(),
        "/atom.xml".into(),
        "/feed.json".into(),
        format!("{}feed.xml", section.path()),
        "/sitemap.xml".into(),
        "/sitemaps/articles-1.xml".into(),
        "/news-sitemap.xml".into(),
    ];
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        eprintln!("feeds: {path}");
        // Warm the cached app (and the database's pages for both) once, untimed.
        let (status, body) = get(&cached, &path).await?;
        ensure!(status == StatusCode::OK, "{path} answered {status}");
        get(&uncached, &path).await?;
        out.push(FeedTiming {
            uncached: time(&uncached, &path, args.samples).await?,
            cached: time(&cached, &path, args.samples).await?,
            bytes: body.len(),
            path,
        });
    }
    store.close().await;
    Ok(out)
}
