//! Articles: creating, saving (with the optimistic version check), publishing, withdrawing, and
//! the lookups the article page needs (by id, by slug, by old path). Saving an article also
//! keeps its join rows (bylines, tags, related picks, READ MORE links, photos) and the listing
//! copies of `published_at` in step, inside the same transaction.

use crate::rows::{date_text, get, micros, opt_date, opt_micros, opt_time, parsed, slug, time};
use crate::{Change, Shared, Store, StoreError, Writer};
use dateline_core::article::{Article, DiscussionMode, Status, canonical_path};
use dateline_core::short_code::ShortCode;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, MediaId, PersonId, SectionId, TagId};
use jiff::{Timestamp, civil::Date};
use sqlx::any::AnyRow;

/// Everything an editor sets on a story. The rendered body comes from the markup layer.
#[derive(Debug, Clone)]
pub struct ArticleInput {
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    pub section_id: SectionId,
    pub body_source: String,
    pub body_html: String,
    pub body_text: String,
    pub lead_media_id: Option<MediaId>,
    pub discussion_mode: DiscussionMode,
    pub seo_title: String,
    pub seo_description: String,
    /// Bylines, in order.
    pub authors: Vec<PersonId>,
    /// Tags, in order.
    pub tags: Vec<TagId>,
    /// Editor-picked related stories, in order.
    pub related: Vec<ArticleId>,
    /// READ MORE references found in the body.
    pub links: Vec<LinkRef>,
    /// Library photos used in the body.
    pub media: Vec<MediaId>,
}

/// A READ MORE reference: the placeholder key in the stored HTML and how to find its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub key: String,
    pub target: LinkTarget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    Id(ArticleId),
    /// The slug from a pasted article URL; slugs are unique across the site.
    Slug(String),
}

pub(crate) const COLUMNS: &str = "id, slug, headline, standfirst, section_id, status, body_source, body_html, \
     body_text, published_at, updated_at, modified_at, created_at, scheduled_for, path_date, \
     short_code, lead_media_id, discussion_mode, seo_title, seo_description, withdrawn_note, version";

