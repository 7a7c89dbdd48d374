//! `dateline import wordpress|ghost`: another platform's export into the site (issue 16).
//!
//! What the importers share lives here: the command line, the [`Report`], and the [`Sink`]
//! every item is written through (sections, tags, people, photos, stories and their old URLs),
//! so both give the same report, progress, idempotence and resume. Each format's module only
//! reads its file and says what each item is: [`wordpress`] (WXR, streamed with quick-xml) and
//! [`ghost`] (Ghost's JSON, streamed with serde_json).
//!
//! Every item remembers its source and source id (`import_sources`), so a second run updates in
//! place, and a run stopped at any point finishes when run again; stories are written a batch
//! ([`BATCH`]) at a time, each story with its tags, bylines, comments and old URLs, each batch
//! in one transaction (all or nothing). `--dry-run` opens no database and
//! writes no file, and prints the same report.

pub mod ghost;
pub mod html;
pub mod permalink;
pub mod photos;
pub mod wordpress;
pub mod wxr;

use crate::config::StoreArgs;
use crate::config::media_store::MediaStoreArgs;
use anyhow::Context;
use clap::{Args, Subcommand};
use dateline_core::article::Status;
use dateline_core::slug::Slug;
use dateline_core::static_page::PageStatus;
use dateline_store::{Imported, ImportedStory, Store};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

pub use wordpress::wordpress;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (Tools → Export, WXR 1.2): posts, categories, tags, authors, comments,
    /// attachments and every old URL.
    Wordpress(WordpressArgs),
    /// A Ghost export (Settings → Labs → Export, JSON): posts, tags, authors, images and every
    /// old URL.
    Ghost(ghost::GhostArgs),
    /// A `dateline export` archive (docs/export.md), into an empty site.
    Dateline(crate::export::ImportArgs),
}

/// Where an import's photo files come from, and the media store they go to.
#[derive(Debug, Args, Default)]
pub struct MediaArgs {
    /// Download each photo from its address on the old site (30 s and the upload size limit
    /// per file; a photo that cannot be had is listed in the report, not fatal).
    #[arg(long)]
    pub fetch_media: bool,
    /// The media store the photos go to (that of `dateline serve`).
    #[command(flatten)]
    pub store: MediaStoreArgs,
}

#[derive(Debug, Args)]
pub struct WordpressArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The export file.
    pub file: PathBuf,
    /// A copy of the old site's `wp-content/uploads` folder: attachments' files are read there.
    #[arg(long, conflicts_with = "fetch_media")]
    pub uploads: Option<PathBuf>,
    #[command(flatten)]
    pub media: MediaArgs,
    /// Write nothing (the database is not even opened); print the full report.
    #[arg(long)]
    pub dry_run: bool,
}

/// What a run found and did, printed at the end.
#[derive(Debug, Default)]
pub struct Report {
    /// "WordPress" or "Ghost".
    pub kind: &'static str,
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
    pub photos_created: u64,
    pub photos_reused: u64,
    pub old_urls: u64,
    /// (why, how many): trash, spam, pingbacks, pages, attachments, other kinds.
    pub skipped: Vec<(String, u64)>,
    /// (post, what): unknown shortcodes, blocks and elements.
    pub unknown: Vec<(String, String)>,
    /// (post, address): photos that could not be brought in or become photo blocks.
    pub missing_media: Vec<(String, String)>,
    /// Posts that came in as drafts for a reason the editors should know (members-only).
    pub held_back: Vec<(String, String)>,
    /// Static pages (WordPress pages, Ghost pages) written: new, and earlier runs' updated.
    pub pages_created: u64,
    pub pages_updated: u64,
    pub pages_published: u64,
    pub pages_drafts: u64,
}

