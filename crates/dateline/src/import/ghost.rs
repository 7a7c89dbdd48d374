//! `dateline import ghost FILE.json|FILE.zip [--images DIR | --fetch-media] [--dry-run]`: a Ghost
//! export (Settings → Labs → Export: `{"db": [{"meta": …, "data": {"posts": […], "tags": […],
//! "posts_tags": […], "users": […], "posts_authors": […], "posts_meta": […]}}]}`) into the site
//! (issue 16). Posts become stories (their `html`, which Ghost renders from Lexical or
//! mobiledoc, converted to the dialect), each post's primary tag its section, its other public
//! tags tags (internal `#tags` skipped), its authors people in byline order, its images library
//! photos (the feature image the lead photo), and Ghost's URLs (`/{slug}/`, or the post
//! permalink the site's `routes.yaml` set, given with `--permalink`; `/tag/{slug}/`,
//! `/author/{slug}/`, their `rss/`, `/rss/`) 301s.
//!
//! The primary tag and author are Ghost's own (its post model's `primary_tag` and
//! `primary_author`): the primary tag is the post's first tag by `sort_order` **when that tag is
//! public**, and none when it is internal (not the first public tag); the primary author is the
//! first author by `sort_order`. A post without a primary tag goes to the fallback section, as
//! one without tags does, and `{primary_tag}` in its old URL is `all`, as Ghost wrote it.
//!
//! Members-only and paid posts come in as drafts and are listed (Dateline has no paywall yet,
//! so none is published by surprise); pages come in as static pages (`Sink::page`).
//!
//! Streaming: the file is read with `serde_json`'s streaming deserializer and visitors that
//! hand over one post at a time, never the whole `posts` array, so memory holds the small
//! tables (tags, users, the join tables) and one post, whatever the file's size. Two passes,
//! as for WordPress: the first checks the whole file (a broken, truncated or foreign file is
//! refused, with serde_json's line and column, before anything is written) and keeps the small
//! tables, which Ghost writes after `posts`; the second writes the posts through the shared
//! [`Sink`](super::Sink), its parser on a blocking thread handing posts over a bounded channel.
//!
//! Ghost's zip (the JSON at its root, images under `content/images/YYYY/MM/`) is read in
//! place: the JSON inflated as it is parsed, each image read from its entry when a post names
//! it, as `--images` reads a folder; nothing is unpacked to disk. A corrupt zip, or one without
//! a JSON file, is refused before anything is written.

use super::permalink::{Permalink, PostParts};
use super::photos::{self, Files, PhotoIn, Photos};
use super::{MediaArgs, Report, Sink, collapse_text, html, slug_of, strip_tags};
use crate::config::StoreArgs;
use anyhow::{Context, bail};
use clap::Args;
use dateline_core::article::{DiscussionMode, Status, path_date};
use dateline_core::slug::Slug;
use dateline_core::static_page::PageStatus;
use dateline_store::{ArticleInput, ImportedStory};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::BufReader;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct GhostArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The export file: Ghost's JSON, or the zip Ghost writes with its images (the JSON at
    /// its root, the images under `content/images/`), read without unpacking it.
    pub file: PathBuf,
    /// A copy of the old site's `content/images` folder: images are read there (instead of
    /// a zip's own).
    #[arg(long, conflicts_with = "fetch_media")]
    pub images: Option<PathBuf>,
    /// The old site's address (`https://old.example`): Ghost writes its images as
    /// `__GHOST_URL__/content/images/…`, which `--fetch-media` downloads from there.
    #[arg(long)]
    pub site_url: Option<String>,
    #[command(flatten)]
    pub media: MediaArgs,
    /// The old site's post permalink when it was not Ghost's default `/{slug}/`: the
    /// `permalink:` of the posts' collection in its `routes.yaml` (Settings → Labs → Routes
    /// downloads it; Ghost's export does not carry it), e.g. `/{primary_tag}/{slug}/` or
    /// `/{year}/{month}/{slug}/`. Each post's URL under it (dates in the export's time zone)
    /// redirects to the story, as `/{slug}/` does.
    #[arg(long, default_value = "/{slug}/")]
    pub permalink: String,
    /// Write nothing (the database is not even opened); print the full report.
    #[arg(long)]
    pub dry_run: bool,
}

