-- Static pages (issue 16; store/src/pages.rs): About us, Contact, Corrections policy, Privacy,
-- served at /{slug}/ beside the section fronts and listed in the footer. Kept column for column
-- in step with the other backend's 0022_static_pages.sql.
--
-- pages: one row per page. `slug` is unique among pages; the store also refuses a page slug a
-- section has (and a section slug a page has) inside the writing transaction. `description`
-- is the meta description as typed ('' means: made from the body's first paragraph when shown).
-- `body_source` is the editors' dialect; `body_html` (sanitised, with placeholders) and
-- `body_text` are rendered from it at save time by dateline-markup; `refs` is a JSON array of
-- the reference keys the body points at (`media:12`, `id:34`, `path:/…/`, `short:abc2345`).
-- `status` is 'draft' or 'published'. `footer_position`: ascending order in the footer, NULL
-- when the page is not listed there. Times are microseconds since the epoch. `version` counts
-- saves (the check against a stale save, as for articles).
CREATE TABLE pages (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    body_source     TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL,
    footer_position INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX pages_footer ON pages (status, footer_position);

-- Every save of a page, whole (the editable fields after that save), for the newsroom's list
-- and restore; `version` is the page's version after the save. Deleted with its page.
CREATE TABLE page_revisions (
    id              INTEGER PRIMARY KEY,
    page_id         INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    slug            TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    body_source     TEXT NOT NULL,
    status          TEXT NOT NULL,
    footer_position INTEGER,
    saved_by        INTEGER REFERENCES people(id) ON DELETE SET NULL,
    saved_at        INTEGER NOT NULL
);
CREATE INDEX page_revisions_page ON page_revisions (page_id, version DESC);

-- Imported pages (WordPress `page` items, Ghost `pages`) are remembered in `import_sources`
-- with kind 'page', and their old URLs in `old_urls` with kind 'page' (target: pages.id),
-- answered only while the page is published.
