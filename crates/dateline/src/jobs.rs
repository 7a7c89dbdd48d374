//! `dateline jobs list|retry|delete`: what the durable job queue holds (docs/operations.md,
//! "Jobs"). Finished jobs are deleted, so the list shows work waiting, running (with the node
//! holding its lease) and failed for good (with the last error). An operator who fixed the
//! cause of failures (SMTP settings, a full disk) gives a failed job its attempts again with
//! `retry`, or drops it with `delete`. Never prints a payload: a mail's holds an address.

use crate::config::StoreArgs;
use crate::mounts::open;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_store::{Job, JobFilter, StoreError};
use dateline_web::Clock;

/// Jobs `list` shows at most.
const LISTED: u32 = 1000;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List waiting, running and failed jobs (finished ones are gone).
    List(ListArgs),
    /// Give a failed job its attempts again, due now.
    Retry(IdArgs),
    /// Delete a failed job.
    Delete(IdArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only the jobs that failed for good.
    #[arg(long)]
    pub failed: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The job's id, as `list` shows it.
    #[arg(long)]
    pub id: i64,
}

pub async fn run(command: JobsCommand) -> anyhow::Result<()> {
    match command {
        JobsCommand::List(args) => list(args).await,
        JobsCommand::Retry(args) => retry(args).await,
        JobsCommand::Delete(args) => delete(args).await,
    }
}

/// A job's state in a word or two: `waiting`, `running on NODE`, `failed`.
fn state(job: &Job) -> String {
    match (&job.failed_at, &job.lease_owner) {
        (Some(_), _) => "failed".to_owned(),
        (None, Some(node)) => format!("running on {node}"),
        (None, None) => "waiting".to_owned(),
    }
}

/// A time as the log shows times, to the second.
fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list(args: ListArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let filter = if args.failed {
        JobFilter::Failed
    } else {
        JobFilter::All
    };
    let jobs = store.jobs(filter, LISTED).await;
    store.close().await;
    let jobs = jobs.context("listing the jobs")?;
    if jobs.is_empty() {
        println!(
            "{}",
            if args.failed {
                "no failed jobs"
            } else {
                "no jobs: every job queued so far has finished"
            }
        );
        return Ok(());
    }
    println!(
        "{:>7}  {:<15} {:<24} {:>8}  {:<20} LAST ERROR",
        "ID", "KIND", "STATE", "ATTEMPTS", "DUE"
    );
    for j in &jobs {
        // One line per job: an error's own line breaks would break the table.
        let error = j
            .last_error
            .as_deref()
            .unwrap_or("")
            .replace(['\n', '\r'], " ");
        let attempts = format!("{}/{}", j.attempts, j.max_attempts);
        println!(
            "{:>7}  {:<15} {:<24} {:>8}  {:<20} {}",
            j.id,
            j.kind,
            state(j),
            attempts,
            when(j.failed_at.unwrap_or(j.run_at)),
            error
        );
    }
    if jobs.len() == LISTED as usize {
        println!("(the first {LISTED} jobs only)");
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn retry(args: IdArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let done = store.retry_failed_job(args.id, Clock::System.now()).await;
    store.close().await;
    match done {
        Ok(()) => {
            println!("job {} is waiting again, due now", args.id);
            Ok(())
        }
        Err(StoreError::NotFound) => bail!(
            "there is no failed job {}; `dateline jobs list --failed` shows their ids",
            args.id
        ),
        Err(StoreError::Taken(_)) => bail!(
            "job {} cannot be retried: the same work was queued again since and is waiting",
            args.id
        ),
        Err(e) => Err(e).context("retrying the job"),
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn delete(args: IdArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let done = store.delete_failed_job(args.id).await;
    store.close().await;
    match done {
        Ok(()) => {
            println!("deleted job {}", args.id);
            Ok(())
        }
        Err(StoreError::NotFound) => bail!(
            "there is no failed job {}; `dateline jobs list --failed` shows their ids (a job \
             that is waiting or running is never deleted)",
            args.id
        ),
        Err(e) => Err(e).context("deleting the job"),
    }
}