/// Ghost's own URLs and ids: every item's source id is Ghost's (24 hex digits, unique to the
/// item), so the source needs no site address and a re-run finds its rows however it is run.
const SOURCE: &str = "ghost";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Post {
    id: Option<Value>,
    title: Option<String>,
    slug: Option<String>,
    html: Option<String>,
    feature_image: Option<String>,
    /// `post` or `page` (Ghost 4 on).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Before Ghost 4: pages were posts with `page` set.
    page: Option<Value>,
    status: Option<String>,
    /// `public`, `members`, `paid` or `tiers`.
    visibility: Option<String>,
    created_at: Option<Value>,
    updated_at: Option<Value>,
    published_at: Option<Value>,
    custom_excerpt: Option<String>,
    /// Before `posts_authors`: the one author.
    author_id: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Tag {
    id: Option<Value>,
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    /// `public` or `internal` (a `#tag`).
    visibility: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct User {
    id: Option<Value>,
    name: Option<String>,
    slug: Option<String>,
    email: Option<String>,
    bio: Option<String>,
}

/// A row of `posts_tags` or `posts_authors`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Join {
    post_id: Option<Value>,
    tag_id: Option<Value>,
    author_id: Option<Value>,
    sort_order: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PostMeta {
    post_id: Option<Value>,
    feature_image_alt: Option<String>,
    feature_image_caption: Option<String>,
}

/// A row of `settings`: only the site's time zone is read (its permalinks' dates).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Setting {
    key: Option<String>,
    value: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Meta {
    version: Option<Value>,
}

/// What the first pass keeps: everything but the posts.
#[derive(Debug, Default)]
struct Tables {
    version: Option<String>,
    data: bool,
    posts: u64,
    tags: Vec<Tag>,
    users: Vec<User>,
    /// post id → (order, tag id).
    post_tags: HashMap<String, Vec<(i64, String)>>,
    /// post id → (order, user id).
    post_authors: HashMap<String, Vec<(i64, String)>>,
    /// post id → (feature image alt, caption).
    meta: HashMap<String, (String, String)>,
    /// Ids of the pages (`type: page`): their tags make no sections.
    pages: HashSet<String>,
    /// The site's time zone (`settings` key `timezone`), which Ghost's permalink dates use.
    timezone: Option<String>,
}

/// An id as Ghost writes it: a string (Ghost 1 on) or a number (older).
fn id_of(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A Ghost time: RFC 3339 (`2023-11-28T10:00:00.000Z`), SQL (`2023-11-28 10:00:00`, UTC) or
/// milliseconds since the epoch (older exports).
fn time_of(v: &Option<Value>) -> Option<Timestamp> {
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            s.parse::<Timestamp>().ok().or_else(|| {
                let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().ok()?;
                dt.to_zoned(jiff::tz::TimeZone::UTC)
                    .ok()
                    .map(|z| z.timestamp())
            })
        }
        Some(Value::Number(n)) => Timestamp::from_millisecond(n.as_i64()?).ok(),
        _ => None,
    }
}

fn is_page(p: &Post) -> bool {
    p.kind.as_deref() == Some("page")
        || matches!(&p.page, Some(Value::Bool(true)))
        || matches!(&p.page, Some(Value::Number(n)) if n.as_i64() == Some(1))
}

/// The visitors: the root (`{"db": [...]}` or `{"meta", "data"}`), `db`'s first element,
/// `data`, and `posts`, which hands each post to `on_post` as it is read.
struct Root<'s, 'f> {
    tables: &'s mut Tables,
    on_post: &'s mut OnPost<'f>,
}

type OnPost<'a> = dyn FnMut(Post) -> Result<(), String> + 'a;

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Ghost export: an object with `db`, or with `meta` and `data`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "db" => map.next_value_seed(Db {
                    tables: &mut *self.tables,
                    on_post: &mut *self.on_post,
                })?,
                "meta" => {
                    let m: Meta = map.next_value()?;
                    self.tables.version = match m.version {
                        Some(Value::String(s)) => Some(s),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    };
                }
                "data" => {
                    map.next_value_seed(Data {
                        tables: &mut *self.tables,
                        on_post: &mut *self.on_post,
                    })?;
                    self.tables.data = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Db<'s, 'f> {
    tables: &'s mut Tables,
    on_post: &'s mut OnPost<'f>,
}

impl<'de> DeserializeSeed<'de> for Db<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Db<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`db`: a list holding one export")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        seq.next_element_seed(Root {
            tables: &mut *self.tables,
            on_post: &mut *self.on_post,
        })?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

