//! The syndication surface: RSS 2.0, Atom (RFC 4287) and JSON Feed 1.1 for the whole site and
//! for every section, tag and author; the sitemap index with its paged sitemaps; the Google News
//! sitemap; and `robots.txt`, which names both sitemaps.
//!
//! | path | what |
//! | --- | --- |
//! | `/feed.xml`, `/atom.xml`, `/feed.json` | the whole site |
//! | `/{section}/feed.xml` (and `atom.xml`, `feed.json`) | one section |
//! | `/tags/{tag}/feed.xml` … | one tag |
//! | `/authors/{person}/feed.xml` … | one author |
//! | `/sitemap.xml` | sitemap index over `/sitemaps/{kind}-{n}.xml` |
//! | `/news-sitemap.xml` | the last two days' stories for Google News |
//! | `/robots.txt` | crawl rules and both sitemaps |
//!
//! Every answer is marked cacheable, so the page cache gives it an ETag, 304s and compression
//! and drops it when the store changes. Only published stories ever appear: a withdrawn story
//! leaves every feed and sitemap at once. Addresses are absolute, on the site's `base_url`.
//! This module never renders a body itself: bodies come from [`crate::body::Bodies`], exactly
//! as the article page shows them.

mod atom;
mod json_feed;
mod model;
mod robots;
mod rss;
mod sitemaps;
mod xml;

use crate::AppError;
use crate::cache::{Cacheable, Shows};
use crate::http::PAGE_CACHE_CONTROL;
use crate::state::AppState;
use crate::views::{AlternateLink, SiteView};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use model::Scope;

/// The three feed formats, each at a fixed file name under the page it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedKind {
    Rss,
    Atom,
    Json,
}

impl FeedKind {
    const ALL: [FeedKind; 3] = [FeedKind::Rss, FeedKind::Atom, FeedKind::Json];

    fn file(self) -> &'static str {
        match self {
            FeedKind::Rss => "feed.xml",
            FeedKind::Atom => "atom.xml",
            FeedKind::Json => "feed.json",
        }
    }

    fn mime(self) -> &'static str {
        match self {
            FeedKind::Rss => "application/rss+xml",
            FeedKind::Atom => "application/atom+xml",
            FeedKind::Json => "application/feed+json",
        }
    }

    fn label(self) -> &'static str {
        match self {
            FeedKind::Rss => "RSS",
            FeedKind::Atom => "Atom",
            FeedKind::Json => "JSON Feed",
        }
    }
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/sitemap.xml", get(sitemaps::show_sitemap_index))
        .route("/sitemaps/{file}", get(sitemaps::show_sitemap))
        .route("/news-sitemap.xml", get(sitemaps::show_news_sitemap))
        .route("/robots.txt", get(robots::show_robots));
    for kind in FeedKind::ALL {
        let file = kind.file();
        router = router
            .route(
                &format!("/{file}"),
                get(move |State(state): State<AppState>| show_feed(state, Scope::Site, kind)),
            )
            .route(
                &format!("/{{section}}/{file}"),
                get(
                    move |State(state): State<AppState>, Path(slug): Path<String>| {
                        show_feed(state, Scope::Section(slug), kind)
                    },
                ),
            )
            .route(
                &format!("/tags/{{tag}}/{file}"),
                get(
                    move |State(state): State<AppState>, Path(slug): Path<String>| {
                        show_feed(state, Scope::Tag(slug), kind)
                    },
                ),
            )
            .route(
                &format!("/authors/{{person}}/{file}"),
                get(
                    move |State(state): State<AppState>, Path(slug): Path<String>| {
                        show_feed(state, Scope::Author(slug), kind)
                    },
                ),
            );
    }
    router
}

/// One feed of one scope in one format.
async fn show_feed(state: AppState, scope: Scope, kind: FeedKind) -> Result<Response, AppError> {
    let site = state.site().await?;
    let feed = model::load(&state, &site, &scope, kind).await?;
    let body = match kind {
        FeedKind::Rss => rss::render(&feed)?,
        FeedKind::Atom => atom::render(&feed)?,
        FeedKind::Json => json_feed::render(&feed)?,
    };
    Ok(cacheable(kind.mime(), body))
}

/// An answer the page cache may keep (it adds ETag, Last-Modified and compressed forms). Every
/// feed and sitemap lists stories (and full-text feeds their READ MORE targets' headlines), so
/// any story's change drops them.
fn cacheable(mime: &str, body: String) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("{mime}; charset=utf-8")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PAGE_CACHE_CONTROL),
    );
    res.extensions_mut().insert(Cacheable);
    res.extensions_mut().insert(Shows::lists());
    res
}

/// The `<link rel="alternate">` list for a page: the feeds of the listing it shows (`scope`: its
/// path and name), then the whole site's.
pub(crate) fn alternates(view: &SiteView, scope: Option<(&str, &str)>) -> Vec<AlternateLink> {
    let mut out = Vec::with_capacity(6);
    let mut push = |path: &str, name: &str| {
        for kind in FeedKind::ALL {
            out.push(AlternateLink {
                href: view.absolute(&format!("{path}{}", kind.file())),
                mime: kind.mime(),
                title: format!("{name} ({})", kind.label()),
            });
        }
    };
    if let Some((path, name)) = scope {
        push(path, &format!("{name} | {}", view.name));
    }
    push("/", &view.name);
    out
}
