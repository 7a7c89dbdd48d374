-- The durable job queue (issue 20; store/src/jobs.rs): background work (photo variants,
-- related-list ranking, mail) as rows that any node may claim, so work survives the node that
-- queued it and runs once across nodes. Kept column for column in step with
-- ../postgres/0014_jobs.sql. Times are microseconds since the Unix epoch, UTC.
--
-- A job is pending (lease_owner NULL, failed_at NULL), running (lease_owner set: the node that
-- claimed it, until lease_until, which that node renews while it works), or failed for good
-- (failed_at set, last_error says why). Finished jobs are deleted. `attempts` counts claims, so
-- (id, lease_owner, attempts) names one claim: a node whose lease was taken over cannot finish
-- the job a second time. `again` is set when the same work is asked for while the job runs,
-- so it runs once more afterwards instead of being lost or doubled. AUTOINCREMENT: ids of
-- deleted jobs are never reused, so a stale claim can never name a newer job.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    dedupe_key   TEXT,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    again        INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    failed_at    INTEGER,
    created_at   INTEGER NOT NULL
);
-- One live job per kind and key ("rank story 42" queued twice while pending is one job);
-- failed jobs stay for operators and do not block a new one.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key) WHERE failed_at IS NULL;
-- The claim's scan: live jobs by when they are due.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE failed_at IS NULL;

-- Photos whose variants were queued in the memory of the process before this version: their
-- rows have no variants. Queued here once, as jobs, so an upgrade loses none.
INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, created_at)
SELECT 'media.variants', '{"media_id":' || id || '}', CAST(id AS TEXT), 0, 3, 0
FROM media WHERE variants = '[]';
