//! The variant worker: makes a photo's served files off the request path. An upload is
//! answered once its original is checked and kept and its row exists (with no variants, which
//! the library shows as "processing"); a `media.variants` job (`web/src/jobs.rs`) then reads the
//! original back, decodes it on the blocking pool, writes every variant and records their
//! widths, on whichever node claims it. Every width is made in the upload's format and in
//! each extra format ([`Extra`]: AVIF, lossy WebP); a photo kept before the extra formats
//! existed (its row's `formats` lacks some) gets only the missing ones made from its original,
//! by the same job (queued for every such photo by migration 0026 and by
//! [`VariantWorker::resume`]).
//!
//! Uploads over the megapixel limit are refused before they are kept, so none is queued; a
//! kept original over the limit (kept before the limit was lowered, say) is skipped from its
//! header's dimensions with a logged reason, never decoded, so one contributor's huge files
//! cannot hold up everyone's variants. The job is durable: a node stopped mid-way leaves it to
//! another node or the next start (its lease runs out, or shutdown gives it back), and a job
//! that ran twice finds the variants made and does nothing. Files go to the [`MediaStore`] as whole
//! objects (a local file is staged and renamed), so a stop never leaves a half file under a
//! served name.

use super::images::{self, Format};
use super::store::MediaStore;
use crate::jobs::{Handlers, JobQueue, Kind};
use anyhow::Context;
use dateline_core::MediaId;
use dateline_core::media::Extra;
use dateline_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Uploads decoded at once (the worker's own decode is one more).
const CHECKS_AT_ONCE: usize = 2;

/// Making one photo's variants: a failure (an unreadable original, a full disk) is tried twice
/// more, after 10 seconds and a minute.
pub const VARIANTS: Kind = Kind {
    name: "media.variants",
    max_attempts: 3,
    backoff: &[Duration::from_secs(10), Duration::from_secs(60)],
};

/// What a `media.variants` job carries.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Payload {
    media_id: i64,
}

/// The handle: cheap to clone; queues photos as jobs.
#[derive(Clone)]
pub struct VariantWorker {
    queue: JobQueue,
    /// Bounds the uploads checked at once: each decode may take up to `images::alloc_limit`.
    checks: Arc<Semaphore>,
    /// The extra formats this site serves (`media_formats`; [`Extra::ALL`] by default).
    formats: Arc<[Extra]>,
}

