//! Preparing an article body for storage: the markup crate renders it, and what it references
//! becomes the store's link and photo rows. The newsroom, the demo loader and the tests all save
//! bodies through here, so the stored HTML and its references never disagree.

use dateline_core::MediaId;
use dateline_core::media::Media;
use dateline_core::short_code::ShortCode;
use dateline_markup::{ArticleRef, MarkupError, Photo, ReadMoreTarget, Reference, Resolver};
use dateline_store::{Link, LinkRef, LinkTarget};
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
                // A reference that names nothing is kept out: its block simply never shows.
                if let Some(target) = target {
                    out.links.push(LinkRef { key, target });
                }
            }
        }
    }
    Ok(out)
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

/// Completes stored HTML for one page view from what the store said.
pub struct PageResolver {
    pub links: HashMap<String, Link>,
    pub media: HashMap<MediaId, Media>,
}

impl Resolver for PageResolver {
    fn read_more(&self, r: &ArticleRef) -> Option<ReadMoreTarget> {
        self.links.get(&ref_key(r)).map(|l| ReadMoreTarget {
            headline: l.headline.clone(),
            url: l.path.clone(),
        })
    }

    fn photo(&self, id: MediaId) -> Option<Photo> {
        let m = self.media.get(&id)?;
        let w = m
            .variants
            .iter()
            .copied()
            .filter(|w| *w <= 1024)
            .max()
            .unwrap_or(m.width);
        Some(Photo {
            src: m.src_for(1024),
            srcset: m.srcset(),
            width: w,
            height: m.height_at(w),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.clone(),
        })
    }
}
