-- Named playlists (issue 23): a playlist has an identity of its own, so the weekly schedule
-- can name one for a pre-recorded programme, and a mount names the playlist it falls back to.
-- Kept column for column in step with ../postgres/0024_named_playlists.sql. Times are
-- microseconds since the Unix epoch, UTC.
--
-- live_playlists: a name people type (`dateline schedule add --playlist NAME`), the audio
-- format of its files (a playlist plays only on mounts of that format, passed through without
-- re-encoding) and its order (shuffle 1: shuffled anew each time round).
ALTER TABLE live_playlists RENAME TO live_playlists_0016;

CREATE TABLE live_playlists (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    format     TEXT NOT NULL,
    shuffle    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- Every mount that had a playlist keeps playing it: the playlist is named after the mount
-- (its path without `/live/`), with the mount's format and shuffle.
INSERT INTO live_playlists (name, format, shuffle, created_at)
SELECT substr(m.path, 7), m.format,
       COALESCE((SELECT o.shuffle FROM live_playlists_0016 o WHERE o.mount_path = m.path), 0),
       m.created_at
FROM live_mounts m
WHERE EXISTS (SELECT 1 FROM live_playlist_items i WHERE i.mount_path = m.path)
   OR EXISTS (SELECT 1 FROM live_playlists_0016 o WHERE o.mount_path = m.path);

-- live_mounts.playlist_id: what the mount plays while no source is connected and no
-- programme's playlist is on.
ALTER TABLE live_mounts ADD COLUMN playlist_id INTEGER
    REFERENCES live_playlists (id) ON DELETE SET NULL;
UPDATE live_mounts SET playlist_id =
    (SELECT p.id FROM live_playlists p WHERE p.name = substr(live_mounts.path, 7));

-- live_playlist_items: the files now belong to a playlist, not to a mount.
ALTER TABLE live_playlist_items ADD COLUMN playlist_id INTEGER
    REFERENCES live_playlists (id) ON DELETE CASCADE;
UPDATE live_playlist_items SET playlist_id =
    (SELECT m.playlist_id FROM live_mounts m WHERE m.path = live_playlist_items.mount_path);
DELETE FROM live_playlist_items WHERE playlist_id IS NULL;
DROP INDEX live_playlist_items_mount;
ALTER TABLE live_playlist_items DROP COLUMN mount_path;
CREATE INDEX live_playlist_items_playlist ON live_playlist_items (playlist_id, position);

DROP TABLE live_playlists_0016;

-- live_programmes.playlist_id: the playlist a pre-recorded programme airs from, on every
-- mount of its format with no source connected; a playlist a programme names cannot be
-- deleted.
ALTER TABLE live_programmes ADD COLUMN playlist_id INTEGER REFERENCES live_playlists (id);
