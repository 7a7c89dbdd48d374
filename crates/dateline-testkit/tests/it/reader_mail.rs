//! Reader mail through HTTP and a real SMTP server (`MailSink`: aiosmtpd on 127.0.0.1): the
//! verification mail sent on registration and its link, held comments until then, the
//! password reset by mail (same answer for unknown addresses, single-use and expiring links,
//! other sessions ended, throttling), and what the site says when it cannot send mail.

use crate::*;
use dateline_testkit::mail::free_port;
use dateline_testkit::{Browser, MailSink, TEST_PASSWORD, TestBackend};

/// The path and query of an absolute link to the test site.
fn path_of(app: &TestApp, link: &str) -> String {
    link.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{link} is not on {}", app.base))
        .to_owned()
}

async fn post_comment(b: &Browser, article: i64, body: &str) -> anyhow::Result<String> {
    let res = b
        .submit(
            &format!("/discussion/{article}/comments"),
            &[("body", body), ("parent", "")],
        )
        .await?;
    anyhow::ensure!(res.status() == 303, "posting: {}", res.status());
    Ok(location(&res))
}

backend_test!(registration_mails_a_link_that_verifies, with_mail, |app| {
    let a = app.article("Harbour reopens").publish().await?;
    let b = app.reader("Nadia", a.id).await?;
    // The mail went through a real SMTP conversation, from the configured address.
    let mails = app.mail_to("nadia@readers.example", 1).await?;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert!(
        mail.header("Subject")
            .unwrap_or_default()
            .contains("Confirm")
    );
    assert!(
        mail.header("From")
            .unwrap_or_default()
            .contains("news@herald.example")
    );
    let prefix = format!("{}/readers/verify?token=", app.base);
    let link = mail.link(&prefix).expect("a verification link");

    // Until the address is verified, the reader's comments wait for a moderator, and the
    // discussion says why, with a way to get the link again.
    let to = post_comment(&b, a.id.0, "First thoughts on the harbour.").await?;
    assert!(to.contains("done=held"), "{to}");
    let page = b.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(page.has("form.reader-verify"), "no verification notice");
    assert!(
        page.text(".comment-status")
            .contains("Waiting for a moderator")
    );

    // A forged or malformed token: a clear 400, nothing verified.
    for bad in [
        "/readers/verify?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        "/readers/verify?token=nonsense".to_owned(),
        "/readers/verify".to_owned(),
    ] {
        let page = app.page(&bad, 400).await?;
        assert!(page.text("#reader-error").contains("expired"), "{bad}");
    }
    let (r, _) = app
        .store
        .reader_for_sign_in(&dateline_core::account::Email::parse(
            "nadia@readers.example",
        )?)
        .await?;
    assert!(!r.verified);

    let page = app.page(&path_of(&app, &link), 200).await?;
    assert!(page.text("h1").contains("verified"));
    let (r, _) = app
        .store
        .reader_for_sign_in(&dateline_core::account::Email::parse(
            "nadia@readers.example",
        )?)
        .await?;
    assert!(r.verified);
    // Single use.
    app.page(&path_of(&app, &link), 400).await?;
    // Now comments appear at once, and the notice is gone.
    let to = post_comment(&b, a.id.0, "And a second thought.").await?;
    assert!(to.contains("done=posted"), "{to}");
    let page = b.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(!page.has("form.reader-verify"));
    Ok(())
});