struct Data<'s, 'f> {
    tables: &'s mut Tables,
    on_post: &'s mut OnPost<'f>,
}

impl<'de> DeserializeSeed<'de> for Data<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Data<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`data`: an object of tables")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let join = |rows: Vec<Join>, tag: bool| {
            let mut out: HashMap<String, Vec<(i64, String)>> = HashMap::new();
            for j in rows {
                let other = id_of(if tag { &j.tag_id } else { &j.author_id });
                // Ghost orders by `sort_order` (its column defaults to 0); ties keep the
                // file's order (a stable sort), as the rows' order in Ghost's database would.
                let order = j.sort_order.unwrap_or(0);
                out.entry(id_of(&j.post_id))
                    .or_default()
                    .push((order, other));
            }
            for v in out.values_mut() {
                v.sort_by_key(|(o, _)| *o);
            }
            out
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "posts" => map.next_value_seed(Posts {
                    tables: &mut *self.tables,
                    on_post: &mut *self.on_post,
                })?,
                "tags" => self.tables.tags = map.next_value()?,
                "users" => self.tables.users = map.next_value()?,
                "posts_tags" => self.tables.post_tags = join(map.next_value()?, true),
                "posts_authors" => self.tables.post_authors = join(map.next_value()?, false),
                "settings" => {
                    let rows: Vec<Setting> = map.next_value()?;
                    self.tables.timezone = rows.into_iter().find_map(|r| match (r.key, r.value) {
                        (Some(k), Some(Value::String(v))) if k == "timezone" => Some(v),
                        _ => None,
                    });
                }
                "posts_meta" => {
                    let rows: Vec<PostMeta> = map.next_value()?;
                    self.tables.meta = rows
                        .into_iter()
                        .map(|m| {
                            (
                                id_of(&m.post_id),
                                (
                                    m.feature_image_alt.unwrap_or_default(),
                                    m.feature_image_caption.unwrap_or_default(),
                                ),
                            )
                        })
                        .collect();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Posts<'s, 'f> {
    tables: &'s mut Tables,
    on_post: &'s mut OnPost<'f>,
}

impl<'de> DeserializeSeed<'de> for Posts<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Posts<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`posts`: a list of posts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(p) = seq.next_element::<Post>()? {
            if is_page(&p) {
                self.tables.pages.insert(id_of(&p.id));
            } else {
                self.tables.posts += 1;
            }
            (self.on_post)(p).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

/// Where the export's JSON is: the file given, or an entry of Ghost's zip.
#[derive(Debug, Clone)]
pub enum Export {
    Json(PathBuf),
    /// A zip in Ghost's layout: the JSON (`entry`) at its root and the images under
    /// `images` (`content/images/`, beside the JSON).
    Zip {
        file: PathBuf,
        entry: String,
        images: String,
    },
}

/// Whether `file` is a zip: by its name, or by the first bytes of a zip (`PK\x03\x04`).
fn is_zip(file: &Path) -> bool {
    if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return true;
    }
    let mut head = [0u8; 4];
    std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head == *b"PK\x03\x04")
}

/// Open a zip's central directory (its list of entries); nothing is unpacked.
pub fn open_zip(file: &Path) -> anyhow::Result<zip::ZipArchive<std::fs::File>> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    zip::ZipArchive::new(f).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a readable zip ({e}): give Ghost's export as it was downloaded, or its \
             JSON file",
            file.display()
        )
    })
}

