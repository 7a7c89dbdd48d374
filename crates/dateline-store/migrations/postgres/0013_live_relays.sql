-- Live audio across nodes (issue 20). Kept column for column in step with
-- ../sqlite/0013_live_relays.sql. Times are microseconds since the Unix epoch, UTC.
--
-- live_source_nodes: which node has a mount's source on air, so the other nodes relay the
-- mount from it. A node writes its row when it admits a source, renews heartbeat_at every few
-- seconds while the source is on air and deletes the row when the source ends; a row whose
-- heartbeat is older than the staleness limit counts as absent, so a killed node does not
-- hold a mount. No foreign key: removing a mount deletes its row in the same
-- transaction (store/src/live.rs), and a row must never stop a mount from being removed.
CREATE TABLE live_source_nodes (
    mount_path   TEXT PRIMARY KEY,
    node_url     TEXT NOT NULL,
    since        BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

-- An upstream (an Icecast server's mount, say) this mount relays while it has listeners,
-- instead of taking a source itself: http://[user:password@]host[:port]/path.
ALTER TABLE live_mounts ADD COLUMN relay_from TEXT;