pub(crate) fn article(row: &AnyRow) -> Result<Article, StoreError> {
    Ok(Article {
        id: ArticleId(get(row, "id")?),
        slug: slug(row, "slug")?,
        headline: get(row, "headline")?,
        standfirst: get(row, "standfirst")?,
        section_id: SectionId(get(row, "section_id")?),
        status: parsed::<Status>(row, "status")?,
        body_source: get(row, "body_source")?,
        body_html: get(row, "body_html")?,
        body_text: get(row, "body_text")?,
        published_at: opt_time(get(row, "published_at")?)?,
        updated_at: opt_time(get(row, "updated_at")?)?,
        modified_at: time(get(row, "modified_at")?)?,
        created_at: time(get(row, "created_at")?)?,
        scheduled_for: opt_time(get(row, "scheduled_for")?)?,
        path_date: opt_date(get(row, "path_date")?)?,
        short_code: get::<Option<String>>(row, "short_code")?.unwrap_or_default(),
        lead_media_id: get::<Option<i64>>(row, "lead_media_id")?.map(MediaId),
        discussion_mode: parsed::<DiscussionMode>(row, "discussion_mode")?,
        seo_title: get(row, "seo_title")?,
        seo_description: get(row, "seo_description")?,
        withdrawn_note: get(row, "withdrawn_note")?,
        version: get(row, "version")?,
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// Create a draft.
    pub async fn create_article(
        &self,
        input: ArticleInput,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        self.create_article_by(input, now, None).await
    }

    /// Create a draft written by `by`, keeping its first revision. A draft is invisible to
    /// readers, so this never moves the page cache's generation.
    pub async fn create_article_by(
        &self,
        input: ArticleInput,
        now: Timestamp,
        by: Option<PersonId>,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO articles (slug, headline, standfirst, section_id, status, body_source, \
             body_html, body_text, modified_at, created_at, lead_media_id, discussion_mode, \
             seo_title, seo_description, created_by, updated_by) \
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, $13) \
             RETURNING id",
        )
        .bind(input.slug.as_str())
        .bind(&input.headline)
        .bind(&input.standfirst)
        .bind(input.section_id.0)
        .bind(&input.body_source)
        .bind(&input.body_html)
        .bind(&input.body_text)
        .bind(micros(now))
        .bind(input.lead_media_id.map(|m| m.0))
        .bind(input.discussion_mode.as_str())
        .bind(&input.seo_title)
        .bind(&input.seo_description)
        .bind(by.map(|p| p.0))
        .fetch_one(&mut *w.tx)
        .await?;
        let code = ShortCode::for_article(ArticleId(id))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        sqlx::query("UPDATE articles SET short_code = $1 WHERE id = $2")
            .bind(code.as_str())
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        write_joins(&mut w, ArticleId(id), &input).await?;
        let a = fetch(&mut w, ArticleId(id)).await?;
        keep_revision(&mut w, &a, by, now).await?;
        w.announce_unseen(Change::Article(ArticleId(id)));
        w.commit().await?;
        Ok(a)
    }

    /// Save an edit. Refused with `StaleVersion` unless `version` is the stored one. When the
    /// story is published and `public_update` is set, its public "Updated" time becomes `now`.
    /// When a published story's URL changes, its old URL is kept as a redirect.
    pub async fn update_article(
        &self,
        id: ArticleId,
        version: i64,
        input: ArticleInput,
        now: Timestamp,
        public_update: bool,
    ) -> Result<Article, StoreError> {
        self.update_article_by(id, version, input, now, public_update, None)
            .await
    }

    /// [`Store::update_article`] by `by`, keeping a revision. Only an edit of a story readers
    /// can reach (published or withdrawn) moves the page cache's generation: saving a draft
    /// must not empty the cache of a busy site.
    pub async fn update_article_by(
        &self,
        id: ArticleId,
        version: i64,
        input: ArticleInput,
        now: Timestamp,
        public_update: bool,
        by: Option<PersonId>,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let before = fetch(&mut w, id).await?;
        if before.version != version {
            return Err(StoreError::StaleVersion);
        }
        let old_path = path_of(&mut w, &before).await?;
        let updated_at = if public_update && before.status == Status::Published {
            Some(now)
        } else {
            before.updated_at
        };
        let changed = sqlx::query(
            "UPDATE articles SET slug = $1, headline = $2, standfirst = $3, section_id = $4, \
             body_source = $5, body_html = $6, body_text = $7, lead_media_id = $8, \
             discussion_mode = $9, seo_title = $10, seo_description = $11, updated_at = $12, \
             modified_at = $13, version = version + 1, updated_by = COALESCE($16, updated_by) \
             WHERE id = $14 AND version = $15",
        )
        .bind(input.slug.as_str())
        .bind(&input.headline)
        .bind(&input.standfirst)
        .bind(input.section_id.0)
        .bind(&input.body_source)
        .bind(&input.body_html)
        .bind(&input.body_text)
        .bind(input.lead_media_id.map(|m| m.0))
        .bind(input.discussion_mode.as_str())
        .bind(&input.seo_title)
        .bind(&input.seo_description)
        .bind(opt_micros(updated_at))
        .bind(micros(now))
        .bind(id.0)
        .bind(version)
        .bind(by.map(|p| p.0))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::StaleVersion);
        }
        write_joins(&mut w, id, &input).await?;
        let after = fetch(&mut w, id).await?;
        let new_path = path_of(&mut w, &after).await?;
        if let (Some(old), Some(new)) = (old_path, new_path)
            && old != new
        {
            keep_redirect(&mut w, &old, id).await?;
        }
        keep_revision(&mut w, &after, by, now).await?;
        // write_joins has already refreshed the listing copies.
        if is_seen(before.status) || is_seen(after.status) {
            w.announce(Change::Article(id));
        } else {
            w.announce_unseen(Change::Article(id));
        }
        w.commit().await?;
        Ok(after)
    }

    /// Publish: first publication fixes `published_at` and the path date; publishing again (a
    /// restore after withdrawal) keeps them, so the URL never moves.
    pub async fn publish_article(
        &self,
        id: ArticleId,
        published_at: Timestamp,
        path_date: Date,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET status = 'published', \
             published_at = COALESCE(published_at, $1), path_date = COALESCE(path_date, $2), \
             scheduled_for = NULL, modified_at = $3, version = version + 1 WHERE id = $4",
        )
        .bind(micros(published_at))
        .bind(date_text(path_date))
        .bind(micros(now))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        self.finish_status_change(w, id, changed, Some(now)).await
    }

    /// Give a story its original publication time (an archive story, issue 16): `published_at`
    /// and the path date follow `at`, whatever the status. A draft keeps them for when it is
    /// published (publishing keeps a set `published_at`); a published story's URL moves to the
    /// new date and its old URL is kept as a redirect, as when a slug changes.
    pub async fn backdate_article(
        &self,
        id: ArticleId,
        at: Timestamp,
        path_date: Date,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let before = fetch(&mut w, id).await?;
        let old_path = path_of(&mut w, &before).await?;
        sqlx::query(
            "UPDATE articles SET published_at = $1, path_date = $2, modified_at = $3, \
             version = version + 1 WHERE id = $4",
        )
        .bind(micros(at))
        .bind(date_text(path_date))
        .bind(micros(now))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?;
        let after = fetch(&mut w, id).await?;
        let new_path = path_of(&mut w, &after).await?;
        if let (Some(old), Some(new)) = (old_path, new_path)
            && old != new
        {
            keep_redirect(&mut w, &old, id).await?;
        }
        self.finish_status_change(w, id, 1, None).await
    }

    /// Withdraw a published story: readers get a 410 page with `note`.
    pub async fn withdraw_article(
        &self,
        id: ArticleId,
        note: &str,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET status = 'withdrawn', withdrawn_note = $1, modified_at = $2, \
             version = version + 1 WHERE id = $3",
        )
        .bind(note)
        .bind(micros(now))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        self.finish_status_change(w, id, changed, None).await
    }

    /// Submit a draft for review (the workflow has checked the transition).
    pub async fn submit_article(
        &self,
        id: ArticleId,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET status = 'in_review', modified_at = $1, version = version + 1 \
             WHERE id = $2",
        )
        .bind(micros(now))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        self.finish_status_change(w, id, changed, None).await
    }

    /// Schedule a story for `at` (the workflow has checked the transition and the time).
    pub async fn schedule_article(
        &self,
        id: ArticleId,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET status = 'scheduled', scheduled_for = $1, modified_at = $2, \
             version = version + 1 WHERE id = $3",
        )
        .bind(micros(at))
        .bind(micros(now))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        self.finish_status_change(w, id, changed, None).await
    }

    /// After a status change: keep the listing copies in step, commit, announce.
    /// Readers see the change when the story was or now is published or withdrawn; only then
    /// does the page cache's generation move. `publishing`: the step publishes the story at
    /// that time, so lists that do not show it yet may lag a moment
    /// ([`crate::Announced::may_lag_from`]).
    async fn finish_status_change(
        &self,
        mut w: Writer,
        id: ArticleId,
        changed: u64,
        publishing: Option<Timestamp>,
    ) -> Result<Article, StoreError> {
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        refresh_listing(&mut w, id).await?;
        let a = fetch(&mut w, id).await?;
        if is_seen(a.status) {
            w.announce_as(
                Change::Article(id),
                publishing.filter(|_| a.status == Status::Published),
            );
        } else {
            w.announce_unseen(Change::Article(id));
        }
        w.commit().await?;
        Ok(a)
    }

    /// Publish a scheduled story whose time has come. Conditional on its still being
    /// scheduled and due, so two schedulers (or two nodes) never publish it twice: the loser
    /// gets `Ok(None)`.
    pub async fn publish_scheduled(
        &self,
        id: ArticleId,
        path_date: Date,
        now: Timestamp,
    ) -> Result<Option<Article>, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET status = 'published', \
             published_at = COALESCE(published_at, $1), path_date = COALESCE(path_date, $2), \
             scheduled_for = NULL, modified_at = $1, version = version + 1 \
             WHERE id = $3 AND status = 'scheduled' AND scheduled_for <= $1",
        )
        .bind(micros(now))
        .bind(date_text(path_date))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(None);
        }
        self.finish_status_change(w, id, changed, Some(now))
            .await
            .map(Some)
    }

    /// Scheduled stories whose time is `now` or before, soonest first.
    pub async fn due_scheduled(&self, now: Timestamp) -> Result<Vec<ArticleId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM articles WHERE status = 'scheduled' AND scheduled_for <= $1 \
             ORDER BY scheduled_for, id",
        )
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }

    /// The earliest time a story is scheduled for, if any.
    pub async fn next_scheduled(&self) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(scheduled_for) FROM articles WHERE status = 'scheduled'",
        )
        .fetch_one(&self.pool)
        .await?;
        opt_time(at)
    }

    /// Back to draft (from review or from the schedule): the workflow has checked it.
    pub async fn return_to_draft(
        &self,
        id: ArticleId,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        let mut w = self.write().await?;
        let changed = sqlx::query(
            "UPDATE articles SET status = 'draft', scheduled_for = NULL, modified_at = $1, \
             version = version + 1 WHERE id = $2 AND status IN ('in_review', 'scheduled')",
        )
        .bind(micros(now))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        self.finish_status_change(w, id, changed, None).await
    }

    pub async fn article(&self, id: ArticleId) -> Result<Article, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM articles WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        article(&row)
    }

    pub async fn article_by_slug(&self, slug: &str) -> Result<Article, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM articles WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        article(&row)
    }

    /// What an editor would start from to change the story: its fields and every join row
    /// (unpublished related picks included).
    pub async fn article_input(
        &self,
        id: ArticleId,
    ) -> Result<(Article, ArticleInput), StoreError> {
        let a = self.article(id).await?;
        let ids = |sql: &'static str| {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(id.0)
                .fetch_all(&self.pool)
        };
        let authors =
            ids("SELECT person_id FROM article_authors WHERE article_id = $1 ORDER BY position")
                .await?;
        let tags =
            ids("SELECT tag_id FROM article_tags WHERE article_id = $1 ORDER BY position").await?;
        let related =
            ids("SELECT related_id FROM article_related WHERE article_id = $1 ORDER BY position")
                .await?;
        let media =
            ids("SELECT media_id FROM article_media WHERE article_id = $1 ORDER BY media_id")
                .await?;
        let link_rows = sqlx::query(
            "SELECT ref, target_id FROM article_links WHERE article_id = $1 ORDER BY ref",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut links = Vec::with_capacity(link_rows.len());
        for r in &link_rows {
            if let Some(t) = get::<Option<i64>>(r, "target_id")? {
                links.push(LinkRef {
                    key: get(r, "ref")?,
                    target: LinkTarget::Id(ArticleId(t)),
                });
            }
        }
        let input = ArticleInput {
            slug: a.slug.clone(),
            headline: a.headline.clone(),
            standfirst: a.standfirst.clone(),
            section_id: a.section_id,
            body_source: a.body_source.clone(),
            body_html: a.body_html.clone(),
            body_text: a.body_text.clone(),
            lead_media_id: a.lead_media_id,
            discussion_mode: a.discussion_mode,
            seo_title: a.seo_title.clone(),
            seo_description: a.seo_description.clone(),
            authors: authors.into_iter().map(PersonId).collect(),
            tags: tags.into_iter().map(TagId).collect(),
            related: related.into_iter().map(ArticleId).collect(),
            links,
            media: media.into_iter().map(MediaId).collect(),
        };
        Ok((a, input))
    }

    /// The article an old path now belongs to.
    pub async fn redirect(&self, path: &str) -> Result<ArticleId, StoreError> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT article_id FROM redirects WHERE path = $1")
                .bind(path)
                .fetch_optional(&self.pool)
                .await?;
        id.map(ArticleId).ok_or(StoreError::NotFound)
    }

    /// Articles whose READ MORE blocks point at `id` (for the newsroom's warnings, and to know
    /// which pages show its headline).
    pub async fn linking_to(&self, id: ArticleId) -> Result<Vec<ArticleId>, StoreError> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT article_id FROM article_links WHERE target_id = $1")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }

    /// Library photos an article's body uses.
    pub async fn media_of(&self, id: ArticleId) -> Result<Vec<MediaId>, StoreError> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT media_id FROM article_media WHERE article_id = $1")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
        Ok(ids.into_iter().map(MediaId).collect())
    }

    /// The published stories showing `shared`: a photo as lead or in the body, a section
    /// they are in, a tag they carry (whose search text changes with it).
    pub async fn stories_showing(&self, shared: Shared) -> Result<Vec<ArticleId>, StoreError> {
        let (sql, id) = match shared {
            Shared::Media(m) => (
                "SELECT x.article_id FROM article_media x JOIN articles a ON a.id = x.article_id \
                 WHERE x.media_id = $1 AND a.status = 'published' \
                 UNION SELECT id FROM articles WHERE lead_media_id = $1 AND status = 'published'",
                m.0,
            ),
            Shared::Section(s) => (
                "SELECT id FROM articles WHERE section_id = $1 AND status = 'published'",
                s.0,
            ),
            // The join rows' copy of `published_at` is set only while the story is published.
            Shared::Tag(t) => (
                "SELECT article_id FROM article_tags WHERE tag_id = $1 \
                 AND published_at IS NOT NULL",
                t.0,
            ),
        };
        let ids: Vec<i64> = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }

    /// Ids of every article, newest first, with their status (for tools and tests).
    pub async fn article_ids(&self) -> Result<Vec<ArticleId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM articles ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }
}

