//! Newsletters (issue 21) through HTTP and a real SMTP server (`MailSink`, aiosmtpd): the
//! store's rows on both backends, double opt-in, the neutral answer, the headers bulk mail
//! needs, the one-click unsubscribe, DKIM signatures checked by dkimpy, the newsroom's
//! permissions, and exactly-once sending when another run takes an issue over.

use crate::*;
use anyhow::Context;
use dateline_core::permissions::Role;
use dateline_store::{Consent, IssueInput, NewJob, NewsletterInput};
use dateline_testkit::{Mail, TestBackend};
use std::sync::Arc;

fn consent(app: &TestApp, address: &str) -> Consent {
    Consent {
        at: app.clock.now(),
        address: address.to_owned(),
        form: "newsletters".to_owned(),
        ip: "127.0.0.1".to_owned(),
    }
}

fn letter_input(slug: &str, name: &str) -> NewsletterInput {
    NewsletterInput {
        slug: slug.to_owned(),
        name: name.to_owned(),
        description: format!("{name}, by the editors."),
        kind: dateline_core::newsletter::NewsletterKind::Letter,
        section_id: None,
        schedule: String::new(),
    }
}

fn issue_input(subject: &str) -> IssueInput {
    IssueInput {
        subject: subject.to_owned(),
        markdown: "Hello.".to_owned(),
        body_html: "<p>Hello.</p>".to_owned(),
        body_text: "Hello.".to_owned(),
        article_id: None,
    }
}

/// A confirmed subscriber of `newsletter` at `address`, straight through the store.
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

fn path_of(app: &TestApp, link: &str) -> String {
    link.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{link} is not on {}", app.base))
        .to_owned()
}

backend_test!(
    the_store_keeps_consent_and_takes_each_delivery_once,
    |app| {
        let n = app
            .store
            .create_newsletter(&letter_input("morning", "The Morning"), app.clock.now())
            .await?;
        // A second newsletter with the same address name is refused by the store.
        assert!(matches!(
            app.store
                .create_newsletter(&letter_input("morning", "Other"), app.clock.now())
                .await,
            Err(dateline_store::StoreError::Taken(_))
        ));
        let asked = app
            .store
            .subscribe(
                "ana@example.org",
                &[n.id],
                &consent(&app, "Ana@Example.org"),
                None,
            )
            .await?;
        assert_eq!(asked.pending, vec![n.id]);
        assert_eq!(asked.subscriber.consent.address, "Ana@Example.org");
        assert_eq!(asked.subscriber.consent.ip, "127.0.0.1");
        assert_eq!(asked.subscriber.consent.form, "newsletters");
        assert!(asked.subscriber.confirmed_at.is_none());

        // Not confirmed: an issue makes no delivery for the address.
        let job = |issue: i64| NewJob {
            kind: "newsletter.send".to_owned(),
            payload: format!("{{\"issue_id\":{issue}}}"),
            dedupe_key: Some(format!("issue:{issue}")),
            // Due later than this test looks: no runner takes it.
            run_at: app.clock.now() + jiff::SignedDuration::from_hours(24),
            max_attempts: 20,
        };
        let first = app
            .store
            .create_issue(n.id, &issue_input("One"), app.clock.now())
            .await?;
        assert_eq!(
            app.store
                .queue_issue(first.id, &job(first.id), app.clock.now())
                .await?,
            0
        );
        // An issue is sent once.
        assert!(
            app.store
                .queue_issue(first.id, &job(first.id), app.clock.now())
                .await
                .is_err()
        );

        app.store
            .confirm_subscriptions(asked.subscriber.id, &[n.id], app.clock.now())
            .await?;
        // Asking again while active changes nothing and asks for no confirmation.
        let again = app
            .store
            .subscribe(
                "ana@example.org",
                &[n.id],
                &consent(&app, "ana@example.org"),
                None,
            )
            .await?;
        assert!(again.pending.is_empty());
        let other = confirmed(&app, "bo@example.org", n.id).await?;
        app.store
            .suppress("bo@example.org", "hard bounce", app.clock.now())
            .await?;
        let _ = other;

        let second = app
            .store
            .create_issue(n.id, &issue_input("Two"), app.clock.now())
            .await?;
        assert_eq!(
            app.store
                .queue_issue(second.id, &job(second.id), app.clock.now())
                .await?,
            1,
            "the suppressed address gets no delivery"
        );
        let batch = app.store.next_deliveries(second.id, 10).await?;
        assert_eq!(batch.len(), 1);
        let d = &batch[0];
        assert_eq!(d.email, "ana@example.org");
        // Taken once: a second run cannot take the same row.
        assert!(app.store.start_delivery(d.id).await?);
        assert!(!app.store.start_delivery(d.id).await?);
        // A run that took over marks what a dead run left sending as uncertain; nothing is
        // queued any more, and the first run's late answer still counts it sent.
        assert_eq!(app.store.settle_interrupted(second.id).await?, 1);
        assert!(app.store.next_deliveries(second.id, 10).await?.is_empty());
        let p = app.store.issue_progress(second.id).await?;
        assert_eq!((p.uncertain, p.queued, p.total()), (1, 0, 1));
        assert!(app.store.finish_delivery(d.id, app.clock.now()).await?);
        assert_eq!(app.store.issue_progress(second.id).await?.sent, 1);
        assert!(
            app.store
                .finish_issue_if_done(second.id, app.clock.now())
                .await?
        );
        assert_eq!(app.store.issue(second.id).await?.state, "sent");

        // Unsubscribing is at once and per newsletter.
        app.store
            .unsubscribe(asked.subscriber.id, n.id, app.clock.now())
            .await?;
        let views = app.store.subscriptions_of(asked.subscriber.id).await?;
        assert!(views.iter().all(|v| !v.active));
        Ok(())
    }
);

