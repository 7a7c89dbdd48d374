-- Who has a story's editor open (issue 17; store/src/presence.rs, docs/newsroom.md "Who else
-- has this story open"): one row per person and story, touched by the editor page and its
-- script's ping every 20 s. Kept in the database, not in a node's memory, because several
-- nodes serve one newsroom. Rows older than ten minutes are deleted by the ping itself. Kept
-- column for column in step with ../postgres/0025_editor_presence.sql. Times are microseconds
-- since the Unix epoch, UTC.
CREATE TABLE editor_presence (
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- When this visit began: kept while the pings keep coming, reset after a gap.
    since      INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (article_id, person_id)
);

-- The ping's clean-up deletes by age.
CREATE INDEX editor_presence_seen_at ON editor_presence (seen_at);
