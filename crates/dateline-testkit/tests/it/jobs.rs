//! The durable job queue (issue 20): the store's claims, leases, retries and dedupe on both
//! backends; runners racing on one database running each job once; a dead node's lease taken
//! over; a mail that fails retried with backoff and kept as failed; a queued mail surviving a
//! restart; shutdown giving running jobs back. Time moves by the test's clock, never by sleeping:
//! backoffs and leases are due by `Clock`, and waits poll with a deadline.

use crate::*;
use dateline_store::{Job, JobFilter, NewJob, Store, StoreError};
use dateline_testkit::mail::free_port;
use dateline_testkit::{MailSink, TestBackend, smtp_options, start_time};
use dateline_web::Clock;
use dateline_web::jobs::{Handlers, JobQueue, Jobs, Kind, RunnerOptions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A kind no application handler knows, so only the test's own runners claim it.
const COUNT: Kind = Kind {
    name: "test.count",
    max_attempts: 3,
    backoff: &[Duration::from_secs(1)],
};

fn new_job(kind: &str, key: Option<&str>, run_at: Timestamp) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload: "{}".to_owned(),
        dedupe_key: key.map(str::to_owned),
        run_at,
        max_attempts: 2,
    }
}

fn after(t: Timestamp, secs: i64) -> Timestamp {
    t + SignedDuration::from_secs(secs)
}

/// Poll `check` every 20 ms until it holds, failing after `secs` seconds with `what`.
async fn until<F, Fut>(secs: u64, what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check().await? {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "not within {secs} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn jobs_of(store: &Store, kind: &str) -> anyhow::Result<Vec<Job>> {
    Ok(store
        .jobs(JobFilter::All, 10_000)
        .await?
        .into_iter()
        .filter(|j| j.kind == kind)
        .collect())
}

backend_test!(a_claim_holds_a_job_until_it_ends, |app| {
    let s = &app.store;
    let now = app.clock.now();
    let id = s
        .enqueue_job(&new_job("test.a", Some("42"), after(now, 5)), now)
        .await?;
    // Queued twice while pending: one job, due at the earlier time.
    let again = s
        .enqueue_job(&new_job("test.a", Some("42"), now), now)
        .await?;
    assert_eq!(id, again);
    assert_eq!(s.job(id).await?.run_at, now);
    // Other kinds are not claimed.
    assert!(
        s.claim_jobs(&["test.b"], "n1", now, after(now, 30), 10)
            .await?
            .is_empty()
    );
    let claimed = s
        .claim_jobs(&["test.a", "test.b"], "n1", now, after(now, 30), 10)
        .await?;
    assert_eq!(claimed.len(), 1);
    let first = claimed[0].clone();
    assert_eq!(
        (first.id, first.attempts, first.lease_owner.as_deref()),
        (id, 1, Some("n1"))
    );
    // Queued again while it runs: still one job, which runs once more after.
    assert_eq!(
        s.enqueue_job(&new_job("test.a", Some("42"), now), now)
            .await?,
        id
    );
    assert!(s.job(id).await?.again);
    // Held: another node finds nothing until the lease runs out, then takes it over.
    assert!(
        s.claim_jobs(&["test.a"], "n2", after(now, 29), after(now, 59), 10)
            .await?
            .is_empty()
    );
    assert!(s.renew_job(&first, after(now, 40)).await?);
    assert!(
        s.claim_jobs(&["test.a"], "n2", after(now, 31), after(now, 61), 10)
            .await?
            .is_empty(),
        "the renewed lease still holds"
    );
    let taken = s
        .claim_jobs(&["test.a"], "n2", after(now, 40), after(now, 70), 10)
        .await?;
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].attempts, 2);
    // The first claim can no longer renew, finish, fail or give back the job.
    assert!(!s.renew_job(&first, after(now, 100)).await?);
    assert!(!s.finish_job(&first).await?);
    assert!(!s.fail_job(&first, "late", now).await?);
    assert!(!s.release_job(&first).await?);
    // Finished with `again` set: pending once more, from scratch.
    assert!(s.finish_job(&taken[0]).await?);
    let pending = s.job(id).await?;
    assert_eq!(
        (pending.attempts, pending.again, pending.lease_owner),
        (0, false, None)
    );
    let last = s
        .claim_jobs(&["test.a"], "n2", after(now, 41), after(now, 71), 10)
        .await?;
    assert!(s.finish_job(&last[0]).await?);
    assert!(matches!(s.job(id).await, Err(StoreError::NotFound)));
    // Jobs without a key are never merged; claims take the earliest due first, up to the limit.
    let a = s
        .enqueue_job(&new_job("test.a", None, after(now, 2)), now)
        .await?;
    let b = s
        .enqueue_job(&new_job("test.a", None, after(now, 1)), now)
        .await?;
    let c = s
        .enqueue_job(&new_job("test.a", None, after(now, 1)), now)
        .await?;
    let got = s
        .claim_jobs(&["test.a"], "n1", after(now, 5), after(now, 35), 2)
        .await?;
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![b, c]);
    let got = s
        .claim_jobs(&["test.a"], "n1", after(now, 5), after(now, 35), 2)
        .await?;
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![a]);
    Ok(())
});

