//! Reader discussion through HTTP (issue 4): reader accounts, posting and threading, sorting
//! and pages, the edit window (moving the test clock), delete, recommend, report, discussion
//! modes, rules and rate limits, bans, moderation with its log and dashboard counts, the page
//! cache keeping the article page while readers post, and an XSS corpus posted as comments and
//! display names, checked by parsing the rendered HTML.

use crate::*;
use dateline_core::discussion::DiscussionRules;
use dateline_core::permissions::Role;
use dateline_testkit::{Browser, TEST_PASSWORD};

async fn post(
    b: &Browser,
    article: i64,
    body: &str,
    parent: Option<i64>,
) -> anyhow::Result<reqwest::Response> {
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    b.submit(
        &format!("/discussion/{article}/comments"),
        &[("body", body), ("parent", &parent)],
    )
    .await
}

/// Post, insisting on a 303; the new comment's id.
async fn comment(
    b: &Browser,
    article: i64,
    body: &str,
    parent: Option<i64>,
) -> anyhow::Result<i64> {
    let res = post(b, article, body, parent).await?;
    let status = res.status();
    let to = location(&res);
    anyhow::ensure!(status == 303, "posting: {status}\n{}", res.text().await?);
    let id = to
        .rsplit_once("#comment-")
        .and_then(|(_, id)| id.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no comment id in {to}"))?;
    Ok(id)
}

async fn status_text(res: reqwest::Response) -> anyhow::Result<(u16, String)> {
    let s = res.status().as_u16();
    Ok((s, res.text().await?))
}

backend_test!(readers_register_sign_in_and_out, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let anon = app.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(anon.has("a.comment-via[href^='/readers/sign-in']"));
    assert!(!anon.has("form.comment-form"));
    assert!(anon.has("a[href='/community-standards/']"));

    let b = app.browser();
    // Bad input: a clear 400 with the form again, no account.
    let res = b
        .register_reader("", "x@readers.example", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 400);
    let res = b
        .register_reader("Nadia", "not an email", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 400);
    let res = b
        .register_reader("Nadia", "nadia@readers.example", "short")
        .await?;
    assert_eq!(res.status(), 400);
    // No form token: refused.
    let res = app
        .browser()
        .post(
            "/readers/register",
            &[
                ("name", "X"),
                ("email", "x@r.example"),
                ("password", TEST_PASSWORD),
            ],
        )
        .await?;
    assert_eq!(res.status(), 403);

    let res = b
        .register_reader("Nadia", "Nadia@Readers.example", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 303);
    let set = b
        .last_set_cookies
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    let cookie = set
        .iter()
        .find(|c| c.starts_with("dateline_reader="))
        .expect("a session");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let page = b.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(page.has("form.comment-form"));
    assert!(page.text(".reader-sign-out").contains("Nadia"));
    // A reader session opens nothing in the newsroom.
    let res = b.get("/newsroom/").await?;
    assert_eq!(res.status(), 303);
    // The same email again, in another case: refused with a sentence.
    let res = app
        .browser()
        .register_reader("Other", "nadia@readers.example", TEST_PASSWORD)
        .await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 400);
    assert!(body.contains("already exists"));

    let csrf = page.attr("form.reader-sign-out input[name=csrf]", "value");
    let res = b
        .post("/readers/sign-out", &[("csrf", &csrf), ("next", "/")])
        .await?;
    assert_eq!(res.status(), 303);
    assert!(b.cookie("dateline_reader").is_none());

    let c = app.browser();
    let res = c
        .sign_in_reader("nadia@readers.example", "wrong password!")
        .await?;
    assert_eq!(res.status(), 401);
    let res = c
        .sign_in_reader("nadia@readers.example", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 303);
    // Throttled after repeated failures, with a clear 429.
    let d = app.browser();
    for _ in 0..5 {
        d.sign_in_reader("nadia@readers.example", "wrong password!")
            .await?;
    }
    let res = d
        .sign_in_reader("nadia@readers.example", TEST_PASSWORD)
        .await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 429);
    assert!(body.contains("try again in"));
    Ok(())
});

