-- The few stories updated after publication, for the sitemaps' lastmod of sections, tags and
-- authors (store/src/feeds.rs), so those never read every story's row. Partial: most stories
-- are never updated. Kept in step with ../postgres/0006_sitemap_lastmod.sql.
CREATE INDEX articles_updated ON articles (updated_at) WHERE updated_at IS NOT NULL;
