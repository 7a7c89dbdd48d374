-- Each published story's automatic related stories, ranked off the request path by the web
-- layer's related-list worker (web/src/related.rs) from shared tags, section, recency and the
-- search index's text similarity, so an article page reads one row instead of ranking per view.
-- Derived data: any row may be deleted and is recomputed. `related` holds article ids, best
-- first, comma-separated (the page reads the whole list at once and never queries into it).
-- Kept in step with
-- ../postgres/0011_related_lists.sql.
CREATE TABLE related_lists (
    article_id  INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    related     TEXT NOT NULL,
    computed_at INTEGER NOT NULL
);
CREATE INDEX related_lists_age ON related_lists (computed_at);
