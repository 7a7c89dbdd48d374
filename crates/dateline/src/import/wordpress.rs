//! `dateline import wordpress FILE.xml [--uploads DIR | --fetch-media] [--dry-run]`: a
//! WordPress export (WXR) into the site (issue 16). Posts become stories with their original
//! times, categories sections (nested ones flattened to their top category, the child kept as
//! a tag), tags tags, authors people without a password, comments the discussion,
//! attachments library photos (with alt text, caption and credit; a featured image the lead
//! photo), pages static pages (their `?page_id=ID` and permalink kept as 301s), and every old
//! URL a 301 (`old_urls`).
//!
//! The file is read as a stream: the first pass checks the whole file (so a broken, truncated
//! or foreign file is refused before anything is written) and counts the posts; the second
//! brings in the attachments' photos, the third writes the posts through the shared
//! [`Sink`](super::Sink), the last the attachment pages' old URLs (they name posts that may
//! come after them in the file).

use super::photos::{self, Files, PhotoIn, Photos};
use super::{Report, Sink, WordpressArgs, collapse_text, html, slug_of, strip_tags, wxr};
use anyhow::{Context, bail};
use dateline_core::article::{DiscussionMode, Status, path_date};
use dateline_core::discussion::CommentStatus;
use dateline_core::old_url;
use dateline_core::slug::Slug;
use dateline_core::static_page::PageStatus;
use dateline_store::{ArticleInput, ImportedComment, ImportedStory};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::path::Path;

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
    let source = format!("wordpress:{}", channel.base_url.trim_end_matches('/'));
    let store = super::open_store(&args.store, args.dry_run).await?;
    let files = match (&args.uploads, args.media.fetch_media) {
        (Some(dir), _) => Files::Folder {
            dir: dir.clone(),
            marker: "/wp-content/uploads/",
        },
        (None, true) => Files::Fetch {
            client: photos::client()?,
            base: channel.base_url.clone(),
        },
        (None, false) => Files::None,
    };
    let media = match (&store, &files) {
        (Some(_), Files::Folder { .. } | Files::Fetch { .. }) => Some(
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
        let mut sink = Sink::new(
            store.as_ref(),
            source,
            Report::new("WordPress"),
            photos,
            total,
        )
        .await?;
        write(args, &mut sink, channel).await?;
        Ok(sink.report)
    }
    .await;
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
}

