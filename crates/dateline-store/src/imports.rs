//! Moving in (issue 16): the writes of `dateline import`. Every imported item remembers its
//! source and source id (`import_sources`), so a second run of the same export updates each in
//! place; a story is written with its bylines, tags, comments, readers and old URLs in one
//! transaction, so a run stopped at any moment never leaves half a story, and running it again
//! finishes the rest. Old URLs (`old_urls`) name what they point at, never a URL, so each
//! answers one 301 to wherever that item lives today.
//!
//! Never used by the request path, and never a way in: imported people and readers get no
//! password, so none of them can sign in until an admin (or the reader, by email) says so.

use crate::articles::{ArticleInput, LinkTarget, dedup, write_joins_of};
use crate::revisions::{Named, RevisionStory};
use crate::rows::{date_text, get, ids_json, micros, opt_micros};
use crate::{Change, Store, StoreError, Writer};
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::article::canonical_path;
use dateline_core::discussion::CommentStatus;
use dateline_core::short_code::ShortCode;
use dateline_core::slug::Slug;
use dateline_core::{PersonId, SectionId, TagId};
use jiff::{Timestamp, civil::Date};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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

    /// Write one story with everything that belongs to it in one transaction
    /// ([`Store::import_stories`] with one story).
    pub async fn import_story(&self, s: ImportedStory) -> Result<Imported, StoreError> {
        self.import_stories(std::slice::from_ref(&s))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("an import wrote no story".to_owned()))
    }

    /// Write a batch of stories, each with everything that belongs to it (bylines, tags,
    /// links, photos, a revision, its old URLs, its comments and their readers), in one
    /// transaction: the batch is all or nothing, so a run stopped at any moment never leaves
    /// half a story, and running it again finishes the rest. What each story was, in order.
    ///
    /// A slug another story already has gets the source id after it, so two old posts that
    /// shared a slug (WordPress allows it across dates) both come in. The batch is written
    /// with a few statements for all its stories (lookups by sets of keys, multi-row inserts)
    /// and one or two per story and per comment: each statement costs two thread hand-offs in
    /// sqlx's SQLite driver, which, one story per transaction and ~45 statements a story,
    /// was most of an import's time (docs/benchmarks.md).
    pub async fn import_stories(
        &self,
        stories: &[ImportedStory],
    ) -> Result<Vec<Imported>, StoreError> {
        if stories.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = self.write().await?;
        let written = write_stories(&mut w, stories).await?;
        for (s, id) in stories.iter().zip(&written) {
            let aid = id.id();
            if s.status == Status::Published {
                w.announce(Change::Article(aid));
            } else {
                w.announce_unseen(Change::Article(aid));
            }
            w.announce_unseen(Change::Discussion(Some(aid)));
        }
        w.commit().await?;
        Ok(written)
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

/// The most values one multi-row statement binds (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMS: usize = 4000;

/// One value of a multi-row statement ([`insert_rows`]).
enum Val<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
}

/// `($1, $2), ($3, $4)`: `rows` rows of `cols` placeholders each.
fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            n += 1;
            s.push('$');
            s.push_str(&n.to_string());
        }
        s.push(')');
    }
    s
}

/// `head VALUES (…), (…) tail` for every row, in as few statements as [`MAX_PARAMS`] allows.
/// An upsert's rows must not repeat a key (PostgreSQL refuses to touch a row twice in one
/// statement): callers keep the last of each.
async fn insert_rows(
    w: &mut Writer,
    head: &str,
    tail: &str,
    rows: &[Vec<Val<'_>>],
) -> Result<(), StoreError> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let cols = first.len().max(1);
    for chunk in rows.chunks((MAX_PARAMS / cols).max(1)) {
        let sql = format!("{head} VALUES {} {tail}", placeholders(chunk.len(), cols));
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::Int(i) => q.bind(*i),
                    Val::OptInt(i) => q.bind(*i),
                    Val::Text(t) => q.bind(*t),
                };
            }
        }
        q.execute(&mut *w.tx).await?;
    }
    Ok(())
}

/// A JSON array of strings, for [`Backend::text_set`].
fn json_strings<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// `(source, kind, source_id) → target` rows for `import_sources`, the last of each key kept.
type Remembered<'a> = HashMap<(&'a str, &'static str, &'a str), i64>;

