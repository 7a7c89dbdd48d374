//! The media library's records (the files themselves are the web layer's business).

use crate::rows::{get, ids_json, micros};
use crate::{Change, Shared, Store, StoreError};
use dateline_core::media::{Credit, Extra, Media};
use dateline_core::{ArticleId, MediaId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewMedia {
    pub hash: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: String,
    pub credit: Credit,
    pub variants: Vec<u32>,
    /// The sanitised name of the file it came from (`harbour-at-dawn.jpg`), when known.
    pub file_name: Option<String>,
}

const COLUMNS: &str = "id, hash, mime, width, height, alt, caption, credit_agency, \
                       credit_photographer, credit_courtesy, variants, credit_printed, formats, file_name";

/// The same columns of a joined `media m`, renamed so they cannot clash with the other table's
/// (read with [`joined_media`]).
pub(crate) const JOINED_COLUMNS: &str = "m.id AS m_id, m.hash AS m_hash, m.mime AS m_mime, \
     m.width AS m_width, m.height AS m_height, m.alt AS m_alt, m.caption AS m_caption, \
     m.credit_agency AS m_credit_agency, m.credit_photographer AS m_credit_photographer, \
     m.credit_courtesy AS m_credit_courtesy, m.variants AS m_variants, \
     m.credit_printed AS m_credit_printed, m.formats AS m_formats, m.file_name AS m_file_name";

/// Column names in the order [`media_from`] reads them.
const NAMES: [&str; 14] = [
    "id",
    "hash",
    "mime",
    "width",
    "height",
    "alt",
    "caption",
    "credit_agency",
    "credit_photographer",
    "credit_courtesy",
    "variants",
    "credit_printed",
    "formats",
    "file_name",
];
const JOINED_NAMES: [&str; 14] = [
    "m_id",
    "m_hash",
    "m_mime",
    "m_width",
    "m_height",
    "m_alt",
    "m_caption",
    "m_credit_agency",
    "m_credit_photographer",
    "m_credit_courtesy",
    "m_variants",
    "m_credit_printed",
    "m_formats",
    "m_file_name",
];

fn media(row: &AnyRow) -> Result<Media, StoreError> {
    media_from(row, &NAMES)
}

/// The photo of a row that LEFT JOINed `media m` with [`JOINED_COLUMNS`]; None when it
/// joined nothing.
pub(crate) fn joined_media(row: &AnyRow) -> Result<Option<Media>, StoreError> {
    joined_media_parts(row)?.map(media_parts).transpose()
}

/// The columns of [`joined_media`], unconverted.
pub(crate) fn joined_media_parts(row: &AnyRow) -> Result<Option<MediaParts>, StoreError> {
    if get::<Option<i64>>(row, "m_id")?.is_none() {
        return Ok(None);
    }
    parts_from(row, &JOINED_NAMES).map(Some)
}

/// A photo's columns as a JSON row carries them ([`crate::Backend::json_rows`] of
/// [`COLUMNS`] with an `m.` before each): id, hash, mime, width, height, alt, caption, credit
/// agency, photographer and courtesy, variants (JSON text), the credit as printed, the extra
/// formats (JSON text), the file's name.
pub(crate) type MediaParts = (
    i64,
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

/// [`COLUMNS`] of the media table called `alias` (`m.id, m.hash, …`), in the order
/// [`MediaParts`] has them: for [`crate::Backend::json_rows`].
pub(crate) fn columns_of(alias: &str) -> String {
    qualified(alias, &NAMES)
}

/// The columns [`JOINED_COLUMNS`] named, of a derived table called `alias` (`z.m_id, …`), in
/// the order [`MediaParts`] has them.
pub(crate) fn joined_columns_of(alias: &str) -> String {
    qualified(alias, &JOINED_NAMES)
}

fn qualified(alias: &str, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{alias}.{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn media_from(row: &AnyRow, names: &[&str; 14]) -> Result<Media, StoreError> {
    media_parts(parts_from(row, names)?)
}

fn parts_from(row: &AnyRow, names: &[&str; 14]) -> Result<MediaParts, StoreError> {
    let [
        id,
        hash,
        mime,
        width,
        height,
        alt,
        caption,
        agency,
        photographer,
        courtesy,
        variants,
        printed,
        formats,
        file_name,
    ] = *names;
    Ok((
        get(row, id)?,
        get(row, hash)?,
        get(row, mime)?,
        get(row, width)?,
        get(row, height)?,
        get(row, alt)?,
        get(row, caption)?,
        get(row, agency)?,
        get(row, photographer)?,
        get(row, courtesy)?,
        get(row, variants)?,
        get(row, printed)?,
        get(row, formats)?,
        get(row, file_name)?,
    ))
}

pub(crate) fn media_parts(
    (
        id,
        hash,
        mime,
        width,
        height,
        alt,
        caption,
        agency,
        photographer,
        courtesy,
        variants,
        printed,
        formats,
        file_name,
    ): MediaParts,
) -> Result<Media, StoreError> {
    let dim = |v: i64, what: &str| -> Result<u32, StoreError> {
        u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("media {what} out of range")))
    };
    Ok(Media {
        id: MediaId(id),
        hash,
        mime,
        width: dim(width, "width")?,
        height: dim(height, "height")?,
        alt,
        caption,
        credit: Credit::new(agency, photographer, courtesy).with_printed(printed),
        variants: serde_json::from_str(&variants)
            .map_err(|e| StoreError::Corrupt(format!("media variants: {e}")))?,
        formats: serde_json::from_str(&formats)
            .map_err(|e| StoreError::Corrupt(format!("media formats: {e}")))?,
        file_name,
    })
}

/// `formats` as stored for a photo that has every extra format (sorted, as
/// [`Store::set_media_variants`] writes it).
fn all_formats() -> Result<String, StoreError> {
    let mut all = Extra::ALL.to_vec();
    all.sort();
    serde_json::to_string(&all).map_err(|e| StoreError::Corrupt(format!("media formats: {e}")))
}

#[dateline_store_macros::timed]
impl Store {
    pub async fn create_media(&self, new: NewMedia, now: Timestamp) -> Result<Media, StoreError> {
        self.create_media_then(new, |_| None, now).await
    }

    /// [`Store::create_media`], queueing the job `job` makes for the new photo's id in the same
    /// transaction: an upload's row and its variants job are kept together or not at all, so
    /// no photo stays "processing" with nothing queued to finish it.
    pub async fn create_media_then(
        &self,
        new: NewMedia,
        job: impl FnOnce(MediaId) -> Option<crate::NewJob>,
        now: Timestamp,
    ) -> Result<Media, StoreError> {
        let variants = serde_json::to_string(&new.variants)
            .map_err(|e| StoreError::Corrupt(format!("media variants: {e}")))?;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO media (hash, mime, width, height, alt, caption, credit_agency, \
             credit_photographer, credit_courtesy, variants, created_at, credit_printed, \
             file_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLUMNS}"
        ))
        .bind(&new.hash)
        .bind(&new.mime)
        .bind(i64::from(new.width))
        .bind(i64::from(new.height))
        .bind(&new.alt)
        .bind(&new.caption)
        .bind(&new.credit.agency)
        .bind(&new.credit.photographer)
        .bind(&new.credit.courtesy)
        .bind(variants)
        .bind(micros(now))
        .bind(&new.credit.printed)
        .bind(new.file_name.clone())
        .fetch_one(&mut *w.tx)
        .await?;
        let m = media(&row)?;
        if let Some(job) = job(m.id) {
            crate::jobs::insert_job(&mut w.tx, &job, now).await?;
        }
        w.announce(Change::Content);
        w.commit().await?;
        Ok(m)
    }

    /// Delete a photo's row, unless a story (lead or body) or a person's portrait uses it:
    /// then `Invalid` and nothing changes (the foreign keys refuse it on both backends). The
    /// caller removes the files after the row, so a failure there leaves files no row names,
    /// never a row whose files are gone.
    pub async fn delete_media(&self, id: MediaId) -> Result<Media, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "DELETE FROM media WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let m = media(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(m)
    }

    pub async fn media(&self, id: MediaId) -> Result<Media, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM media WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        media(&row)
    }

    /// The library photos the bodies of stories `ids` use, and the photos `extra` (lead
    /// photos, say), each once, in one statement: pages read this on every cache miss.
    pub async fn media_of_bodies(
        &self,
        ids: &[ArticleId],
        extra: &[MediaId],
    ) -> Result<Vec<Media>, StoreError> {
        if ids.is_empty() && extra.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE id IN (\
             SELECT media_id FROM article_media WHERE article_id IN ({}) UNION {})",
            self.backend.id_set("$1"),
            self.backend.id_set("$2")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .bind(ids_json(extra.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(media).collect()
    }

    /// Several photos at once; missing ids are simply absent from the answer.
    pub async fn media_many(&self, ids: &[MediaId]) -> Result<Vec<Media>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(media).collect()
    }

    /// The photo whose original has this content hash, if any (an upload of the same file again).
    pub async fn media_by_hash(&self, hash: &str) -> Result<Option<Media>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM media WHERE hash = $1"))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(media).transpose()
    }

    /// The media library, newest first: `limit` photos from `offset`, optionally only those
    /// whose alt text, caption, credit or file name contains `query` (case-insensitively).
    pub async fn media_library(
        &self,
        query: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Media>, StoreError> {
        let rows = match query.map(str::trim).filter(|q| !q.is_empty()) {
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM media ORDER BY id DESC LIMIT $1 OFFSET $2"
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
            Some(q) => {
                let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
                let matches = [
                    "alt",
                    "caption",
                    "credit_agency",
                    "credit_photographer",
                    "credit_courtesy",
                    "file_name",
                ]
                .iter()
                .map(|c| format!("LOWER({c}) LIKE $1 ESCAPE '\\'"))
                .collect::<Vec<_>>()
                .join(" OR ");
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM media WHERE {matches} ORDER BY id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(pattern)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(media).collect()
    }

    /// Photos whose variants are still to be made (none exist yet), oldest first.
    pub async fn media_without_variants(&self) -> Result<Vec<Media>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE variants = '[]' ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(media).collect()
    }

    /// Photos with variants still to make: none at all, or not yet in every extra format
    /// (kept before AVIF and lossy WebP were made), oldest first.
    pub async fn media_needing_variants(&self) -> Result<Vec<Media>, StoreError> {
        let all = all_formats()?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE variants = '[]' OR formats <> $1 ORDER BY id"
        ))
        .bind(all)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(media).collect()
    }

    /// Record the widths whose files now exist for a photo, and the extra formats each of them
    /// exists in.
    pub async fn set_media_variants(
        &self,
        id: MediaId,
        widths: &[u32],
        formats: &[Extra],
    ) -> Result<(), StoreError> {
        let variants = serde_json::to_string(widths)
            .map_err(|e| StoreError::Corrupt(format!("media variants: {e}")))?;
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        let formats = serde_json::to_string(&formats)
            .map_err(|e| StoreError::Corrupt(format!("media formats: {e}")))?;
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE media SET variants = $1, formats = $2 WHERE id = $3")
            .bind(variants)
            .bind(formats)
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        // Search results show the lead photo's variants from the index: the stories showing
        // it are reindexed.
        w.announce(Change::Shared(Shared::Media(id)));
        w.commit().await?;
        Ok(())
    }

    /// Change a photo's alt text, caption and credit.
    pub async fn update_media_text(
        &self,
        id: MediaId,
        alt: &str,
        caption: &str,
        credit: &Credit,
    ) -> Result<Media, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE media SET alt = $1, caption = $2, credit_agency = $3, \
             credit_photographer = $4, credit_courtesy = $5, credit_printed = $6 \
             WHERE id = $7 RETURNING {COLUMNS}"
        ))
        .bind(alt)
        .bind(caption)
        .bind(&credit.agency)
        .bind(&credit.photographer)
        .bind(&credit.courtesy)
        .bind(&credit.printed)
        .bind(id.0)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let m = media(&row)?;
        // Pages show captions and credits, and search indexes captions: a change must reach
        // both.
        w.announce(Change::Shared(Shared::Media(id)));
        w.commit().await?;
        Ok(m)
    }
}

/// `s` with LIKE's wildcards and the escape character itself escaped (with `\`).
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