/// The export inside Ghost's zip: the one `.json` file nearest its root (Ghost writes it at
/// the root, the images under `content/images/YYYY/MM/`), and where its images are.
fn find_export(file: &Path) -> anyhow::Result<Export> {
    let archive = open_zip(file)?;
    let mut found: Vec<String> = archive
        .file_names()
        .map(str::to_owned)
        .filter(|n| n.to_ascii_lowercase().ends_with(".json") && !n.ends_with('/'))
        .filter(|n| !n.split('/').any(|part| part == "content"))
        .collect();
    let depth = |n: &str| n.matches('/').count();
    let Some(top) = found.iter().map(|n| depth(n)).min() else {
        bail!(
            "{} holds no Ghost export: no .json file in the zip (outside content/)",
            file.display()
        );
    };
    found.retain(|n| depth(n) == top);
    found.sort_unstable();
    if found.len() > 1 {
        bail!(
            "{} holds several JSON files ({}): unzip it and give the Ghost export among them",
            file.display(),
            found.join(", ")
        );
    }
    let entry = found.swap_remove(0);
    let folder = entry.rsplit_once('/').map_or("", |(dir, _)| dir);
    let images = if folder.is_empty() {
        "content/images/".to_owned()
    } else {
        format!("{folder}/content/images/")
    };
    Ok(Export::Zip {
        file: file.to_owned(),
        entry,
        images,
    })
}

/// Read the whole export, handing each post to `on_post`; the other tables come back. A zip's
/// JSON is read straight from the zip, inflated as it is read.
fn read(export: &Export, on_post: &mut OnPost<'_>) -> anyhow::Result<Tables> {
    match export {
        Export::Json(file) => {
            let f =
                std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
            read_from(BufReader::with_capacity(64 * 1024, f), on_post)
        }
        Export::Zip { file, entry, .. } => {
            let mut archive = open_zip(file)?;
            let json = archive
                .by_name(entry)
                .with_context(|| format!("reading {entry} in {}", file.display()))?;
            read_from(BufReader::with_capacity(64 * 1024, json), on_post)
                .with_context(|| format!("{entry} in the zip"))
        }
    }
}

fn read_from(r: impl std::io::Read, on_post: &mut OnPost<'_>) -> anyhow::Result<Tables> {
    let mut de = serde_json::Deserializer::from_reader(r);
    let mut tables = Tables::default();
    Root {
        tables: &mut tables,
        on_post,
    }
    .deserialize(&mut de)
    .map_err(|e| anyhow::anyhow!("not a whole Ghost export: {e}"))?;
    de.end()
        .map_err(|e| anyhow::anyhow!("not a whole Ghost export: {e}"))?;
    Ok(tables)
}

/// The first pass: the whole file checked, its small tables kept, its posts counted.
fn check(file: &Path) -> anyhow::Result<(Export, Tables)> {
    let export = if is_zip(file) {
        find_export(file)?
    } else {
        Export::Json(file.to_owned())
    };
    let tables = read(&export, &mut |_| Ok(()))?;
    if !tables.data {
        bail!("not a Ghost export: it has no `db[0].data` (or `data`) with the posts");
    }
    let Some(version) = &tables.version else {
        bail!("not a Ghost export: it has no `meta.version`");
    };
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if !(4..=6).contains(&major) {
        bail!("Ghost export version {version} is not supported (exports of Ghost 4 to 6 are)");
    }
    Ok((export, tables))
}

