//! Playlists (issue 23): named lists of audio files, in order or shuffled. A mount names the
//! playlist it plays while no source is connected (its own, named after it, made when its
//! first file is added), and a programme of the weekly schedule may name one to air from
//! (`store/src/schedule.rs`). The files themselves live in the media store; a row names one
//! by its key and keeps what was read from it when it was added. Migration
//! `0024_named_playlists.sql` gave playlists their identity; before it a playlist was keyed
//! by its mount's path.
//!
//! Playlist writes announce no change: pages do not show playlists, and every node's live
//! surface compares [`Store::playlist_fingerprint`] to notice them (SQLite has no change
//! stream, and the CLI writes from another process).

use crate::rows::{get, micros, parsed, time};
use crate::{Store, StoreError};
use dateline_core::live::{AudioFormat, MountPath, PlaylistName};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// A playlist: its name, the format of its files and how it plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPlaylist {
    pub id: i64,
    pub name: PlaylistName,
    /// Its files are all of this format; it plays on mounts of this format only.
    pub format: AudioFormat,
    pub shuffle: bool,
}

/// One file of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistItem {
    pub id: i64,
    pub playlist_id: i64,
    /// Its place in the order (1 first); unique within the playlist.
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

/// A file to add at the end of playlist `playlist_id`.
#[derive(Debug, Clone)]
pub struct NewPlaylistItem {
    pub playlist_id: i64,
    pub media_key: String,
    pub file_name: String,
    pub title: String,
    pub bytes: i64,
    pub duration_ms: i64,
}

/// A playlist's files in order and whether they play shuffled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlaylistEntries {
    pub shuffle: bool,
    pub items: Vec<PlaylistItem>,
}

const COLUMNS: &str =
    "id, playlist_id, position, media_key, file_name, title, bytes, duration_ms, added_at";

const PLAYLIST_COLUMNS: &str = "id, name, format, shuffle";

fn item(row: &AnyRow) -> Result<PlaylistItem, StoreError> {
    Ok(PlaylistItem {
        id: get(row, "id")?,
        playlist_id: get(row, "playlist_id")?,
        position: get(row, "position")?,
        media_key: get(row, "media_key")?,
        file_name: get(row, "file_name")?,
        title: get(row, "title")?,
        bytes: get(row, "bytes")?,
        duration_ms: get(row, "duration_ms")?,
        added_at: time(get(row, "added_at")?)?,
    })
}

