//! Static pages (migration `0022_static_pages.sql`): the rows, their kept revisions, the
//! footer's order, and the one rule shared with sections: a slug names a section or a page,
//! never both, checked inside the writing transaction so two editors racing cannot both win.
//!
//! Bodies arrive rendered (the web layer renders the dialect at save time); nothing here
//! renders or inspects HTML. A write readers can see (a published page before or after it)
//! announces `Change::Content`, which drops every cached page and reloads the site context,
//! since the footer on every page lists the published pages.

use crate::rows::{get, micros, parsed, slug, time};
use crate::{Change, Store, StoreError, Writer};
use dateline_core::slug::Slug;
use dateline_core::static_page::{PageStatus, StaticPage};
use dateline_core::{PageId, PersonId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// What a save writes: everything an editor sets, and the body as rendered from the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInput {
    pub slug: Slug,
    pub title: String,
    pub description: String,
    pub body_source: String,
    pub body_html: String,
    pub body_text: String,
    pub refs: Vec<String>,
    pub status: PageStatus,
    pub footer_position: Option<i64>,
}

/// One kept save of a page: the editable fields after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRevision {
    pub id: i64,
    pub page_id: PageId,
    /// The page's version after the save.
    pub version: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body_source: String,
    pub status: PageStatus,
    pub footer_position: Option<i64>,
    /// The name of who saved it, when known.
    pub saved_by_name: String,
    pub saved_at: Timestamp,
}

/// A page as an export has it (`dateline import`): written with its old URLs in one
/// transaction, remembered under its source so a second run updates it in place.
#[derive(Debug, Clone)]
pub struct ImportedPage {
    pub source: String,
    pub source_id: String,
    pub input: PageInput,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    /// Paths (and `/?page_id=ID` queries) the page had on the old site.
    pub old_paths: Vec<String>,
}

/// A footer link: a published page listed in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FooterLink {
    pub title: String,
    pub path: String,
}

const COLUMNS: &str = "id, slug, title, description, body_source, body_html, body_text, refs, \
     status, footer_position, created_at, updated_at, version";

fn page(row: &AnyRow) -> Result<StaticPage, StoreError> {
    let refs: String = get(row, "refs")?;
    Ok(StaticPage {
        id: PageId(get(row, "id")?),
        slug: slug(row, "slug")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        body_source: get(row, "body_source")?,
        body_html: get(row, "body_html")?,
        body_text: get(row, "body_text")?,
        refs: serde_json::from_str(&refs)
            .map_err(|e| StoreError::Corrupt(format!("column refs: {e}")))?,
        status: parsed(row, "status")?,
        footer_position: get(row, "footer_position")?,
        created_at: time(get(row, "created_at")?)?,
        updated_at: time(get(row, "updated_at")?)?,
        version: get(row, "version")?,
    })
}

const REVISION_COLUMNS: &str = "r.id, r.page_id, r.version, r.slug, r.title, r.description, \
     r.body_source, r.status, r.footer_position, COALESCE(p.name, '') AS saved_by_name, \
     r.saved_at";

fn revision(row: &AnyRow) -> Result<PageRevision, StoreError> {
    Ok(PageRevision {
        id: get(row, "id")?,
        page_id: PageId(get(row, "page_id")?),
        version: get(row, "version")?,
        slug: get(row, "slug")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        body_source: get(row, "body_source")?,
        status: parsed(row, "status")?,
        footer_position: get(row, "footer_position")?,
        saved_by_name: get(row, "saved_by_name")?,
        saved_at: time(get(row, "saved_at")?)?,
    })
}

