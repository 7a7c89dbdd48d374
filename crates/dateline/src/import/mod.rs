//! `dateline import wordpress FILE.xml [--dry-run]`: a WordPress export (WXR) into the site
//! (issue 16). Posts become stories with their original times, categories sections (nested ones
//! flattened to their top category, the child kept as a tag), tags tags, authors people without
//! a password, comments the discussion, and every old URL a 301 (`old_urls`).
//!
//! The file is read as a stream, twice: the first pass checks the whole file (so a broken,
//! truncated or foreign file is refused before anything is written) and counts the posts; the
//! second writes, each post with its comments and old URLs in one transaction. Every item
//! remembers its source id, so a second run updates in place, and a run stopped at any point
//! finishes when run again. `--dry-run` opens no database and prints the same report.

pub mod html;
pub mod wxr;

use crate::config::{self, StoreArgs};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_core::article::{DiscussionMode, Status, path_date};
use dateline_core::discussion::CommentStatus;
use dateline_core::old_url;
use dateline_core::slug::Slug;
use dateline_store::{ArticleInput, Imported, ImportedComment, ImportedStory, Store};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (Tools → Export, WXR 1.2): posts, categories, tags, authors, comments
    /// and every old URL.
    Wordpress(WordpressArgs),
}

#[derive(Debug, Args)]
pub struct WordpressArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The export file.
    pub file: PathBuf,
    /// Write nothing (the database is not even opened); print the full report.
    #[arg(long)]
    pub dry_run: bool,
}

/// What a run found and did, printed at the end.
#[derive(Debug, Default)]
pub struct Report {
    pub posts_created: u64,
    pub posts_updated: u64,
    pub published: u64,
    pub drafts: u64,
    pub scheduled: u64,
    pub sections: u64,
    pub tags: u64,
    pub people: u64,
    pub comments: u64,
    pub comments_held: u64,
    pub old_urls: u64,
    /// (why, how many): trash, spam, pingbacks, pages, attachments, other kinds.
    pub skipped: Vec<(String, u64)>,
    /// (post, what): unknown shortcodes, blocks and elements.
    pub unknown: Vec<(String, String)>,
    /// (post, address): photos that could not become photo blocks.
    pub missing_media: Vec<(String, String)>,
}

impl Report {
    fn skip(&mut self, why: &str) {
        match self.skipped.iter_mut().find(|(w, _)| w == why) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((why.to_owned(), 1)),
        }
    }

    pub fn render(&self, dry_run: bool) -> String {
        let mut s = String::new();
        let verb = if dry_run { "would import" } else { "imported" };
        s += &format!(
            "WordPress import{}: {verb} {} posts ({} new, {} updated; {} published, {} drafts, \
             {} scheduled), {} sections, {} tags, {} people, {} comments ({} held for \
             moderation), {} old URLs.\n",
            if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            },
            self.posts_created + self.posts_updated,
            self.posts_created,
            self.posts_updated,
            self.published,
            self.drafts,
            self.scheduled,
            self.sections,
            self.tags,
            self.people,
            self.comments,
            self.comments_held,
            self.old_urls,
        );
        for (why, n) in &self.skipped {
            s += &format!("skipped {n}: {why}\n");
        }
        for (post, what) in &self.unknown {
            s += &format!("no equivalent in {post}: {what} (kept as text or a link)\n");
        }
        for (post, src) in &self.missing_media {
            s += &format!("missing media in {post}: {src} (kept as a link)\n");
        }
        s
    }
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    match cmd {
        ImportCommand::Wordpress(args) => {
            let report = wordpress(&args).await?;
            let mut out = std::io::stdout().lock();
            out.write_all(report.render(args.dry_run).as_bytes())?;
            Ok(())
        }
    }
}

/// The first pass: the whole file checked, its posts counted.
fn check(file: &Path) -> anyhow::Result<(wxr::Channel, u64)> {
    let mut r = wxr::Reader::open(file)?;
    let mut posts = 0;
    while let Some(item) = r.next_item()? {
        if item.field("wp:post_type") == "post" {
            posts += 1;
        }
    }
    Ok((r.channel, posts))
}

