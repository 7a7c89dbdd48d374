//! `dateline-bench publishing`: cached front-page and article throughput and latency while
//! editors publish, in process (issue 22).
//!
//! On a fresh site of `--stories` stories (SQLite in a temporary folder, or an empty PostgreSQL
//! database named by `--database`) in eight sections with tags and bylines, it builds the real
//! application (search indexer and related-list worker running, as on a live site) and drives
//! it with `tower::ServiceExt::oneshot`: `--readers` tasks, half loading the front page and half
//! the 200 newest stories' pages in turn, for `--seconds` per phase. Phases alternate, quiet
//! (no writes) and publishing (a new story published every 60/`--per-minute` seconds), for
//! `--rounds` rounds, so that other load on the machine falls on both alike. Reported per phase:
//! requests per second and p50/p99 latency of the front page and of the story pages; then the
//! medians over the rounds and the publishing/quiet ratios (the targets: p99 at most 1.5×,
//! throughput at least 0.9×).
//!
//! It uses nothing but the store and the router, so the same file measures older trees too.
//! Bounded: fixed durations and task counts; everything stays in this process.

use crate::stats::{self, Summary};
use anyhow::{Context, ensure};
use axum::http::StatusCode;
use dateline_core::article::path_date;
use dateline_core::person::Person;
use dateline_core::section::Section;
use dateline_core::slug::Slug;
use dateline_core::tag::Tag;
use dateline_store::{ArticleInput, NewPerson, NewSection, Store};
use dateline_web::{AppState, Clock, MediaStore, Options, Theme};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct PublishingArgs {
    /// An empty database to seed (e.g. a PostgreSQL database made for the run); default: SQLite
    /// in a temporary folder.
    #[arg(long)]
    pub database: Option<String>,
    /// Stories published before the timed phases.
    #[arg(long, default_value_t = 2000)]
    pub stories: usize,
    /// Seconds per phase.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Rounds of one quiet and one publishing phase.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Reader tasks (half on the front page, half on story pages).
    #[arg(long, default_value_t = 8)]
    pub readers: usize,
    /// Publications per minute in the publishing phases.
    #[arg(long, default_value_t = 10)]
    pub per_minute: u64,
}

/// One phase's figures.
pub struct Phase {
    pub publishing: bool,
    pub front_rps: f64,
    pub front: Summary,
    pub story_rps: f64,
    pub story: Summary,
    pub published: usize,
}

const SECTIONS: usize = 8;
const TAGS: usize = 40;
const PEOPLE: usize = 20;

struct Site {
    sections: Vec<Section>,
    tags: Vec<Tag>,
    people: Vec<Person>,
}

fn input(site: &Site, i: usize, headline: String) -> anyhow::Result<ArticleInput> {
    let source = format!(
        "Reporters filed story {i} from the {} desk.\n\nA second paragraph with detail {}.\n\n\
         A third paragraph quoting officials about matter {}.\n",
        site.sections[i % SECTIONS].name,
        i * 7,
        i % 13
    );
    let body = dateline_web::body::prepare(&source).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(ArticleInput {
        slug: Slug::parse(&format!("bench-story-{i}"))?,
        headline,
        standfirst: format!("What happened in story {i}."),
        section_id: site.sections[i % SECTIONS].id,
        body_source: source,
        body_html: body.html,
        body_text: body.text,
        lead_media_id: None,
        discussion_mode: Default::default(),
        seo_title: String::new(),
        seo_description: String::new(),
        authors: vec![site.people[i % PEOPLE].id],
        tags: vec![site.tags[i % TAGS].id, site.tags[(i * 3 + 1) % TAGS].id],
        related: Vec::new(),
        links: body.links,
        media: body.media,
    })
}

async fn publish(store: &Store, site: &Site, i: usize, clock: &Clock) -> anyhow::Result<()> {
    let now = clock.now();
    let draft = store
        .create_article(input(site, i, format!("Bench story number {i}"))?, now)
        .await?;
    store
        .publish_article(draft.id, now, path_date(now, &jiff::tz::TimeZone::UTC), now)
        .await?;
    Ok(())
}

async fn seed(store: &Store, stories: usize, clock: &Clock) -> anyhow::Result<Site> {
    let now = clock.now();
    let mut sections = Vec::new();
    for i in 0..SECTIONS {
        sections.push(
            store
                .create_section(NewSection {
                    slug: Slug::parse(&format!("section-{i}"))?,
                    name: format!("Section {i}"),
                    description: format!("Stories of section {i}."),
                    position: i as i64,
                })
                .await?,
        );
    }
    let mut tags = Vec::new();
    for i in 0..TAGS {
        tags.push(store.ensure_tag(&format!("Topic {i}")).await?);
    }
    let mut people = Vec::new();
    for i in 0..PEOPLE {
        people.push(
            store
                .create_person(
                    NewPerson {
                        slug: Slug::parse(&format!("reporter-{i}"))?,
                        name: format!("Reporter {i}"),
                        title: "Correspondent".to_owned(),
                        bio: String::new(),
                        photo_media_id: None,
                    },
                    now,
                )
                .await?,
        );
    }
    let site = Site {
        sections,
        tags,
        people,
    };
    for i in 0..stories {
        publish(store, &site, i, clock).await?;
        if i % 500 == 499 {
            eprintln!("publishing: seeded {} stories", i + 1);
        }
    }
    Ok(site)
}

