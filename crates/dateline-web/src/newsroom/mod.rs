//! The newsroom: the editors' side at `/newsroom/`. A file per aggregate, each exporting
//! `routes()`: `sessions` (sign-in, sign-out), `password` (change one's own), `dashboard`,
//! `search` (every story, any status), `users` (admin), `tokens` (one's own API tokens),
//! `media` (the media library), `stories` (the article editor and workflow), `people` (the
//! byline picker's search), `revisions`,
//! `settings` (admin), `sections` (sections and tags), `front_page` (pins), `station`
//! (mounts' playlists). Every handler
//! takes a [`CurrentUser`] (no
//! session: 303 to the sign-in page) and asks `dateline_core::permissions` before doing
//! anything; every state-changing form
//! carries the session's form token.
//!
//! | route                              | needs                     |
//! | ---------------------------------- | ------------------------- |
//! | `GET/POST /newsroom/sign-in`       | nothing (form token cookie) |
//! | `POST /newsroom/sign-out`          | a session                 |
//! | `GET /newsroom/`                   | `ViewNewsroom`            |
//! | `GET /newsroom/search`             | `ViewNewsroom` (others' unpublished stories: `EditStory` on others') |
//! | `GET/POST /newsroom/password`      | `ViewNewsroom`            |
//! | `GET/POST /newsroom/users…`        | `ManagePeople`            |
//! | `GET/POST /newsroom/tokens…`       | `ManageOwnTokens`         |
//! | `GET/POST /newsroom/media`, `GET /newsroom/media/{id}` | `UploadMedia` |
//! | `POST /newsroom/media/{id}`        | `EditMedia`               |
//! | `POST /newsroom/media/{id}/delete` | `DeleteMedia`             |
//! | `GET /newsroom/stories/new`, `POST /newsroom/stories`, `POST /newsroom/preview`, `GET /newsroom/stories/search`, `GET /newsroom/people/search` | `CreateStory` |
//! | `GET/POST /newsroom/stories/{id}`, `GET …/revisions` | `EditStory` (own or others'); each workflow step through `core::workflow` |
//! | `POST /newsroom/stories/{id}/correction` | `CorrectStory`     |
//! | `POST /newsroom/stories/{id}/withdraw`, `…/restore` | `WithdrawStory`, `RestoreStory` |
//! | `POST /newsroom/stories/{id}/revisions/{rev}/restore` | `RestoreRevision` |
//! | `GET/POST /newsroom/settings`      | `ManageSettings`          |
//! | `GET/POST /newsroom/sections…`     | `ManageSections`          |
//! | `POST /newsroom/tags…`             | `ManageTags`              |
//! | `GET/POST /newsroom/front-page`    | `ManageFrontPage`         |
//! | `GET/POST /newsroom/comments…`     | `ModerateComments`        |
//! | `POST /newsroom/readers/{id}/ban`  | `BanReaders`              |
//! | `GET/POST /newsroom/newsletters…`  | `ManageNewsletters`       |
//! | `GET/POST /newsroom/station…`      | `RunStation`              |
//! | `GET/POST /newsroom/newsletters/suppressions/release` | `ReleaseSuppressions` |
//! | `GET/POST /newsroom/pages…`        | `ManagePages`             |
//!
//! Nothing here is ever page-cached: these routes sit outside the cache layer, and [`guard`]
//! marks every answer `no-store` and refuses state-changing requests sent from another site.

pub(crate) mod auth;
pub mod credentials;
mod dashboard;
mod discussion_settings;
mod front_page;
pub(crate) mod media;
mod moderation;
mod newsletters;
pub(crate) mod pages;
mod password;
mod people;
mod revisions;
mod search;
mod sections;
mod sessions;
mod settings;
mod station;
mod station_schedule;
pub(crate) mod stories;
mod suppressions;
mod tokens;
mod users;

/// How often the story editor's script says "I am here" and redraws "Also open" by default
/// (`stories/presence.rs`; `--presence-ping` changes it, the browser tests to a second).
pub const PRESENCE_PING: std::time::Duration = std::time::Duration::from_secs(20);

pub use auth::{ClientIp, CurrentUser, PeerAddr, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE};

