//! The newsroom's lists of stories by status: my drafts, awaiting review, scheduled, recently
//! published. Unlike the reading site's listings these include unpublished stories, so nothing
//! here may ever feed a reader page. One id-and-fields query plus one for bylines.

use crate::rows::{get, ids_json, opt_date, opt_time, parsed, time};
use crate::{Store, StoreError};
use dateline_core::article::{Status, canonical_path};
use dateline_core::person::Person;
use dateline_core::{ArticleId, PersonId};
use jiff::Timestamp;
use std::collections::HashMap;

/// A story as the newsroom's lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskItem {
    pub id: ArticleId,
    pub headline: String,
    pub status: Status,
    pub section_name: String,
    pub modified_at: Timestamp,
    pub scheduled_for: Option<Timestamp>,
    pub published_at: Option<Timestamp>,
    /// The public path, once the story has been published.
    pub path: Option<String>,
    pub authors: Vec<Person>,
    /// Who saved it last (empty when unknown: made by a tool or before accounts).
    pub changed_by: String,
}

/// Which stories a desk list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskFilter {
    pub status: Status,
    /// Only stories with this person in the byline.
    pub author: Option<PersonId>,
    pub limit: u32,
}

/// A newsroom search over the stories not (or no longer) published: drafts, stories in
/// review, scheduled and withdrawn ones. Published stories are searched through the full-text
/// index instead; these are few, so a scan of their text is quick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskSearch {
    /// Each must appear, in any case, in the headline, standfirst or body text.
    pub words: Vec<String>,
    /// One unpublished status only (a `Published` here finds nothing).
    pub status: Option<Status>,
    /// Only stories with this person in the byline.
    pub author: Option<PersonId>,
    pub limit: u32,
}

/// The columns and join every desk list reads.
const ITEM_SELECT: &str = "SELECT a.id, a.headline, a.status, a.modified_at, a.scheduled_for, \
     a.published_at, a.path_date, a.slug, s.slug AS section_slug, s.name AS section_name, \
     COALESCE(u.name, '') AS changed_by \
     FROM articles a JOIN sections s ON s.id = a.section_id \
     LEFT JOIN people u ON u.id = a.updated_by";