async fn remember_all(w: &mut Writer, rows: &Remembered<'_>) -> Result<(), StoreError> {
    let rows: Vec<Vec<Val<'_>>> = rows
        .iter()
        .map(|((source, kind, id), target)| {
            vec![
                Val::Text(source),
                Val::Text(kind),
                Val::Text(id),
                Val::Int(*target),
            ]
        })
        .collect();
    insert_rows(
        w,
        "INSERT INTO import_sources (source, kind, source_id, target_id)",
        "ON CONFLICT (source, kind, source_id) DO UPDATE SET target_id = excluded.target_id",
        &rows,
    )
    .await
}

/// What an earlier import made of `kind` items `ids` of `source`: source id → target.
async fn mapped_set(
    w: &mut Writer,
    source: &str,
    kind: &str,
    ids: &[&str],
) -> Result<HashMap<String, i64>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT source_id, target_id FROM import_sources WHERE source = $1 AND kind = $2 \
         AND source_id IN ({})",
        w.store.backend.text_set("$3")
    );
    let rows = sqlx::query(&sql)
        .bind(source)
        .bind(kind)
        .bind(json_strings(ids))
        .fetch_all(&mut *w.tx)
        .await?;
    rows.iter()
        .map(|r| Ok((get(r, "source_id")?, get(r, "target_id")?)))
        .collect()
}

/// `id → (columns…)` of the rows of `table` whose id is among `ids`.
async fn rows_by_id(
    w: &mut Writer,
    cols: &str,
    table: &str,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {cols} FROM {table} WHERE id IN ({})",
        w.store.backend.id_set("$1")
    );
    Ok(sqlx::query(&sql)
        .bind(ids_json(ids))
        .fetch_all(&mut *w.tx)
        .await?)
}

/// A story's row as written: what its revision needs besides the import's input.
struct Row {
    id: i64,
    slug: Slug,
    version: i64,
    discussion: String,
    seo_title: String,
    seo_description: String,
}

