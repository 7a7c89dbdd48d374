//! Article bodies on both sides of the store. Saving: the markup crate renders the editor's text
//! and what it references becomes the store's link and photo rows (the newsroom, the demo loader
//! and the tests all save through [`prepare`], so the stored HTML and its references never
//! disagree). Showing: [`Bodies`] completes stored HTML with the current READ MORE targets and
//! photos, for the article page, the API and the feeds alike, so a feed carries exactly the body
//! the page shows.
//!
//! Nothing here builds HTML itself: that is the markup crate's `render` and `fill`.

use dateline_core::ArticleId;
use dateline_core::MediaId;
use dateline_core::media::Media;
use dateline_core::short_code::ShortCode;
use dateline_markup::{ArticleRef, MarkupError, Photo, ReadMoreTarget, Reference, Resolver};
use dateline_store::{Link, LinkRef, LinkTarget, Store, StoreError};
use std::collections::HashMap;

/// A rendered body with its references in the store's terms.
#[derive(Debug, Clone, Default)]
pub struct PreparedBody {
    pub html: String,
    pub text: String,
    pub links: Vec<LinkRef>,
    pub media: Vec<MediaId>,
    pub warnings: Vec<String>,
}

/// Render an editor's body.
pub fn prepare(source: &str) -> Result<PreparedBody, MarkupError> {
    let rendered = dateline_markup::render(source)?;
    let mut out = PreparedBody {
        html: rendered.html,
        text: rendered.text,
        warnings: rendered.warnings,
        ..PreparedBody::default()
    };
    for r in rendered.references {
        match r {
            Reference::Media(id) => out.media.push(id),
            Reference::Article(a) => {
                // A reference that names nothing is kept out: its block simply never shows.
                if let Some(link) = link_ref(a) {
                    out.links.push(link);
                }
            }
        }
    }
    Ok(out)
}

/// What a READ MORE reference names in the store's terms, when it names anything.
fn link_ref(a: ArticleRef) -> Option<LinkRef> {
    let key = ref_key(&a);
    let target = match a {
        ArticleRef::Id(id) => Some(LinkTarget::Id(id)),
        ArticleRef::Path(p) => p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(|s| LinkTarget::Slug(s.to_owned())),
        ArticleRef::Short(code) => ShortCode::parse(&code)
            .ok()
            .and_then(|c| c.article())
            .map(LinkTarget::Id),
    };
    target.map(|target| LinkRef { key, target })
}

/// A prepared body's references as the keys a static page keeps with its stored HTML
/// (`media:12`, and READ MORE targets as their placeholders' keys, `id:34`, `path:…`,
/// `short:…`): a page has no link or photo rows of its own.
pub fn ref_keys(prepared: &PreparedBody) -> Vec<String> {
    prepared
        .media
        .iter()
        .map(|m| format!("media:{m}"))
        .chain(prepared.links.iter().map(|l| l.key.clone()))
        .collect()
}

/// A stored body with its kept [`ref_keys`], as a [`PreparedBody`] that
/// [`Bodies::for_preview`] completes: a static page's view, without rendering it again. A key
/// that does not parse is left out (its block never shows), as in [`prepare`].
pub fn from_ref_keys(html: &str, text: &str, keys: &[String]) -> PreparedBody {
    let mut out = PreparedBody {
        html: html.to_owned(),
        text: text.to_owned(),
        ..PreparedBody::default()
    };
    for key in keys {
        let Some((kind, value)) = key.split_once(':') else {
            continue;
        };
        let article = match kind {
            "media" => {
                if let Ok(id) = value.parse() {
                    out.media.push(MediaId(id));
                }
                continue;
            }
            "id" => value.parse().ok().map(|id| ArticleRef::Id(ArticleId(id))),
            "path" => Some(ArticleRef::Path(value.to_owned())),
            "short" => Some(ArticleRef::Short(value.to_owned())),
            _ => None,
        };
        if let Some(link) = article.and_then(link_ref) {
            out.links.push(link);
        }
    }
    out
}

/// The key a READ MORE placeholder is stored under (`id:12`, `path:/…/`, `short:abc2345`): the
/// same text as the placeholder's `data-ref`.
pub fn ref_key(r: &ArticleRef) -> String {
    match r {
        ArticleRef::Id(id) => format!("id:{id}"),
        ArticleRef::Path(p) => format!("path:{p}"),
        ArticleRef::Short(s) => format!("short:{s}"),
    }
}

/// What completing the stored bodies of some stories needs, fetched once for all of them: the
/// READ MORE targets of each, and the photos they (and any lead photos asked for) show.
#[derive(Debug, Default)]
pub struct Bodies {
    links: HashMap<ArticleId, HashMap<String, Link>>,
    media: HashMap<MediaId, Media>,
}

impl Bodies {
    /// Load what the bodies of `ids` need, plus the photos `extra_media` (a lead photo, say),
    /// in two queries however many stories there are.
    pub async fn load(
        store: &Store,
        ids: &[ArticleId],
        extra_media: impl IntoIterator<Item = MediaId>,
    ) -> Result<Self, StoreError> {
        let extra: Vec<MediaId> = extra_media.into_iter().collect();
        // READ MORE targets and photos are independent: fetch them at once.
        let (links, media) = tokio::try_join!(
            store.read_more_targets_of(ids),
            store.media_of_bodies(ids, &extra)
        )?;
        let media = served(media);
        Ok(Self { links, media })
    }

