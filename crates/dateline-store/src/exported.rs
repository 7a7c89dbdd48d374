//! What leaves the site in `dateline export` (issue 16, docs/export.md): an allow-list of
//! tables, each with the columns that go, named one by one. Never `SELECT *`: a column added
//! later (a new secret, say) stays home until someone adds it here, and the CLI test that
//! compares this list with the schema fails until every table and column is either exported or
//! withheld with a reason ([`WITHHELD_TABLES`], [`WITHHELD_COLUMNS`]).
//!
//! Nothing secret is ever listed: no password hash (people, readers, mounts), no session, token
//! or link digest, no provider secret, no newsletter signing key, no throttling row. Adding a
//! table is one line here and its section in docs/export.md (a test checks both).

/// One exported table: the JSON-lines file `tables/{table}.jsonl` of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub table: &'static str,
    /// The columns that go, in the order each line lists them.
    pub columns: &'static [&'static str],
    /// Only the rows matching this SQL condition go (and only those are replaced on import);
    /// None: every row.
    pub rows: Option<&'static str>,
    /// Withheld columns an import must still give a value (NOT NULL without a default), with
    /// the value it gives: one that grants nothing (an empty password hash admits no one).
    pub fill: &'static [(&'static str, &'static str)],
}

const fn t(table: &'static str, columns: &'static [&'static str]) -> Exported {
    Exported {
        table,
        columns,
        rows: None,
        fill: &[],
    }
}

impl Exported {
    const fn rows(self, condition: &'static str) -> Self {
        Self {
            rows: Some(condition),
            ..self
        }
    }

    const fn fill(self, fill: &'static [(&'static str, &'static str)]) -> Self {
        Self { fill, ..self }
    }
}

/// Every exported table: the one list to extend when a table is added (with its section in
/// docs/export.md). The order does not matter: an export writes them parents first.
#[rustfmt::skip]
pub const EXPORTED: &[Exported] = &[
    t("settings", &["key", "value"]).rows("key IN ('site', 'discussion', 'front_pins')"),
    t("sections", &["id", "slug", "name", "description", "position", "parent_id"]),
    t("tags", &["id", "slug", "name"]),
    t("media", &["id", "hash", "mime", "width", "height", "alt", "caption", "credit_agency", "credit_photographer", "credit_courtesy", "credit_printed", "variants", "formats", "file_name", "created_at"]),
    t("people", &["id", "slug", "name", "title", "bio", "photo_media_id", "email", "role", "disabled", "created_at"]),
    t("articles", &["id", "slug", "headline", "standfirst", "section_id", "status", "body_source", "body_html", "body_text", "published_at", "updated_at", "modified_at", "created_at", "scheduled_for", "path_date", "short_code", "lead_media_id", "discussion_mode", "seo_title", "seo_description", "withdrawn_note", "version", "created_by", "updated_by"]),
    t("article_authors", &["article_id", "person_id", "position", "published_at"]),
    t("article_tags", &["article_id", "tag_id", "position", "published_at"]),
    t("article_related", &["article_id", "related_id", "position"]),
    t("article_links", &["article_id", "ref", "target_id"]),
    t("article_media", &["article_id", "media_id"]),
    t("article_revisions", &["id", "article_id", "version", "slug", "headline", "standfirst", "body_source", "seo_title", "seo_description", "saved_by", "saved_at", "story"]),
    t("article_corrections", &["id", "article_id", "note", "created_by", "created_at"]),
    t("redirects", &["path", "article_id"]),
    t("related_lists", &["article_id", "related", "computed_at"]),
    t("readers", &["id", "display_name", "email", "verified", "banned_until", "banned_forever", "created_at"]),
    t("comments", &["id", "article_id", "reader_id", "parent_id", "body", "status", "flag", "standard", "recommends", "ip", "created_at", "edited_at", "featured", "moderated"]),
    t("comment_recommendations", &["comment_id", "reader_id"]),
    t("comment_reports", &["id", "comment_id", "reader_id", "reason", "created_at", "resolved"]),
    t("moderation_log", &["id", "person_id", "action", "comment_id", "reader_id", "detail", "created_at", "batch", "prior", "undone"]),
    t("reader_reply_mail", &["reader_id", "since"]),
    t("reply_mails_sent", &["comment_id", "sent_at"]),
    t("person_preferences", &["person_id", "key", "value"]),
    t("pages", &["id", "slug", "title", "description", "body_source", "body_html", "body_text", "refs", "status", "footer_position", "created_at", "updated_at", "version"]),
    t("page_revisions", &["id", "page_id", "version", "slug", "title", "description", "body_source", "status", "footer_position", "saved_by", "saved_at"]),
    t("import_sources", &["source", "kind", "source_id", "target_id"]),
    t("old_urls", &["path", "kind", "target_id"]),
    t("live_playlists", &["id", "name", "format", "shuffle", "created_at"]),
    t("live_mounts", &["id", "path", "name", "format", "max_listeners", "fallback_path", "burst_bytes", "queue_bytes", "created_at", "playlist_id"]).fill(&[("source_password_hash", "")]),
    t("live_programmes", &["id", "title", "presenter", "description", "days", "starts", "ends", "created_at", "playlist_id"]),
    t("live_playlist_items", &["id", "playlist_id", "position", "media_key", "file_name", "title", "bytes", "duration_ms", "added_at"]),
    t("newsletters", &["id", "slug", "name", "description", "kind", "section_id", "schedule", "created_at"]),
    t("subscribers", &["id", "email", "reader_id", "created_at", "confirmed_at", "consent_at", "consent_address", "consent_form", "consent_ip"]),
    t("subscriptions", &["subscriber_id", "newsletter_id", "created_at", "confirmed_at", "unsubscribed_at"]),
    t("newsletter_issues", &["id", "newsletter_id", "subject", "markdown", "body_html", "body_text", "article_id", "state", "created_at", "queued_at", "finished_at", "slot"]),
    t("deliveries", &["id", "issue_id", "subscriber_id", "state", "sent_at", "error", "stories"]),
    t("suppressions", &["email", "reason", "created_at", "source", "detail"]),
    t("soft_bounces", &["email", "count", "last_at"]),
];

/// Tables that never leave, and why.
pub const WITHHELD_TABLES: &[(&str, &str)] = &[
    ("sessions", "newsroom sign-ins (token digests): secrets"),
    ("api_tokens", "API token digests: secrets"),
    (
        "login_failures",
        "sign-in throttling: this site's security record",
    ),
    (
        "reader_sessions",
        "readers' sign-ins (token digests): secrets",
    ),
    (
        "reader_tokens",
        "digests of links mailed to readers: secrets",
    ),
    (
        "oidc_providers",
        "OpenID Connect client secrets, registered for this site's address",
    ),
    (
        "reader_identities",
        "links to this site's OpenID Connect registrations, which stay",
    ),
    (
        "newsletter_keys",
        "the key that signs newsletter links: a secret",
    ),
    (
        "jobs",
        "the node's work queue: remade by the new site as needed",
    ),
    (
        "live_source_nodes",
        "which node has a live source on air now: runtime state",
    ),
    (
        "editor_presence",
        "who has a story's editor open this minute: runtime state",
    ),
];

/// Columns of exported tables that never leave (table, column, why).
pub const WITHHELD_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "people",
        "password_hash",
        "a secret: people choose a new password on the new site",
    ),
    (
        "readers",
        "password_hash",
        "a secret: readers set a new password by email",
    ),
    (
        "live_mounts",
        "source_password_hash",
        "a secret: set a new one on the new site",
    ),
    (
        "live_mounts",
        "relay_from",
        "the upstream's address may carry its password",
    ),
];
