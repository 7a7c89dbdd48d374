-- The reading site's schema. Times are microseconds since the Unix epoch, UTC; dates are
-- 'YYYY-MM-DD' text. Kept column-for-column in step with ../postgres/0001_reading_site.sql.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sections (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    parent_id   INTEGER REFERENCES sections(id)
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE media (
    id                  INTEGER PRIMARY KEY,
    hash                TEXT NOT NULL UNIQUE,
    mime                TEXT NOT NULL,
    width               INTEGER NOT NULL,
    height              INTEGER NOT NULL,
    alt                 TEXT NOT NULL DEFAULT '',
    caption             TEXT NOT NULL DEFAULT '',
    credit_agency       TEXT NOT NULL DEFAULT '',
    credit_photographer TEXT NOT NULL DEFAULT '',
    credit_courtesy     TEXT NOT NULL DEFAULT '',
    variants            TEXT NOT NULL DEFAULT '[]',
    created_at          INTEGER NOT NULL
);

CREATE TABLE people (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    bio            TEXT NOT NULL DEFAULT '',
    photo_media_id INTEGER REFERENCES media(id),
    email          TEXT UNIQUE,
    password_hash  TEXT,
    role           TEXT NOT NULL DEFAULT 'contributor',
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    headline        TEXT NOT NULL,
    standfirst      TEXT NOT NULL DEFAULT '',
    section_id      INTEGER NOT NULL REFERENCES sections(id),
    status          TEXT NOT NULL,
    body_source     TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    published_at    INTEGER,
    updated_at      INTEGER,
    modified_at     INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    scheduled_for   INTEGER,
    path_date       TEXT,
    short_code      TEXT UNIQUE,
    lead_media_id   INTEGER REFERENCES media(id),
    discussion_mode TEXT NOT NULL DEFAULT 'open',
    seo_title       TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    withdrawn_note  TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_public ON articles (status, published_at DESC);
CREATE INDEX articles_section_public ON articles (section_id, status, published_at DESC);

-- published_at in the join tables is a copy of the article's, NULL unless it is published, so
-- tag and author pages are one index range scan.
CREATE TABLE article_authors (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    position     INTEGER NOT NULL,
    published_at INTEGER,
    PRIMARY KEY (article_id, person_id)
);
CREATE INDEX article_authors_listing ON article_authors (person_id, published_at DESC);

CREATE TABLE article_tags (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id       INTEGER NOT NULL REFERENCES tags(id),
    position     INTEGER NOT NULL,
    published_at INTEGER,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_listing ON article_tags (tag_id, published_at DESC);

CREATE TABLE article_related (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id)
);

-- READ MORE references found in a body; ref is the placeholder key ('id:12', 'path:/…/',
-- 'short:abc2345'), target_id the article it named when saved (NULL if none did).
CREATE TABLE article_links (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ref        TEXT NOT NULL,
    target_id  INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    PRIMARY KEY (article_id, ref)
);
CREATE INDEX article_links_target ON article_links (target_id);

CREATE TABLE article_media (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    media_id   INTEGER NOT NULL REFERENCES media(id),
    PRIMARY KEY (article_id, media_id)
);

CREATE TABLE redirects (
    path       TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
