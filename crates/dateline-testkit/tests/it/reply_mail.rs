//! Mail about replies (issue 18) through HTTP and a real SMTP server: a reader asks for it on
//! `/readers/me`; someone else's published reply to their comment mails them once (at once,
//! or when a moderator approves a held reply), with the reply, a link to it and an RFC 8058
//! stop link that works without a cookie; nobody who did not ask, and nobody replying to
//! themselves, gets mail.

use crate::reader_account::comment;
use crate::*;
use dateline_core::account::Email;
use dateline_core::article::DiscussionMode;
use dateline_core::permissions::Role;
use dateline_testkit::mail::Mail;
use dateline_testkit::{Browser, TestApp};
use std::time::Duration;

/// Wait (bounded) until no reply mail job is waiting or running, so that mail not sent is
/// known not to be coming.
async fn replies_settled(app: &TestApp) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let busy = app
            .store
            .job_counts()
            .await?
            .iter()
            .any(|c| c.kind == "mail.reply" && c.pending + c.running > 0);
        if !busy {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "reply mail jobs still waiting after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn verified(app: &TestApp, email: &str) -> anyhow::Result<dateline_core::ReaderId> {
    let (r, _) = app.store.reader_for_sign_in(&Email::parse(email)?).await?;
    app.store.set_reader_verified(r.id, true).await?;
    Ok(r.id)
}

/// The reply mails in a reader's mailbox (the verification mail left out).
async fn reply_mails(app: &TestApp, to: &str) -> anyhow::Result<Vec<Mail>> {
    let sink = app.mail.as_ref().expect("started with mail");
    Ok(sink
        .to(to)
        .await?
        .into_iter()
        .filter(|m| {
            m.header("Subject")
                .is_some_and(|s| s.contains("replied to your comment"))
        })
        .collect())
}

async fn ask_for_replies(b: &Browser, on: bool) -> anyhow::Result<String> {
    let fields: &[(&str, &str)] = if on { &[("replies", "yes")] } else { &[] };
    let res = b.submit("/readers/me/replies", fields).await?;
    anyhow::ensure!(res.status() == 303, "saving the choice: {}", res.status());
    Ok(location(&res))
}