/// Whether readers can reach a story in this status (its page, or its 410 page).
fn is_seen(status: Status) -> bool {
    matches!(status, Status::Published | Status::Withdrawn)
}

/// Keep the whole story as a save left it (its join rows already written) as a revision.
async fn keep_revision(
    w: &mut Writer,
    a: &Article,
    by: Option<PersonId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let story = crate::revisions::story_now(w, a.id).await?;
    let story = serde_json::to_string(&story)
        .map_err(|e| StoreError::Corrupt(format!("the story kept with a revision: {e}")))?;
    sqlx::query(
        "INSERT INTO article_revisions (article_id, version, slug, headline, standfirst, \
         body_source, seo_title, seo_description, saved_by, saved_at, story) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(a.id.0)
    .bind(a.version)
    .bind(a.slug.as_str())
    .bind(&a.headline)
    .bind(&a.standfirst)
    .bind(&a.body_source)
    .bind(&a.seo_title)
    .bind(&a.seo_description)
    .bind(by.map(|p| p.0))
    .bind(micros(now))
    .bind(story)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

async fn fetch(w: &mut Writer, id: ArticleId) -> Result<Article, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM articles WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    article(&row)
}

/// The public path of a story that has one (published or withdrawn, with a path date).
async fn path_of(w: &mut Writer, a: &Article) -> Result<Option<String>, StoreError> {
    if !matches!(a.status, Status::Published | Status::Withdrawn) {
        return Ok(None);
    }
    let Some(date) = a.path_date else {
        return Ok(None);
    };
    let section: String = sqlx::query_scalar("SELECT slug FROM sections WHERE id = $1")
        .bind(a.section_id.0)
        .fetch_one(&mut *w.tx)
        .await?;
    Ok(Some(canonical_path(&section, date, a.slug.as_str())))
}

/// [`write_joins`] for the importer, which writes a story's row itself.
pub(crate) async fn write_joins_of(
    w: &mut Writer,
    id: ArticleId,
    input: &ArticleInput,
) -> Result<(), StoreError> {
    write_joins(w, id, input).await
}

/// Keep `old`, a path the story had, as a redirect to it.
async fn keep_redirect(w: &mut Writer, old: &str, id: ArticleId) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO redirects (path, article_id) VALUES ($1, $2) \
         ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id",
    )
    .bind(old)
    .bind(id.0)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Replace the article's join rows with the input's.