pub async fn wordpress(args: &WordpressArgs) -> anyhow::Result<Report> {
    let file = args.file.clone();
    let name = file.display().to_string();
    let (channel, total) = tokio::task::spawn_blocking(move || check(&file))
        .await?
        .with_context(|| format!("reading {name}"))?;
    let started = Instant::now();
    let source = format!("wordpress:{}", channel.base_url.trim_end_matches('/'));
    let store = if args.dry_run {
        None
    } else {
        let (data, database) = config::store_location(&args.store)?;
        tokio::fs::create_dir_all(&data)
            .await
            .with_context(|| format!("creating the data folder {}", data.display()))?;
        Some(
            Store::open(&database)
                .await
                .context("opening the database")?,
        )
    };
    let result = write(args, store.as_ref(), &source, channel, total, started).await;
    if let Some(s) = store {
        s.close().await;
    }
    result
}

/// Terms and people the posts refer to, by their WordPress names.
struct Known {
    /// category slug → (section id, the child's tag when nested).
    sections: HashMap<String, (i64, Option<i64>)>,
    tags: HashMap<String, i64>,
    people: HashMap<String, i64>,
    fallback_section: Option<i64>,
}

async fn write(
    args: &WordpressArgs,
    store: Option<&Store>,
    source: &str,
    channel: wxr::Channel,
    total: u64,
    started: Instant,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let now = dateline_web::Clock::System.now();
    let tz = match store {
        Some(s) => dateline_core::dateline::time_zone(&s.site_settings().await?.time_zone)?,
        None => TimeZone::UTC,
    };
    let mut known = Known {
        sections: HashMap::new(),
        tags: HashMap::new(),
        people: HashMap::new(),
        fallback_section: None,
    };
    // Categories: the top of each chain is a section; a child is also a tag.
    let parent_of: HashMap<&str, &str> = channel
        .categories
        .iter()
        .map(|c| (c.slug.as_str(), c.parent.as_str()))
        .collect();
    let top = |slug: &str| {
        let mut s = slug;
        let mut chain = vec![slug.to_owned()];
        for _ in 0..32 {
            match parent_of.get(s) {
                Some(p) if !p.is_empty() => {
                    s = p;
                    chain.push(s.to_owned());
                }
                _ => break,
            }
        }
        chain.reverse();
        (s.to_owned(), chain.join("/"))
    };
    let mut next_id = 1;
    for c in channel.categories.iter().filter(|c| c.parent.is_empty()) {
        let slug = slug_of(&c.slug, &c.name)?;
        let paths = archive_paths(&format!("/category/{}/", c.slug), "cat", &c.id);
        let id = match store {
            Some(s) => {
                s.import_section(source, &c.slug, &slug, &c.name, &c.description, &paths.0)
                    .await
                    .with_context(|| format!("category {}", c.slug))?
                    .0
            }
            None => {
                next_id += 1;
                next_id
            }
        };
        if let Some(s) = store {
            s.import_old_urls(&paths.1, "section_feed", id).await?;
        }
        report.sections += 1;
        report.old_urls += (paths.0.len() + paths.1.len()) as u64;
        known.sections.insert(c.slug.clone(), (id, None));
    }
    for c in channel.categories.iter().filter(|c| !c.parent.is_empty()) {
        let (top_slug, chain) = top(&c.slug);
        let Some(&(section, _)) = known.sections.get(&top_slug) else {
            report.skip("categories whose parent is missing from the export");
            continue;
        };
        let paths = archive_paths(&format!("/category/{chain}/"), "cat", &c.id);
        let tag = match store {
            Some(s) => {
                let t = s
                    .import_tag(source, &format!("category:{}", c.slug), &c.name, &paths.0)
                    .await
                    .with_context(|| format!("category {}", c.slug))?
                    .0;
                s.import_old_urls(&paths.1, "tag_feed", t).await?;
                t
            }
            None => {
                next_id += 1;
                next_id
            }
        };
        report.tags += 1;
        report.old_urls += (paths.0.len() + paths.1.len()) as u64;
        known.sections.insert(c.slug.clone(), (section, Some(tag)));
    }
    for t in &channel.tags {
        let paths = archive_paths(&format!("/tag/{}/", t.slug), "tag", &t.slug);
        let id = match store {
            Some(s) => {
                let id = s
                    .import_tag(source, &t.slug, &t.name, &paths.0)
                    .await
                    .with_context(|| format!("tag {}", t.slug))?
                    .0;
                s.import_old_urls(&paths.1, "tag_feed", id).await?;
                id
            }
            None => {
                next_id += 1;
                next_id
            }
        };
        report.tags += 1;
        report.old_urls += (paths.0.len() + paths.1.len()) as u64;
        known.tags.insert(t.slug.clone(), id);
    }
    for a in &channel.authors {
        let name = if a.display_name.is_empty() {
            &a.login
        } else {
            &a.display_name
        };
        let slug = slug_of(&a.login, name)?;
        let paths = archive_paths(&format!("/author/{}/", slug.as_str()), "author", &a.id);
        let email = Some(a.email.as_str()).filter(|e| e.contains('@'));
        let id = match store {
            Some(s) => {
                let id = s
                    .import_person(
                        source,
                        &a.login,
                        &slug,
                        name,
                        &a.description,
                        email,
                        &paths.0,
                        now,
                    )
                    .await
                    .with_context(|| format!("author {}", a.login))?
                    .0;
                s.import_old_urls(&paths.1, "person_feed", id).await?;
                id
            }
            None => {
                next_id += 1;
                next_id
            }
        };
        report.people += 1;
        report.old_urls += (paths.0.len() + paths.1.len()) as u64;
        known.people.insert(a.login.clone(), id);
    }
    if let Some(s) = store {
        let feeds = vec![
            "/feed/".to_owned(),
            "/feed/rss2/".to_owned(),
            "/feed/atom/".to_owned(),
            "/?feed=rss2".to_owned(),
        ];
        s.import_old_urls(&feeds, "site_feed", 0).await?;
        report.old_urls += feeds.len() as u64;
    }

    // The second pass: the posts, one transaction each; then attachment pages, which name posts
    // that may come after them in the file.
    let mut r = wxr::Reader::open(&args.file)?;
    let mut done = 0u64;
    let mut attachments = 0u64;
    while let Some(item) = r.next_item()? {
        match item.field("wp:post_type") {
            "post" => {}
            "attachment" => {
                attachments += 1;
                continue;
            }
            "page" => {
                report.skip("pages (static pages are not imported yet)");
                continue;
            }
            _ => {
                report.skip("items of other kinds (menus, blocks, custom types)");
                continue;
            }
        }
        post(store, source, &tz, now, &item, &mut known, &mut report)
            .await
            .with_context(|| {
                format!(
                    "line {}: post {} ({})",
                    item.line,
                    item.field("wp:post_id"),
                    item.field("title")
                )
            })?;
        done += 1;
        if done.is_multiple_of(1000) || done == total {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("dateline import: {done}/{total} posts ({rate:.0}/s)");
        }
    }
    if attachments > 0 {
        let mut r = wxr::Reader::open(&args.file)?;
        while let Some(item) = r.next_item()? {
            if item.field("wp:post_type") != "attachment" {
                continue;
            }
            let parent = item.field("wp:post_parent");
            let target = match (store, parent) {
                (_, "" | "0") => None,
                (Some(s), p) => s.imported(source, "post", p).await?,
                (None, _) => Some(0),
            };
            let Some(target) = target else {
                report.skip("attachment pages of no imported post");
                continue;
            };
            let mut paths = vec![format!("/?attachment_id={}", item.field("wp:post_id"))];
            paths.extend(old_url::key_of_url(item.field("link")));
            if let Some(s) = store {
                s.import_old_urls(&paths, "article", target).await?;
            }
            report.old_urls += paths.len() as u64;
        }
    }
    Ok(report)
}