impl VariantWorker {
    /// The handle, with the job's handler added to `handlers`; it makes `formats` beside each
    /// photo's own.
    pub fn new(
        queue: JobQueue,
        files: MediaStore,
        max_pixels: u64,
        formats: &[Extra],
        handlers: &mut Handlers,
    ) -> Self {
        let store = queue.store().clone();
        let formats: Arc<[Extra]> = formats.into();
        let wanted = formats.clone();
        // One photo at a time on a node, so a burst of uploads (or a library's backfill)
        // queues instead of taking every core and every job place.
        handlers.add_one_at_a_time(VARIANTS, move |job| {
            let (store, files, wanted) = (store.clone(), files.clone(), wanted.clone());
            async move {
                let p: Payload =
                    serde_json::from_str(&job.payload).context("reading the job's payload")?;
                make_variants(&store, &files, MediaId(p.media_id), max_pixels, &wanted).await
            }
        });
        Self {
            queue,
            checks: Arc::new(Semaphore::new(CHECKS_AT_ONCE)),
            formats,
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

    /// The job that makes photo `id`'s variants, for [`Store::create_media_then`] (queued with
    /// the photo's row; call [`VariantWorker::wake`] once it is committed). It is due since the
    /// epoch: the runner claims the earliest due first, so a new upload, which an editor is
    /// waiting for, goes before every backfill of older photos' extra formats (due from when
    /// they were queued: on a large library, hours of AVIF).
    pub fn job_for(&self, id: MediaId) -> Option<dateline_store::NewJob> {
        variants_job(id, jiff::Timestamp::UNIX_EPOCH)
    }

    /// Have the runner look at once for the job queued with a photo's row.
    pub fn wake(&self) {
        self.queue.wake();
    }

    /// Queue a photo whose original is kept and whose row exists (once, however often asked
    /// while it waits).
    pub async fn queue(&self, id: MediaId) -> Result<(), dateline_store::StoreError> {
        self.queue
            .enqueue(
                &VARIANTS,
                &Payload { media_id: id.0 },
                Some(id.0.to_string()),
                None,
            )
            .await?;
        Ok(())
    }

    /// Queue every photo that has no variants yet, or not yet in every extra format (rows
    /// written by hand or by a tool; the upgrades to durable jobs and to AVIF queued those
    /// left from before). How many.
    pub async fn resume(&self, store: &Store) -> anyhow::Result<usize> {
        let todo: Vec<_> = store
            .media_needing_variants()
            .await?
            .into_iter()
            // A format the site does not serve is not missing.
            .filter(|m| {
                m.variants.is_empty() || self.formats.iter().any(|e| !m.formats.contains(e))
            })
            .collect();
        for m in &todo {
            self.queue(m.id).await?;
        }
        Ok(todo.len())
    }

    /// Wait (up to five minutes) until no variants job is due or running (tests, tools): AVIF
    /// takes seconds a photo on a busy machine, more in a debug build.
    pub async fn settled(&self) {
        self.queue
            .settled(&VARIANTS, Duration::from_secs(300))
            .await;
    }
}

/// The job that makes photo `id`'s variants, due at `now`: for a tool with no job runner of
/// its own (`dateline import`), whose photos the nodes' runners then finish.
pub fn variants_job(id: MediaId, now: jiff::Timestamp) -> Option<dateline_store::NewJob> {
    let payload = serde_json::to_string(&Payload { media_id: id.0 }).ok()?;
    Some(dateline_store::NewJob {
        kind: VARIANTS.name.to_owned(),
        payload,
        dedupe_key: Some(id.0.to_string()),
        run_at: now,
        max_attempts: VARIANTS.max_attempts,
    })
}

async fn make_variants(
    store: &Store,
    files: &MediaStore,
    id: MediaId,
    max_pixels: u64,
    served: &[Extra],
) -> anyhow::Result<()> {
    let m = store.media(id).await?;
    // What is missing: everything for a new photo, the extra formats an old one lacks (of
    // those the site serves).
    let own = m.variants.is_empty();
    let extras: Vec<Extra> = served
        .iter()
        .copied()
        .filter(|e| own || !m.formats.contains(e))
        .collect();
    if !own && extras.is_empty() {
        return Ok(());
    }
    let format = Format::of_mime(&m.mime).with_context(|| format!("unknown type {}", m.mime))?;
    let original = MediaStore::original_key(&m.hash, format.extension());
    let bytes = match files.read(&original).await {
        Ok(b) => b,
        // A photo whose original was never kept (the demo's own, an export's photo that came
        // as served files) is backfilled from its widest variant, which is the original's
        // pixels at the largest size served.
        Err(super::store::MediaError::NotFound) if !own => {
            let widest = m.variants.iter().max().copied().unwrap_or(m.width);
            let key = MediaStore::variant_key(&m.hash, widest, format.extension());
            files
                .read(&key)
                .await
                .with_context(|| format!("reading {key} (no original kept)"))?
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {original}"))),
    };
    let wanted = extras.clone();
    let started = std::time::Instant::now();
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
        images::variants(&checked.image, checked.format, own, &wanted).map(Ok)
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
    if !own {
        // A backfill from the widest variant makes no wider one: the widths stay the row's.
        widths = m.variants.clone();
    }
    let count = variants.len();
    for v in variants {
        let key = MediaStore::variant_key(&m.hash, v.width, v.extension);
        files
            .put(&key, v.bytes.into())
            .await
            .with_context(|| format!("writing {key}"))?;
    }
    let mut formats = m.formats.clone();
    formats.extend(extras);
    store.set_media_variants(id, &widths, &formats).await?;
    tracing::info!(
        media_id = id.0,
        files = count,
        backfill = !own,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "photo variants made"
    );
    Ok(())
}