backend_test!(
    failures_retry_then_stay_failed_and_releases_give_back,
    |app| {
        let s = &app.store;
        let now = app.clock.now();
        let id = s
            .enqueue_job(&new_job("test.a", Some("x"), now), now)
            .await?;
        let one = s
            .claim_jobs(&["test.a"], "n1", now, after(now, 30), 1)
            .await?;
        assert!(
            s.retry_job(&one[0], "the server said no", after(now, 2))
                .await?
        );
        let waiting = s.job(id).await?;
        assert_eq!(waiting.last_error.as_deref(), Some("the server said no"));
        assert_eq!(waiting.lease_owner, None);
        // Not before its backoff.
        assert!(
            s.claim_jobs(&["test.a"], "n1", after(now, 1), after(now, 31), 1)
                .await?
                .is_empty()
        );
        let two = s
            .claim_jobs(&["test.a"], "n1", after(now, 2), after(now, 32), 1)
            .await?;
        assert_eq!(two[0].attempts, 2);
        assert!(s.fail_job(&two[0], "no again", after(now, 2)).await?);
        let failed = s.jobs(JobFilter::Failed, 10).await?;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].last_error.as_deref(), Some("no again"));
        assert!(failed[0].failed());
        // A failed job is never claimed, and does not stop the same work being queued anew.
        assert!(
            s.claim_jobs(&["test.a"], "n1", after(now, 100), after(now, 130), 10)
                .await?
                .is_empty()
        );
        let fresh = s
            .enqueue_job(&new_job("test.a", Some("x"), now), now)
            .await?;
        assert_ne!(fresh, id);
        // Given back: pending at once, the attempt not counted.
        let held = s
            .claim_jobs(&["test.a"], "n1", now, after(now, 30), 1)
            .await?;
        assert!(s.release_job(&held[0]).await?);
        let back = s.job(fresh).await?;
        assert_eq!((back.attempts, back.lease_owner), (0, None));
        let again = s
            .claim_jobs(&["test.a"], "n2", now, after(now, 30), 1)
            .await?;
        assert_eq!(again[0].id, fresh);
        assert!(s.finish_job(&again[0]).await?);
        // An operator retries the failed one (a live twin is gone by now) or deletes it.
        assert!(matches!(
            s.retry_failed_job(fresh, now).await,
            Err(StoreError::NotFound)
        ));
        s.retry_failed_job(id, now).await?;
        let retried = s.job(id).await?;
        assert_eq!((retried.attempts, retried.failed_at), (0, None));
        let last = s
            .claim_jobs(&["test.a"], "n1", now, after(now, 30), 1)
            .await?;
        assert!(s.fail_job(&last[0], "still no", now).await?);
        s.delete_failed_job(id).await?;
        assert!(jobs_of(s, "test.a").await?.is_empty());
        Ok(())
    }
);

