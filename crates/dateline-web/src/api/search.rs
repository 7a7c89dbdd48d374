//! `GET /api/v1/search`: the search page's results as JSON, with the same parameters and checks
//! (`q`, `section`, `author`, `from`, `to`, `sort`, `page`, plus `per_page`).
//!
//! Like the page, answers are never put in the page cache and say `Cache-Control: no-cache`:
//! the index follows the store a moment after the cache's generation moves (see
//! `site/search.rs`).

use super::articles::{ArticleJson, summary_json};
use super::json_body;
use crate::AppError;
use crate::search::{SearchParams, check};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::header::{self, HeaderValue};
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct SearchJson<'a> {
    query: String,
    sort: &'static str,
    results: Vec<ResultJson<'a>>,
    page: u32,
    per_page: u32,
    /// Exact up to `dateline_search::EXACT_COUNT_UP_TO`, else an estimate (see below).
    total: u64,
    total_is_estimate: bool,
    pages: u32,
}

#[derive(Serialize)]
struct ResultJson<'a> {
    #[serde(flatten)]
    article: ArticleJson<'a>,
    /// Relevance score (0 when sorted by date).
    score: f32,
    /// HTML: escaped text with the matched words in `<mark>`.
    snippet_html: &'a str,
}

pub async fn search_articles(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let checked = check(&state.store, &site, &params, 20, 100).await?;
    let found = state
        .search
        .find(&state.store, &site, checked.request.clone())
        .await?;
    let (results, summaries) = (found.results, found.stories);
    let base = site.settings.base_url.trim_end_matches('/').to_owned();
    let out = SearchJson {
        query: checked.text.clone(),
        sort: crate::site::sort_name(checked.sort),
        results: results
            .hits
            .iter()
            .filter_map(|h| {
                let s = summaries.iter().find(|s| s.id == h.id)?;
                Some(ResultJson {
                    article: summary_json(s, &base),
                    score: h.score,
                    snippet_html: &h.snippet,
                })
            })
            .collect(),
        page: checked.page.page,
        per_page: checked.page.per_page,
        total: results.total as u64,
        total_is_estimate: results.total_is_estimate,
        pages: (results.total as u64)
            .div_ceil(u64::from(checked.page.per_page))
            .min(u64::from(u32::MAX)) as u32,
    };
    // About 1.5 KB a result.
    let mut res = json_body(&out, 1024 + out.results.len() * 2048);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(res)
}
