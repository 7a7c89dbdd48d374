//! What feeds and sitemaps need from the store: the stored bodies of many stories at once with
//! their READ MORE targets and photos (the article page completes its one body through the same
//! queries), the URLs of every published story, section, tag and author with when each last
//! changed, one window of them at a time, and the stories of the last days for a news sitemap.
//!
//! Only published stories ever appear here: a withdrawn or draft story must never reach a feed
//! or a sitemap. Lists are one query per kind of detail, never one per story.

use crate::listings::Link;
use crate::rows::{get, ids_json, opt_date, time};
use crate::{Store, StoreError};
use dateline_core::ArticleId;
use dateline_core::article::canonical_path;
use jiff::Timestamp;
use std::collections::HashMap;

/// One URL of a sitemap: a site path and when what it shows last changed (None for a section
/// with no published story yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub path: String,
    pub lastmod: Option<Timestamp>,
}

/// Which pages a sitemap lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SitemapKind {
    Articles,
    Sections,
    Tags,
    Authors,
}

/// A story in a news sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsEntry {
    pub path: String,
    pub headline: String,
    pub published_at: Timestamp,
}

/// The later of a story's publication and its last public update, in SQL that both backends
/// share (`GREATEST` is PostgreSQL's, two-argument `MAX` SQLite's).
const ARTICLE_LASTMOD: &str = "CASE WHEN a.updated_at IS NOT NULL AND a.updated_at > a.published_at \
     THEN a.updated_at ELSE a.published_at END";

/// Published stories updated after publication, with the time of the update: few, and found
/// through the partial index `articles_updated` (0006), so listing lastmods never reads every
/// article. `MATERIALIZED` keeps SQLite from folding it into the join and picking the status
/// index instead, and `status || ''` keeps that index out of this scan (PostgreSQL plans by
/// statistics either way, and accepts both spellings).
const UPDATED: &str = "updated AS MATERIALIZED ( \
     SELECT id, section_id, updated_at FROM articles \
     WHERE updated_at IS NOT NULL AND status || '' = 'published' AND updated_at > published_at)";

/// `lastmod` from a listing's newest publication `p` and newest update `u`.
const LATER: &str =
    "CASE WHEN w.u IS NOT NULL AND (w.p IS NULL OR w.u > w.p) THEN w.u ELSE w.p END";

impl SitemapKind {
    /// The rows of this sitemap in a stable order, so a page keeps its URLs as stories are
    /// added (articles oldest first: new stories land on the last page). Columns: `slug`,
    /// `lastmod`, and for articles `path_date` and `section_slug`. `$1` is the limit, `$2` the
    /// offset.
    ///
    /// Section, tag and author rows take their newest publication from the listing indexes
    /// (one index seek each) and their newest update from the few updated stories, never by
    /// reading every story's row: on 100,000 stories the first versions of these queries took
    /// 1–10 s.
    fn window(self) -> String {
        match self {
            Self::Articles => format!(
                "SELECT a.slug, a.path_date, s.slug AS section_slug, {ARTICLE_LASTMOD} AS lastmod \
                 FROM articles a JOIN sections s ON s.id = a.section_id \
                 WHERE a.status = 'published' \
                 ORDER BY a.published_at, a.id LIMIT $1 OFFSET $2"
            ),
            // Every section, with or without stories: its page exists either way.
            Self::Sections => format!(
                "WITH {UPDATED}, \
                 changed AS (SELECT section_id, MAX(updated_at) AS u FROM updated GROUP BY section_id) \
                 SELECT w.slug, {LATER} AS lastmod FROM ( \
                   SELECT s.id, s.slug, s.position, c.u, \
                     (SELECT MAX(a.published_at) FROM articles a \
                      WHERE a.section_id = s.id AND a.status = 'published') AS p \
                   FROM sections s LEFT JOIN changed c ON c.section_id = s.id) w \
                 ORDER BY w.position, w.id LIMIT $1 OFFSET $2"
            ),
            // Tags and authors only with a published story: an author without one has no page,
            // and an empty tag page is nothing to send a crawler to. The join tables' copy of
            // `published_at` is NULL unless the story is published.
            Self::Tags => format!(
                "WITH {UPDATED}, \
                 changed AS (SELECT x.tag_id, MAX(u.updated_at) AS u \
                             FROM updated u JOIN article_tags x ON x.article_id = u.id \
                             GROUP BY x.tag_id) \
                 SELECT w.slug, {LATER} AS lastmod FROM ( \
                   SELECT t.id, t.slug, c.u, \
                     (SELECT MAX(x.published_at) FROM article_tags x WHERE x.tag_id = t.id) AS p \
                   FROM tags t LEFT JOIN changed c ON c.tag_id = t.id) w \
                 WHERE w.p IS NOT NULL ORDER BY w.id LIMIT $1 OFFSET $2"
            ),
            Self::Authors => format!(
                "WITH {UPDATED}, \
                 changed AS (SELECT x.person_id, MAX(u.updated_at) AS u \
                             FROM updated u JOIN article_authors x ON x.article_id = u.id \
                             GROUP BY x.person_id) \
                 SELECT w.slug, {LATER} AS lastmod FROM ( \
                   SELECT p.id, p.slug, c.u, \
                     (SELECT MAX(x.published_at) FROM article_authors x \
                      WHERE x.person_id = p.id) AS p \
                   FROM people p LEFT JOIN changed c ON c.person_id = p.id) w \
                 WHERE w.p IS NOT NULL ORDER BY w.id LIMIT $1 OFFSET $2"
            ),
        }
    }