/// A runner of [`COUNT`] jobs named `node` over `store`, counting each job's runs in `runs`.
fn counting_runner(
    store: Store,
    clock: Clock,
    node: &str,
    runs: Arc<Mutex<HashMap<i64, u32>>>,
) -> Jobs {
    let mut handlers = Handlers::default();
    handlers.add(COUNT, move |job| {
        let runs = runs.clone();
        async move {
            *runs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(job.id)
                .or_default() += 1;
            // Long enough that both runners have jobs in hand at once.
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok(())
        }
    });
    Jobs::start(
        JobQueue::new(store, clock),
        handlers,
        RunnerOptions {
            node: node.to_owned(),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(50),
        },
    )
}

backend_test!(two_runners_on_one_database_run_each_job_once, |app| {
    // Two nodes: two stores (two connection pools) over the one database.
    let other = Store::open(&app.database_url).await?;
    let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let a = counting_runner(app.store.clone(), app.clock.clone(), "a", runs.clone());
    let b = counting_runner(other.clone(), app.clock.clone(), "b", runs.clone());
    let queue = JobQueue::new(app.store.clone(), app.clock.clone());
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(queue.enqueue(&COUNT, &i, None, None).await?);
    }
    until(60, "200 jobs run", || async {
        Ok(jobs_of(&app.store, COUNT.name).await?.is_empty())
    })
    .await?;
    let runs = runs.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(runs.len(), 200);
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "run more than once: {twice:?}");
    assert_eq!(a.ran() + b.ran(), 200);
    drop((a, b));
    other.close().await;
    Ok(())
});

/// A photo row with no variants and its original on disk, as an upload leaves it.
async fn unfinished_photo(app: &TestApp) -> anyhow::Result<dateline_core::MediaId> {
    let mut bytes = Vec::new();
    let img = image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    image::DynamicImage::ImageRgb8(img).write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )?;
    let originals = app.data_dir().join("media/originals");
    tokio::fs::create_dir_all(&originals).await?;
    tokio::fs::write(originals.join("00000000000000cd.png"), &bytes).await?;
    let m = app
        .store
        .create_media(
            dateline_store::NewMedia {
                hash: "00000000000000cd".to_owned(),
                mime: "image/png".to_owned(),
                width: 900,
                height: 600,
                alt: "Unfinished".to_owned(),
                caption: String::new(),
                credit: Credit::default(),
                variants: vec![],
                file_name: None,
            },
            app.clock.now(),
        )
        .await?;
    Ok(m.id)
}

backend_test!(a_lease_that_runs_out_is_taken_over, |app| {
    let photo = unfinished_photo(&app).await?;
    let now = app.clock.now();
    // A node claimed the photo's job and died: its lease holds for 30 s. The job is due
    // later than the application's clock, so only the dead node's claim can take it first.
    let job = NewJob {
        kind: "media.variants".to_owned(),
        payload: format!("{{\"media_id\":{}}}", photo.0),
        dedupe_key: Some(photo.0.to_string()),
        run_at: after(now, 10),
        max_attempts: 3,
    };
    let id = app.store.enqueue_job(&job, now).await?;
    let dead = app
        .store
        .claim_jobs(
            &["media.variants"],
            "dead-node",
            after(now, 10),
            after(now, 40),
            1,
        )
        .await?;
    assert_eq!(dead.len(), 1);
    // Within the lease nobody else runs it (an absence: a few polls of the runner).
    app.clock.set(after(now, 39));
    app.state.jobs.queue().wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.store.job(id).await?.lease_owner.as_deref(),
        Some("dead-node")
    );
    // Past it, this node takes the job over and makes the variants.
    app.clock.set(after(now, 41));
    until(
        20,
        "the variants made by the node that took over",
        || async { Ok(app.store.media(photo).await?.variants == vec![320, 640]) },
    )
    .await?;
    until(10, "the job finished", || async {
        Ok(matches!(app.store.job(id).await, Err(StoreError::NotFound)))
    })
    .await?;
    // The dead node, come back, cannot finish it a second time.
    assert!(!app.store.finish_job(&dead[0]).await?);
    Ok(())
});

/// Register reader `name` (who gets a verification mail) on the discussion of a new story.
async fn register(app: &TestApp, name: &str) -> anyhow::Result<()> {
    let a = app.article(&format!("Story for {name}")).publish().await?;
    app.reader(name, a.id).await?;
    Ok(())
}

