-- Discussion (issue 4): reader accounts and their sessions, outside identities (OpenID Connect),
-- comments, recommendations, reports and the moderation log. Times are microseconds since the
-- Unix epoch, UTC. Kept column-for-column in step with ../postgres/0008_discussion.sql.
--
-- Readers are not staff: they live in `readers`, never in `people`, so no reader session can
-- ever reach the newsroom. Session tokens are stored only as SHA-256 hex digests.
-- Comment writes are never announced as content changes: the cached article page stays.

CREATE TABLE readers (
    id            INTEGER PRIMARY KEY,
    display_name  TEXT NOT NULL,
    -- Trimmed and lower-cased; NULL for a reader known only through an outside identity.
    email         TEXT,
    password_hash TEXT,
    verified      INTEGER NOT NULL DEFAULT 0,
    -- A ban: until this time, or for good when banned_forever is 1.
    banned_until  INTEGER,
    banned_forever INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX readers_email_lower ON readers (lower(email));

CREATE TABLE reader_sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    reader_id   INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX reader_sessions_reader ON reader_sessions (reader_id);

-- OpenID Connect providers the operator configured ("Comment via <label>").
CREATE TABLE oidc_providers (
    id            INTEGER PRIMARY KEY,
    label         TEXT NOT NULL UNIQUE,
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- An outside identity (a provider's subject) linked to a reader.
CREATE TABLE reader_identities (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    reader_id   INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (provider_id, subject)
);
CREATE INDEX reader_identities_reader ON reader_identities (reader_id);

-- status: published, pending (held for review), rejected, spam, deleted (by its author).
CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    reader_id    INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    parent_id    INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,
    -- Why a rule held it ('' when none did).
    flag         TEXT NOT NULL DEFAULT '',
    -- The community standard a rejection cites ('' otherwise).
    standard     TEXT NOT NULL DEFAULT '',
    recommends   INTEGER NOT NULL DEFAULT 0,
    ip           TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER
);
CREATE INDEX comments_article ON comments (article_id, status, created_at);
CREATE INDEX comments_reader ON comments (reader_id, created_at);
CREATE INDEX comments_status ON comments (status, created_at);
CREATE INDEX comments_ip ON comments (ip, created_at);

CREATE TABLE comment_recommendations (
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    reader_id  INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, reader_id)
);

CREATE TABLE comment_reports (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    reader_id   INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (comment_id, reader_id)
);
CREATE INDEX comment_reports_open ON comment_reports (resolved, comment_id);

-- Every moderation action: who (a newsroom person), what, on which comment or reader, when.
CREATE TABLE moderation_log (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    action      TEXT NOT NULL,
    comment_id  INTEGER,
    reader_id   INTEGER,
    detail      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX moderation_log_time ON moderation_log (created_at);