    fn count_sql(self) -> &'static str {
        match self {
            Self::Articles => "SELECT COUNT(*) FROM articles WHERE status = 'published'",
            Self::Sections => "SELECT COUNT(*) FROM sections",
            Self::Tags => {
                "SELECT COUNT(*) FROM tags t WHERE EXISTS ( \
                 SELECT 1 FROM article_tags x WHERE x.tag_id = t.id AND x.published_at IS NOT NULL)"
            }
            Self::Authors => {
                "SELECT COUNT(*) FROM people p WHERE EXISTS ( \
                 SELECT 1 FROM article_authors x \
                 WHERE x.person_id = p.id AND x.published_at IS NOT NULL)"
            }
        }
    }
}

/// Page `page` (from 1) of `per_page` rows as LIMIT and OFFSET.
fn window_bounds(page: u32, per_page: u32) -> (i64, i64) {
    let limit = i64::from(per_page.max(1));
    (limit, i64::from(page.max(1) - 1) * limit)
}

#[dateline_store_macros::timed]
impl Store {
    /// How many URLs a sitemap of `kind` has in all.
    pub async fn sitemap_count(&self, kind: SitemapKind) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(kind.count_sql())
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Page `page` (from 1) of a sitemap of `kind`, `per_page` URLs at most.
    pub async fn sitemap_page(
        &self,
        kind: SitemapKind,
        page: u32,
        per_page: u32,
    ) -> Result<Vec<SitemapEntry>, StoreError> {
        let (limit, offset) = window_bounds(page, per_page);
        let rows = sqlx::query(&kind.window())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let slug: String = get(r, "slug")?;
            let lastmod = get::<Option<i64>>(r, "lastmod")?.map(time).transpose()?;
            let path = match kind {
                SitemapKind::Articles => {
                    let Some(date) = opt_date(get(r, "path_date")?)? else {
                        return Err(StoreError::Corrupt(format!(
                            "published article {slug} has no path date"
                        )));
                    };
                    canonical_path(&get::<String>(r, "section_slug")?, date, &slug)
                }
                // The same shapes as `Section::path`, `Tag::path` and `Person::path`.
                SitemapKind::Sections => format!("/{slug}/"),
                SitemapKind::Tags => format!("/tags/{slug}/"),
                SitemapKind::Authors => format!("/authors/{slug}/"),
            };
            out.push(SitemapEntry { path, lastmod });
        }
        Ok(out)
    }

    /// The newest `lastmod` on page `page` of a sitemap of `kind` (for the sitemap index),
    /// without reading the page's rows into memory.
    pub async fn sitemap_page_lastmod(
        &self,
        kind: SitemapKind,
        page: u32,
        per_page: u32,
    ) -> Result<Option<Timestamp>, StoreError> {
        let (limit, offset) = window_bounds(page, per_page);
        let newest: Option<i64> =
            sqlx::query_scalar(&format!("SELECT MAX(w.lastmod) FROM ({}) w", kind.window()))
                .bind(limit)
                .bind(offset)
                .fetch_one(&self.pool)
                .await?;
        newest.map(time).transpose()
    }

    /// The newest `lastmod` of every page of a sitemap of `kind`, `per_page` URLs a page, in
    /// page order (what the sitemap index lists).
    ///
    /// Articles are answered from two scans, never one `OFFSET` walk per page (on 100,000
    /// stories those took 1.7 s): every page's last story, found by numbering the stories in
    /// one pass over the covering index `articles_public`, gives the page's newest publication
    /// (pages run oldest first); the few stories updated after publication are then placed
    /// in their pages by key. The other kinds have a page or two and use their page query.
    pub async fn sitemap_lastmods(
        &self,
        kind: SitemapKind,
        per_page: u32,
    ) -> Result<Vec<Option<Timestamp>>, StoreError> {
        let per_page = per_page.max(1);
        if kind != SitemapKind::Articles {
            let pages = self
                .sitemap_count(kind)
                .await?
                .div_ceil(u64::from(per_page));
            let mut out = Vec::new();
            for page in 1..=u32::try_from(pages).unwrap_or(u32::MAX) {
                out.push(self.sitemap_page_lastmod(kind, page, per_page).await?);
            }
            return Ok(out);
        }
        // The last story of every full page, then the very last story (the end of a partial
        // last page, or again the end of the last full one).
        let ends = sqlx::query(
            "SELECT published_at, id FROM ( \
               SELECT published_at, id, ROW_NUMBER() OVER (ORDER BY published_at, id) AS n \
               FROM articles WHERE status = 'published') w \
             WHERE n % $1 = 0 ORDER BY n",
        )
        .bind(i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        let last = sqlx::query(
            "SELECT published_at, id FROM articles WHERE status = 'published' \
             ORDER BY published_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let mut bounds: Vec<(i64, i64)> = Vec::with_capacity(ends.len() + 1);
        for r in ends.iter().chain(last.iter()) {
            let key = (get::<i64>(r, "published_at")?, get::<i64>(r, "id")?);
            if bounds.last() != Some(&key) {
                bounds.push(key);
            }
        }
        let mut newest: Vec<i64> = bounds.iter().map(|(p, _)| *p).collect();
        let updated = sqlx::query(&format!(
            "WITH {UPDATED} SELECT a.published_at, a.id, u.updated_at \
             FROM updated u JOIN articles a ON a.id = u.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        for r in &updated {
            let key = (get::<i64>(r, "published_at")?, get::<i64>(r, "id")?);
            let page = bounds.partition_point(|b| *b < key);
            if let Some(n) = newest.get_mut(page) {
                *n = (*n).max(get::<i64>(r, "updated_at")?);
            }
        }
        newest.into_iter().map(|t| time(t).map(Some)).collect()
    }

    /// Published stories first published at or after `since`, newest first, `limit` at most.
    pub async fn news_entries(
        &self,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<NewsEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.slug, a.headline, a.path_date, a.published_at, s.slug AS section_slug \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE a.status = 'published' AND a.published_at >= $1 \
             ORDER BY a.published_at DESC, a.id DESC LIMIT $2",
        )
        .bind(since.as_microsecond())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let slug: String = get(r, "slug")?;
            let Some(date) = opt_date(get(r, "path_date")?)? else {
                return Err(StoreError::Corrupt(format!(
                    "published article {slug} has no path date"
                )));
            };
            let published: Option<i64> = get(r, "published_at")?;
            out.push(NewsEntry {
                path: canonical_path(&get::<String>(r, "section_slug")?, date, &slug),
                headline: get(r, "headline")?,
                published_at: time(published.unwrap_or_default())?,
            });
        }
        Ok(out)
    }

    /// The stored (placeholder-bearing) bodies of the published stories among `ids`.
    pub async fn published_bodies(
        &self,
        ids: &[ArticleId],
    ) -> Result<HashMap<ArticleId, String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        // No `status` condition in SQL: with `id IN (…) AND status = …` SQLite (without
        // statistics) picks the (status, published_at) index and scans every published story.
        // The primary key finds the rows; unpublished ones are dropped here.
        let rows = sqlx::query(&format!(
            "SELECT id, status, body_html FROM articles WHERE id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            if get::<String>(r, "status")? == "published" {
                out.insert(ArticleId(get(r, "id")?), get(r, "body_html")?);
            }
        }
        Ok(out)
    }

    /// The published targets of the READ MORE blocks of several stories, by story and then by
    /// placeholder key (what [`Store::read_more_targets`] answers for one story).
    pub async fn read_more_targets_of(
        &self,
        ids: &[ArticleId],
    ) -> Result<HashMap<ArticleId, HashMap<String, Link>>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        // The target's status is checked here rather than in SQL, so the planner walks
        // `article_links` by its key instead of every published story (see above).
        let rows = sqlx::query(&format!(
            "SELECT l.article_id, l.ref, a.status, a.headline, a.slug, a.path_date, \
                    s.slug AS section_slug \
             FROM article_links l JOIN articles a ON a.id = l.target_id \
             JOIN sections s ON s.id = a.section_id \
             WHERE l.article_id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<ArticleId, HashMap<String, Link>> = HashMap::new();
        for r in &rows {
            let link = crate::listings::link_from((
                get(r, "status")?,
                get(r, "headline")?,
                get(r, "slug")?,
                get(r, "path_date")?,
                get(r, "section_slug")?,
            ))?;
            if let Some(link) = link {
                out.entry(ArticleId(get(r, "article_id")?))
                    .or_default()
                    .insert(get::<String>(r, "ref")?, link);
            }
        }
        Ok(out)
    }
}
