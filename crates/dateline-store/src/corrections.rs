//! Corrections: dated public notes appended to a story ("An earlier version of this story
//! said …"). Appending one is a change readers see, so it moves the page cache's generation
//! and counts as the story's public update. Notes are never edited or deleted here.

use crate::rows::{get, micros, time};
use crate::{Change, Store, StoreError};
use dateline_core::{ArticleId, PersonId};
use jiff::Timestamp;

/// A public correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub id: i64,
    pub article_id: ArticleId,
    pub note: String,
    pub created_at: Timestamp,
}

#[dateline_store_macros::timed]
impl Store {
    /// Append a correction to a story and mark it updated at `now`.
    pub async fn add_correction(
        &self,
        id: ArticleId,
        note: &str,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<Correction, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET updated_at = $1, modified_at = $1, version = version + 1, \
             updated_by = COALESCE($2, updated_by) WHERE id = $3",
        )
        .bind(micros(now))
        .bind(by.map(|p| p.0))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        let cid: i64 = sqlx::query_scalar(
            "INSERT INTO article_corrections (article_id, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id.0)
        .bind(note)
        .bind(by.map(|p| p.0))
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        w.announce(Change::Article(id));
        w.commit().await?;
        Ok(Correction {
            id: cid,
            article_id: id,
            note: note.to_owned(),
            created_at: now,
        })
    }

    /// A story's corrections, oldest first (the order readers read them in).
    pub async fn corrections(&self, id: ArticleId) -> Result<Vec<Correction>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, note, created_at FROM article_corrections WHERE article_id = $1 \
             ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Correction {
                    id: get(r, "id")?,
                    article_id: id,
                    note: get(r, "note")?,
                    created_at: time(get(r, "created_at")?)?,
                })
            })
            .collect()
    }
}