backend_test!(comments_thread_sort_page_and_count, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let id = a.id.0;
    let nadia = app.reader("Nadia", a.id).await?;
    let omar = app.reader("Omar", a.id).await?;
    let first = comment(
        &nadia,
        id,
        "First thoughts.\n\nSee https://example.com/report.",
        None,
    )
    .await?;
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(1));
    let reply = comment(&omar, id, "I disagree.", Some(first)).await?;
    let deep = comment(&nadia, id, "Why?", Some(reply)).await?;
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(1));
    let second = comment(&omar, id, "Another point.", None).await?;
    // Recommend the second top-level comment.
    let res = nadia
        .submit(&format!("/comments/{second}/recommend"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    // Not one's own, and only once.
    let res = omar
        .submit(&format!("/comments/{second}/recommend"), &[])
        .await?;
    assert_eq!(res.status(), 400);
    nadia
        .submit(&format!("/comments/{second}/recommend"), &[])
        .await?;
    assert_eq!(
        app.store
            .comment(dateline_core::CommentId(second))
            .await?
            .recommends,
        1
    );

    let page = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert_eq!(page.text(".discussion-count"), "(4 comments)");
    // Threads: the reply under its parent, the reply to the reply under that.
    assert!(page.has(&format!(
        "#comment-{first} > ol.replies > #comment-{reply} > ol.replies > #comment-{deep}"
    )));
    let order: Vec<String> = page.attrs("ol.comments > li.comment", "id");
    assert_eq!(
        order,
        [format!("comment-{first}"), format!("comment-{second}")]
    );
    let newest = app
        .page(&format!("/discussion/{id}/?sort=newest"), 200)
        .await?;
    assert_eq!(
        newest.attrs("ol.comments > li.comment", "id"),
        [format!("comment-{second}"), format!("comment-{first}")]
    );
    let top = app
        .page(&format!("/discussion/{id}/?sort=recommended"), 200)
        .await?;
    assert_eq!(
        top.attrs("ol.comments > li.comment", "id")[0],
        format!("comment-{second}")
    );
    // Paragraphs and a safe link.
    let body = format!("#comment-{first} > .comment-body");
    assert_eq!(page.all(&format!("{body} > p")).len(), 2);
    assert_eq!(
        page.attr(&format!("{body} a"), "rel"),
        "nofollow ugc noopener"
    );
    assert_eq!(
        page.attr(&format!("{body} a"), "href"),
        "https://example.com/report"
    );

    // Pages of top-level threads.
    let rules = DiscussionRules {
        per_page: 1,
        ..DiscussionRules::default()
    };
    app.store.save_discussion_rules(&rules).await?;
    app.state.discussion.changed(id);
    let p1 = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert_eq!(p1.all("ol.comments > li.comment").len(), 1);
    assert_eq!(
        p1.attr("a[rel=next]", "href"),
        format!("/discussion/{id}/?page=2")
    );
    let p2 = app.page(&format!("/discussion/{id}/?page=2"), 200).await?;
    assert_eq!(
        p2.attrs("ol.comments > li.comment", "id"),
        [format!("comment-{second}")]
    );
    app.page(&format!("/discussion/{id}/?page=9"), 400).await?;
    app.page(&format!("/discussion/{id}/?page=x"), 400).await?;
    app.page("/discussion/999999/", 404).await?;
    app.page("/discussion/abc/", 404).await?;
    // The fragment for the article page's script.
    let frag = app
        .get(&format!("/discussion/{id}/?fragment=1"))
        .await?
        .text()
        .await?;
    assert!(
        frag.trim_start()
            .starts_with("<section class=\"discussion\""),
        "{frag}"
    );
    // A reply to a comment of another story is refused.
    let b = app.article("Other story").publish().await?;
    let res = post(&nadia, b.id.0, "Cross-thread", Some(first)).await?;
    assert_eq!(res.status(), 400);
    Ok(())
});