/// The old URLs of an archive (its page, `?cat=ID`-style query) and of its feeds.
fn archive_paths(page: &str, param: &str, id: &str) -> (Vec<String>, Vec<String>) {
    let mut pages = vec![page.to_owned()];
    if !id.is_empty() {
        pages.push(format!("/?{param}={id}"));
    }
    let feeds = vec![format!("{page}feed/")];
    (pages, feeds)
}

fn slug_of(slug: &str, name: &str) -> anyhow::Result<Slug> {
    Slug::parse(slug)
        .or_else(|_| Slug::from_text(slug))
        .or_else(|_| Slug::from_text(name))
        .with_context(|| format!("no usable slug in {slug:?} or {name:?}"))
}

/// A WordPress time (`2019-03-11 09:30:00`, UTC in the `_gmt` fields); None for the zero time
/// WordPress writes for drafts.
fn wp_time(s: &str) -> Option<Timestamp> {
    if s.is_empty() || s.starts_with("0000") {
        return None;
    }
    let dt: jiff::civil::DateTime = s.trim().replace(' ', "T").parse().ok()?;
    dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

async fn post(
    store: Option<&Store>,
    source: &str,
    tz: &TimeZone,
    now: Timestamp,
    item: &wxr::Item,
    known: &mut Known,
    report: &mut Report,
) -> anyhow::Result<()> {
    let id = item.field("wp:post_id").to_owned();
    let title = item.field("title").to_owned();
    let label = format!("post {id} ({title})");
    let status = match item.field("wp:status") {
        "publish" => Status::Published,
        "draft" | "pending" | "private" => Status::Draft,
        "future" => Status::Scheduled,
        "trash" => {
            report.skip("posts in the trash");
            return Ok(());
        }
        "auto-draft" => {
            report.skip("automatic drafts");
            return Ok(());
        }
        other => bail!("the status {other:?} is not one WordPress writes"),
    };
    let written = wp_time(item.field("wp:post_date_gmt"))
        .or_else(|| wp_time(item.field("wp:post_date")))
        .unwrap_or(now);
    let modified = wp_time(item.field("wp:post_modified_gmt"))
        .or_else(|| wp_time(item.field("wp:post_modified")))
        .unwrap_or(written);
    let slug_text = item.field("wp:post_name");
    let slug = slug_of(
        if slug_text.is_empty() {
            &title
        } else {
            slug_text
        },
        if title.is_empty() { &id } else { &title },
    )
    .or_else(|_| Slug::parse(&format!("post-{id}")))?;

    // Section: the first category's top; the child categories as tags, then the tags.
    let mut section = None;
    let mut tags = Vec::new();
    for (domain, nicename, name) in &item.terms {
        match domain.as_str() {
            "category" => match known.sections.get(nicename) {
                Some(&(s, child)) => {
                    section.get_or_insert(s);
                    tags.extend(child);
                }
                None => report.skip("category names no category of the export lists"),
            },
            "post_tag" => {
                if let Some(t) = known.tags.get(nicename) {
                    tags.push(*t);
                } else if let Some(s) = store {
                    let t = s
                        .import_tag(source, nicename, name, &[])
                        .await
                        .with_context(|| format!("tag {nicename}"))?
                        .0;
                    known.tags.insert(nicename.clone(), t);
                    tags.push(t);
                }
            }
            _ => {}
        }
    }
    let section = match section {
        Some(s) => s,
        None => match (known.fallback_section, store) {
            (Some(s), _) => s,
            (None, Some(s)) => {
                let slug = Slug::parse("archive")?;
                let id = s
                    .import_section(source, "(none)", &slug, "Archive", "", &[])
                    .await?
                    .0;
                known.fallback_section = Some(id);
                id
            }
            (None, None) => 0,
        },
    };
    let authors = known
        .people
        .get(item.field("dc:creator"))
        .map(|p| vec![dateline_core::PersonId(*p)])
        .unwrap_or_default();

    let converted = html::convert(item.fields.get("content:encoded").map_or("", |s| s));
    for u in &converted.unknown {
        report.unknown.push((label.clone(), u.clone()));
    }
    for m in &converted.missing_media {
        report.missing_media.push((label.clone(), m.clone()));
    }
    let (source_text, body) = match dateline_web::body::prepare(&converted.markdown) {
        Ok(b) => (converted.markdown.clone(), b),
        Err(e) => {
            // A body the dialect refuses (a photo block it cannot take) comes in as its text.
            report
                .unknown
                .push((label.clone(), format!("a body the dialect refused ({e})")));
            let plain = html::convert(&strip_tags(
                item.fields.get("content:encoded").map_or("", |s| s),
            ))
            .markdown;
            let b = dateline_web::body::prepare(&plain)
                .map_err(|e| anyhow::anyhow!("the body cannot be read even as text: {e}"))?;
            (plain, b)
        }
    };
    let excerpt = item.fields.get("excerpt:encoded").map_or("", |s| s);
    let standfirst = collapse_text(&strip_tags(excerpt));

    let mut old = Vec::new();
    let link = item.field("link");
    let link_key = old_url::key_of_url(link);
    old.extend(link_key.clone());
    old.push(format!("/?p={id}"));
    if let Some(k) = &link_key {
        let trimmed = k.trim_end_matches('/');
        if let Some((head, _)) = trimmed.rsplit_once('/') {
            for s in item.meta("_wp_old_slug") {
                let s = s.trim();
                if !s.is_empty() {
                    old.push(format!("{head}/{s}/"));
                }
            }
        }
    }

    let mut comments = Vec::new();
    let mut ids: Vec<(i64, &HashMap<String, String>)> = item
        .comments
        .iter()
        .map(|c| {
            (
                c.get("wp:comment_id")
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0),
                c,
            )
        })
        .collect();
    // Parents before replies: WordPress gives each reply a later id than what it answers.
    ids.sort_by_key(|(n, _)| *n);
    for (_, c) in ids {
        let f = |k: &str| field(c, k).to_owned();
        if matches!(f("wp:comment_type").as_str(), "pingback" | "trackback") {
            report.skip("pingbacks and trackbacks");
            continue;
        }
        let status = match f("wp:comment_approved").as_str() {
            "1" => CommentStatus::Published,
            "0" => CommentStatus::Pending,
            "spam" => {
                report.skip("comments marked as spam");
                continue;
            }
            _ => {
                report.skip("comments in the trash");
                continue;
            }
        };
        let body = comment_text(c.get("wp:comment_content").map_or("", |s| s));
        if body.is_empty() {
            report.skip("empty comments");
            continue;
        }
        let email = Some(f("wp:comment_author_email").to_lowercase()).filter(|e| e.contains('@'));
        let name = match f("wp:comment_author") {
            n if n.is_empty() => "Reader".to_owned(),
            n => n,
        };
        let key = match &email {
            Some(e) => format!("email:{e}"),
            None => format!("name:{name}"),
        };
        if status == CommentStatus::Pending {
            report.comments_held += 1;
        }
        report.comments += 1;
        comments.push(ImportedComment {
            source_id: f("wp:comment_id"),
            parent_source_id: Some(f("wp:comment_parent")).filter(|p| !p.is_empty() && p != "0"),
            reader_key: key,
            reader_name: name,
            reader_email: email,
            body,
            status,
            created_at: wp_time(&f("wp:comment_date_gmt"))
                .or_else(|| wp_time(&f("wp:comment_date")))
                .unwrap_or(written),
        });
    }

    match status {
        Status::Published => report.published += 1,
        Status::Scheduled => report.scheduled += 1,
        _ => report.drafts += 1,
    }
    report.old_urls += old.len() as u64;
    let Some(store) = store else {
        report.posts_created += 1;
        return Ok(());
    };
    let story = ImportedStory {
        source: source.to_owned(),
        source_id: id.clone(),
        input: ArticleInput {
            slug,
            headline: if title.is_empty() {
                format!("Untitled ({id})")
            } else {
                title.clone()
            },
            standfirst,
            section_id: dateline_core::SectionId(section),
            body_source: source_text,
            body_html: body.html,
            body_text: body.text,
            lead_media_id: None,
            discussion_mode: if item.field("wp:comment_status") == "closed" {
                DiscussionMode::Closed
            } else {
                DiscussionMode::Open
            },
            seo_title: String::new(),
            seo_description: String::new(),
            authors,
            tags: tags.into_iter().map(dateline_core::TagId).collect(),
            related: vec![],
            links: body.links,
            media: body.media,
        },
        status,
        published_at: (status == Status::Published).then_some(written),
        path_date: (status == Status::Published).then(|| path_date(written, tz)),
        scheduled_for: (status == Status::Scheduled).then_some(written),
        created_at: written.min(modified),
        modified_at: modified,
        old_paths: old,
        comments,
    };
    match store.import_story(story).await? {
        Imported::Created(_) => report.posts_created += 1,
        Imported::Updated(_) => report.posts_updated += 1,
    }
    Ok(())
}

fn field<'a>(c: &'a HashMap<String, String>, k: &str) -> &'a str {
    c.get(k).map_or("", |v| v.trim())
}

/// A comment's text: WordPress keeps it as light HTML; the discussion keeps plain paragraphs.
fn comment_text(html: &str) -> String {
    let t = strip_tags(html);
    t.split("\n\n")
        .map(collapse_text)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn strip_tags(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    doc.root_element().text().collect()
}

fn collapse_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
