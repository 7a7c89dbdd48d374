//! Autosave: `POST /newsroom/stories/autosave` (a new story, kept as a draft once it has a
//! headline) and `POST /newsroom/stories/{id}/autosave` (a draft or a story in review). The
//! editor's script posts the whole form every few seconds while someone types, so a closed tab
//! or a lost connection loses at most those seconds; each save is an ordinary save, a kept
//! revision included.
//!
//! The answers are JSON for the script: `{id, version, saved_at, saved_iso, edit_url}`, or
//! `{error, message}` with 409 (saved elsewhere since: the store's version check; or a story
//! readers can see, which only the Update button changes) or 422 (the form breaks a rule; the
//! sentence says which). It must never overwrite a newer version, never change what readers see
//! and never change a story's status.

use super::{Checked, STORY_FORM_LIMIT, StoryForm, bylines_refused, check, load_story, refused};
use crate::AppError;
use crate::input::{Form, PathId, limit_body};
use crate::newsroom::auth::CurrentUser;
use crate::state::{AppState, SiteContext};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use dateline_core::article::{Article, Status};
use dateline_core::permissions::Action;
use dateline_core::workflow;
use dateline_store::StoreError;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/newsroom/stories/autosave",
            limit_body(post(autosave_new_story), STORY_FORM_LIMIT),
        )
        .route(
            "/newsroom/stories/{id}/autosave",
            limit_body(post(autosave_story), STORY_FORM_LIMIT),
        )
}

#[derive(Debug, Serialize)]
struct Saved {
    id: i64,
    version: i64,
    /// `12:03` in the site's time zone, for "Saved 12:03".
    saved_at: String,
    saved_iso: String,
    edit_url: String,
}

#[derive(Debug, Serialize)]
struct NotSaved {
    /// `stale`, `published` or `invalid`.
    error: &'static str,
    message: String,
}

fn not_saved(status: StatusCode, error: &'static str, message: String) -> Response {
    (status, Json(NotSaved { error, message })).into_response()
}

fn saved(a: &Article, site: &SiteContext) -> Response {
    let at = a
        .updated_at
        .unwrap_or(a.created_at)
        .to_zoned(site.tz.clone());
    Json(Saved {
        id: a.id.0,
        version: a.version,
        saved_at: at.strftime("%H:%M").to_string(),
        saved_iso: at.timestamp().to_string(),
        edit_url: format!("/newsroom/stories/{}", a.id),
    })
    .into_response()
}

/// The form's rule breaks, as one sentence list for the status line.
fn invalid(errors: &[String]) -> Response {
    not_saved(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        errors.join(" "),
    )
}

async fn checked_form(
    state: &AppState,
    site: &SiteContext,
    user: &CurrentUser,
    form: &StoryForm,
    before: &[dateline_core::PersonId],
) -> Result<Result<Checked, Response>, AppError> {
    let mut checked = match check(state, site, user, form).await {
        Ok(c) => c,
        Err(errors) => return Ok(Err(invalid(&errors))),
    };
    if let Some(m) = bylines_refused(user, "The byline", &checked.input.authors, before) {
        return Ok(Err(not_saved(StatusCode::FORBIDDEN, "invalid", m)));
    }
    // A tag name not yet in the list is kept out of an autosave: it may be half typed ("Harb"
    // on the way to "Harbour"), and a tag, once made, is public. Save draft makes it.
    checked.new_tags.clear();
    Ok(Ok(checked))
}

async fn autosave_new_story(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    let (form, csrf, _) = StoryForm::from_pairs(&pairs);
    user.check_form(&csrf)?;
    let site = state.site().await?;
    let checked = match checked_form(&state, &site, &user, &form, &[]).await? {
        Ok(c) => c,
        Err(res) => return Ok(res),
    };
    let now = state.clock.now();
    match state
        .store
        .create_article_by(checked.input, now, Some(user.account.id))
        .await
    {
        Ok(a) => Ok(saved(&a, &site)),
        Err(StoreError::Taken(field)) => Ok(invalid(&[format!(
            "Another story already has this {field}: change the slug."
        )])),
        Err(e) => Err(e.into()),
    }
}

async fn autosave_story(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (form, csrf, _) = StoryForm::from_pairs(&pairs);
    user.check_form(&csrf)?;
    let (a, before, own) = load_story(&state, &user, id).await?;
    workflow::may_edit(a.status, user.account.role, own).map_err(refused)?;
    // Readers see a published or scheduled story's words as saved: a half-typed sentence must
    // never reach them because someone paused.
    if !matches!(a.status, Status::Draft | Status::InReview) {
        return Ok(not_saved(
            StatusCode::CONFLICT,
            "published",
            "Autosave keeps drafts only: press Update to save this story.".to_owned(),
        ));
    }
    if form.version != a.version {
        return Ok(stale());
    }
    let site = state.site().await?;
    let mut checked = match checked_form(&state, &site, &user, &form, &before.authors).await? {
        Ok(c) => c,
        Err(res) => return Ok(res),
    };
    if !form.discussion_was.is_empty() && form.discussion == form.discussion_was {
        checked.input.discussion_mode = a.discussion_mode;
    }
    let now = state.clock.now();
    match state
        .store
        .update_article_by(
            a.id,
            form.version,
            checked.input,
            now,
            false,
            Some(user.account.id),
        )
        .await
    {
        Ok(s) => Ok(saved(&s, &site)),
        Err(StoreError::StaleVersion) => Ok(stale()),
        Err(StoreError::Taken(field)) => Ok(invalid(&[format!(
            "Another story already has this {field}: change the slug."
        )])),
        Err(StoreError::Invalid(m)) => Ok(invalid(&[m])),
        Err(e) => Err(e.into()),
    }
}

fn stale() -> Response {
    not_saved(
        StatusCode::CONFLICT,
        "stale",
        "Not saved: someone else saved this story after you opened it. Press Save draft to see \
         both versions; nothing of theirs is overwritten until you do."
            .to_owned(),
    )
}
