-- Newsletters (issue 21; store/src/newsletters.rs): lists readers subscribe to, their
-- subscribers with the proof of consent, each issue, and one delivery row per (issue,
-- subscriber) so a send is resumable and sends each message once. Kept column for column in
-- step with ../postgres/0017_newsletters.sql. Times are microseconds since the Unix epoch, UTC.

-- kind: 'digest' (a section's or the whole site's new stories on a schedule), 'alerts' (one
-- story, sent by an editor now) or 'letter' (written in the newsroom). schedule: '' or
-- 'daily HH:MM' / 'weekly DAY HH:MM' in the site's time zone, for digests.
CREATE TABLE newsletters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    section_id  INTEGER REFERENCES sections(id) ON DELETE SET NULL,
    schedule    TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

-- One row per address (kept lower-case). confirmed_at: the first confirmation link followed.
-- consent_*: the proof of the latest consent given: when, the address as typed, which form,
-- from which IP.
CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE,
    reader_id       INTEGER REFERENCES readers(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    confirmed_at    INTEGER,
    consent_at      INTEGER NOT NULL,
    consent_address TEXT NOT NULL,
    consent_form    TEXT NOT NULL,
    consent_ip      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subscribers_reader ON subscribers (reader_id);

-- A subscription is active once confirmed (double opt-in, per newsletter) and until
-- unsubscribed; asked for again after that, it waits for a new confirmation.
CREATE TABLE subscriptions (
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    newsletter_id   INTEGER NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    confirmed_at    INTEGER,
    unsubscribed_at INTEGER,
    PRIMARY KEY (subscriber_id, newsletter_id)
);
CREATE INDEX subscriptions_newsletter ON subscriptions (newsletter_id);

-- state: 'draft' (being written), 'sending' (deliveries made, the send job at work), 'sent'
-- (no delivery left queued). The bodies are what every subscriber gets (rendered once).
CREATE TABLE newsletter_issues (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    newsletter_id INTEGER NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    markdown      TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL,
    body_text     TEXT NOT NULL,
    article_id    INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    state         TEXT NOT NULL DEFAULT 'draft',
    created_at    INTEGER NOT NULL,
    queued_at     INTEGER,
    finished_at   INTEGER
);
CREATE INDEX newsletter_issues_newsletter ON newsletter_issues (newsletter_id, id);

-- One row per message: 'queued' → 'sending' (the moment before the SMTP transaction) →
-- 'sent' (the moment after the server took it). A row left 'sending' by a process that died
-- becomes 'uncertain' and is never sent again: that one message per sender is the window
-- between the server's answer and the write that follows it. 'failed': the server refused
-- the recipient for good.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id      INTEGER NOT NULL REFERENCES newsletter_issues(id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    state         TEXT NOT NULL DEFAULT 'queued',
    sent_at       INTEGER,
    error         TEXT,
    UNIQUE (issue_id, subscriber_id)
);
CREATE INDEX deliveries_queue ON deliveries (issue_id, state, id);
CREATE INDEX deliveries_sent ON deliveries (sent_at);

-- Addresses no newsletter mails again (a hard bounce, a complaint, an operator's choice).
CREATE TABLE suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The key that signs newsletter links (confirmation, preferences, unsubscribe): one row,
-- made on first use, shared by every node.
CREATE TABLE newsletter_keys (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL
);
