//! Everything the article page shows about its story, read in one statement: the story, its
//! bylines, tags, corrections, READ MORE targets, photos (the body's and the lead), the
//! editors' related picks, the kept automatic related list and the summaries of the related
//! stories the page shows.
//!
//! The lists come back as JSON columns of the story's row ([`crate::Backend::json_rows`]),
//! because every statement costs two thread hand-offs in sqlx's SQLite driver (and a round trip
//! to PostgreSQL): the page made nine statements, and those hand-offs were most of an uncached
//! page's time (docs/benchmarks.md, 30 November 2026). The rows are converted by the same
//! functions as the one-list-per-statement reads (`person_from`, `tag_from`, `media_parts`,
//! `link_from`, `summary_from`), which the API, the feeds and the newsroom keep using.

use crate::corrections::Correction;
use crate::listings::{ArticleSummary, Link, link_from, summary_from};
use crate::media::media_parts;
use crate::people::person_from;
use crate::related_lists::parse_ids;
use crate::rows::{get, json_rows, time};
use crate::tags::tag_from;
use crate::{Store, StoreError};
use dateline_core::ArticleId;
use dateline_core::article::Article;
use dateline_core::media::Media;
use dateline_core::person::Person;
use dateline_core::related;
use dateline_core::tag::Tag;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A story with everything its page shows.
#[derive(Debug, Clone)]
pub struct ArticlePageData {
    pub article: Article,
    /// Bylines, in order.
    pub authors: Vec<Person>,
    /// Tags, in order.
    pub tags: Vec<Tag>,
    /// Oldest first.
    pub corrections: Vec<Correction>,
    /// The READ MORE targets readers can follow, by placeholder key (withdrawn and unpublished
    /// targets are left out, so their blocks disappear).
    pub links: HashMap<String, Link>,
    /// The library photos the body shows, and the lead photo.
    pub media: Vec<Media>,
    /// The editors' related picks that are published, in the editors' order.
    pub related_picks: Vec<ArticleId>,
    /// The kept automatic related list, best first; None when none was computed yet (as
    /// [`Store::related_list`] answers).
    pub related_kept: Option<Vec<ArticleId>>,
    /// The related block's stories when there is a kept list: the published picks, then the
    /// kept list, each once, never the story itself, at most [`related::LIMIT`]. Empty, and
    /// not to be shown, when `related_kept` is None (the caller ranks first).
    pub related: Vec<ArticleSummary>,
    /// Every other story whose change can alter this page: the READ MORE targets and the
    /// related picks whatever their status (one unpublished now shows when it is published),
    /// and the kept list. The page cache drops the page when any of them changes.
    pub shows: Vec<ArticleId>,
}

/// The summaries of the related block, as `dateline_core::related::merge` and the page's
/// limit choose them from the picks and the kept list: the editors' picks first (in their
/// order), then the kept list (best first), each story once, never the story itself, only
/// published ones, at most [`related::LIMIT`]. Used only when there is a kept list; without one
/// the web layer ranks first and asks for the summaries itself.
///
/// `CROSS JOIN` keeps SQLite's join order: the few candidates first, each story found by its
/// key. Without statistics SQLite otherwise walks the (status, published_at) index through
/// every published story and looks each up among the candidates (seconds on a large archive).
fn related_summaries(b: crate::Backend) -> String {
    let candidates = format!(
        "SELECT r.related_id AS id, r.position AS ord FROM article_related r \
         WHERE r.article_id = a.id \
         UNION ALL \
         SELECT CAST(j.value AS BIGINT) AS id, 1000000 + j.key AS ord \
         FROM related_lists k, {} WHERE k.article_id = a.id",
        b.comma_ids("k.related", "j")
    );
    let chosen = format!(
        "(SELECT t.id, t.slug, t.headline, t.standfirst, t.section_id, t.published_at, \
                 t.updated_at, t.path_date, t.short_code, s.slug AS section_slug, \
                 s.name AS section_name, c.ord, {media} \
          FROM (SELECT u.id, MIN(u.ord) AS ord FROM ({candidates}) u \
                WHERE u.id <> a.id GROUP BY u.id) c \
          CROSS JOIN articles t JOIN sections s ON s.id = t.section_id \
          LEFT JOIN media m ON m.id = t.lead_media_id \
          WHERE t.id = c.id AND t.status = 'published' ORDER BY c.ord LIMIT {limit}) z",
        media = crate::media::JOINED_COLUMNS,
        limit = related::LIMIT,
    );
    let media = format!(
        "CASE WHEN z.m_id IS NULL THEN NULL ELSE {} END",
        b.json_row(&crate::media::joined_columns_of("z"))
    );
    let bylines = b.json_rows_nested(
        crate::people::COLUMNS,
        "article_authors x JOIN people p ON p.id = x.person_id WHERE x.article_id = z.id",
        "x.position",
    );
    b.json_rows(
        &format!(
            "z.id, z.slug, z.headline, z.standfirst, z.section_id, z.published_at, \
             z.updated_at, z.path_date, z.short_code, z.section_slug, z.section_name, \
             {media}, {bylines}"
        ),
        &chosen,
        "z.ord",
    )
}

