//! Digests (issue 21) on the test clock, through the job runner and a real SMTP server
//! (`MailSink`, aiosmtpd): each slot's issue lists exactly the stories published since the
//! last, no subscriber gets a story twice (a newcomer gets the issue, one whose delivery
//! failed gets what they missed), nothing new sends nothing, a site down over several slots
//! catches up with one issue, and the slot keeps its wall-clock time across a DST change in
//! the site's zone. Also: a second node never makes a slot's issue twice.

use crate::*;
use anyhow::Context;
use dateline_core::newsletter::NewsletterKind;
use dateline_core::permissions::Role;
use dateline_store::{Consent, JobFilter, NewsletterInput};
use dateline_web::newsletters::{SEND, digest::DIGEST};
use std::time::Duration;

fn consent(app: &TestApp, address: &str) -> Consent {
    Consent {
        at: app.clock.now(),
        address: address.to_owned(),
        form: "newsletters".to_owned(),
        ip: "127.0.0.1".to_owned(),
    }
}

/// A confirmed subscriber of `newsletter` at `address` (confirmed at the clock's now).
async fn confirmed(app: &TestApp, address: &str, newsletter: i64) -> anyhow::Result<i64> {
    let done = app
        .store
        .subscribe(address, &[newsletter], &consent(app, address), None)
        .await?;
    app.store
        .confirm_subscriptions(done.subscriber.id, &[newsletter], app.clock.now())
        .await?;
    Ok(done.subscriber.id)
}

/// Define the digest as an editor does, in the newsroom: `daily 07:00`, the whole site.
async fn define_digest(app: &TestApp) -> anyhow::Result<i64> {
    let editor = app.login_as(Role::Editor).await?;
    let res = editor
        .submit(
            "/newsroom/newsletters",
            &[
                ("name", "The Morning Digest"),
                ("slug", "digest"),
                ("description", "Yesterday's stories before breakfast."),
                ("kind", "digest"),
                ("section_id", ""),
                ("schedule", "daily 07:00"),
            ],
        )
        .await?;
    anyhow::ensure!(res.status() == 303, "defining: {}", res.status());
    location(&res)
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .context("the new newsletter's id")
}

/// When the digest's job is due next.
async fn next_run(app: &TestApp) -> anyhow::Result<Timestamp> {
    app.store
        .jobs(JobFilter::All, 1000)
        .await?
        .into_iter()
        .find(|j| j.kind == DIGEST.name && !j.failed())
        .map(|j| j.run_at)
        .context("no digest job is queued")
}

/// Move the clock to `at`, let the digest job and any send it queued run, and give back the
/// newest issue's id (None when there is none).
async fn run_at(app: &TestApp, at: &str) -> anyhow::Result<Option<i64>> {
    app.clock.set(ts(at));
    let queue = app.state.jobs.queue();
    queue.wake();
    anyhow::ensure!(
        queue.settled(&DIGEST, Duration::from_secs(10)).await,
        "the digest job did not run"
    );
    anyhow::ensure!(
        queue.settled(&SEND, Duration::from_secs(10)).await,
        "the send job did not finish"
    );
    let issues = app.store.issues_of(digest_id(app).await?, 100).await?;
    Ok(issues.first().map(|i| i.id))
}

async fn digest_id(app: &TestApp) -> anyhow::Result<i64> {
    app.store
        .newsletters()
        .await?
        .into_iter()
        .find(|n| n.kind == NewsletterKind::Digest)
        .map(|n| n.id)
        .context("no digest")
}

/// The headlines listed in every digest `address` received, in order, mail by mail.
async fn received(app: &TestApp, address: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let sink = app.mail.as_ref().context("mail")?;
    let mut all = Vec::new();
    for m in sink.to(address).await? {
        let text = m.body();
        all.push(
            text.lines()
                .filter(|l| l.starts_with("Story "))
                .map(str::to_owned)
                .collect(),
        );
    }
    Ok(all)
}

fn heads(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("Story {n}")).collect()
}

