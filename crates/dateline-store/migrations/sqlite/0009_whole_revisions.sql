-- Revisions keep the whole story (issue 3): with the words, each save now keeps the rest of what
-- the editor sets (section, bylines in order, tags in order, lead photo, related picks,
-- discussion mode) as one JSON document, with the names shown then, so a revision still says
-- what it held after a section, tag or photo is renamed or deleted. No foreign keys: a
-- revision must never stop a row from being deleted. NULL marks a revision kept before this
-- migration (words only), which restores only its words. Kept column for column in step with
-- ../postgres/0009_whole_revisions.sql.
ALTER TABLE article_revisions ADD COLUMN story TEXT;