/// [`Store::import_stories`] inside its transaction.
async fn write_stories(
    w: &mut Writer,
    stories: &[ImportedStory],
) -> Result<Vec<Imported>, StoreError> {
    let backend = w.store.backend;
    // Earlier imports' stories still there, by (source, source id).
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in stories {
        by_source
            .entry(s.source.as_str())
            .or_default()
            .push(s.source_id.as_str());
    }
    let mut known: HashMap<(&str, &str), i64> = HashMap::new();
    for (source, ids) in &by_source {
        let sql = format!(
            "SELECT i.source_id, a.id FROM import_sources i JOIN articles a ON a.id = i.target_id \
             WHERE i.source = $1 AND i.kind = 'post' AND i.source_id IN ({})",
            backend.text_set("$2")
        );
        let rows = sqlx::query(&sql)
            .bind(*source)
            .bind(json_strings(ids))
            .fetch_all(&mut *w.tx)
            .await?;
        for r in &rows {
            let sid: String = get(r, "source_id")?;
            if let Some(sid) = ids.iter().find(|i| **i == sid) {
                known.insert((source, sid), get(r, "id")?);
            }
        }
    }
    // Who holds the slugs the batch wants, kept up to date as the batch writes.
    let slugs: Vec<&str> = stories.iter().map(|s| s.input.slug.as_str()).collect();
    let mut owners: HashMap<String, i64> = HashMap::new();
    let sql = format!(
        "SELECT id, slug FROM articles WHERE slug IN ({})",
        backend.text_set("$1")
    );
    for r in &sqlx::query(&sql)
        .bind(json_strings(&slugs))
        .fetch_all(&mut *w.tx)
        .await?
    {
        owners.insert(get(r, "slug")?, get(r, "id")?);
    }

    // The stories' own rows: one statement each.
    const RETURNED: &str = "RETURNING id, version, discussion_mode, seo_title, seo_description";
    let mut written = Vec::with_capacity(stories.len());
    let mut rows: Vec<Row> = Vec::with_capacity(stories.len());
    let mut codes: Vec<(i64, ShortCode)> = Vec::new();
    for s in stories {
        let key = (s.source.as_str(), s.source_id.as_str());
        let existing = known.get(&key).copied();
        let input = &s.input;
        let mut slug = input.slug.clone();
        if owners
            .get(slug.as_str())
            .is_some_and(|owner| Some(*owner) != existing)
        {
            slug = Slug::parse(&format!("{}-{}", slug.as_str(), s.source_id))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        let row = match existing {
            Some(id) => {
                sqlx::query(&format!(
                    "UPDATE articles SET slug = $1, headline = $2, standfirst = $3, \
                     section_id = $4, status = $5, body_source = $6, body_html = $7, \
                     body_text = $8, published_at = $9, path_date = $10, scheduled_for = $11, \
                     modified_at = $12, lead_media_id = $13, version = version + 1 \
                     WHERE id = $14 {RETURNED}"
                ))
                .bind(slug.as_str())
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
                .fetch_one(&mut *w.tx)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "INSERT INTO articles (slug, headline, standfirst, section_id, status, \
                     body_source, body_html, body_text, published_at, path_date, scheduled_for, \
                     modified_at, created_at, lead_media_id, discussion_mode) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                     {RETURNED}"
                ))
                .bind(slug.as_str())
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
                .await?
            }
        };
        let id: i64 = get(&row, "id")?;
        if existing.is_none() {
            let code = ShortCode::for_article(ArticleId(id))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            codes.push((id, code));
        }
        owners.retain(|_, owner| *owner != id);
        owners.insert(slug.as_str().to_owned(), id);
        // The same post twice in one batch: the second updates what the first wrote.
        known.insert(key, id);
        written.push(match existing {
            Some(_) => Imported::Updated(ArticleId(id)),
            None => Imported::Created(ArticleId(id)),
        });
        rows.push(Row {
            id,
            slug,
            version: get(&row, "version")?,
            discussion: get(&row, "discussion_mode")?,
            seo_title: get(&row, "seo_title")?,
            seo_description: get(&row, "seo_description")?,
        });
    }
    for chunk in codes.chunks(MAX_PARAMS / 2) {
        let mut cases = String::new();
        let mut ids = String::new();
        for i in 0..chunk.len() {
            cases += &format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2);
            if i > 0 {
                ids.push_str(", ");
            }
            ids += &format!("${}", 2 * i + 1);
        }
        let sql =
            format!("UPDATE articles SET short_code = CASE id{cases} END WHERE id IN ({ids})");
        let mut q = sqlx::query(&sql);
        for (id, code) in chunk {
            q = q.bind(*id).bind(code.as_str());
        }
        q.execute(&mut *w.tx).await?;
    }

    // Each story's join rows, from the last time it appears in the batch.
    let last: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let current: Vec<(&ImportedStory, &Row)> = stories
        .iter()
        .zip(&rows)
        .enumerate()
        .filter(|(i, (_, r))| last.get(&r.id) == Some(i))
        .map(|(_, pair)| pair)
        .collect();
    let updated: BTreeSet<i64> = written
        .iter()
        .filter_map(|x| match x {
            Imported::Updated(id) => Some(id.0),
            Imported::Created(_) => None,
        })
        .collect();
    if !updated.is_empty() {
        let ids = ids_json(updated.iter().copied());
        for table in [
            "article_authors",
            "article_tags",
            "article_related",
            "article_links",
            "article_media",
        ] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE article_id IN ({})",
                backend.id_set("$1")
            ))
            .bind(&ids)
            .execute(&mut *w.tx)
            .await?;
        }
    }
    // What the joins and revisions name: which photos and linked stories exist, and the names
    // the revisions keep.
    let sections: HashMap<i64, (String, String)> = rows_by_id(
        w,
        "id, name, slug",
        "sections",
        stories.iter().map(|s| s.input.section_id.0),
    )
    .await?
    .iter()
    .map(|r| Ok((get(r, "id")?, (get(r, "name")?, get(r, "slug")?))))
    .collect::<Result<_, StoreError>>()?;
    let named = |rows: Vec<sqlx::any::AnyRow>| -> Result<HashMap<i64, String>, StoreError> {
        rows.iter()
            .map(|r| Ok((get(r, "id")?, get(r, "name")?)))
            .collect()
    };
    let people = named(
        rows_by_id(
            w,
            "id, name",
            "people",
            stories
                .iter()
                .flat_map(|s| s.input.authors.iter().map(|p| p.0)),
        )
        .await?,
    )?;
    let tags = named(
        rows_by_id(
            w,
            "id, name",
            "tags",
            stories
                .iter()
                .flat_map(|s| s.input.tags.iter().map(|t| t.0)),
        )
        .await?,
    )?;
    let media: HashSet<i64> = rows_by_id(
        w,
        "id",
        "media",
        current
            .iter()
            .flat_map(|(s, _)| s.input.media.iter().map(|m| m.0)),
    )
    .await?
    .iter()
    .map(|r| get(r, "id"))
    .collect::<Result<_, StoreError>>()?;
    let linked_ids: HashSet<i64> = rows_by_id(
        w,
        "id",
        "articles",
        current.iter().flat_map(|(s, _)| {
            s.input.links.iter().filter_map(|l| match &l.target {
                LinkTarget::Id(id) => Some(id.0),
                LinkTarget::Slug(_) => None,
            })
        }),
    )
    .await?
    .iter()
    .map(|r| get(r, "id"))
    .collect::<Result<_, StoreError>>()?;
    let link_slugs: Vec<&str> = current
        .iter()
        .flat_map(|(s, _)| {
            s.input.links.iter().filter_map(|l| match &l.target {
                LinkTarget::Slug(slug) => Some(slug.as_str()),
                LinkTarget::Id(_) => None,
            })
        })
        .collect();
    let mut linked_slugs: HashMap<String, i64> = HashMap::new();
    if !link_slugs.is_empty() {
        let sql = format!(
            "SELECT id, slug FROM articles WHERE slug IN ({})",
            backend.text_set("$1")
        );
        for r in &sqlx::query(&sql)
            .bind(json_strings(&link_slugs))
            .fetch_all(&mut *w.tx)
            .await?
        {
            linked_slugs.insert(get(r, "slug")?, get(r, "id")?);
        }
    }

    let mut bylines = Vec::new();
    let mut tag_rows = Vec::new();
    let mut link_rows = Vec::new();
    let mut media_rows = Vec::new();
    let mut with_related = Vec::new();
    for (s, row) in &current {
        let id = row.id;
        let input = &s.input;
        // The listing rows' copy of `published_at`: set only while the story is published.
        let listed = (s.status == Status::Published)
            .then_some(s.published_at)
            .flatten()
            .map(micros);
        for (pos, p) in dedup(&input.authors).into_iter().enumerate() {
            bylines.push(vec![
                Val::Int(id),
                Val::Int(p.0),
                Val::Int(pos as i64),
                Val::OptInt(listed),
            ]);
        }
        for (pos, t) in dedup(&input.tags).into_iter().enumerate() {
            tag_rows.push(vec![
                Val::Int(id),
                Val::Int(t.0),
                Val::Int(pos as i64),
                Val::OptInt(listed),
            ]);
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for link in &input.links {
            if !seen.insert(link.key.as_str()) {
                continue;
            }
            let target = match &link.target {
                LinkTarget::Id(t) => linked_ids.contains(&t.0).then_some(t.0),
                LinkTarget::Slug(slug) => linked_slugs.get(slug).copied(),
            };
            link_rows.push(vec![
                Val::Int(id),
                Val::Text(link.key.as_str()),
                Val::OptInt(target),
            ]);
        }
        for m in dedup(&input.media) {
            if media.contains(&m.0) {
                media_rows.push(vec![Val::Int(id), Val::Int(m.0)]);
            }
        }
        if !input.related.is_empty() {
            with_related.push((ArticleId(id), input));
        }
    }
    insert_rows(
        w,
        "INSERT INTO article_authors (article_id, person_id, position, published_at)",
        "",
        &bylines,
    )
    .await?;
    insert_rows(
        w,
        "INSERT INTO article_tags (article_id, tag_id, position, published_at)",
        "",
        &tag_rows,
    )
    .await?;
    insert_rows(
        w,
        "INSERT INTO article_links (article_id, ref, target_id)",
        "",
        &link_rows,
    )
    .await?;
    insert_rows(
        w,
        "INSERT INTO article_media (article_id, media_id)",
        "",
        &media_rows,
    )
    .await?;
    // Editor-picked related stories, which an export never has: written as a save writes
    // them (every join again), so their checks stay in one place.
    for (id, input) in with_related {
        write_joins_of(w, id, input).await?;
    }

    // A revision of each story as it now stands (an import's, by nobody).
    let mut kept = Vec::with_capacity(stories.len());
    for (s, row) in stories.iter().zip(&rows) {
        let related = dedup(&s.input.related)
            .into_iter()
            .filter(|r| r.0 != row.id)
            .collect();
        let story = RevisionStory {
            section: Named {
                id: s.input.section_id,
                name: sections
                    .get(&s.input.section_id.0)
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default(),
            },
            authors: dedup(&s.input.authors)
                .into_iter()
                .filter_map(|p| {
                    people.get(&p.0).map(|name| Named {
                        id: p,
                        name: name.clone(),
                    })
                })
                .collect(),
            tags: dedup(&s.input.tags)
                .into_iter()
                .filter_map(|t| {
                    tags.get(&t.0).map(|name| Named {
                        id: t,
                        name: name.clone(),
                    })
                })
                .collect(),
            lead_media: s.input.lead_media_id,
            related,
            discussion: row
                .discussion
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("discussion mode: {e}")))?,
        };
        kept.push(
            serde_json::to_string(&story)
                .map_err(|e| StoreError::Corrupt(format!("the story kept with a revision: {e}")))?,
        );
    }
    let revisions: Vec<Vec<Val<'_>>> = stories
        .iter()
        .zip(&rows)
        .zip(&kept)
        .map(|((s, row), story)| {
            vec![
                Val::Int(row.id),
                Val::Int(row.version),
                Val::Text(row.slug.as_str()),
                Val::Text(&s.input.headline),
                Val::Text(&s.input.standfirst),
                Val::Text(&s.input.body_source),
                Val::Text(&row.seo_title),
                Val::Text(&row.seo_description),
                Val::OptInt(None),
                Val::Int(micros(s.modified_at)),
                Val::Text(story),
            ]
        })
        .collect();
    insert_rows(
        w,
        "INSERT INTO article_revisions (article_id, version, slug, headline, standfirst, \
         body_source, seo_title, seo_description, saved_by, saved_at, story)",
        "",
        &revisions,
    )
    .await?;

    // Where each story came from, and its old URLs (the last story to claim a path has it).
    let mut sources: Remembered<'_> = HashMap::new();
    let mut old: HashMap<&str, i64> = HashMap::new();
    for (s, row) in stories.iter().zip(&rows) {
        sources.insert((&s.source, "post", &s.source_id), row.id);
        for p in &s.old_paths {
            old.insert(p, row.id);
        }
    }
    remember_all(w, &sources).await?;
    let old_rows: Vec<Vec<Val<'_>>> = old
        .iter()
        .map(|(path, id)| vec![Val::Text(path), Val::Text("article"), Val::Int(*id)])
        .collect();
    insert_rows(
        w,
        "INSERT INTO old_urls (path, kind, target_id)",
        "ON CONFLICT (path) DO UPDATE SET kind = excluded.kind, target_id = excluded.target_id",
        &old_rows,
    )
    .await?;
    // A story's own path today is dropped from the old-URL map and the redirects, so no URL
    // can ever answer a redirect to itself.
    let own: Vec<String> = current
        .iter()
        .filter(|(s, _)| matches!(s.status, Status::Published | Status::Withdrawn))
        .filter_map(|(s, row)| {
            let (_, section) = sections.get(&s.input.section_id.0)?;
            Some(canonical_path(section, s.path_date?, row.slug.as_str()))
        })
        .collect();
    if !own.is_empty() {
        let own = json_strings(&own);
        for table in ["old_urls", "redirects"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE path IN ({})",
                backend.text_set("$1")
            ))
            .bind(&own)
            .execute(&mut *w.tx)
            .await?;
        }
    }

    let comments: Vec<(&str, i64, &ImportedComment)> = stories
        .iter()
        .zip(&rows)
        .flat_map(|(s, row)| {
            s.comments
                .iter()
                .map(move |c| (s.source.as_str(), row.id, c))
        })
        .collect();
    write_comments(w, &comments).await?;
    Ok(written)
}

