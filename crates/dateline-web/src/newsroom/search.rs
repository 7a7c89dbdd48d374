//! `/newsroom/search`: editors find any story, whatever its status, by its headline,
//! standfirst or body text.
//!
//! Published stories come from the full-text index the reading site uses (ranked, with typo
//! tolerance and stemming). Stories that are not published (drafts, in review, scheduled,
//! withdrawn) are never in that index, so they are found by the store's plain-text scan of
//! their rows (`Store::desk_search`): they are a small share of any archive, and a newsroom
//! search must not put unpublished text in the index readers search.
//!
//! Who sees what follows the dashboard: people who may edit others' stories find every story;
//! others find published stories and their own unpublished ones.

use super::auth::CurrentUser;
use super::dashboard::{ItemView, item};
use super::render;
use crate::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::permissions::{Action, Ownership};
use dateline_search::{MAX_QUERY_CHARS, Part, Request, Sort};
use dateline_store::DeskSearch;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/search", get(show_search))
}

/// Results per kind (published, not published) at most.
const LIMIT: usize = 50;

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    /// A status name, or empty for any.
    status: Option<String>,
}

#[derive(Debug, Serialize)]
struct SearchView {
    q: String,
    status: String,
    statuses: Vec<StatusOption>,
    searched: bool,
    results: Vec<ResultView>,
    /// Whether a list was cut at [`LIMIT`].
    more: bool,
    limit: usize,
}

#[derive(Debug, Serialize)]
struct StatusOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct ResultView {
    status: &'static str,
    status_label: &'static str,
    #[serde(flatten)]
    item: ItemView,
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Draft => "Draft",
        Status::InReview => "In review",
        Status::Scheduled => "Scheduled",
        Status::Published => "Published",
        Status::Withdrawn => "Withdrawn",
    }
}

async fn show_search(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    user.require(Action::ViewNewsroom)?;
    let q = query.q.as_deref().unwrap_or("").trim().to_owned();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(format!(
            "That search is too long: at most {MAX_QUERY_CHARS} characters."
        )));
    }
    let status = match query.status.as_deref().unwrap_or("").trim() {
        "" => None,
        s => Some(s.parse::<Status>().map_err(|_| {
            AppError::BadRequest(format!(
                "There is no story status {s:?}: choose one from the list."
            ))
        })?),
    };
    let site = state.site().await?;
    let words: Vec<String> = dateline_search::query::parse(&q)
        .parts
        .into_iter()
        .map(|p| match p {
            Part::Word(w) => w,
            Part::Phrase(ws) => ws.join(" "),
        })
        .collect();
    let everyone = user
        .require_on(Action::EditStory, Ownership::Others)
        .is_ok();
    let mut results = Vec::new();
    let mut more = false;
    if !words.is_empty() {
        if status.is_none_or(|s| s == Status::Published) {
            let found = state
                .search
                .query(Request {
                    text: q.clone(),
                    sort: Sort::Relevance,
                    limit: LIMIT,
                    ..Request::default()
                })
                .await?;
            more |= found.total > LIMIT;
            let ids: Vec<ArticleId> = found.hits.iter().map(|h| h.id).collect();
            results.extend(state.store.desk_items_by_id(&ids).await?);
        }
        if status != Some(Status::Published) {
            let found = state
                .store
                .desk_search(&DeskSearch {
                    words,
                    status,
                    author: (!everyone).then_some(user.account.id),
                    limit: u32::try_from(LIMIT + 1).unwrap_or(u32::MAX),
                })
                .await?;
            more |= found.len() > LIMIT;
            results.extend(found.into_iter().take(LIMIT));
        }
    }
    let view = SearchView {
        searched: !q.is_empty(),
        q,
        status: status.map_or("", Status::as_str).to_owned(),
        statuses: Status::ALL
            .into_iter()
            .map(|s| StatusOption {
                value: s.as_str(),
                label: label(s),
            })
            .collect(),
        results: results
            .iter()
            .map(|i| {
                let mine = i.authors.iter().any(|p| p.id == user.account.id);
                ResultView {
                    status: i.status.as_str(),
                    status_label: label(i.status),
                    item: item(i, &site, everyone || mine),
                }
            })
            .collect(),
        more,
        limit: LIMIT,
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/search.html",
        "Search stories",
        "search",
        Some(&user),
        view,
    )
    .await
}
