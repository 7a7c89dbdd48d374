//! The reading site: front page, section fronts, articles, tag and author pages, short links,
//! search, the community standards page and theme assets. Every page is a template filled from
//! the store and marked cacheable, except search (see `search.rs`).

mod articles;
mod assets;
mod authors;
mod front;
mod live;
mod pages;
mod search;
mod sections;
mod short_links;
mod tags;

use crate::AppError;
use crate::cache::{Cacheable, Shows};
use crate::http::PAGE_CACHE_CONTROL;
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

pub(crate) use search::sort_name;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(front::show_front))
        .route(
            "/community-standards/",
            get(pages::show_community_standards),
        )
        .route("/live/", get(live::show_live_page))
        .route("/s/{code}", get(short_links::follow_short_link))
        .route("/search", get(search::show_search))
        .route("/tags/{tag}/", get(tags::show_tag))
        .route("/authors/{person}/", get(authors::show_author))
        .route("/assets/{hash}/{name}", get(assets::serve_asset))
        .route("/{section}/", get(sections::show_section))
        .route(
            "/{section}/{year}/{month}/{day}/{slug}/",
            get(articles::show_article),
        )
}

/// `?page=` as typed by the reader: checked by `PageRequest::parse`, never by serde, so a bad
/// value gets our message rather than a generic rejection.
#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<String>,
}

/// One page of a listing (section, tag, author): the checked `?page=`, and a clear 400 when it
/// is past the end. `what` names the listing in that message ("World", "stories by Amira").
pub async fn listing(
    state: &AppState,
    filter: dateline_store::Filter,
    q: &PageQuery,
    what: &str,
) -> Result<
    (
        dateline_core::page::PageRequest,
        dateline_core::page::Paged<dateline_store::ArticleSummary>,
    ),
    AppError,
> {
    let req = dateline_core::page::PageRequest::parse(
        q.page.as_deref(),
        None,
        sections::PER_PAGE,
        sections::PER_PAGE,
    )?;
    let paged = state.store.latest(filter, req).await?;
    if paged.items.is_empty() && req.page > 1 {
        return Err(AppError::BadRequest(format!(
            "There is no page {} of {what}: it has {} page(s).",
            req.page,
            paged.pages()
        )));
    }
    Ok((req, paged))
}

/// A themed page, marked for the page cache with what it shows (see [`Shows`]).
pub fn page<S: Serialize>(
    state: &AppState,
    template: &str,
    ctx: S,
    shows: Shows,
) -> Result<Response, AppError> {
    let body = state.theme.render(template, ctx)?;
    let mut res = Html(body).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PAGE_CACHE_CONTROL),
    );
    res.extensions_mut().insert(Cacheable);
    res.extensions_mut().insert(shows);
    Ok(res)
}

/// `301 Moved Permanently` (axum's `Redirect::permanent` is 308; old URLs and short links use
/// the status every crawler and client has always understood).
pub fn moved_permanently(to: &str) -> Response {
    let mut res = axum::http::StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// Old URLs of an imported site (issue 16: `/2019/03/12/slug/`, `/?p=12`, `/category/news/`,
/// `/tag/x/feed/`…): a request nothing here answers (a 404, or the missing-slash 301 of a path
/// without one) is looked up in the store's old-URL map and answered with one 301 to where that
/// story, section, tag, person or feed lives today. `/` with a WordPress query is looked up
/// first, since the front page would answer it. Only GET and HEAD; a page that exists never
/// pays for a lookup.
pub async fn follow_old_urls(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{Method, StatusCode};
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let early = path == "/" && query.is_some();
    if early && let Some(moved) = old_url(&state, &path, query.as_deref()).await {
        return moved;
    }
    let res = next.run(req).await;
    let missed = res.status() == StatusCode::NOT_FOUND
        || (res.status() == StatusCode::MOVED_PERMANENTLY && !path.ends_with('/'));
    if early || !missed {
        return res;
    }
    old_url(&state, &path, query.as_deref())
        .await
        .unwrap_or(res)
}

async fn old_url(state: &AppState, path: &str, query: Option<&str>) -> Option<Response> {
    let key = dateline_core::old_url::key(path, query)?;
    let (kind, id) = match state.store.old_url(&key).await {
        Ok(found) => found?,
        Err(e) => {
            tracing::warn!(error = %e, "old URL lookup failed");
            return None;
        }
    };
    let to = state.store.old_url_target(&kind, id).await.ok().flatten()?;
    Some(moved_permanently(&to))
}

/// Unknown paths: a missing trailing slash is added (every page URL ends in `/`), anything else
/// is the 404 page.
pub async fn not_found(req: Request) -> Result<Response, AppError> {
    let path = req.uri().path();
    let last = path.rsplit('/').next().unwrap_or("");
    if !path.ends_with('/') && !last.contains('.') && !path.starts_with("/api/") {
        let target = match req.uri().query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        // Only redirect to a local path: `//evil.example` must not become an open redirect.
        if !target.starts_with("//") {
            return Ok(moved_permanently(&target));
        }
    }
    Err(AppError::NotFound)
}
