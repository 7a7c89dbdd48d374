//! Who else has this story open (issue 17): `POST /newsroom/stories/{id}/presence`. The
//! editor's script posts here every 20 s while the page is visible ("I am here") and answers
//! the banner with the others seen on the story within the last minute; with `leave` set (the
//! page is going away) it forgets the caller instead. The editor page itself records the
//! visit and lists the others when it is shown ([`others_here`]), so the banner works without
//! script, only without updating.
//!
//! Presence is kept in the store (`store/src/presence.rs`), not in this node's memory: several
//! nodes serve one newsroom. The answer is JSON for the script: `{others: [{name, since,
//! since_iso}]}`. Anyone who may edit the story may ping it (the same check as the editor
//! page); the form token is required like every newsroom POST. It never lists the caller, and
//! it never changes the story.

use super::load_story;
use crate::AppError;
use crate::input::{Form, PathId};
use crate::newsroom::auth::CurrentUser;
use crate::state::{AppState, SiteContext};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use dateline_core::{ArticleId, dateline};
use dateline_store::Present;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/stories/{id}/presence", post(ping_presence))
}

/// Another person with the story open, as the banner shows them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OtherView {
    pub name: String,
    /// `12:03` in the site's time zone.
    pub since: String,
    /// ISO 8601 with offset, for `<time datetime>`.
    pub since_iso: String,
}

#[derive(Debug, Serialize)]
struct Others {
    others: Vec<OtherView>,
}

#[derive(Debug, Deserialize)]
struct Ping {
    #[serde(default)]
    csrf: String,
    /// Any non-empty value: the page is going away.
    #[serde(default)]
    leave: String,
}

fn views(present: Vec<Present>, site: &SiteContext) -> Vec<OtherView> {
    present
        .into_iter()
        .map(|p| OtherView {
            name: p.name,
            since: p
                .since
                .to_zoned(site.tz.clone())
                .strftime("%H:%M")
                .to_string(),
            since_iso: dateline::iso(p.since, &site.tz),
        })
        .collect()
}

/// Record that `user` has story `id` open now, and answer the others who do: for the editor
/// page as it is shown.
pub(crate) async fn others_here(
    state: &AppState,
    user: &CurrentUser,
    id: ArticleId,
) -> Result<Vec<OtherView>, AppError> {
    let site = state.site().await?;
    let present = state
        .store
        .touch_presence(user.account.id, id, state.clock.now())
        .await?;
    Ok(views(present, &site))
}

async fn ping_presence(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(ping): Form<Ping>,
) -> Result<Response, AppError> {
    user.check_form(&ping.csrf)?;
    let (a, _, _) = load_story(&state, &user, id).await?;
    if !ping.leave.is_empty() {
        state.store.leave_presence(user.account.id, a.id).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let others = others_here(&state, &user, a.id).await?;
    Ok(Json(Others { others }).into_response())
}
