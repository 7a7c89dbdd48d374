//! Sections: the site's navigation and section fronts.

use crate::rows::{get, slug};
use crate::{Change, Shared, Store, StoreError};
use dateline_core::SectionId;
use dateline_core::section::Section;
use dateline_core::slug::Slug;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewSection {
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub position: i64,
}

const COLUMNS: &str = "id, slug, name, description, position, parent_id";

fn section(row: &AnyRow) -> Result<Section, StoreError> {
    Ok(Section {
        id: SectionId(get(row, "id")?),
        slug: slug(row, "slug")?,
        name: get(row, "name")?,
        description: get(row, "description")?,
        position: get(row, "position")?,
        parent_id: get::<Option<i64>>(row, "parent_id")?.map(SectionId),
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// Every section in navigation order.
    pub async fn sections(&self) -> Result<Vec<Section>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sections ORDER BY position, name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(section).collect()
    }

    pub async fn section_by_slug(&self, slug: &str) -> Result<Section, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sections WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        section(&row)
    }

    pub async fn section(&self, id: SectionId) -> Result<Section, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sections WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        section(&row)
    }

    pub async fn create_section(&self, new: NewSection) -> Result<Section, StoreError> {
        if dateline_core::section::is_reserved(new.slug.as_str()) {
            return Err(StoreError::Taken("slug".to_owned()));
        }
        let mut w = self.write().await?;
        // A page at this slug would be hidden by the section front: `Taken("page")`, checked
        // in the writing transaction as `create_page` checks sections.
        let page = sqlx::query("SELECT id FROM pages WHERE slug = $1")
            .bind(new.slug.as_str())
            .fetch_optional(&mut *w.tx)
            .await?;
        if page.is_some() {
            return Err(StoreError::Taken("page".to_owned()));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO sections (slug, name, description, position) VALUES ($1, $2, $3, $4) \
             RETURNING {COLUMNS}"
        ))
        .bind(new.slug.as_str())
        .bind(&new.name)
        .bind(&new.description)
        .bind(new.position)
        .fetch_one(&mut *w.tx)
        .await?;
        let s = section(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(s)
    }

    /// Rename a section and change its description and place in the navigation (its slug, and
    /// so every story URL in it, never changes).
    pub async fn update_section(
        &self,
        id: SectionId,
        name: &str,
        description: &str,
        position: i64,
    ) -> Result<Section, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE sections SET name = $1, description = $2, position = $3 WHERE id = $4 \
             RETURNING {COLUMNS}"
        ))
        .bind(name)
        .bind(description)
        .bind(position)
        .bind(id.0)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let s = section(&row)?;
        w.announce(Change::Shared(Shared::Section(id)));
        w.commit().await?;
        Ok(s)
    }
}
