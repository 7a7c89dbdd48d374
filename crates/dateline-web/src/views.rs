//! View models: the plain, serialisable shapes templates receive. Everything a template prints
//! is a string here and is escaped by the theme's auto-escaping, except fields documented as
//! safe HTML (the sanitised body, JSON-LD), which are built only by this crate and the markup
//! crate.

use crate::AppError;
use crate::state::SiteContext;
use axum::http::StatusCode;
use dateline_core::dateline;
use dateline_core::media::Media;
use dateline_core::page::Paged;
use dateline_core::person::Person;
use dateline_core::tag::Tag;
use dateline_store::ArticleSummary;
use jiff::Timestamp;
use minijinja::Value;
use serde::Serialize;

/// What every page's frame needs: site name, navigation, Listen Live.
#[derive(Debug, Serialize)]
pub struct SiteView {
    pub name: String,
    pub tagline: String,
    pub language: String,
    pub base_url: String,
    pub live: Option<LiveView>,
    pub sections: Vec<NavItem>,
    /// The static pages listed in the footer, in the editors' order.
    pub footer_pages: Vec<NavItem>,
    pub year: i16,
    /// The masthead logo (decorative: the site's name is beside it).
    pub logo: Option<LogoView>,
    /// Newsletters a reader may subscribe to (empty when the site cannot send mail): the
    /// subscribe form on articles and section fronts.
    pub newsletters: Vec<NewsletterItem>,
}

#[derive(Debug, Serialize)]
pub struct NewsletterItem {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct LogoView {
    pub src: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Serialize)]
