//! Moving in (issue 16): the writes of `dateline import`. Every imported item remembers its
//! source and source id (`import_sources`), so a second run of the same export updates each in
//! place; a story is written with its bylines, tags, comments, readers and old URLs in one
//! transaction, so a run stopped at any moment never leaves half a story, and running it again
//! finishes the rest. Old URLs (`old_urls`) name what they point at, never a URL, so each
//! answers one 301 to wherever that item lives today.
//!
//! Never used by the request path, and never a way in: imported people and readers get no
//! password, so none of them can sign in until an admin (or the reader, by email) says so.

use crate::articles::{ArticleInput, drop_own_path, keep_revision_of, write_joins_of};
use crate::rows::{date_text, get, micros, opt_micros};
use crate::{Change, Store, StoreError, Writer};
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::discussion::CommentStatus;
use dateline_core::short_code::ShortCode;
use dateline_core::slug::Slug;
use dateline_core::{PersonId, SectionId, TagId};
use jiff::{Timestamp, civil::Date};

/// A story as an export has it, ready to write.
#[derive(Debug, Clone)]
pub struct ImportedStory {
    pub source: String,
    pub source_id: String,
    pub input: ArticleInput,
    /// Published, draft or scheduled.
    pub status: Status,
    pub published_at: Option<Timestamp>,
    pub path_date: Option<Date>,
    pub scheduled_for: Option<Timestamp>,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    /// Paths (and `/?p=ID` queries) the story had on the old site.
    pub old_paths: Vec<String>,
    /// Parents before their replies.
    pub comments: Vec<ImportedComment>,
}

#[derive(Debug, Clone)]
pub struct ImportedComment {
    pub source_id: String,
    pub parent_source_id: Option<String>,
    /// Who wrote it: an identity key (their email, or their name when none) and what to show.
    pub reader_key: String,
    pub reader_name: String,
    pub reader_email: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: Timestamp,
}

/// What a written story was: created now, or an earlier import's row brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Created(ArticleId),
    Updated(ArticleId),
}

impl Imported {
    pub fn id(self) -> ArticleId {
        match self {
            Imported::Created(id) | Imported::Updated(id) => id,
        }
    }
}

/// One row of the old-URL map, for `dateline redirects export`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldUrl {
    pub path: String,
    pub kind: String,
    pub target_id: i64,
}