    /// What one story's body needs, already read with its page
    /// ([`dateline_store::ArticlePage`]): its READ MORE targets and photos.
    pub fn of_story(id: ArticleId, links: HashMap<String, Link>, media: Vec<Media>) -> Self {
        Self {
            links: HashMap::from([(id, links)]),
            media: served(media),
        }
    }

    /// What a body not yet saved needs (the editor's live preview): its READ MORE targets that
    /// readers could follow now, and its photos, looked up from the prepared references.
    pub async fn for_preview(
        store: &Store,
        prepared: &PreparedBody,
        sections: &[dateline_core::section::Section],
    ) -> Result<Self, StoreError> {
        let mut links = HashMap::new();
        for l in &prepared.links {
            let found = match &l.target {
                LinkTarget::Id(id) => store.article(*id).await,
                LinkTarget::Slug(s) => store.article_by_slug(s).await,
            };
            let a = match found {
                Ok(a) => a,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            let path = sections
                .iter()
                .find(|s| s.id == a.section_id)
                .filter(|_| a.is_public())
                .and_then(|s| a.canonical_path(s.slug.as_str()));
            if let Some(path) = path {
                links.insert(
                    l.key.clone(),
                    Link {
                        headline: a.headline,
                        path,
                    },
                );
            }
        }
        let media = store.media_many(&prepared.media).await?;
        Ok(Self {
            links: HashMap::from([(PREVIEW, links)]),
            media: served(media),
        })
    }

    /// A prepared body completed as its page would show it (after [`Bodies::for_preview`]).
    pub fn fill_preview(&self, prepared: &PreparedBody) -> String {
        self.fill(PREVIEW, &prepared.html)
    }

    /// A prepared body completed with absolute links on `origin` (a newsletter, read away
    /// from the site).
    pub fn fill_preview_from(&self, prepared: &PreparedBody, origin: &str) -> String {
        self.fill_from(PREVIEW, &prepared.html, origin)
    }

    /// The body of story `id` as its page shows it: links and photos as site paths.
    pub fn fill(&self, id: ArticleId, stored_html: &str) -> String {
        self.fill_from(id, stored_html, "")
    }

    /// The same body with READ MORE links and photo addresses made absolute on `origin`
    /// (`https://news.example`), for readers of it away from the site (feeds).
    pub fn fill_from(&self, id: ArticleId, stored_html: &str, origin: &str) -> String {
        let resolver = PageResolver {
            links: self.links.get(&id),
            media: &self.media,
            origin: origin.trim_end_matches('/'),
        };
        dateline_markup::fill(stored_html, &resolver)
    }

    /// A photo loaded for these bodies (or asked for as extra).
    pub fn media(&self, id: MediaId) -> Option<&Media> {
        self.media.get(&id)
    }
}

/// The photos a page may show, by id: those whose files exist ([`Media::ready`]). A photo
/// still waiting for its variants is left out, as a deleted one is (its figure disappears,
/// a lead photo is not shown), so no page names a file that does not exist yet.
fn served(media: Vec<Media>) -> HashMap<MediaId, Media> {
    media
        .into_iter()
        .filter(Media::ready)
        .map(|m| (m.id, m))
        .collect()
}

/// The key a preview's links are kept under (no stored story has id 0).
const PREVIEW: ArticleId = ArticleId(0);

/// Completes stored HTML for one view from what the store said.
struct PageResolver<'a> {
    /// None when the story has no READ MORE target that is still published.
    links: Option<&'a HashMap<String, Link>>,
    media: &'a HashMap<MediaId, Media>,
    /// Prefixed to every site path written; empty on the site itself.
    origin: &'a str,
}

impl Resolver for PageResolver<'_> {
    fn read_more(&self, r: &ArticleRef) -> Option<ReadMoreTarget> {
        self.links?.get(&ref_key(r)).map(|l| ReadMoreTarget {
            headline: l.headline.clone(),
            url: format!("{}{}", self.origin, l.path),
        })
    }

    fn photo(&self, id: MediaId) -> Option<Photo> {
        let m = self.media.get(&id)?;
        let w = m.width_for(1024);
        let srcset = if self.origin.is_empty() {
            m.srcset()
        } else {
            m.variants
                .iter()
                .map(|w| format!("{}{} {w}w", self.origin, m.variant_path(*w)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Feeds and newsletters (an origin) keep the upload's own format alone: every reader
        // takes it, and feed readers do not choose among `<source>`s.
        let sources = if self.origin.is_empty() {
            m.sources()
                .into_iter()
                .map(|(mime, set)| (mime.to_owned(), set))
                .collect()
        } else {
            Vec::new()
        };
        Some(Photo {
            src: format!("{}{}", self.origin, m.src_for(1024)),
            srcset,
            sources,
            width: w,
            height: m.height_at(w),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.clone(),
        })
    }
}
