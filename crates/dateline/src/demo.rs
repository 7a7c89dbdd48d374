//! The demo newsroom behind `serve --demo`: an invented outlet with sections, authors, generated
//! photos with captions and credits, and stories using every feature of the dialect (READ MORE,
//! photos, footnotes), tags and related picks, and the static pages in the footer (About us,
//! Contact, Corrections policy, Privacy). The content lives in `crates/dateline/demo/` and
//! is embedded in the binary, the demo station's playlist included (`demo/audio/`).
//!
//! Stories refer to each other as `@slug` and to photos as `@key`; this loader turns those into
//! real ids. It loads only into an empty site and never overwrites anything.

mod images;

use anyhow::{Context, anyhow, bail};
use dateline_core::article::{DiscussionMode, path_date};
use dateline_core::live::{AudioFormat, DEFAULT_BURST_BYTES, DEFAULT_QUEUE_BYTES, MountPath};
use dateline_core::media::Credit;
use dateline_core::site::SiteSettings;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, MediaId, PersonId, TagId};
use dateline_store::{ArticleInput, NewMedia, NewMount, NewPerson, NewSection, Store};
use dateline_web::MediaStore;
use jiff::{SignedDuration, Timestamp};
use rust_embed::RustEmbed;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(RustEmbed)]
#[folder = "demo/"]
struct DemoFiles;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    name: String,
    tagline: String,
    time_zone: String,
    language: String,
    community_standards: String,
}