pub async fn ghost(args: &GhostArgs) -> anyhow::Result<Report> {
    let permalink = Permalink::parse(&args.permalink)?;
    let file = args.file.clone();
    let name = file.display().to_string();
    let (export, tables) = tokio::task::spawn_blocking(move || check(&file))
        .await?
        .with_context(|| format!("reading {name}"))?;
    // Ghost's default time zone when the export names none.
    let zone = tables.timezone.as_deref().unwrap_or("Etc/UTC");
    let tz = match dateline_core::dateline::time_zone(zone) {
        Ok(tz) => tz,
        Err(_) if !permalink.has_dates() => jiff::tz::TimeZone::UTC,
        Err(e) => bail!("the export's time zone, which the permalink's dates need: {e}"),
    };
    let urls = Urls { permalink, tz };
    let store = super::open_store(&args.store, args.dry_run).await?;
    let site = args
        .site_url
        .clone()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    // A zip's own images, unless --images or --fetch-media say where else to find them.
    let files = match (&args.images, args.media.fetch_media, &export) {
        (Some(dir), _, _) => Files::Folder {
            dir: dir.clone(),
            marker: "/content/images/",
        },
        (None, true, _) => Files::Fetch {
            client: photos::client()?,
            base: site,
        },
        (None, false, Export::Zip { file, images, .. }) => {
            let file = file.clone();
            let archive = tokio::task::spawn_blocking(move || open_zip(&file)).await??;
            Files::Zip {
                archive: std::sync::Arc::new(std::sync::Mutex::new(archive)),
                root: images.clone(),
                marker: "/content/images/",
            }
        }
        (None, false, Export::Json(_)) => Files::None,
    };
    let media = match (&store, &files) {
        (Some(_), Files::Folder { .. } | Files::Fetch { .. } | Files::Zip { .. }) => Some(
            crate::config::media_location(&args.store, args.media.store.clone())?
                .open()
                .await?,
        ),
        _ => None,
    };
    let photos = Photos {
        files,
        media,
        library: html::Library::default(),
    };
    let result = async {
        let total = tables.posts;
        let mut sink = Sink::new(
            store.as_ref(),
            SOURCE.to_owned(),
            Report::new("Ghost"),
            photos,
            total,
        )
        .await?;
        write(&export, &mut sink, tables, urls).await?;
        Ok(sink.report)
    }
    .await;
    if let Some(s) = store {
        s.close().await;
    }
    result
}

/// How the old site's post URLs were made: its permalink, and the time zone of its dates.
struct Urls {
    permalink: Permalink,
    tz: jiff::tz::TimeZone,
}

/// Tags and people by Ghost id: what the posts refer to.
struct Known {
    /// tag id → section id (primary tags).
    sections: HashMap<String, i64>,
    /// tag id → tag id (other public tags).
    tags: HashMap<String, i64>,
    /// Every tag of the export (id → slug): a `posts_tags` row naming another is left out, as
    /// Ghost's join leaves it out.
    tag_slugs: HashMap<String, String>,
    /// Internal (`#tag`) ids, skipped.
    internal: HashSet<String>,
    people: HashMap<String, i64>,
    /// user id → the slug Ghost's URLs used.
    user_slugs: HashMap<String, String>,
    urls: Urls,
}

impl Known {
    /// A post's tags as Ghost has them: its primary tag, which is its first tag by
    /// `sort_order` when that one is public and none when it is internal (Ghost's
    /// `Post.toJSON`: `tags[0].visibility === 'public' ? tags[0] : null`, not the first public
    /// tag), then its other public tags in order.
    fn post_tags<'t>(&self, rows: &'t [(i64, String)]) -> (Option<&'t str>, Vec<&'t str>) {
        let mut tags = rows
            .iter()
            .map(|(_, t)| t.as_str())
            .filter(|t| self.tag_slugs.contains_key(*t))
            .peekable();
        let primary = tags.next_if(|t| !self.internal.contains(*t));
        let others = tags.filter(|t| !self.internal.contains(*t)).collect();
        (primary, others)
    }
}

