//! The durable job queue (migration `0014_jobs.sql`): background work as rows that any node
//! sharing the database may claim, so work outlives the node that queued it and runs once
//! across nodes. The web layer's runner (`web/src/jobs.rs`) claims, runs and finishes them;
//! this module is only the SQL, and never runs a job or knows what a kind means.
//!
//! A claim takes due jobs for a lease: the claiming node's name in `lease_owner` and a time in
//! `lease_until` that the node renews while it works. A lease that runs out (the node died or
//! hangs) makes the job claimable again, by any node. Every claim adds one to `attempts`, so
//! `(id, lease_owner, attempts)` names one claim, and every later step (renew, finish, retry,
//! fail, release) changes the row only while that claim still holds it: a node whose lease was
//! taken over cannot finish or fail the job a second time.
//!
//! A dedupe key makes one live job per kind and key: queued again while pending, the job
//! stays one (due at the earlier time); queued again while it runs, it runs once more after
//! (`again`), since what it works from may have changed after it read it. Never logs or
//! inspects a payload: a mail's holds an address.

use crate::rows::{get, micros, opt_time, time};
use crate::{Store, StoreError};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// The longest error text a job keeps (the rest is cut with an ellipsis).
const ERROR_KEPT: usize = 2000;

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What to do: the runner's name for a handler (`mail.send`, `media.variants`…).
    pub kind: String,
    /// The handler's input, JSON text.
    pub payload: String,
    /// With a key, queueing the same kind and key again while the job is live does not make a
    /// second job.
    pub dedupe_key: Option<String>,
    /// Not claimed before this time.
    pub run_at: Timestamp,
    /// Claims after which a failure is final.
    pub max_attempts: u32,
}

/// A stored job: pending, running (leased) or failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub run_at: Timestamp,
    /// Claims so far (the current one included while it runs).
    pub attempts: u32,
    pub max_attempts: u32,
    /// The node holding the lease while the job runs.
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    /// The same work was asked for while this ran: it runs once more after.
    pub again: bool,
    /// The latest failure's message.
    pub last_error: Option<String>,
    /// Set when the job failed for good; it stays until an operator retries or deletes it.
    pub failed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Job {
    /// Whether the job failed for good.
    pub fn failed(&self) -> bool {
        self.failed_at.is_some()
    }
}

/// How many jobs of one kind wait, run and failed for good ([`Store::job_counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCounts {
    pub kind: String,
    /// Not claimed yet (due or not).
    pub pending: u64,
    /// Held by a node's lease.
    pub running: u64,
    /// Failed for good, kept for an operator.
    pub failed: u64,
}

/// Which jobs [`Store::jobs`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFilter {
    All,
    /// Only those that failed for good.
    Failed,
}

const COLUMNS: &str = "id, kind, payload, dedupe_key, run_at, attempts, max_attempts, \
                       lease_owner, lease_until, again, last_error, failed_at, created_at";

/// The claim a running job is held by: its id, owner and attempt.
const THIS_CLAIM: &str = "id = $1 AND lease_owner = $2 AND attempts = $3";

fn job(row: &AnyRow) -> Result<Job, StoreError> {
    let count = |col: &str| -> Result<u32, StoreError> {
        let v: i64 = get(row, col)?;
        u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("jobs.{col} is {v}")))
    };
    Ok(Job {
        id: get(row, "id")?,
        kind: get(row, "kind")?,
        payload: get(row, "payload")?,
        dedupe_key: get(row, "dedupe_key")?,
        run_at: time(get(row, "run_at")?)?,
        attempts: count("attempts")?,
        max_attempts: count("max_attempts")?,
        lease_owner: get(row, "lease_owner")?,
        lease_until: opt_time(get(row, "lease_until")?)?,
        again: get::<i64>(row, "again")? != 0,
        last_error: get(row, "last_error")?,
        failed_at: opt_time(get(row, "failed_at")?)?,
        created_at: time(get(row, "created_at")?)?,
    })
}

/// An error message as kept: at most [`ERROR_KEPT`] bytes, cut at a character boundary.
fn kept_error(error: &str) -> String {
    if error.len() <= ERROR_KEPT {
        return error.to_owned();
    }
    let mut end = ERROR_KEPT;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &error[..end])
}