impl Report {
    fn new(kind: &'static str) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    pub(crate) fn skip(&mut self, why: &str) {
        match self.skipped.iter_mut().find(|(w, _)| w == why) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((why.to_owned(), 1)),
        }
    }

    pub fn render(&self, dry_run: bool) -> String {
        let mut s = String::new();
        let verb = if dry_run { "would import" } else { "imported" };
        s += &format!(
            "{} import{}: {verb} {} posts ({} new, {} updated; {} published, {} drafts, \
             {} scheduled), {} sections, {} tags, {} people, {} comments ({} held for \
             moderation), {} photos ({} new, {} already in the library), {} old URLs.\n",
            self.kind,
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
            self.photos_created + self.photos_reused,
            self.photos_created,
            self.photos_reused,
            self.old_urls,
        );
        let pages = self.pages_created + self.pages_updated;
        if pages > 0 {
            s += &format!(
                "static pages: {verb} {pages} ({} new, {} updated; {} published, {} drafts).\n",
                self.pages_created, self.pages_updated, self.pages_published, self.pages_drafts,
            );
        }
        for (why, n) in &self.skipped {
            s += &format!("skipped {n}: {why}\n");
        }
        for (post, why) in &self.held_back {
            s += &format!("kept as a draft: {post} ({why})\n");
        }
        for (post, what) in &self.unknown {
            s += &format!("no equivalent in {post}: {what} (kept as text or a link)\n");
        }
        for (post, src) in &self.missing_media {
            s += &format!("missing media in {post}: {src}\n");
        }
        s
    }
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    let (report, dry) = match cmd {
        ImportCommand::Wordpress(args) => (wordpress(&args).await?, args.dry_run),
        ImportCommand::Ghost(args) => (ghost::ghost(&args).await?, args.dry_run),
        ImportCommand::Dateline(args) => return crate::export::run_import(args).await,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(report.render(dry).as_bytes())?;
    Ok(())
}

/// The database an import writes to (None for a dry run).
async fn open_store(store: &StoreArgs, dry_run: bool) -> anyhow::Result<Option<Store>> {
    if dry_run {
        return Ok(None);
    }
    let (data, database) = crate::config::store_location(store)?;
    tokio::fs::create_dir_all(&data)
        .await
        .with_context(|| format!("creating the data folder {}", data.display()))?;
    Ok(Some(
        Store::open(&database)
            .await
            .context("opening the database")?,
    ))
}

/// Where every imported item is written: the store (None in a dry run, when items get made-up
/// ids so the rest of the run goes as it would), the report, the photos brought in so far and
/// the progress line.
pub struct Sink<'a> {
    pub store: Option<&'a Store>,
    /// `wordpress:https://old.example`, `ghost`: the key of every item's source id.
    pub source: String,
    pub tz: TimeZone,
    pub now: Timestamp,
    pub report: Report,
    pub photos: photos::Photos,
    next_id: i64,
    fallback_section: Option<i64>,
    started: Instant,
    total: u64,
    done: u64,
    /// Standard error is a terminal: a progress bar redrawn in place, not a line a thousand.
    terminal: bool,
    drawn: Instant,
    /// Stories counted but not written yet ([`Sink::flush`]), and what names each.
    pending: Vec<ImportedStory>,
    labels: Vec<String>,
}

/// Stories written per transaction. A batch is all or nothing (a stop loses at most one
/// batch, which the next run writes); a hundred stories share one commit and a few
/// statements per table instead of ~45 statements each (docs/benchmarks.md).
pub const BATCH: usize = 100;

impl<'a> Sink<'a> {
    pub async fn new(
        store: Option<&'a Store>,
        source: String,
        report: Report,
        photos: photos::Photos,
        total: u64,
    ) -> anyhow::Result<Self> {
        let tz = match store {
            Some(s) => dateline_core::dateline::time_zone(&s.site_settings().await?.time_zone)?,
            None => TimeZone::UTC,
        };
        Ok(Self {
            store,
            source,
            tz,
            now: dateline_web::Clock::System.now(),
            report,
            photos,
            next_id: 0,
            fallback_section: None,
            started: Instant::now(),
            total,
            done: 0,
            terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            drawn: Instant::now(),
            pending: Vec::with_capacity(BATCH),
            labels: Vec::with_capacity(BATCH),
        })
    }

