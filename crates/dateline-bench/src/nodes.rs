//! `dateline-bench nodes --database URL`: cross-node visibility (issue 20). Two nodes in this
//! process on one PostgreSQL database, each with its own store (pool and listening
//! connection), page cache and in-memory search index, as two `dateline serve` processes
//! would have: the change stream between them goes through PostgreSQL's `LISTEN/NOTIFY`
//! exactly as between processes. Per sample: B's front page is fetched (kept in its cache),
//! then a draft made on A is published through A's store; from the start of that publish
//! B's front page and B's search for a word only that story has are read until both show it.
//! Reported: the publish call's time, and from its start until B's store announced it (the
//! notification's own latency), until B's cached page, B's search answer, and both showed it (the target is 100 ms p50 / 500 ms p99).
//!
//! Publications are `--gap-ms` apart (default 500 ms). B's search shows a story after B's
//! indexer commits, at most every 200 ms: with publications back to back (`--gap-ms 0`) each
//! one tends to arrive in the pause after the previous one's commit and waits for it.
//!
//! Bounded: a fixed number of samples per run, and each wait gives up after 5 s. Talks to
//! the database named by `--database` only, which must be empty (the bench seeds its own site).

use crate::stats::{self, Summary};
use anyhow::{Context, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dateline_core::account::Email;
use dateline_core::permissions::Role;
use dateline_core::slug::Slug;
use dateline_store::{ArticleInput, NewAccount, NewSection, Store};
use dateline_web::{AppState, Clock, MediaStore, Options, Theme};
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Debug, clap::Args)]
pub struct NodesArgs {
    /// An empty PostgreSQL database both nodes share.
    #[arg(long)]
    pub database: String,
    /// Stories published before the timed ones.
    #[arg(long, default_value_t = 200)]
    pub stories: usize,
    /// Timed publications per run.
    #[arg(long, default_value_t = 50)]
    pub samples: usize,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Pause between publications, in milliseconds: a newsroom publishes a few stories a
    /// minute, so each publication meets an indexer that is not in the middle of its 200 ms
    /// commit pause (0 measures back-to-back publications).
    #[arg(long, default_value_t = 500)]
    pub gap_ms: u64,
}

pub struct NodesRun {
    /// The publish call on A (the write and its commit, the notification sent within).
    pub publish: Summary,
    /// From the start of the publish until B's store had announced it (the notification
    /// arrived): the stream itself, before any page is rendered or story indexed.
    pub heard: Summary,
    /// From the start of the publish until B's front page (kept in B's cache) showed it.
    pub page: Summary,
    /// From the start of the publish until B's search answer showed it.
    pub search: Summary,
    /// Until both did.
    pub both: Summary,
}

/// The longest a sample waits.
const GIVE_UP: Duration = Duration::from_secs(5);

/// Whether `path` answers 200 with `text` in its (uncompressed) body.
async fn shows(app: &dateline_web::App, path: &str, text: &str) -> anyhow::Result<bool> {
    let req = Request::get(path)
        .header(header::HOST, "127.0.0.1")
        .body(Body::empty())?;
    let res = app.clone().oneshot(req).await?;
    if res.status() != StatusCode::OK {
        return Ok(false);
    }
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
    Ok(String::from_utf8_lossy(&body).contains(text))
}

/// A word of letters only for sample `n` (search analyses digits apart from letters).
fn word(n: usize) -> String {
    let mut n = n;
    let mut w = String::from("quill");
    loop {
        w.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return w;
        }
    }
}

