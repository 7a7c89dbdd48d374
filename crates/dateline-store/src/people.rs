//! People as the reading site sees them: authors with public pages; and, for the story
//! editor's byline picker, whether each has an account that can sign in. Never reads an email
//! address or a password hash (only whether there is one).

use crate::media::like_escape;
use crate::rows::{get, ids_json, micros, parsed};
use crate::{Change, Store, StoreError};
use dateline_core::permissions::Role;
use dateline_core::person::Person;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, MediaId, PersonId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub slug: Slug,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub photo_media_id: Option<MediaId>,
}

/// A person as the byline picker lists them: who they are, and whether they can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BylinePerson {
    pub id: PersonId,
    pub name: String,
    /// Job title ("Middle East correspondent"); may be empty.
    pub title: String,
    /// Their newsroom role; None for a byline with no account (an imported author).
    pub role: Option<Role>,
    /// The account is disabled.
    pub disabled: bool,
    /// The account has a password; without one nobody signs in as them.
    pub has_password: bool,
}

impl BylinePerson {
    /// Whether someone can sign in as this person now.
    pub fn may_sign_in(&self) -> bool {
        self.role.is_some() && !self.disabled && self.has_password
    }
}

pub(crate) const COLUMNS: &str = "p.id, p.slug, p.name, p.title, p.bio, p.photo_media_id";
const BARE_COLUMNS: &str = "id, slug, name, title, bio, photo_media_id";

/// A person's columns as a JSON row carries them ([`crate::Backend::json_rows`] of
/// [`COLUMNS`]): id, slug, name, title, bio, photo.
pub(crate) type PersonParts = (i64, String, String, String, String, Option<i64>);

fn person(row: &AnyRow) -> Result<Person, StoreError> {
    person_from((
        get(row, "id")?,
        get(row, "slug")?,
        get(row, "name")?,
        get(row, "title")?,
        get(row, "bio")?,
        get(row, "photo_media_id")?,
    ))
}

pub(crate) fn person_from(
    (id, slug, name, title, bio, photo): PersonParts,
) -> Result<Person, StoreError> {
    Ok(Person {
        id: PersonId(id),
        slug: Slug::parse(&slug).map_err(|e| StoreError::Corrupt(format!("person slug: {e}")))?,
        name,
        title,
        bio,
        photo_media_id: photo.map(MediaId),
    })
}

#[dateline_store_macros::timed]
impl Store {
    pub async fn create_person(
        &self,
        new: NewPerson,
        now: Timestamp,
    ) -> Result<Person, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO people (slug, name, title, bio, photo_media_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {BARE_COLUMNS}"
        ))
        .bind(new.slug.as_str())
        .bind(&new.name)
        .bind(&new.title)
        .bind(&new.bio)
        .bind(new.photo_media_id.map(|m| m.0))
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let p = person(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(p)
    }

    pub async fn person_by_slug(&self, slug: &str) -> Result<Person, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM people p WHERE p.slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        person(&row)
    }

    /// Bylines of several articles at once, in each article's order.
    pub async fn authors_of(
        &self,
        ids: &[ArticleId],
    ) -> Result<Vec<(ArticleId, Person)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT x.article_id, {COLUMNS} FROM article_authors x \
             JOIN people p ON p.id = x.person_id \
             WHERE x.article_id IN ({}) ORDER BY x.article_id, x.position",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((ArticleId(get(r, "article_id")?), person(r)?)))
            .collect()
    }

    /// People who have at least one published story, by name.
    pub async fn authors(&self) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM people p WHERE EXISTS \
             (SELECT 1 FROM article_authors x WHERE x.person_id = p.id AND x.published_at IS NOT NULL) \
             ORDER BY p.name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person).collect()
    }

    /// Everyone who may be in a byline, by name (the editor's byline choices).
    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM people p ORDER BY p.name, p.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person).collect()
    }

    /// The byline picker's people, by name: those whose name contains `query` in any case
    /// (everyone when it is empty; `%` and `_` are literal), names that start with it first,
    /// at most `limit`.
    pub async fn byline_people(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<BylinePerson>, StoreError> {
        let q = like_escape(&query.trim().to_lowercase());
        // Whether there is an account and a password, as numbers (never the values).
        let rows = sqlx::query(
            "SELECT id, name, title, role, disabled, \
             CAST(CASE WHEN email IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_account, \
             CAST(CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_password \
             FROM people WHERE LOWER(name) LIKE $1 ESCAPE '\\' \
             ORDER BY CASE WHEN LOWER(name) LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, name, id \
             LIMIT $3",
        )
        .bind(format!("%{q}%"))
        .bind(format!("{q}%"))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let account = get::<i64>(r, "has_account")? == 1;
                Ok(BylinePerson {
                    id: PersonId(get(r, "id")?),
                    name: get(r, "name")?,
                    title: get(r, "title")?,
                    role: if account {
                        Some(parsed(r, "role")?)
                    } else {
                        None
                    },
                    disabled: get::<i64>(r, "disabled")? != 0,
                    has_password: get::<i64>(r, "has_password")? == 1,
                })
            })
            .collect()
    }
}