backend_test!(
    a_verification_link_can_be_sent_again_and_expires,
    with_mail,
    |app| {
        let a = app.article("Harbour reopens").publish().await?;
        let b = app.reader("Omar", a.id).await?;
        app.mail_to("omar@readers.example", 1).await?;
        // The form needs the session's token.
        let res = b
            .post(
                "/readers/verify/resend",
                &[("csrf", "forged"), ("next", "/")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        let res = b
            .submit(
                "/readers/verify/resend",
                &[("next", &format!("/discussion/{}/", a.id))],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let mails = app.mail_to("omar@readers.example", 2).await?;
        assert_eq!(mails.len(), 2);
        let prefix = format!("{}/readers/verify?token=", app.base);
        let first = mails[0].link(&prefix).expect("link");
        let second = mails[1].link(&prefix).expect("link");
        assert_ne!(first, second);
        // 48 hours later the links no longer work.
        app.clock
            .set(dateline_testkit::start_time() + SignedDuration::from_hours(49));
        let page = app.page(&path_of(&app, &second), 400).await?;
        assert!(page.text("#reader-error").contains("expired"));
        Ok(())
    }
);

async fn forgot(app: &TestApp, email: &str) -> anyhow::Result<(u16, String)> {
    let b = app.browser();
    let form = b.page("/readers/forgot", 200).await?;
    let token = form.attr("input[name=form_token]", "value");
    let res = b
        .post(
            "/readers/forgot",
            &[("email", email), ("form_token", &token)],
        )
        .await?;
    let status = res.status().as_u16();
    let page = Page::parse(&res.text().await?);
    // An error page (429) has no such section.
    let text = if page.has("#reader-mail") {
        page.text("#reader-mail")
    } else {
        String::new()
    };
    Ok((status, text))
}

backend_test!(a_forgotten_password_is_reset_by_mail, with_mail, |app| {
    let a = app.article("Harbour reopens").publish().await?;
    let b = app.reader("Nadia", a.id).await?;
    let other_device = app.browser();
    let res = other_device
        .sign_in_reader("nadia@readers.example", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 303);
    app.mail_to("nadia@readers.example", 1).await?;

    // The sign-in form offers the way; the forgot form needs its token.
    let sign_in = app.page("/readers/sign-in", 200).await?;
    assert!(sign_in.has("a#forgot-link[href='/readers/forgot']"));
    let res = app
        .browser()
        .post("/readers/forgot", &[("email", "nadia@readers.example")])
        .await?;
    assert_eq!(res.status(), 403);

    // Known or unknown, the answer is the same page.
    let (s1, unknown) = forgot(&app, "nobody@readers.example").await?;
    let (s2, known) = forgot(&app, "Nadia@Readers.example").await?;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(unknown, known);
    assert!(known.contains("If a reader account uses that address"));

    let mails = app.mail_to("nadia@readers.example", 2).await?;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1]
            .header("Subject")
            .unwrap_or_default()
            .contains("Reset")
    );
    assert!(app.mail_to("nobody@readers.example", 2).await?.is_empty());
    let prefix = format!("{}/readers/reset?token=", app.base);
    let link = path_of(&app, &mails[1].link(&prefix).expect("a reset link"));
    let token = link
        .rsplit_once('=')
        .map(|(_, t)| t.to_owned())
        .unwrap_or_default();

    // A forged token: 400, no form.
    let page = app
        .page(
            "/readers/reset?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            400,
        )
        .await?;
    assert!(!page.has("input[name=password]"));

    let d = app.browser();
    let form = d.page(&link, 200).await?;
    let form_token = form.attr("input[name=form_token]", "value");
    assert_eq!(form.attr("input[name=token]", "value"), token);
    // Opening the link twice spends nothing (mail scanners open links).
    d.page(&link, 200).await?;
    // Too short: the form again, the link still good.
    let res = d
        .post(
            "/readers/reset",
            &[
                ("token", &token),
                ("password", "short"),
                ("form_token", &form_token),
            ],
        )
        .await?;
    assert_eq!(res.status(), 400);
    let res = d
        .post(
            "/readers/reset",
            &[
                ("token", &token),
                ("password", "a brand new password"),
                ("form_token", &form_token),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert!(
        d.cookie("dateline_reader").is_some(),
        "signed in after the reset"
    );
    d.page(&location(&res), 200).await?;

    // Every other session ended.
    for old in [&b, &other_device] {
        let page = old.page(&format!("/discussion/{}/", a.id), 200).await?;
        assert!(!page.has("form.comment-form"), "an old session still works");
    }
    // The old password no longer works, the new one does.
    let res = app
        .browser()
        .sign_in_reader("nadia@readers.example", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 401);
    let res = app
        .browser()
        .sign_in_reader("nadia@readers.example", "a brand new password")
        .await?;
    assert_eq!(res.status(), 303);

    // Used: the link works no more, neither to look nor to post.
    app.page(&link, 400).await?;
    let e = app.browser();
    let form_token = e
        .page("/readers/forgot", 200)
        .await?
        .attr("input[name=form_token]", "value");
    let res = e
        .post(
            "/readers/reset",
            &[
                ("token", &token),
                ("password", "yet another password"),
                ("form_token", &form_token),
            ],
        )
        .await?;
    assert_eq!(res.status(), 400);

    // A new link expires after an hour.
    forgot(&app, "nadia@readers.example").await?;
    let mails = app.mail_to("nadia@readers.example", 3).await?;
    let late = path_of(&app, &mails[2].link(&prefix).expect("link"));
    app.clock
        .set(dateline_testkit::start_time() + SignedDuration::from_mins(61));
    let page = app.page(&late, 400).await?;
    assert!(page.text("#reader-error").contains("expired"));
    Ok(())
});

backend_test!(
    reset_requests_are_throttled_without_telling,
    with_mail,
    |app| {
        let a = app.article("Harbour reopens").publish().await?;
        app.reader("Nadia", a.id).await?;
        app.reader("Omar", a.id).await?;
        app.mail_to("omar@readers.example", 2).await?;
        // Five links per account per quarter hour; the sixth request answers the same page but
        // sends nothing.
        let mut answers = Vec::new();
        for _ in 0..6 {
            answers.push(forgot(&app, "nadia@readers.example").await?);
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        // Mail is sent in order: once Omar's reset arrives, any sixth mail to Nadia would have too.
        forgot(&app, "omar@readers.example").await?;
        let omar = app.mail_to("omar@readers.example", 2 + 5 + 1).await?;
        assert_eq!(omar.len(), 2);
        let nadia = app.mail_to("nadia@readers.example", 8).await?;
        assert_eq!(nadia.len(), 1 + 5, "verification and five resets");
        // Per client address: 30 requests a quarter hour (7 made above), then 429.
        let mut statuses = Vec::new();
        for i in 0..24 {
            statuses.push(forgot(&app, &format!("x{i}@readers.example")).await?.0);
        }
        assert!(statuses[..23].iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(statuses[23], 429);
        Ok(())
    }
);

backend_test!(without_smtp_the_reader_forms_say_so, |app| {
    assert!(app.state.mail.is_none());
    let page = app.page("/readers/forgot", 200).await?;
    assert!(page.text(".reader-note").contains("cannot send email"));
    assert!(!page.has("form[action='/readers/forgot']"));
    let page = app.page("/readers/register", 200).await?;
    assert!(page.text(".reader-note").contains("cannot send email"));
    let page = app.page("/readers/sign-in", 200).await?;
    assert!(page.text(".reader-note").contains("cannot send email"));
    // Unverified readers post as before: a moderator verifies by hand.
    let a = app.article("Harbour reopens").publish().await?;
    let b = app.reader("Nadia", a.id).await?;
    let to = post_comment(&b, a.id.0, "Hello.").await?;
    assert!(to.contains("done=posted"), "{to}");
    let page = b.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(!page.has("form.reader-verify"));
    Ok(())
});

/// The SMTP server is down when a reader registers: the account exists at once, and the mail
/// goes when the server comes back (the mail job is tried again after 2 seconds).
async fn mail_waits_for_a_server_that_is_down(backend: TestBackend) -> anyhow::Result<()> {
    let port = free_port()?;
    let mut app = TestApp::start_with_smtp_port(backend, port).await?;
    let a = app.article("Harbour reopens").publish().await?;
    let b = app.reader("Nadia", a.id).await?;
    let page = b.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(page.text(".reader-sign-out").contains("Nadia"));
    let mailer = app.state.mail.clone().expect("a mailer");
    assert_eq!(mailer.sent(), 0);
    app.mail = Some(MailSink::start_on(port).await?);
    // The retry is due two seconds (of the site's clock) after the first attempt.
    app.clock
        .set(dateline_testkit::start_time() + SignedDuration::from_secs(2));
    let mails = app.mail_to("nadia@readers.example", 1).await?;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .link(&format!("{}/readers/verify?token=", app.base))
            .is_some()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_for_a_server_that_is_down_sqlite() -> anyhow::Result<()> {
    mail_waits_for_a_server_that_is_down(TestBackend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_for_a_server_that_is_down_postgres() -> anyhow::Result<()> {
    mail_waits_for_a_server_that_is_down(TestBackend::Postgres).await
}
