//! `GET /api/v1/me`: who the caller is signed in as (session cookie or API token), with the
//! actions their role allows. Answers 401 JSON without a session or token. Outside the page
//! cache (it is personal) and marked `no-store`.

use crate::AppError;
use crate::newsroom::CurrentUser;
use crate::state::AppState;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dateline_core::permissions::{Action, Ownership, allows};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/me", get(show_me))
}

#[derive(Debug, Serialize)]
struct Me {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    /// Actions allowed on anything (before ownership), by name.
    may: Vec<String>,
}

async fn show_me(user: CurrentUser) -> Result<Response, AppError> {
    let a = &user.account;
    let me = Me {
        id: a.id.0,
        email: a.email.to_string(),
        name: a.name.clone(),
        role: a.role.as_str(),
        may: Action::ALL
            .into_iter()
            .filter(|act| allows(a.role, *act, Ownership::Own))
            .map(|act| snake_case(&format!("{act:?}")))
            .collect(),
    };
    let mut res = Json(me).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    Ok(res)
}

/// `ViewNewsroom` → `view_newsroom`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
