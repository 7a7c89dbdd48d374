//! Scheduled backups (issue 19): the `backup.scheduled` job queued `every` after the start, run
//! when the clock gets there, queued again, the oldest archives pruned beyond `keep`, a failure
//! kept and shown, and the newsroom's settings page showing the last success, its size and the
//! next run. The archive itself is made by the binary (`dateline::backup`, tested by the CLI
//! tests); here a stand-in writes a small file, so the schedule is what is tested. Time moves
//! by the test's clock; waits poll with a deadline.

use crate::*;
use dateline_core::permissions::Role;
use dateline_store::JobFilter;
use dateline_testkit::{TestBackend, start_time};
use dateline_web::Options;
use dateline_web::backups::Plan;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const KIND: &str = "backup.scheduled";

async fn next_run(app: &TestApp) -> anyhow::Result<Option<Timestamp>> {
    Ok(app
        .store
        .jobs(JobFilter::All, 1000)
        .await?
        .into_iter()
        .filter(|j| j.kind == KIND && j.failed_at.is_none() && j.lease_owner.is_none())
        .map(|j| j.run_at)
        .min())
}

fn archives(dir: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    Ok(names)
}

async fn until<F, Fut>(what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await? {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "not within 20 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn runs_on_schedule(backend: TestBackend) -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let dir = folder.path().join("backups");
    // An unrelated file in the folder, which pruning must leave alone.
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("notes.txt"), "keep me")?;
    let failing = Arc::new(AtomicBool::new(false));
    let fail = failing.clone();
    let plan = Plan {
        every: Duration::from_secs(6 * 3600),
        keep: 2,
        dir: dir.clone(),
        make: Arc::new(move |out| {
            let fail = fail.load(Ordering::Acquire);
            Box::pin(async move {
                anyhow::ensure!(!fail, "the disk is full");
                tokio::fs::write(&out, vec![7u8; 2500]).await?;
                Ok(())
            })
        }),
    };
    let app = TestApp::start_with_options(
        backend,
        Options {
            backup: Some(plan),
            job_poll: Duration::from_millis(20),
            ..Options::default()
        },
    )
    .await?;
    let six = SignedDuration::from_hours(6);
    assert_eq!(next_run(&app).await?, Some(start_time() + six));

    // Nothing has run yet: the page says so, with the next run.
    let admin = app.login_as(Role::Admin).await?;
    let page = admin.page("/newsroom/settings", 200).await?;
    let facts = page.text(".nr-backups");
    assert!(
        facts.contains("Every 6 hours, keeping the newest 2"),
        "{facts}"
    );
    assert!(facts.contains("None yet"), "{facts}");
    assert!(facts.contains("18:00"), "no next run in {facts}");

    for n in 1..=3 {
        let at = start_time() + six * n;
        app.clock.set(at);
        app.state.jobs.queue().wake();
        let want = start_time() + six * (n + 1);
        until("the backup ran and the next was queued", || async {
            Ok(next_run(&app).await? == Some(want)
                && archives(&dir)?
                    .iter()
                    .any(|a| a.contains(&at.strftime("%Y%m%dT%H%M%SZ").to_string())))
        })
        .await?;
    }
    // Three made, the oldest pruned, the other file untouched.
    let left = archives(&dir)?;
    assert_eq!(
        left,
        vec![
            "dateline-20260311T000000Z.tar.gz".to_owned(),
            "dateline-20260311T060000Z.tar.gz".to_owned(),
            "notes.txt".to_owned()
        ]
    );
    let page = admin.page("/newsroom/settings", 200).await?;
    let facts = page.text(".nr-backups");
    assert!(
        facts.contains("dateline-20260311T060000Z.tar.gz") && facts.contains("2.5 kB"),
        "{facts}"
    );
    assert!(!facts.contains("Last failure"), "{facts}");

    // A failing run is kept as the last failure (and retried by the queue's backoff), and the
    // schedule goes on.
    failing.store(true, Ordering::Release);
    let at = start_time() + six * 4;
    app.clock.set(at);
    app.state.jobs.queue().wake();
    until("the failure was recorded", || async {
        Ok(app
            .store
            .note("backup_status")
            .await?
            .is_some_and(|s| s.contains("the disk is full")))
    })
    .await?;
    let page = admin.page("/newsroom/settings", 200).await?;
    let facts = page.text(".nr-backups");
    assert!(
        facts.contains("Last failure") && facts.contains("the disk is full"),
        "{facts}"
    );
    assert!(
        next_run(&app).await?.is_some(),
        "the schedule stopped after a failure"
    );
    Ok(())
}

#[tokio::test]
async fn scheduled_backups_run_prune_and_show_sqlite() -> anyhow::Result<()> {
    runs_on_schedule(TestBackend::Sqlite).await
}

#[tokio::test]
async fn scheduled_backups_run_prune_and_show_postgres() -> anyhow::Result<()> {
    runs_on_schedule(TestBackend::Postgres).await
}

#[test]
fn pruning_keeps_the_newest_and_other_files() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let d = folder.path();
    for name in [
        "dateline-20260101T000000Z.tar.gz",
        "dateline-20260102T000000Z.tar.gz",
        "dateline-20260103T000000Z.tar.gz",
        "other.tar.gz",
    ] {
        std::fs::write(d.join(name), "x")?;
    }
    assert_eq!(dateline_web::backups::prune(d, 1)?, 2);
    assert_eq!(
        archives(d)?,
        vec!["dateline-20260103T000000Z.tar.gz", "other.tar.gz"]
    );
    Ok(())
}
