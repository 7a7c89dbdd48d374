//! Serving photo files from the media folder: `/media/{hash}-{width}.{ext}`, content-addressed
//! and so cached for a year. Files are read with tokio, never on the async threads directly.

use crate::AppError;
use crate::http::IMMUTABLE;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::PathBuf;
use std::sync::Arc;

/// Where photo files live on this node.
#[derive(Debug, Clone)]
pub struct MediaFiles {
    /// Shared, because `AppState` (and so this) is cloned for every middleware layer of every
    /// request; an owned `PathBuf` would allocate each time.
    dir: Arc<std::path::Path>,
}

impl MediaFiles {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Where uploaded originals are kept, as sent (EXIF and all): a folder no route serves,
    /// since [`MediaFiles::path_for`] admits no `/`.
    pub fn originals_dir(&self) -> PathBuf {
        self.dir.join("originals")
    }

    /// The file for a public name, if the name is well formed (no path tricks possible: only
    /// `[0-9a-f]+-[0-9]+.(jpg|png|webp|gif)` passes).
    pub fn path_for(&self, name: &str) -> Option<PathBuf> {
        let (stem, ext) = name.rsplit_once('.')?;
        let (hash, width) = stem.split_once('-')?;
        let ok = !hash.is_empty()
            && hash.len() <= 64
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
            && !width.is_empty()
            && width.len() <= 5
            && width.bytes().all(|b| b.is_ascii_digit())
            && matches!(ext, "jpg" | "png" | "webp" | "gif");
        ok.then(|| self.dir.join(name))
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{name}", get(serve_media))
}

async fn serve_media(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let path = state.media.path_for(&name).ok_or(AppError::NotFound)?;
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    let ct = match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "image/jpeg",
    };
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    Ok(res)
}