/// Comments (parents before their replies) and their readers: the reader an earlier run (or
/// this one) made for the same identity, else a reader with the same email, else a new one
/// with no password (claimed by email through the forgotten-password mail). A comment an
/// earlier run wrote is brought up to date in place.
async fn write_comments(
    w: &mut Writer,
    comments: &[(&str, i64, &ImportedComment)],
) -> Result<(), StoreError> {
    if comments.is_empty() {
        return Ok(());
    }
    let mut keys: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for (source, _, c) in comments {
        let (readers, ids) = keys.entry(source).or_default();
        readers.push(&c.reader_key);
        ids.push(&c.source_id);
        ids.extend(c.parent_source_id.as_deref());
    }
    let mut readers: HashMap<(&str, &str), i64> = HashMap::new();
    let mut ids: HashMap<(&str, &str), i64> = HashMap::new();
    for (source, (reader_keys, comment_ids)) in &keys {
        for (k, id) in mapped_set(w, source, "reader", reader_keys).await? {
            if let Some(k) = reader_keys.iter().find(|r| **r == k) {
                readers.insert((source, k), id);
            }
        }
        for (k, id) in mapped_set(w, source, "comment", comment_ids).await? {
            if let Some(k) = comment_ids.iter().find(|c| **c == k) {
                ids.insert((source, k), id);
            }
        }
    }
    let emails: Vec<String> = comments
        .iter()
        .filter(|(source, _, c)| !readers.contains_key(&(*source, c.reader_key.as_str())))
        .filter_map(|(_, _, c)| c.reader_email.as_ref().map(|e| e.to_lowercase()))
        .collect();
    let mut by_email: HashMap<String, i64> = HashMap::new();
    if !emails.is_empty() {
        let sql = format!(
            "SELECT id, lower(email) AS email FROM readers WHERE lower(email) IN ({})",
            w.store.backend.text_set("$1")
        );
        for r in &sqlx::query(&sql)
            .bind(json_strings(&emails))
            .fetch_all(&mut *w.tx)
            .await?
        {
            by_email.insert(get(r, "email")?, get(r, "id")?);
        }
    }

    let mut remembered: Remembered<'_> = HashMap::new();
    for (source, article, c) in comments {
        let rkey = (*source, c.reader_key.as_str());
        let reader = match readers.get(&rkey) {
            Some(r) => *r,
            None => {
                let email = c.reader_email.as_ref().map(|e| e.to_lowercase());
                let found = email.as_ref().and_then(|e| by_email.get(e)).copied();
                let r = match found {
                    Some(r) => r,
                    None => {
                        sqlx::query_scalar(
                            "INSERT INTO readers (display_name, email, password_hash, \
                             created_at) VALUES ($1, $2, NULL, $3) RETURNING id",
                        )
                        .bind(&c.reader_name)
                        .bind(email.as_deref())
                        .bind(micros(c.created_at))
                        .fetch_one(&mut *w.tx)
                        .await?
                    }
                };
                if let Some(e) = email {
                    by_email.insert(e, r);
                }
                readers.insert(rkey, r);
                remembered.insert((source, "reader", &c.reader_key), r);
                r
            }
        };
        let parent = c
            .parent_source_id
            .as_deref()
            .and_then(|p| ids.get(&(*source, p)))
            .copied();
        let ckey = (*source, c.source_id.as_str());
        let id = match ids.get(&ckey) {
            Some(&id) => {
                let n = sqlx::query(
                    "UPDATE comments SET article_id = $1, reader_id = $2, parent_id = $3, \
                     body = $4, status = $5, created_at = $6 WHERE id = $7",
                )
                .bind(article)
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
        let id = match id {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO comments (article_id, reader_id, parent_id, body, status, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(article)
                .bind(reader)
                .bind(parent)
                .bind(&c.body)
                .bind(c.status.as_str())
                .bind(micros(c.created_at))
                .fetch_one(&mut *w.tx)
                .await?
            }
        };
        ids.insert(ckey, id);
        remembered.insert((source, "comment", &c.source_id), id);
    }
    remember_all(w, &remembered).await
}