fn named(row: &AnyRow) -> Result<NamedPlaylist, StoreError> {
    let name: String = get(row, "name")?;
    Ok(NamedPlaylist {
        id: get(row, "id")?,
        name: PlaylistName::parse(&name)
            .map_err(|e| StoreError::Corrupt(format!("column name: {e}")))?,
        format: parsed(row, "format")?,
        shuffle: get::<i64>(row, "shuffle")? != 0,
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// Every playlist, by name.
    pub async fn playlists(&self) -> Result<Vec<NamedPlaylist>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PLAYLIST_COLUMNS} FROM live_playlists ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(named).collect()
    }

    /// The playlist called `name`; `NotFound` when there is none.
    pub async fn playlist_named(&self, name: &PlaylistName) -> Result<NamedPlaylist, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PLAYLIST_COLUMNS} FROM live_playlists WHERE name = $1"
        ))
        .bind(name.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        named(&row)
    }

    /// A new, empty playlist; `Taken("name")` when one has that name.
    pub async fn create_playlist(
        &self,
        name: &PlaylistName,
        format: AudioFormat,
        now: Timestamp,
    ) -> Result<NamedPlaylist, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO live_playlists (name, format, shuffle, created_at) \
             VALUES ($1, $2, 0, $3) RETURNING {PLAYLIST_COLUMNS}"
        ))
        .bind(name.as_str())
        .bind(format.as_str())
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            // The only unique column; the constraint's name differs per backend.
            StoreError::Taken(_) => StoreError::Taken("name".to_owned()),
            other => other,
        })?;
        let p = named(&row)?;
        w.commit().await?;
        Ok(p)
    }

    /// The playlist the mount at `path` falls back to, if it has one; `NotFound` when there
    /// is no such mount.
    pub async fn mount_playlist(
        &self,
        path: &MountPath,
    ) -> Result<Option<NamedPlaylist>, StoreError> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT playlist_id FROM live_mounts WHERE path = $1")
                .bind(path.as_str())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        let Some(id) = id else {
            return Ok(None);
        };
        let row = sqlx::query(&format!(
            "SELECT {PLAYLIST_COLUMNS} FROM live_playlists WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(named(&row)?))
    }

    /// The mount's playlist, made (named after the mount, in its format) and made the mount's
    /// when it has none; `NotFound` when there is no such mount.
    pub async fn own_mount_playlist(
        &self,
        path: &MountPath,
        now: Timestamp,
    ) -> Result<NamedPlaylist, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query("SELECT format, playlist_id FROM live_mounts WHERE path = $1")
            .bind(path.as_str())
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if let Some(id) = get::<Option<i64>>(&row, "playlist_id")? {
            let row = sqlx::query(&format!(
                "SELECT {PLAYLIST_COLUMNS} FROM live_playlists WHERE id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
            return named(&row);
        }
        let format: AudioFormat = parsed(&row, "format")?;
        // Named after the mount; should a playlist of another format have that name, the
        // mount's gets a number after it.
        let base = PlaylistName::of_mount(path);
        let mut made = None;
        for n in 1..=20 {
            let name = if n == 1 {
                base.as_str().to_owned()
            } else {
                format!("{base}-{n}")
            };
            let existing = sqlx::query(&format!(
                "SELECT {PLAYLIST_COLUMNS} FROM live_playlists WHERE name = $1"
            ))
            .bind(&name)
            .fetch_optional(&mut *w.tx)
            .await?;
            match existing {
                // A playlist left by a removed mount of this path and format: it again.
                Some(row) => {
                    let p = named(&row)?;
                    if p.format == format {
                        made = Some(p);
                        break;
                    }
                }
                None => {
                    let row = sqlx::query(&format!(
                        "INSERT INTO live_playlists (name, format, shuffle, created_at) \
                         VALUES ($1, $2, 0, $3) RETURNING {PLAYLIST_COLUMNS}"
                    ))
                    .bind(&name)
                    .bind(format.as_str())
                    .bind(micros(now))
                    .fetch_one(&mut *w.tx)
                    .await?;
                    made = Some(named(&row)?);
                    break;
                }
            }
        }
        let p = made.ok_or_else(|| StoreError::Taken("name".to_owned()))?;
        sqlx::query("UPDATE live_mounts SET playlist_id = $1 WHERE path = $2")
            .bind(p.id)
            .bind(path.as_str())
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(p)
    }

    /// The files of playlist `id` (empty when there is none).
    pub async fn playlist_entries(&self, id: i64) -> Result<PlaylistEntries, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM live_playlist_items WHERE playlist_id = $1 ORDER BY position"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(item).collect::<Result<Vec<_>, _>>()?;
        let shuffle: Option<i64> =
            sqlx::query_scalar("SELECT shuffle FROM live_playlists WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(PlaylistEntries {
            shuffle: shuffle.unwrap_or(0) != 0,
            items,
        })
    }

    /// The playlist of the mount at `path` (empty when it has none; the mount need not
    /// exist).
    pub async fn playlist(&self, path: &MountPath) -> Result<PlaylistEntries, StoreError> {
        match self.mount_playlist(path).await {
            Ok(Some(p)) => self.playlist_entries(p.id).await,
            Ok(None) | Err(StoreError::NotFound) => Ok(PlaylistEntries::default()),
            Err(e) => Err(e),
        }
    }

    /// A value that changes whenever any playlist does (items, order or shuffle), a mount's
    /// choice of playlist, or the schedule's: cheap enough to read every few seconds.
    pub async fn playlist_fingerprint(&self) -> Result<String, StoreError> {
        let items: (i64, Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
            // SUM is NUMERIC on PostgreSQL: cast, so both backends give a BIGINT.
            "SELECT COUNT(*), MAX(id), CAST(SUM(position * id + playlist_id) AS BIGINT), \
             CAST(SUM(added_at % 1000003) AS BIGINT) FROM live_playlist_items",
        )
        .fetch_one(&self.pool)
        .await?;
        let playlists: (i64, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(id), CAST(SUM(shuffle * id) AS BIGINT) FROM live_playlists",
        )
        .fetch_one(&self.pool)
        .await?;
        let mounts: (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(COALESCE(playlist_id, 0) * id) AS BIGINT) \
             FROM live_mounts",
        )
        .fetch_one(&self.pool)
        .await?;
        let programmes: (i64, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(id), CAST(SUM(COALESCE(playlist_id, 0) * id) AS BIGINT) \
             FROM live_programmes",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(format!("{items:?}{playlists:?}{mounts:?}{programmes:?}"))
    }

    /// Add a file at the end of a playlist; `NotFound` when there is no such playlist.
    pub async fn add_playlist_item(
        &self,
        new: NewPlaylistItem,
        now: Timestamp,
    ) -> Result<PlaylistItem, StoreError> {
        let mut w = self.write().await?;
        let playlists: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM live_playlists WHERE id = $1")
                .bind(new.playlist_id)
                .fetch_one(&mut *w.tx)
                .await?;
        if playlists == 0 {
            return Err(StoreError::NotFound);
        }
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(position) FROM live_playlist_items WHERE playlist_id = $1",
        )
        .bind(new.playlist_id)
        .fetch_one(&mut *w.tx)
        .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO live_playlist_items (playlist_id, position, media_key, file_name, \
             title, bytes, duration_ms, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING {COLUMNS}"
        ))
        .bind(new.playlist_id)
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

    /// Remove the file `id` from the playlist of the mount at `path`; see
    /// [`Store::remove_item_from_playlist`].
    pub async fn remove_playlist_item(&self, path: &MountPath, id: i64) -> Result<(), StoreError> {
        let p = self
            .mount_playlist(path)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.remove_item_from_playlist(p.id, id).await
    }

    /// Remove the file `id` from playlist `playlist` (the ones after it move up);
    /// `NotFound` when that playlist has no such file.
    pub async fn remove_item_from_playlist(
        &self,
        playlist: i64,
        id: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let position: Option<i64> = sqlx::query_scalar(
            "DELETE FROM live_playlist_items WHERE playlist_id = $1 AND id = $2 \
             RETURNING position",
        )
        .bind(playlist)
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(position) = position else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "UPDATE live_playlist_items SET position = position - 1 \
             WHERE playlist_id = $1 AND position > $2",
        )
        .bind(playlist)
        .bind(position)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Move the file `id` of the playlist of the mount at `path`; see
    /// [`Store::move_item_in_playlist`].
    pub async fn move_playlist_item(
        &self,
        path: &MountPath,
        id: i64,
        position: i64,
    ) -> Result<(), StoreError> {
        let p = self
            .mount_playlist(path)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.move_item_in_playlist(p.id, id, position).await
    }

    /// Move the file `id` to `position` (1 first; past the end means last), the others
    /// shifting to make room; `NotFound` when that playlist has no such file.
    pub async fn move_item_in_playlist(
        &self,
        playlist: i64,
        id: i64,
        position: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM live_playlist_items WHERE playlist_id = $1 ORDER BY position",
        )
        .bind(playlist)
        .fetch_all(&mut *w.tx)
        .await?;
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

    /// Play the playlist of the mount at `path` shuffled or in order (making the mount's own
    /// playlist when it has none); `NotFound` when there is no such mount.
    pub async fn set_playlist_shuffle(
        &self,
        path: &MountPath,
        shuffle: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let p = self.own_mount_playlist(path, now).await?;
        self.set_shuffle(p.id, shuffle).await
    }

    /// Play playlist `playlist` shuffled or in order; `NotFound` when there is none.
    pub async fn set_shuffle(&self, playlist: i64, shuffle: bool) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE live_playlists SET shuffle = $1 WHERE id = $2")
            .bind(i64::from(shuffle))
            .bind(playlist)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        w.commit().await?;
        Ok(())
    }

    /// Delete the playlist called `name` with its list of files (the files themselves stay
    /// in the media store); `NotFound` when there is none, `PlaylistInUse` naming the
    /// programmes that air from it and the mounts that play it, which must choose another
    /// first: deleting it under them would silently turn a pre-recorded programme into
    /// silence, so the operator is asked to decide instead.
    pub async fn delete_playlist(&self, name: &PlaylistName) -> Result<NamedPlaylist, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "SELECT {PLAYLIST_COLUMNS} FROM live_playlists WHERE name = $1"
        ))
        .bind(name.as_str())
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let playlist = named(&row)?;
        // A programme or mount choosing it after this check waits for the commit and then
        // fails its foreign key, so nothing can point at a deleted playlist.
        let programmes = crate::schedule::airing_from(&mut w, playlist.id).await?;
        let mounts: Vec<String> =
            sqlx::query_scalar("SELECT path FROM live_mounts WHERE playlist_id = $1 ORDER BY path")
                .bind(playlist.id)
                .fetch_all(&mut *w.tx)
                .await?;
        if !programmes.is_empty() || !mounts.is_empty() {
            let mounts = mounts
                .iter()
                .map(|m| {
                    MountPath::parse(m)
                        .map_err(|e| StoreError::Corrupt(format!("column path: {e}")))
                })
                .collect::<Result<_, _>>()?;
            return Err(StoreError::PlaylistInUse { programmes, mounts });
        }
        for sql in [
            "DELETE FROM live_playlist_items WHERE playlist_id = $1",
            "DELETE FROM live_playlists WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(playlist.id)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await?;
        Ok(playlist)
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