    fn made_up_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A section (an earlier run's, or an existing one with the slug), with the archive's old
    /// URLs (`pages`) and its feeds' (`feeds`).
    pub async fn section(
        &mut self,
        source_id: &str,
        slug: &Slug,
        name: &str,
        description: &str,
        pages: &[String],
        feeds: &[String],
    ) -> anyhow::Result<i64> {
        let id = match self.store {
            Some(s) => {
                let id = s
                    .import_section(&self.source, source_id, slug, name, description, pages)
                    .await
                    .with_context(|| format!("section {}", slug.as_str()))?
                    .0;
                s.import_old_urls(feeds, "section_feed", id).await?;
                id
            }
            None => self.made_up_id(),
        };
        self.report.sections += 1;
        self.report.old_urls += (pages.len() + feeds.len()) as u64;
        Ok(id)
    }

    /// The section of stories the export gives none: "Archive", made once.
    pub async fn fallback_section(&mut self) -> anyhow::Result<i64> {
        if let Some(id) = self.fallback_section {
            return Ok(id);
        }
        let id = match self.store {
            Some(s) => {
                let slug = Slug::parse("archive")?;
                s.import_section(&self.source, "(none)", &slug, "Archive", "", &[])
                    .await?
                    .0
            }
            None => self.made_up_id(),
        };
        self.fallback_section = Some(id);
        Ok(id)
    }

    /// A tag, by name, with its archive's old URLs.
    pub async fn tag(
        &mut self,
        source_id: &str,
        name: &str,
        pages: &[String],
        feeds: &[String],
    ) -> anyhow::Result<i64> {
        let id = match self.store {
            Some(s) => {
                let id = s
                    .import_tag(&self.source, source_id, name, pages)
                    .await
                    .with_context(|| format!("tag {source_id}"))?
                    .0;
                s.import_old_urls(feeds, "tag_feed", id).await?;
                id
            }
            None => self.made_up_id(),
        };
        self.report.tags += 1;
        self.report.old_urls += (pages.len() + feeds.len()) as u64;
        Ok(id)
    }

    /// A person without a password (or the existing one with the same email).
    #[expect(clippy::too_many_arguments, reason = "one imported author's fields")]
    pub async fn person(
        &mut self,
        source_id: &str,
        slug: &Slug,
        name: &str,
        bio: &str,
        email: Option<&str>,
        pages: &[String],
        feeds: &[String],
    ) -> anyhow::Result<i64> {
        let id = match self.store {
            Some(s) => {
                let id = s
                    .import_person(
                        &self.source,
                        source_id,
                        slug,
                        name,
                        bio,
                        email,
                        pages,
                        self.now,
                    )
                    .await
                    .with_context(|| format!("author {source_id}"))?
                    .0;
                s.import_old_urls(feeds, "person_feed", id).await?;
                id
            }
            None => self.made_up_id(),
        };
        self.report.people += 1;
        self.report.old_urls += (pages.len() + feeds.len()) as u64;
        Ok(id)
    }

    /// Old URLs of `kind` (`site_feed`, `article`, …) naming `target`.
    pub async fn old_urls(
        &mut self,
        paths: &[String],
        kind: &str,
        target: i64,
    ) -> anyhow::Result<()> {
        if let Some(s) = self.store {
            s.import_old_urls(paths, kind, target).await?;
        }
        self.report.old_urls += paths.len() as u64;
        Ok(())
    }

    /// A body in the dialect: `html` converted with the photos brought in so far, what had no
    /// equivalent noted in the report. A body the dialect refuses comes in as its text.
    pub fn body(&mut self, label: &str, html: &str) -> anyhow::Result<Body> {
        let converted = html::convert_with(html, &self.photos.library);
        for u in &converted.unknown {
            self.report.unknown.push((label.to_owned(), u.clone()));
        }
        for m in &converted.missing_media {
            self.report
                .missing_media
                .push((label.to_owned(), m.clone()));
        }
        match dateline_web::body::prepare(&converted.markdown) {
            Ok(b) => Ok((converted.markdown, b, converted.credits)),
            Err(e) => {
                self.report.unknown.push((
                    label.to_owned(),
                    format!("a body the dialect refused ({e})"),
                ));
                let plain = html::convert(&strip_tags(html)).markdown;
                let b = dateline_web::body::prepare(&plain)
                    .map_err(|e| anyhow::anyhow!("the body cannot be read even as text: {e}"))?;
                Ok((plain, b, Vec::new()))
            }
        }
    }

    /// Count one story by status and queue it to be written (nothing is written in a dry
    /// run); `label` names it (its line and post) if writing it fails. Stories are written
    /// [`BATCH`] at a time, each batch in one transaction: call [`Sink::flush`] after the last.
    pub async fn story(&mut self, label: String, story: ImportedStory) -> anyhow::Result<()> {
        match story.status {
            Status::Published => self.report.published += 1,
            Status::Scheduled => self.report.scheduled += 1,
            _ => self.report.drafts += 1,
        }
        self.report.old_urls += story.old_paths.len() as u64;
        if self.store.is_none() {
            self.report.posts_created += 1;
            return Ok(());
        }
        self.pending.push(story);
        self.labels.push(label);
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Write the queued stories in one transaction: all of them or, when that fails, none. The
    /// batch is then written again one story at a time, so the error names the story at
    /// fault and those before it are kept (as a run stopped there would keep them).
    pub async fn flush(&mut self) -> anyhow::Result<()> {
        let Some(store) = self.store else {
            return Ok(());
        };
        let stories = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        let labels = std::mem::replace(&mut self.labels, Vec::with_capacity(BATCH));
        if stories.is_empty() {
            return Ok(());
        }
        let written = match store.import_stories(&stories).await {
            Ok(w) => w,
            Err(_) => {
                let mut written = Vec::with_capacity(stories.len());
                for (story, label) in stories.into_iter().zip(labels) {
                    written.push(
                        store
                            .import_story(story)
                            .await
                            .with_context(|| format!("writing {label}"))?,
                    );
                }
                written
            }
        };
        for w in written {
            match w {
                Imported::Created(_) => self.report.posts_created += 1,
                Imported::Updated(_) => self.report.posts_updated += 1,
            }
        }
        Ok(())
    }

    /// Write one static page (counted by status; nothing written in a dry run) with its old
    /// URLs. A slug that is one of the site's own paths gets `-page` after it; one a section
    /// or another page has, the source id (the store's rule, as for stories).
    #[expect(clippy::too_many_arguments, reason = "one imported page's fields")]
    pub async fn page(
        &mut self,
        source_id: &str,
        slug: Slug,
        title: &str,
        description: &str,
        body: Body,
        status: PageStatus,
        created_at: Timestamp,
        modified_at: Timestamp,
        old_paths: Vec<String>,
    ) -> anyhow::Result<()> {
        let slug = match dateline_core::static_page::check_slug(&slug) {
            Ok(()) => slug,
            Err(_) => Slug::parse(&format!("{}-page", slug.as_str()))?,
        };
        let (source_text, prepared, credits) = body;
        for (photo, credit) in &credits {
            self.credit_photo(*photo, credit).await?;
        }
        // Over the limit an editor has, cut at a word: the editors see the whole body anyway.
        let description: String = {
            let d = collapse_text(description);
            if d.chars().count() <= dateline_core::static_page::MAX_DESCRIPTION {
                d
            } else {
                let cut: String = d
                    .chars()
                    .take(dateline_core::static_page::MAX_DESCRIPTION - 1)
                    .collect();
                match cut.rsplit_once(' ') {
                    Some((head, _)) => format!("{head}…"),
                    None => format!("{cut}…"),
                }
            }
        };
        match status {
            PageStatus::Published => self.report.pages_published += 1,
            PageStatus::Draft => self.report.pages_drafts += 1,
        }
        self.report.old_urls += old_paths.len() as u64;
        let Some(store) = self.store else {
            self.report.pages_created += 1;
            return Ok(());
        };
        let page = dateline_store::ImportedPage {
            source: self.source.clone(),
            source_id: source_id.to_owned(),
            input: dateline_store::PageInput {
                slug,
                title: title.to_owned(),
                description,
                body_source: source_text,
                refs: dateline_web::body::ref_keys(&prepared),
                body_html: prepared.html,
                body_text: prepared.text,
                status,
                footer_position: None,
            },
            created_at: created_at.min(modified_at),
            modified_at,
            old_paths,
        };
        match store.import_page(page).await? {
            (_, true) => self.report.pages_created += 1,
            (_, false) => self.report.pages_updated += 1,
        }
        Ok(())
    }

    /// One more post of the file handled (written or skipped): on a terminal a progress bar
    /// redrawn four times a second, elsewhere (a log) the progress line every 1,000; both at
    /// the end.
    pub fn tick(&mut self) {
        self.done += 1;
        let end = self.done == self.total;
        let rate = || self.done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        if self.terminal {
            if end || self.drawn.elapsed().as_millis() >= 250 {
                const WIDTH: u64 = 30;
                let filled = (self.done * WIDTH)
                    .checked_div(self.total)
                    .unwrap_or(WIDTH)
                    .min(WIDTH) as usize;
                eprint!(
                    "\rdateline import: [{}{}] {}/{} posts ({:.0}/s)",
                    "#".repeat(filled),
                    " ".repeat(WIDTH as usize - filled),
                    self.done,
                    self.total,
                    rate()
                );
                if end {
                    eprintln!();
                } else {
                    let _ = std::io::stderr().flush();
                }
                self.drawn = Instant::now();
            }
        } else if self.done.is_multiple_of(1000) || end {
            eprintln!(
                "dateline import: {}/{} posts ({:.0}/s)",
                self.done,
                self.total,
                rate()
            );
        }
    }
}

/// A converted body: its dialect source, rendered, and the credits its captions gave library
/// photos.
pub type Body = (
    String,
    dateline_web::body::PreparedBody,
    Vec<(i64, dateline_core::media::Credit)>,
);

pub(crate) fn slug_of(slug: &str, name: &str) -> anyhow::Result<Slug> {
    Slug::parse(slug)
        .or_else(|_| Slug::from_text(slug))
        .or_else(|_| Slug::from_text(name))
        .with_context(|| format!("no usable slug in {slug:?} or {name:?}"))
}

pub(crate) fn strip_tags(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    doc.root_element().text().collect()
}

pub(crate) fn collapse_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
