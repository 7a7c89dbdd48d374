//! Article revisions: every save keeps the whole editable story as it was after that save
//! (written by `articles.rs` inside the save's transaction): the words in their own columns,
//! the rest (section, bylines, tags, lead photo, related picks, discussion mode) as one JSON
//! document, `story`, with the names shown at the time. Listing and reading them back is here;
//! restoring one is an ordinary save by the web layer, so a restore is itself a new revision
//! and nothing is ever lost. Revisions kept before migration 0009 have no `story` (words
//! only). Never shown to readers.

use crate::rows::{get, time};
use crate::{Store, StoreError, Writer};
use dateline_core::article::DiscussionMode;
use dateline_core::{ArticleId, MediaId, PersonId, SectionId, TagId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
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
    /// The rest of the story, or `None` for a revision kept before revisions held it.
    pub story: Option<RevisionStory>,
    pub saved_by: Option<PersonId>,
    /// The name of who saved it, when known.
    pub saved_by_name: String,
    pub saved_at: Timestamp,
}

/// Everything but the words that a save kept. Ids are what a restore uses; names are as they
/// were then, for telling apart what was renamed or deleted since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionStory {
    pub section: Named<SectionId>,
    /// Bylines, in order.
    pub authors: Vec<Named<PersonId>>,
    /// Tags, in order.
    pub tags: Vec<Named<TagId>>,
    pub lead_media: Option<MediaId>,
    /// Editor-picked related stories, in order.
    pub related: Vec<ArticleId>,
    pub discussion: DiscussionMode,
}

/// An id with the name it had when the revision was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named<I> {
    pub id: I,
    pub name: String,
}

const COLUMNS: &str = "r.id, r.article_id, r.version, r.slug, r.headline, r.standfirst, \
     r.body_source, r.seo_title, r.seo_description, r.story, r.saved_by, \
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
        story: match get::<Option<String>>(row, "story")? {
            None => None,
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("the story kept with a revision: {e}"))
            })?),
        },
        saved_by: get::<Option<i64>>(row, "saved_by")?.map(PersonId),
        saved_by_name: get(row, "saved_by_name")?,
        saved_at: time(get(row, "saved_at")?)?,
    })
}

#[dateline_store_macros::timed]
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

/// The story's section, bylines, tags, lead photo, related picks and discussion mode as
/// stored now (inside the save's transaction, after its join rows were written), with names.
pub(crate) async fn story_now(w: &mut Writer, id: ArticleId) -> Result<RevisionStory, StoreError> {
    let row = sqlx::query(
        "SELECT a.section_id, COALESCE(s.name, '') AS section_name, a.lead_media_id, \
         a.discussion_mode FROM articles a LEFT JOIN sections s ON s.id = a.section_id \
         WHERE a.id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *w.tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let discussion: String = get(&row, "discussion_mode")?;
    let named = |sql: &'static str| sqlx::query(sql).bind(id.0);
    let authors = named(
        "SELECT x.person_id AS id, p.name FROM article_authors x \
         JOIN people p ON p.id = x.person_id WHERE x.article_id = $1 ORDER BY x.position",
    )
    .fetch_all(&mut *w.tx)
    .await?;
    let tags = named(
        "SELECT x.tag_id AS id, t.name FROM article_tags x \
         JOIN tags t ON t.id = x.tag_id WHERE x.article_id = $1 ORDER BY x.position",
    )
    .fetch_all(&mut *w.tx)
    .await?;
    let related: Vec<i64> = sqlx::query_scalar(
        "SELECT related_id FROM article_related WHERE article_id = $1 ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(&mut *w.tx)
    .await?;
    Ok(RevisionStory {
        section: Named {
            id: SectionId(get(&row, "section_id")?),
            name: get(&row, "section_name")?,
        },
        authors: authors
            .iter()
            .map(|r| {
                Ok(Named {
                    id: PersonId(get(r, "id")?),
                    name: get(r, "name")?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        tags: tags
            .iter()
            .map(|r| {
                Ok(Named {
                    id: TagId(get(r, "id")?),
                    name: get(r, "name")?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        lead_media: get::<Option<i64>>(&row, "lead_media_id")?.map(MediaId),
        related: related.into_iter().map(ArticleId).collect(),
        discussion: discussion
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("discussion mode: {e}")))?,
    })
}
