//! Live audio mounts: the configuration `dateline mount …` writes and the live relay reads.
//!
//! Only a hash of a mount's source password is ever stored or returned; hashing and checking
//! are the caller's (they take CPU time that belongs off the async threads).
//!
//! Also which node has each mount's source on air ([`SourceNode`]), so the other nodes of a
//! site on one PostgreSQL database relay it from there. These rows are bookkeeping, not
//! content: writing them announces no change.

use crate::rows::{get, micros, parsed, time};
use crate::{Change, Store, StoreError};
use dateline_core::live::{AudioFormat, Mount, MountPath, Upstream};
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
    pub relay_from: Option<Upstream>,
}

const COLUMNS: &str = "path, name, format, source_password_hash, max_listeners, fallback_path, \
                       burst_bytes, queue_bytes, relay_from, created_at";

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
        relay_from: get::<Option<String>>(row, "relay_from")?
            .map(|u| {
                Upstream::parse(&u)
                    .map_err(|e| StoreError::Corrupt(format!("column relay_from: {e}")))
            })
            .transpose()?,
        created_at: time(get(row, "created_at")?)?,
    })
}

#[dateline_store_macros::timed]
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
             fallback_path, burst_bytes, queue_bytes, relay_from, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
        ))
        .bind(new.path.as_str())
        .bind(&new.name)
        .bind(new.format.as_str())
        .bind(&new.source_password_hash)
        .bind(new.max_listeners.map(i64::from))
        .bind(new.fallback.as_ref().map(|f| f.as_str().to_owned()))
        .bind(i64::from(new.burst_bytes))
        .bind(i64::from(new.queue_bytes))
        .bind(new.relay_from.as_ref().map(|u| u.as_stored().to_owned()))
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

    /// Give the mount at `path` a new source password (its Argon2id PHC string); `NotFound`
    /// when there is none. A mount imported from an export has none (`''`, which admits no
    /// source) until this is done.
    pub async fn set_live_mount_password(
        &self,
        path: &MountPath,
        source_password_hash: &str,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE live_mounts SET source_password_hash = $1 WHERE path = $2")
            .bind(source_password_hash.to_owned())
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

    /// Remove the mount at `path`; `NotFound` when there is none.
    pub async fn delete_live_mount(&self, path: &MountPath) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let playlist: Option<i64> =
            sqlx::query_scalar("DELETE FROM live_mounts WHERE path = $1 RETURNING playlist_id")
                .bind(path.as_str())
                .fetch_optional(&mut *w.tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM live_source_nodes WHERE mount_path = $1")
            .bind(path.as_str())
            .execute(&mut *w.tx)
            .await?;
        // Its playlist goes with it, unless another mount or a programme of the schedule
        // still plays it.
        if let Some(id) = playlist {
            let users: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM live_mounts WHERE playlist_id = $1) + \
                 (SELECT COUNT(*) FROM live_programmes WHERE playlist_id = $1)",
            )
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
            if users == 0 {
                for sql in [
                    "DELETE FROM live_playlist_items WHERE playlist_id = $1",
                    "DELETE FROM live_playlists WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *w.tx).await?;
                }
            }
        }
        w.announce(Change::Content);
        w.commit().await?;
        Ok(())
    }
}

/// The node with a mount's source on air, as its row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceNode {
    /// The node's internal URL (`--node-url`), e.g. `http://10.0.0.5:8080`.
    pub node_url: String,
    pub since: Timestamp,
    pub heartbeat_at: Timestamp,
}

#[dateline_store_macros::timed]
impl Store {
    /// Record `node_url` as the node with `path`'s source on air, unless another node holds
    /// it with a heartbeat at or after `fresh_after`. Whether this node holds it now.
    pub async fn claim_live_source(
        &self,
        path: &MountPath,
        node_url: &str,
        now: Timestamp,
        fresh_after: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        // One statement, so two nodes admitting a source at once cannot both win: the loser's
        // update finds the winner's fresh row and changes nothing.
        let done = sqlx::query(
            "INSERT INTO live_source_nodes (mount_path, node_url, since, heartbeat_at) \
             VALUES ($1, $2, $3, $3) \
             ON CONFLICT (mount_path) DO UPDATE SET node_url = excluded.node_url, \
             since = excluded.since, heartbeat_at = excluded.heartbeat_at \
             WHERE live_source_nodes.node_url = excluded.node_url \
             OR live_source_nodes.heartbeat_at < $4",
        )
        .bind(path.as_str())
        .bind(node_url)
        .bind(micros(now))
        .bind(micros(fresh_after))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Renew this node's heartbeat for `path`; `false` when the row is no longer this node's
    /// (another node took the mount after this one's heartbeat went stale).
    pub async fn renew_live_source(
        &self,
        path: &MountPath,
        node_url: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE live_source_nodes SET heartbeat_at = $3 \
             WHERE mount_path = $1 AND node_url = $2",
        )
        .bind(path.as_str())
        .bind(node_url)
        .bind(micros(now))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forget that `node_url` has `path`'s source (its source ended); another node's row is
    /// left alone.
    pub async fn release_live_source(
        &self,
        path: &MountPath,
        node_url: &str,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM live_source_nodes WHERE mount_path = $1 AND node_url = $2")
            .bind(path.as_str())
            .bind(node_url)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(())
    }

    /// The node with `path`'s source on air, when its heartbeat is at or after `fresh_after`.
    pub async fn live_source_node(
        &self,
        path: &MountPath,
        fresh_after: Timestamp,
    ) -> Result<Option<SourceNode>, StoreError> {
        let row = sqlx::query(
            "SELECT node_url, since, heartbeat_at FROM live_source_nodes \
             WHERE mount_path = $1 AND heartbeat_at >= $2",
        )
        .bind(path.as_str())
        .bind(micros(fresh_after))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SourceNode {
                node_url: get(&r, "node_url")?,
                since: time(get(&r, "since")?)?,
                heartbeat_at: time(get(&r, "heartbeat_at")?)?,
            })
        })
        .transpose()
    }
}
