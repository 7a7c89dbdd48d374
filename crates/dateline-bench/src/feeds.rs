//! `dateline-bench feeds`: how long feeds and sitemaps take to make, uncached and cached, in
//! process through the real router (every middleware included), on the seeded site.
//!
//! Uncached: every timed request's path carries a query string never asked before
//! (`?uncached=N`, which feeds and sitemaps ignore), so the cache has nothing for it and the
//! answer is generated from the store, as on any miss. Cached: the server's default cache,
//! warmed by one request, so every timed request is answered from memory. One app serves both:
//! a second one would open the data folder's search index again, which is refused while the
//! first holds it. Each request asks for `Accept-Encoding: gzip, deflate, br` as feed readers
//! and crawlers do, and reads the body to the end.

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

/// `samples` timed requests for `path`; with `uncached`, each for the path with a query
/// string of its own (see the module doc), checked to answer what `path` does (`bytes`).
async fn time(
    app: &dateline_web::App,
    path: &str,
    samples: usize,
    uncached: Option<usize>,
) -> anyhow::Result<Summary> {
    static ASKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut took: Vec<Duration> = Vec::with_capacity(samples);
    for _ in 0..samples {
        let asked = match uncached {
            Some(_) => {
                let n = ASKED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                format!("{path}?uncached={n}")
            }
            None => path.to_owned(),
        };
        let start = Instant::now();
        let (status, body) = get(app, &asked).await?;
        took.push(start.elapsed());
        ensure!(status == StatusCode::OK, "{asked} answered {status}");
        if let Some(bytes) = uncached {
            ensure!(
                body.len() == bytes,
                "{asked} answered {} bytes, not the {bytes} of {path}",
                body.len()
            );
        }
    }
    Ok(stats::summarise(&took))
}

pub async fn run(args: &FeedsArgs) -> anyhow::Result<Vec<FeedTiming>> {
    let (store, state) = open_app(&args.data, 64).await?;
    let app = dateline_web::app(state);
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
        // Warm the cache (and the database's pages) once, untimed. Cached first: the uncached
        // answers are kept too, and big ones push the warmed one out.
        let (status, body) = get(&app, &path).await?;
        ensure!(status == StatusCode::OK, "{path} answered {status}");
        let cached = time(&app, &path, args.samples, None).await?;
        out.push(FeedTiming {
            uncached: time(&app, &path, args.samples, Some(body.len())).await?,
            cached,
            bytes: body.len(),
            path,
        });
    }
    store.close().await;
    Ok(out)
}
