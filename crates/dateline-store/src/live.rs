//! Live audio mounts: the configuration `dateline mount …` writes and the live relay reads.
//!
//! Only a hash of a mount's source password is ever stored or returned; hashing and checking
//! are the caller's (they take CPU time that belongs off the async threads).

use crate::rows::{get, micros, parsed, time};
use crate::{Change, Store, StoreError};
use dateline_core::live::{AudioFormat, Mount, MountPath};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// A mount to add.
#[derive(Clone)]
pub struct NewMount {
    pub path: MountPath,
    pub name: String,
    pub format: AudioFormat,
    /// An Argon2id PHC string.
    pub source_password_hash: String,
    pub max_listeners: Option<u32>,
    pub fallback: Option<MountPath>,
    pub burst_bytes: u32,
    pub queue_bytes: u32,
}

const COLUMNS: &str = "path, name, format, source_password_hash, max_listeners, fallback_path, \
                       burst_bytes, queue_bytes, created_at";

fn mount_path(row: &AnyRow, col: &str) -> Result<MountPath, StoreError> {
    let s: String = get(row, col)?;
    MountPath::parse(&s).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

fn small(v: i64, col: &str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("column {col}: {v} out of range")))
}

fn mount(row: &AnyRow) -> Result<Mount, StoreError> {
    let fallback: Option<String> = get(row, "fallback_path")?;
    Ok(Mount {
        path: mount_path(row, "path")?,
        name: get(row, "name")?,
        format: parsed(row, "format")?,
        source_password_hash: get(row, "source_password_hash")?,
        max_listeners: get::<Option<i64>>(row, "max_listeners")?
            .map(|v| small(v, "max_listeners"))
            .transpose()?,
        fallback: fallback
            .map(|f| {
                MountPath::parse(&f)
                    .map_err(|e| StoreError::Corrupt(format!("column fallback_path: {e}")))
            })
            .transpose()?,
        burst_bytes: small(get(row, "burst_bytes")?, "burst_bytes")?,
        queue_bytes: small(get(row, "queue_bytes")?, "queue_bytes")?,
        created_at: time(get(row, "created_at")?)?,
    })
}

impl Store {
    /// Every mount, by path.
    pub async fn live_mounts(&self) -> Result<Vec<Mount>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM live_mounts ORDER BY path"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mount).collect()
    }

    pub async fn live_mount(&self, path: &MountPath) -> Result<Mount, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM live_mounts WHERE path = $1"
        ))
        .bind(path.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        mount(&row)
    }

    /// Add a mount; `Taken("path")` when one exists at that path.
    pub async fn create_live_mount(
        &self,
        new: NewMount,
        now: Timestamp,
    ) -> Result<Mount, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO live_mounts (path, name, format, source_password_hash, max_listeners, \
             fallback_path, burst_bytes, queue_bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
        ))
        .bind(new.path.as_str())
        .bind(&new.name)
        .bind(new.format.as_str())
        .bind(&new.source_password_hash)
        .bind(new.max_listeners.map(i64::from))
        .bind(new.fallback.as_ref().map(|f| f.as_str().to_owned()))
        .bind(i64::from(new.burst_bytes))
        .bind(i64::from(new.queue_bytes))
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            // The only unique column; the constraint's name differs per backend.
            StoreError::Taken(_) => StoreError::Taken("path".to_owned()),
            other => other,
        })?;
        let m = mount(&row)?;
        // The player (a later page) shows stations: pages must not outlive a mount change.
        w.announce(Change::Content);
        w.commit().await?;
        Ok(m)
    }

    /// Remove the mount at `path`; `NotFound` when there is none.
    pub async fn delete_live_mount(&self, path: &MountPath) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query("DELETE FROM live_mounts WHERE path = $1")
            .bind(path.as_str())
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        w.announce(Change::Content);
        w.commit().await?;
        Ok(())
    }
}
