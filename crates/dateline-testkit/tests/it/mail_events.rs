//! Bounces, complaints and suppressions (issue 21) through the real interfaces: the
//! mail-events webhook (`POST /api/v1/mail/events`: the generic JSON shape, Amazon SES through
//! SNS, a raw returned message) with its scoped token, delivery reports written as Postfix
//! writes them fed to `dateline mail inbound`, the mailto unsubscribe, the sender skipping
//! suppressed addresses, the issue's bounced count, and the newsroom's suppressions page
//! (search, release with confirmation and form token, admins only). Mail goes to a real SMTP
//! server (aiosmtpd); both backends.

use crate::*;
use anyhow::Context;
use dateline_core::newsletter::NewsletterKind;
use dateline_core::permissions::Role;
use dateline_store::{Consent, IssueInput, NewsletterInput};
use dateline_testkit::Mail;
use serde_json::{Value, json};

const HARD: &str = include_str!("data/mail/postfix-hard-bounce.eml");
const DELAYED: &str = include_str!("data/mail/postfix-delayed.eml");
const ARF: &str = include_str!("data/mail/arf-complaint.eml");

/// A report fixture about `recipient` and the message `message_id` (with angle brackets).
fn report(fixture: &str, recipient: &str, message_id: &str) -> String {
    fixture
        .replace("{RECIPIENT}", recipient)
        .replace("{MESSAGE_ID}", message_id)
        .replace('\n', "\r\n")
}

async fn newsletter(app: &TestApp, slug: &str) -> anyhow::Result<i64> {
    let n = app
        .store
        .create_newsletter(
            &NewsletterInput {
                slug: slug.to_owned(),
                name: format!("The {slug}"),
                description: String::new(),
                kind: NewsletterKind::Letter,
                section_id: None,
                schedule: String::new(),
            },
            app.clock.now(),
        )
        .await?;
    Ok(n.id)
}

/// A confirmed subscriber of `newsletter`.
async fn reader(app: &TestApp, email: &str, newsletter: i64) -> anyhow::Result<i64> {
    let consent = Consent {
        at: app.clock.now(),
        address: email.to_owned(),
        form: "newsletters".to_owned(),
        ip: "127.0.0.1".to_owned(),
    };
    let done = app
        .store
        .subscribe(email, &[newsletter], &consent, None)
        .await?;
    app.store
        .confirm_subscriptions(done.subscriber.id, &[newsletter], app.clock.now())
        .await?;
    Ok(done.subscriber.id)
}

