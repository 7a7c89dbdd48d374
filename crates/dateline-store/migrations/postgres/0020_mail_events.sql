-- Bounces, complaints and suppressions (issue 21; store/src/newsletters.rs, docs/newsletters.md).
-- Kept column for column in step with ../sqlite/0018_mail_events.sql. Times are
-- microseconds since the Unix epoch, UTC.

-- What an API token may do: '' acts as its owner (every token made before this migration);
-- 'mail-events' may only post to /api/v1/mail/events, so the secret a mail provider holds
-- can do nothing else.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT '';

-- Why and from where an address was suppressed. source: 'webhook' (the generic JSON shape),
-- 'ses' (Amazon SES through SNS), 'dsn' (a delivery report fed to the inbound path),
-- 'newsroom' (an operator); detail: the receiving server's words ('5.1.1 user unknown').
-- reason keeps its meaning: 'hard-bounce', 'complaint', 'soft-bounces' or an operator's note.
ALTER TABLE suppressions ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE suppressions ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- Soft bounces (a full mailbox, a server away) counted per address until
-- [newsletters] soft_bounce_limit suppresses it; released with its suppression.
CREATE TABLE soft_bounces (
    email   TEXT PRIMARY KEY,
    count   BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