/// An editor signed in, with a letter newsletter made through the newsroom's form.
async fn newsroom_letter(app: &TestApp) -> anyhow::Result<(dateline_testkit::Browser, i64)> {
    let editor = app.login_as(Role::Editor).await?;
    let res = editor
        .submit(
            "/newsroom/newsletters",
            &[
                ("name", "The Morning"),
                ("slug", "morning"),
                ("description", "The day's news before breakfast."),
                ("kind", "letter"),
                ("section_id", ""),
                ("schedule", ""),
            ],
        )
        .await?;
    anyhow::ensure!(res.status() == 303, "creating: {}", res.status());
    let id: i64 = location(&res)
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .context("the new newsletter's id")?;
    Ok((editor, id))
}

async fn send_letter(
    editor: &dateline_testkit::Browser,
    id: i64,
    subject: &str,
) -> anyhow::Result<i64> {
    let res = editor
        .submit(
            &format!("/newsroom/newsletters/{id}/issues"),
            &[
                ("subject", subject),
                (
                    "markdown",
                    "Good morning.\n\nThe **harbour** reopens today.",
                ),
                ("action", "send"),
            ],
        )
        .await?;
    anyhow::ensure!(res.status() == 303, "sending: {}", res.status());
    location(&res)
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .context("the issue's id")
}

async fn subscribe(app: &TestApp, email: &str, newsletter: i64) -> anyhow::Result<Page> {
    let res = app
        .client
        .post(app.url("/newsletters/subscribe"))
        .form(&[
            ("email", email),
            ("newsletter", &newsletter.to_string()),
            ("form", "newsletters"),
        ])
        .send()
        .await?;
    Page::expect(res, "/newsletters/subscribe", 200).await
}

