//! `dateline-bench seed`: a large, realistic SQLite site built through the public [`Store`] API
//! (the same calls the demo loader and the test builders make), so the rows, join rows, listing
//! copies and short codes are exactly what the newsroom would write.
//!
//! The site: 6 sections, 20 authors, 30 tags, and N published stories spread evenly over the
//! five years before [`END`], each with its own lead-photo record (no files: pages only link to
//! them), ~500 words of generated copy rendered by `dateline_web::body::prepare`, READ MORE
//! lines to earlier stories (by id and by path), the odd library photo in the body and editor
//! picks. Everything is a pure function of the article's index, so generation and markup
//! rendering run on worker threads while one task does the writes in order.
//!
//! The result is cached: the folder gets a `seed.json` marker when (and only when) seeding
//! finished, and a rerun with the same article count does nothing. Seeding happens in
//! `DIR.partial`, renamed to `DIR` at the end, so an interrupted run never looks finished.

use crate::text::{self, BodyRefs, Rng};
use anyhow::{Context, bail, ensure};
use dateline_core::article::{DiscussionMode, canonical_path, path_date};
use dateline_core::media::Credit;
use dateline_core::site::SiteSettings;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, MediaId, PersonId, TagId};
use dateline_store::{ArticleInput, NewMedia, NewPerson, NewSection, Store};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Bump when the generated site changes, so cached databases are rebuilt.
const FORMAT: u32 = 1;
/// The site's seed: the same number always gives the same site.
const SEED: u64 = 0xDA7E_11E5;
/// The newest story is published just before this; the oldest five years earlier.
pub const END: &str = "2026-11-01T00:00:00Z";
const SPAN_SECONDS: i64 = 5 * 365 * 86_400;
pub const TIME_ZONE: &str = "Europe/London";

pub const SECTIONS: [(&str, &str); 6] = [
    ("world", "World"),
    ("business", "Business"),
    ("sport", "Sport"),
    ("culture", "Culture"),
    ("science-technology", "Science & Technology"),
    ("middle-east", "Middle East"),
];

const TAGS: [&str; 30] = [
    "Elections",
    "Climate",
    "Shipping",
    "Energy",
    "Health",
    "Education",
    "Housing",
    "Transport",
    "Football",
    "Cricket",
    "Tennis",
    "Sailing",
    "Books",
    "Theatre",
    "Music",
    "Museums",
    "Space",
    "Artificial intelligence",
    "Cybersecurity",
    "Trade",
    "Markets",
    "Labour",
    "Courts",
    "Diplomacy",
    "Water",
    "Agriculture",
    "Tourism",
    "Weather",
    "Britain",
    "Europe",
];
const AUTHORS: usize = 20;

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Data folder to create (the server's `--data`): `DIR/dateline.db`.
    #[arg(long)]
    pub data: PathBuf,
    /// Number of published stories.
    #[arg(long, default_value_t = 100_000)]
    pub articles: u64,
    /// Words per body (about).
    #[arg(long, default_value_t = 500)]
    pub words: usize,
    /// Threads generating and rendering bodies (the writes are one task).
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Replace DIR if it holds anything but a finished seed of this size.
    #[arg(long)]
    pub force: bool,
}

/// `DIR/seed.json`: written last, so its presence means the seed finished.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    pub format: u32,
    pub articles: u64,
    pub words: usize,
    /// Wall-clock seconds the seeding took.
    pub seconds: f64,
    pub database_bytes: u64,
}