use crate::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(sessions::routes())
        .merge(password::routes())
        .merge(dashboard::routes())
        .merge(search::routes())
        .merge(users::routes())
        .merge(tokens::routes())
        .merge(media::routes(state))
        .merge(stories::routes())
        .merge(people::routes())
        .merge(revisions::routes())
        .merge(settings::routes())
        .merge(discussion_settings::routes())
        .merge(sections::routes())
        .merge(front_page::routes())
        .merge(newsletters::routes())
        .merge(pages::routes())
        .merge(station::routes())
        .merge(station_schedule::routes())
        .merge(suppressions::routes())
        .merge(moderation::routes())
        .layer(from_fn_with_state(state.clone(), guard))
}

/// Middleware on every newsroom route: refuse a state-changing request another site sent (the
/// second layer behind the form tokens), and keep every answer out of every cache.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let base_url = match state.site().await {
            Ok(site) => site.settings.base_url.clone(),
            Err(e) => return AppError::Internal(e).into_response(),
        };
        if !same_origin(&req, &base_url) {
            return AppError::Forbidden(
                "This form was sent from another site, so it was refused.".to_owned(),
            )
            .into_response();
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

/// Whether a request came from this site: `Sec-Fetch-Site` (when the browser sends it) is
/// `same-origin` or `none`, and `Origin` (when sent) is the site's public origin (its base URL,
/// which is what a browser sees behind a proxy) or the `Host` the request was sent to.
fn same_origin(req: &Request, base_url: &str) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if !origin.is_empty() && origin.eq_ignore_ascii_case(base_url.trim_end_matches('/')) {
        return true;
    }
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match (origin.split_once("://"), host) {
        (Some((scheme, rest)), Some(host)) => {
            matches!(scheme, "http" | "https") && rest.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// What the newsroom layout needs besides the page's own fields.
#[derive(Debug, Serialize)]
struct Frame<T: Serialize> {
    site_name: String,
    language: String,
    title: String,
    /// `dashboard`, `users`, `password`: the current navigation item.
    nav: &'static str,
    user: Option<UserView>,
    /// This session's form token (empty before sign-in).
    csrf: String,
    #[serde(flatten)]
    page: T,
}

#[derive(Debug, Serialize)]
struct UserView {
    name: String,
    email: String,
    role: String,
    manages_people: bool,
    own_tokens: bool,
    uploads_media: bool,
    creates_stories: bool,
    manages_settings: bool,
    manages_sections: bool,
    manages_front_page: bool,
    manages_pages: bool,
    manages_newsletters: bool,
    runs_station: bool,
    moderates: bool,
}

/// Render a newsroom page (never cacheable: [`guard`] marks it).
pub(crate) async fn render<T: Serialize>(
    state: &AppState,
    status: StatusCode,
    template: &str,
    title: &str,
    nav: &'static str,
    user: Option<&CurrentUser>,
    page: T,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let frame = Frame {
        site_name: site.settings.name.clone(),
        language: site.settings.language.clone(),
        title: format!("{title} | Newsroom | {}", site.settings.name),
        nav,
        user: user.map(|u| UserView {
            name: u.account.name.clone(),
            email: u.account.email.to_string(),
            role: u.account.role.to_string(),
            manages_people: u.may(dateline_core::permissions::Action::ManagePeople),
            own_tokens: u.may(dateline_core::permissions::Action::ManageOwnTokens),
            uploads_media: u.may(dateline_core::permissions::Action::UploadMedia),
            creates_stories: u.may(dateline_core::permissions::Action::CreateStory),
            manages_settings: u.may(dateline_core::permissions::Action::ManageSettings),
            manages_sections: u.may(dateline_core::permissions::Action::ManageSections),
            manages_front_page: u.may(dateline_core::permissions::Action::ManageFrontPage),
            manages_pages: u.may(dateline_core::permissions::Action::ManagePages),
            manages_newsletters: u.may(dateline_core::permissions::Action::ManageNewsletters),
            runs_station: u.may(dateline_core::permissions::Action::RunStation),
            moderates: u.may(dateline_core::permissions::Action::ModerateComments),
        }),
        csrf: user.map(|u| u.csrf.clone()).unwrap_or_default(),
        page,
    };
    let body = state.theme.render(template, frame)?;
    Ok((status, Html(body)).into_response())
}
