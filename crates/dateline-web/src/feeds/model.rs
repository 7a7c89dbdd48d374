//! The feed of one scope (site, section, tag or author) in a format-neutral shape, read from the
//! store once and then written as RSS, Atom or JSON Feed by the sibling modules, so the three
//! formats can never disagree about which stories a feed carries.
//!
//! It takes stories only from the store's published listings (never a draft or a withdrawn
//! story) and bodies only from [`Bodies`], so a full-text item is the body the page shows.

use super::FeedKind;
use crate::AppError;
use crate::body::Bodies;
use crate::media::store::MediaStore;
use crate::state::{AppState, SiteContext};
use dateline_core::dateline;
use dateline_core::media::Media;
use dateline_core::page::PageRequest;
use dateline_core::site::FeedContent;
use dateline_store::{ArticleSummary, Filter};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// Stories per feed: a day or two of a busy newsroom, and what readers poll for.
const FEED_ITEMS: u32 = 30;

/// Which stories a feed follows; the strings are slugs from the URL, not yet checked.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    Site,
    Section(String),
    Tag(String),
    Author(String),
}

/// A feed ready to be written in any format.
#[derive(Debug)]
pub(super) struct Feed {
    pub title: String,
    pub description: String,
    pub language: String,
    /// The page the feed follows (absolute).
    pub page_url: String,
    /// This feed's own address (absolute).
    pub self_url: String,
    /// The site's origin, without trailing slash.
    pub origin: String,
    pub site_name: String,
    /// When the newest item last changed, or the time of writing for an empty feed.
    pub updated: Timestamp,
    pub tz: TimeZone,
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub(super) struct Item {
    /// Stable for the story's life even if its slug or section changes: its short URL.
    pub id: String,
    pub url: String,
    pub title: String,
    /// The standfirst (or the headline when there is none): plain text.
    pub summary: String,
    /// The whole body as HTML when the site sends full text.
    pub content_html: Option<String>,
    pub published: Timestamp,
    /// The last public update, only when later than publication.
    pub updated: Option<Timestamp>,
    pub authors: Vec<Author>,
    pub section: Category,
    pub tags: Vec<Category>,
    pub image: Option<Image>,
}

impl Item {
    pub fn last_change(&self) -> Timestamp {
        self.updated.unwrap_or(self.published)
    }
}

#[derive(Debug)]
pub(super) struct Author {
    pub name: String,
    pub url: String,
}

#[derive(Debug)]
pub(super) struct Category {
    pub slug: String,
    pub name: String,
    /// What the slug is a slug of: `{origin}/tags/` for tags, `{origin}/` for sections (a tag
    /// and a section may share a slug).
    pub scheme: String,
}

/// The lead photo, as an enclosure.
#[derive(Debug)]
pub(super) struct Image {
    pub url: String,
    pub mime: &'static str,
    /// Bytes of the file, when it is on this node's disk.
    pub length: Option<u64>,
    pub alt: String,
}

/// Read the feed of `scope`; an unknown section, tag or author (or an author with nothing
/// published, who has no page either) is a 404.
pub(super) async fn load(
    state: &AppState,
    site: &SiteContext,
    scope: &Scope,
    kind: FeedKind,
) -> Result<Feed, AppError> {
    let settings = &site.settings;
    let origin = settings.base_url.trim_end_matches('/').to_owned();
    let newest = PageRequest::first(FEED_ITEMS);
    let (filter, page_path, title, description) = match scope {
        Scope::Site => (
            Filter::All,
            "/".to_owned(),
            settings.name.clone(),
            if settings.tagline.trim().is_empty() {
                format!("The latest news from {}", settings.name)
            } else {
                settings.tagline.clone()
            },
        ),
        Scope::Section(slug) => {
            let section = site
                .sections
                .iter()
                .find(|s| s.slug.as_str() == slug)
                .ok_or(AppError::NotFound)?;
            (
                Filter::Section(section.id),
                section.path(),
                format!("{} | {}", section.name, settings.name),
                if section.description.trim().is_empty() {
                    format!("The latest {} news from {}", section.name, settings.name)
                } else {
                    section.description.clone()
                },
            )
        }
        Scope::Tag(slug) => {
            let tag = state.store.tag_by_slug(slug).await?;
            (
                Filter::Tag(tag.id),
                tag.path(),
                format!("{} | {}", tag.name, settings.name),
                format!("Stories about {} from {}", tag.name, settings.name),
            )
        }
        Scope::Author(slug) => {
            let person = state.store.person_by_slug(slug).await?;
            (
                Filter::Author(person.id),
                person.path(),
                format!("{} | {}", person.name, settings.name),
                format!("Stories by {} for {}", person.name, settings.name),
            )
        }
    };
    let paged = state.store.latest(filter, newest).await?;
    if matches!(scope, Scope::Author(_)) && paged.total == 0 {
        // As on the author page: people with no published story are not public.
        return Err(AppError::NotFound);
    }
    let stories = paged.items;
    let ids: Vec<_> = stories.iter().map(|s| s.id).collect();
    let mut tags: HashMap<_, Vec<Category>> = HashMap::new();
    for (id, t) in state.store.tags_of(&ids).await? {
        tags.entry(id).or_default().push(Category {
            slug: t.slug.to_string(),
            scheme: format!("{origin}/tags/"),
            name: t.name,
        });
    }
    let bodies = match settings.feed_content {
        FeedContent::Full => Some((
            state.store.published_bodies(&ids).await?,
            Bodies::load(&state.store, &ids, None).await?,
        )),
        FeedContent::Summary => None,
    };
    let mut items = Vec::with_capacity(stories.len());
    for s in stories {
        let content_html = bodies.as_ref().and_then(|(stored, bodies)| {
            stored
                .get(&s.id)
                .map(|html| bodies.fill_from(s.id, html, &origin))
        });
        // A photo whose files are not made yet is left out (`Media::ready`).
        let image = match s.lead.as_ref().filter(|m| m.ready()) {
            Some(m) => Some(lead_image(state, m, &origin).await),
            None => None,
        };
        let item_tags = tags.remove(&s.id).unwrap_or_default();
        items.push(item(s, &origin, content_html, image, item_tags));
    }
    let updated = items
        .iter()
        .map(Item::last_change)
        .max()
        .unwrap_or_else(|| state.clock.now());
    Ok(Feed {
        title,
        description,
        language: settings.language.clone(),
        page_url: format!("{origin}{page_path}"),
        self_url: format!("{origin}{page_path}{}", kind.file()),
        origin,
        site_name: settings.name.clone(),
        updated,
        tz: site.tz.clone(),
        items,
    })
}

fn item(
    s: ArticleSummary,
    origin: &str,
    content_html: Option<String>,
    image: Option<Image>,
    tags: Vec<Category>,
) -> Item {
    Item {
        id: format!("{origin}/s/{}", s.short_code),
        url: format!("{origin}{}", s.path),
        summary: if s.standfirst.trim().is_empty() {
            s.headline.clone()
        } else {
            s.standfirst.clone()
        },
        title: s.headline,
        content_html,
        published: s.published_at,
        updated: s.updated_at.filter(|u| *u > s.published_at),
        authors: s
            .authors
            .iter()
            .map(|p| Author {
                name: p.name.clone(),
                url: format!("{origin}{}", p.path()),
            })
            .collect(),
        section: Category {
            scheme: format!("{origin}/"),
            slug: s.section_slug,
            name: s.section_name,
        },
        tags,
        image,
    }
}

/// The lead photo at the width the article page uses for its plain `src`.
async fn lead_image(state: &AppState, m: &Media, origin: &str) -> Image {
    let path = m.src_for(1024);
    let name = path.trim_start_matches("/media/");
    // The length is the file's size when the media store has the file; feeds are built rarely
    // (the cache keeps them), so one metadata read (a HEAD on S3) per item is cheap.
    let length = match MediaStore::served_key(name) {
        Some(key) => state.media.head(&key).await.ok().map(|meta| meta.size),
        None => None,
    };
    Image {
        url: format!("{origin}{path}"),
        mime: match m.extension() {
            "png" => "image/png",
            "webp" => "image/webp",
            "gif" => "image/gif",
            _ => "image/jpeg",
        },
        length,
        alt: m.alt.clone(),
    }
}

/// `2020-01-29T12:03:00+00:00` in the site's zone (RFC 3339, for Atom and JSON Feed).
pub(super) fn rfc3339(at: Timestamp, tz: &TimeZone) -> String {
    dateline::iso(at, tz)
}