backend_test!(posting_a_comment_drops_only_its_story_page, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let other = app.article("Harbour plan").publish().await?;
    let path = app.path_of(&a).await?;
    let other_path = app.path_of(&other).await?;
    let nadia = app.reader("Nadia", a.id).await?;
    // The story page carries its discussion's first page, so it reads without script.
    let story = app.page(&path, 200).await?;
    assert_eq!(
        story.text("#discussion-slot .discussion-count"),
        "(0 comments)"
    );
    assert_eq!(story.text("a.comment-count"), "0 comments");
    assert_eq!(story.attr("a.comment-count", "href"), "#discussion");
    let last_modified = |res: &reqwest::Response| res.headers().get("last-modified").cloned();
    // The related-list worker ranks new stories in the background, and a kept list rightly
    // drops the pages showing its story (the front among them): let it finish first, as it
    // long has on a running site, so that only the comment could drop a page below.
    for story in [a.id, other.id] {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while app.store.related_list(story).await?.is_none() {
            anyhow::ensure!(
                std::time::Instant::now() < until,
                "no related list for {story} within 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let generation = app.store.generation();
    let front = last_modified(&app.get("/").await?);
    let other_page = last_modified(&app.get(&other_path).await?);
    // Later: a re-render would carry a new Last-Modified.
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(5));
    let c = comment(
        &nadia,
        a.id.0,
        "Posting must drop this story's page and nothing else.",
        None,
    )
    .await?;
    // Comments are no store change: the front and the other story stay cached.
    assert_eq!(app.store.generation(), generation);
    assert_eq!(last_modified(&app.get("/").await?), front);
    assert_eq!(last_modified(&app.get(&other_path).await?), other_page);
    // The story page shows the comment at once, then is cached again.
    let story = app.page(&path, 200).await?;
    assert_eq!(story.text("a.comment-count"), "1 comment");
    assert_eq!(
        story.text("#discussion-slot .discussion-count"),
        "(1 comment)"
    );
    assert!(story.has(&format!("#discussion-slot #comment-{c}")));
    let again = last_modified(&app.get(&path).await?);
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(5));
    assert_eq!(last_modified(&app.get(&path).await?), again, "not kept");
    // A busy discussion costs its story at most one render per DISCUSSION_LAG: a comment
    // within it waits for the next one (the discussion's own page has it at once).
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(5));
    comment(&nadia, a.id.0, "A second thought.", None).await?;
    let rendered = app.clock.now();
    let story = app.page(&path, 200).await?;
    assert_eq!(story.text("a.comment-count"), "2 comments");
    let third = comment(&nadia, a.id.0, "A third, moments later.", None).await?;
    app.clock.set(rendered + SignedDuration::from_secs(5));
    assert_eq!(
        app.page(&path, 200).await?.text("a.comment-count"),
        "2 comments"
    );
    let page = app.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(page.has(&format!("#comment-{third}")));
    app.clock
        .set(rendered + dateline_web::cache::DISCUSSION_LAG);
    assert_eq!(
        app.page(&path, 200).await?.text("a.comment-count"),
        "3 comments"
    );
    // Moderating drops it too, and only it.
    let editor = app.login_as(Role::Moderator).await?;
    editor
        .submit(&format!("/newsroom/comments/{c}/spam"), &[])
        .await?;
    assert_eq!(last_modified(&app.get("/").await?), front);
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(5));
    let story = app.page(&path, 200).await?;
    assert_eq!(story.text("a.comment-count"), "2 comments");
    assert!(!story.has(&format!("#comment-{c}")));
    // The discussion itself follows at once (its own per-story cache was dropped).
    let page = app.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert_eq!(page.text(".discussion-count"), "(2 comments)");
    Ok(())
});

backend_test!(edit_window_delete_and_report, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let id = a.id.0;
    let nadia = app.reader("Nadia", a.id).await?;
    let omar = app.reader("Omar", a.id).await?;
    let c = comment(&nadia, id, "Frist!", None).await?;
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(4));
    let mine = nadia.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(mine.has(&format!("#comment-{c} details.comment-edit")));
    let res = nadia
        .submit(&format!("/comments/{c}/edit"), &[("body", "First!")])
        .await?;
    assert_eq!(res.status(), 303);
    let page = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert_eq!(page.text(&format!("#comment-{c} .comment-body")), "First!");
    assert_eq!(
        page.text(&format!("#comment-{c} .comment-edited")),
        "edited"
    );
    // Someone else's comment: no.
    let res = omar
        .submit(&format!("/comments/{c}/edit"), &[("body", "Hijacked")])
        .await?;
    assert_eq!(res.status(), 403);
    // Past the window (5 minutes by default): refused with the reason.
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(2));
    let res = nadia
        .submit(&format!("/comments/{c}/edit"), &[("body", "Too late")])
        .await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 403);
    assert!(body.contains("5 minutes"));
    // Report: a reason is needed, then it reaches the queue with its reason.
    let res = omar
        .submit(&format!("/comments/{c}/report"), &[("reason", "")])
        .await?;
    assert_eq!(res.status(), 400);
    let res = omar
        .submit(&format!("/comments/{c}/report"), &[("reason", "Off topic")])
        .await?;
    assert_eq!(res.status(), 303);
    let moderator = app.login_as(Role::Moderator).await?;
    let queue = moderator
        .page("/newsroom/comments?tab=reported", 200)
        .await?;
    assert_eq!(
        queue.text(&format!("#mod-{c} .mod-reports li")),
        "Off topic"
    );
    assert_eq!(queue.text("a.mod-tab[data-tab=reported] .mod-count"), "1");
    // Delete one's own: its replies would stay; this one has none, so it goes.
    let res = omar.submit(&format!("/comments/{c}/delete"), &[]).await?;
    assert_eq!(res.status(), 403);
    let res = nadia.submit(&format!("/comments/{c}/delete"), &[]).await?;
    assert_eq!(res.status(), 303);
    let page = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(!page.has(&format!("#comment-{c}")));
    assert_eq!(page.text(".discussion-count"), "(0 comments)");
    // No form token: refused.
    let res = nadia
        .post(&format!("/discussion/{id}/comments"), &[("body", "x")])
        .await?;
    assert_eq!(res.status(), 403);
    Ok(())
});

