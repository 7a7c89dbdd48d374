//! What lists of stories need: fronts, section/tag/author pages, related candidates and READ MORE
//! targets. Every list is one id query plus one query for the summaries (never one per item);
//! a summary's lead photo is joined and its bylines come as a JSON column
//! ([`crate::Backend::json_rows`]), so the summaries of any number of stories are one statement.

use crate::media::{MediaParts, media_parts};
use crate::people::{PersonParts, person_from};
use crate::rows::{get, ids_json, json_rows, opt_date, time};
use crate::{Store, StoreError};
use dateline_core::article::canonical_path;
use dateline_core::media::Media;
use dateline_core::page::{PageRequest, Paged};
use dateline_core::person::Person;
use dateline_core::related::Candidate;
use dateline_core::section::Section;
use dateline_core::{ArticleId, PersonId, SectionId, TagId};
use jiff::Timestamp;
use std::collections::HashMap;

/// Which published stories a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Section(SectionId),
    Tag(TagId),
    Author(PersonId),
}

/// A story as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub headline: String,
    pub standfirst: String,
    pub section_id: SectionId,
    pub section_slug: String,
    pub section_name: String,
    pub published_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub path: String,
    pub short_code: String,
    pub lead: Option<Media>,
    pub authors: Vec<Person>,
}

/// The front page: the lead, the next top stories, and the latest of each section.
#[derive(Debug, Clone)]
pub struct FrontPage {
    pub top: Vec<ArticleSummary>,
    pub sections: Vec<(Section, Vec<ArticleSummary>)>,
}

/// A READ MORE target as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub headline: String,
    pub path: String,
}

/// A READ MORE target from its story's columns (status, headline, slug, URL date, section
/// slug); None when readers cannot follow it (the story is withdrawn or not published), so its
/// block disappears from the page.
pub(crate) fn link_from(
    (status, headline, slug, path_date, section_slug): (
        String,
        String,
        String,
        Option<String>,
        String,
    ),
) -> Result<Option<Link>, StoreError> {
    if status != "published" {
        return Ok(None);
    }
    let Some(date) = opt_date(path_date)? else {
        return Ok(None);
    };
    Ok(Some(Link {
        headline,
        path: canonical_path(&section_slug, date, &slug),
    }))
}

/// A published story's summary columns, as [`Store::summaries`] reads them and as a JSON row
/// carries them (the lead photo and the bylines as nested arrays): id, slug, headline,
/// standfirst, section id, published, updated, URL date, short code, section slug and name,
/// lead photo, bylines.
pub(crate) type SummaryParts = (
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<MediaParts>,
    Vec<PersonParts>,
);

