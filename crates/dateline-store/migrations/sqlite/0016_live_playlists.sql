-- Playlists (issue 23): what a mount plays while no source is connected. Kept column for
-- column in step with ../postgres/0015_live_playlists.sql. Times are microseconds since the
-- Unix epoch, UTC.
--
-- live_playlists: a mount's playing order (shuffle 1: shuffled anew each time round; 0: in
-- position order). A mount with items and no row plays in order.
CREATE TABLE live_playlists (
    mount_path TEXT PRIMARY KEY,
    shuffle    INTEGER NOT NULL DEFAULT 0
);

-- live_playlist_items: the files, kept in the media store under media_key
-- (audio/<sha256>.<ext>, content-addressed like photos' originals), with what was read from
-- them when they were added (the now-playing title from their tags, their length). No
-- foreign key to live_mounts (mounts are keyed by path there too): removing a mount deletes
-- its items in the same transaction (store/src/live.rs).
CREATE TABLE live_playlist_items (
    id          INTEGER PRIMARY KEY,
    mount_path  TEXT NOT NULL,
    position    INTEGER NOT NULL,
    media_key   TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    title       TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    added_at    INTEGER NOT NULL
);
CREATE INDEX live_playlist_items_mount ON live_playlist_items (mount_path, position);
