-- The moderation desk (issue 17) and featured comments (issues 17, 18): see
-- store/src/discussion.rs and docs/discussion.md. Kept column for column in step with
-- ../postgres/0023_moderation_desk.sql.

-- featured: a moderator chose the comment to show first, in the discussion's Featured tab.
-- moderated: a moderator has acted on it (approved, rejected, featured): the desk's
-- Unmoderated tab lists the published comments that no one on the desk has seen yet.
ALTER TABLE comments ADD COLUMN featured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN moderated INTEGER NOT NULL DEFAULT 0;
-- A comment someone already acted on before this migration was seen.
UPDATE comments SET moderated = 1 WHERE id IN
    (SELECT comment_id FROM moderation_log WHERE comment_id IS NOT NULL);
CREATE INDEX comments_featured ON comments (article_id, featured);

-- batch: the id of the first entry of the action this entry is part of (a bulk action on
-- several comments is one batch), for the desk's undo. prior: what the action changed, as
-- JSON, so undo can put it back ('' for entries that cannot be undone). undone: 1 once it
-- was. A resolved report holds the id of the log entry that resolved it (not just 1), so
-- undo reopens exactly those reports.
ALTER TABLE moderation_log ADD COLUMN batch INTEGER;
ALTER TABLE moderation_log ADD COLUMN prior TEXT NOT NULL DEFAULT '';
ALTER TABLE moderation_log ADD COLUMN undone INTEGER NOT NULL DEFAULT 0;
CREATE INDEX moderation_log_batch ON moderation_log (batch);

-- A newsroom person's own preferences (key 'moderation_shortcuts': 'on' or 'off'; WCAG 2.1.4
-- asks that single-key shortcuts can be turned off).
CREATE TABLE person_preferences (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (person_id, key)
);