async fn write(
    export: &Export,
    sink: &mut Sink<'_>,
    tables: Tables,
    urls: Urls,
) -> anyhow::Result<()> {
    let mut known = Known {
        sections: HashMap::new(),
        tags: HashMap::new(),
        tag_slugs: HashMap::new(),
        internal: HashSet::new(),
        people: HashMap::new(),
        user_slugs: HashMap::new(),
        urls,
    };
    for t in &tables.tags {
        let id = id_of(&t.id);
        let name = t.name.clone().unwrap_or_default();
        if t.visibility.as_deref() == Some("internal") || name.starts_with('#') {
            known.internal.insert(id.clone());
        }
        known
            .tag_slugs
            .insert(id, t.slug.clone().unwrap_or_default());
    }
    // The posts' primary tags are sections (a page's tags make none: pages have no section).
    // A tag that is one post's primary tag and another's other tag is both: a section for the
    // first, a tag for the second (its old URLs lead to the section).
    let mut primary: HashSet<String> = HashSet::new();
    let mut secondary: HashSet<String> = HashSet::new();
    for (post, rows) in &tables.post_tags {
        if tables.pages.contains(post) {
            continue;
        }
        let (first, others) = known.post_tags(rows);
        primary.extend(first.map(str::to_owned));
        secondary.extend(others.into_iter().map(str::to_owned));
    }
    for t in &tables.tags {
        let id = id_of(&t.id);
        if known.internal.contains(&id) {
            sink.report.skip("internal #tags");
            continue;
        }
        let name = t.name.clone().unwrap_or_default();
        let slug_text = t.slug.clone().unwrap_or_default();
        let pages = vec![format!("/tag/{slug_text}/")];
        let feeds = vec![format!("/tag/{slug_text}/rss/")];
        if primary.contains(&id) {
            let slug = slug_of(&slug_text, &name)?;
            let description = t.description.clone().unwrap_or_default();
            let s = sink
                .section(&id, &slug, &name, &description, &pages, &feeds)
                .await?;
            if secondary.contains(&id) {
                let tag = sink.tag(&id, &name, &[], &[]).await?;
                known.tags.insert(id.clone(), tag);
            }
            known.sections.insert(id, s);
        } else {
            let tag = sink.tag(&id, &name, &pages, &feeds).await?;
            known.tags.insert(id, tag);
        }
    }
    for u in &tables.users {
        let id = id_of(&u.id);
        let name = u.name.clone().unwrap_or_default();
        let slug_text = u.slug.clone().unwrap_or_default();
        let slug = slug_of(&slug_text, if name.is_empty() { &id } else { &name })?;
        let pages = vec![format!("/author/{slug_text}/")];
        let feeds = vec![format!("/author/{slug_text}/rss/")];
        let email = u.email.as_deref().filter(|e| e.contains('@'));
        let person = sink
            .person(
                &id,
                &slug,
                if name.is_empty() {
                    slug.as_str()
                } else {
                    &name
                },
                u.bio.as_deref().unwrap_or_default(),
                email,
                &pages,
                &feeds,
            )
            .await?;
        known.people.insert(id.clone(), person);
        known.user_slugs.insert(id, slug_text);
    }
    sink.old_urls(&["/rss/".to_owned()], "site_feed", 0).await?;

    // The posts: parsed on a blocking thread, handed over one at a time; the channel's bound
    // keeps the posts in memory to a few.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Post>(4);
    let from = export.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read(&from, &mut |p| {
            tx.blocking_send(p)
                .map_err(|_| "the import stopped".to_owned())
        })
    });
    let mut failed = None;
    while let Some(p) = rx.recv().await {
        if let Err(e) = post(sink, &tables, &known, p).await {
            failed = Some(e);
            break;
        }
    }
    // Dropping the receiver stops the reader at its next post.
    drop(rx);
    let read = reader.await?;
    if let Some(e) = failed {
        return Err(e);
    }
    read.with_context(|| match export {
        Export::Json(file) | Export::Zip { file, .. } => format!("reading {}", file.display()),
    })?;
    sink.flush().await
}

async fn post(sink: &mut Sink<'_>, tables: &Tables, known: &Known, p: Post) -> anyhow::Result<()> {
    let id = id_of(&p.id);
    let title = p.title.clone().unwrap_or_default();
    let slug_text = p.slug.clone().unwrap_or_default();
    let label = format!("post {slug_text} ({title})");
    if is_page(&p) {
        let label = format!("page {slug_text} ({title})");
        return static_page(sink, &p, &id, &title, &slug_text, &label)
            .await
            .with_context(|| label.clone());
    }
    let result = story(sink, tables, known, &p, &id, &title, &slug_text, &label).await;
    sink.tick();
    let story = result.with_context(|| label.clone())?;
    sink.story(label, story).await
}

