//! `/newsroom/settings` (admins): the per-site settings readers see: site name and tagline,
//! logo (a media-library photo), time zone, language, community standards text, live stream. A bad value (an unknown time
//! zone, a stream address that is not http(s)) is refused with the form kept and nothing saved.
//! Saving moves the content generation (the store announces it), so every cached page, and its
//! Content-Security-Policy, is made afresh.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use dateline_core::MediaId;
use dateline_core::permissions::Action;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/settings", get(show_settings).post(save_settings))
}

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct SettingsForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tagline: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    community_standards: String,
    #[serde(default)]
    live_stream_url: String,
    #[serde(default)]
    live_stream_name: String,
    /// A library photo id, or empty for no logo.
    #[serde(default)]
    logo: String,
}

#[derive(Debug, Serialize)]
struct SettingsPage {
    form: SettingsForm,
    /// Library photos to choose the logo from: (id, label).
    photos: Vec<(String, String)>,
    errors: Vec<String>,
    notice: bool,
    /// The scheduled backups; None when the node has none configured.
    backups: Option<BackupView>,
}

/// The scheduled backups as the page shows them (times in the site's zone).
#[derive(Debug, Serialize)]
struct BackupView {
    every: String,
    keep: u32,
    dir: String,
    last_success: Option<String>,
    last_file: Option<String>,
    last_size: Option<String>,
    next_run: Option<String>,
    last_failure: Option<String>,
    last_error: Option<String>,
}

async fn backup_view(state: &AppState) -> Result<Option<BackupView>, AppError> {
    let Some(b) = &state.backups else {
        return Ok(None);
    };
    let r = b.report().await.map_err(AppError::Internal)?;
    let tz = state.site().await.map_err(AppError::Internal)?.tz.clone();
    let when = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%H:%M %Z, %-d %B %Y")
            .to_string()
    };
    let secs = r.plan.every.as_secs();
    let every = if secs.is_multiple_of(86_400) {
        format!("{} days", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{} hours", secs / 3600)
    } else {
        format!("{} minutes", secs / 60)
    };
    let size = |b: u64| {
        let f = b as f64;
        if f >= 1e9 {
            format!("{:.1} GB", f / 1e9)
        } else if f >= 1e6 {
            format!("{:.1} MB", f / 1e6)
        } else {
            format!("{:.1} kB", f / 1e3)
        }
    };
    Ok(Some(BackupView {
        every,
        keep: r.plan.keep,
        dir: r.plan.dir.display().to_string(),
        last_success: r.status.last_success_at.map(when),
        last_file: r.status.last_file,
        last_size: r.status.last_size.map(size),
        next_run: r.next_run.map(when),
        // A failure older than the last success is history, not news.
        last_failure: r
            .status
            .last_failure_at
            .filter(|f| r.status.last_success_at.is_none_or(|s| *f > s))
            .map(when),
        last_error: r.status.last_error,
    }))
}

#[derive(Debug, Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn show_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    let s = state.store.site_settings().await?;
    let form = SettingsForm {
        csrf: String::new(),
        name: s.name,
        tagline: s.tagline,
        time_zone: s.time_zone,
        language: s.language,
        community_standards: s.community_standards,
        live_stream_url: s.live_stream_url,
        live_stream_name: s.live_stream_name,
        logo: s.logo_media_id.map(|m| m.0.to_string()).unwrap_or_default(),
    };
    page(
        &state,
        &user,
        StatusCode::OK,
        form,
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: SettingsForm,
    errors: Vec<String>,
    notice: bool,
) -> Result<Response, AppError> {
    let photos = state
        .store
        .media_library(None, 0, 100)
        .await?
        .into_iter()
        .map(|m| (m.id.0.to_string(), super::media::photo_label(&m)))
        .collect();
    render(
        state,
        status,
        "newsroom/settings.html",
        "Site settings",
        "settings",
        Some(user),
        SettingsPage {
            form,
            photos,
            errors,
            notice,
            backups: backup_view(state).await?,
        },
    )
    .await
}

/// What is wrong with a settings form.
fn problems(f: &SettingsForm) -> Vec<String> {
    let mut out = Vec::new();
    if f.name.trim().is_empty() || f.name.chars().count() > 200 {
        out.push("Give the site a name (up to 200 characters).".to_owned());
    }
    if dateline_core::dateline::time_zone(f.time_zone.trim()).is_err() {
        out.push(format!(
            "{:?} is not a time zone: use a name like Europe/London.",
            f.time_zone
        ));
    }
    let lang = f.language.trim();
    if lang.is_empty()
        || lang.len() > 35
        || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        out.push("Give the language as a tag like en-GB.".to_owned());
    }
    let url = f.live_stream_url.trim();
    let site_path = url.starts_with('/') && !url.starts_with("//");
    if !(url.is_empty() || site_path || url.starts_with("https://") || url.starts_with("http://")) {
        out.push(
            "The live stream address must be a path on this site (/live/radio.mp3) or start \
             with https:// or http://."
                .to_owned(),
        );
    }
    if f.community_standards.len() > 200_000 {
        out.push("The community standards are too long.".to_owned());
    }
    out
}

async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SettingsForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    user.check_form(&f.csrf)?;
    let errors = problems(&f);
    if !errors.is_empty() {
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            f,
            errors,
            false,
        )
        .await;
    }
    let logo = match f.logo.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) if state.store.media(MediaId(id)).await.is_ok() => Some(MediaId(id)),
            _ => {
                let errors = vec!["The logo is not a photo in the media library.".to_owned()];
                return page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    f,
                    errors,
                    false,
                )
                .await;
            }
        },
    };
    let mut s = state.store.site_settings().await?;
    s.logo_media_id = logo;
    s.name = f.name.trim().to_owned();
    s.tagline = f.tagline.trim().to_owned();
    s.time_zone = f.time_zone.trim().to_owned();
    s.language = f.language.trim().to_owned();
    s.community_standards = f.community_standards.replace("\r\n", "\n");
    s.live_stream_url = f.live_stream_url.trim().to_owned();
    s.live_stream_name = f.live_stream_name.trim().to_owned();
    state.store.save_site_settings(&s).await?;
    Ok(see_other("/newsroom/settings?saved=1"))
}