/// Wait until the issue has no message queued or sending (at most 10 s).
async fn settled(app: &TestApp, issue: i64) -> anyhow::Result<dateline_store::Progress> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let p = app.store.issue_progress(issue).await?;
        if p.queued == 0 && p.sending == 0 {
            return Ok(p);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "issue {issue} did not settle: {p:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn link_in(mail: &Mail, prefix: &str) -> String {
    mail.link(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in\n{}", mail.raw))
}

backend_test!(
    double_opt_in_headers_and_one_click_unsubscribe,
    with_mail,
    |app| {
        let (editor, id) = newsroom_letter(&app).await?;
        let sink = app.mail.as_ref().context("mail")?;

        // Bad input: a clear 400 naming the field, nothing stored.
        let res = app
            .client
            .post(app.url("/newsletters/subscribe"))
            .form(&[("email", "not an address"), ("newsletter", &id.to_string())])
            .send()
            .await?;
        let page = Page::expect(res, "/newsletters/subscribe", 400).await?;
        assert!(page.text("#newsletter-error").contains("Email address"));

        // Subscribing answers the same page whoever asks.
        let fresh = subscribe(&app, "nadia@readers.example", id).await?;
        let confirmation = app.newsletter_mail_to("nadia@readers.example", 1).await?;
        assert_eq!(confirmation.len(), 1);
        let confirm_link = link_in(
            &confirmation[0],
            &format!("{}/newsletters/confirm?token=", app.base),
        );

        // Before the link is followed nothing is sent: an issue finds no subscriber.
        let early = send_letter(&editor, id, "Too early").await?;
        let p = settled(&app, early).await?;
        assert_eq!(p.total(), 0, "{p:?}");
        assert_eq!(sink.to("nadia@readers.example").await?.len(), 1);

        let page = app.page(&path_of(&app, &confirm_link), 200).await?;
        assert!(page.text("h1").contains("subscribed"));
        // Asking again once subscribed: the same words as for a stranger, and no mail.
        let known = subscribe(&app, "nadia@readers.example", id).await?;
        assert_eq!(known.text("#newsletters"), fresh.text("#newsletters"));
        // A tampered confirmation link is refused.
        app.page(&format!("{}x", path_of(&app, &confirm_link)), 400)
            .await?;

        let issue = send_letter(&editor, id, "Harbour reopens").await?;
        let p = settled(&app, issue).await?;
        assert_eq!((p.sent, p.total()), (1, 1), "{p:?}");
        let mails = app.newsletter_mail_to("nadia@readers.example", 2).await?;
        let mail = mails
            .iter()
            .find(|m| m.header("Subject").as_deref() == Some("Harbour reopens"))
            .context("the issue")?;
        let lu = mail
            .header("List-Unsubscribe")
            .context("List-Unsubscribe")?;
        assert!(
            lu.contains(&format!("<{}/newsletters/unsubscribe?token=", app.base)),
            "{lu}"
        );
        assert!(
            lu.contains("<mailto:news@herald.example?subject=unsubscribe"),
            "{lu}"
        );
        assert_eq!(
            mail.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert_eq!(mail.header("Precedence").as_deref(), Some("bulk"));
        assert!(
            mail.header("List-Id")
                .is_some_and(|v| v.contains("<morning.herald.example>"))
        );
        assert!(
            mail.header("Feedback-ID")
                .is_some_and(|v| v.contains("morning"))
        );
        assert!(
            mail.header("Message-ID")
                .is_some_and(|v| v.starts_with(&format!("<issue-{issue}.")))
        );
        assert!(mail.header("Date").is_some());
        let html = mail.part("text/html").context("an HTML part")?;
        assert!(html.contains("<strong>harbour</strong>"), "{html}");
        let text = mail.body();
        assert!(text.contains("The harbour reopens today."), "{text}");
        // The view-in-browser link is the public archive page of the issue.
        let archive = link_in(mail, &format!("{}/newsletters/issues/", app.base));
        let page = app.page(&path_of(&app, &archive), 200).await?;
        assert!(page.text("h1").contains("Harbour reopens"));
        // A draft or unknown issue has no public page.
        app.page("/newsletters/issues/999999/", 404).await?;

        // The preference page through the signed link in the mail.
        let prefs = link_in(
            mail,
            &format!("{}/newsletters/preferences?token=", app.base),
        );
        let page = app.page(&path_of(&app, &prefs), 200).await?;
        assert!(page.has(&format!("input#newsletter-{id}[checked]")));

        // RFC 8058: the one-click POST, with no cookie and no form token, unsubscribes at once.
        let one_click = lu
            .split(['<', '>'])
            .find(|s| s.starts_with("http"))
            .context("the HTTPS unsubscribe link")?
            .to_owned();
        let res = reqwest::Client::new()
            .post(&one_click)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await?;
        assert_eq!(res.status(), 200);
        let page = app.page(&path_of(&app, &prefs), 200).await?;
        assert!(!page.has(&format!("input#newsletter-{id}[checked]")));
        let after = send_letter(&editor, id, "After").await?;
        assert_eq!(settled(&app, after).await?.total(), 0);
        // A forged unsubscribe token does nothing but say so.
        let res = app
            .client
            .post(app.url("/newsletters/unsubscribe?token=abc.def"))
            .send()
            .await?;
        assert_eq!(res.status(), 400);
        Ok(())
    }
);

backend_test!(
    only_editors_and_admins_manage_newsletters,
    with_mail,
    |app| {
        for role in [Role::Contributor, Role::Author, Role::Moderator] {
            let b = app.login_as(role).await?;
            let res = b.get("/newsroom/newsletters").await?;
            assert_eq!(res.status(), 403, "{role}");
            let res = b
                .submit(
                    "/newsroom/newsletters",
                    &[("name", "X"), ("slug", "x"), ("kind", "letter")],
                )
                .await?;
            assert_eq!(res.status(), 403, "{role}");
        }
        let (editor, id) = newsroom_letter(&app).await?;
        // Bad definitions name the field.
        let res = editor
            .submit(
                "/newsroom/newsletters",
                &[
                    ("name", "Digest"),
                    ("slug", "digest"),
                    ("kind", "digest"),
                    ("schedule", "hourly"),
                ],
            )
            .await?;
        let page = Page::expect(res, "/newsroom/newsletters", 400).await?;
        assert!(page.text("#nl-error").contains("Schedule"));
        let res = editor
            .submit(
                "/newsroom/newsletters",
                &[("name", "Again"), ("slug", "morning"), ("kind", "letter")],
            )
            .await?;
        assert_eq!(res.status(), 409);
        // Preview renders the editors' dialect on the server; a test goes to the editor alone.
        let res = editor
            .submit(
                &format!("/newsroom/newsletters/{id}/issues"),
                &[
                    ("subject", "Draft"),
                    ("markdown", "Some *news*."),
                    ("action", "preview"),
                ],
            )
            .await?;
        let page = Page::expect(res, "preview", 200).await?;
        assert!(page.has(".nr-preview em"));
        let res = editor
            .submit(
                &format!("/newsroom/newsletters/{id}/issues"),
                &[
                    ("subject", "Draft"),
                    ("markdown", "Some *news*."),
                    ("action", "test"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 200);
        let mails = app.newsletter_mail_to("editor@example.com", 1).await?;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].header("Subject").as_deref(), Some("[Test] Draft"));
        // An alert needs a published story.
        let admin = app.login_as(Role::Admin).await?;
        let res = admin
            .submit(
                "/newsroom/newsletters",
                &[
                    ("name", "Breaking"),
                    ("slug", "breaking"),
                    ("kind", "alerts"),
                ],
            )
            .await?;
        let alerts = location(&res);
        let draft = app.article("Not yet").draft().await?;
        let res = admin
            .submit(
                &format!("{alerts}/issues"),
                &[("article", &draft.id.to_string()), ("action", "send")],
            )
            .await?;
        let page = Page::expect(res, "alert", 400).await?;
        assert!(page.text("#nl-error").contains("not published"));
        let story = app.article("Storm closes the bridge").publish().await?;
        let res = admin
            .submit(
                &format!("{alerts}/issues"),
                &[("article", &story.id.to_string()), ("action", "send")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let page = admin.page(&location(&res), 200).await?;
        assert!(page.text("h1").contains("Storm closes the bridge"));
        Ok(())
    }
);

/// The DKIM test keys (tests/it/data/dkim, made for these tests only) and their DNS records.
fn dkim(kind: &str) -> anyhow::Result<(Arc<dateline_web::mail::Dkim>, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/dkim");
    let key = std::fs::read_to_string(dir.join(format!("{kind}.pem")))?;
    let record = std::fs::read_to_string(dir.join(format!("{kind}.txt")))?;
    Ok((
        Arc::new(dateline_web::mail::Dkim::new(
            "sel",
            "herald.example",
            &key,
        )?),
        record.trim().to_owned(),
    ))
}

async fn dkim_round_trip(backend: TestBackend, kind: &str) -> anyhow::Result<()> {
    let (signer, record) = dkim(kind)?;
    let app = TestApp::start_with_mail_and(backend, |o| {
        if let Some(smtp) = o.smtp.as_mut() {
            smtp.dkim = Some(signer);
        }
    })
    .await?;
    let n = app
        .store
        .create_newsletter(&letter_input("morning", "The Morning"), app.clock.now())
        .await?;
    confirmed(&app, "ana@example.org", n.id).await?;
    let issue = app
        .store
        .create_issue(n.id, &issue_input("Signed"), app.clock.now())
        .await?;
    app.state
        .newsletters
        .as_ref()
        .context("newsletters")?
        .send_issue(issue.id)
        .await?;
    let mails = app.newsletter_mail_to("ana@example.org", 1).await?;
    let mail = &mails[0];
    let sig = mail.header("DKIM-Signature").context("a DKIM signature")?;
    assert!(
        sig.contains("s=sel") && sig.contains("d=herald.example"),
        "{sig}"
    );
    assert!(
        sig.contains("list-unsubscribe-post") || sig.contains("List-Unsubscribe-Post"),
        "{sig}"
    );
    mail.verify_dkim(&[("sel._domainkey.herald.example", &record)])
        .await?;
    // Changed in transit, it no longer verifies: the check can fail.
    let forged = Mail {
        raw: mail.raw.replace("Subject: Signed", "Subject: Altered"),
    };
    assert!(
        forged
            .verify_dkim(&[("sel._domainkey.herald.example", &record)])
            .await
            .is_err()
    );
    Ok(())
}

mod dkim_rsa {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() -> anyhow::Result<()> {
        dkim_round_trip(TestBackend::Sqlite, "rsa").await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() -> anyhow::Result<()> {
        dkim_round_trip(TestBackend::Postgres, "rsa").await
    }
}

mod dkim_ed25519 {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() -> anyhow::Result<()> {
        dkim_round_trip(TestBackend::Sqlite, "ed25519").await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() -> anyhow::Result<()> {
        dkim_round_trip(TestBackend::Postgres, "ed25519").await
    }
}

backend_test!(
    a_run_taking_over_after_a_lease_expiry_never_resends,
    with_mail,
    |app| {
        let n = app
            .store
            .create_newsletter(&letter_input("morning", "The Morning"), app.clock.now())
            .await?;
        let mut addresses = Vec::new();
        for i in 0..5 {
            let a = format!("reader{i}@example.org");
            confirmed(&app, &a, n.id).await?;
            addresses.push(a);
        }
        let issue = app
            .store
            .create_issue(n.id, &issue_input("Once only"), app.clock.now())
            .await?;
        // Queue the issue with its job, then let a node that will die claim the job before this
        // node's runner does.
        let now = app.clock.now();
        let later = now + jiff::SignedDuration::from_secs(5);
        let job = NewJob {
            kind: "newsletter.send".to_owned(),
            payload: format!("{{\"issue_id\":{}}}", issue.id),
            dedupe_key: Some(format!("issue:{}", issue.id)),
            run_at: later,
            max_attempts: 20,
        };
        assert_eq!(app.store.queue_issue(issue.id, &job, now).await?, 5);
        let claimed = app
            .store
            .claim_jobs(
                &["newsletter.send"],
                "dying-node",
                later,
                later + jiff::SignedDuration::from_secs(30),
                1,
            )
            .await?;
        assert_eq!(claimed.len(), 1);
        // The dying node sent the first message and was inside the second's SMTP transaction.
        let rows = app.store.next_deliveries(issue.id, 10).await?;
        assert!(app.store.start_delivery(rows[0].id).await?);
        assert!(app.store.finish_delivery(rows[0].id, now).await?);
        assert!(app.store.start_delivery(rows[1].id).await?);
        // Its lease runs out; this node's runner takes the job over.
        app.clock.set(later + jiff::SignedDuration::from_secs(31));
        app.state.jobs.queue().wake();
        let p = settled(&app, issue.id).await?;
        assert_eq!(
            (p.sent, p.uncertain, p.queued, p.total()),
            (4, 1, 0, 5),
            "{p:?}"
        );
        let mail = app.mail.as_ref().context("mail")?;
        let got: Vec<Mail> = mail.messages().await?;
        assert_eq!(got.len(), 3, "only the three never taken are sent");
        for a in &addresses[..2] {
            assert!(mail.to(a).await?.is_empty(), "{a} got a message again");
        }
        for a in &addresses[2..] {
            assert_eq!(mail.to(a).await?.len(), 1, "{a}");
        }
        assert_eq!(app.store.issue(issue.id).await?.state, "sent");
        // The newsroom shows the progress.
        let editor = app.login_as(Role::Editor).await?;
        let page = editor
            .page(&format!("/newsroom/newsletters/issues/{}", issue.id), 200)
            .await?;
        assert_eq!(page.text("td[data-state=sent]"), "4");
        assert_eq!(page.text("td[data-state=uncertain]"), "1");
        Ok(())
    }
);

async fn rate_limited(backend: TestBackend) -> anyhow::Result<()> {
    let app = TestApp::start_with_mail_and(backend, |o| {
        o.newsletters.per_minute = Some(2);
    })
    .await?;
    let n = app
        .store
        .create_newsletter(&letter_input("morning", "The Morning"), app.clock.now())
        .await?;
    for i in 0..3 {
        confirmed(&app, &format!("r{i}@example.org"), n.id).await?;
    }
    let issue = app
        .store
        .create_issue(n.id, &issue_input("Slowly"), app.clock.now())
        .await?;
    let service = app.state.newsletters.clone().context("newsletters")?;
    service.send_issue(issue.id).await?;
    assert!(
        service
            .delivered(2, std::time::Duration::from_secs(10))
            .await
    );
    // The third waits for the minute to pass (the clock is fixed: it does not).
    assert!(
        app.state
            .jobs
            .queue()
            .settled(
                &dateline_web::newsletters::SEND,
                std::time::Duration::from_secs(10)
            )
            .await
    );
    let p = app.store.issue_progress(issue.id).await?;
    assert_eq!((p.sent, p.queued), (2, 1), "{p:?}");
    app.clock
        .set(app.clock.now() + jiff::SignedDuration::from_secs(61));
    app.state.jobs.queue().wake();
    let p = settled(&app, issue.id).await?;
    assert_eq!(p.sent, 3);
    Ok(())
}

mod the_rate_limit_holds_the_rest_until_the_window_moves {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() -> anyhow::Result<()> {
        rate_limited(TestBackend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() -> anyhow::Result<()> {
        rate_limited(TestBackend::Postgres).await
    }
}

/// One batch sent over several connections at once to a server that refuses two recipients
/// for good, defers two (a 451 the first time) and cuts the connection after taking one
/// message: every row ends where it must, and the run that follows sends the deferred and the
/// untried ones, never the one whose answer was lost, and nothing twice.
async fn a_batch_meets_refusals_deferrals_and_a_dropped_connection(
    backend: TestBackend,
) -> anyhow::Result<()> {
    let sink = dateline_testkit::MailSink::start_picky().await?;
    let app = TestApp::start_with_sink_and(backend, sink, |o| {
        o.newsletters.batch = 50;
        o.newsletters.concurrency = 4;
    })
    .await?;
    let n = app
        .store
        .create_newsletter(&letter_input("morning", "The Morning"), app.clock.now())
        .await?;
    let mut ok = Vec::new();
    for i in 0..12 {
        ok.push(format!("ok{i}@example.org"));
    }
    let refused = ["refuse1@example.org", "refuse2@example.org"];
    let deferred = ["defer1@example.org", "defer2@example.org"];
    let dropped = "drop1@example.org";
    let everyone: Vec<&str> = ok
        .iter()
        .map(String::as_str)
        .chain(refused)
        .chain(deferred)
        .chain([dropped])
        .collect();
    for a in &everyone {
        confirmed(&app, a, n.id).await?;
    }
    let issue = app
        .store
        .create_issue(n.id, &issue_input("Picky"), app.clock.now())
        .await?;
    let service = app.state.newsletters.clone().context("newsletters")?;
    assert_eq!(service.send_issue(issue.id).await?, 17);
    let jobs = app.state.jobs.queue();
    // The first run ends with an error (a deferral, a lost answer): its retry is due later, and
    // the fixed clock holds it.
    assert!(
        jobs.settled(
            &dateline_web::newsletters::SEND,
            std::time::Duration::from_secs(20)
        )
        .await,
        "the first run did not end"
    );
    let p = app.store.issue_progress(issue.id).await?;
    assert_eq!(
        p.sending, 0,
        "every taken row has its answer recorded: {p:?}"
    );
    assert_eq!(p.failed, 2, "both refusals are failed: {p:?}");
    assert_eq!(p.uncertain, 1, "the lost answer is uncertain: {p:?}");
    assert!(p.queued >= 2, "both deferrals are queued again: {p:?}");
    assert_eq!(p.total(), 17);
    assert_eq!(app.store.issue(issue.id).await?.state, "sending");
    // The retry: the deferred and any row the first run stopped before are sent now.
    app.clock
        .set(app.clock.now() + jiff::SignedDuration::from_secs(6));
    jobs.wake();
    let p = settled(&app, issue.id).await?;
    assert_eq!(
        (p.sent, p.failed, p.uncertain, p.queued, p.total()),
        (14, 2, 1, 0, 17),
        "{p:?}"
    );
    assert!(
        jobs.settled(
            &dateline_web::newsletters::SEND,
            std::time::Duration::from_secs(20)
        )
        .await
    );
    assert_eq!(app.store.issue(issue.id).await?.state, "sent");
    let mail = app.mail.as_ref().context("mail")?;
    for a in ok.iter().map(String::as_str).chain(deferred) {
        assert_eq!(mail.to(a).await?.len(), 1, "{a}");
    }
    for a in refused {
        assert!(mail.to(a).await?.is_empty(), "{a}");
    }
    // The server kept the dropped message; the sender could not know, and never sent it again.
    assert_eq!(mail.to(dropped).await?.len(), 1, "{dropped}");
    assert_eq!(mail.messages().await?.len(), 15);
    Ok(())
}

mod a_batch_meets_refusals_deferrals_and_a_dropped_connection {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() -> anyhow::Result<()> {
        a_batch_meets_refusals_deferrals_and_a_dropped_connection(TestBackend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() -> anyhow::Result<()> {
        a_batch_meets_refusals_deferrals_and_a_dropped_connection(TestBackend::Postgres).await
    }
}

backend_test!(
    a_batch_is_taken_once_and_its_answers_recorded_together,
    |app| {
        use dateline_store::DeliveryOutcome;
        let n = app
            .store
            .create_newsletter(&letter_input("morning", "The Morning"), app.clock.now())
            .await?;
        for i in 0..6 {
            confirmed(&app, &format!("r{i}@example.org"), n.id).await?;
        }
        let issue = app
            .store
            .create_issue(n.id, &issue_input("Batch"), app.clock.now())
            .await?;
        let job = NewJob {
            kind: "newsletter.send".to_owned(),
            payload: format!("{{\"issue_id\":{}}}", issue.id),
            dedupe_key: Some(format!("issue:{}", issue.id)),
            // Due later than this test looks: no runner takes it.
            run_at: app.clock.now() + jiff::SignedDuration::from_hours(24),
            max_attempts: 20,
        };
        assert_eq!(
            app.store
                .queue_issue(issue.id, &job, app.clock.now())
                .await?,
            6
        );
        let rows = app.store.next_deliveries(issue.id, 10).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        // Another run took the first row already: the batch takes the other five, once.
        assert!(app.store.start_delivery(ids[0]).await?);
        let mut taken = app.store.take_deliveries(&ids).await?;
        taken.sort_unstable();
        assert_eq!(taken, ids[1..].to_vec());
        assert!(app.store.take_deliveries(&ids).await?.is_empty());
        assert!(app.store.take_deliveries(&[]).await?.is_empty());
        let p = app.store.issue_progress(issue.id).await?;
        assert_eq!((p.sending, p.queued), (6, 0), "{p:?}");
        // A run that took over meanwhile made the first row uncertain; this batch's answers
        // come in one go, and only rows this batch holds move (a late 250 still counts).
        assert_eq!(app.store.settle_interrupted(issue.id).await?, 6);
        let outcomes = vec![
            (ids[1], DeliveryOutcome::Sent),
            (
                ids[2],
                DeliveryOutcome::Failed("550 no such user".to_owned()),
            ),
            (ids[3], DeliveryOutcome::Requeued),
            (ids[4], DeliveryOutcome::Uncertain),
            (ids[5], DeliveryOutcome::Sent),
        ];
        // Everything is uncertain now: only the two 250s move it (to sent).
        assert_eq!(
            app.store
                .record_deliveries(&outcomes, &[], app.clock.now())
                .await?,
            2
        );
        let p = app.store.issue_progress(issue.id).await?;
        assert_eq!((p.sent, p.uncertain, p.total()), (2, 4, 6), "{p:?}");

        // A second issue, answered while its rows are still `sending`.
        let second = app
            .store
            .create_issue(n.id, &issue_input("Batch two"), app.clock.now())
            .await?;
        let job = NewJob {
            payload: format!("{{\"issue_id\":{}}}", second.id),
            dedupe_key: Some(format!("issue:{}", second.id)),
            ..job
        };
        app.store
            .queue_issue(second.id, &job, app.clock.now())
            .await?;
        let rows = app.store.next_deliveries(second.id, 10).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        assert_eq!(app.store.take_deliveries(&ids[..5]).await?.len(), 5);
        let outcomes = vec![
            (ids[0], DeliveryOutcome::Sent),
            (
                ids[1],
                DeliveryOutcome::Failed("550 no such user".to_owned()),
            ),
            (ids[2], DeliveryOutcome::Requeued),
            (ids[3], DeliveryOutcome::Uncertain),
            (ids[4], DeliveryOutcome::Sent),
        ];
        // The sixth row was never taken: as a suppressed address's row it goes bounced.
        assert_eq!(
            app.store
                .record_deliveries(&outcomes, &[ids[5]], app.clock.now())
                .await?,
            6
        );
        let p = app.store.issue_progress(second.id).await?;
        assert_eq!(
            (
                p.sent,
                p.failed,
                p.queued,
                p.uncertain,
                p.bounced,
                p.sending
            ),
            (2, 1, 1, 1, 1, 0),
            "{p:?}"
        );
        // Recording again moves nothing: each answer lands once.
        assert_eq!(
            app.store
                .record_deliveries(&outcomes, &[ids[5]], app.clock.now())
                .await?,
            0
        );
        Ok(())
    }
);
