//! What the search index needs from the store: the searchable text of published stories, many
//! at once (one query per kind of detail, never one per story), and which stories changed
//! since a time, so an index that missed change events (a restart, a lagging listener, another
//! node's writes) can catch up without a full rebuild.
//!
//! Only published stories are ever returned as sources: a draft or withdrawn story must never
//! become searchable.
//!
//! A source also carries what a search result shows of the story (its path's parts, short
//! code, update time and lead photo), which the index keeps beside the text so that answering
//! a search reads nothing here.

use crate::rows::{get, ids_json, opt_date, opt_time, time};
use crate::{Store, StoreError};
use dateline_core::ArticleId;
use dateline_core::media::Media;
use dateline_core::person::Person;
use dateline_core::section::Section;
use dateline_core::tag::Tag;
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::HashMap;

/// A published story's searchable text and facets.
#[derive(Debug, Clone)]
pub struct SearchSource {
    pub id: ArticleId,
    pub headline: String,
    pub standfirst: String,
    pub body_text: String,
    pub published_at: Timestamp,
    pub section: Section,
    pub authors: Vec<Person>,
    pub tags: Vec<Tag>,
    /// The lead photo's caption, then those of the photos in the body.
    pub captions: Vec<String>,
    pub slug: String,
    /// The date in the story's path (fixed at first publication).
    pub path_date: Date,
    pub short_code: String,
    pub updated_at: Option<Timestamp>,
    /// The lead photo, with its variants, alt text, caption and credit.
    pub lead: Option<Media>,
}

/// A story and when it last changed in any way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modified {
    pub id: ArticleId,
    pub modified_at: Timestamp,
}

#[dateline_store_macros::timed]
impl Store {
    /// The search sources of the published stories among `ids` (others are left out), in no
    /// particular order.
    pub async fn search_sources(&self, ids: &[ArticleId]) -> Result<Vec<SearchSource>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // No `status` condition in SQL (see `summaries`): the primary key finds the rows.
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.status, a.headline, a.standfirst, a.body_text, a.published_at, \
                    a.section_id, a.slug, a.path_date, a.short_code, a.updated_at, {} \
             FROM articles a LEFT JOIN media m ON m.id = a.lead_media_id \
             WHERE a.id IN ({})",
            crate::media::JOINED_COLUMNS,
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| get::<String>(r, "status").is_ok_and(|s| s == "published"))
            .collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<ArticleId> = rows
            .iter()
            .map(|r| get::<i64>(r, "id").map(ArticleId))
            .collect::<Result<_, _>>()?;
        let sections: HashMap<_, _> = self
            .sections()
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut authors: HashMap<ArticleId, Vec<Person>> = HashMap::new();
        for (id, p) in self.authors_of(&found).await? {
            authors.entry(id).or_default().push(p);
        }
        let mut tags: HashMap<ArticleId, Vec<Tag>> = HashMap::new();
        for (id, t) in self.tags_of(&found).await? {
            tags.entry(id).or_default().push(t);
        }
        let mut captions: HashMap<ArticleId, Vec<String>> = HashMap::new();
        let caption_rows = sqlx::query(&format!(
            "SELECT x.article_id, m.caption FROM article_media x JOIN media m ON m.id = x.media_id \
             WHERE x.article_id IN ({}) ORDER BY x.article_id, x.media_id",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(found.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        for r in &caption_rows {
            captions
                .entry(ArticleId(get(r, "article_id")?))
                .or_default()
                .push(get(r, "caption")?);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = ArticleId(get(r, "id")?);
            let section_id = dateline_core::SectionId(get(r, "section_id")?);
            let section = sections.get(&section_id).cloned().ok_or_else(|| {
                StoreError::Corrupt(format!("article {id} is in unknown section {section_id}"))
            })?;
            let published: Option<i64> = get(r, "published_at")?;
            let published_at = time(published.ok_or_else(|| {
                StoreError::Corrupt(format!("published article {id} has no publication time"))
            })?)?;
            let path_date = opt_date(get(r, "path_date")?)?.ok_or_else(|| {
                StoreError::Corrupt(format!("published article {id} has no path date"))
            })?;
            let lead = crate::media::joined_media(r)?;
            let mut caps: Vec<String> = lead.iter().map(|m| m.caption.clone()).collect();
            caps.extend(captions.remove(&id).unwrap_or_default());
            caps.retain(|c| !c.trim().is_empty());
            out.push(SearchSource {
                id,
                headline: get(r, "headline")?,
                standfirst: get(r, "standfirst")?,
                body_text: get(r, "body_text")?,
                published_at,
                section,
                authors: authors.remove(&id).unwrap_or_default(),
                tags: tags.remove(&id).unwrap_or_default(),
                captions: caps,
                slug: get(r, "slug")?,
                path_date,
                short_code: get::<Option<String>>(r, "short_code")?.unwrap_or_default(),
                updated_at: opt_time(get(r, "updated_at")?)?,
                lead,
            });
        }
        Ok(out)
    }

    /// Every story (any status) modified at or after `since` (all of them when None), oldest
    /// change first.
    pub async fn modified_since(
        &self,
        since: Option<Timestamp>,
    ) -> Result<Vec<Modified>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, modified_at FROM articles WHERE modified_at >= $1 \
             ORDER BY modified_at, id",
        )
        .bind(since.map_or(i64::MIN, |t| t.as_microsecond()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Modified {
                    id: ArticleId(get(r, "id")?),
                    modified_at: time(get(r, "modified_at")?)?,
                })
            })
            .collect()
    }
}