fn input(
    section: dateline_core::SectionId,
    author: dateline_core::PersonId,
    headline: &str,
    text: &str,
) -> anyhow::Result<ArticleInput> {
    let body = dateline_web::body::prepare(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(ArticleInput {
        slug: Slug::from_text(headline)?,
        headline: headline.to_owned(),
        standfirst: "A story.".to_owned(),
        section_id: section,
        body_source: text.to_owned(),
        body_html: body.html,
        body_text: body.text,
        lead_media_id: None,
        discussion_mode: Default::default(),
        seo_title: String::new(),
        seo_description: String::new(),
        authors: vec![author],
        tags: Vec::new(),
        related: Vec::new(),
        links: Vec::new(),
        media: Vec::new(),
    })
}

async fn node(url: &str) -> anyhow::Result<(Store, AppState, dateline_web::App)> {
    let store = Store::open(url).await.context("opening the database")?;
    let dir = std::env::temp_dir().join("dateline-bench-nodes-media");
    let state = AppState::new(
        store.clone(),
        Theme::load(None)?,
        MediaStore::local(dir)?,
        Clock::System,
        Options::default(),
    )
    .await?;
    ensure!(
        store.wait_in_step(Duration::from_secs(10)).await,
        "the node did not start listening to the change stream"
    );
    state.search.ready().await;
    let app = dateline_web::app(state.clone());
    Ok((store, state, app))
}

pub async fn run(args: &NodesArgs) -> anyhow::Result<Vec<NodesRun>> {
    ensure!(
        args.database.starts_with("postgres"),
        "--database must name a PostgreSQL database: nodes share one"
    );
    let store = Store::open(&args.database)
        .await
        .context("opening the database")?;
    ensure!(
        store.is_empty().await?,
        "the database must be empty: the bench seeds its own site"
    );
    let section = store
        .create_section(NewSection {
            slug: Slug::parse("news")?,
            name: "News".to_owned(),
            description: "News.".to_owned(),
            position: 0,
        })
        .await?;
    let editor = store
        .create_account(
            NewAccount {
                email: Email::parse("bench-editor@example.com")?,
                name: "Bench Editor".to_owned(),
                role: Role::Editor,
                password_hash: "unused".to_owned(),
            },
            jiff::Timestamp::UNIX_EPOCH,
        )
        .await?;
    let clock = Clock::System;
    let tz = jiff::tz::TimeZone::UTC;
    eprintln!("nodes: seeding {} stories", args.stories);
    for i in 0..args.stories {
        let a = store
            .create_article(
                input(
                    section.id,
                    editor.id,
                    &format!("Earlier story {i}"),
                    "A paragraph of the story.\n",
                )?,
                clock.now(),
            )
            .await?;
        let at = clock.now();
        store
            .publish_article(a.id, at, dateline_core::article::path_date(at, &tz), at)
            .await?;
    }
    store.close().await;
    let (store_a, _state_a, _app_a) = node(&args.database).await?;
    let (store_b, state_b, app_b) = node(&args.database).await?;
    ensure!(
        state_b
            .search
            .caught_up(state_b.store.generation(), Duration::from_secs(30))
            .await,
        "node B's index did not catch up"
    );
    let mut runs = Vec::new();
    let mut n = 0;
    for run in 0..args.runs {
        eprintln!("nodes: run {} of {}", run + 1, args.runs);
        let (mut publish, mut heard, mut page, mut search, mut both) =
            (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..args.samples {
            n += 1;
            let w = word(n);
            let headline = format!("Timed story {w}");
            let query = format!("/search?q={w}");
            tokio::time::sleep(Duration::from_millis(args.gap_ms)).await;
            // B keeps its front page (the second read is a hit).
            shows(&app_b, "/", "Earlier story").await?;
            shows(&app_b, "/", "Earlier story").await?;
            let draft = store_a
                .create_article(
                    input(
                        section.id,
                        editor.id,
                        &headline,
                        &format!("The {w} story.\n"),
                    )?,
                    clock.now(),
                )
                .await?;
            let since = store_b.generation();
            let started = Instant::now();
            let at = clock.now();
            store_a
                .publish_article(draft.id, at, dateline_core::article::path_date(at, &tz), at)
                .await?;
            publish.push(started.elapsed());
            // Three watchers at once, so that a slow page does not delay seeing the search
            // answer, nor either of them the moment B heard of the publication.
            let id = draft.id;
            let heard_b = async {
                let mut changes = store_b.changes();
                loop {
                    let done = store_b.changes_since(since).is_none_or(|c| {
                        c.iter()
                            .any(|a| a.change == dateline_store::Change::Article(id))
                    });
                    if done {
                        return Ok::<_, anyhow::Error>(started.elapsed());
                    }
                    ensure!(
                        started.elapsed() < GIVE_UP,
                        "sample {n}: B never heard of it"
                    );
                    // Woken by B's next announcement, or after a millisecond at most.
                    let _ = tokio::time::timeout(Duration::from_millis(1), changes.recv()).await;
                }
            };
            let until_shown = |path: String| {
                let app = app_b.clone();
                let headline = headline.clone();
                async move {
                    loop {
                        if shows(&app, &path, &headline).await? {
                            return Ok::<_, anyhow::Error>(started.elapsed());
                        }
                        ensure!(
                            started.elapsed() < GIVE_UP,
                            "sample {n}: node B did not show the story at {path} within {GIVE_UP:?}"
                        );
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            };
            let (h, page_at, search_at) = tokio::try_join!(
                heard_b,
                until_shown("/".to_owned()),
                until_shown(query.clone())
            )?;
            let (heard_at, page_at, search_at) = (Some(h), Some(page_at), Some(search_at));
            let (p, s) = (page_at.unwrap_or_default(), search_at.unwrap_or_default());
            heard.push(heard_at.unwrap_or_default());
            page.push(p);
            search.push(s);
            both.push(p.max(s));
        }
        runs.push(NodesRun {
            publish: stats::summarise(&publish),
            heard: stats::summarise(&heard),
            page: stats::summarise(&page),
            search: stats::summarise(&search),
            both: stats::summarise(&both),
        });
    }
    Ok(runs)
}