#[dateline_store_macros::timed]
impl Store {
    /// The row an earlier import made for this item, if any.
    pub async fn imported(
        &self,
        source: &str,
        kind: &str,
        source_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT target_id FROM import_sources WHERE source = $1 AND kind = $2 \
             AND source_id = $3",
        )
        .bind(source)
        .bind(kind)
        .bind(source_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A section for an imported category: the one an earlier run made, else the one with
    /// this slug (a newsroom that already has "news" keeps it), else a new one.
    pub async fn import_section(
        &self,
        source: &str,
        source_id: &str,
        slug: &Slug,
        name: &str,
        description: &str,
        old_paths: &[String],
    ) -> Result<SectionId, StoreError> {
        let mut w = self.write().await?;
        let mut id = mapped(&mut w, source, "section", source_id).await?;
        if id.is_none() {
            id = sqlx::query_scalar("SELECT id FROM sections WHERE slug = $1")
                .bind(slug.as_str())
                .fetch_optional(&mut *w.tx)
                .await?;
        }
        let id = match id {
            Some(id) => {
                sqlx::query("UPDATE sections SET name = $1, description = $2 WHERE id = $3")
                    .bind(name)
                    .bind(description)
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                id
            }
            None => {
                if dateline_core::section::is_reserved(slug.as_str()) {
                    return Err(StoreError::Taken("slug".to_owned()));
                }
                let position: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(position), -1) + 1 FROM sections")
                        .fetch_one(&mut *w.tx)
                        .await?;
                sqlx::query_scalar(
                    "INSERT INTO sections (slug, name, description, position) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(slug.as_str())
                .bind(name)
                .bind(description)
                .bind(position)
                .fetch_one(&mut *w.tx)
                .await?
            }
        };
        remember(&mut w, source, "section", source_id, id).await?;
        old_urls(&mut w, old_paths, "section", id).await?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(SectionId(id))
    }

    /// A tag for an imported tag (or a flattened child category): by slug, made when new.
    pub async fn import_tag(
        &self,
        source: &str,
        source_id: &str,
        name: &str,
        old_paths: &[String],
    ) -> Result<TagId, StoreError> {
        let tag = self.ensure_tag(name).await?;
        let mut w = self.write().await?;
        remember(&mut w, source, "tag", source_id, tag.id.0).await?;
        old_urls(&mut w, old_paths, "tag", tag.id.0).await?;
        w.commit().await?;
        Ok(tag.id)
    }

    /// A person for an imported author: an earlier run's, else an existing person with the
    /// same email (case aside), else a new one with no password, who cannot sign in until an
    /// admin sets one. A slug already taken by someone else gets the source id after it.
    #[expect(clippy::too_many_arguments, reason = "one imported author's fields")]
    pub async fn import_person(
        &self,
        source: &str,
        source_id: &str,
        slug: &Slug,
        name: &str,
        bio: &str,
        email: Option<&str>,
        old_paths: &[String],
        now: Timestamp,
    ) -> Result<PersonId, StoreError> {
        let mut w = self.write().await?;
        let mut id = mapped(&mut w, source, "person", source_id).await?;
        if id.is_none()
            && let Some(email) = email
        {
            id = sqlx::query_scalar("SELECT id FROM people WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&mut *w.tx)
                .await?;
        }
        let id = match id {
            Some(id) => id,
            None => {
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM people WHERE slug = $1")
                        .bind(slug.as_str())
                        .fetch_optional(&mut *w.tx)
                        .await?;
                let slug = match taken {
                    Some(_) => format!("{}-{}", slug.as_str(), source_id),
                    None => slug.as_str().to_owned(),
                };
                sqlx::query_scalar(
                    "INSERT INTO people (slug, name, bio, email, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, NULL, $5) RETURNING id",
                )
                .bind(slug)
                .bind(name)
                .bind(bio)
                .bind(email.map(str::to_lowercase))
                .bind(micros(now))
                .fetch_one(&mut *w.tx)
                .await?
            }
        };
        remember(&mut w, source, "person", source_id, id).await?;
        old_urls(&mut w, old_paths, "person", id).await?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(PersonId(id))
    }

    /// Remember that the export's photo `source_id` is library photo `media`, so a second run
    /// reuses it without reading its file again.
    pub async fn import_media_source(
        &self,
        source: &str,
        source_id: &str,
        media: dateline_core::MediaId,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        remember(&mut w, source, "media", source_id, media.0).await?;
        w.commit().await
    }

    /// Feed URLs of the old site (`/feed/`, a category's `…/feed/`): `kind` is
    /// `site_feed`, `section_feed`, `tag_feed` or `person_feed`.
    pub async fn import_old_urls(
        &self,
        paths: &[String],
        kind: &str,
        target: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        old_urls(&mut w, paths, kind, target).await?;
        w.commit().await
    }

    /// Write one story with everything that belongs to it in one transaction. A slug another
    /// story already has gets the source id after it, so two old posts that shared a slug
    /// (WordPress allows it across dates) both come in.
    pub async fn import_story(&self, s: ImportedStory) -> Result<Imported, StoreError> {
        let mut w = self.write().await?;
        let existing = match mapped(&mut w, &s.source, "post", &s.source_id).await? {
            Some(id) => {
                sqlx::query_scalar::<_, i64>("SELECT id FROM articles WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *w.tx)
                    .await?
            }
            None => None,
        };
        let clash: Option<i64> =
            sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1 AND id <> $2")
                .bind(s.input.slug.as_str())
                .bind(existing.unwrap_or(0))
                .fetch_optional(&mut *w.tx)
                .await?;
        let mut input = s.input;
        if clash.is_some() {
            input.slug = Slug::parse(&format!("{}-{}", input.slug.as_str(), s.source_id))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE articles SET slug = $1, headline = $2, standfirst = $3, \
                     section_id = $4, status = $5, body_source = $6, body_html = $7, \
                     body_text = $8, published_at = $9, path_date = $10, scheduled_for = $11, \
                     modified_at = $12, lead_media_id = $13, version = version + 1 \
                     WHERE id = $14",
                )
                .bind(input.slug.as_str())
                .bind(&input.headline)
                .bind(&input.standfirst)
                .bind(input.section_id.0)
                .bind(s.status.as_str())
                .bind(&input.body_source)
                .bind(&input.body_html)
                .bind(&input.body_text)
                .bind(opt_micros(s.published_at))
                .bind(s.path_date.map(date_text))
                .bind(opt_micros(s.scheduled_for))
                .bind(micros(s.modified_at))
                .bind(input.lead_media_id.map(|m| m.0))
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
                Imported::Updated(ArticleId(id))
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO articles (slug, headline, standfirst, section_id, status, \
                     body_source, body_html, body_text, published_at, path_date, scheduled_for, \
                     modified_at, created_at, lead_media_id, discussion_mode) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                     RETURNING id",
                )
                .bind(input.slug.as_str())
                .bind(&input.headline)
                .bind(&input.standfirst)
                .bind(input.section_id.0)
                .bind(s.status.as_str())
                .bind(&input.body_source)
                .bind(&input.body_html)
                .bind(&input.body_text)
                .bind(opt_micros(s.published_at))
                .bind(s.path_date.map(date_text))
                .bind(opt_micros(s.scheduled_for))
                .bind(micros(s.modified_at))
                .bind(micros(s.created_at))
                .bind(input.lead_media_id.map(|m| m.0))
                .bind(input.discussion_mode.as_str())
                .fetch_one(&mut *w.tx)
                .await?;
                let code = ShortCode::for_article(ArticleId(id))
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                sqlx::query("UPDATE articles SET short_code = $1 WHERE id = $2")
                    .bind(code.as_str())
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                Imported::Created(ArticleId(id))
            }
        };
        let aid = id.id();
        write_joins_of(&mut w, aid, &input).await?;
        keep_revision_of(&mut w, aid, s.modified_at).await?;
        remember(&mut w, &s.source, "post", &s.source_id, aid.0).await?;
        old_urls(&mut w, &s.old_paths, "article", aid.0).await?;
        // An old path that is the story's own path today is dropped, so no URL can ever answer
        // a redirect to itself.
        drop_own_path(&mut w, aid).await?;
        for c in &s.comments {
            import_comment(&mut w, &s.source, aid, c).await?;
        }
        if s.status == Status::Published {
            w.announce(Change::Article(aid));
        } else {
            w.announce_unseen(Change::Article(aid));
        }
        w.announce_unseen(Change::Discussion(Some(aid)));
        w.commit().await?;
        Ok(id)
    }

