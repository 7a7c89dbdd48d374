//! Mounts' playlists: the files a mount plays while no source is connected (issue 23), in
//! order or shuffled. The files themselves live in the media store; a row names one by its
//! key and keeps what was read from it when it was added.
//!
//! Playlist writes announce no change: pages do not show playlists, and every node's live
//! surface compares [`Store::playlist_fingerprint`] to notice them (SQLite has no change
//! stream, and the CLI writes from another process).

use crate::rows::{get, micros, time};
use crate::{Store, StoreError};
use dateline_core::live::MountPath;
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// One file of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistItem {
    pub id: i64,
    pub mount: MountPath,
    /// Its place in the order (1 first); unique within the mount.
    pub position: i64,
    /// The file's key in the media store.
    pub media_key: String,
    /// The name it was uploaded under, for people.
    pub file_name: String,
    /// Now-playing text from its tags; empty when it had none.
    pub title: String,
    pub bytes: i64,
    pub duration_ms: i64,
    pub added_at: Timestamp,
}

/// A file to add at the end of a mount's playlist.
#[derive(Debug, Clone)]
pub struct NewPlaylistItem {
    pub mount: MountPath,
    pub media_key: String,
    pub file_name: String,
    pub title: String,
    pub bytes: i64,
    pub duration_ms: i64,
}

/// A mount's playlist: its files in order and whether they play shuffled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlaylistEntries {
    pub shuffle: bool,
    pub items: Vec<PlaylistItem>,
}

const COLUMNS: &str =
    "id, mount_path, position, media_key, file_name, title, bytes, duration_ms, added_at";

fn item(row: &AnyRow) -> Result<PlaylistItem, StoreError> {
    let mount: String = get(row, "mount_path")?;
    Ok(PlaylistItem {
        id: get(row, "id")?,
        mount: MountPath::parse(&mount)
            .map_err(|e| StoreError::Corrupt(format!("column mount_path: {e}")))?,
        position: get(row, "position")?,
        media_key: get(row, "media_key")?,
        file_name: get(row, "file_name")?,
        title: get(row, "title")?,
        bytes: get(row, "bytes")?,
        duration_ms: get(row, "duration_ms")?,
        added_at: time(get(row, "added_at")?)?,
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// The playlist of `path` (empty when it has none; the mount need not exist).
    pub async fn playlist(&self, path: &MountPath) -> Result<PlaylistEntries, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM live_playlist_items WHERE mount_path = $1 ORDER BY position"
        ))
        .bind(path.as_str())
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(item).collect::<Result<Vec<_>, _>>()?;
        let shuffle: Option<i64> =
            sqlx::query_scalar("SELECT shuffle FROM live_playlists WHERE mount_path = $1")
                .bind(path.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(PlaylistEntries {
            shuffle: shuffle.unwrap_or(0) != 0,
            items,
        })
    }

    /// A value that changes whenever any mount's playlist does (items, order or shuffle),
    /// cheap enough to read every few seconds.
    pub async fn playlist_fingerprint(&self) -> Result<String, StoreError> {
        let items: (i64, Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
            // SUM is NUMERIC on PostgreSQL: cast, so both backends give a BIGINT.
            "SELECT COUNT(*), MAX(id), CAST(SUM(position * id) AS BIGINT), \
             CAST(SUM(added_at % 1000003) AS BIGINT) FROM live_playlist_items",
        )
        .fetch_one(&self.pool)
        .await?;
        let shuffles: (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), CAST(SUM(shuffle) AS BIGINT) FROM live_playlists")
                .fetch_one(&self.pool)
                .await?;
        Ok(format!("{items:?}{shuffles:?}"))
    }

    /// Add a file at the end of its mount's playlist; `NotFound` when there is no such mount.
    pub async fn add_playlist_item(
        &self,
        new: NewPlaylistItem,
        now: Timestamp,
    ) -> Result<PlaylistItem, StoreError> {
        let mut w = self.write().await?;
        let mounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_mounts WHERE path = $1")
            .bind(new.mount.as_str())
            .fetch_one(&mut *w.tx)
            .await?;
        if mounts == 0 {
            return Err(StoreError::NotFound);
        }
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(position) FROM live_playlist_items WHERE mount_path = $1",
        )
        .bind(new.mount.as_str())
        .fetch_one(&mut *w.tx)
        .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO live_playlist_items (mount_path, position, media_key, file_name, title, \
             bytes, duration_ms, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING {COLUMNS}"
        ))
        .bind(new.mount.as_str())
        .bind(last.unwrap_or(0) + 1)
        .bind(&new.media_key)
        .bind(&new.file_name)
        .bind(&new.title)
        .bind(new.bytes)
        .bind(new.duration_ms)
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let added = item(&row)?;
        w.commit().await?;
        Ok(added)
    }

    /// Remove the file `id` from `path`'s playlist (the ones after it move up); `NotFound`
    /// when that playlist has no such file.
    pub async fn remove_playlist_item(&self, path: &MountPath, id: i64) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let position: Option<i64> = sqlx::query_scalar(
            "DELETE FROM live_playlist_items WHERE mount_path = $1 AND id = $2 RETURNING position",
        )
        .bind(path.as_str())
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(position) = position else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "UPDATE live_playlist_items SET position = position - 1 \
             WHERE mount_path = $1 AND position > $2",
        )
        .bind(path.as_str())
        .bind(position)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Move the file `id` to `position` (1 first; past the end means last), the others
    /// shifting to make room; `NotFound` when that playlist has no such file.
    pub async fn move_playlist_item(
        &self,
        path: &MountPath,
        id: i64,
        position: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM live_playlist_items WHERE mount_path = $1 ORDER BY position"
        ))
        .bind(path.as_str())
        .fetch_all(&mut *w.tx)
        .await?;
        let mut ids: Vec<i64> = rows
            .iter()
            .map(|r| get::<i64>(r, "id"))
            .collect::<Result<_, _>>()?;
        let from = ids
            .iter()
            .position(|&i| i == id)
            .ok_or(StoreError::NotFound)?;
        let moved = ids.remove(from);
        let to = usize::try_from(position.max(1) - 1)
            .unwrap_or(0)
            .min(ids.len());
        ids.insert(to, moved);
        for (i, id) in ids.iter().enumerate() {
            sqlx::query("UPDATE live_playlist_items SET position = $1 WHERE id = $2")
                .bind(i as i64 + 1)
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// Play `path`'s playlist shuffled or in order; `NotFound` when there is no such mount.
    pub async fn set_playlist_shuffle(
        &self,
        path: &MountPath,
        shuffle: bool,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let mounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_mounts WHERE path = $1")
            .bind(path.as_str())
            .fetch_one(&mut *w.tx)
            .await?;
        if mounts == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO live_playlists (mount_path, shuffle) VALUES ($1, $2) \
             ON CONFLICT (mount_path) DO UPDATE SET shuffle = excluded.shuffle",
        )
        .bind(path.as_str())
        .bind(i64::from(shuffle))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Whether any playlist still names `media_key` (so its file must stay).
    pub async fn playlist_uses(&self, media_key: &str) -> Result<bool, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM live_playlist_items WHERE media_key = $1")
                .bind(media_key)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }
}
