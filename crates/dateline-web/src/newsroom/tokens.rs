//! `/newsroom/tokens`: one's own API tokens (`ManageOwnTokens`). Creating one shows it once, on
//! the answer to the form (never stored, never shown again: only its SHA-256 is kept);
//! revoking one stops it at once. Nobody sees or revokes anyone else's tokens here.

use super::auth::{CurrentUser, see_other};
use super::credentials::{new_token, token_hash};
use super::render;
use crate::AppError;
use crate::input::{Form, PathId};
use crate::state::AppState;
use crate::views::TimeView;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::permissions::Action;
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/tokens", get(show_tokens).post(create_token))
        .route("/newsroom/tokens/{id}/revoke", post(revoke_token))
}

/// Longest label, in characters (longer is refused, never cut).
const MAX_LABEL: usize = 100;

#[derive(Debug, Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct TokensView {
    tokens: Vec<TokenView>,
    /// A token just made: shown on this answer only.
    new_token: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Serialize)]
struct TokenView {
    id: i64,
    label: String,
    created: TimeView,
    last_used: Option<TimeView>,
    revoked: Option<TimeView>,
}

async fn show_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    user.require(Action::ManageOwnTokens)?;
    let notice =
        (q.done.as_deref() == Some("revoked")).then(|| "The token has been revoked.".to_owned());
    page(&state, &user, None, notice).await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    new_token: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let tokens = state
        .store
        .api_tokens_of(user.account.id)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            label: t.label,
            created: TimeView::new(t.created_at, &site),
            last_used: t.last_used_at.map(|at| TimeView::new(at, &site)),
            revoked: t.revoked_at.map(|at| TimeView::new(at, &site)),
        })
        .collect();
    render(
        state,
        StatusCode::OK,
        "newsroom/tokens.html",
        "API tokens",
        "tokens",
        Some(user),
        TokensView {
            tokens,
            new_token,
            notice,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ManageOwnTokens)?;
    let label = f.label.trim().to_owned();
    crate::input::check_length("label", &label, MAX_LABEL)?;
    let token = new_token()?;
    state
        .store
        .create_api_token(
            user.account.id,
            &token_hash(token.expose()),
            &label,
            state.clock.now(),
        )
        .await?;
    tracing::info!(person_id = %user.account.id, "API token created");
    // Shown on this answer only (no-store, like every newsroom page); a reload re-submits the
    // form and makes another token rather than showing this one again.
    page(&state, &user, Some(token.into_inner()), None).await
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ManageOwnTokens)?;
    match state
        .store
        .revoke_api_token(user.account.id, id, state.clock.now())
        .await
    {
        Ok(()) => {
            tracing::info!(person_id = %user.account.id, token_id = id, "API token revoked");
            Ok(see_other("/newsroom/tokens?done=revoked"))
        }
        // Someone else's, already revoked, or no such token: all look the same.
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