pub fn read_marker(data: &Path) -> Option<Marker> {
    let text = std::fs::read_to_string(data.join("seed.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Seed (or find cached) and return the marker plus whether it was cached.
pub async fn run(args: &SeedArgs) -> anyhow::Result<(Marker, bool)> {
    ensure!(args.articles > 0, "--articles must be at least 1");
    if let Some(m) = read_marker(&args.data)
        && m.format == FORMAT
        && m.articles == args.articles
        && m.words == args.words
    {
        return Ok((m, true));
    }
    if args.data.exists() {
        if !args.force {
            bail!(
                "{} exists but is not a finished seed of {} articles; pass --force to replace it",
                args.data.display(),
                args.articles
            );
        }
        std::fs::remove_dir_all(&args.data)
            .with_context(|| format!("removing {}", args.data.display()))?;
    }
    let mut partial = args.data.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    if partial.exists() {
        std::fs::remove_dir_all(&partial)
            .with_context(|| format!("removing {}", partial.display()))?;
    }
    std::fs::create_dir_all(partial.join("media"))
        .with_context(|| format!("creating {}", partial.display()))?;

    let started = Instant::now();
    let db = partial.join("dateline.db");
    let store = Store::open(&dateline::config::sqlite_url(&db)).await?;
    seed(&store, args).await?;
    store.close().await;
    let seconds = started.elapsed().as_secs_f64();
    let database_bytes = std::fs::metadata(&db)?.len();
    let marker = Marker {
        format: FORMAT,
        articles: args.articles,
        words: args.words,
        seconds,
        database_bytes,
    };
    std::fs::write(
        partial.join("seed.json"),
        serde_json::to_string_pretty(&marker)?,
    )?;
    std::fs::rename(&partial, &args.data)
        .with_context(|| format!("moving {} into place", partial.display()))?;
    Ok((marker, false))
}

/// What every generator thread needs: the ids the fixed rows got.
struct Plan {
    articles: u64,
    words: usize,
    start: Timestamp,
    tz: TimeZone,
    sections: Vec<(i64, String)>,
    people: Vec<PersonId>,
    tags: Vec<TagId>,
}

/// One story, ready to write.
struct Planned {
    id: i64,
    at: Timestamp,
    media: NewMedia,
    input: ArticleInput,
}

fn stream(index: u64, which: u64) -> Rng {
    let mut r = Rng::new(SEED ^ index.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ which);
    r.next_u64();
    r
}

/// The parts of story `index` (0-based; its id is index + 1) that other stories need too.
struct Skeleton {
    section: usize,
    headline: String,
    slug: Slug,
    at: Timestamp,
}

impl Plan {
    fn skeleton(&self, index: u64) -> anyhow::Result<Skeleton> {
        let mut rng = stream(index, 1);
        let section = rng.skewed(self.sections.len());
        let headline = text::headline(&mut rng);
        let mut base = Slug::from_text(&headline)?.as_str().to_owned();
        if base.len() > 64 {
            let cut = base[..64].rfind('-').unwrap_or(64);
            base.truncate(cut);
        }
        let slug = Slug::parse(&format!("{base}-{}", index + 1))?;
        let step = SPAN_SECONDS / self.articles.max(1) as i64;
        let offset = step * index as i64 + rng.below(step.max(1) as u64) as i64;
        let at = self.start + SignedDuration::from_secs(offset);
        Ok(Skeleton {
            section,
            headline,
            slug,
            at,
        })
    }

    fn path(&self, s: &Skeleton) -> String {
        canonical_path(
            &self.sections[s.section].1,
            path_date(s.at, &self.tz),
            s.slug.as_str(),
        )
    }

    fn plan(&self, index: u64) -> anyhow::Result<Planned> {
        let id = index as i64 + 1;
        let sk = self.skeleton(index)?;
        let mut rng = stream(index, 2);
        // READ MORE to recent earlier stories: by id mostly, sometimes by pasted path.
        let mut refs = BodyRefs::default();
        if index > 0 {
            let lines = match rng.below(10) {
                0..=5 => 1,
                6..=7 => 2,
                _ => 0,
            };
            for _ in 0..lines {
                let back = 1 + rng.below(index.min(5_000));
                let target = index - back;
                if rng.chance(70) {
                    refs.read_more.push(format!("READ MORE: #{}", target + 1));
                } else {
                    let t = self.skeleton(target)?;
                    refs.read_more.push(format!("READ MORE: {}", self.path(&t)));
                }
            }
            if rng.chance(20) {
                refs.photo = Some(1 + rng.below(index) as i64);
            }
        }
        let source = text::body(&mut rng, self.words, &refs);
        let body = dateline_web::body::prepare(&source)
            .map_err(|e| anyhow::anyhow!("generated body of story {id}: {e}"))?;
        let mut authors = vec![self.people[rng.skewed(self.people.len())]];
        if rng.chance(25) {
            authors.push(self.people[rng.skewed(self.people.len())]);
        }
        let tags = (0..rng.range(1, 4))
            .map(|_| self.tags[rng.skewed(self.tags.len())])
            .collect();
        let related = if index > 0 && rng.chance(10) {
            (0..rng.range(1, 3))
                .map(|_| ArticleId((index - rng.below(index.min(2_000))) as i64))
                .collect()
        } else {
            Vec::new()
        };
        let media = NewMedia {
            hash: format!("{:016x}", Rng::new(id as u64).next_u64()),
            mime: "image/jpeg".to_owned(),
            width: 1600,
            height: 900,
            alt: text::sentence(&mut rng),
            caption: text::sentence(&mut rng),
            credit: Credit::new("Meridian Wire", text::name(&mut rng), ""),
            variants: vec![320, 640, 1024, 1600],
            file_name: None,
        };
        let input = ArticleInput {
            slug: sk.slug,
            headline: sk.headline,
            standfirst: text::sentence(&mut rng),
            section_id: dateline_core::SectionId(self.sections[sk.section].0),
            body_source: source,
            body_html: body.html,
            body_text: body.text,
            // One lead photo per story, created just before it: media id = article id.
            lead_media_id: Some(MediaId(id)),
            discussion_mode: DiscussionMode::Open,
            seo_title: String::new(),
            seo_description: String::new(),
            authors,
            tags,
            related,
            links: body.links,
            media: body.media,
        };
        Ok(Planned {
            id,
            at: sk.at,
            media,
            input,
        })
    }
}

async fn seed(store: &Store, args: &SeedArgs) -> anyhow::Result<()> {
    ensure!(store.is_empty().await?, "the database already has stories");
    let end: Timestamp = END.parse()?;
    let start = end - SignedDuration::from_secs(SPAN_SECONDS);
    let settings = SiteSettings {
        name: "The Benchmark Herald".to_owned(),
        tagline: "News from everywhere, generated".to_owned(),
        time_zone: TIME_ZONE.to_owned(),
        language: "en-GB".to_owned(),
        ..SiteSettings::default()
    };
    store.save_site_settings(&settings).await?;
    let tz = dateline_core::dateline::time_zone(TIME_ZONE)?;
    let mut sections = Vec::new();
    for (i, (slug, name)) in SECTIONS.iter().enumerate() {
        let s = store
            .create_section(NewSection {
                slug: Slug::parse(slug)?,
                name: (*name).to_owned(),
                description: format!("The latest {name} stories."),
                position: i as i64,
            })
            .await?;
        sections.push((s.id.0, s.slug.as_str().to_owned()));
    }
    let mut rng = Rng::new(SEED);
    let mut people = Vec::new();
    for i in 0..AUTHORS {
        let name = text::name(&mut rng);
        let p = store
            .create_person(
                NewPerson {
                    slug: Slug::parse(&format!("{}-{}", Slug::from_text(&name)?, i + 1))?,
                    title: "Correspondent".to_owned(),
                    bio: text::paragraph(&mut rng, 2),
                    name,
                    photo_media_id: None,
                },
                start,
            )
            .await?;
        people.push(p.id);
    }
    let mut tags = Vec::new();
    for t in TAGS {
        tags.push(store.ensure_tag(t).await?.id);
    }
    let plan = Arc::new(Plan {
        articles: args.articles,
        words: args.words,
        start,
        tz: tz.clone(),
        sections,
        people,
        tags,
    });

    // Generator k plans stories k, k+jobs, …; the writer takes them round-robin, in id order.
    let jobs = args.jobs.clamp(1, 16);
    let mut receivers = Vec::with_capacity(jobs);
    let mut workers = Vec::with_capacity(jobs);
    for k in 0..jobs {
        let (tx, rx) = tokio::sync::mpsc::channel::<anyhow::Result<Planned>>(64);
        let plan = plan.clone();
        workers.push(std::thread::spawn(move || {
            let mut index = k as u64;
            while index < plan.articles {
                if tx.blocking_send(plan.plan(index)).is_err() {
                    return; // the writer stopped (an error); it reports why
                }
                index += jobs as u64;
            }
        }));
        receivers.push(rx);
    }
    let started = Instant::now();
    for index in 0..args.articles {
        let rx = &mut receivers[(index % jobs as u64) as usize];
        let p = rx
            .recv()
            .await
            .context("a generator thread stopped early")??;
        let m = store.create_media(p.media, p.at).await?;
        ensure!(
            m.id.0 == p.id,
            "media ids are not sequential (got {}, expected {}): seed into an empty folder",
            m.id,
            p.id
        );
        let a = store.create_article(p.input, p.at).await?;
        ensure!(
            a.id.0 == p.id,
            "article ids are not sequential (got {}, expected {})",
            a.id,
            p.id
        );
        store
            .publish_article(a.id, p.at, path_date(p.at, &tz), p.at)
            .await?;
        let done = index + 1;
        if done.is_multiple_of(10_000) || done == args.articles {
            let s = started.elapsed().as_secs_f64();
            eprintln!(
                "seed: {done}/{} stories, {s:.0} s, {:.0} stories/s",
                args.articles,
                done as f64 / s
            );
        }
    }
    drop(receivers);
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a generator thread panicked"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_seed_is_published_cached_and_renders() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let args = SeedArgs {
            data: dir.path().join("site"),
            articles: 25,
            words: 120,
            jobs: 2,
            force: false,
        };
        let (marker, cached) = run(&args).await?;
        assert!(!cached);
        assert_eq!(marker.articles, 25);
        let (_, cached) = run(&args).await?;
        assert!(cached, "a second run reuses the finished seed");

        let url = dateline::config::sqlite_url(&args.data.join("dateline.db"));
        let store = Store::open(&url).await?;
        let ids = store.article_ids().await?;
        assert_eq!(ids.len(), 25);
        let summaries = store.summaries(&ids).await?;
        assert_eq!(summaries.len(), 25, "every story is published");
        assert!(summaries.iter().all(|s| s.lead.is_some()));
        // Story 25 links back to earlier stories by id or path; they resolve.
        let linked: usize = read_more_links(&store, &ids).await?;
        assert!(linked > 0, "some READ MORE lines resolve");
        store.close().await;
        Ok(())
    }

    async fn read_more_links(store: &Store, ids: &[ArticleId]) -> anyhow::Result<usize> {
        let mut n = 0;
        for id in ids {
            n += store.read_more_targets(*id).await?.len();
        }
        Ok(n)
    }
}