async fn mail_jobs(app: &TestApp) -> anyhow::Result<Vec<Job>> {
    jobs_of(&app.store, dateline_web::mail::MAIL.name).await
}

/// Mail to a server that never answers: tried at once, then after 2, 4, 8, 16 and 32 seconds
/// of the clock, then kept as failed with the error.
async fn failing_mail_retries_then_fails(backend: TestBackend) -> anyhow::Result<()> {
    let app = TestApp::start_with_smtp_port(backend, free_port()?).await?;
    register(&app, "Nadia").await?;
    until(15, "the first attempt", || async {
        Ok(mail_jobs(&app)
            .await?
            .first()
            .is_some_and(|j| j.attempts == 1 && j.lease_owner.is_none()))
    })
    .await?;
    let mut at = start_time();
    for (n, wait) in [2, 4, 8, 16, 32].into_iter().enumerate() {
        let job = mail_jobs(&app).await?.remove(0);
        assert_eq!(job.run_at, after(at, wait), "attempt {}", n + 1);
        assert!(job.last_error.is_some());
        // A moment early: not yet.
        app.clock.set(after(at, wait - 1));
        app.state.jobs.queue().wake();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(mail_jobs(&app).await?[0].attempts, n as u32 + 1);
        at = after(at, wait);
        app.clock.set(at);
        let attempts = n as u32 + 2;
        until(15, "the next attempt", || async {
            Ok(mail_jobs(&app)
                .await?
                .first()
                .is_some_and(|j| j.attempts == attempts && j.lease_owner.is_none()))
        })
        .await?;
    }
    let failed = app.store.jobs(JobFilter::Failed, 10).await?;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 6);
    let error = failed[0].last_error.clone().unwrap_or_default();
    assert!(error.contains("SMTP server"), "{error}");
    // No link in the row: the payload names the reader, never a token.
    assert!(
        !failed[0].payload.contains("token"),
        "{}",
        failed[0].payload
    );
    // Failed jobs are not tried again, however late it gets.
    app.clock.set(after(at, 3600));
    app.state.jobs.queue().wake();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.store.jobs(JobFilter::Failed, 10).await?[0].attempts, 6);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_mail_retries_then_fails_sqlite() -> anyhow::Result<()> {
    failing_mail_retries_then_fails(TestBackend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_mail_retries_then_fails_postgres() -> anyhow::Result<()> {
    failing_mail_retries_then_fails(TestBackend::Postgres).await
}

/// A mail queued while the SMTP server is down outlives the node: started again with the
/// server up, the node sends it, once.
async fn queued_mail_survives_a_restart(backend: TestBackend) -> anyhow::Result<()> {
    let port = free_port()?;
    let app = TestApp::start_with_smtp_port(backend, port).await?;
    register(&app, "Omar").await?;
    until(15, "the first attempt", || async {
        Ok(mail_jobs(&app)
            .await?
            .first()
            .is_some_and(|j| j.attempts == 1 && j.lease_owner.is_none()))
    })
    .await?;
    let mut app = app.restart(smtp_options(port)).await?;
    app.mail = Some(MailSink::start_on(port).await?);
    // The retry is due two seconds after the first attempt.
    app.clock.set(after(start_time(), 2));
    let mails = app.mail_to("omar@readers.example", 1).await?;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .link(&format!("{}/readers/verify?token=", app.base))
            .is_some()
    );
    until(10, "the job deleted once sent", || async {
        Ok(mail_jobs(&app).await?.is_empty())
    })
    .await?;
    // Sent once: a second look finds no other message.
    app.clock.set(after(start_time(), 600));
    app.state.jobs.queue().wake();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.mail_to("omar@readers.example", 1).await?.len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_mail_survives_a_restart_sqlite() -> anyhow::Result<()> {
    queued_mail_survives_a_restart(TestBackend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_mail_survives_a_restart_postgres() -> anyhow::Result<()> {
    queued_mail_survives_a_restart(TestBackend::Postgres).await
}

const SLOW: Kind = Kind {
    name: "test.slow",
    max_attempts: 3,
    backoff: &[Duration::from_secs(1)],
};

backend_test!(shutdown_gives_running_jobs_back, |app| {
    // A job that runs until it is stopped.
    let mut handlers = Handlers::default();
    handlers.add(SLOW, |_job| std::future::pending::<anyhow::Result<()>>());
    let options = |node: &str| RunnerOptions {
        node: node.to_owned(),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
    };
    let a = Jobs::start(
        JobQueue::new(app.store.clone(), app.clock.clone()),
        handlers,
        options("a"),
    );
    let id = a.queue().enqueue(&SLOW, &(), None, None).await?;
    until(10, "node a running the job", || async {
        Ok(app.store.job(id).await?.lease_owner.as_deref() == Some("a"))
    })
    .await?;
    a.shutdown(Duration::from_millis(100)).await;
    let back = app.store.job(id).await?;
    assert_eq!((back.lease_owner, back.attempts), (None, 0));
    // Another node takes it at once, with no lease to wait out.
    let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let mut handlers = Handlers::default();
    let seen = runs.clone();
    handlers.add(SLOW, move |job| {
        let seen = seen.clone();
        async move {
            *seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(job.id)
                .or_default() += 1;
            Ok(())
        }
    });
    let b = Jobs::start(
        JobQueue::new(app.store.clone(), app.clock.clone()),
        handlers,
        options("b"),
    );
    until(10, "node b finishing the job", || async {
        Ok(matches!(app.store.job(id).await, Err(StoreError::NotFound)))
    })
    .await?;
    assert_eq!(
        runs.lock().unwrap_or_else(|e| e.into_inner()).get(&id),
        Some(&1)
    );
    b.shutdown(Duration::ZERO).await;
    Ok(())
});

/// A kind the test runs one at a time.
const HEAVY: Kind = Kind {
    name: "test.heavy",
    max_attempts: 3,
    backoff: &[Duration::from_secs(1)],
};

backend_test!(a_one_at_a_time_kind_leaves_the_other_places_free, |app| {
    // Heavy jobs block until released; light ones finish at once. Six heavy jobs are due
    // before the light ones, as a photo library's backfill is before a later newsletter.
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let mut handlers = Handlers::default();
    let gate = release.clone();
    handlers.add_one_at_a_time(HEAVY, move |_job| {
        let gate = gate.clone();
        async move {
            gate.acquire().await?.forget();
            Ok(())
        }
    });
    let light_runs: Arc<Mutex<u32>> = Arc::default();
    let seen = light_runs.clone();
    handlers.add(COUNT, move |_job| {
        let seen = seen.clone();
        async move {
            *seen.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            Ok(())
        }
    });
    let now = app.clock.now();
    for i in 0..6 {
        app.store
            .enqueue_job(
                &new_job(HEAVY.name, Some(&format!("h{i}")), after(now, -60)),
                now,
            )
            .await?;
    }
    for i in 0..3 {
        app.store
            .enqueue_job(&new_job(COUNT.name, Some(&format!("c{i}")), now), now)
            .await?;
    }
    let runner = Jobs::start(
        JobQueue::new(app.store.clone(), app.clock.clone()),
        handlers,
        RunnerOptions {
            node: "solo".to_owned(),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(20),
        },
    );
    // The light jobs run while a heavy one holds its place.
    until(10, "the light jobs beside a running heavy one", || async {
        Ok(*light_runs.lock().unwrap_or_else(|e| e.into_inner()) == 3)
    })
    .await?;
    // Never more than one heavy job claimed at once, however many places are free: let them
    // finish one by one, looking at the leases all along.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut released = 0;
    loop {
        let jobs = jobs_of(&app.store, HEAVY.name).await?;
        if jobs.is_empty() {
            break;
        }
        let held = jobs.iter().filter(|j| j.lease_owner.is_some()).count();
        assert!(held <= 1, "{held} heavy jobs held at once");
        if held == 1 && released < 6 - jobs.len() + 1 {
            release.add_permits(1);
            released += 1;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "heavy jobs left: {}",
            jobs.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    runner.shutdown(Duration::ZERO).await;
    Ok(())
});
