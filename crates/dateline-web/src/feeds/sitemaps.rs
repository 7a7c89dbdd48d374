//! Sitemaps for search engines: `/sitemap.xml` is an index over paged sitemaps
//! (`/sitemaps/pages-1.xml`, `sections-N`, `articles-N`, `tags-N`, `authors-N`, at most 10,000
//! URLs each, every URL with its `lastmod`), and `/news-sitemap.xml` lists the last two days'
//! stories (at most 1,000) in Google News's vocabulary.
//!
//! The XML is written by `sitemap-rs`, which escapes every value and refuses a sitemap over the
//! protocol's limits rather than writing an invalid one. Only published stories appear (the
//! store's sitemap queries see nothing else), so a withdrawn story leaves at once.

use super::cacheable;
use crate::AppError;
use crate::cache::CacheUntil;
use crate::state::{AppState, SiteContext};
use axum::extract::{Path, State};
use axum::response::Response;
use dateline_store::feeds::{SitemapEntry, SitemapKind};
use jiff::{SignedDuration, Timestamp, Zoned};
use sitemap_rs::news::{News, Publication};
use sitemap_rs::sitemap::Sitemap;
use sitemap_rs::sitemap_index::SitemapIndex;
use sitemap_rs::url::Url;
use sitemap_rs::url_set::UrlSet;

/// URLs per sitemap page: well under the protocol's 50,000 (sitemaps.org), so that a page of
/// articles (≈2 MB) stays small enough for the page cache and quick to make; at 50,000 it was
/// ≈9 MB and took 2.5 s on the 100,000-story benchmark site.
pub(super) const URLS_PER_SITEMAP: u32 = 10_000;
/// Google News reads only stories of the last two days, at most 1,000 per sitemap.
const NEWS_WINDOW: SignedDuration = SignedDuration::from_hours(48);
const NEWS_MAX: u32 = 1_000;

const XML: &str = "application/xml";

/// What one paged sitemap lists. `Pages` (the front page, the community standards and the
/// published static pages) is made here; the others come from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pages,
    Stored(SitemapKind),
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Pages,
        Kind::Stored(SitemapKind::Sections),
        Kind::Stored(SitemapKind::Articles),
        Kind::Stored(SitemapKind::Tags),
        Kind::Stored(SitemapKind::Authors),
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Pages => "pages",
            Kind::Stored(SitemapKind::Sections) => "sections",
            Kind::Stored(SitemapKind::Articles) => "articles",
            Kind::Stored(SitemapKind::Tags) => "tags",
            Kind::Stored(SitemapKind::Authors) => "authors",
        }
    }

    /// `articles-3.xml` → (articles, 3). Anything else, including page 0, is None.
    fn parse(file: &str) -> Option<(Kind, u32)> {
        let stem = file.strip_suffix(".xml")?;
        let (name, n) = stem.rsplit_once('-')?;
        if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = n.parse().ok().filter(|n| *n >= 1)?;
        let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
        Some((kind, n))
    }
}

/// `/sitemap.xml`: every paged sitemap with the newest `lastmod` among its URLs.
pub(super) async fn show_sitemap_index(
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let origin = origin(&site);
    let mut sitemaps = Vec::new();
    for kind in Kind::ALL {
        let lastmods = match kind {
            Kind::Pages => vec![pages_lastmod(&state).await?],
            Kind::Stored(k) => state.store.sitemap_lastmods(k, URLS_PER_SITEMAP).await?,
        };
        for (page, lastmod) in (1..).zip(lastmods) {
            sitemaps.push(Sitemap::new(
                format!("{origin}/sitemaps/{}-{page}.xml", kind.name()),
                lastmod.map(|t| zoned(t, &site)),
            ));
        }
    }
    let index = SitemapIndex::new(sitemaps).map_err(|e| internal(&e))?;
    let mut out = Vec::new();
    index.write(&mut out).map_err(|e| internal(&e))?;
    Ok(cacheable(XML, super::xml::document(out, "a sitemap")?))
}