    /// What an old path names, if the import kept it: (kind, target id).
    pub async fn old_url(&self, path: &str) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query("SELECT kind, target_id FROM old_urls WHERE path = $1")
            .bind(path)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((get(&r, "kind")?, get(&r, "target_id")?))),
            None => Ok(None),
        }
    }

    /// Where an old URL's target lives today (kind and id as [`Store::old_url`] gives them):
    /// None when it has no public page (a draft, a deleted row).
    pub async fn old_url_target(&self, kind: &str, id: i64) -> Result<Option<String>, StoreError> {
        let slug = |sql: &'static str| {
            sqlx::query_scalar::<_, String>(sql)
                .bind(id)
                .fetch_optional(&self.pool)
        };
        Ok(match kind {
            "article" => {
                let row = sqlx::query(
                    "SELECT a.slug, a.status, a.path_date, s.slug AS section FROM articles a \
                     JOIN sections s ON s.id = a.section_id WHERE a.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(r) if get::<String>(&r, "status")? == "published" => {
                        let date = crate::rows::opt_date(get(&r, "path_date")?)?;
                        date.map(|d| {
                            dateline_core::article::canonical_path(
                                &get::<String>(&r, "section").unwrap_or_default(),
                                d,
                                &get::<String>(&r, "slug").unwrap_or_default(),
                            )
                        })
                    }
                    _ => None,
                }
            }
            "section" => slug("SELECT slug FROM sections WHERE id = $1")
                .await?
                .map(|s| format!("/{s}/")),
            "section_feed" => slug("SELECT slug FROM sections WHERE id = $1")
                .await?
                .map(|s| format!("/{s}/feed.xml")),
            "tag" => slug("SELECT slug FROM tags WHERE id = $1")
                .await?
                .map(|s| format!("/tags/{s}/")),
            "tag_feed" => slug("SELECT slug FROM tags WHERE id = $1")
                .await?
                .map(|s| format!("/tags/{s}/feed.xml")),
            "person" => slug("SELECT slug FROM people WHERE id = $1")
                .await?
                .map(|s| format!("/authors/{s}/")),
            "person_feed" => slug("SELECT slug FROM people WHERE id = $1")
                .await?
                .map(|s| format!("/authors/{s}/feed.xml")),
            "site_feed" => Some("/feed.xml".to_owned()),
            // A static page (`?page_id=ID`, its old permalink): only while it is published.
            "page" => slug("SELECT slug FROM pages WHERE id = $1 AND status = 'published'")
                .await?
                .map(|s| format!("/{s}/")),
            _ => None,
        })
    }

    /// Every old URL, by path, for `dateline redirects export`.
    pub async fn old_urls(&self) -> Result<Vec<OldUrl>, StoreError> {
        let rows = sqlx::query("SELECT path, kind, target_id FROM old_urls ORDER BY path")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OldUrl {
                    path: get(r, "path")?,
                    kind: get(r, "kind")?,
                    target_id: get(r, "target_id")?,
                })
            })
            .collect()
    }

    /// Every kept earlier path of a story (a slug or date change), by path.
    pub async fn story_redirects(&self) -> Result<Vec<(String, ArticleId)>, StoreError> {
        let rows = sqlx::query("SELECT path, article_id FROM redirects ORDER BY path")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((get(r, "path")?, ArticleId(get(r, "article_id")?))))
            .collect()
    }
}

