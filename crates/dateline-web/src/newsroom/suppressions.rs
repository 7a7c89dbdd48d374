//! `/newsroom/newsletters/suppressions`: the addresses no newsletter mails (a hard bounce, a
//! complaint, too many soft bounces, an operator's choice), why, when and from which source,
//! searchable by address (`ManageNewsletters`). Releasing one (`ReleaseSuppressions`: admins)
//! goes through a page of its own that says what releasing means and asks for a ticked
//! confirmation; the POST carries the session's form token, and the guard refuses other
//! origins, as everywhere in the newsroom. Releasing forgets the soft bounces too; it
//! subscribes the address to nothing.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::{AppState, SiteContext};
use crate::views::TimeView;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::permissions::Action;
use dateline_store::{StoreError, Suppression};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route("/newsroom/newsletters/suppressions", get(show_suppressions))
        .route(
            "/newsroom/newsletters/suppressions/release",
            get(show_release).post(release_suppression),
        )
}

/// Most rows one page lists: a search narrows the rest.
const PAGE: u32 = 200;
/// The longest search taken.
const MAX_SEARCH: usize = 254;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct RowView {
    email: String,
    reason: &'static str,
    source: &'static str,
    detail: String,
    created: TimeView,
}

#[derive(Debug, Serialize)]
struct ListPage {
    q: String,
    rows: Vec<RowView>,
    /// More matched than the page lists.
    more: bool,
    may_release: bool,
    notice: Option<String>,
}

#[derive(Debug, Serialize)]
struct ReleasePage {
    row: RowView,
    error: Option<String>,
}

/// The reason in words a person reads.
fn reason_words(reason: &str) -> &'static str {
    match reason {
        "hard-bounce" => "Bounced (the address does not exist or refuses mail)",
        "complaint" => "Complaint (the reader marked a newsletter as spam)",
        "soft-bounces" => "Bounced again and again (a full mailbox, a server away)",
        _ => "Suppressed by an operator",
    }
}

fn source_words(source: &str) -> &'static str {
    match source {
        "dsn" => "Delivery report",
        "arf" => "Complaint report",
        "ses" => "Amazon SES",
        "webhook" => "Mail events webhook",
        "newsroom" => "Newsroom",
        _ => "Unknown",
    }
}

fn row(s: Suppression, site: &SiteContext) -> RowView {
    RowView {
        reason: reason_words(&s.reason),
        source: source_words(&s.source),
        detail: s.detail,
        created: TimeView::new(s.created_at, site),
        email: s.email,
    }
}

async fn show_suppressions(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    let search: String = q.q.trim().chars().take(MAX_SEARCH).collect();
    let site = state.site().await?;
    let mut found = state.store.suppressions(&search, PAGE + 1).await?;
    let more = found.len() > PAGE as usize;
    found.truncate(PAGE as usize);
    let notice = match q.done.as_deref() {
        Some("released") => {
            Some("The address was released: the next issue is sent to it again.".to_owned())
        }
        _ => None,
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/suppressions.html",
        "Suppressed addresses",
        "newsletters",
        Some(&user),
        ListPage {
            q: search,
            rows: found.into_iter().map(|s| row(s, &site)).collect(),
            more,
            may_release: user.may(Action::ReleaseSuppressions),
            notice,
        },
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct ReleaseQuery {
    #[serde(default)]
    email: String,
}

async fn release_page(
    state: &AppState,
    user: &CurrentUser,
    email: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let s = state
        .store
        .suppression(&email.trim().to_lowercase())
        .await?;
    let site = state.site().await?;
    render(
        state,
        status,
        "newsroom/suppression_release.html",
        "Release a suppressed address",
        "newsletters",
        Some(user),
        ReleasePage {
            row: row(s, &site),
            error,
        },
    )
    .await
}

async fn show_release(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReleaseQuery>,
) -> Result<Response, AppError> {
    user.require(Action::ReleaseSuppressions)?;
    release_page(&state, &user, &q.email, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    confirm: Option<String>,
}

async fn release_suppression(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ReleaseForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ReleaseSuppressions)?;
    let email = f.email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::BadRequest(
            "email: name the suppressed address to release.".to_owned(),
        ));
    }
    if f.confirm.as_deref() != Some("1") {
        return release_page(
            &state,
            &user,
            &email,
            StatusCode::BAD_REQUEST,
            Some("Tick the box to confirm that this address may be mailed again.".to_owned()),
        )
        .await;
    }
    match state.store.release_suppression(&email).await {
        Ok(()) => {
            tracing::info!(
                person_id = user.account.id.0,
                "a suppressed address was released"
            );
            Ok(see_other(
                "/newsroom/newsletters/suppressions?done=released",
            ))
        }
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
