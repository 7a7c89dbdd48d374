//! The media library's records (the files themselves are the web layer's business).

use crate::rows::{get, id_list, micros};
use crate::{Change, Store, StoreError};
use dateline_core::MediaId;
use dateline_core::media::{Credit, Media};
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
}

const COLUMNS: &str = "id, hash, mime, width, height, alt, caption, credit_agency, \
                       credit_photographer, credit_courtesy, variants";

fn media(row: &AnyRow) -> Result<Media, StoreError> {
    let variants: String = get(row, "variants")?;
    let dim = |col: &str| -> Result<u32, StoreError> {
        u32::try_from(get::<i64>(row, col)?)
            .map_err(|_| StoreError::Corrupt(format!("media {col} out of range")))
    };
    Ok(Media {
        id: MediaId(get(row, "id")?),
        hash: get(row, "hash")?,
        mime: get(row, "mime")?,
        width: dim("width")?,
        height: dim("height")?,
        alt: get(row, "alt")?,
        caption: get(row, "caption")?,
        credit: Credit {
            agency: get(row, "credit_agency")?,
            photographer: get(row, "credit_photographer")?,
            courtesy: get(row, "credit_courtesy")?,
        },
        variants: serde_json::from_str(&variants)
            .map_err(|e| StoreError::Corrupt(format!("media variants: {e}")))?,
    })
}

impl Store {
    pub async fn create_media(&self, new: NewMedia, now: Timestamp) -> Result<Media, StoreError> {
        let variants = serde_json::to_string(&new.variants)
            .map_err(|e| StoreError::Corrupt(format!("media variants: {e}")))?;
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO media (hash, mime, width, height, alt, caption, credit_agency, \
             credit_photographer, credit_courtesy, variants, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
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
        .fetch_one(&mut *w.tx)
        .await?;
        let m = media(&row)?;
        w.commit().await?;
        self.announce(Change::Content);
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

    /// Several photos at once; missing ids are simply absent from the answer.
    pub async fn media_many(&self, ids: &[MediaId]) -> Result<Vec<Media>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media WHERE id IN ({})",
            id_list(ids.iter().map(|i| i.0))
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(media).collect()
    }
}