backend_test!(modes_rules_and_rate_limits, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let id = a.id.0;
    app.store
        .save_discussion_rules(&DiscussionRules {
            banned_words: vec!["scum".into()],
            suspect_words: vec!["casino".into()],
            max_links: 1,
            per_reader_per_minute: 3,
            ..DiscussionRules::default()
        })
        .await?;
    let nadia = app.reader("Nadia", a.id).await?;
    // Banned word: refused, and its author sees why.
    let c = comment(&nadia, id, "You scum.", None).await?;
    let mine = nadia.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(
        mine.text(&format!("#comment-{c} .comment-why"))
            .contains("does not allow")
    );
    assert!(
        !app.page(&format!("/discussion/{id}/"), 200)
            .await?
            .has(&format!("#comment-{c}"))
    );
    // Suspect word and too many links: held.
    let h1 = comment(&nadia, id, "Visit my casino", None).await?;
    let h2 = comment(&nadia, id, "http://a.example http://b.example", None).await?;
    let mine = nadia.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(
        mine.has(&format!("#comment-{h1}.comment-held"))
            && mine.has(&format!("#comment-{h2}.comment-held"))
    );
    // Rate limit: the fourth comment in a minute is 429 with a sentence.
    let res = post(&nadia, id, "Fourth", None).await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 429);
    assert!(body.contains("too quickly"), "{body}");
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(2));
    comment(&nadia, id, "A fine comment.", None).await?;
    // Duplicate.
    let res = post(&nadia, id, "A fine comment.", None).await?;
    assert_eq!(res.status(), 400);
    // Empty and too long: 400.
    assert_eq!(post(&nadia, id, "   ", None).await?.status(), 400);
    assert_eq!(
        post(&nadia, id, &"x".repeat(5001), None).await?.status(),
        400
    );

    // Pre-moderated: held; closed: refused, existing comments still shown.
    app.store
        .set_discussion_mode(a.id, dateline_core::article::DiscussionMode::PreModerated)
        .await?;
    app.state.discussion.changed(id);
    let held = comment(&nadia, id, "Held for a moderator.", None).await?;
    assert_eq!(
        app.store
            .comment(dateline_core::CommentId(held))
            .await?
            .status
            .as_str(),
        "pending"
    );
    let moderator = app.login_as(Role::Moderator).await?;
    let res = moderator
        .submit(
            &format!("/newsroom/articles/{id}/discussion"),
            &[("mode", "closed")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let res = post(&nadia, id, "Still here?", None).await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 403);
    assert!(body.contains("closed"));
    let page = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(page.has(".discussion-closed"));
    assert_eq!(page.text(".discussion-count"), "(1 comment)");
    Ok(())
});

