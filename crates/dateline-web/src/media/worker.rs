//! The variant worker: makes a photo's served files off the request path. An upload is
//! answered once its original is checked and kept and its row exists (with no variants, which
//! the library shows as "processing"); the worker then reads the original back, decodes it on
//! the blocking pool, writes every variant and records their widths.
//!
//! One task, one photo at a time, so a burst of uploads queues instead of taking every core.
//! Uploads over the megapixel limit are refused before they are kept, so none is queued; a
//! kept original over the limit (kept before the limit was lowered, say) is skipped from its
//! header's dimensions with a logged reason, never decoded, so one contributor's huge files
//! cannot hold up everyone's variants.
//! The task belongs to the [`VariantWorker`] (aborted when the last handle goes); a photo left
//! half done by a stop is found again at the next start ([`VariantWorker::resume`]), since a row
//! with no variants is exactly "still to do". Files go to the [`MediaStore`] as whole objects
//! (a local file is staged and renamed), so a stop never leaves a half file under a served name.

use super::images::{self, Format};
use super::store::MediaStore;
use anyhow::Context;
use dateline_core::MediaId;
use dateline_store::Store;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

/// Uploads decoded at once (the worker's own decode is one more).
const CHECKS_AT_ONCE: usize = 2;

/// The handle: cheap to clone; queues photos for the one worker task.
#[derive(Clone)]
pub struct VariantWorker {
    tx: mpsc::UnboundedSender<MediaId>,
    /// Photos queued or in progress.
    pending: Arc<watch::Sender<usize>>,
    /// Bounds the uploads checked at once: each decode may take up to `images::alloc_limit`.
    checks: Arc<Semaphore>,
    _task: Arc<Owned>,
}

/// Aborts the worker task when the last handle is dropped.
struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl VariantWorker {
    /// Start the worker task (on the current tokio runtime).
    pub fn start(store: Store, files: MediaStore, max_pixels: u64) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<MediaId>();
        let pending = Arc::new(watch::Sender::new(0usize));
        let counter = pending.clone();
        let task = tokio::spawn(async move {
            while let Some(id) = rx.recv().await {
                if let Err(e) = make_variants(&store, &files, id, max_pixels).await {
                    // The row keeps no variants, so the next start tries again.
                    tracing::error!(media_id = id.0, error = ?e, "making photo variants failed");
                }
                counter.send_modify(|n| *n = n.saturating_sub(1));
            }
        });
        Self {
            tx,
            pending,
            checks: Arc::new(Semaphore::new(CHECKS_AT_ONCE)),
            _task: Arc::new(Owned(task)),
        }
    }

    /// Wait for a turn to check (decode) an upload; the turn ends when the permit is dropped.
    pub async fn check_turn(&self) -> anyhow::Result<OwnedSemaphorePermit> {
        self.checks
            .clone()
            .acquire_owned()
            .await
            .context("the upload checks have stopped")
    }

    /// Queue a photo whose original is kept and whose row exists.
    pub fn queue(&self, id: MediaId) {
        self.pending.send_modify(|n| *n += 1);
        if self.tx.send(id).is_err() {
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
            tracing::error!(media_id = id.0, "the variant worker has stopped");
        }
    }

    /// Queue every photo that has no variants yet (after a stop mid-way, say).
    pub async fn resume(&self, store: &Store) -> anyhow::Result<usize> {
        let todo = store.media_without_variants().await?;
        for m in &todo {
            self.queue(m.id);
        }
        Ok(todo.len())
    }

    /// Wait until nothing is queued or in progress (tests, and orderly shutdown).
    pub async fn settled(&self) {
        let mut rx = self.pending.subscribe();
        // The sender lives as long as `self`, so this only ends when the count is 0.
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

async fn make_variants(
    store: &Store,
    files: &MediaStore,
    id: MediaId,
    max_pixels: u64,
) -> anyhow::Result<()> {
    let m = store.media(id).await?;
    if !m.variants.is_empty() {
        return Ok(());
    }
    let format = Format::of_mime(&m.mime).with_context(|| format!("unknown type {}", m.mime))?;
    let original = MediaStore::original_key(&m.hash, format.extension());
    let bytes = files
        .read(&original)
        .await
        .with_context(|| format!("reading {original}"))?;
    let made = tokio::task::spawn_blocking(move || {
        let checked = match images::check_within(&bytes, None, None, max_pixels) {
            Ok(c) => c,
            // Refused from the header, before any decoding: skipped, not an error to retry.
            Err(
                r @ (images::Refusal::TooManyMegapixels { .. } | images::Refusal::TooManyPixels),
            ) => {
                return Ok(Err(r));
            }
            Err(r) => return Err(anyhow::Error::new(r)),
        };
        images::variants(&checked.image, checked.format).map(Ok)
    })
    .await
    .context("the image task failed")??;
    let variants = match made {
        Ok(v) => v,
        Err(refusal) => {
            tracing::warn!(
                media_id = id.0,
                reason = %refusal,
                "skipping a photo over the size limits: its variants are not made"
            );
            return Ok(());
        }
    };
    let mut widths: Vec<u32> = variants.iter().map(|v| v.width).collect();
    widths.dedup();
    let count = variants.len();
    for v in variants {
        let key = MediaStore::variant_key(&m.hash, v.width, v.extension);
        files
            .put(&key, v.bytes.into())
            .await
            .with_context(|| format!("writing {key}"))?;
    }
    store.set_media_variants(id, &widths).await?;
    tracing::info!(media_id = id.0, files = count, "photo variants made");
    Ok(())
}
