//! Theme assets at `/assets/{hash}/{name}`. The current hash is cached for a year; an old hash
//! still gets the current file (a page cached elsewhere may ask for it) but only for a minute.

use crate::AppError;
use crate::cache::{Cacheable, Shows};
use crate::http::IMMUTABLE;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};

pub async fn serve_asset(
    State(state): State<AppState>,
    Path((hash, name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let asset = state.theme.asset(&name).ok_or(AppError::NotFound)?;
    let mut res = asset.bytes.clone().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hash == asset.hash {
            IMMUTABLE
        } else {
            "public, max-age=60"
        }),
    );
    res.extensions_mut().insert(Cacheable);
    // The theme's files never change while the program runs.
    res.extensions_mut().insert(Shows::default());
    Ok(res)
}
