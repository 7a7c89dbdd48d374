-- Photos served as AVIF and lossy WebP beside the upload's own format (issue 18, "Photos"):
-- `formats` lists, as sorted JSON text like `variants`, the extra formats every variant width
-- of a photo exists in. Photos kept before this version have none; a `media.variants` job is
-- queued here once for each of them (unless one is live already), so the variant worker fills
-- them in, one photo a job, resuming after a stop like any job. They are due from now (micro-
-- seconds since the epoch, as every time column): a new upload's job is due since the epoch, so
-- the runner, which claims the earliest due first, makes an editor's upload before them.
ALTER TABLE media ADD COLUMN formats TEXT NOT NULL DEFAULT '[]';

INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, created_at)
SELECT 'media.variants', '{"media_id":' || id || '}', CAST(id AS TEXT), CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT), 3,
       CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT)
FROM media
WHERE variants <> '[]'
  AND NOT EXISTS (
      SELECT 1 FROM jobs
      WHERE jobs.kind = 'media.variants'
        AND jobs.dedupe_key = CAST(media.id AS TEXT)
        AND jobs.failed_at IS NULL
  );
