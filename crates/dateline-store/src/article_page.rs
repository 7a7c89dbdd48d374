//! Everything the article page shows about its story, read in one statement: the story, its
//! bylines, tags, corrections, READ MORE targets, photos (the body's and the lead), the
//! editors' related picks and the kept automatic related list.
//!
//! The lists come back as JSON columns of the story's row ([`crate::Backend::json_rows`]),
//! because every statement costs two thread hand-offs in sqlx's SQLite driver (and a round trip
//! to PostgreSQL): the page made nine statements, and those hand-offs were most of an uncached
//! page's time (docs/benchmarks.md, 30 November 2026). The rows are converted by the same
//! functions as the one-list-per-statement reads (`person_from`, `tag_from`, `media_parts`,
//! `link_from`), which the API, the feeds and the newsroom keep using.

use crate::corrections::Correction;
use crate::listings::{Link, link_from};
use crate::media::{M_COLUMNS, media_parts};
use crate::people::person_from;
use crate::related_lists::parse_ids;
use crate::rows::{get, json_rows, time};
use crate::tags::tag_from;
use crate::{Store, StoreError};
use dateline_core::ArticleId;
use dateline_core::article::Article;
use dateline_core::media::Media;
use dateline_core::person::Person;
use dateline_core::tag::Tag;
use std::collections::HashMap;

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
}

impl Store {
    /// The story whose slug is `slug` (whatever its status: the caller decides what readers
    /// see) with everything its page shows.
    pub async fn article_page(&self, slug: &str) -> Result<ArticlePageData, StoreError> {
        let b = self.backend;
        let sql = format!(
            "SELECT {columns}, {authors} AS j_authors, {tags} AS j_tags, \
                    {corrections} AS j_corrections, {links} AS j_links, {media} AS j_media, \
                    {picks} AS j_picks, \
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
                "l.ref, t.status, t.headline, t.slug, t.path_date, s.slug",
                "article_links l JOIN articles t ON t.id = l.target_id \
                 JOIN sections s ON s.id = t.section_id WHERE l.article_id = a.id",
                "l.ref",
            ),
            media = b.json_rows(
                M_COLUMNS,
                "media m WHERE m.id IN \
                 (SELECT x.media_id FROM article_media x WHERE x.article_id = a.id \
                  UNION SELECT a.lead_media_id)",
                "m.id",
            ),
            picks = b.json_rows(
                "r.related_id",
                "article_related r JOIN articles t ON t.id = r.related_id \
                 WHERE r.article_id = a.id AND t.status = 'published'",
                "r.position",
            ),
        );
        let row = sqlx::query(&sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let article = crate::articles::article(&row)?;
        let id = article.id;
        let mut links = HashMap::new();
        for (key, status, headline, slug, date, section) in json_rows(&row, "j_links")? {
            if let Some(link) = link_from((status, headline, slug, date, section))? {
                links.insert(key, link);
            }
        }
        Ok(ArticlePageData {
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
            related_picks: json_rows::<(i64,)>(&row, "j_picks")?
                .into_iter()
                .map(|(r,)| ArticleId(r))
                .collect(),
            related_kept: get::<Option<String>>(&row, "kept")?
                .map(|t| parse_ids(&t))
                .transpose()?,
            article,
        })
    }
}