/// `Taken("section")` when a section has this slug: a page there would never be reached.
async fn refuse_section_slug(w: &mut Writer, slug: &Slug) -> Result<(), StoreError> {
    let clash = sqlx::query("SELECT id FROM sections WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut *w.tx)
        .await?;
    match clash {
        Some(_) => Err(StoreError::Taken("section".to_owned())),
        None => Ok(()),
    }
}

async fn keep_revision(
    w: &mut Writer,
    p: &StaticPage,
    by: Option<PersonId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO page_revisions (page_id, version, slug, title, description, body_source, \
         status, footer_position, saved_by, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(p.id.0)
    .bind(p.version)
    .bind(p.slug.as_str())
    .bind(&p.title)
    .bind(&p.description)
    .bind(&p.body_source)
    .bind(p.status.as_str())
    .bind(p.footer_position)
    .bind(by.map(|b| b.0))
    .bind(micros(now))
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Write `input` as a new page at version 1 (`id` none; `created` and `updated` its times) or
/// over page `id`, one version on (`updated` its time), as creating, editing and importing a
/// page all do.
async fn write_row(
    w: &mut Writer,
    id: Option<PageId>,
    input: &PageInput,
    footer_position: Option<i64>,
    created: Timestamp,
    updated: Timestamp,
) -> Result<AnyRow, StoreError> {
    let (sql, tenth, eleventh) = match id {
        None => (
            format!(
                "INSERT INTO pages (slug, title, description, body_source, body_html, body_text, \
                 refs, status, footer_position, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING {COLUMNS}"
            ),
            micros(created),
            micros(updated),
        ),
        Some(id) => (
            format!(
                "UPDATE pages SET slug = $1, title = $2, description = $3, body_source = $4, \
                 body_html = $5, body_text = $6, refs = $7, status = $8, footer_position = $9, \
                 updated_at = $10, version = version + 1 WHERE id = $11 RETURNING {COLUMNS}"
            ),
            micros(updated),
            id.0,
        ),
    };
    Ok(sqlx::query(&sql)
        .bind(input.slug.as_str())
        .bind(&input.title)
        .bind(&input.description)
        .bind(&input.body_source)
        .bind(&input.body_html)
        .bind(&input.body_text)
        .bind(refs_json(&input.refs)?)
        .bind(input.status.as_str())
        .bind(footer_position)
        .bind(tenth)
        .bind(eleventh)
        .fetch_one(&mut *w.tx)
        .await?)
}

fn refs_json(refs: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(refs).map_err(|e| StoreError::Corrupt(format!("page refs: {e}")))
}

#[dateline_store_macros::timed]
impl Store {
    /// Every page, for the newsroom: footer pages in footer order first, then the rest by title.
    pub async fn pages(&self) -> Result<Vec<StaticPage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM pages \
             ORDER BY CASE WHEN footer_position IS NULL THEN 1 ELSE 0 END, footer_position, \
             title, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(page).collect()
    }

    /// The published pages listed in the footer, in the editors' order.
    pub async fn footer_links(&self) -> Result<Vec<FooterLink>, StoreError> {
        let rows = sqlx::query(
            "SELECT slug, title FROM pages \
             WHERE status = 'published' AND footer_position IS NOT NULL \
             ORDER BY footer_position, title, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FooterLink {
                    title: get(r, "title")?,
                    path: dateline_core::static_page::path(&slug(r, "slug")?),
                })
            })
            .collect()
    }

    pub async fn page(&self, id: PageId) -> Result<StaticPage, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pages WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        page(&row)
    }

    /// The page with this slug, in any status (readers' handlers check it is published).
    pub async fn page_by_slug(&self, slug: &str) -> Result<StaticPage, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pages WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        page(&row)
    }

    /// A new page, with its first revision. `Taken("slug")` when a page has the slug,
    /// `Taken("section")` when a section has it.
    pub async fn create_page(
        &self,
        input: PageInput,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<StaticPage, StoreError> {
        let mut w = self.write().await?;
        refuse_section_slug(&mut w, &input.slug).await?;
        let row = write_row(&mut w, None, &input, input.footer_position, now, now).await?;
        let p = page(&row)?;
        keep_revision(&mut w, &p, by, now).await?;
        if p.is_public() {
            w.announce(Change::Content);
        }
        w.commit().await?;
        Ok(p)
    }

    /// Save a page over `version` (`StaleVersion` when someone saved since), keeping a
    /// revision. The same slug checks as [`Store::create_page`].
    pub async fn save_page(
        &self,
        id: PageId,
        version: i64,
        input: PageInput,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<StaticPage, StoreError> {
        let mut w = self.write().await?;
        let before = sqlx::query("SELECT status, version FROM pages WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if get::<i64>(&before, "version")? != version {
            return Err(StoreError::StaleVersion);
        }
        let was_public = parsed::<PageStatus>(&before, "status")? == PageStatus::Published;
        refuse_section_slug(&mut w, &input.slug).await?;
        let row = write_row(&mut w, Some(id), &input, input.footer_position, now, now).await?;
        let p = page(&row)?;
        keep_revision(&mut w, &p, by, now).await?;
        if was_public || p.is_public() {
            w.announce(Change::Content);
        }
        w.commit().await?;
        Ok(p)
    }

    /// Delete a page and its revisions.
    pub async fn delete_page(&self, id: PageId) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query("DELETE FROM pages WHERE id = $1 RETURNING status")
            .bind(id.0)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if parsed::<PageStatus>(&row, "status")? == PageStatus::Published {
            w.announce(Change::Content);
        }
        w.commit().await?;
        Ok(())
    }

    /// Put these pages in the footer in this order (positions 1, 2, …) and take every other
    /// page out of it. Ids that name no page are `Invalid`, and nothing changes.
    pub async fn order_footer(&self, order: &[PageId]) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("UPDATE pages SET footer_position = NULL")
            .execute(&mut *w.tx)
            .await?;
        for (i, id) in order.iter().enumerate() {
            let position = i64::try_from(i).unwrap_or(i64::MAX - 1) + 1;
            let done = sqlx::query("UPDATE pages SET footer_position = $1 WHERE id = $2")
                .bind(position)
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Invalid(format!("there is no page {id}")));
            }
        }
        w.announce(Change::Content);
        w.commit().await?;
        Ok(())
    }

    /// A page's kept saves, newest first.
    pub async fn page_revisions(&self, id: PageId) -> Result<Vec<PageRevision>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM page_revisions r \
             LEFT JOIN people p ON p.id = r.saved_by \
             WHERE r.page_id = $1 ORDER BY r.version DESC, r.id DESC"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revision).collect()
    }

    /// One kept save of page `id`.
    pub async fn page_revision(
        &self,
        id: PageId,
        revision_id: i64,
    ) -> Result<PageRevision, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM page_revisions r \
             LEFT JOIN people p ON p.id = r.saved_by \
             WHERE r.page_id = $1 AND r.id = $2"
        ))
        .bind(id.0)
        .bind(revision_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        revision(&row)
    }

    /// Write an imported page with its old URLs: an earlier run's page is updated in place
    /// (keeping its place in the footer), a new one is left out of the footer. A slug a
    /// section or another page has gets the source id after it, as a story's does. `true`
    /// when the page is new.
    pub async fn import_page(&self, p: ImportedPage) -> Result<(PageId, bool), StoreError> {
        let mut w = self.write().await?;
        // An earlier run's page, with its place in the footer.
        let existing: Option<(i64, Option<i64>)> =
            match crate::imports::mapped(&mut w, &p.source, "page", &p.source_id).await? {
                Some(id) => sqlx::query("SELECT id, footer_position FROM pages WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *w.tx)
                    .await?
                    .map(|row| {
                        Ok::<_, StoreError>((get(&row, "id")?, get(&row, "footer_position")?))
                    })
                    .transpose()?,
                None => None,
            };
        let mut input = p.input;
        let clash: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM sections WHERE slug = $1 \
             UNION ALL SELECT id FROM pages WHERE slug = $1 AND id <> $2",
        )
        .bind(input.slug.as_str())
        .bind(existing.map_or(0, |(id, _)| id))
        .fetch_optional(&mut *w.tx)
        .await?;
        if clash.is_some() {
            input.slug = Slug::parse(&format!("{}-{}", input.slug.as_str(), p.source_id))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        let row = match existing {
            Some((id, footer)) => {
                write_row(
                    &mut w,
                    Some(PageId(id)),
                    &input,
                    footer,
                    p.modified_at,
                    p.modified_at,
                )
                .await?
            }
            // A new page is left out of the footer.
            None => write_row(&mut w, None, &input, None, p.created_at, p.modified_at).await?,
        };
        let saved = page(&row)?;
        keep_revision(&mut w, &saved, None, p.modified_at).await?;
        crate::imports::remember(&mut w, &p.source, "page", &p.source_id, saved.id.0).await?;
        // The page's own path is never an old URL of it: it would answer itself.
        let own = saved.path();
        let old: Vec<String> = p.old_paths.into_iter().filter(|o| *o != own).collect();
        crate::imports::old_urls(&mut w, &old, "page", saved.id.0).await?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok((saved.id, existing.is_none()))
    }

    /// Published pages with their last change, for the sitemap.
    pub async fn published_pages(&self) -> Result<Vec<(Slug, Timestamp)>, StoreError> {
        let rows = sqlx::query(
            "SELECT slug, updated_at FROM pages WHERE status = 'published' ORDER BY slug",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((slug(r, "slug")?, time(get(r, "updated_at")?)?)))
            .collect()
    }
}