/// A Ghost page → a static page at the same `/{slug}/`: published stays published, drafts are
/// drafts, and a scheduled, emailed or members-only page is a draft listed in the report (no
/// schedule for pages, no paywall). Body images come into the library as a post's do.
async fn static_page(
    sink: &mut Sink<'_>,
    p: &Post,
    id: &str,
    title: &str,
    slug_text: &str,
    label: &str,
) -> anyhow::Result<()> {
    let mut status = match p.status.as_deref().unwrap_or("draft") {
        "published" => PageStatus::Published,
        "draft" => PageStatus::Draft,
        "scheduled" | "sent" => {
            sink.report.held_back.push((
                label.to_owned(),
                "scheduled or sent on Ghost; static pages have no schedule".to_owned(),
            ));
            PageStatus::Draft
        }
        other => bail!("the status {other:?} is not one Ghost writes"),
    };
    let visibility = p.visibility.as_deref().unwrap_or("public");
    if visibility != "public" && status == PageStatus::Published {
        sink.report.held_back.push((
            label.to_owned(),
            format!("{visibility}-only on Ghost; Dateline has no paywall yet"),
        ));
        status = PageStatus::Draft;
    }
    let written = time_of(&p.published_at)
        .or_else(|| time_of(&p.created_at))
        .unwrap_or(sink.now);
    let modified = time_of(&p.updated_at).unwrap_or(written);
    let slug = slug_of(
        if slug_text.is_empty() {
            title
        } else {
            slug_text
        },
        if title.is_empty() { id } else { title },
    )
    .or_else(|_| Slug::parse(&format!("page-{id}")))?;
    let html_text = p.html.clone().unwrap_or_default();
    for (src, alt) in html::image_sources(&html_text) {
        let key = html::path_key(&src).unwrap_or_else(|| src.clone());
        sink.photo(
            label,
            PhotoIn {
                source_id: &key,
                url: &src,
                relative: None,
                alt,
                caption: String::new(),
                credit: Default::default(),
            },
        )
        .await?;
    }
    let body = sink.body(label, &html_text)?;
    let old = if slug_text.is_empty() {
        Vec::new()
    } else {
        vec![format!("/{slug_text}/")]
    };
    sink.page(
        id,
        slug,
        if title.is_empty() {
            "Untitled page"
        } else {
            title
        },
        p.custom_excerpt.as_deref().unwrap_or_default(),
        body,
        status,
        time_of(&p.created_at).unwrap_or(written),
        modified,
        old,
    )
    .await
}

