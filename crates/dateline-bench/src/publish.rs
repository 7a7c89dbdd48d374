//! `dateline-bench publish`: how soon a published story is visible to readers. In process
//! through the real router, on a small fresh SQLite site in a temporary folder (the seeded
//! site is never written to): each sample creates a draft through the write API, warms the
//! page cache with the front page and the section front, then publishes through the API and,
//! as soon as the answer is in, reads the story's page, its section front and the front page
//! until all three show it. Reported: the publish answer's time, and the time from that answer
//! until all three pages showed the story (the target is 100 ms).
//!
//! Bounded: a fixed number of samples, and each wait for visibility gives up after 5 s.

use crate::render::get;
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
pub struct PublishArgs {
    /// Stories already published on the site before the timed ones.
    #[arg(long, default_value_t = 200)]
    pub stories: usize,
    /// Timed publications.
    #[arg(long, default_value_t = 20)]
    pub samples: usize,
}

pub struct PublishReport {
    /// From sending the publish request to its answer.
    pub publish: Summary,
    /// From the publish answer until the page, section front and front page all show it.
    pub visible: Summary,
}

/// The longest a sample waits for the story to show everywhere.
const GIVE_UP: Duration = Duration::from_secs(5);

async fn send(
    app: &dateline_web::App,
    method: &str,
    path: &str,
    token: &str,
    json: serde_json::Value,
) -> anyhow::Result<(StatusCode, serde_json::Value)> {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(&json)?))?;
    let res = app.clone().oneshot(req).await?;
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}

/// Whether the page at `path` answers 200 and contains `text` (uncompressed: the bench's
/// `get` asks for compression, so ask plainly here).
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

pub async fn run(args: &PublishArgs) -> anyhow::Result<PublishReport> {
    let dir = tempfile::tempdir().context("a temporary folder")?;
    let store = Store::open(&dateline::config::sqlite_url(&dir.path().join("bench.db"))).await?;
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
                // Never signed in with: the bench uses an API token.
                password_hash: "unused".to_owned(),
            },
            jiff::Timestamp::UNIX_EPOCH,
        )
        .await?;
    let token = dateline_web::newsroom::credentials::new_token()?;
    let hash = dateline_web::newsroom::credentials::token_hash(token.expose());
    store
        .create_api_token(editor.id, &hash, "bench", jiff::Timestamp::UNIX_EPOCH)
        .await?;
    let clock = Clock::System;
    let tz = jiff::tz::TimeZone::UTC;
    eprintln!("publish: seeding {} stories", args.stories);
    for i in 0..args.stories {
        let body = dateline_web::body::prepare("A paragraph of the story.\n")
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let a = store
            .create_article(
                ArticleInput {
                    slug: Slug::parse(&format!("earlier-story-{i}"))?,
                    headline: format!("Earlier story {i}"),
                    standfirst: "An earlier story.".to_owned(),
                    section_id: section.id,
                    body_source: "A paragraph of the story.\n".to_owned(),
                    body_html: body.html,
                    body_text: body.text,
                    lead_media_id: None,
                    discussion_mode: Default::default(),
                    seo_title: String::new(),
                    seo_description: String::new(),
                    authors: vec![editor.id],
                    tags: Vec::new(),
                    related: Vec::new(),
                    links: Vec::new(),
                    media: Vec::new(),
                },
                clock.now(),
            )
            .await?;
        let at = clock.now();
        store
            .publish_article(a.id, at, dateline_core::article::path_date(at, &tz), at)
            .await?;
    }
    let state = AppState::new(
        store.clone(),
        Theme::load(None)?,
        MediaStore::local(dir.path().join("media"))?,
        clock,
        Options::default(),
    )
    .await?;
    let app = dateline_web::app(state);
    let mut publish = Vec::with_capacity(args.samples);
    let mut visible = Vec::with_capacity(args.samples);
    for i in 0..args.samples {
        let headline = format!("Timed story number {i}");
        let (status, draft) = send(
            &app,
            "POST",
            "/api/v1/articles",
            token.expose(),
            serde_json::json!({"headline": headline, "standfirst": "s", "section": "news",
                               "body": "Text of the timed story."}),
        )
        .await?;
        ensure!(
            status == StatusCode::CREATED,
            "create answered {status}: {draft}"
        );
        let id = draft["id"].as_i64().context("an id")?;
        // Warm the cache with the pages that will have to change.
        for path in ["/", "/news/"] {
            let (status, _) = get(&app, path).await?;
            ensure!(status == StatusCode::OK, "GET {path}: {status}");
        }
        let start = Instant::now();
        let (status, published) = send(
            &app,
            "POST",
            &format!("/api/v1/articles/{id}/publish"),
            token.expose(),
            serde_json::json!({"confirm": true}),
        )
        .await?;
        let answered = Instant::now();
        publish.push(answered - start);
        ensure!(
            status == StatusCode::OK,
            "publish answered {status}: {published}"
        );
        let path = published["path"].as_str().context("a path")?.to_owned();
        loop {
            let page = shows(&app, &path, &headline).await?;
            let section = shows(&app, "/news/", &headline).await?;
            let front = shows(&app, "/", &headline).await?;
            if page && section && front {
                visible.push(answered.elapsed());
                break;
            }
            ensure!(
                answered.elapsed() < GIVE_UP,
                "story {id} was not visible everywhere {GIVE_UP:?} after publishing \
                 (page {page}, section front {section}, front page {front})"
            );
            tokio::task::yield_now().await;
        }
    }
    Ok(PublishReport {
        publish: stats::summarise(&publish),
        visible: stats::summarise(&visible),
    })
}