/// The article page's statement for backend `b` (see [`Store::article_page`]).
fn page_sql(b: crate::Backend) -> String {
    format!(
        "SELECT {columns}, {authors} AS j_authors, {tags} AS j_tags, \
                {corrections} AS j_corrections, {links} AS j_links, {media} AS j_media, \
                {picks} AS j_picks, {related} AS j_related, \
                (SELECT k.related FROM related_lists k WHERE k.article_id = a.id) AS kept \
         FROM articles a WHERE a.slug = $1",
        columns = crate::articles::COLUMNS,
        authors = b.json_rows(
            crate::people::COLUMNS,
            "article_authors x JOIN people p ON p.id = x.person_id WHERE x.article_id = a.id",
            "x.position",
        ),
        tags = b.json_rows(
            "t.id, t.slug, t.name",
            "article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id = a.id",
            "x.position",
        ),
        corrections = b.json_rows(
            "c.id, c.note, c.created_at",
            "article_corrections c WHERE c.article_id = a.id",
            "c.id",
        ),
        links = b.json_rows(
            "l.ref, t.status, t.headline, t.slug, t.path_date, s.slug, t.id",
            "article_links l JOIN articles t ON t.id = l.target_id \
             JOIN sections s ON s.id = t.section_id WHERE l.article_id = a.id",
            "l.ref",
        ),
        media = b.json_rows(
            &crate::media::columns_of("m"),
            "media m WHERE m.id IN \
             (SELECT x.media_id FROM article_media x WHERE x.article_id = a.id \
              UNION SELECT a.lead_media_id)",
            "m.id",
        ),
        picks = b.json_rows(
            "r.related_id, t.status",
            "article_related r JOIN articles t ON t.id = r.related_id \
             WHERE r.article_id = a.id",
            "r.position",
        ),
        related = related_summaries(b),
    )
}

#[dateline_store_macros::timed]
impl Store {
    /// The story whose slug is `slug` (whatever its status: the caller decides what readers
    /// see) with everything its page shows.
    pub async fn article_page(&self, slug: &str) -> Result<ArticlePageData, StoreError> {
        // The statement's text depends only on the backend: made once, not on every page.
        static SQL: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
        let b = self.backend;
        let sql = SQL[b as usize].get_or_init(|| page_sql(b));
        let row = sqlx::query(sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let article = crate::articles::article(&row)?;
        let id = article.id;
        let mut links = HashMap::new();
        let mut shows = Vec::new();
        for (key, status, headline, slug, date, section, target) in json_rows(&row, "j_links")? {
            shows.push(ArticleId(target));
            if let Some(link) = link_from((status, headline, slug, date, section))? {
                links.insert(key, link);
            }
        }
        let mut related_picks = Vec::new();
        for (pick, status) in json_rows::<(i64, String)>(&row, "j_picks")? {
            shows.push(ArticleId(pick));
            if status == "published" {
                related_picks.push(ArticleId(pick));
            }
        }
        let related_kept = get::<Option<String>>(&row, "kept")?
            .map(|t| parse_ids(&t))
            .transpose()?;
        shows.extend(related_kept.iter().flatten().copied());
        Ok(ArticlePageData {
            shows,
            authors: json_rows(&row, "j_authors")?
                .into_iter()
                .map(person_from)
                .collect::<Result<_, _>>()?,
            tags: json_rows(&row, "j_tags")?
                .into_iter()
                .map(tag_from)
                .collect::<Result<_, _>>()?,
            corrections: json_rows::<(i64, String, i64)>(&row, "j_corrections")?
                .into_iter()
                .map(|(cid, note, at)| {
                    Ok(Correction {
                        id: cid,
                        article_id: id,
                        note,
                        created_at: time(at)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            links,
            media: json_rows(&row, "j_media")?
                .into_iter()
                .map(media_parts)
                .collect::<Result<_, _>>()?,
            related_picks,
            related_kept,
            related: json_rows(&row, "j_related")?
                .into_iter()
                .map(summary_from)
                .collect::<Result<_, _>>()?,
            article,
        })
    }
}