/// `/sitemaps/{kind}-{n}.xml`.
pub(super) async fn show_sitemap(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (kind, page) = Kind::parse(&file).ok_or(AppError::NotFound)?;
    let site = state.site().await?;
    let entries = match kind {
        Kind::Pages if page == 1 => pages(&state, &site).await?,
        Kind::Pages => Vec::new(),
        Kind::Stored(k) => state.store.sitemap_page(k, page, URLS_PER_SITEMAP).await?,
    };
    if entries.is_empty() && page > 1 {
        // Page 1 of an empty kind is a valid empty sitemap; later pages do not exist.
        return Err(AppError::NotFound);
    }
    let origin = origin(&site);
    let urls = entries
        .into_iter()
        .map(|e| {
            let mut b = Url::builder(format!("{origin}{}", e.path));
            if let Some(t) = e.lastmod {
                b.last_modified(zoned(t, &site));
            }
            b.build().map_err(|e| internal(&e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_url_set(urls)
}

/// `/news-sitemap.xml`: stories first published in the last two days, newest first.
pub(super) async fn show_news_sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let origin = origin(&site);
    let since = state.clock.now() - NEWS_WINDOW;
    let publication = Publication::new(
        site.settings.name.clone(),
        news_language(&site.settings.language),
    );
    let entries = state.store.news_entries(since, NEWS_MAX).await?;
    // Stories leave the list by age alone, with no store write to invalidate the cache: keep
    // the answer only until the oldest one listed turns two days old.
    let stale_at = entries
        .iter()
        .map(|e| e.published_at)
        .min()
        .map(|t| t + NEWS_WINDOW);
    let urls = entries
        .into_iter()
        .map(|e| {
            Url::builder(format!("{origin}{}", e.path))
                .news(News::new(
                    publication.clone(),
                    zoned(e.published_at, &site),
                    e.headline,
                ))
                .build()
                .map_err(|e| internal(&e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut res = write_url_set(urls)?;
    if let Some(at) = stale_at {
        res.extensions_mut().insert(CacheUntil(at));
    }
    Ok(res)
}

fn write_url_set(urls: Vec<Url>) -> Result<Response, AppError> {
    let set = UrlSet::new(urls).map_err(|e| internal(&e))?;
    let mut out = Vec::new();
    set.write(&mut out).map_err(|e| internal(&e))?;
    Ok(cacheable(XML, super::xml::document(out, "a sitemap")?))
}

/// The front page (changed with the newest story) and the community standards when the site
/// has them (no stored change time: no `lastmod`).
async fn pages(state: &AppState, site: &SiteContext) -> Result<Vec<SitemapEntry>, AppError> {
    let mut out = vec![SitemapEntry {
        path: "/".to_owned(),
        lastmod: newest_change(state).await?,
    }];
    if !site.settings.community_standards.trim().is_empty() {
        out.push(SitemapEntry {
            path: "/community-standards/".to_owned(),
            lastmod: None,
        });
    }
    for (slug, updated) in state.store.published_pages().await? {
        out.push(SitemapEntry {
            path: dateline_core::static_page::path(&slug),
            lastmod: Some(updated),
        });
    }
    Ok(out)
}

/// The newest `lastmod` of the `pages` sitemap: the front page's or a static page's.
async fn pages_lastmod(state: &AppState) -> Result<Option<Timestamp>, AppError> {
    let front = newest_change(state).await?;
    let pages = state
        .store
        .published_pages()
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .max();
    Ok(front.max(pages))
}

/// When any published story last changed (the front page shows the newest and the most
/// prominent): the newest change of any section, since every story is in one, and there are few
/// sections.
async fn newest_change(state: &AppState) -> Result<Option<Timestamp>, AppError> {
    Ok(state
        .store
        .sitemap_page_lastmod(SitemapKind::Sections, 1, URLS_PER_SITEMAP)
        .await?)
}

/// Google News wants an ISO 639 code (`en`, not `en-GB`), except `zh-cn` and `zh-tw`.
fn news_language(tag: &str) -> String {
    let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
    let mut parts = lower.split('-');
    let primary = parts.next().filter(|p| !p.is_empty()).unwrap_or("en");
    if primary == "zh" {
        let traditional = parts.any(|p| matches!(p, "tw" | "hk" | "mo" | "hant"));
        return if traditional { "zh-tw" } else { "zh-cn" }.to_owned();
    }
    primary.to_owned()
}

fn origin(site: &SiteContext) -> String {
    site.settings.base_url.trim_end_matches('/').to_owned()
}

fn zoned(t: Timestamp, site: &SiteContext) -> Zoned {
    t.to_zoned(site.tz.clone())
}

fn internal(e: &dyn std::fmt::Debug) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing a sitemap: {e:?}"))
}

#[cfg(test)]
mod tests;
