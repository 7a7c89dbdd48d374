//! Taking a photo into the media library: check and decode it (off the async threads), keep
//! its original in the media store, then write its row with its variants job in one
//! transaction. The newsroom's upload form, the write API and `dateline import` all come
//! through [`keep`], so an imported photo is checked, stored and given variants exactly as an
//! uploaded one is.
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