#[expect(clippy::too_many_arguments, reason = "one post and what it refers to")]
async fn story(
    sink: &mut Sink<'_>,
    tables: &Tables,
    known: &Known,
    p: &Post,
    id: &str,
    title: &str,
    slug_text: &str,
    label: &str,
) -> anyhow::Result<ImportedStory> {
    let mut status = match p.status.as_deref().unwrap_or("draft") {
        "published" => Status::Published,
        "draft" => Status::Draft,
        "scheduled" => Status::Scheduled,
        "sent" => {
            sink.report
                .held_back
                .push((label.to_owned(), "sent by email only".to_owned()));
            Status::Draft
        }
        other => bail!("the status {other:?} is not one Ghost writes"),
    };
    let visibility = p.visibility.as_deref().unwrap_or("public");
    if visibility != "public" && status != Status::Draft {
        // No paywall yet: never published by surprise.
        sink.report.held_back.push((
            label.to_owned(),
            format!("{visibility}-only on Ghost; Dateline has no paywall yet"),
        ));
        status = Status::Draft;
    }
    let now = sink.now;
    let written = time_of(&p.published_at)
        .or_else(|| time_of(&p.created_at))
        .unwrap_or(now);
    let modified = time_of(&p.updated_at).unwrap_or(written);
    let slug = slug_of(
        if slug_text.is_empty() {
            title
        } else {
            slug_text
        },
        if title.is_empty() { id } else { title },
    )
    .or_else(|_| Slug::parse(&format!("post-{id}")))?;

    // Section: Ghost's primary tag; the other public tags as tags, in order.
    let (primary_tag, others) =
        known.post_tags(tables.post_tags.get(id).map_or(&[][..], Vec::as_slice));
    let tags: Vec<dateline_core::TagId> = others
        .iter()
        .filter_map(|t| known.tags.get(*t))
        .map(|t| dateline_core::TagId(*t))
        .collect();
    let section = match primary_tag.and_then(|t| known.sections.get(t)) {
        Some(s) => *s,
        None => sink.fallback_section().await?,
    };
    // Bylines in Ghost's order: the first is Ghost's primary author. Rows naming no user of
    // the export are left out, as Ghost's join leaves them out.
    let mut author_ids: Vec<String> = tables
        .post_authors
        .get(id)
        .into_iter()
        .flatten()
        .filter(|(_, a)| known.people.contains_key(a))
        .map(|(_, a)| a.clone())
        .collect();
    if author_ids.is_empty() && known.people.contains_key(&id_of(&p.author_id)) {
        author_ids.push(id_of(&p.author_id));
    }
    let authors: Vec<dateline_core::PersonId> = author_ids
        .iter()
        .filter_map(|a| known.people.get(a))
        .map(|p| dateline_core::PersonId(*p))
        .collect();
    // Its old URLs: `/{slug}/`, and under the site's own permalink what Ghost served.
    let mut old_paths = Vec::new();
    if !slug_text.is_empty() {
        if !known.urls.permalink.is_ghost_default()
            && let Some(published_at) = time_of(&p.published_at)
        {
            let parts = PostParts {
                slug: slug_text,
                id,
                published_at,
                primary_tag: primary_tag
                    .and_then(|t| known.tag_slugs.get(t))
                    .map(String::as_str),
                primary_author: author_ids
                    .first()
                    .and_then(|a| known.user_slugs.get(a))
                    .map(String::as_str),
            };
            old_paths.push(known.urls.permalink.path(&parts, &known.urls.tz));
        }
        old_paths.push(format!("/{slug_text}/"));
    }

    // Photos: the feature image (the lead photo), then each image of the body.
    let html_text = p.html.clone().unwrap_or_default();
    let mut lead = None;
    if let Some(url) = p.feature_image.as_deref().filter(|u| !u.trim().is_empty()) {
        let (alt, caption) = tables.meta.get(id).cloned().unwrap_or_default();
        let (caption, credit) = html::caption_credit(&collapse_text(&strip_tags(&caption)));
        let key = html::path_key(url).unwrap_or_else(|| url.to_owned());
        lead = sink
            .photo(
                label,
                PhotoIn {
                    source_id: &key,
                    url,
                    relative: None,
                    alt: collapse_text(&alt),
                    caption,
                    credit: credit.unwrap_or_default(),
                },
            )
            .await?;
        if !sink.photos.wanted() {
            sink.report.missing_media.push((
                label.to_owned(),
                format!("{url} (the feature image: no --images or --fetch-media given)"),
            ));
        }
    }
    for (src, alt) in html::image_sources(&html_text) {
        let key = html::path_key(&src).unwrap_or_else(|| src.clone());
        sink.photo(
            label,
            PhotoIn {
                source_id: &key,
                url: &src,
                relative: None,
                alt,
                caption: String::new(),
                credit: Default::default(),
            },
        )
        .await?;
    }
    let (source_text, body, credits) = sink.body(label, &html_text)?;
    for (photo, credit) in &credits {
        sink.credit_photo(*photo, credit).await?;
    }
    let standfirst = collapse_text(p.custom_excerpt.as_deref().unwrap_or_default());
    let story = ImportedStory {
        source: sink.source.clone(),
        source_id: id.to_owned(),
        input: ArticleInput {
            slug,
            headline: if title.is_empty() {
                format!("Untitled ({id})")
            } else {
                title.to_owned()
            },
            standfirst,
            section_id: dateline_core::SectionId(section),
            body_source: source_text,
            body_html: body.html,
            body_text: body.text,
            lead_media_id: lead.map(dateline_core::MediaId),
            discussion_mode: DiscussionMode::Open,
            seo_title: String::new(),
            seo_description: String::new(),
            authors,
            tags,
            related: vec![],
            links: body.links,
            media: body.media,
        },
        status,
        published_at: (status == Status::Published).then_some(written),
        path_date: (status == Status::Published).then(|| path_date(written, &sink.tz)),
        scheduled_for: (status == Status::Scheduled).then_some(written),
        created_at: time_of(&p.created_at).unwrap_or(written).min(modified),
        modified_at: modified,
        old_paths,
        comments: Vec::new(),
    };
    Ok(story)
}