pub struct LiveView {
    pub url: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct NavItem {
    pub name: String,
    pub path: String,
    pub current: bool,
}

impl SiteView {
    pub fn new(site: &SiteContext, current_section: Option<&str>, now: Timestamp) -> Self {
        let s = &site.settings;
        Self {
            logo: site
                .logo
                .as_ref()
                .filter(|m| !m.variants.is_empty())
                .map(|m| {
                    let w = m.width_for(320);
                    LogoView {
                        src: m.src_for(320),
                        width: w,
                        height: m.height_at(w),
                    }
                }),
            newsletters: site
                .newsletters
                .iter()
                .map(|n| NewsletterItem {
                    id: n.id,
                    name: n.name.clone(),
                    description: n.description.clone(),
                })
                .collect(),
            name: s.name.clone(),
            tagline: s.tagline.clone(),
            language: s.language.clone(),
            base_url: s.base_url.trim_end_matches('/').to_owned(),
            live: s.has_live_stream().then(|| LiveView {
                url: s.live_stream_url.clone(),
                name: if s.live_stream_name.trim().is_empty() {
                    format!("{} live", s.name)
                } else {
                    s.live_stream_name.clone()
                },
            }),
            sections: site
                .sections
                .iter()
                .map(|sec| NavItem {
                    name: sec.name.clone(),
                    path: sec.path(),
                    current: Some(sec.slug.as_str()) == current_section,
                })
                .collect(),
            footer_pages: site
                .footer
                .iter()
                .map(|p| NavItem {
                    name: p.title.clone(),
                    path: p.path.clone(),
                    current: false,
                })
                .collect(),
            year: now.to_zoned(site.tz.clone()).year(),
        }
    }

    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// `<head>` metadata.
#[derive(Debug, Serialize, Default)]
pub struct Meta {
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: String,
    pub image: Option<ImageMeta>,
    /// Safe: JSON with `<`, `>` and `&` escaped, for a `<script type="application/ld+json">`.
    pub json_ld: Option<Value>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub noindex: bool,
    /// Feeds of this page's stories, for `<link rel="alternate">`.
    pub feeds: Vec<AlternateLink>,
}

/// A feed a page announces in its `<head>`.
#[derive(Debug, Serialize, Clone)]
pub struct AlternateLink {
    pub href: String,
    pub mime: &'static str,
    pub title: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct ImageMeta {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

/// A time as pages show it.
#[derive(Debug, Serialize, Clone)]
pub struct TimeView {
    /// `12:03 GMT 29 January 2020`
    pub text: String,
    /// `29 January 2020`
    pub date: String,
    /// ISO 8601 with offset, for `datetime`.
    pub iso: String,
}

impl TimeView {
    pub fn new(at: Timestamp, site: &SiteContext) -> Self {
        Self {
            text: dateline::format(at, &site.tz),
            date: dateline::format_date(at, &site.tz),
            iso: dateline::iso(at, &site.tz),
        }
    }
}

/// One `<source>` of a `<picture>`: a format the browser may take instead of the `<img>`'s.
#[derive(Debug, Serialize, Clone)]
pub struct SourceView {
    /// `image/avif` or `image/webp`.
    #[serde(rename = "type")]
    pub mime: &'static str,
    pub srcset: String,
}

/// A responsive photo with caption and credit. Templates write a `<picture>` with `sources`
/// (AVIF, WebP; empty for a photo that has none yet) before the `<img>` in the upload's own
/// format, which feeds, Open Graph and the API use alone.
#[derive(Debug, Serialize, Clone)]
pub struct PhotoView {
    pub src: String,
    pub srcset: String,
    pub sources: Vec<SourceView>,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

impl PhotoView {
    /// `max` bounds the plain `src` variant (browsers without srcset support). None while the
    /// photo's files are not made yet ([`Media::ready`]): a page leaves the photo out rather
    /// than name a file that does not exist.
    pub fn new(m: &Media, max: u32) -> Option<Self> {
        if !m.ready() {
            return None;
        }
        let w = m.width_for(max);
        Some(Self {
            src: m.src_for(max),
            srcset: m.srcset(),
            sources: m
                .sources()
                .into_iter()
                .map(|(mime, srcset)| SourceView { mime, srcset })
                .collect(),
            width: w,
            height: m.height_at(w),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.to_string(),
        })
    }
}

#[derive(Debug, Serialize, Clone)]
pub struct LinkView {
    pub name: String,
    pub path: String,
}

/// A story in a list.
#[derive(Debug, Serialize, Clone)]
pub struct CardView {
    pub headline: String,
    pub standfirst: String,
    pub path: String,
    pub section: LinkView,
    pub published: TimeView,
    pub photo: Option<PhotoView>,
    pub authors: Vec<LinkView>,
}

impl CardView {
    pub fn new(s: &ArticleSummary, site: &SiteContext) -> Self {
        Self {
            headline: s.headline.clone(),
            standfirst: s.standfirst.clone(),
            path: s.path.clone(),
            section: LinkView {
                name: s.section_name.clone(),
                path: format!("/{}/", s.section_slug),
            },
            published: TimeView::new(s.published_at, site),
            photo: s.lead.as_ref().and_then(|m| PhotoView::new(m, 640)),
            authors: s.authors.iter().map(author_link).collect(),
        }
    }
}

pub fn author_link(p: &Person) -> LinkView {
    LinkView {
        name: p.name.clone(),
        path: p.path(),
    }
}

pub fn tag_link(t: &Tag) -> LinkView {
    LinkView {
        name: t.name.clone(),
        path: t.path(),
    }
}

/// Links between pages of a listing.
#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new<T>(paged: &Paged<T>, base: &str) -> Self {
        let link = |p: u32| {
            if p <= 1 {
                base.to_owned()
            } else {
                format!("{base}?page={p}")
            }
        };
        Self {
            page: paged.page,
            pages: paged.pages(),
            total: paged.total,
            prev: paged.has_prev().then(|| link(paged.page - 1)),
            next: paged.has_next().then(|| link(paged.page + 1)),
        }
    }
}

/// The context of the error page.
#[derive(Debug, Serialize)]
pub struct ErrorPage {
    pub site: SiteView,
    pub meta: Meta,
    pub status: u16,
    pub heading: String,
    pub message: String,
    /// For a withdrawn story: its headline and the editors' note.
    pub withdrawn: Option<Withdrawn>,
    pub request_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Withdrawn {
    pub headline: String,
    pub note: String,
}

impl ErrorPage {
    pub fn new(
        site: &SiteContext,
        error: &AppError,
        status: StatusCode,
        request_id: &str,
        now: Timestamp,
    ) -> Self {
        let heading = match error {
            AppError::NotFound => "Page not found",
            AppError::Gone { .. } => "Story withdrawn",
            AppError::BadRequest(_) => "That request did not work",
            AppError::Unauthorized => "Sign in to continue",
            AppError::Forbidden(_) => "Not allowed",
            AppError::Conflict(_) => "That cannot be done now",
            AppError::TooMany(_) => "Slow down",
            AppError::TooLarge(_) => "Too large to send",
            AppError::UnsupportedMediaType(_) => "That request did not work",
            AppError::Internal(_) => "Something went wrong",
        }
        .to_owned();
        Self {
            meta: Meta {
                title: format!("{heading} | {}", site.settings.name),
                description: error.message(),
                noindex: true,
                ..Meta::default()
            },
            site: SiteView::new(site, None, now),
            status: status.as_u16(),
            heading,
            message: error.message(),
            withdrawn: match error {
                AppError::Gone { headline, note } => Some(Withdrawn {
                    headline: headline.clone(),
                    note: note.clone(),
                }),
                _ => None,
            },
            request_id: status.is_server_error().then(|| request_id.to_owned()),
        }
    }
}

/// JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` are escaped so no text in
/// it (a headline containing `</script>`, say) can end the script element.
pub fn json_ld(value: &serde_json::Value) -> Value {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Value::from_safe_string(out)
}