#[derive(Deserialize)]
struct SectionsFile {
    section: Vec<SectionEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionEntry {
    slug: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct PeopleFile {
    person: Vec<PersonEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonEntry {
    slug: String,
    name: String,
    title: String,
    bio: String,
}

#[derive(Deserialize)]
struct PhotosFile {
    photo: Vec<PhotoEntry>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhotoEntry {
    key: String,
    alt: String,
    caption: String,
    agency: String,
    photographer: String,
    courtesy: String,
    pub(crate) colors: [String; 2],
    pub(crate) width: u32,
    pub(crate) height: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Front {
    slug: String,
    headline: String,
    standfirst: String,
    section: String,
    authors: Vec<String>,
    tags: Vec<String>,
    age_hours: i64,
    updated_hours_after: Option<i64>,
    lead_photo: String,
    #[serde(default)]
    related: Vec<String>,
    /// A story the editors withdrew after publishing it: readers get its 410 page with this
    /// note, and it is in no listing, feed or sitemap.
    #[serde(default)]
    withdrawn_note: Option<String>,
}

struct Story {
    front: Front,
    body: String,
}

/// A static page's front matter (`demo/pages/*.md`): listed in the footer in file order.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFront {
    title: String,
    slug: String,
    #[serde(default)]
    description: String,
}

/// The `+++`-delimited front matter and the body of a demo file.
fn front_and_body(name: &str) -> anyhow::Result<(String, String)> {
    let text = file(name)?;
    let rest = text
        .strip_prefix("+++\n")
        .ok_or_else(|| anyhow!("{name}: no front matter"))?;
    let (front, body) = rest
        .split_once("\n+++\n")
        .ok_or_else(|| anyhow!("{name}: unterminated front matter"))?;
    Ok((front.to_owned(), body.to_owned()))
}

/// The demo's static pages (About us, Contact, Corrections policy, Privacy), published and in
/// the footer in file order.
async fn pages(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let mut names: Vec<String> = DemoFiles::iter()
        .filter(|n| n.starts_with("pages/") && n.ends_with(".md"))
        .map(|n| n.to_string())
        .collect();
    names.sort();
    for (i, n) in names.iter().enumerate() {
        let (front, body) = front_and_body(n)?;
        let f: PageFront = toml::from_str(&front).with_context(|| format!("{n}: front matter"))?;
        let prepared = dateline_web::body::prepare(&body)
            .map_err(|e| anyhow!("{n}: the body does not render: {e}"))?;
        store
            .create_page(
                dateline_store::PageInput {
                    slug: Slug::parse(&f.slug)?,
                    title: f.title,
                    description: f.description,
                    body_source: body,
                    refs: dateline_web::body::ref_keys(&prepared),
                    body_html: prepared.html,
                    body_text: prepared.text,
                    status: dateline_core::static_page::PageStatus::Published,
                    footer_position: Some(i as i64 + 1),
                },
                None,
                now,
            )
            .await
            .with_context(|| format!("{n}: saving the page"))?;
    }
    Ok(())
}

fn file(name: &str) -> anyhow::Result<String> {
    let f = DemoFiles::get(name).ok_or_else(|| anyhow!("the demo has no {name}"))?;
    Ok(String::from_utf8(f.data.into_owned())?)
}

fn stories() -> anyhow::Result<Vec<Story>> {
    let mut names: Vec<String> = DemoFiles::iter()
        .filter(|n| n.starts_with("stories/") && n.ends_with(".md"))
        .map(|n| n.to_string())
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let text = file(n)?;
            let rest = text
                .strip_prefix("+++\n")
                .ok_or_else(|| anyhow!("{n}: no front matter"))?;
            let (front, body) = rest
                .split_once("\n+++\n")
                .ok_or_else(|| anyhow!("{n}: unterminated front matter"))?;
            Ok(Story {
                front: toml::from_str(front).with_context(|| format!("{n}: front matter"))?,
                body: body.to_owned(),
            })
        })
        .collect()
}

/// Load the demo into an empty store; returns the number of published stories (withdrawn ones
/// are loaded too, but readers see only their 410 page).
pub async fn load(store: &Store, media: &MediaStore, now: Timestamp) -> anyhow::Result<usize> {
    let started = std::time::Instant::now();
    if !store.is_empty().await? {
        bail!("the site already has stories; the demo loads only into an empty site");
    }
    let site_file: SiteFile = toml::from_str(&file("site.toml")?).context("demo site.toml")?;
    let mut site = store.site_settings().await?;
    site = SiteSettings {
        name: site_file.name,
        tagline: site_file.tagline,
        time_zone: site_file.time_zone,
        language: site_file.language,
        community_standards: site_file.community_standards,
        // The demo station (see `station`): Listen Live in every page's header.
        live_stream_url: DEMO_MOUNT.to_owned(),
        live_stream_name: DEMO_STATION.to_owned(),
        ..site
    };
    store.save_site_settings(&site).await?;
    let tz = dateline_core::dateline::time_zone(&site.time_zone)?;

    let sections: SectionsFile =
        toml::from_str(&file("sections.toml")?).context("demo sections")?;
    let mut section_ids = HashMap::new();
    for (i, s) in sections.section.into_iter().enumerate() {
        let created = store
            .create_section(NewSection {
                slug: Slug::parse(&s.slug)?,
                name: s.name,
                description: s.description,
                position: i as i64,
            })
            .await?;
        section_ids.insert(s.slug, created.id);
    }

    let mut photos: PhotosFile = toml::from_str(&file("photos.toml")?).context("demo photos")?;
    let people: PeopleFile = toml::from_str(&file("people.toml")?).context("demo people")?;
    // Every author gets a generated square portrait, keyed `portrait:<slug>`.
    photos
        .photo
        .extend(people.person.iter().map(portrait_entry));
    let mut media_ids: HashMap<String, MediaId> = HashMap::new();
    let generated = {
        let entries = photos.photo.clone();
        tokio::task::spawn_blocking(move || images::render_all(&entries)).await??
    };
    for (entry, photo) in photos.photo.into_iter().zip(generated) {
        let widths: Vec<u32> = photo.variants.iter().map(|(w, _)| *w).collect();
        for (width, bytes) in photo.variants {
            let key = MediaStore::variant_key(&photo.hash, width, "jpg");
            media
                .put(&key, bytes.into())
                .await
                .with_context(|| format!("writing {key} to the media store"))?;
        }
        // The demo's photos are JPEG variants only (no original is kept); the variant worker
        // makes their AVIF and WebP from the widest in the background, as it does for photos
        // kept before those formats, so the site opens at once.
        let m = store
            .create_media_then(
                NewMedia {
                    hash: photo.hash.clone(),
                    mime: "image/jpeg".to_owned(),
                    width: entry.width,
                    height: entry.height,
                    alt: entry.alt,
                    caption: entry.caption,
                    credit: Credit::new(entry.agency, entry.photographer, entry.courtesy),
                    variants: widths,
                    file_name: None,
                },
                |id| dateline_web::media::worker::variants_job(id, now),
                now,
            )
            .await?;
        media_ids.insert(entry.key, m.id);
    }

    let mut person_ids: HashMap<String, PersonId> = HashMap::new();
    for p in people.person {
        let portrait = media_ids.get(&format!("portrait:{}", p.slug)).copied();
        let created = store
            .create_person(
                NewPerson {
                    slug: Slug::parse(&p.slug)?,
                    name: p.name,
                    title: p.title,
                    bio: p.bio,
                    photo_media_id: portrait,
                },
                now,
            )
            .await?;
        person_ids.insert(p.slug, created.id);
    }

    tracing::info!(
        photos = media_ids.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo photos ready"
    );
    let stories = stories()?;
    // First pass: a draft per story, so READ MORE and related picks can name ids.
    let mut ids: HashMap<String, ArticleId> = HashMap::new();
    let mut versions: HashMap<ArticleId, i64> = HashMap::new();
    for s in &stories {
        let f = &s.front;
        let section = *section_ids
            .get(&f.section)
            .ok_or_else(|| anyhow!("{}: unknown section {}", f.slug, f.section))?;
        let a = store
            .create_article(
                ArticleInput {
                    slug: Slug::parse(&f.slug)?,
                    headline: f.headline.clone(),
                    standfirst: f.standfirst.clone(),
                    section_id: section,
                    body_source: String::new(),
                    body_html: String::new(),
                    body_text: String::new(),
                    lead_media_id: None,
                    discussion_mode: DiscussionMode::Open,
                    seo_title: String::new(),
                    seo_description: String::new(),
                    authors: vec![],
                    tags: vec![],
                    related: vec![],
                    links: vec![],
                    media: vec![],
                },
                now,
            )
            .await?;
        versions.insert(a.id, a.version);
        ids.insert(f.slug.clone(), a.id);
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo drafts created"
    );
    let mut tag_ids: HashMap<String, TagId> = HashMap::new();
    for s in &stories {
        let f = &s.front;
        let id = ids[&f.slug];
        let source = resolve_refs(&s.body, &ids, &media_ids)
            .with_context(|| format!("demo story {}", f.slug))?;
        let body = dateline_web::body::prepare(&source)
            .map_err(|e| anyhow!("demo story {}: {e}", f.slug))?;
        let mut tags = Vec::new();
        for t in &f.tags {
            let tid = match tag_ids.get(t) {
                Some(t) => *t,
                None => {
                    let tag = store.ensure_tag(t).await?;
                    tag_ids.insert(t.clone(), tag.id);
                    tag.id
                }
            };
            tags.push(tid);
        }
        let lookup = |slug: &String, what: &str| {
            ids.get(slug)
                .copied()
                .ok_or_else(|| anyhow!("{}: unknown {what} {slug}", f.slug))
        };
        let input = ArticleInput {
            slug: Slug::parse(&f.slug)?,
            headline: f.headline.clone(),
            standfirst: f.standfirst.clone(),
            section_id: section_ids[&f.section],
            body_source: source,
            body_html: body.html,
            body_text: body.text,
            lead_media_id: Some(
                *media_ids
                    .get(&f.lead_photo)
                    .ok_or_else(|| anyhow!("{}: unknown photo {}", f.slug, f.lead_photo))?,
            ),
            discussion_mode: DiscussionMode::Open,
            seo_title: String::new(),
            seo_description: String::new(),
            authors: f
                .authors
                .iter()
                .map(|a| {
                    person_ids
                        .get(a)
                        .copied()
                        .ok_or_else(|| anyhow!("{}: unknown author {a}", f.slug))
                })
                .collect::<anyhow::Result<_>>()?,
            tags,
            related: f
                .related
                .iter()
                .map(|r| lookup(r, "related story"))
                .collect::<anyhow::Result<_>>()?,
            links: body.links,
            media: body.media,
        };
        let published_at = now - SignedDuration::from_hours(f.age_hours);
        let saved = store
            .update_article(id, versions[&id], input.clone(), published_at, false)
            .await?;
        let published = store
            .publish_article(id, published_at, path_date(published_at, &tz), published_at)
            .await?;
        debug_assert!(saved.version < published.version);
        if let Some(h) = f.updated_hours_after {
            let updated_at = published_at + SignedDuration::from_hours(h);
            store
                .update_article(id, published.version, input, updated_at, true)
                .await?;
        }
        if let Some(note) = &f.withdrawn_note {
            let withdrawn_at = published_at + SignedDuration::from_hours(4);
            store.withdraw_article(id, note, withdrawn_at).await?;
        }
    }
    pages(store, now).await?;
    station(store, media, now).await?;
    Ok(stories
        .iter()
        .filter(|s| s.front.withdrawn_note.is_none())
        .count())
}

/// The demo station's mount: on air from its playlist as soon as the server starts.
pub const DEMO_MOUNT: &str = "/live/demo.mp3";
const DEMO_STATION: &str = "Dateline Radio";

/// The demo station: a mount whose playlist is the audio in `demo/audio/` (made by
/// `scripts/make-demo-audio`), so Listen Live plays with no source connected. Its source
/// password is random and never shown: to go live on it, remove and add the mount again.
async fn station(store: &Store, media: &MediaStore, now: Timestamp) -> anyhow::Result<()> {
    let path = MountPath::parse(DEMO_MOUNT)?;
    let mut secret = [0u8; 24];
    getrandom::fill(&mut secret).map_err(|e| anyhow!("no randomness available: {e}"))?;
    let password: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    // Argon2 is deliberately slow: keep it off the async threads.
    let hash = tokio::task::spawn_blocking(move || dateline_web::live::hash_password(&password))
        .await
        .context("hashing the demo mount's password")??;
    store
        .create_live_mount(
            NewMount {
                path: path.clone(),
                name: DEMO_STATION.to_owned(),
                format: AudioFormat::Mp3,
                source_password_hash: hash,
                max_listeners: None,
                fallback: None,
                burst_bytes: DEFAULT_BURST_BYTES,
                queue_bytes: DEFAULT_QUEUE_BYTES,
                relay_from: None,
            },
            now,
        )
        .await
        .context("adding the demo mount")?;
    let mut names: Vec<String> = DemoFiles::iter()
        .filter(|n| n.starts_with("audio/") && n.ends_with(".mp3"))
        .map(|n| n.into_owned())
        .collect();
    names.sort();
    for name in names {
        let f = DemoFiles::get(&name).ok_or_else(|| anyhow!("demo file {name} is missing"))?;
        let file_name = name.trim_start_matches("audio/");
        dateline_web::live::playlist::add_file(
            store,
            media,
            &path,
            file_name,
            bytes::Bytes::from(f.data.into_owned()),
            now,
        )
        .await
        .with_context(|| format!("adding {name} to the demo playlist"))?;
    }
    Ok(())
}

/// A portrait for an author, in colours derived from their slug.
fn portrait_entry(p: &PersonEntry) -> PhotoEntry {
    const PALETTES: [[&str; 2]; 6] = [
        ["#264653", "#e9c46a"],
        ["#3d405b", "#f2cc8f"],
        ["#1d3557", "#a8dadc"],
        ["#5f0f40", "#fb8b24"],
        ["#283618", "#dda15e"],
        ["#22223b", "#c9ada7"],
    ];
    let pick = p.slug.bytes().map(usize::from).sum::<usize>() % PALETTES.len();
    PhotoEntry {
        key: format!("portrait:{}", p.slug),
        alt: format!("Portrait of {}", p.name),
        caption: p.name.clone(),
        agency: "The Meridian Herald".to_owned(),
        photographer: String::new(),
        courtesy: String::new(),
        colors: PALETTES[pick].map(str::to_owned),
        width: 640,
        height: 640,
    }
}

/// Turn the demo's `READ MORE: @slug` and `::: photo @key` into real ids.
fn resolve_refs(
    body: &str,
    ids: &HashMap<String, ArticleId>,
    media: &HashMap<String, MediaId>,
) -> anyhow::Result<String> {
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        if let Some(slug) = line.trim().strip_prefix("READ MORE: @") {
            let id = ids
                .get(slug.trim())
                .ok_or_else(|| anyhow!("READ MORE names unknown story {slug}"))?;
            out.push_str(&format!("READ MORE: #{id}"));
        } else if let Some(key) = line.trim().strip_prefix("::: photo @") {
            let id = media
                .get(key.trim())
                .ok_or_else(|| anyhow!("photo block names unknown photo {key}"))?;
            out.push_str(&format!("::: photo {id}"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