async fn write(
    args: &WordpressArgs,
    sink: &mut Sink<'_>,
    channel: wxr::Channel,
) -> anyhow::Result<()> {
    let mut known = Known {
        sections: HashMap::new(),
        tags: HashMap::new(),
        people: HashMap::new(),
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
    for c in channel.categories.iter().filter(|c| c.parent.is_empty()) {
        let slug = slug_of(&c.slug, &c.name)?;
        let (pages, feeds) = archive_paths(&format!("/category/{}/", c.slug), "cat", &c.id);
        let id = sink
            .section(&c.slug, &slug, &c.name, &c.description, &pages, &feeds)
            .await?;
        known.sections.insert(c.slug.clone(), (id, None));
    }
    for c in channel.categories.iter().filter(|c| !c.parent.is_empty()) {
        let (top_slug, chain) = top(&c.slug);
        let Some(&(section, _)) = known.sections.get(&top_slug) else {
            sink.report
                .skip("categories whose parent is missing from the export");
            continue;
        };
        let (pages, feeds) = archive_paths(&format!("/category/{chain}/"), "cat", &c.id);
        let tag = sink
            .tag(&format!("category:{}", c.slug), &c.name, &pages, &feeds)
            .await?;
        known.sections.insert(c.slug.clone(), (section, Some(tag)));
    }
    for t in &channel.tags {
        let (pages, feeds) = archive_paths(&format!("/tag/{}/", t.slug), "tag", &t.slug);
        let id = sink.tag(&t.slug, &t.name, &pages, &feeds).await?;
        known.tags.insert(t.slug.clone(), id);
    }
    for a in &channel.authors {
        let name = if a.display_name.is_empty() {
            &a.login
        } else {
            &a.display_name
        };
        let slug = slug_of(&a.login, name)?;
        let (pages, feeds) = archive_paths(&format!("/author/{}/", slug.as_str()), "author", &a.id);
        let email = Some(a.email.as_str()).filter(|e| e.contains('@'));
        let id = sink
            .person(&a.login, &slug, name, &a.description, email, &pages, &feeds)
            .await?;
        known.people.insert(a.login.clone(), id);
    }
    let feeds = [
        "/feed/".to_owned(),
        "/feed/rss2/".to_owned(),
        "/feed/atom/".to_owned(),
        "/?feed=rss2".to_owned(),
    ];
    sink.old_urls(&feeds, "site_feed", 0).await?;

    // The attachments' photos first, so every post (whatever its place in the file) can point
    // at them.
    if sink.photos.wanted() {
        let mut r = wxr::Reader::open(&args.file)?;
        while let Some(item) = r.next_item()? {
            if item.field("wp:post_type") != "attachment" {
                continue;
            }
            attachment(sink, &item).await.with_context(|| {
                format!(
                    "line {}: attachment {}",
                    item.line,
                    item.field("wp:post_id")
                )
            })?;
        }
    }

    // The posts, a batch per transaction; then attachment pages, which name posts that may come
    // after them in the file.
    let mut r = wxr::Reader::open(&args.file)?;
    let mut attachments = 0u64;
    while let Some(item) = r.next_item()? {
        match item.field("wp:post_type") {
            "post" => {}
            "attachment" => {
                attachments += 1;
                continue;
            }
            "page" => {
                page(sink, &item).await.with_context(|| {
                    format!(
                        "line {}: page {} ({})",
                        item.line,
                        item.field("wp:post_id"),
                        item.field("title")
                    )
                })?;
                continue;
            }
            _ => {
                sink.report
                    .skip("items of other kinds (menus, blocks, custom types)");
                continue;
            }
        }
        let label = format!(
            "line {}: post {} ({})",
            item.line,
            item.field("wp:post_id"),
            item.field("title")
        );
        if let Some(story) = post(sink, &item, &mut known)
            .await
            .with_context(|| label.clone())?
        {
            sink.story(label, story).await?;
        }
        sink.tick();
    }
    // The last batch, before the attachment pages look the posts up.
    sink.flush().await?;
    if attachments > 0 {
        let mut r = wxr::Reader::open(&args.file)?;
        while let Some(item) = r.next_item()? {
            if item.field("wp:post_type") != "attachment" {
                continue;
            }
            let parent = item.field("wp:post_parent");
            let target = match (sink.store, parent) {
                (_, "" | "0") => None,
                (Some(s), p) => s.imported(&sink.source, "post", p).await?,
                (None, _) => Some(0),
            };
            let Some(target) = target else {
                sink.report.skip("attachment pages of no imported post");
                continue;
            };
            let mut paths = vec![format!("/?attachment_id={}", item.field("wp:post_id"))];
            paths.extend(old_url::key_of_url(item.field("link")));
            sink.old_urls(&paths, "article", target).await?;
        }
    }
    Ok(())
}

/// An attachment's file into the library, with its alt text (`_wp_attachment_image_alt`),
/// caption (its excerpt, a `© AGENCY / Photographer` at its end the credit) and the credit.
async fn attachment(sink: &mut Sink<'_>, item: &wxr::Item) -> anyhow::Result<()> {
    let id = item.field("wp:post_id");
    let url = item.field("wp:attachment_url");
    let mime_ok = item
        .fields
        .get("wp:post_mime_type")
        .is_none_or(|m| m.trim().is_empty() || m.trim().starts_with("image/"));
    let looks_like_photo = [".jpg", ".jpeg", ".png", ".webp", ".gif"]
        .iter()
        .any(|e| url.to_ascii_lowercase().ends_with(e));
    if url.is_empty() || !mime_ok || !looks_like_photo {
        sink.report
            .skip("attachments that are not photos (documents, audio, video)");
        return Ok(());
    }
    let caption = collapse_text(&strip_tags(
        item.fields.get("excerpt:encoded").map_or("", |s| s),
    ));
    let (caption, credit) = html::caption_credit(&caption);
    let alt = item
        .meta("_wp_attachment_image_alt")
        .next()
        .map(collapse_text)
        .unwrap_or_default();
    let relative = item.meta("_wp_attached_file").next().map(str::trim);
    let label = format!("attachment {id} ({})", item.field("title"));
    sink.photo(
        &label,
        PhotoIn {
            source_id: id,
            url,
            relative,
            alt,
            caption,
            credit: credit.unwrap_or_default(),
        },
    )
    .await?;
    Ok(())
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

/// A WordPress time (`2019-03-11 09:30:00`, UTC in the `_gmt` fields); None for the zero time
/// WordPress writes for drafts.
fn wp_time(s: &str) -> Option<Timestamp> {
    if s.is_empty() || s.starts_with("0000") {
        return None;
    }
    let dt: jiff::civil::DateTime = s.trim().replace(' ', "T").parse().ok()?;
    dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// The story a post becomes (None when it is skipped), for the sink to write.
async fn post(
    sink: &mut Sink<'_>,
    item: &wxr::Item,
    known: &mut Known,
) -> anyhow::Result<Option<ImportedStory>> {
    let now = sink.now;
    let id = item.field("wp:post_id").to_owned();
    let title = item.field("title").to_owned();
    let label = format!("post {id} ({title})");
    let status = match item.field("wp:status") {
        "publish" => Status::Published,
        "draft" | "pending" | "private" => Status::Draft,
        "future" => Status::Scheduled,
        "trash" => {
            sink.report.skip("posts in the trash");
            return Ok(None);
        }
        "auto-draft" => {
            sink.report.skip("automatic drafts");
            return Ok(None);
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
                None => sink
                    .report
                    .skip("category names no category of the export lists"),
            },
            "post_tag" => {
                if let Some(t) = known.tags.get(nicename) {
                    tags.push(*t);
                } else {
                    let t = sink.tag(nicename, name, &[], &[]).await?;
                    known.tags.insert(nicename.clone(), t);
                    tags.push(t);
                }
            }
            _ => {}
        }
    }
    let section = match section {
        Some(s) => s,
        None => sink.fallback_section().await?,
    };
    let authors = known
        .people
        .get(item.field("dc:creator"))
        .map(|p| vec![dateline_core::PersonId(*p)])
        .unwrap_or_default();

    let (source_text, body, credits) =
        sink.body(&label, item.fields.get("content:encoded").map_or("", |s| s))?;
    for (photo, credit) in &credits {
        sink.credit_photo(*photo, credit).await?;
    }
    // The featured image: the lead photo, when its attachment came in.
    let lead = item
        .meta("_thumbnail_id")
        .next()
        .and_then(|t| sink.photos.library.by_source(t.trim()));
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
            sink.report.skip("pingbacks and trackbacks");
            continue;
        }
        let status = match f("wp:comment_approved").as_str() {
            "1" => CommentStatus::Published,
            "0" => CommentStatus::Pending,
            "spam" => {
                sink.report.skip("comments marked as spam");
                continue;
            }
            _ => {
                sink.report.skip("comments in the trash");
                continue;
            }
        };
        let body = comment_text(c.get("wp:comment_content").map_or("", |s| s));
        if body.is_empty() {
            sink.report.skip("empty comments");
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
            sink.report.comments_held += 1;
        }
        sink.report.comments += 1;
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

    let story = ImportedStory {
        source: sink.source.clone(),
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
            lead_media_id: lead.map(dateline_core::MediaId),
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
        path_date: (status == Status::Published).then(|| path_date(written, &sink.tz)),
        scheduled_for: (status == Status::Scheduled).then_some(written),
        created_at: written.min(modified),
        modified_at: modified,
        old_paths: old,
        comments,
    };
    Ok(Some(story))
}

/// A WordPress page → a static page at `/{slug}/`: published stays published, drafts, pending
/// and private ones are drafts, a scheduled one is a draft listed in the report (pages have no
/// schedule), trash and automatic drafts are skipped. Its old URLs: `?page_id=ID` and its
/// permalink. Child pages come in under their own slug (Dateline's pages are not nested).
async fn page(sink: &mut Sink<'_>, item: &wxr::Item) -> anyhow::Result<()> {
    let id = item.field("wp:post_id").to_owned();
    let title = item.field("title").to_owned();
    let label = format!("page {id} ({title})");
    let status = match item.field("wp:status") {
        "publish" => PageStatus::Published,
        "draft" | "pending" | "private" => PageStatus::Draft,
        "future" => {
            sink.report.held_back.push((
                label.clone(),
                "scheduled on WordPress; static pages have no schedule".to_owned(),
            ));
            PageStatus::Draft
        }
        "trash" => {
            sink.report.skip("pages in the trash");
            return Ok(());
        }
        "auto-draft" => {
            sink.report.skip("automatic drafts");
            return Ok(());
        }
        other => bail!("the status {other:?} is not one WordPress writes"),
    };
    let written = wp_time(item.field("wp:post_date_gmt"))
        .or_else(|| wp_time(item.field("wp:post_date")))
        .unwrap_or(sink.now);
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
    .or_else(|_| Slug::parse(&format!("page-{id}")))?;
    let body = sink.body(&label, item.fields.get("content:encoded").map_or("", |s| s))?;
    let excerpt = collapse_text(&strip_tags(
        item.fields.get("excerpt:encoded").map_or("", |s| s),
    ));
    let mut old = vec![format!("/?page_id={id}")];
    old.extend(old_url::key_of_url(item.field("link")));
    old.dedup();
    sink.page(
        &id,
        slug,
        if title.is_empty() {
            "Untitled page"
        } else {
            &title
        },
        &excerpt,
        body,
        status,
        written,
        modified,
        old,
    )
    .await
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