#[dateline_store_macros::timed]
impl Store {
    /// Unpublished stories matching a newsroom search, most recently changed first.
    pub async fn desk_search(&self, search: &DeskSearch) -> Result<Vec<DeskItem>, StoreError> {
        if search.status == Some(Status::Published) {
            return Ok(Vec::new());
        }
        let mut conditions = vec![match search.status {
            Some(_) => "a.status = $1".to_owned(),
            None => "a.status <> $1".to_owned(),
        }];
        let mut next = 2;
        if search.author.is_some() {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = a.id \
                 AND x.person_id = ${next})"
            ));
            next += 1;
        }
        for _ in &search.words {
            conditions.push(format!(
                "(LOWER(a.headline) LIKE ${next} ESCAPE '\\' \
                 OR LOWER(a.standfirst) LIKE ${next} ESCAPE '\\' \
                 OR LOWER(a.body_text) LIKE ${next} ESCAPE '\\')"
            ));
            next += 1;
        }
        let sql = format!(
            "{ITEM_SELECT} WHERE {} ORDER BY a.modified_at DESC, a.id DESC LIMIT ${next}",
            conditions.join(" AND ")
        );
        let mut q = sqlx::query(&sql).bind(
            search
                .status
                .map_or(Status::Published.as_str(), Status::as_str),
        );
        if let Some(p) = search.author {
            q = q.bind(p.0);
        }
        for w in &search.words {
            q = q.bind(format!(
                "%{}%",
                crate::media::like_escape(&w.to_lowercase())
            ));
        }
        let rows = q
            .bind(i64::from(search.limit))
            .fetch_all(&self.pool)
            .await?;
        self.desk_items(&rows).await
    }

    /// Desk items for `ids` (any status), in the order given; unknown ids are left out.
    pub async fn desk_items_by_id(&self, ids: &[ArticleId]) -> Result<Vec<DeskItem>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{ITEM_SELECT} WHERE a.id IN ({})",
            self.backend.id_set("$1")
        );
        let rows = sqlx::query(&sql)
            .bind(ids_json(ids.iter().map(|i| i.0)))
            .fetch_all(&self.pool)
            .await?;
        let mut items = self.desk_items(&rows).await?;
        let rank: HashMap<ArticleId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        items.sort_by_key(|i| rank.get(&i.id).copied().unwrap_or(usize::MAX));
        Ok(items)
    }

    /// Stories in one status: scheduled ones soonest first, published ones newest first, the
    /// rest most recently changed first.
    pub async fn desk(&self, filter: DeskFilter) -> Result<Vec<DeskItem>, StoreError> {
        let order = match filter.status {
            Status::Scheduled => "a.scheduled_for ASC, a.id ASC",
            Status::Published => "a.published_at DESC, a.id DESC",
            _ => "a.modified_at DESC, a.id DESC",
        };
        let mine = if filter.author.is_some() {
            "AND EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = a.id \
             AND x.person_id = $3)"
        } else {
            ""
        };
        let sql = format!("{ITEM_SELECT} WHERE a.status = $1 {mine} ORDER BY {order} LIMIT $2");
        let mut q = sqlx::query(&sql)
            .bind(filter.status.as_str())
            .bind(i64::from(filter.limit));
        if let Some(p) = filter.author {
            q = q.bind(p.0);
        }
        let rows = q.fetch_all(&self.pool).await?;
        self.desk_items(&rows).await
    }

    /// Desk items from rows of [`ITEM_SELECT`], with their bylines (one more query).
    async fn desk_items(&self, rows: &[sqlx::any::AnyRow]) -> Result<Vec<DeskItem>, StoreError> {
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let slug: String = get(r, "slug")?;
            let section_slug: String = get(r, "section_slug")?;
            let status: Status = parsed(r, "status")?;
            let path = match opt_date(get(r, "path_date")?)? {
                Some(d) if matches!(status, Status::Published) => {
                    Some(canonical_path(&section_slug, d, &slug))
                }
                _ => None,
            };
            items.push(DeskItem {
                id: ArticleId(get(r, "id")?),
                headline: get(r, "headline")?,
                status,
                section_name: get(r, "section_name")?,
                modified_at: time(get(r, "modified_at")?)?,
                scheduled_for: opt_time(get(r, "scheduled_for")?)?,
                published_at: opt_time(get(r, "published_at")?)?,
                path,
                authors: Vec::new(),
                changed_by: get(r, "changed_by")?,
            });
        }
        let ids: Vec<ArticleId> = items.iter().map(|i| i.id).collect();
        let mut bylines: HashMap<ArticleId, Vec<Person>> = HashMap::new();
        if !ids.is_empty() {
            for (id, p) in self.authors_of(&ids).await? {
                bylines.entry(id).or_default().push(p);
            }
        }
        for item in &mut items {
            item.authors = bylines.remove(&item.id).unwrap_or_default();
        }
        Ok(items)
    }

    /// Stories whose headline contains `q` (any case), any status, newest change first: the
    /// READ MORE and related pickers.
    pub async fn headline_search(
        &self,
        q: &str,
        limit: u32,
    ) -> Result<Vec<(ArticleId, String, Status)>, StoreError> {
        let pattern = format!(
            "%{}%",
            q.trim()
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query(
            "SELECT id, headline, status FROM articles WHERE LOWER(headline) LIKE $1 ESCAPE '\\' \
             ORDER BY modified_at DESC, id DESC LIMIT $2",
        )
        .bind(pattern)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    ArticleId(get(r, "id")?),
                    get(r, "headline")?,
                    parsed(r, "status")?,
                ))
            })
            .collect()
    }

    /// Who created story `id` (None for stories made by tools).
    pub async fn article_creator(&self, id: ArticleId) -> Result<Option<PersonId>, StoreError> {
        let by: Option<Option<i64>> =
            sqlx::query_scalar("SELECT created_by FROM articles WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(by.ok_or(StoreError::NotFound)?.map(PersonId))
    }
}
