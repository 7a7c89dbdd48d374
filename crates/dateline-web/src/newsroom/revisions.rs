//! A story's revisions: `GET /newsroom/stories/{id}/revisions` lists every kept save and shows
//! the line diff (the `similar` crate) between any two (`?from=&to=`, newest two by default);
//! `POST /newsroom/stories/{id}/revisions/{rev}/restore` saves that revision's words again as a
//! new revision (bylines, tags and photos stay as they are now). Listing needs `EditStory` on
//! the story; restoring needs `RestoreRevision`. Never shown to readers.

use super::auth::{CurrentUser, see_other};
use super::render;
use super::stories::{DiffLine, diff_lines, ownership, words};
use crate::AppError;
use crate::body::prepare;
use crate::state::AppState;
use crate::views::TimeView;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::permissions::Action;
use dateline_core::slug::Slug;
use dateline_store::{Revision, StoreError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/{id}/revisions", get(list_revisions))
        .route(
            "/newsroom/stories/{id}/revisions/{rev}/restore",
            post(restore_revision),
        )
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Debug, Serialize)]
struct RevisionsPage {
    story_id: i64,
    headline: String,
    revisions: Vec<RevisionView>,
    from: Option<i64>,
    to: Option<i64>,
    diff: Vec<DiffLine>,
    may_restore: bool,
}

#[derive(Debug, Serialize)]
struct RevisionView {
    id: i64,
    version: i64,
    headline: String,
    by: String,
    when: TimeView,
}

/// The revision asked for, or the `default`-th newest.
fn pick(
    revisions: &[Revision],
    story: i64,
    want: Option<i64>,
    default: usize,
) -> Result<Option<&Revision>, AppError> {
    match want {
        Some(w) => revisions
            .iter()
            .find(|r| r.id == w)
            .map(Some)
            .ok_or_else(|| {
                AppError::BadRequest(format!("Story {story} has no revision {w} to compare."))
            }),
        None => Ok(revisions.get(default)),
    }
}

fn text_of(r: &Revision) -> String {
    words(
        &r.headline,
        &r.standfirst,
        &r.body_source,
        &r.seo_title,
        &r.seo_description,
    )
}

async fn list_revisions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, AppError> {
    user.require(Action::ViewNewsroom)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    user.require_on(Action::EditStory, own)?;
    let site = state.site().await?;
    let revisions = state.store.revisions(a.id).await?;
    let to = pick(&revisions, id, q.to, 0)?;
    let from = pick(&revisions, id, q.from, 1)?;
    let diff = match (from, to) {
        (Some(f), Some(t)) => diff_lines(&text_of(f), &text_of(t)),
        (None, Some(t)) => diff_lines("", &text_of(t)),
        _ => Vec::new(),
    };
    let page = RevisionsPage {
        story_id: a.id.0,
        headline: a.headline.clone(),
        from: from.map(|r| r.id),
        to: to.map(|r| r.id),
        diff,
        may_restore: user.require_on(Action::RestoreRevision, own).is_ok(),
        revisions: revisions
            .iter()
            .map(|r| RevisionView {
                id: r.id,
                version: r.version,
                headline: r.headline.clone(),
                by: if r.saved_by_name.is_empty() {
                    "a tool".to_owned()
                } else {
                    r.saved_by_name.clone()
                },
                when: TimeView::new(r.saved_at, &site),
            })
            .collect(),
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/revisions.html",
        &format!("Revisions: {}", a.headline),
        "new",
        Some(&user),
        page,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct RestoreForm {
    #[serde(default)]
    csrf: String,
}

async fn restore_revision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rev)): Path<(i64, i64)>,
    Form(f): Form<RestoreForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    let (a, mut input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    user.require_on(Action::RestoreRevision, own)?;
    let r = state.store.revision(a.id, rev).await?;
    let body = r.body_source.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(&body))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::BadRequest(format!("That revision's body cannot be read: {e}")))?;
    input.slug = Slug::parse(&r.slug).unwrap_or(input.slug);
    input.headline = r.headline;
    input.standfirst = r.standfirst;
    input.body_source = r.body_source;
    input.body_html = prepared.html;
    input.body_text = prepared.text;
    input.links = prepared.links;
    input.media = prepared.media;
    input.seo_title = r.seo_title;
    input.seo_description = r.seo_description;
    match state
        .store
        .update_article_by(
            a.id,
            a.version,
            input,
            state.clock.now(),
            a.status == Status::Published,
            Some(user.account.id),
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!("/newsroom/stories/{id}?saved=revision"))),
        Err(StoreError::Taken(_)) => Err(AppError::Conflict(
            "That revision's slug now belongs to another story: edit the story instead.".to_owned(),
        )),
        Err(StoreError::StaleVersion) => Err(AppError::Conflict(
            "The story was saved by someone else a moment ago: look at the revisions again."
                .to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}
