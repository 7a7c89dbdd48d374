-- Digests (issue 21; store/src/newsletters.rs, docs/newsletters.md). Kept in step with
-- ../postgres/0018_digests.sql.

-- slot: for a digest's issue, the scheduled time it was made for (microseconds, UTC); NULL
-- for letters and alerts. One issue per newsletter and slot, whichever node makes it first:
-- the index is what makes a slot send once across nodes.
ALTER TABLE newsletter_issues ADD COLUMN slot INTEGER;
CREATE UNIQUE INDEX newsletter_issues_slot ON newsletter_issues (newsletter_id, slot);

-- stories: the ids of the stories this one message of a digest lists, comma-separated
-- ('3,7,12'; empty for letters and alerts). Each subscriber's digest is their own (never a
-- story they already got), and these rows are the record of what they got.
ALTER TABLE deliveries ADD COLUMN stories TEXT NOT NULL DEFAULT '';
