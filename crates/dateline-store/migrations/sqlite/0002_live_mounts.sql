-- Live audio mounts (issue 5). Times are microseconds since the Unix epoch, UTC. Kept
-- column-for-column in step with ../postgres/0002_live_mounts.sql.
--
-- The source password is stored only as an Argon2id PHC string. The fallback is a path, not a
-- foreign key: a fallback mount may be added after the mount that names it.

CREATE TABLE live_mounts (
    id                   INTEGER PRIMARY KEY,
    path                 TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    format               TEXT NOT NULL,
    source_password_hash TEXT NOT NULL,
    max_listeners        INTEGER,
    fallback_path        TEXT,
    burst_bytes          INTEGER NOT NULL,
    queue_bytes          INTEGER NOT NULL,
    created_at           INTEGER NOT NULL
);
