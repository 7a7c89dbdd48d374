//! Per-site settings, stored as one JSON document under the key `site` so a new setting needs no
//! migration; unknown or missing fields fall back to defaults rather than failing a page.

use crate::{Change, Store, StoreError};
use dateline_core::site::SiteSettings;

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
        w.commit().await?;
        self.announce(Change::Content);
        Ok(())
    }
}
