//! Taking a photo into the media library: check and decode it (off the async threads), keep
//! its original in the media store, then write its row with its variants job in one
//! transaction. The newsroom's upload form, the write API and `dateline import` all come
//! through [`keep`], so an imported photo is checked, stored and given variants exactly as an
//! uploaded one is.
//!
//! The sender's file name is kept with the row as a display name ([`display_name`]), for the
//! library and the photo searches; it names no stored file.
//!
//! Never keeps half a photo: a refused or failed photo leaves no row and no file.

use super::images::{self, Checked, Refusal};
use super::store::MediaStore;
use anyhow::Context;
use dateline_core::MediaId;
use dateline_core::media::{Credit, Media};
use dateline_store::{NewJob, NewMedia, Store, StoreError};
use jiff::Timestamp;
use tokio::sync::OwnedSemaphorePermit;

/// A photo's bytes and what its sender said of them.
pub struct Upload {
    pub bytes: Vec<u8>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
}

/// A photo's words, already checked and tidied by the caller.
#[derive(Debug, Clone, Default)]
pub struct PhotoText {
    pub alt: String,
    pub caption: String,
    pub credit: Credit,
}

/// What became of a photo.
pub enum Kept {
    /// Kept, its row made, its variants job queued with the row.
    Stored(Media),
    /// The same bytes are already in the library: that photo.
    Duplicate(Media),
    Refused(Refusal),
}

/// Check `upload`, keep its original and make its row; `job` gives the variants job for the
/// new row (queued in the row's transaction), `turn` bounds the decodes running at once (held
/// until the check is done). See [the module](self).
#[expect(clippy::too_many_arguments, reason = "one photo and where it goes")]
pub async fn keep(
    store: &Store,
    files: &MediaStore,
    max_pixels: u64,
    turn: Option<OwnedSemaphorePermit>,
    upload: Upload,
    text: PhotoText,
    job: impl FnOnce(MediaId) -> Option<NewJob>,
    now: Timestamp,
) -> anyhow::Result<Kept> {
    let Upload {
        bytes,
        file_name,
        content_type,
    } = upload;
    let hash = images::content_hash(&bytes);
    // The name it came from, as the library shows and searches it (kept with the row).
    let shown_name = file_name.as_deref().and_then(display_name);
    if let Some(m) = store.media_by_hash(&hash).await? {
        return Ok(Kept::Duplicate(m));
    }
    // Check and decode on the blocking pool; the pixels are dropped there, and the worker
    // decodes the kept original again (so queued photos hold no decoded pixels in memory).
    let checked = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        images::check_within(
            &bytes,
            content_type.as_deref(),
            file_name.as_deref(),
            max_pixels,
        )
        .map(|Checked { format, image }| (format, image.width(), image.height(), bytes))
    })
    .await
    .context("the image check failed")?;
    let (format, width, height, original) = match checked {
        Ok(c) => c,
        Err(r) => return Ok(Kept::Refused(r)),
    };
    // The original first, then the row: a failure removes the file, so a failed photo leaves
    // nothing behind.
    let key = MediaStore::original_key(&hash, format.extension());
    if let Err(e) = files.put(&key, original.into()).await {
        remove(files, &key).await;
        return Err(anyhow::Error::new(e).context("keeping a photo's original"));
    }
    let created = store
        .create_media_then(
            NewMedia {
                hash: hash.clone(),
                mime: format.mime().to_owned(),
                width,
                height,
                alt: text.alt,
                caption: text.caption,
                credit: text.credit,
                // None yet: the worker makes them.
                variants: Vec::new(),
                file_name: shown_name,
            },
            job,
            now,
        )
        .await;
    match created {
        Ok(m) => Ok(Kept::Stored(m)),
        // The same file, kept at the same moment by someone else: theirs stands (and its
        // original is the same bytes as this one, so it stays).
        Err(StoreError::Taken(_)) => match store.media_by_hash(&hash).await? {
            Some(m) => Ok(Kept::Duplicate(m)),
            None => anyhow::bail!("a photo with the same bytes was kept and is gone again"),
        },
        Err(e) => {
            remove(files, &key).await;
            Err(e.into())
        }
    }
}

pub(crate) async fn remove(files: &MediaStore, key: &object_store::path::Path) {
    if let Err(e) = files.delete(key).await {
        tracing::warn!(error = %e, %key, "removing a photo file failed");
    }
}

/// Longest display name kept, in characters (the extension is kept when a name is cut).
const MAX_NAME: usize = 120;

/// The name a photo's file was sent or fetched under, tidied for display and search: the last
/// part of a path or address (no query or fragment), percent-escapes decoded, in lower case,
/// each run of anything but letters, digits, `.` and `_` made one `-`, no leading or trailing
/// `-`, `.` or `_`, at most [`MAX_NAME`] characters. `Harbour at Dawn (1).JPG` becomes
/// `harbour-at-dawn-1.jpg`. None when nothing is left.
pub fn display_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let last = last.split(['?', '#']).next().unwrap_or(last);
    let decoded = percent_decode(last);
    let mut out = String::new();
    for c in decoded.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if c == '.' || c == '_' {
            // `dawn (2).jpg` is `dawn-2.jpg`, not `dawn-2-.jpg`.
            if out.ends_with('-') {
                out.pop();
            }
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(['-', '.', '_']) {
            out.push('-');
        }
    }
    let out = out.trim_matches(['-', '.', '_']);
    if out.is_empty() {
        return None;
    }
    if out.chars().count() <= MAX_NAME {
        return Some(out.to_owned());
    }
    // Too long: cut the stem, keep a short extension.
    let (stem, ext) = match out.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 8 => (s, Some(e)),
        _ => (out, None),
    };
    let room = MAX_NAME - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    let stem = stem.trim_end_matches(['-', '.', '_']);
    Some(match ext {
        Some(e) => format!("{stem}.{e}"),
        None => stem.to_owned(),
    })
}

/// `%20` and the like decoded; text that does not decode to UTF-8 is kept as it was.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = if bytes[i] == b'%' {
            bytes.get(i + 1..i + 3)
        } else {
            None
        };
        let escaped = escaped
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod tests;