/// Write and send an issue; wait until none of its messages is queued or sending.
async fn send(
    app: &TestApp,
    newsletter: i64,
    subject: &str,
) -> anyhow::Result<(i64, dateline_store::Progress)> {
    let issue = app
        .store
        .create_issue(
            newsletter,
            &IssueInput {
                subject: subject.to_owned(),
                markdown: "Hello.".to_owned(),
                body_html: "<p>Hello.</p>".to_owned(),
                body_text: "Hello.".to_owned(),
                article_id: None,
            },
            app.clock.now(),
        )
        .await?;
    app.state
        .newsletters
        .as_ref()
        .context("the site sends newsletters")?
        .send_issue(issue.id)
        .await?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let p = app.store.issue_progress(issue.id).await?;
        if p.queued == 0 && p.sending == 0 {
            return Ok((issue.id, p));
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "issue {} did not settle: {p:?}",
            issue.id
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The message of `subject` the sink got for `to`.
async fn received(app: &TestApp, to: &str, subject: &str) -> anyhow::Result<Option<Mail>> {
    let sink = app.mail.as_ref().context("mail")?;
    Ok(sink
        .to(to)
        .await?
        .into_iter()
        .find(|m| m.header("Subject").as_deref() == Some(subject)))
}

/// A token that may only post mail events, as `dateline token create --scope mail-events`
/// makes it.
async fn mail_events_token(app: &TestApp) -> anyhow::Result<String> {
    let owner = app.account(Role::Admin).await?;
    let token = dateline_web::newsroom::credentials::new_token()?;
    let hash = dateline_web::newsroom::credentials::token_hash(token.expose());
    app.store
        .create_mail_events_token(owner.id, &hash, "provider", app.clock.now())
        .await?;
    Ok(token.expose().clone())
}

async fn post_events(
    app: &TestApp,
    auth: Option<&str>,
    content_type: &str,
    body: String,
) -> anyhow::Result<(u16, Value)> {
    let mut req = app
        .client
        .post(app.url("/api/v1/mail/events"))
        .header("content-type", content_type)
        .body(body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

async fn suppressed(app: &TestApp, email: &str) -> anyhow::Result<bool> {
    Ok(app.store.is_suppressed(email).await?)
}

backend_test!(
    the_webhook_takes_a_scoped_token_and_refuses_bad_input,
    with_mail,
    |app| {
        let token = mail_events_token(&app).await?;
        let bearer = format!("Bearer {token}");
        let one =
            json!({"events": [{"type": "hard_bounce", "email": "x@readers.example"}]}).to_string();
        // No token, a wrong one: 401. A full token of a role that does not manage
        // newsletters: 403.
        let (s, _) = post_events(&app, None, "application/json", one.clone()).await?;
        assert_eq!(s, 401);
        let (s, _) =
            post_events(&app, Some("Bearer nope"), "application/json", one.clone()).await?;
        assert_eq!(s, 401);
        let author = app.api_token(Role::Author).await?.1;
        let (s, body) = post_events(
            &app,
            Some(&format!("Bearer {author}")),
            "application/json",
            one.clone(),
        )
        .await?;
        assert_eq!(s, 403, "{body}");
        assert!(!suppressed(&app, "x@readers.example").await?);

        // The scoped token can do nothing else: to the rest of the API it is nobody.
        let (s, _) = app
            .api_call(
                &token,
                reqwest::Method::POST,
                "/api/v1/tags",
                Some(json!({"name": "Harbour"})),
            )
            .await?;
        assert_eq!(s, 401);

        // Bad input: a 4xx naming the field, nothing recorded.
        for (body, field) in [
            (json!({"events": []}), "events"),
            (
                json!({"events": [{"type": "bounce", "email": "a@b.example"}]}),
                "type",
            ),
            (
                json!({"events": [{"type": "hard_bounce", "email": "not an address"}]}),
                "events[0].email",
            ),
            (json!({"events": [{"type": "complaint"}]}), "events[0]"),
            (
                json!({"events": [{"type": "soft_bounce", "email": "a@b.example", "extra": 1}]}),
                "extra",
            ),
        ] {
            let (s, answer) =
                post_events(&app, Some(&bearer), "application/json", body.to_string()).await?;
            assert_eq!(s, 400, "{body}: {answer}");
            let message = answer["message"].as_str().unwrap_or("");
            assert!(message.contains(field), "{field} not named in {message:?}");
        }
        let (s, _) = post_events(&app, Some(&bearer), "text/html", "<p>".to_owned()).await?;
        assert_eq!(s, 415);
        let (s, _) = post_events(&app, Some(&bearer), "message/rfc822", " ".to_owned()).await?;
        assert_eq!(s, 400);
        assert!(
            app.store.suppressions("", 10).await?.is_empty(),
            "bad input recorded something"
        );

        // The token as HTTP Basic's password (SNS cannot send a Bearer header).
        let basic = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("mail-events:{token}")
            )
        );
        let (s, answer) = post_events(&app, Some(&basic), "application/json", one).await?;
        assert_eq!(s, 200, "{answer}");
        assert_eq!(answer["suppressed"], 1);
        assert!(suppressed(&app, "x@readers.example").await?);
        Ok(())
    }
);

backend_test!(
    bounces_and_complaints_suppress_and_the_sender_skips_them,
    with_mail,
    |app| {
        let id = newsletter(&app, "morning").await?;
        let other = newsletter(&app, "evening").await?;
        let ana = "ana@readers.example";
        let bo = "bo@readers.example";
        let cy = "cy@readers.example";
        let di = "di@readers.example";
        for who in [ana, bo, cy, di] {
            reader(&app, who, id).await?;
        }
        reader(&app, bo, other).await?;
        let token = mail_events_token(&app).await?;
        let bearer = format!("Bearer {token}");

        let (first, p) = send(&app, id, "First").await?;
        assert_eq!((p.sent, p.total()), (4, 4), "{p:?}");
        let bo_mail = received(&app, bo, "First").await?.context("bo's message")?;
        let bo_id = bo_mail.header("Message-ID").context("a Message-ID")?;

        // The generic shape: a hard bounce naming our message marks that delivery bounced
        // and suppresses the address (for every newsletter); a complaint by address too.
        let body = json!({"events": [
            {"type": "hard_bounce", "message_id": bo_id, "detail": "550 5.1.1 user unknown"},
            {"type": "complaint", "email": "CY@Readers.example"},
            {"type": "soft_bounce", "email": ana, "detail": "452 4.2.2 mailbox full"},
        ]});
        let (s, answer) =
            post_events(&app, Some(&bearer), "application/json", body.to_string()).await?;
        assert_eq!(s, 200, "{answer}");
        assert_eq!(answer["received"], 3);
        assert_eq!(answer["suppressed"], 2);
        assert_eq!(answer["counted"], 1);
        assert!(suppressed(&app, bo).await?);
        assert!(suppressed(&app, cy).await?);
        // One soft bounce is under the limit (3 by default).
        assert!(!suppressed(&app, ana).await?);
        assert_eq!(app.store.soft_bounces(ana).await?, 1);
        let p = app.store.issue_progress(first).await?;
        assert_eq!((p.sent, p.bounced), (3, 1), "{p:?}");
        let s = app.store.suppression(bo).await?;
        assert_eq!(
            (s.reason.as_str(), s.source.as_str()),
            ("hard-bounce", "webhook")
        );
        assert!(s.detail.contains("5.1.1"), "{}", s.detail);

        // Amazon SES through SNS: a Permanent bounce for di, as SNS posts it (text/plain,
        // the SES notification as a string inside the envelope).
        let ses = json!({
            "notificationType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [{
                    "emailAddress": di,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown"
                }],
                "timestamp": "2026-12-05T09:59:38.237Z",
                "feedbackId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
                "reportingMTA": "dsn; a27-23.smtp-out.us-west-2.amazonses.com"
            },
            "mail": {
                "timestamp": "2026-12-05T09:59:37.000Z",
                "source": "news@herald.example",
                "messageId": "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
                "destination": [di],
                "commonHeaders": {"messageId": format!("<issue-{first}.subscriber-0@herald.example>")}
            }
        });
        let envelope = json!({
            "Type": "Notification",
            "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:ses-bounces",
            "Message": ses.to_string(),
            "Timestamp": "2026-12-05T09:59:38.655Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-0000.pem",
            "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe"
        });
        let res = app
            .client
            .post(app.url("/api/v1/mail/events"))
            .header("authorization", &bearer)
            .header("content-type", "text/plain; charset=UTF-8")
            .header("x-amz-sns-message-type", "Notification")
            .body(envelope.to_string())
            .send()
            .await?;
        assert_eq!(res.status(), 200, "{}", res.text().await?);
        assert!(suppressed(&app, di).await?);
        assert_eq!(app.store.suppression(di).await?.source, "ses");

        // The next issue goes to ana only; the others get nothing, on either newsletter.
        let (second, p) = send(&app, id, "Second").await?;
        assert_eq!((p.sent, p.total()), (1, 1), "{p:?}");
        assert!(received(&app, ana, "Second").await?.is_some());
        for who in [bo, cy, di] {
            assert!(received(&app, who, "Second").await?.is_none(), "{who}");
        }
        let (_, p) = send(&app, other, "Evening").await?;
        assert_eq!(p.total(), 0, "{p:?}");
        let _ = second;

        // The sender checks too: an address suppressed behind the store's back (as an older
        // version or an operator at a SQL prompt might) after its row was queued is skipped
        // and counted as bounced.
        let third = app
            .store
            .create_issue(
                id,
                &IssueInput {
                    subject: "Third".to_owned(),
                    markdown: String::new(),
                    body_html: "<p>Third.</p>".to_owned(),
                    body_text: "Third.".to_owned(),
                    article_id: None,
                },
                app.clock.now(),
            )
            .await?;
        // Queued with its job due tomorrow, so no run takes it before the suppression is in.
        let queued = app
            .store
            .queue_issue(
                third.id,
                &dateline_store::NewJob {
                    kind: "newsletter.send".to_owned(),
                    payload: format!("{{\"issue_id\":{}}}", third.id),
                    dedupe_key: Some(format!("issue:{}", third.id)),
                    run_at: app.clock.now() + SignedDuration::from_hours(24),
                    max_attempts: 20,
                },
                app.clock.now(),
            )
            .await?;
        assert_eq!(queued, 1);
        app.raw_sql(&format!(
            "INSERT INTO suppressions (email, reason, created_at, source, detail) \
             VALUES ('{ana}', 'manual', 0, 'newsroom', '')"
        ))
        .await?;
        app.raw_sql(&format!(
            "UPDATE jobs SET run_at = 0 WHERE dedupe_key = 'issue:{}'",
            third.id
        ))
        .await?;
        app.state.jobs.queue().wake();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        let p = loop {
            let p = app.store.issue_progress(third.id).await?;
            if p.queued == 0 {
                break p;
            }
            anyhow::ensure!(tokio::time::Instant::now() < deadline, "{p:?}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert_eq!((p.bounced, p.sent), (1, 0), "{p:?}");
        assert!(received(&app, ana, "Third").await?.is_none());
        Ok(())
    }
);

backend_test!(
    delivery_reports_fed_to_mail_inbound_bounce_and_mailto_unsubscribes,
    with_mail,
    |app| {
        let id = newsletter(&app, "morning").await?;
        let other = newsletter(&app, "evening").await?;
        let gone = "gone@readers.example";
        let full = "full@readers.example";
        let spam = "spam@readers.example";
        let leaver = "leaver@readers.example";
        for who in [gone, full, spam, leaver] {
            reader(&app, who, id).await?;
        }
        let leaver_id = reader(&app, leaver, other).await?;
        let (first, _) = send(&app, id, "Harbour reopens").await?;
        let id_of = async |who: &str| -> anyhow::Result<String> {
            received(&app, who, "Harbour reopens")
                .await?
                .context("the message")?
                .header("Message-ID")
                .context("a Message-ID")
        };

        // The command an MTA's pipe transport runs, on this test's database.
        use clap::Parser;
        let data = app.data_dir().to_str().context("utf-8 path")?.to_owned();
        let cli = dateline::config::Cli::try_parse_from([
            "dateline",
            "mail",
            "inbound",
            "--database",
            &app.database_url,
            "--data",
            &data,
        ])?;
        let dateline::config::Command::Mail(dateline::mail::MailCommand::Inbound(args)) =
            cli.command
        else {
            anyhow::bail!("not parsed as mail inbound");
        };
        let take = async |raw: String| dateline::mail::take(&args, raw.as_bytes()).await;

        // Postfix's hard bounce (5.1.1, the whole message returned): suppressed at once, and
        // the delivery its Message-ID names counts as bounced.
        let r = take(report(HARD, gone, &id_of(gone).await?)).await?;
        assert_eq!((r.received, r.suppressed), (1, 1), "{r:?}");
        assert!(suppressed(&app, gone).await?);
        let s = app.store.suppression(gone).await?;
        assert_eq!(
            (s.reason.as_str(), s.source.as_str()),
            ("hard-bounce", "dsn")
        );
        assert!(s.detail.contains("5.1.1"), "{}", s.detail);
        assert_eq!(app.store.issue_progress(first).await?.bounced, 1);
        // The same report again changes nothing.
        let r = take(report(HARD, gone, &id_of(gone).await?)).await?;
        assert_eq!(r.already_suppressed, 1, "{r:?}");

        // Postfix's delay warning (Action: delayed, 4.2.2, headers only): soft, counted; the
        // third suppresses (soft_bounce_limit 3).
        let delayed = report(DELAYED, full, &id_of(full).await?);
        for n in 1..=2 {
            let r = take(delayed.clone()).await?;
            assert_eq!(r.counted, 1, "{r:?}");
            assert_eq!(app.store.soft_bounces(full).await?, n);
            assert!(!suppressed(&app, full).await?);
        }
        let r = take(delayed).await?;
        assert_eq!(r.suppressed, 1, "{r:?}");
        assert_eq!(app.store.suppression(full).await?.reason, "soft-bounces");

        // A feedback loop's complaint (RFC 5965): suppressed.
        let r = take(report(ARF, spam, &id_of(spam).await?)).await?;
        assert_eq!(r.suppressed, 1, "{r:?}");
        assert_eq!(app.store.suppression(spam).await?.reason, "complaint");

        // The mailto unsubscribe: the List-Unsubscribe mailto address with its subject, as a
        // mail client sends it; that newsletter only.
        let mail = received(&app, leaver, "Harbour reopens")
            .await?
            .context("leaver's message")?;
        let lu = mail
            .header("List-Unsubscribe")
            .context("List-Unsubscribe")?;
        let mailto = lu
            .split(['<', '>'])
            .find(|s| s.starts_with("mailto:"))
            .context("the mailto address")?;
        let (to, query) = mailto
            .trim_start_matches("mailto:")
            .split_once('?')
            .context("a subject")?;
        let subject = query
            .strip_prefix("subject=")
            .context("subject=")?
            .replace("%20", " ");
        let unsubscribe = format!(
            "From: {leaver}\r\nTo: {to}\r\nSubject: {subject}\r\n\
             Date: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nThis message will unsubscribe you.\r\n"
        );
        let r = take(unsubscribe).await?;
        assert_eq!(r.unsubscribed, 1, "{r:?}");
        let views = app.store.subscriptions_of(leaver_id).await?;
        let active: Vec<i64> = views
            .iter()
            .filter(|v| v.active)
            .map(|v| v.newsletter.id)
            .collect();
        assert_eq!(active, vec![other]);
        assert!(!suppressed(&app, leaver).await?);
        // A forged token unsubscribes nobody.
        let r =
            take("From: x@readers.example\r\nSubject: unsubscribe abc.def\r\n\r\nx\r\n".to_owned())
                .await?;
        assert_eq!((r.unsubscribed, r.unknown), (0, 1), "{r:?}");

        // A reader's reply is nothing to do; an empty message is the MTA's data error (65).
        let r = take("From: a@readers.example\r\nSubject: Re: Harbour\r\n\r\nThanks\r\n".into())
            .await?;
        assert_eq!(r.unknown, 1);
        let err = take("\r\n".to_owned()).await.expect_err("empty");
        let exit = err
            .downcast_ref::<dateline::mail::Exit>()
            .context("an exit code")?;
        assert_eq!(exit.code, dateline::mail::EX_DATAERR);

        // The webhook takes the same raw message.
        let token = mail_events_token(&app).await?;
        let (s, answer) = post_events(
            &app,
            Some(&format!("Bearer {token}")),
            "message/rfc822",
            report(HARD, leaver, &id_of(leaver).await?),
        )
        .await?;
        assert_eq!(s, 200, "{answer}");
        assert_eq!(answer["suppressed"], 1);
        assert_eq!(app.store.suppression(leaver).await?.source, "dsn");
        Ok(())
    }
);

backend_test!(
    the_newsroom_lists_searches_and_releases_suppressions,
    with_mail,
    |app| {
        for (email, reason) in [
            ("ana@readers.example", "hard-bounce"),
            ("bo@readers.example", "complaint"),
            ("odd_100%@readers.example", "hard-bounce"),
        ] {
            app.store
                .suppress_address(
                    &dateline_store::NewSuppression {
                        email,
                        reason,
                        source: "dsn",
                        detail: "5.1.1 user unknown",
                    },
                    app.clock.now(),
                )
                .await?;
        }
        // Editors see the list; only admins release.
        let editor = app.login_as(Role::Editor).await?;
        let page = editor
            .page("/newsroom/newsletters/suppressions", 200)
            .await?;
        assert_eq!(page.all("#suppressions tbody tr").len(), 3);
        assert!(page.text("#suppressions").contains("Delivery report"));
        assert!(!page.has("#suppressions a.nr-button"));
        let res = editor
            .get("/newsroom/newsletters/suppressions/release?email=ana%40readers.example")
            .await?;
        assert_eq!(res.status(), 403);
        for role in [Role::Author, Role::Moderator, Role::Contributor] {
            let b = app.login_as(role).await?;
            let res = b.get("/newsroom/newsletters/suppressions").await?;
            assert_eq!(res.status(), 403, "{role}");
        }

        let admin = app.login_as(Role::Admin).await?;
        // Search by part of the address; LIKE's wildcards match only themselves.
        let page = admin
            .page("/newsroom/newsletters/suppressions?q=BO%40", 200)
            .await?;
        let rows = page.texts("#suppressions tbody tr");
        assert_eq!(rows.len(), 1);
        assert!(rows[0].contains("bo@readers.example"), "{rows:?}");
        let page = admin
            .page("/newsroom/newsletters/suppressions?q=_100%25", 200)
            .await?;
        assert_eq!(page.all("#suppressions tbody tr").len(), 1);
        let page = admin
            .page("/newsroom/newsletters/suppressions?q=nobody", 200)
            .await?;
        assert!(page.text("main").contains("No suppressed address contains"));

        // Release: a confirmation page first; the POST needs the form token and the box.
        let page = admin
            .page(
                "/newsroom/newsletters/suppressions/release?email=ana%40readers.example",
                200,
            )
            .await?;
        assert!(page.text("main").contains("ana@readers.example"));
        assert!(page.has("input#confirm-release[required]"));
        let res = admin
            .post(
                "/newsroom/newsletters/suppressions/release",
                &[("email", "ana@readers.example"), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 403, "no form token");
        let res = admin
            .submit(
                "/newsroom/newsletters/suppressions/release",
                &[("email", "ana@readers.example")],
            )
            .await?;
        assert_eq!(res.status(), 400, "no confirmation");
        assert!(app.store.is_suppressed("ana@readers.example").await?);
        let res = admin
            .submit(
                "/newsroom/newsletters/suppressions/release",
                &[("email", "ana@readers.example"), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert!(location(&res).ends_with("done=released"));
        assert!(!app.store.is_suppressed("ana@readers.example").await?);
        let page = admin
            .page("/newsroom/newsletters/suppressions?done=released", 200)
            .await?;
        assert!(page.text("[role=status]").contains("released"));
        assert_eq!(page.all("#suppressions tbody tr").len(), 2);
        // Releasing what is not suppressed is a 404, not a 500.
        let res = admin
            .submit(
                "/newsroom/newsletters/suppressions/release",
                &[("email", "ana@readers.example"), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 404);
        Ok(())
    }
);