backend_test!(moderation_queue_actions_bans_and_log, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let id = a.id.0;
    app.store
        .save_discussion_rules(&DiscussionRules {
            hold_first: 1,
            ..DiscussionRules::default()
        })
        .await?;
    let nadia = app.reader("Nadia", a.id).await?;
    let held = comment(&nadia, id, "My first comment.", None).await?;
    // Not visible to others until approved.
    assert!(
        !app.page(&format!("/discussion/{id}/"), 200)
            .await?
            .has(&format!("#comment-{held}"))
    );
    // Readers and desk roles without the right cannot moderate.
    let author = app.login_as(Role::Author).await?;
    assert_eq!(author.get("/newsroom/comments").await?.status(), 403);
    assert_eq!(
        author
            .submit(&format!("/newsroom/comments/{held}/approve"), &[])
            .await?
            .status(),
        403
    );

    let moderator = app.login_as(Role::Moderator).await?;
    let dash = moderator.page("/newsroom/", 200).await?;
    assert!(dash.text(".nr-comments-counts").contains("1 held"));
    // The new-comment notice counts the last day's comments, held or not.
    assert!(
        dash.text(".nr-comments-counts")
            .contains("1 new in the last 24 hours"),
        "{}",
        dash.text(".nr-comments-counts")
    );
    app.clock
        .set(app.clock.now() + SignedDuration::from_hours(25));
    let later = moderator.page("/newsroom/", 200).await?;
    assert!(
        later
            .text(".nr-comments-counts")
            .contains("0 new in the last 24 hours")
    );
    app.clock
        .set(app.clock.now() - SignedDuration::from_hours(25));
    let queue = moderator.page("/newsroom/comments", 200).await?;
    assert!(
        queue
            .text(&format!("#mod-{held} .mod-flag"))
            .contains("first comments")
    );
    let res = moderator
        .submit(&format!("/newsroom/comments/{held}/approve"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    assert!(
        app.page(&format!("/discussion/{id}/"), 200)
            .await?
            .has(&format!("#comment-{held}"))
    );

    // Reject citing a standard; its author sees it.
    let bad = comment(&nadia, id, "Something uncivil.", None).await?;
    let res = moderator
        .submit(
            &format!("/newsroom/comments/{bad}/reject"),
            &[("standard", "not a standard")],
        )
        .await?;
    assert_eq!(res.status(), 400);
    let standard = "Be civil: no personal attacks, insults or threats.";
    let res = moderator
        .submit(
            &format!("/newsroom/comments/{bad}/reject"),
            &[("standard", standard)],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let mine = nadia.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(
        mine.text(&format!("#comment-{bad} .comment-why"))
            .contains("Be civil")
    );
    assert!(
        !app.page(&format!("/discussion/{id}/"), 200)
            .await?
            .has(&format!("#comment-{bad}"))
    );

    // Ban for a day: no comment, whatever session; lifted after the day.
    let res = moderator
        .submit(
            &format!(
                "/newsroom/readers/{}/ban",
                nadia_id(&app, "nadia@readers.example").await?
            ),
            &[("duration", "1d")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    // Signing in again makes no difference: the ban is on the reader.
    let again = app.browser();
    assert_eq!(
        again
            .sign_in_reader("nadia@readers.example", TEST_PASSWORD)
            .await?
            .status(),
        303
    );
    let page = again.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(
        page.text(".discussion-banned")
            .contains("may not comment until")
    );
    let csrf = page.attr("form.reader-sign-out input[name=csrf]", "value");
    let res = again
        .post(
            &format!("/discussion/{id}/comments"),
            &[("body", "Banned?"), ("csrf", &csrf)],
        )
        .await?;
    assert_eq!(res.status(), 403);
    app.clock
        .set(app.clock.now() + SignedDuration::from_hours(25));
    let res = again
        .post(
            &format!("/discussion/{id}/comments"),
            &[("body", "Back again."), ("csrf", &csrf)],
        )
        .await?;
    assert_eq!(res.status(), 303);

    // The log: who did what.
    let log = moderator.page("/newsroom/comments/log", 200).await?;
    let actions = log.texts(".mod-log tbody td:nth-child(3)");
    assert_eq!(actions, ["ban", "reject", "approve"]);
    assert!(
        log.texts(".mod-log tbody td:nth-child(2)")
            .iter()
            .all(|w| w == "Test moderator")
    );
    Ok(())
});

async fn nadia_id(app: &TestApp, email: &str) -> anyhow::Result<i64> {
    let (r, _) = app
        .store
        .reader_for_sign_in(&dateline_core::account::Email::parse(email)?)
        .await?;
    Ok(r.id.0)
}

/// Injection vectors: script tags, event handlers, `javascript:` URLs, SVG, malformed tags,
/// entities and Unicode tricks.
pub const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    "<img src=`x` onerror=`alert(1)`>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\u{FF1C}script\u{FF1E}alert(1)\u{FF1C}/script\u{FF1E}",
    "<scr\u{200B}ipt>alert(1)</script>",
    "\u{202E}<script>alert(1)</script>",
    "<img src=x onerror=\u{0061}lert(1)>",
    "https://example.com/\"onmouseover=\"alert(1)",
    "https://example.com/<script>alert(1)</script>",
    "https://example.com/'><svg onload=alert(1)>",
    "www.example.com\"><img src=x onerror=alert(1)>",
    "http://x.example/?a=<b onclick=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<link rel=import href=//evil.example>",
    "<base href=//evil.example/>",
    "<style>@import 'javascript:alert(1)'</style>",
    "<marquee onstart=alert(1)>",
    "<isindex action=javascript:alert(1) type=image>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "data:text/html,<script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}<script>alert(1)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<template><script>alert(1)</script></template>",
    "<x onclick=alert(1)>click",
];

/// Whether the parsed page holds anything that could run: a script other than the theme's own
/// files and JSON-LD, an event handler, a `javascript:`/`data:` URL anywhere; and inside the
/// discussion or the moderation queue, any element readers' text could have made (only the
/// theme's own kinds of element may appear there).
fn executable(page: &Page) -> Vec<String> {
    const ALLOWED: &[&str] = &[
        "section", "header", "h2", "p", "a", "span", "strong", "nav", "ul", "ol", "li", "time",
        "div", "br", "details", "summary", "form", "input", "textarea", "button", "label",
        "select", "option", "dl", "dt", "dd", "fieldset", "legend",
    ];
    let mut found = Vec::new();
    for el in page.all("*") {
        let v = el.value();
        let name = v.name();
        if name == "script" {
            let src = v.attr("src").unwrap_or("");
            let theme = src.starts_with("/assets/") && src.ends_with(".js");
            let ld = v.attr("type") == Some("application/ld+json");
            if !theme && !ld {
                found.push(format!("script {src:?}"));
            }
        }
        for (attr, value) in v.attrs() {
            let lower = value.trim().to_ascii_lowercase();
            if attr.starts_with("on") {
                found.push(format!("{name} {attr}"));
            }
            if matches!(
                attr,
                "href" | "src" | "action" | "formaction" | "data" | "style"
            ) && (lower.contains("javascript:")
                || lower.starts_with("data:")
                || lower.contains("vbscript:"))
            {
                found.push(format!("{name} {attr}={value:?}"));
            }
        }
    }
    for el in page.all(".discussion *, .mod-queue *") {
        let name = el.value().name();
        if !ALLOWED.contains(&name) {
            found.push(format!("element {name} in a discussion"));
        }
    }
    found
}

backend_test!(xss_corpus_never_becomes_markup, |app| {
    assert!(XSS.len() >= 50);
    let a = app.article("Talks reopen").publish().await?;
    let id = a.id.0;
    app.store
        .save_discussion_rules(&DiscussionRules {
            per_reader_per_minute: 1000,
            per_address_per_minute: 1000,
            max_links: 100,
            per_page: 500,
            ..DiscussionRules::default()
        })
        .await?;
    for (i, v) in XSS.iter().enumerate() {
        // Each vector as a display name (one account each) and as a comment. Registrations
        // are throttled per address (30 a quarter-hour): move the clock on now and then.
        if i % 25 == 24 {
            app.clock
                .set(app.clock.now() + SignedDuration::from_mins(16));
        }
        let b = app.browser();
        let name: String = v.chars().take(60).collect();
        let res = b
            .register_reader(&name, &format!("x{i}@readers.example"), TEST_PASSWORD)
            .await?;
        anyhow::ensure!(
            res.status() == 303,
            "registering vector {i}: {}",
            res.status()
        );
        let mut b = b;
        let page = b.page(&format!("/discussion/{id}/"), 200).await?;
        b.csrf = page.attr("form.reader-sign-out input[name=csrf]", "value");
        comment(&b, id, v, None).await?;
    }
    for path in [
        format!("/discussion/{id}/"),
        format!("/discussion/{id}/?fragment=1"),
    ] {
        let page = app.page(&path, 200).await?;
        assert_eq!(page.all("ol.comments > li.comment").len(), XSS.len());
        let bad = executable(&page);
        assert!(bad.is_empty(), "{path}: {bad:?}");
        // What a reader typed comes back as the same text.
        let texts = page.texts(".comment-body");
        assert!(texts.iter().any(|t| t == "<script>alert(1)</script>"));
    }
    let moderator = app.login_as(Role::Moderator).await?;
    app.store
        .save_discussion_rules(&DiscussionRules {
            hold_first: 1000,
            per_reader_per_minute: 1000,
            per_address_per_minute: 1000,
            max_links: 100,
            ..DiscussionRules::default()
        })
        .await?;
    let b = app.reader("Held Reader", a.id).await?;
    for v in XSS.iter().take(10) {
        comment(&b, id, v, None).await?;
    }
    let queue = moderator.page("/newsroom/comments", 200).await?;
    let bad = executable(&queue);
    assert!(bad.is_empty(), "queue: {bad:?}");
    Ok(())
});

backend_test!(outside_identities_refuse_what_they_cannot_check, |app| {
    let a = app.article("Talks reopen").publish().await?;
    // Nothing listens on port 9 of this machine: discovery fails.
    app.store
        .add_provider(
            "Nowhere",
            "http://127.0.0.1:9",
            "dateline-site",
            &dateline_core::secret::Secret::new("secret".to_owned()),
            app.clock.now(),
        )
        .await?;
    let page = app.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert_eq!(
        page.attr("a.comment-via-provider", "href"),
        format!("/readers/oidc/Nowhere/start?next=/discussion/{}/", a.id)
    );
    assert_eq!(page.text("a.comment-via-provider"), "Comment via Nowhere");
    let res = app.get("/readers/oidc/Nowhere/start").await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 400);
    assert!(body.contains("could not be reached"), "{body}");
    // A callback without the flow's cookie (or with a state of someone else's): refused.
    let res = app
        .get("/readers/oidc/Nowhere/callback?code=x&state=forged")
        .await?;
    let (s, body) = status_text(res).await?;
    assert_eq!(s, 400);
    assert!(body.contains("was not started here"), "{body}");
    let b = app.browser();
    b.set_cookie("dateline_oidc", Some("bm90IGpzb24"));
    assert_eq!(
        b.get("/readers/oidc/Nowhere/callback?code=x&state=y")
            .await?
            .status(),
        400
    );
    app.page("/readers/oidc/Unknown/start", 404).await?;
    Ok(())
});

backend_test!(a_ban_covers_every_identity_of_a_reader, |app| {
    let a = app.article("Talks reopen").publish().await?;
    let nadia = app.reader("Nadia", a.id).await?;
    let id = nadia_id(&app, "nadia@readers.example").await?;
    let reader = dateline_core::ReaderId(id);
    // An outside identity linked to the same reader (as "Link your … account" does).
    let provider = app
        .store
        .add_provider(
            "Elsewhere",
            "https://id.example",
            "site",
            &dateline_core::secret::Secret::new("s".to_owned()),
            app.clock.now(),
        )
        .await?;
    app.store
        .link_identity(provider.id, "subject-1", reader, app.clock.now())
        .await?;
    // A second link of the same identity to someone else is refused.
    let other = app.reader("Omar", a.id).await?;
    let omar = nadia_id(&app, "omar@readers.example").await?;
    assert!(matches!(
        app.store
            .link_identity(
                provider.id,
                "subject-1",
                dateline_core::ReaderId(omar),
                app.clock.now()
            )
            .await,
        Err(dateline_store::StoreError::Taken(_))
    ));
    drop(other);
    let moderator = app.login_as(Role::Moderator).await?;
    let res = moderator
        .submit(
            &format!("/newsroom/readers/{id}/ban"),
            &[("duration", "forever")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    // The ban ended the reader's sessions, and whichever identity signs in next finds the
    // same banned reader row.
    let res = post(&nadia, a.id.0, "Still here", None).await?;
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).starts_with("/readers/sign-in?"),
        "{}",
        location(&res)
    );
    let via_identity = app
        .store
        .reader(
            app.store
                .reader_of_identity(provider.id, "subject-1")
                .await?,
        )
        .await?;
    assert!(via_identity.ban.forever);
    assert!(
        via_identity
            .ban
            .active(app.clock.now() + SignedDuration::from_hours(24 * 365))
    );
    Ok(())
});