backend_test!(a_reply_mails_a_reader_who_asked_once, with_mail, |app| {
    let story = app.article("Ferry strike ends").publish().await?;
    let id = story.id.0;
    let nadia = app.reader("Nadia", story.id).await?;
    let omar = app.reader("Omar", story.id).await?;
    let lina = app.reader("Lina", story.id).await?;
    let nadia_id = verified(&app, "nadia@readers.example").await?;
    verified(&app, "omar@readers.example").await?;
    verified(&app, "lina@readers.example").await?;

    // The account page offers the choice, off until asked.
    let page = nadia.page("/readers/me", 200).await?;
    assert!(page.has("form.reply-mail-form"));
    assert!(!page.has("#reply-mail-on[checked]"));
    let to = ask_for_replies(&nadia, true).await?;
    assert_eq!(to, "/readers/me?done=replies-on#reply-mail");
    let page = nadia.page("/readers/me", 200).await?;
    assert!(page.has("#reply-mail-on[checked]"));
    assert!(app.store.reply_mail_wanted(nadia_id).await?);

    let first = comment(&nadia, id, "The crews deserved the raise.", None).await?;
    let hers = comment(&lina, id, "Fares will go up now.", None).await?;
    // Lina did not ask; Nadia answering herself mails nobody.
    comment(&omar, id, "Fares were frozen for years.", Some(hers)).await?;
    comment(&nadia, id, "And the night boats come back.", Some(first)).await?;
    let reply = comment(
        &omar,
        id,
        "Two of the crews turned down the first offer.\n\nThe third took it.",
        Some(first),
    )
    .await?;
    replies_settled(&app).await?;

    let mails = reply_mails(&app, "nadia@readers.example").await?;
    assert_eq!(mails.len(), 1, "one reply mail for Nadia: {mails:?}");
    assert!(reply_mails(&app, "lina@readers.example").await?.is_empty());
    let mail = &mails[0];
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Omar replied to your comment on Ferry strike ends")
    );
    let body = mail.body();
    assert!(body.contains("Hello Nadia,"), "{body}");
    assert!(
        body.contains("> Two of the crews turned down the first offer.\n>\n> The third took it."),
        "{body}"
    );
    assert!(
        body.contains(&format!("{}/discussion/{id}/#comment-{reply}", app.base)),
        "{body}"
    );
    let off_prefix = format!("{}/readers/replies/off?token=", app.base);
    let off = mail.link(&off_prefix).expect("a stop link");
    assert_eq!(
        mail.header("List-Unsubscribe").as_deref(),
        Some(format!("<{off}>").as_str())
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let off_path = off.strip_prefix(&app.base).expect("on the site").to_owned();

    // Opening the link changes nothing (mail scanners open links); it shows a button.
    let page = app.page(&off_path, 200).await?;
    assert!(page.has("form[method=post] button[type=submit]"));
    assert!(app.store.reply_mail_wanted(nadia_id).await?);
    // A forged token: a clear 400, nothing changed.
    let page = app
        .page("/readers/replies/off?token=cjoxMjM.AAAA", 400)
        .await?;
    assert_eq!(page.text("h1"), "This link does not work");
    // The mail client's one-click POST: no cookie, no form token, from anywhere.
    let res = app
        .client
        .post(format!("{}{off_path}", app.base))
        .header("Origin", "https://mail.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert!(!app.store.reply_mail_wanted(nadia_id).await?);
    comment(&omar, id, "One more thing about the fares.", Some(first)).await?;
    replies_settled(&app).await?;
    assert_eq!(reply_mails(&app, "nadia@readers.example").await?.len(), 1);

    // Asked again; a held reply mails when a moderator approves it, once, however often it
    // is approved.
    ask_for_replies(&nadia, true).await?;
    app.store
        .set_discussion_mode(story.id, DiscussionMode::PreModerated)
        .await?;
    let held = comment(&omar, id, "Held until a moderator reads it.", Some(first)).await?;
    replies_settled(&app).await?;
    assert_eq!(reply_mails(&app, "nadia@readers.example").await?.len(), 1);
    let editor = app.login_as(Role::Editor).await?;
    for action in ["approve", "spam", "approve"] {
        let res = editor
            .submit(&format!("/newsroom/comments/{held}/{action}"), &[])
            .await?;
        assert_eq!(res.status(), 303, "{action}");
    }
    replies_settled(&app).await?;
    let mails = reply_mails(&app, "nadia@readers.example").await?;
    assert_eq!(mails.len(), 2, "the approved reply, once: {mails:?}");
    assert!(
        mails[1]
            .body()
            .contains("> Held until a moderator reads it.")
    );

    // Turned off from the account page too.
    assert_eq!(
        ask_for_replies(&nadia, false).await?,
        "/readers/me?done=replies-off#reply-mail"
    );
    assert!(!app.store.reply_mail_wanted(nadia_id).await?);
    Ok(())
});

backend_test!(
    only_a_verified_address_can_ask_for_reply_mail,
    with_mail,
    |app| {
        let story = app.article("Harbour fees").publish().await?;
        let sami = app.reader("Sami", story.id).await?;
        let page = sami.page("/readers/me", 200).await?;
        assert!(!page.has("form.reply-mail-form"));
        assert!(
            page.text("#reply-mail + p")
                .contains("Confirm your email address")
        );
        let res = sami
            .submit("/readers/me/replies", &[("replies", "yes")])
            .await?;
        assert_eq!(res.status(), 400);
        assert!(
            res.text()
                .await?
                .contains("Confirm your email address first")
        );
        Ok(())
    }
);

backend_test!(a_site_without_mail_offers_no_reply_mail, |app| {
    let story = app.article("Harbour fees").publish().await?;
    let sami = app.reader("Sami", story.id).await?;
    let page = sami.page("/readers/me", 200).await?;
    assert!(!page.has("#reply-mail"));
    let res = sami
        .submit("/readers/me/replies", &[("replies", "yes")])
        .await?;
    assert_eq!(res.status(), 400);
    Ok(())
});