backend_test!(
    a_digest_lists_exactly_the_new_stories_and_none_twice,
    with_mail,
    |app| {
        app.configure(|s| s.time_zone = "Europe/London".into())
            .await?;
        // The clock starts at 12:00 on 10 March 2026 (GMT, UTC+0).
        let id = define_digest(&app).await?;
        assert_eq!(next_run(&app).await?, ts("2026-03-11T07:00:00Z"));
        let ana = "ana@readers.example";
        let bo = "bo@readers.example";
        confirmed(&app, ana, id).await?;
        let bo_id = confirmed(&app, bo, id).await?;
        // Pending only: never mailed.
        app.store
            .subscribe(
                "pending@readers.example",
                &[id],
                &consent(&app, "pending@readers.example"),
                None,
            )
            .await?;
        // Older than the first issue's day: not listed.
        app.article("Story Old")
            .at(ts("2026-03-09T12:00:00Z"))
            .publish()
            .await?;
        let a = app
            .article("Story A")
            .at(ts("2026-03-10T09:00:00Z"))
            .publish()
            .await?;
        app.article("Story B")
            .at(ts("2026-03-10T12:00:00Z"))
            .publish()
            .await?;

        // Slot 1 (11 March, 07:00 GMT): A and B to both.
        let first = run_at(&app, "2026-03-11T07:00:00Z")
            .await?
            .context("the first issue")?;
        let issue = app.store.issue(first).await?;
        assert_eq!(issue.slot, Some(ts("2026-03-11T07:00:00Z")));
        assert_eq!(issue.subject, "The Morning Digest: 11 March 2026");
        assert_eq!(issue.state, "sent");
        assert_eq!(received(&app, ana).await?, vec![heads(&["A", "B"])]);
        assert_eq!(received(&app, bo).await?, vec![heads(&["A", "B"])]);
        let sink = app.mail.as_ref().context("mail")?;
        assert!(sink.to("pending@readers.example").await?.is_empty());
        // The mail is the newsletter's own: its links and headers.
        let mail = sink.to(ana).await?.pop().context("ana's digest")?;
        assert!(
            mail.header("List-Unsubscribe-Post").is_some(),
            "{}",
            mail.raw
        );
        let html = mail.part("text/html").context("an HTML part")?;
        assert!(html.contains(">Story A</a>"), "{html}");
        let link = format!("{}{}", app.base, app.path_of(&a).await?);
        assert!(mail.body().lines().any(|l| l == link), "{}", mail.body());
        assert_eq!(next_run(&app).await?, ts("2026-03-12T07:00:00Z"));

        // Bo's copy was refused after all (a 5xx, as a relay may answer later): it did not
        // reach him, so he is owed its stories.
        app.raw_sql(&format!(
            "UPDATE deliveries SET state = 'failed' WHERE subscriber_id = {bo_id}"
        ))
        .await?;
        app.clock.set(ts("2026-03-11T12:00:00Z"));
        app.article("Story C").publish().await?;
        app.clock.set(ts("2026-03-11T13:00:00Z"));
        let cy = "cy@readers.example";
        confirmed(&app, cy, id).await?;

        // Slot 2: Ana gets only C; Bo gets A, B and C; Cy, new since, gets the issue: C.
        let second = run_at(&app, "2026-03-12T07:00:00Z")
            .await?
            .context("the second issue")?;
        assert_ne!(second, first);
        assert_eq!(
            received(&app, ana).await?,
            vec![heads(&["A", "B"]), heads(&["C"])]
        );
        assert_eq!(
            received(&app, bo).await?,
            vec![heads(&["A", "B"]), heads(&["A", "B", "C"])]
        );
        assert_eq!(received(&app, cy).await?, vec![heads(&["C"])]);
        // The archive page (the mail's "view in browser") lists the whole issue.
        let page = app
            .page(&format!("/newsletters/issues/{second}/"), 200)
            .await?;
        for s in ["Story A", "Story B", "Story C"] {
            assert!(
                page.text("main").contains(s),
                "{s} missing from the archive"
            );
        }

        // Slot 3: nothing new, so nothing is made or sent; the job waits for the next slot.
        let before = sink.messages().await?.len();
        assert_eq!(run_at(&app, "2026-03-13T07:00:00Z").await?, Some(second));
        assert_eq!(sink.messages().await?.len(), before);
        assert_eq!(next_run(&app).await?, ts("2026-03-14T07:00:00Z"));

        // Down from the 13th to the 17th: one issue when it comes back (the latest slot),
        // listing everything since the last, not one per missed day.
        app.article("Story D")
            .at(ts("2026-03-13T10:00:00Z"))
            .publish()
            .await?;
        app.article("Story E")
            .at(ts("2026-03-15T10:00:00Z"))
            .publish()
            .await?;
        let caught_up = run_at(&app, "2026-03-17T09:30:00Z")
            .await?
            .context("the catch-up issue")?;
        let issues = app.store.issues_of(id, 100).await?;
        assert_eq!(issues.len(), 3, "one issue for the missed days");
        assert_eq!(
            app.store.issue(caught_up).await?.slot,
            Some(ts("2026-03-17T07:00:00Z"))
        );
        for who in [ana, bo, cy] {
            let got = received(&app, who).await?;
            assert_eq!(got.last(), Some(&heads(&["D", "E"])), "{who}");
        }
        assert_eq!(next_run(&app).await?, ts("2026-03-18T07:00:00Z"));

        // Nobody, over all their mail, got any story twice.
        for who in [ana, bo, cy] {
            let mut all: Vec<String> = received(&app, who).await?.concat();
            let n = all.len();
            all.sort();
            all.dedup();
            // Bo's refused copy is the one repeat, and it never reached him.
            let refused = if who == bo { 2 } else { 0 };
            assert_eq!(all.len() + refused, n, "{who} got a story twice");
        }

        // British Summer Time starts on 29 March 2026: 07:00 is then 06:00 UTC.
        app.article("Story F")
            .at(ts("2026-03-28T07:30:00Z"))
            .publish()
            .await?;
        // The slot of the 28th (07:00 GMT) comes before F: nothing new, nothing sent.
        assert_eq!(run_at(&app, "2026-03-28T08:00:00Z").await?, Some(caught_up));
        assert_eq!(next_run(&app).await?, ts("2026-03-29T06:00:00Z"));
        let dst = run_at(&app, "2026-03-29T06:00:00Z")
            .await?
            .context("the issue after the change")?;
        let issue = app.store.issue(dst).await?;
        assert_eq!(issue.slot, Some(ts("2026-03-29T06:00:00Z")));
        assert_eq!(issue.subject, "The Morning Digest: 29 March 2026");
        assert_eq!(received(&app, ana).await?.last(), Some(&heads(&["F"])));
        assert_eq!(next_run(&app).await?, ts("2026-03-30T06:00:00Z"));
        Ok(())
    }
);

