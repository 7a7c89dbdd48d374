-- The article editor: who created and last changed a story, every save kept as a revision, and
-- dated public corrections. Kept column for column in step with ../postgres/0007_editor.sql.
ALTER TABLE articles ADD COLUMN created_by INTEGER REFERENCES people(id);
ALTER TABLE articles ADD COLUMN updated_by INTEGER REFERENCES people(id);

-- One row per save: the editable text as it was after that save (version = the article's
-- version then). Join rows are not kept: a revision restores the words, not the bylines.
CREATE TABLE article_revisions (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    slug            TEXT NOT NULL,
    headline        TEXT NOT NULL,
    standfirst      TEXT NOT NULL,
    body_source     TEXT NOT NULL,
    seo_title       TEXT NOT NULL,
    seo_description TEXT NOT NULL,
    saved_by        INTEGER REFERENCES people(id),
    saved_at        INTEGER NOT NULL
);
CREATE INDEX article_revisions_article ON article_revisions (article_id, id);

CREATE TABLE article_corrections (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    note       TEXT NOT NULL,
    created_by INTEGER REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX article_corrections_article ON article_corrections (article_id, id);

-- The scheduler's one query: the stories whose time has come.
CREATE INDEX articles_scheduled ON articles (scheduled_for) WHERE status = 'scheduled';