pub(crate) async fn mapped(
    w: &mut Writer,
    source: &str,
    kind: &str,
    source_id: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT target_id FROM import_sources WHERE source = $1 AND kind = $2 AND source_id = $3",
    )
    .bind(source)
    .bind(kind)
    .bind(source_id)
    .fetch_optional(&mut *w.tx)
    .await?)
}

pub(crate) async fn remember(
    w: &mut Writer,
    source: &str,
    kind: &str,
    source_id: &str,
    target: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_sources (source, kind, source_id, target_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (source, kind, source_id) DO UPDATE SET target_id = excluded.target_id",
    )
    .bind(source)
    .bind(kind)
    .bind(source_id)
    .bind(target)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

pub(crate) async fn old_urls(
    w: &mut Writer,
    paths: &[String],
    kind: &str,
    target: i64,
) -> Result<(), StoreError> {
    for p in paths {
        sqlx::query(
            "INSERT INTO old_urls (path, kind, target_id) VALUES ($1, $2, $3) \
             ON CONFLICT (path) DO UPDATE SET kind = excluded.kind, target_id = excluded.target_id",
        )
        .bind(p)
        .bind(kind)
        .bind(target)
        .execute(&mut *w.tx)
        .await?;
    }
    Ok(())
}

/// A comment and its reader: the reader an earlier run (or this one) made for the same identity,
/// else a reader with the same email, else a new one with no password (claimed by email through
/// the forgotten-password mail).
async fn import_comment(
    w: &mut Writer,
    source: &str,
    article: ArticleId,
    c: &ImportedComment,
) -> Result<(), StoreError> {
    let mut reader = mapped(w, source, "reader", &c.reader_key).await?;
    if reader.is_none()
        && let Some(email) = &c.reader_email
    {
        reader = sqlx::query_scalar("SELECT id FROM readers WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(&mut *w.tx)
            .await?;
    }
    let reader = match reader {
        Some(r) => r,
        None => {
            sqlx::query_scalar(
                "INSERT INTO readers (display_name, email, password_hash, created_at) \
                 VALUES ($1, $2, NULL, $3) RETURNING id",
            )
            .bind(&c.reader_name)
            .bind(c.reader_email.as_ref().map(|e| e.to_lowercase()))
            .bind(micros(c.created_at))
            .fetch_one(&mut *w.tx)
            .await?
        }
    };
    remember(w, source, "reader", &c.reader_key, reader).await?;
    let parent = match &c.parent_source_id {
        Some(p) => mapped(w, source, "comment", p).await?,
        None => None,
    };
    let id = match mapped(w, source, "comment", &c.source_id).await? {
        Some(id) => {
            let n = sqlx::query(
                "UPDATE comments SET article_id = $1, reader_id = $2, parent_id = $3, body = $4, \
                 status = $5, created_at = $6 WHERE id = $7",
            )
            .bind(article.0)
            .bind(reader)
            .bind(parent)
            .bind(&c.body)
            .bind(c.status.as_str())
            .bind(micros(c.created_at))
            .bind(id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            (n == 1).then_some(id)
        }
        None => None,
    };
    let id =
        match id {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO comments (article_id, reader_id, parent_id, body, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(article.0)
            .bind(reader)
            .bind(parent)
            .bind(&c.body)
            .bind(c.status.as_str())
            .bind(micros(c.created_at))
            .fetch_one(&mut *w.tx)
            .await?,
        };
    remember(w, source, "comment", &c.source_id, id).await
}
