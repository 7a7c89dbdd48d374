//! Tags and their counts.

use crate::rows::{get, ids_json};
use crate::{Change, Shared, Store, StoreError};
use dateline_core::slug::Slug;
use dateline_core::tag::Tag;
use dateline_core::{ArticleId, TagId};
use sqlx::any::AnyRow;

fn tag(row: &AnyRow) -> Result<Tag, StoreError> {
    tag_from((get(row, "id")?, get(row, "slug")?, get(row, "name")?))
}

/// A tag from its columns as a JSON row carries them: id, slug, name.
pub(crate) fn tag_from((id, slug, name): (i64, String, String)) -> Result<Tag, StoreError> {
    Ok(Tag {
        id: TagId(id),
        slug: Slug::parse(&slug).map_err(|e| StoreError::Corrupt(format!("tag slug: {e}")))?,
        name,
    })
}

#[dateline_store_macros::timed]
impl Store {
    pub async fn tag_by_slug(&self, slug: &str) -> Result<Tag, StoreError> {
        let row = sqlx::query("SELECT id, slug, name FROM tags WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        tag(&row)
    }

    /// The tag named `name`, created if no tag has its slug yet.
    pub async fn ensure_tag(&self, name: &str) -> Result<Tag, StoreError> {
        let name = name.trim();
        let slug = Slug::from_text(name).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if let Ok(t) = self.tag_by_slug(slug.as_str()).await {
            return Ok(t);
        }
        let mut w = self.write().await?;
        // A racing writer may have created it since the read above: insert-or-ignore, then read.
        sqlx::query("INSERT INTO tags (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING")
            .bind(slug.as_str())
            .bind(name)
            .execute(&mut *w.tx)
            .await?;
        let row = sqlx::query("SELECT id, slug, name FROM tags WHERE slug = $1")
            .bind(slug.as_str())
            .fetch_one(&mut *w.tx)
            .await?;
        let t = tag(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(t)
    }

    /// Every tag with the number of published stories carrying it, by name.
    pub async fn tags_with_counts(&self) -> Result<Vec<(Tag, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.id, t.slug, t.name, \
                    (SELECT COUNT(*) FROM article_tags x \
                      WHERE x.tag_id = t.id AND x.published_at IS NOT NULL) AS articles \
             FROM tags t ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((tag(r)?, get::<i64>(r, "articles")?)))
            .collect()
    }

    /// Tags of several articles at once, in each article's order.
    pub async fn tags_of(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, Tag)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT x.article_id, t.id, t.slug, t.name FROM article_tags x \
             JOIN tags t ON t.id = x.tag_id \
             WHERE x.article_id IN ({}) ORDER BY x.article_id, x.position",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|i| i.0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((ArticleId(get(r, "article_id")?), tag(r)?)))
            .collect()
    }

    /// Rename a tag (its slug, and so its page's URL, stays).
    pub async fn rename_tag(&self, id: TagId, name: &str) -> Result<Tag, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query("UPDATE tags SET name = $1 WHERE id = $2 RETURNING id, slug, name")
            .bind(name.trim())
            .bind(id.0)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let t = tag(&row)?;
        w.announce(Change::Shared(Shared::Tag(id)));
        w.commit().await?;
        Ok(t)
    }
}
