//! `/newsroom/settings/discussion` (admins, `Action::ManageSettings`): the discussion's part of
//! the site settings: the default discussion mode of new stories, the moderation rules (the
//! same form and handler as the moderation page's, `moderation::save_rules`) and the OpenID
//! Connect providers readers comment through (list, add, remove; what the CLI's
//! `dateline provider` does).
//!
//! A provider's client secret is write-only: it is taken by the add form and never shown,
//! logged or sent back in any answer (a changed secret is a remove and an add). Every form
//! carries the session's form token. Nothing here is announced as a content change except
//! through the store's own rules: the story pages stay cached.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::article::DiscussionMode;
use dateline_core::permissions::Action;
use dateline_core::provider::{check_issuer, check_label};
use dateline_core::secret::Secret;
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/settings/discussion", get(show))
        .route("/newsroom/settings/discussion/mode", post(save_mode))
        .route("/newsroom/settings/providers", post(add_provider))
        .route("/newsroom/settings/providers/remove", post(remove_provider))
}

#[derive(Debug, Serialize)]
struct ModeChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct ProviderView {
    label: String,
    issuer: String,
    client_id: String,
    /// Where the provider must send readers back.
    redirect_uri: String,
}

#[derive(Debug, Serialize)]
struct Page {
    default_mode: &'static str,
    modes: Vec<ModeChoice>,
    rules: super::moderation::RulesView,
    providers: Vec<ProviderView>,
    /// What was just saved, for the notice.
    saved: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    let site = state.site().await?;
    let rules = state.store.discussion_rules().await?;
    let base = site.settings.base_url.trim_end_matches('/').to_owned();
    let providers = state
        .store
        .providers()
        .await?
        .into_iter()
        .map(|p| ProviderView {
            redirect_uri: format!(
                "{base}/readers/oidc/{}/callback",
                super::auth::encode_component(&p.label)
            ),
            label: p.label,
            issuer: p.issuer,
            client_id: p.client_id,
        })
        .collect();
    let saved = match q.saved.as_deref() {
        Some("mode") => Some("The default discussion mode is saved: new stories start with it."),
        Some("rules") => Some("The rules are saved: new comments meet them now."),
        Some("added") => Some("The provider is added: readers see its button now."),
        Some("removed") => Some("The provider is removed."),
        _ => None,
    };
    let view = Page {
        default_mode: rules.default_mode.as_str(),
        modes: vec![
            ModeChoice {
                value: "open",
                label: "Open",
            },
            ModeChoice {
                value: "pre_moderated",
                label: "Pre-moderated (every comment waits for a moderator)",
            },
            ModeChoice {
                value: "closed",
                label: "Closed",
            },
        ],
        rules: super::moderation::RulesView::of(&rules),
        providers,
        saved: saved.map(str::to_owned),
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/discussion_settings.html",
        "Discussion settings",
        "settings",
        Some(&user),
        view,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ModeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    default_mode: String,
}

async fn save_mode(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ModeForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    user.check_form(&f.csrf)?;
    let mode = DiscussionMode::from_str(f.default_mode.trim())
        .map_err(|_| AppError::BadRequest("Choose open, pre-moderated or closed.".to_owned()))?;
    let mut rules = state.store.discussion_rules().await?;
    rules.default_mode = mode;
    state.store.save_discussion_rules(&rules).await?;
    state
        .store
        .log_moderation(
            user.account.id,
            "default_mode",
            None,
            &format!("new stories: {}", mode.as_str()),
            state.clock.now(),
        )
        .await?;
    Ok(see_other("/newsroom/settings/discussion?saved=mode"))
}

#[derive(Debug, Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: Secret<String>,
}

async fn add_provider(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ProviderForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    user.check_form(&f.csrf)?;
    let bad = |e: String| AppError::BadRequest(format!("The provider was not added: {e}."));
    let label = check_label(&f.label).map_err(|e| bad(e.to_string()))?;
    let issuer = check_issuer(&f.issuer).map_err(|e| bad(e.to_string()))?;
    let client_id = f.client_id.trim().to_owned();
    if client_id.is_empty() {
        return Err(bad("give the client id the provider issued".to_owned()));
    }
    let secret = Secret::new(f.client_secret.expose().trim().to_owned());
    if secret.expose().is_empty() {
        return Err(bad("give the client secret the provider issued".to_owned()));
    }
    match state
        .store
        .add_provider(&label, &issuer, &client_id, &secret, state.clock.now())
        .await
    {
        Ok(p) => {
            tracing::info!(label = %p.label, issuer = %p.issuer, "OpenID Connect provider added");
            // Every discussion shows the providers' buttons.
            state.discussion_changed(None).await;
        }
        Err(StoreError::Taken(_)) => {
            return Err(bad(format!(
                "a provider is already labelled {label:?}; remove it first to change it"
            )));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/newsroom/settings/discussion?saved=added"))
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

async fn remove_provider(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    user.check_form(&f.csrf)?;
    match state.store.remove_provider(f.label.trim()).await {
        Ok(()) => {
            tracing::info!(label = %f.label.trim(), "OpenID Connect provider removed");
            state.discussion_changed(None).await;
        }
        Err(StoreError::NotFound) => {
            return Err(AppError::BadRequest(format!(
                "There is no provider labelled {:?}.",
                f.label.trim()
            )));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/newsroom/settings/discussion?saved=removed"))
}