/// A slot's issue is made once: by one of two nodes looking at once (PostgreSQL, where
/// several nodes share a database), and not again by a run repeated for the same slot.
async fn slot_once(backend: dateline_testkit::TestBackend) -> anyhow::Result<()> {
    let app = TestApp::start_with_mail(backend).await?;
    let n = app
        .store
        .create_newsletter(
            &NewsletterInput {
                slug: "digest".to_owned(),
                name: "Digest".to_owned(),
                description: String::new(),
                kind: NewsletterKind::Digest,
                section_id: None,
                schedule: "daily 07:00".to_owned(),
            },
            app.clock.now(),
        )
        .await?;
    confirmed(&app, "ana@readers.example", n.id).await?;
    app.article("Story A").publish().await?;
    let sink = app.mail.as_ref().context("mail")?;
    // A second node over the same database, with its own runner and sender and the same
    // SMTP server; it queues the digest's job at start too.
    let other = match backend {
        dateline_testkit::TestBackend::Postgres => Some(
            app.another_node_with(dateline_testkit::smtp_options(sink.port))
                .await?,
        ),
        dateline_testkit::TestBackend::Sqlite => None,
    };
    let service = app.state.newsletters.clone().context("newsletters")?;
    service.schedule_digest(&n).await?;
    let jobs: Vec<_> = app
        .store
        .jobs(JobFilter::All, 1000)
        .await?
        .into_iter()
        .filter(|j| j.kind == DIGEST.name)
        .collect();
    assert_eq!(jobs.len(), 1, "one live job per digest: {jobs:?}");
    app.clock.set(ts("2026-03-11T07:00:00Z"));
    let nodes: Vec<&TestApp> = std::iter::once(&app).chain(other.as_ref()).collect();
    for node in &nodes {
        node.state.jobs.queue().wake();
    }
    for node in &nodes {
        let queue = node.state.jobs.queue();
        assert!(queue.settled(&DIGEST, Duration::from_secs(10)).await);
        assert!(queue.settled(&SEND, Duration::from_secs(10)).await);
    }
    // A run repeated for the same slot (a retry after a crash) makes nothing either.
    app.raw_sql("UPDATE jobs SET run_at = 0 WHERE kind = 'newsletter.digest'")
        .await?;
    for node in &nodes {
        node.state.jobs.queue().wake();
    }
    for node in &nodes {
        let queue = node.state.jobs.queue();
        assert!(queue.settled(&DIGEST, Duration::from_secs(10)).await);
    }
    assert_eq!(app.store.issues_of(n.id, 10).await?.len(), 1);
    assert_eq!(sink.to("ana@readers.example").await?.len(), 1);
    Ok(())
}

