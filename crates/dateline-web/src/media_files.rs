//! Serving photo files from the media store: `/media/{hash}-{width}.{ext}`, content-addressed
//! and so cached for a year, with the store's ETag and Last-Modified and a 304 for a current
//! copy. Files are streamed from the store (a local folder or a bucket), never read with
//! `std::fs` on an async thread; a big one is never held whole in memory. With a public base
//! URL configured, the answer is a redirect there instead.

use crate::AppError;
use crate::http::IMMUTABLE;
use crate::media::store::{Conditions, MediaError, MediaStore};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use object_store::GetResultPayload;

/// Local files up to this size are read in one blocking call (as `tokio::fs::read` did); bigger
/// ones, and every object from S3, are streamed. `object_store` streams a local file in 8 KiB
/// reads, each its own trip to the blocking pool: for a photo variant (tens of kilobytes) one
/// read is cheaper, and it is small enough to hold.
const READ_WHOLE_UP_TO: u64 = 1024 * 1024;

/// How long a redirect to the public base URL may be kept: not a year like the file itself, so
/// an operator who moves the files to another URL is followed within the hour.
const REDIRECT_CACHE_CONTROL: &str = "public, max-age=3600";

/// The rest of the second `If-Modified-Since` names.
const SAME_SECOND: chrono::TimeDelta = chrono::TimeDelta::nanoseconds(999_999_999);

pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{name}", get(serve_media))
}

async fn serve_media(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let key = MediaStore::served_key(&name).ok_or(AppError::NotFound)?;
    if let Some(url) = state.media.public_url(&name) {
        // Readers fetch the file from the bucket or CDN itself; the pages keep `/media/…`
        // URLs, so the page cache and feeds need not know where files are served from.
        let location = HeaderValue::from_str(&url)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("public media URL")))?;
        let mut res = StatusCode::FOUND.into_response();
        res.headers_mut().insert(header::LOCATION, location);
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(REDIRECT_CACHE_CONTROL),
        );
        return Ok(res);
    }
    let conditions = Conditions {
        if_none_match: headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        if_modified_since: headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            // `Last-Modified` is sent in whole seconds, while the store compares to the
            // nanosecond: a copy from the same second as the file is current.
            .map(|t| chrono::DateTime::<chrono::Utc>::from(t) + SAME_SECOND),
    };
    let got = match state.media.get(&key, conditions.clone()).await {
        Ok(got) => got,
        Err(MediaError::NotFound) => return Err(AppError::NotFound),
        Err(MediaError::NotModified) => return Ok(not_modified(&conditions)),
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&name)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    if let Some(tag) = MediaStore::http_etag(&got.meta).and_then(|t| HeaderValue::from_str(&t).ok())
    {
        h.insert(header::ETAG, tag);
    }
    let modified = httpdate::fmt_http_date(got.meta.last_modified.into());
    if let Ok(v) = HeaderValue::from_str(&modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(got.meta.size));
    let small_file =
        matches!(got.payload, GetResultPayload::File(..)) && got.meta.size <= READ_WHOLE_UP_TO;
    let body = if small_file {
        let bytes = got
            .bytes()
            .await
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading a photo")))?;
        Body::from(bytes)
    } else {
        // A failure mid-way ends the body early; the client sees a short read, as from any
        // server whose disk or upstream fails while sending.
        Body::from_stream(got.into_stream())
    };
    Ok((h, body).into_response())
}

/// A 304 for a current copy, with the headers a 200 would have had that caches need.
fn not_modified(conditions: &Conditions) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    // The tag that matched, when the client sent one (the usual case).
    if let Some(tag) = conditions
        .if_none_match
        .as_deref()
        .filter(|t| !t.contains(',') && t.trim() != "*")
        .and_then(|t| HeaderValue::from_str(t.trim()).ok())
    {
        h.insert(header::ETAG, tag);
    }
    res
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("gif") => "image/gif",
        _ => "image/jpeg",
    }
}
