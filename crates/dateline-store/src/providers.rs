//! OpenID Connect providers the operator configured ("Comment via <label>") and the outside
//! identities (a provider's subject) linked to reader accounts.
//!
//! A provider's client secret is stored as given (the site must present it to the provider)
//! and is returned only inside a [`Secret`], so it never reaches a log by `Debug`. Not
//! announced: the article pages do not show providers (the discussion, cached apart, does).

use crate::rows::{get, micros, time};
use crate::{Store, StoreError};
use dateline_core::ReaderId;
use dateline_core::secret::Secret;
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// A configured provider.
#[derive(Debug, Clone)]
pub struct Provider {
    pub id: i64,
    /// The button's label: "Comment via {label}".
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret<String>,
    pub created_at: Timestamp,
}

fn provider(row: &AnyRow) -> Result<Provider, StoreError> {
    Ok(Provider {
        id: get(row, "id")?,
        label: get(row, "label")?,
        issuer: get(row, "issuer")?,
        client_id: get(row, "client_id")?,
        client_secret: Secret::new(get(row, "client_secret")?),
        created_at: time(get(row, "created_at")?)?,
    })
}

const COLUMNS: &str = "id, label, issuer, client_id, client_secret, created_at";

#[dateline_store_macros::timed]
impl Store {
    /// Add a provider; `Taken("label")` when the label is used.
    pub async fn add_provider(
        &self,
        label: &str,
        issuer: &str,
        client_id: &str,
        client_secret: &Secret<String>,
        now: Timestamp,
    ) -> Result<Provider, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO oidc_providers (label, issuer, client_id, client_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
        ))
        .bind(label)
        .bind(issuer)
        .bind(client_id)
        .bind(client_secret.expose())
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Taken(_) => StoreError::Taken("label".to_owned()),
            other => other,
        })?;
        let p = provider(&row)?;
        w.commit().await?;
        Ok(p)
    }

    /// Every provider, in the order they were added (the order of the buttons).
    pub async fn providers(&self) -> Result<Vec<Provider>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM oidc_providers ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(provider).collect()
    }

    pub async fn provider_by_label(&self, label: &str) -> Result<Provider, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM oidc_providers WHERE label = $1"
        ))
        .bind(label)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        provider(&row)
    }

    /// Remove a provider (its linked identities go with it; the readers stay).
    pub async fn remove_provider(&self, label: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query("DELETE FROM oidc_providers WHERE label = $1")
            .bind(label)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }

    /// The reader an outside identity is linked to.
    pub async fn reader_of_identity(
        &self,
        provider_id: i64,
        subject: &str,
    ) -> Result<ReaderId, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT reader_id FROM reader_identities WHERE provider_id = $1 AND subject = $2",
        )
        .bind(provider_id)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        id.map(ReaderId).ok_or(StoreError::NotFound)
    }

    /// Link an outside identity to a reader; `Taken("identity")` when it is linked already.
    pub async fn link_identity(
        &self,
        provider_id: i64,
        subject: &str,
        reader: ReaderId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO reader_identities (provider_id, subject, reader_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(provider_id)
        .bind(subject)
        .bind(reader.0)
        .bind(micros(now))
        .execute(&mut *w.tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Taken(_) => StoreError::Taken("identity".to_owned()),
            other => other,
        })?;
        w.commit().await
    }
}
