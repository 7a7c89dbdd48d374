-- Moving in (issue 16; store/src/imports.rs): where each imported item came from, so running
-- the same import again updates it in place instead of adding a copy, and the old site's URLs,
-- each answered with one 301 to the item's URL today. Kept column for column in step with the
-- other backend's 0015_imports.sql.
--
-- `source` names the export ('wordpress:https://old.example'), `kind` the item ('post',
-- 'section', 'tag', 'person', 'reader', 'comment'), `source_id` its id there; `target_id` is
-- the row here (in the table the kind names). Rows are never announced: readers see the items,
-- not this map.
CREATE TABLE import_sources (
    source    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    source_id TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);

-- An old URL (its path, with `?p=12`-style queries kept as written) and what it names now:
-- kind 'article', 'section', 'tag', 'person' (their pages) or 'section_feed', 'tag_feed',
-- 'person_feed', 'site_feed' (their RSS). The target's URL is worked out when asked, so a
-- renamed slug never leaves a chain of redirects. Redirects of a story's own earlier URLs stay
-- in `redirects`.
CREATE TABLE old_urls (
    path      TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    target_id BIGINT NOT NULL
);