pub(crate) fn summary_from(
    (
        id,
        slug,
        headline,
        standfirst,
        section_id,
        published,
        updated,
        path_date,
        short_code,
        section_slug,
        section_name,
        lead,
        bylines,
    ): SummaryParts,
) -> Result<ArticleSummary, StoreError> {
    let id = ArticleId(id);
    let date = opt_date(path_date)?
        .ok_or_else(|| StoreError::Corrupt(format!("published article {id} has no path date")))?;
    let published_at = time(published.ok_or_else(|| {
        StoreError::Corrupt(format!("published article {id} has no publication time"))
    })?)?;
    Ok(ArticleSummary {
        id,
        headline,
        standfirst,
        section_id: SectionId(section_id),
        path: canonical_path(&section_slug, date, &slug),
        section_slug,
        section_name,
        published_at,
        updated_at: crate::rows::opt_time(updated)?,
        short_code: short_code.unwrap_or_default(),
        lead: lead.map(media_parts).transpose()?,
        authors: bylines
            .into_iter()
            .map(person_from)
            .collect::<Result<_, _>>()?,
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// One page of published stories, newest first.
    pub async fn latest(
        &self,
        filter: Filter,
        page: PageRequest,
    ) -> Result<Paged<ArticleSummary>, StoreError> {
        let (ids_sql, count_sql, key) = match filter {
            Filter::All => (
                "SELECT id FROM articles WHERE status = 'published' \
                 ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2",
                "SELECT COUNT(*) FROM articles WHERE status = 'published'",
                None,
            ),
            Filter::Section(s) => (
                "SELECT id FROM articles WHERE section_id = $3 AND status = 'published' \
                 ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2",
                "SELECT COUNT(*) FROM articles WHERE section_id = $1 AND status = 'published'",
                Some(s.0),
            ),
            Filter::Tag(t) => (
                "SELECT article_id FROM article_tags WHERE tag_id = $3 \
                 AND published_at IS NOT NULL \
                 ORDER BY published_at DESC, article_id DESC LIMIT $1 OFFSET $2",
                "SELECT COUNT(*) FROM article_tags WHERE tag_id = $1 AND published_at IS NOT NULL",
                Some(t.0),
            ),
            Filter::Author(p) => (
                "SELECT article_id FROM article_authors WHERE person_id = $3 \
                 AND published_at IS NOT NULL \
                 ORDER BY published_at DESC, article_id DESC LIMIT $1 OFFSET $2",
                "SELECT COUNT(*) FROM article_authors WHERE person_id = $1 \
                 AND published_at IS NOT NULL",
                Some(p.0),
            ),
        };
        let mut q = sqlx::query_scalar::<_, i64>(ids_sql)
            .bind(page.limit())
            .bind(page.offset());
        let mut c = sqlx::query_scalar::<_, i64>(count_sql);
        if let Some(k) = key {
            q = q.bind(k);
            c = c.bind(k);
        }
        let ids: Vec<ArticleId> = q
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(ArticleId)
            .collect();
        let total = c.fetch_one(&self.pool).await?;
        Ok(Paged {
            items: self.summaries(&ids).await?,
            page: page.page,
            per_page: page.per_page,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Summaries of published stories, in the order of `ids`; unpublished ids are left out.
    pub async fn summaries(&self, ids: &[ArticleId]) -> Result<Vec<ArticleSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            // No `status` condition here: given `id IN (…) AND status = …`, SQLite without
            // statistics picks the (status, published_at) index and scans every published
            // story. The primary key finds the rows; unpublished ones are dropped below.
            "SELECT a.id, a.slug, a.headline, a.standfirst, a.section_id, a.status, \
                    a.published_at, a.updated_at, a.path_date, a.short_code, \
                    s.slug AS section_slug, s.name AS section_name, {}, {} AS bylines \
             FROM articles a JOIN sections s ON s.id = a.section_id \
             LEFT JOIN media m ON m.id = a.lead_media_id \
             WHERE a.id IN ({})",
            crate::media::JOINED_COLUMNS,
            self.backend.json_rows(
                crate::people::COLUMNS,
                "article_authors x JOIN people p ON p.id = x.person_id \
                 WHERE x.article_id = a.id",
                "x.position"
            ),
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| get::<String>(r, "status").is_ok_and(|s| s == "published"))
            .collect();
        let mut by_id: HashMap<ArticleId, ArticleSummary> = HashMap::with_capacity(rows.len());
        for r in &rows {
            let s = summary_from((
                get(r, "id")?,
                get(r, "slug")?,
                get(r, "headline")?,
                get(r, "standfirst")?,
                get(r, "section_id")?,
                get(r, "published_at")?,
                get(r, "updated_at")?,
                get(r, "path_date")?,
                get(r, "short_code")?,
                get(r, "section_slug")?,
                get(r, "section_name")?,
                crate::media::joined_media_parts(r)?,
                json_rows(r, "bylines")?,
            ))?;
            by_id.insert(s.id, s);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The front page: the pinned stories that are published (lead first), then the newest
    /// stories overall up to `top`, then `per_section` newest of each section (stories already
    /// in the top slots are not repeated).
    pub async fn front_page(&self, top: u32, per_section: u32) -> Result<FrontPage, StoreError> {
        let pins = self.front_pins().await?;
        // Summaries keep only published stories, so a withdrawn pin simply drops out.
        let mut top_ids: Vec<ArticleId> = if pins.is_empty() {
            Vec::new()
        } else {
            self.summaries(&pins)
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect()
        };
        top_ids.truncate(top as usize);
        let newest: Vec<ArticleId> = sqlx::query_scalar::<_, i64>(
            "SELECT id FROM articles WHERE status = 'published' \
             ORDER BY published_at DESC, id DESC LIMIT $1",
        )
        .bind(i64::from(top) + top_ids.len() as i64)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(ArticleId)
        .collect();
        for id in newest {
            if top_ids.len() >= top as usize {
                break;
            }
            if !top_ids.contains(&id) {
                top_ids.push(id);
            }
        }
        let sections = self.sections().await?;
        let mut per: Vec<(Section, Vec<ArticleId>)> = Vec::with_capacity(sections.len());
        let mut all: Vec<ArticleId> = top_ids.clone();
        for s in sections {
            // Over-fetch by the top count so exclusions still leave `per_section` stories.
            let ids: Vec<ArticleId> = sqlx::query_scalar::<_, i64>(
                "SELECT id FROM articles WHERE section_id = $1 AND status = 'published' \
                 ORDER BY published_at DESC, id DESC LIMIT $2",
            )
            .bind(s.id.0)
            .bind(i64::from(per_section + top))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(ArticleId)
            .filter(|id| !top_ids.contains(id))
            .take(per_section as usize)
            .collect();
            all.extend(&ids);
            per.push((s, ids));
        }
        let mut summaries: HashMap<ArticleId, ArticleSummary> = self
            .summaries(&all)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let top = top_ids
            .iter()
            .filter_map(|id| summaries.get(id).cloned())
            .collect();
        let sections = per
            .into_iter()
            .map(|(s, ids)| {
                let items = ids.iter().filter_map(|id| summaries.remove(id)).collect();
                (s, items)
            })
            .collect();
        Ok(FrontPage { top, sections })
    }

    /// Published stories that might be related to `id`: the newest few sharing each of its tags
    /// (with the number of shared tags), the newest of its section, and, when those are too few,
    /// the newest overall. Each query reads an index range and returns what ranking needs, so
    /// no second lookup of the candidates is required.
    pub async fn related_candidates(
        &self,
        id: ArticleId,
        section: SectionId,
    ) -> Result<Vec<Candidate>, StoreError> {
        let tag_ids: Vec<i64> =
            sqlx::query_scalar("SELECT tag_id FROM article_tags WHERE article_id = $1")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
        // The per-tag lists and the section's latest do not depend on each other: ask for them
        // at once, each on its own pooled connection, so the page waits for one round trip
        // instead of one per tag.
        let per_tag = tag_ids.iter().map(|t| {
            sqlx::query(
                "SELECT x.article_id AS id, x.published_at, a.section_id \
                 FROM article_tags x JOIN articles a ON a.id = x.article_id \
                 WHERE x.tag_id = $1 AND x.published_at IS NOT NULL \
                 ORDER BY x.published_at DESC LIMIT 40",
            )
            .bind(*t)
            .fetch_all(&self.pool)
        });
        let in_section = sqlx::query(
            "SELECT id, published_at, section_id FROM articles \
             WHERE section_id = $1 AND status = 'published' \
             ORDER BY published_at DESC, id DESC LIMIT 12",
        )
        .bind(section.0)
        .fetch_all(&self.pool);
        let (tagged, in_section) =
            tokio::try_join!(futures::future::try_join_all(per_tag), in_section)?;
        let mut found: HashMap<i64, Candidate> = HashMap::new();
        for rows in &tagged {
            add_candidates(&mut found, id, rows, true)?;
        }
        add_candidates(&mut found, id, &in_section, false)?;
        if found.len() < dateline_core::related::LIMIT {
            let rows = sqlx::query(
                "SELECT id, published_at, section_id FROM articles WHERE status = 'published' \
                 ORDER BY published_at DESC, id DESC LIMIT 6",
            )
            .fetch_all(&self.pool)
            .await?;
            add_candidates(&mut found, id, &rows, false)?;
        }
        Ok(found.into_values().collect())
    }

    /// The published targets of an article's READ MORE blocks, by placeholder key. Keys whose
    /// target is missing, withdrawn or unpublished are absent, so their blocks disappear.
    pub async fn read_more_targets(
        &self,
        id: ArticleId,
    ) -> Result<HashMap<String, Link>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.ref, a.headline, a.slug, a.path_date, s.slug AS section_slug \
             FROM article_links l JOIN articles a ON a.id = l.target_id \
             JOIN sections s ON s.id = a.section_id \
             WHERE l.article_id = $1 AND a.status = 'published'",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let Some(date) = opt_date(get(r, "path_date")?)? else {
                continue;
            };
            let section: String = get(r, "section_slug")?;
            let slug: String = get(r, "slug")?;
            out.insert(
                get::<String>(r, "ref")?,
                Link {
                    headline: get(r, "headline")?,
                    path: canonical_path(&section, date, &slug),
                },
            );
        }
        Ok(out)
    }
}

/// Merge candidate rows (`id`, `published_at`, `section_id`) into `found`, counting a shared tag
/// for each appearance in a tag's list; the subject itself is never a candidate.
fn add_candidates(
    found: &mut HashMap<i64, Candidate>,
    subject: ArticleId,
    rows: &[sqlx::any::AnyRow],
    tagged: bool,
) -> Result<(), StoreError> {
    for r in rows {
        let cid: i64 = get(r, "id")?;
        if cid == subject.0 {
            continue;
        }
        let c = match found.entry(cid) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Candidate {
                id: ArticleId(cid),
                section_id: SectionId(get(r, "section_id")?),
                published_at: time(get(r, "published_at")?)?,
                shared_tags: 0,
                similarity: 0.0,
            }),
        };
        if tagged {
            c.shared_tags += 1;
        }
    }
    Ok(())
}
