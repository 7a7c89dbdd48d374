-- Newsroom accounts, sessions, sign-in throttling and API tokens (issue 3). Times are
-- microseconds since the Unix epoch, UTC. Kept column-for-column in step with
-- ../postgres/0003_newsroom.sql.
--
-- An account is a `people` row with an email (0001 already has email, password_hash, role and
-- disabled there), so the person who signs in is the byline. Emails are stored trimmed and
-- lower-cased; the index on lower(email) keeps them unique case-insensitively whatever wrote
-- them. Session and API tokens are stored only as SHA-256 hex digests: a copy of this
-- database signs nobody in.

CREATE UNIQUE INDEX people_email_lower ON people (lower(email));

CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    -- The form token of this session: not a credential on its own (it is useless without the
    -- session cookie), so it is kept as is and put into every form.
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

-- Failed sign-ins, one row each; subject is 'account:EMAIL' or 'address:IP'. Kept in the
-- database rather than in memory so every node behind a load balancer counts the same
-- attempts and a restart does not reset them. Rows older than the window are deleted as new
-- ones arrive.
CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    subject   TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);

CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    label        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);
