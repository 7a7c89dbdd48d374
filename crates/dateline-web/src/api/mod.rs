//! The read-only JSON API under `/api/v1`: articles (filtered and paginated), one article,
//! search, sections and tags. Shapes are defined here, not borrowed from `core`, so the domain can change
//! without breaking clients. Errors are `{"error": code, "message": sentence}` (see `error.rs`).
//! `me` (who is signed in) is personal and `newsroom` (the write API for API tokens, and the
//! OpenAPI document) changes things, so `lib.rs` mounts both outside the page cache, as it does
//! `pages` (static pages, read and written with a token: drafts included).

mod articles;
pub mod mail_events;
pub mod me;
pub mod newsroom;
pub mod pages;
mod search;
mod sections;
mod tags;

use crate::cache::{Cacheable, Shows};
use crate::state::AppState;
use axum::Router;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/articles", get(articles::list_articles))
        .route("/articles/{id}", get(articles::show_article))
        .route("/search", get(search::search_articles))
        .route("/sections", get(sections::list_sections))
        .route("/tags", get(tags::list_tags))
}

/// A JSON answer, cacheable like pages, dropped by any change readers can see.
pub fn json<T: Serialize>(value: T) -> Response {
    json_showing(value, None)
}

/// A JSON answer, cacheable like pages, showing `shows` ([`Shows`]; None: everything).
pub fn json_showing<T: Serialize>(value: T, shows: Option<Shows>) -> Response {
    let mut res = json_body(&value, 1024);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res.extensions_mut().insert(Cacheable);
    if let Some(shows) = shows {
        res.extensions_mut().insert(shows);
    }
    res
}

/// `value` as an `application/json` response, written into a buffer of `capacity` bytes:
/// axum's `Json` starts at 128 bytes and doubles, so a page of twenty search results (29 KB)
/// was copied seven times on its way out. A value that cannot be serialised is a 500.
pub(crate) fn json_body<T: Serialize>(value: &T, capacity: usize) -> Response {
    let mut body = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(e) => crate::AppError::Internal(e.into()).into_response(),
    }
}
