//! Per-site settings, stored as one JSON document under the key `site` so a new setting needs no
//! migration; unknown or missing fields fall back to defaults rather than failing a page. The
//! front page's pinned stories (lead first, then the top slots) are a JSON list of ids under
//! the key `front_pins`.

use crate::{Change, Store, StoreError};
use dateline_core::ArticleId;
use dateline_core::site::SiteSettings;

#[dateline_store_macros::timed]
impl Store {
    pub async fn site_settings(&self) -> Result<SiteSettings, StoreError> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'site'")
                .fetch_optional(&self.pool)
                .await?;
        match value {
            None => Ok(SiteSettings::default()),
            Some(v) => serde_json::from_str(&v)
                .map_err(|e| StoreError::Corrupt(format!("site settings: {e}"))),
        }
    }

    /// The site settings the store has a value for: the keys of the stored document (empty
    /// before the first save; a setting added to Dateline since the last save is absent).
    pub async fn stored_site_setting_keys(&self) -> Result<Vec<String>, StoreError> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'site'")
                .fetch_optional(&self.pool)
                .await?;
        match value {
            None => Ok(Vec::new()),
            Some(v) => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&v)
                .map(|m| m.keys().cloned().collect())
                .map_err(|e| StoreError::Corrupt(format!("site settings: {e}"))),
        }
    }

    /// An operator's record kept under `key` in the settings table (JSON text, such as the
    /// scheduled backups' last outcome); None when there is none.
    pub async fn note(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key.to_owned())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Keep `value` under `key` ([`Store::note`]). Never announced: readers see none of it,
    /// so it never empties the page cache.
    pub async fn set_note(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key.to_owned())
        .bind(value.to_owned())
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    pub async fn save_site_settings(&self, s: &SiteSettings) -> Result<(), StoreError> {
        let json = serde_json::to_string(s)
            .map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))?;
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('site', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(json)
        .execute(&mut *w.tx)
        .await?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(())
    }

    /// The stories pinned to the front page, lead first (unpublished ones included: the front
    /// page leaves them out until they are published).
    pub async fn front_pins(&self) -> Result<Vec<ArticleId>, StoreError> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'front_pins'")
                .fetch_optional(&self.pool)
                .await?;
        match value {
            None => Ok(Vec::new()),
            Some(v) => serde_json::from_str::<Vec<i64>>(&v)
                .map(|ids| ids.into_iter().map(ArticleId).collect())
                .map_err(|e| StoreError::Corrupt(format!("front-page pins: {e}"))),
        }
    }

    /// Pin stories to the front page, lead first; an empty list unpins all.
    pub async fn set_front_pins(&self, pins: &[ArticleId]) -> Result<(), StoreError> {
        let ids: Vec<i64> = pins.iter().map(|a| a.0).collect();
        let json = serde_json::to_string(&ids)
            .map_err(|e| StoreError::Corrupt(format!("front-page pins: {e}")))?;
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('front_pins', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(json)
        .execute(&mut *w.tx)
        .await?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(())
    }
}
