//! `GET /api/v1/articles` and `GET /api/v1/articles/{id}` (with a token, the latter answers
//! the story's source as `PUT` takes it: `api::newsroom`).

use super::json_showing;
use crate::AppError;
use crate::body::Bodies;
use crate::cache::Shows;
use crate::input::PathId;
use crate::newsroom::CurrentUser;
use crate::state::{AppState, SiteContext};
use axum::extract::{FromRequestParts, OriginalUri, Query, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use dateline_core::article::Status;
use dateline_core::page::PageRequest;
use dateline_core::{ArticleId, dateline};
use dateline_store::{ArticleSummary, Filter};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    section: Option<String>,
    tag: Option<String>,
    author: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

#[derive(Serialize)]
struct ArticleList<'a> {
    articles: Vec<ArticleJson<'a>>,
    page: u32,
    per_page: u32,
    total: u64,
    pages: u32,
}

/// A story as the API shows it, borrowing its texts from the summary it is made from (a search
/// answer makes twenty, and copying each text once more showed in its time).
#[derive(Serialize)]
pub(super) struct ArticleJson<'a> {
    id: i64,
    url: String,
    short_url: String,
    headline: &'a str,
    standfirst: &'a str,
    section: SectionRef<'a>,
    authors: Vec<AuthorRef<'a>>,
    /// RFC 3339, UTC.
    published_at: String,
    updated_at: Option<String>,
    lead_image: Option<ImageJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<TagRef>>,
    /// Sanitised HTML, READ MORE and photos filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    body_html: Option<String>,
}

#[derive(Serialize)]
struct SectionRef<'a> {
    slug: &'a str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct AuthorRef<'a> {
    slug: &'a str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct TagRef {
    slug: String,
    name: String,
    url: String,
}

#[derive(Serialize)]
struct ImageJson<'a> {
    url: String,
    srcset: String,
    width: u32,
    height: u32,
    alt: &'a str,
    caption: &'a str,
    credit: String,
}

pub(super) fn summary_json<'a>(s: &'a ArticleSummary, base: &str) -> ArticleJson<'a> {
    ArticleJson {
        id: s.id.0,
        url: format!("{base}{}", s.path),
        short_url: format!("{base}/s/{}", s.short_code),
        headline: &s.headline,
        standfirst: &s.standfirst,
        section: SectionRef {
            slug: &s.section_slug,
            name: &s.section_name,
            url: format!("{base}/{}/", s.section_slug),
        },
        authors: s
            .authors
            .iter()
            .map(|p| AuthorRef {
                slug: p.slug.as_str(),
                name: &p.name,
                url: format!("{base}{}", p.path()),
            })
            .collect(),
        published_at: s.published_at.to_string(),
        updated_at: s
            .updated_at
            .filter(|u| *u > s.published_at)
            .map(|u| u.to_string()),
        // None while the photo's files are not made yet (`Media::ready`): no URL that 404s.
        lead_image: s.lead.as_ref().filter(|m| m.ready()).map(|m| {
            let w = m.variants.iter().copied().max().unwrap_or(m.width);
            ImageJson {
                url: format!("{base}{}", m.variant_path(w)),
                srcset: m.srcset(),
                width: w,
                height: m.height_at(w),
                alt: &m.alt,
                caption: &m.caption,
                credit: m.credit.to_string(),
            }
        }),
        tags: None,
        body_html: None,
    }
}

fn base(site: &SiteContext) -> String {
    site.settings.base_url.trim_end_matches('/').to_owned()
}

pub async fn list_articles(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let req = PageRequest::parse(q.page.as_deref(), q.per_page.as_deref(), 20, 100)?;
    let given = [&q.section, &q.tag, &q.author]
        .iter()
        .filter(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
        .count();
    if given > 1 {
        return Err(AppError::BadRequest(
            "Filter by one of section, tag or author at a time.".to_owned(),
        ));
    }
    let filter = if let Some(s) = q.section.as_deref().filter(|s| !s.is_empty()) {
        let sec = site
            .sections
            .iter()
            .find(|x| x.slug.as_str() == s)
            .ok_or_else(|| AppError::BadRequest(format!("There is no section {s:?}.")))?;
        Filter::Section(sec.id)
    } else if let Some(t) = q.tag.as_deref().filter(|s| !s.is_empty()) {
        let tag = state
            .store
            .tag_by_slug(t)
            .await
            .map_err(|_| AppError::BadRequest(format!("There is no tag {t:?}.")))?;
        Filter::Tag(tag.id)
    } else if let Some(a) = q.author.as_deref().filter(|s| !s.is_empty()) {
        let p = state
            .store
            .person_by_slug(a)
            .await
            .map_err(|_| AppError::BadRequest(format!("There is no author {a:?}.")))?;
        Filter::Author(p.id)
    } else {
        Filter::All
    };
    let paged = state.store.latest(filter, req).await?;
    let base = base(&site);
    Ok(json_showing(
        ArticleList {
            pages: paged.pages(),
            page: paged.page,
            per_page: paged.per_page,
            total: paged.total,
            articles: paged.items.iter().map(|s| summary_json(s, &base)).collect(),
        },
        Some(Shows::lists()),
    ))
}

/// The public story; with a token (`Authorization`), the story as `PUT` takes it instead
/// (`api::newsroom`), drafts included, never cached.
pub async fn show_article(
    State(state): State<AppState>,
    PathId(id): PathId,
    mut parts: Parts,
) -> Result<Response, AppError> {
    if parts.headers.contains_key(header::AUTHORIZATION) {
        // Nested under `/api/v1`, this router sees the path without it; the token check
        // looks for `/api/` to take a bearer token.
        if let Some(original) = parts.extensions.get::<OriginalUri>() {
            parts.uri = original.0.clone();
        }
        let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
            Ok(u) => u,
            Err(refused) => return Ok(refused),
        };
        return super::newsroom::show_editable(&state, &user, id).await;
    }
    let site = state.site().await?;
    let article = state.store.article(ArticleId(id)).await?;
    match article.status {
        Status::Published => {}
        Status::Withdrawn => {
            return Err(AppError::Gone {
                headline: article.headline,
                note: article.withdrawn_note,
            });
        }
        _ => return Err(AppError::NotFound),
    }
    let summary = state
        .store
        .summaries(&[article.id])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let tags = state.store.tags_of(&[article.id]).await?;
    let body = Bodies::load(&state.store, &[article.id], None)
        .await?
        .fill(article.id, &article.body_html);
    let base = base(&site);
    let mut out = summary_json(&summary, &base);
    out.tags = Some(
        tags.into_iter()
            .map(|(_, t)| TagRef {
                url: format!("{base}{}", t.path()),
                slug: t.slug.to_string(),
                name: t.name,
            })
            .collect(),
    );
    out.body_html = Some(body);
    // The reader-facing dateline too, so clients need not know the site's zone rules.
    #[derive(Serialize)]
    struct WithDateline<'a> {
        #[serde(flatten)]
        article: ArticleJson<'a>,
        dateline: String,
    }
    // The body's READ MORE targets are not known here: any story's change drops the answer.
    let shows = Shows {
        articles: vec![article.id],
        lists: true,
    };
    Ok(json_showing(
        WithDateline {
            dateline: dateline::format(summary.published_at, &site.tz),
            article: out,
        },
        Some(shows),
    ))
}