#[dateline_store_macros::timed]
impl Store {
    /// Queue a job; its id (an existing live job's, when the dedupe key matches one).
    pub async fn enqueue_job(&self, new: &NewJob, now: Timestamp) -> Result<i64, StoreError> {
        let mut w = self.write().await?;
        let id = insert_job(&mut w.tx, new, now).await?;
        w.commit().await?;
        Ok(id)
    }

    /// Claim up to `limit` due jobs of these kinds for `owner` until `lease_until`: pending
    /// ones and those whose lease ran out, earliest due first. Each comes back with its
    /// attempt counted.
    pub async fn claim_jobs(
        &self,
        kinds: &[&str],
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let kinds_json = serde_json::to_string(kinds)
            .map_err(|e| StoreError::Invalid(format!("job kinds: {e}")))?;
        let sql = format!(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 \
               AND (lease_owner IS NULL OR lease_until <= $3) AND kind IN ({kinds}) \
               ORDER BY run_at, id LIMIT $5{lock}) \
             RETURNING {COLUMNS}",
            kinds = self.backend.text_set("$4"),
            lock = self.backend.claim_lock(),
        );
        let mut w = self.write().await?;
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(micros(lease_until))
            .bind(micros(now))
            .bind(kinds_json)
            .bind(i64::from(limit))
            .fetch_all(&mut *w.tx)
            .await?;
        w.commit().await?;
        let mut jobs = rows.iter().map(job).collect::<Result<Vec<_>, _>>()?;
        // RETURNING follows no ORDER BY.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Extend a running job's lease; false when the claim no longer holds it (another node
    /// took it over after the lease ran out, or it was deleted).
    pub async fn renew_job(&self, job: &Job, lease_until: Timestamp) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query(&format!(
            "UPDATE jobs SET lease_until = $4 WHERE {THIS_CLAIM}"
        ))
        .bind(job.id)
        .bind(job.lease_owner.as_deref())
        .bind(i64::from(job.attempts))
        .bind(micros(lease_until))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// A job ran to the end: delete it, or, when it was asked for again while it ran, make it
    /// pending again (with its attempts and error cleared). False when the claim no longer
    /// holds it: then another node has it, and this run must count for nothing.
    pub async fn finish_job(&self, job: &Job) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let deleted = sqlx::query(&format!(
            "DELETE FROM jobs WHERE {THIS_CLAIM} AND again = 0"
        ))
        .bind(job.id)
        .bind(job.lease_owner.as_deref())
        .bind(i64::from(job.attempts))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        let rerun = if deleted == 0 {
            sqlx::query(&format!(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, again = 0, \
                 attempts = 0, last_error = NULL WHERE {THIS_CLAIM} AND again = 1"
            ))
            .bind(job.id)
            .bind(job.lease_owner.as_deref())
            .bind(i64::from(job.attempts))
            .execute(&mut *w.tx)
            .await?
            .rows_affected()
        } else {
            0
        };
        w.commit().await?;
        Ok(deleted + rerun == 1)
    }

    /// A run failed and the job may try again: pending again from `run_at`, keeping `error`.
    /// False when the claim no longer holds it.
    pub async fn retry_job(
        &self,
        job: &Job,
        error: &str,
        run_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query(&format!(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, again = 0, run_at = $4, \
             last_error = $5 WHERE {THIS_CLAIM}"
        ))
        .bind(job.id)
        .bind(job.lease_owner.as_deref())
        .bind(i64::from(job.attempts))
        .bind(micros(run_at))
        .bind(kept_error(error))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// A run failed for good: the job stays, failed, with `error`, for operators to see
    /// (`dateline jobs list`). False when the claim no longer holds it.
    pub async fn fail_job(
        &self,
        job: &Job,
        error: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query(&format!(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, again = 0, failed_at = $4, \
             last_error = $5 WHERE {THIS_CLAIM}"
        ))
        .bind(job.id)
        .bind(job.lease_owner.as_deref())
        .bind(i64::from(job.attempts))
        .bind(micros(now))
        .bind(kept_error(error))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Give a running job back unfinished (its node is stopping): pending again at once, for
    /// any node, and the attempt it was on does not count. False when the claim no longer
    /// holds it.
    pub async fn release_job(&self, job: &Job) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query(&format!(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, attempts = attempts - 1 \
             WHERE {THIS_CLAIM}"
        ))
        .bind(job.id)
        .bind(job.lease_owner.as_deref())
        .bind(i64::from(job.attempts))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Jobs by id, at most `limit`: every live and failed one, or only the failed.
    pub async fn jobs(&self, filter: JobFilter, limit: u32) -> Result<Vec<Job>, StoreError> {
        let condition = match filter {
            JobFilter::All => "",
            JobFilter::Failed => "WHERE failed_at IS NOT NULL",
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs {condition} ORDER BY id LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job).collect()
    }

    /// The queue's depth by kind: pending, running and failed jobs (finished ones are deleted,
    /// so they are not counted). One small aggregate, for the metrics scrape.
    pub async fn job_counts(&self) -> Result<Vec<JobCounts>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, \
               SUM(CASE WHEN failed_at IS NULL AND lease_owner IS NULL THEN 1 ELSE 0 END) AS pending, \
               SUM(CASE WHEN failed_at IS NULL AND lease_owner IS NOT NULL THEN 1 ELSE 0 END) AS running, \
               SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS failed \
             FROM jobs GROUP BY kind ORDER BY kind",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let count = |col: &str| -> Result<u64, StoreError> {
                    let v: i64 = get(row, col)?;
                    u64::try_from(v)
                        .map_err(|_| StoreError::Corrupt(format!("job count {col} is {v}")))
                };
                Ok(JobCounts {
                    kind: get(row, "kind")?,
                    pending: count("pending")?,
                    running: count("running")?,
                    failed: count("failed")?,
                })
            })
            .collect()
    }

    /// One job. `NotFound` when it finished (finished jobs are deleted) or never existed.
    pub async fn job(&self, id: i64) -> Result<Job, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        job(&row)
    }

    /// Give a job that failed for good another full set of attempts, due at `now` (an
    /// operator fixed the cause). `NotFound` unless the job exists and failed; `Taken` when a
    /// live job with its kind and key was queued since.
    pub async fn retry_failed_job(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE jobs SET failed_at = NULL, attempts = 0, run_at = $2 \
             WHERE id = $1 AND failed_at IS NOT NULL",
        )
        .bind(id)
        .bind(micros(now))
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }

    /// Delete a job that failed for good. `NotFound` unless it exists and failed (a live job
    /// is never deleted from under the node running it).
    pub async fn delete_failed_job(&self, id: i64) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND failed_at IS NOT NULL")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }

    /// When the earliest live job is due (pending: its time; running: when its lease runs
    /// out); None when there is none.
    pub async fn next_job_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(CASE WHEN lease_owner IS NULL THEN run_at ELSE lease_until END) \
             FROM jobs WHERE failed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        opt_time(at)
    }
}

