//! `dateline-bench comments`: article-page throughput while readers post comments, in process.
//!
//! Over a data folder (the demo newsroom is loaded into an empty one), it builds the real
//! router and drives it with `tower::ServiceExt::oneshot`: `--readers` tasks load one story's
//! page for `--seconds` (phase one, no comments), then again while `--posters` tasks post
//! comments at `--rate` per second in all, each as its own reader account (phase two). It
//! reports the article page's requests per second in both phases and the comment posts'
//! latency. The point it checks: posting never throws the story out of the page cache, so the
//! story's throughput should not fall with comments arriving.
//!
//! Bounded: fixed durations, a fixed number of tasks; everything stays in this process.

use crate::stats::{self, Summary};
use anyhow::{Context, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dateline_core::discussion::DiscussionRules;
use dateline_store::{NewReader, Store};
use dateline_web::newsroom::credentials::token_hash;
use dateline_web::{AppState, Clock, MediaStore, Options, Theme};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Debug, clap::Args)]
pub struct CommentsArgs {
    /// Data folder (the demo newsroom is loaded into an empty one).
    #[arg(long)]
    pub data: PathBuf,
    /// Seconds per phase.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Tasks loading the story page.
    #[arg(long, default_value_t = 8)]
    pub readers: usize,
    /// Tasks posting comments.
    #[arg(long, default_value_t = 20)]
    pub posters: usize,
    /// Comment posts per second, all posters together.
    #[arg(long, default_value_t = 200)]
    pub rate: u64,
}

pub struct CommentsReport {
    pub quiet_rps: f64,
    pub busy_rps: f64,
    pub posts: Summary,
    pub failed_posts: u64,
}

async fn open(args: &CommentsArgs) -> anyhow::Result<(Store, AppState)> {
    tokio::fs::create_dir_all(args.data.join("media")).await?;
    let store = Store::open(&dateline::config::sqlite_url(
        &args.data.join("dateline.db"),
    ))
    .await
    .context("opening the database")?;
    let clock = Clock::System;
    if store.is_empty().await? {
        eprintln!(
            "comments: loading the demo newsroom into {}",
            args.data.display()
        );
        let media = MediaStore::local(args.data.join("media"))?;
        dateline::demo::load(&store, &media, clock.now()).await?;
    }
    // Many accounts post from one process: only the rules that refuse load are relaxed.
    store
        .save_discussion_rules(&DiscussionRules {
            per_reader_per_minute: 1_000_000,
            per_address_per_minute: 1_000_000,
            max_links: 100,
            ..DiscussionRules::default()
        })
        .await?;
    eprintln!("comments: starting the application");
    let state = AppState::new(
        store.clone(),
        Theme::load(None)?,
        MediaStore::local(args.data.join("media"))?,
        clock,
        Options {
            search_dir: Some(dateline::config::search_dir(&args.data)),
            ..Options::default()
        },
    )
    .await?;
    Ok((store, state))
}

/// Load `path` from `readers` tasks until `stop`; requests answered 200.
async fn load_story(
    app: &dateline_web::App,
    path: &str,
    readers: usize,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<u64> {
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..readers {
        let (app, path, stop, done) = (app.clone(), path.to_owned(), stop.clone(), done.clone());
        tasks.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, _) = crate::render::get(&app, &path).await?;
                ensure!(status == StatusCode::OK, "GET {path}: {status}");
                done.fetch_add(1, Ordering::Relaxed);
                // A cache hit never waits on anything, so without this the loop would never
                // give the scheduler (and the phase's timer) a turn.
                tokio::task::yield_now().await;
            }
            Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(done.load(Ordering::Relaxed))
}

pub async fn run(args: &CommentsArgs) -> anyhow::Result<CommentsReport> {
    let (store, state) = open(args).await?;
    let app = dateline_web::app(state.clone());
    // The newest published story: the one readers crowd into while it is discussed.
    let ids = store.article_ids().await?;
    let (article, path) = store
        .summaries(&ids[ids.len().saturating_sub(50)..])
        .await?
        .into_iter()
        .map(|s| (s.id, s.path))
        .next_back()
        .context("the site has no published story")?;
    eprintln!("comments: story {article} at {path}");
    // Warm the page cache, as a live site's would be.
    crate::render::get(&app, &path).await?;
    let phase = Duration::from_secs(args.seconds);

    eprintln!("comments: {}s of readers only", args.seconds);
    // Phase one: readers only.
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let loader = {
        let (app, path, stop) = (app.clone(), path.clone(), stop.clone());
        let readers = args.readers;
        tokio::spawn(async move { load_story(&app, &path, readers, stop).await })
    };
    tokio::time::sleep(phase).await;
    stop.store(true, Ordering::Relaxed);
    let quiet = loader.await?? as f64 / started.elapsed().as_secs_f64();

    // Accounts and sessions for the posters, made straight in the store.
    let now = state.clock.now();
    let mut sessions = Vec::with_capacity(args.posters);
    for i in 0..args.posters {
        let reader = store
            .create_reader(
                NewReader {
                    display_name: format!("Bench reader {i}"),
                    email: None,
                    password_hash: None,
                },
                now,
            )
            .await?;
        let token = format!("bench-session-{i}-{}", now.as_microsecond());
        let csrf = format!("bench-form-{i}");
        store
            .create_reader_session(
                reader.id,
                &token_hash(&token),
                &csrf,
                now,
                now + jiff::SignedDuration::from_hours(1),
            )
            .await?;
        sessions.push((token, csrf));
    }

    eprintln!(
        "comments: {}s of readers while {} posters post {}/s",
        args.seconds, args.posters, args.rate
    );
    // Phase two: readers while comments arrive at `rate` per second.
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let loader = {
        let (app, path, stop) = (app.clone(), path.clone(), stop.clone());
        let readers = args.readers;
        tokio::spawn(async move { load_story(&app, &path, readers, stop).await })
    };
    let every = Duration::from_secs_f64(args.posters as f64 / args.rate.max(1) as f64);
    let mut posters = tokio::task::JoinSet::new();
    for (i, (token, csrf)) in sessions.into_iter().enumerate() {
        let (app, stop) = (app.clone(), stop.clone());
        posters.spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0u64;
            let mut tick = tokio::time::interval(every);
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                n += 1;
                let body = format!("body=Comment+{n}+from+reader+{i}&parent=&csrf={csrf}");
                let req = Request::post(format!("/discussion/{article}/comments"))
                    .header(header::HOST, "127.0.0.1")
                    .header(header::COOKIE, format!("dateline_reader={token}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))?;
                let t = Instant::now();
                let res = app.clone().oneshot(req).await?;
                let status = res.status();
                let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
                latencies.push(t.elapsed());
                if status != StatusCode::SEE_OTHER {
                    failed += 1;
                }
            }
            anyhow::Ok((latencies, failed))
        });
    }
    tokio::time::sleep(phase).await;
    stop.store(true, Ordering::Relaxed);
    let busy = loader.await?? as f64 / started.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut failed_posts = 0;
    while let Some(r) = posters.join_next().await {
        let (l, f) = r??;
        latencies.extend(l);
        failed_posts += f;
    }
    Ok(CommentsReport {
        quiet_rps: quiet,
        busy_rps: busy,
        posts: stats::summarise(&latencies),
        failed_posts,
    })
}
