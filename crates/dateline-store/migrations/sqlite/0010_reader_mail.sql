-- Reader mail (issue 4): the single-use links mailed to readers, to verify an email address
-- ('verify') or to choose a new password ('reset'). Kept column-for-column in step with
-- ../postgres/0010_reader_mail.sql. Times are microseconds since the Unix epoch, UTC.
--
-- Only the SHA-256 hex digest of a link's token is stored, so the table gives nobody a working
-- link; a token is used at most once (used_at) and only before expires_at.

CREATE TABLE reader_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    reader_id   INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX reader_tokens_reader ON reader_tokens (reader_id, purpose);