async fn write_joins(
    w: &mut Writer,
    id: ArticleId,
    input: &ArticleInput,
) -> Result<(), StoreError> {
    for table in [
        "article_authors",
        "article_tags",
        "article_related",
        "article_links",
        "article_media",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE article_id = $1"))
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
    }
    for (pos, person) in dedup(&input.authors).into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO article_authors (article_id, person_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id.0)
        .bind(person.0)
        .bind(pos as i64)
        .execute(&mut *w.tx)
        .await?;
    }
    for (pos, tag) in dedup(&input.tags).into_iter().enumerate() {
        sqlx::query("INSERT INTO article_tags (article_id, tag_id, position) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(tag.0)
            .bind(pos as i64)
            .execute(&mut *w.tx)
            .await?;
    }
    let related: Vec<ArticleId> = dedup(&input.related)
        .into_iter()
        .filter(|r| *r != id)
        .collect();
    for rel in &related {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1")
            .bind(rel.0)
            .fetch_optional(&mut *w.tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::Invalid(format!(
                "related article {rel} does not exist"
            )));
        }
    }
    for (pos, rel) in related.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id.0)
        .bind(rel.0)
        .bind(pos as i64)
        .execute(&mut *w.tx)
        .await?;
    }
    let mut seen: Vec<&str> = Vec::new();
    for link in &input.links {
        if seen.contains(&link.key.as_str()) {
            continue;
        }
        seen.push(&link.key);
        let target: Option<i64> = match &link.target {
            LinkTarget::Id(t) => {
                sqlx::query_scalar("SELECT id FROM articles WHERE id = $1")
                    .bind(t.0)
                    .fetch_optional(&mut *w.tx)
                    .await?
            }
            LinkTarget::Slug(s) => {
                sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
                    .bind(s)
                    .fetch_optional(&mut *w.tx)
                    .await?
            }
        };
        sqlx::query("INSERT INTO article_links (article_id, ref, target_id) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(&link.key)
            .bind(target)
            .execute(&mut *w.tx)
            .await?;
    }
    for m in dedup(&input.media) {
        sqlx::query(
            "INSERT INTO article_media (article_id, media_id) \
             SELECT $1, id FROM media WHERE id = $2",
        )
        .bind(id.0)
        .bind(m.0)
        .execute(&mut *w.tx)
        .await?;
    }
    refresh_listing(w, id).await
}

/// Copy the article's public `published_at` (NULL unless published) into its listing rows.
async fn refresh_listing(w: &mut Writer, id: ArticleId) -> Result<(), StoreError> {
    for table in ["article_authors", "article_tags"] {
        sqlx::query(&format!(
            "UPDATE {table} SET published_at = (SELECT CASE WHEN status = 'published' \
             THEN published_at END FROM articles WHERE id = $1) WHERE article_id = $1"
        ))
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?;
    }
    Ok(())
}

pub(crate) fn dedup<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(*i);
        }
    }
    out
}
