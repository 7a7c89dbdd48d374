//! Who is asking: the session cookie (or, under `/api/`, an `Authorization: Bearer` API
//! token), the [`CurrentUser`] extractor that loads its session,
//! the per-session form token (CSRF) and the client's address for sign-in throttling.
//!
//! Sessions are looked up by the SHA-256 of the cookie's token; the store refuses expired
//! sessions and sessions of disabled accounts, so disabling someone takes effect on their very
//! next request. Never logs a cookie, a token or a form token.

use super::credentials::{same_token, token_hash};
use crate::AppError;
use crate::live::FrontDoor;
use crate::state::AppState;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use dateline_core::account::{Account, SESSION_LIFETIME};
use dateline_core::permissions::{Action, Ownership, allows};
use dateline_store::StoreError;
use jiff::SignedDuration;
use std::net::{IpAddr, SocketAddr};

/// The session cookie: a random 256-bit token; only its SHA-256 is stored.
pub const SESSION_COOKIE: &str = "dateline_session";
/// The sign-in form's token before there is a session (double submit: cookie and field).
pub const SIGN_IN_CSRF_COOKIE: &str = "dateline_csrf";

/// A session's `last_seen_at` is written at most this often.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_mins(1);

/// The client's address as the socket saw it (behind a proxy: the proxy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl Connected<axum::serve::IncomingStream<'_, FrontDoor>> for PeerAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, FrontDoor>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// The client's address: the one a trusted proxy forwarded
/// ([`crate::metrics::ForwardedClient`]), else the socket's when the server was started with
/// [`PeerAddr`]s (`None` otherwise: every such client then shares one throttle).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(forwarded) = parts.extensions.get::<crate::metrics::ForwardedClient>() {
            return Ok(ClientIp(Some(forwarded.0)));
        }
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|c| c.0.0.ip()),
        ))
    }
}

/// The value of cookie `name`, if the request sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: always `HttpOnly` and `SameSite=Lax`; `Secure` on an https site;
/// `max_age` 0 removes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("dateline_invalid=; Max-Age=0"))
}

/// The session cookie for `token`.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    set_cookie(
        SESSION_COOKIE,
        token,
        "/",
        SESSION_LIFETIME.as_secs(),
        secure,
    )
}

/// Whether cookies must be `Secure`: the site's public URL is https.
pub async fn secure_cookies(state: &AppState) -> Result<bool, AppError> {
    Ok(state
        .site()
        .await?
        .settings
        .base_url
        .starts_with("https://"))
}

/// The signed-in person: their account and their session's form token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    /// Every state-changing form carries it; [`CurrentUser::check_form`] compares.
    pub csrf: String,
    /// The SHA-256 of the session token (to end this session).
    pub session_hash: String,
}

impl CurrentUser {
    /// Refuse with 403 unless the permission table lets this role do `action` (to nothing
    /// owned by anyone in particular).
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        self.require_on(action, Ownership::NotApplicable)
    }

    pub fn require_on(&self, action: Action, ownership: Ownership) -> Result<(), AppError> {
        if allows(self.account.role, action, ownership) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) may not {}.",
                self.account.role,
                action.phrase()
            )))
        }
    }

    pub fn may(&self, action: Action) -> bool {
        allows(self.account.role, action, Ownership::NotApplicable)
    }

    /// Refuse with 403 unless a submitted form carries this session's token.
    pub fn check_form(&self, submitted: &str) -> Result<(), AppError> {
        // A caller signed in by API token has no form token: no form of theirs is accepted.
        if !self.csrf.is_empty() && same_token(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(csrf_refused())
        }
    }
}

/// The refusal of a form without the right token.
pub fn csrf_refused() -> AppError {
    AppError::Forbidden(
        "This form could not be accepted: it has expired or did not come from this site. Go \
         back, reload the page and try again."
            .to_owned(),
    )
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if parts.uri.path().starts_with("/api/")
            && let Some(token) = bearer(&parts.headers)
        {
            // API clients: `Authorization: Bearer TOKEN` (from `dateline token create`).
            return match state
                .store
                .account_for_api_token(&token_hash(&token), state.clock.now())
                .await
            {
                Ok(account) => Ok(CurrentUser {
                    account,
                    csrf: String::new(),
                    session_hash: String::new(),
                }),
                Err(StoreError::NotFound) => Err(AppError::Unauthorized.into_response()),
                Err(e) => Err(AppError::from(e).into_response()),
            };
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(not_signed_in(parts));
        };
        let now = state.clock.now();
        let hash = token_hash(&token);
        match state.store.session(&hash, now).await {
            Ok(s) => {
                if now.duration_since(s.last_seen_at) >= TOUCH_EVERY
                    && let Err(e) = state.store.touch_session(s.id, now).await
                {
                    tracing::warn!(error = %e, "noting a session's use failed");
                }
                Ok(CurrentUser {
                    account: s.account,
                    csrf: s.csrf_token,
                    session_hash: hash,
                })
            }
            Err(StoreError::NotFound) => Err(not_signed_in(parts)),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}

/// No (live) session: pages send the browser to the sign-in page and back; the API answers
/// 401 JSON.
fn not_signed_in(parts: &Parts) -> Response {
    let path = parts.uri.path();
    if path.starts_with("/api/") {
        return AppError::Unauthorized.into_response();
    }
    // Back to the page asked for; a form's target is no page, so after a POST: the dashboard.
    let next = if parts.method == axum::http::Method::GET {
        parts
            .uri
            .path_and_query()
            .map_or(path, |p| p.as_str())
            .to_owned()
    } else {
        "/newsroom/".to_owned()
    };
    see_other(&format!(
        "/newsroom/sign-in?next={}",
        encode_component(&next)
    ))
}

/// `303 See Other`: after a form, and to the sign-in page.
pub fn see_other(to: &str) -> Response {
    let mut res = axum::http::StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Percent-encode everything but unreserved characters and `/`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after signing in: only a newsroom path of this site (as a browser would
/// resolve `next`: [`crate::http::same_site_path`]), never another origin or the sign-in pages.
pub async fn safe_next(state: &AppState, next: Option<&str>) -> Result<String, AppError> {
    let site = state.site().await?;
    Ok(next
        .and_then(|n| crate::http::same_site_path(&site.settings.base_url, n))
        .filter(|p| p.starts_with("/newsroom/") && !p.starts_with("/newsroom/sign-"))
        .unwrap_or_else(|| "/newsroom/".to_owned()))
}