/// Load pages from `readers` tasks until `stop`: even tasks the front page, odd ones `paths`
/// in turn. The latencies of each kind.
async fn load(
    app: &dateline_web::App,
    paths: Arc<Vec<String>>,
    readers: usize,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let mut tasks = tokio::task::JoinSet::new();
    for r in 0..readers {
        let (app, paths, stop) = (app.clone(), paths.clone(), stop.clone());
        tasks.spawn(async move {
            let mut times = Vec::with_capacity(100_000);
            let mut n = r;
            while !stop.load(Ordering::Relaxed) {
                let path = if r % 2 == 0 {
                    "/"
                } else {
                    n += 1;
                    paths[n % paths.len()].as_str()
                };
                let t = Instant::now();
                let (status, _) = crate::render::get(&app, path).await?;
                times.push(t.elapsed());
                ensure!(status == StatusCode::OK, "GET {path}: {status}");
                // A cache hit never waits on anything: give the scheduler (and the phase's
                // timer, and the publisher) a turn.
                tokio::task::yield_now().await;
            }
            Ok((r % 2 == 0, times))
        });
    }
    let (mut front, mut story) = (Vec::new(), Vec::new());
    while let Some(r) = tasks.join_next().await {
        let (is_front, times) = r??;
        if is_front {
            front.extend(times);
        } else {
            story.extend(times);
        }
    }
    Ok((front, story))
}

pub async fn run(args: &PublishingArgs) -> anyhow::Result<Vec<Phase>> {
    let dir = tempfile::tempdir().context("a temporary folder")?;
    let url = match &args.database {
        Some(url) => url.clone(),
        None => dateline::config::sqlite_url(&dir.path().join("bench.db")),
    };
    let store = Store::open(&url).await.context("opening the database")?;
    ensure!(
        store.is_empty().await?,
        "the database must be empty: the bench seeds its own site"
    );
    let clock = Clock::System;
    eprintln!("publishing: seeding {} stories", args.stories);
    let site = seed(&store, args.stories, &clock).await?;
    tokio::fs::create_dir_all(dir.path().join("media")).await?;
    let state = AppState::new(
        store.clone(),
        Theme::load(None)?,
        MediaStore::local(dir.path().join("media"))?,
        clock.clone(),
        Options {
            search_dir: Some(dir.path().join("search")),
            ..Options::default()
        },
    )
    .await?;
    // On PostgreSQL the page cache keeps nothing until the node hears the other nodes' writes.
    anyhow::ensure!(
        store.wait_in_step(std::time::Duration::from_secs(10)).await,
        "the node did not start listening to the change stream"
    );
    let app = dateline_web::app(state);
    let ids = store.article_ids().await?;
    let paths: Arc<Vec<String>> = Arc::new(
        store
            .summaries(&ids[ids.len().saturating_sub(200)..])
            .await?
            .into_iter()
            .map(|s| s.path)
            .collect(),
    );
    // Warm the cache, as a live site's would be.
    crate::render::get(&app, "/").await?;
    for p in paths.iter() {
        crate::render::get(&app, p).await?;
    }
    let phase = Duration::from_secs(args.seconds);
    let every = Duration::from_secs_f64(60.0 / args.per_minute.max(1) as f64);
    let mut next = args.stories;
    let mut out = Vec::new();
    for round in 0..args.rounds {
        for publishing in [false, true] {
            eprintln!(
                "publishing: round {} {}",
                round + 1,
                if publishing { "publishing" } else { "quiet" }
            );
            let stop = Arc::new(AtomicBool::new(false));
            let started = Instant::now();
            let loader = {
                let (app, paths, stop) = (app.clone(), paths.clone(), stop.clone());
                let readers = args.readers;
                tokio::spawn(async move { load(&app, paths, readers, stop).await })
            };
            let mut published = 0;
            if publishing {
                // The first a moment in, then every `every`, within the phase.
                let mut at = every / 2;
                while at < phase {
                    tokio::time::sleep_until((started + at).into()).await;
                    publish(&store, &site, next, &clock).await?;
                    next += 1;
                    published += 1;
                    at += every;
                }
            }
            tokio::time::sleep_until((started + phase).into()).await;
            stop.store(true, Ordering::Relaxed);
            let (front, story) = loader.await??;
            let secs = started.elapsed().as_secs_f64();
            out.push(Phase {
                publishing,
                front_rps: front.len() as f64 / secs,
                front: stats::summarise(&front),
                story_rps: story.len() as f64 / secs,
                story: stats::summarise(&story),
                published,
            });
        }
    }
    store.close().await;
    Ok(out)
}
