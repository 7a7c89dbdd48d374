//! Article revisions: every save keeps the story's editable text as it was after that save
//! (written by `articles.rs` inside the save's transaction). Listing and reading them back is
//! here; restoring one is an ordinary save of its text by the web layer, so a restore is itself
//! a new revision and nothing is ever lost. Never shown to readers.

use crate::rows::{get, time};
use crate::{Store, StoreError};
use dateline_core::{ArticleId, PersonId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// One kept save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: i64,
    pub article_id: ArticleId,
    /// The article's version after the save.
    pub version: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_source: String,
    pub seo_title: String,
    pub seo_description: String,
    pub saved_by: Option<PersonId>,
    /// The name of who saved it, when known.
    pub saved_by_name: String,
    pub saved_at: Timestamp,
}

const COLUMNS: &str = "r.id, r.article_id, r.version, r.slug, r.headline, r.standfirst, \
     r.body_source, r.seo_title, r.seo_description, r.saved_by, \
     COALESCE(p.name, '') AS saved_by_name, r.saved_at";

fn revision(row: &AnyRow) -> Result<Revision, StoreError> {
    Ok(Revision {
        id: get(row, "id")?,
        article_id: ArticleId(get(row, "article_id")?),
        version: get(row, "version")?,
        slug: get(row, "slug")?,
        headline: get(row, "headline")?,
        standfirst: get(row, "standfirst")?,
        body_source: get(row, "body_source")?,
        seo_title: get(row, "seo_title")?,
        seo_description: get(row, "seo_description")?,
        saved_by: get::<Option<i64>>(row, "saved_by")?.map(PersonId),
        saved_by_name: get(row, "saved_by_name")?,
        saved_at: time(get(row, "saved_at")?)?,
    })
}

impl Store {
    /// A story's revisions, newest first.
    pub async fn revisions(&self, id: ArticleId) -> Result<Vec<Revision>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_revisions r LEFT JOIN people p ON p.id = r.saved_by \
             WHERE r.article_id = $1 ORDER BY r.id DESC"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revision).collect()
    }

    /// One revision of story `id` (NotFound when it belongs to another story).
    pub async fn revision(&self, id: ArticleId, revision_id: i64) -> Result<Revision, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_revisions r LEFT JOIN people p ON p.id = r.saved_by \
             WHERE r.article_id = $1 AND r.id = $2"
        ))
        .bind(id.0)
        .bind(revision_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        revision(&row)
    }

    /// The revision saved as `version` of story `id`, if one was kept.
    pub async fn revision_at(
        &self,
        id: ArticleId,
        version: i64,
    ) -> Result<Option<Revision>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_revisions r LEFT JOIN people p ON p.id = r.saved_by \
             WHERE r.article_id = $1 AND r.version = $2 ORDER BY r.id DESC LIMIT 1"
        ))
        .bind(id.0)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(revision).transpose()
    }
}
