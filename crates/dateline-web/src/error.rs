//! `AppError`: the web layer's one error type and the only one that becomes an HTTP answer.
//! Handlers return it; [`render_errors`] turns it into a themed page (or `{"error": …}` JSON
//! under `/api`), logging a 5xx once with its request id and showing the reader only that id.

use crate::state::AppState;
use crate::views::ErrorPage;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use dateline_store::StoreError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A withdrawn story: 410 with the editors' note.
    #[error("withdrawn")]
    Gone { headline: String, note: String },
    /// The request is malformed; the message is shown to the reader as is.
    #[error("{0}")]
    BadRequest(String),
    /// No session (newsroom pages redirect instead; the API answers this).
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but the permission table or a form token says no; the message says why.
    #[error("{0}")]
    Forbidden(String),
    /// The request cannot happen in the thing's current state (a stale edit, a step the
    /// workflow does not allow from here); the message says why.
    #[error("{0}")]
    Conflict(String),
    /// The body is over the route's limit; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The body is not in a format the route reads; the message says which to send.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many requests in a while (comment rate limits); the message says how long to wait.
    #[error("{0}")]
    TooMany(String),
    #[error("internal")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone { .. } => StatusCode::GONE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Gone { .. } => "gone",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::TooMany(_) => "too_many_requests",
            AppError::TooLarge(_) => "too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Internal(_) => "internal",
        }
    }

    /// The sentence a person reads.
    pub fn message(&self) -> String {
        match self {
            AppError::NotFound => "We could not find that page.".to_owned(),
            AppError::Gone { .. } => "This story has been withdrawn.".to_owned(),
            AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m)
            | AppError::TooMany(m)
            | AppError::TooLarge(m)
            | AppError::UnsupportedMediaType(m) => m.clone(),
            AppError::Unauthorized => "Sign in to continue.".to_owned(),
            AppError::Internal(_) => "Something went wrong on our side.".to_owned(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            // Handlers that write the schedule or delete playlists say these in their own
            // words; this is the plain sentence for any other path.
            StoreError::Overlaps(others) => AppError::Conflict(format!(
                "It overlaps {}: one programme airs at a time.",
                dateline_core::schedule::describe_all(&others)
            )),
            StoreError::PlaylistInUse { programmes, mounts } => AppError::Conflict(format!(
                "The playlist cannot be deleted: {}.",
                dateline_core::schedule::playlist_users(&programmes, &mounts)
            )),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e).context("rendering a template"))
    }
}

impl From<dateline_core::page::PageError> for AppError {
    fn from(e: dateline_core::page::PageError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        // The render_errors layer adds the body (it has the theme) and logs 5xx.
        res.extensions_mut().insert(Arc::new(self));
        res
    }
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// Middleware: give every `AppError` its body. Under `/api` that is JSON; elsewhere the themed
/// error page. Axum's own rejections (bad path or query syntax) get the same treatment.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let path = req.uri().path().to_owned();
    let given_id = req.extensions().get::<crate::metrics::RequestId>().cloned();
    let res = next.run(req).await;
    let error = match res.extensions().get::<Arc<AppError>>() {
        Some(e) => e.clone(),
        None if res.status().is_client_error() && is_bare(&res) => {
            // An extractor rejected the request before a handler ran.
            Arc::new(match res.status() {
                StatusCode::NOT_FOUND => AppError::NotFound,
                StatusCode::METHOD_NOT_ALLOWED => {
                    return res;
                }
                // A route that reads its body through `input` names its own limit; this is
                // one that read it with axum's extractors, under the default limit.
                StatusCode::PAYLOAD_TOO_LARGE => crate::input::too_large(crate::input::BODY_LIMIT),
                _ => AppError::BadRequest("The request could not be understood.".to_owned()),
            })
        }
        None => return res,
    };
    let status = error.status();
    // The id the request came with (also in its `X-Request-Id`), so a reader's reference
    // finds the log line; a counter when the request bypassed the outer service (unit tests).
    let request_id = match &given_id {
        Some(id) => id.as_str().to_owned(),
        None => format!("{:x}", REQUEST_IDS.fetch_add(1, Ordering::Relaxed)),
    };
    if let AppError::Internal(e) = error.as_ref() {
        tracing::error!(request_id = %request_id, path = %path, error = ?e, "request failed");
    }
    if api {
        let mut body = serde_json::json!({ "error": error.code(), "message": error.message() });
        if status.is_server_error() {
            body["request_id"] = serde_json::Value::from(request_id);
        }
        let mut out = (status, Json(body)).into_response();
        out.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return out;
    }
    let html = match state.site().await {
        Ok(site) => {
            let page = ErrorPage::new(&site, &error, status, &request_id, state.clock.now());
            state.theme.render("error.html", page).ok()
        }
        Err(e) => {
            tracing::error!(error = ?e, "loading the site for an error page failed");
            None
        }
    };
    let mut out = match html {
        Some(h) => (status, Html(h)).into_response(),
        // The theme itself failed: a plain page, still without internals.
        None => (
            status,
            Html(format!(
                "<!doctype html><title>Error</title><p>{}</p><p>Reference: {request_id}</p>",
                error.message()
            )),
        )
            .into_response(),
    };
    out.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out
}

/// A response with no body type set: one of axum's plain rejections or an empty status.
fn is_bare(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"))
}