/// Queue `new` inside a write transaction (with the write that made the work: an upload's row
/// and its variants job commit together or not at all); its id.
pub(crate) async fn insert_job(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    new: &NewJob,
    now: Timestamp,
) -> Result<i64, StoreError> {
    // A pending twin keeps the earlier time; a running one runs again after, at the time
    // asked for now. The payload stays: the same kind and key name the same work.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (kind, dedupe_key) WHERE failed_at IS NULL DO UPDATE SET \
               run_at = CASE WHEN jobs.lease_owner IS NULL AND jobs.run_at <= excluded.run_at \
                        THEN jobs.run_at ELSE excluded.run_at END, \
               again = CASE WHEN jobs.lease_owner IS NULL THEN jobs.again ELSE 1 END \
             RETURNING id",
    )
    .bind(&new.kind)
    .bind(&new.payload)
    .bind(new.dedupe_key.as_deref())
    .bind(micros(new.run_at))
    .bind(i64::from(new.max_attempts))
    .bind(micros(now))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::kept_error;

    #[test]
    fn long_errors_are_cut_at_a_character() {
        let long = "é".repeat(2000);
        let kept = kept_error(&long);
        assert!(kept.len() <= super::ERROR_KEPT + '…'.len_utf8());
        assert!(kept.ends_with('…'));
        assert_eq!(kept_error("short"), "short");
    }
}