mod a_slot_is_made_once_across_nodes {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() -> anyhow::Result<()> {
        slot_once(dateline_testkit::TestBackend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() -> anyhow::Result<()> {
        slot_once(dateline_testkit::TestBackend::Postgres).await
    }
}

backend_test!(
    the_newsroom_shows_subscribers_over_time_and_who_left,
    with_mail,
    |app| {
        let n = app
            .store
            .create_newsletter(
                &NewsletterInput {
                    slug: "morning".to_owned(),
                    name: "The Morning".to_owned(),
                    description: String::new(),
                    kind: NewsletterKind::Letter,
                    section_id: None,
                    schedule: String::new(),
                },
                app.clock.now(),
            )
            .await?;
        // 10 March: one subscriber; 11 March: two more, and a letter to the three.
        confirmed(&app, "ana@readers.example", n.id).await?;
        app.clock.set(ts("2026-03-11T12:00:00Z"));
        confirmed(&app, "bo@readers.example", n.id).await?;
        let cy = confirmed(&app, "cy@readers.example", n.id).await?;
        let issue = app
            .store
            .create_issue(
                n.id,
                &dateline_store::IssueInput {
                    subject: "Hello".to_owned(),
                    markdown: "Hello.".to_owned(),
                    body_html: "<p>Hello.</p>".to_owned(),
                    body_text: "Hello.".to_owned(),
                    article_id: None,
                },
                app.clock.now(),
            )
            .await?;
        let service = app.state.newsletters.clone().context("newsletters")?;
        service.send_issue(issue.id).await?;
        assert!(service.delivered(3, Duration::from_secs(10)).await);
        assert!(
            app.state
                .jobs
                .queue()
                .settled(&SEND, Duration::from_secs(10))
                .await
        );
        // 12 March: one of them leaves.
        app.clock.set(ts("2026-03-12T12:00:00Z"));
        app.store.unsubscribe(cy, n.id, app.clock.now()).await?;

        let editor = app.login_as(Role::Editor).await?;
        let page = editor
            .page(&format!("/newsroom/newsletters/{}", n.id), 200)
            .await?;
        let counts = page.texts("#growth-days td[data-count]");
        assert_eq!(counts.len(), 30, "{counts:?}");
        // Newest first: today (12 March) 2, 11 March 3, 10 March 1, before that none.
        assert_eq!(&counts[..4], ["2", "3", "1", "0"], "{counts:?}");
        assert!(page.has("svg.nr-sparkline polyline"));
        let page = editor
            .page(&format!("/newsroom/newsletters/issues/{}", issue.id), 200)
            .await?;
        assert_eq!(page.text("td[data-state=sent]"), "3");
        assert_eq!(page.text("td[data-state=unsubscribed]"), "1");
        Ok(())
    }
);
