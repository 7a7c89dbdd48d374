//! The moderation desk through HTTP (issue 17) and featured comments as readers see them
//! (issues 17, 18): the tabs' counts and contents, the story, reader and text filters, order and
//! pages, each comment's context, reasons and reader history, single and bulk actions (all or
//! nothing), undo from the banner, the log, the shortcut preference, the new-comments count,
//! feature and unfeature reaching the cached discussion, and who may do any of it (roles and
//! form tokens).

use crate::*;
use dateline_core::discussion::{CommentStatus, DiscussionRules};
use dateline_core::permissions::Role;
use dateline_core::{CommentId, ReaderId};
use dateline_store::NewComment;
use dateline_testkit::Browser;

/// Post as a reader, insisting on a 303; the new comment's id.
async fn comment(
    b: &Browser,
    article: i64,
    body: &str,
    parent: Option<i64>,
) -> anyhow::Result<i64> {
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    let res = b
        .submit(
            &format!("/discussion/{article}/comments"),
            &[("body", body), ("parent", &parent)],
        )
        .await?;
    let to = location(&res);
    anyhow::ensure!(res.status() == 303, "posting: {}", res.status());
    to.rsplit_once("#comment-")
        .and_then(|(_, id)| id.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no comment id in {to}"))
}

/// The reader id of a comment.
async fn author_of(app: &TestApp, comment: i64) -> anyhow::Result<i64> {
    Ok(app.store.comment(CommentId(comment)).await?.reader_id.0)
}

/// The comment ids listed on a desk page, in order.
fn listed(page: &Page) -> Vec<i64> {
    page.attrs("li.mod-item", "data-comment")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// A tab's count as its link shows it.
fn count(page: &Page, tab: &str) -> String {
    page.text(&format!("a.mod-tab[data-tab={tab}] .mod-count"))
}

/// Rules that hold a comment with "sprocket" in it and let a reader post quickly.
async fn rules(app: &TestApp) -> anyhow::Result<()> {
    app.store
        .save_discussion_rules(&DiscussionRules {
            suspect_words: vec!["sprocket".to_owned()],
            per_reader_per_minute: 1000,
            per_address_per_minute: 1000,
            ..DiscussionRules::default()
        })
        .await?;
    Ok(())
}

backend_test!(desk_tabs_count_filter_order_and_page, |app| {
    rules(&app).await?;
    let talks = app.article("Talks reopen").publish().await?;
    let budget = app.article("Budget day").publish().await?;
    let nadia = app.reader("Nadia", talks.id).await?;
    let omar = app.reader("Omar", talks.id).await?;
    let fine = comment(&omar, talks.id.0, "A fine point about the talks.", None).await?;
    let money = comment(&omar, budget.id.0, "The BUDGET is late again.", None).await?;
    // A reply held by a rule: its context is the comment it answers.
    let held = comment(&nadia, talks.id.0, "A sprocket of a reply.", Some(fine)).await?;
    let res = nadia
        .submit(
            &format!("/comments/{fine}/report"),
            &[("reason", "Off topic")],
        )
        .await?;
    assert_eq!(res.status(), 303);

    let moderator = app.login_as(Role::Moderator).await?;
    let desk = moderator.page("/newsroom/comments", 200).await?;
    let counts: Vec<String> = ["pending", "reported", "unmoderated", "approved", "rejected"]
        .iter()
        .map(|t| count(&desk, t))
        .collect();
    assert_eq!(counts, ["1", "1", "2", "0", "0"]);
    assert_eq!(
        desk.attr("a.mod-tab[aria-current=page]", "data-tab"),
        "pending"
    );
    assert_eq!(listed(&desk), [held]);
    let item = format!("#mod-{held}");
    assert!(desk.text(&format!("{item} .mod-flag")).contains("sprocket"));
    assert_eq!(desk.text(&format!("{item} .mod-story")), "Talks reopen");
    assert!(
        desk.text(&format!("{item} .mod-context"))
            .contains("A fine point about the talks."),
        "{}",
        desk.text(&format!("{item} .mod-context"))
    );
    assert!(
        desk.text(&format!("{item} .mod-context-label"))
            .contains("Omar")
    );
    // A new reader, and their history one click away.
    assert!(
        desk.text(&format!("{item} .mod-new-reader"))
            .contains("new reader")
    );
    assert_eq!(desk.text(&format!("{item} .mod-history-comments")), "1");
    assert_eq!(desk.text(&format!("{item} .mod-history-rejected")), "0");
    assert_eq!(desk.text(&format!("{item} .mod-history-bans")), "0");
    // Reject reasons are short labels, never the standards' Markdown.
    let reasons = desk.texts(&format!("{item} button.mod-reason"));
    assert!(reasons.contains(&"Be civil".to_owned()), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| r.chars().count() <= 40 && !r.contains('*'))
    );

    let reported = moderator
        .page("/newsroom/comments?tab=reported", 200)
        .await?;
    assert_eq!(listed(&reported), [fine]);
    assert_eq!(
        reported.text(&format!("#mod-{fine} .mod-reports li")),
        "Off topic"
    );
    assert!(
        reported
            .text(&format!("#mod-{fine} .mod-reports"))
            .contains("once")
    );

    // Unmoderated: newest first by default, oldest first on request.
    let unmoderated = moderator
        .page("/newsroom/comments?tab=unmoderated", 200)
        .await?;
    assert_eq!(listed(&unmoderated), [money, fine]);
    let oldest = moderator
        .page("/newsroom/comments?tab=unmoderated&sort=oldest", 200)
        .await?;
    assert_eq!(listed(&oldest), [fine, money]);
    // By story (the tabs count under the filter too), by reader, by words in any case.
    let by_story = moderator
        .page(
            &format!("/newsroom/comments?tab=unmoderated&story={}", budget.id),
            200,
        )
        .await?;
    assert_eq!(listed(&by_story), [money]);
    assert_eq!(count(&by_story, "pending"), "0");
    assert!(by_story.text(".mod-chips").contains("Budget day"));
    let nadia_id = author_of(&app, held).await?;
    let by_reader = moderator
        .page(
            &format!("/newsroom/comments?tab=pending&reader={nadia_id}"),
            200,
        )
        .await?;
    assert_eq!(listed(&by_reader), [held]);
    assert!(by_reader.text(".mod-chips").contains("Nadia"));
    let by_text = moderator
        .page("/newsroom/comments?tab=unmoderated&q=budget", 200)
        .await?;
    assert_eq!(listed(&by_text), [money]);
    // LIKE's own wildcards match only themselves.
    let wildcard = moderator
        .page("/newsroom/comments?tab=unmoderated&q=%25", 200)
        .await?;
    assert!(listed(&wildcard).is_empty());
    assert!(wildcard.has(".mod-empty"));
    // Bad input: a sentence naming the field.
    let res = moderator.get("/newsroom/comments?story=abc").await?;
    assert_eq!(res.status(), 400);
    assert!(res.text().await?.contains("The story must be a number"));
    // An unknown tab is the default one, not an error.
    let odd = moderator
        .page("/newsroom/comments?tab=nonsense", 200)
        .await?;
    assert_eq!(
        odd.attr("a.mod-tab[aria-current=page]", "data-tab"),
        "pending"
    );

    // Pages of 20.
    let reader = ReaderId(author_of(&app, money).await?);
    for n in 0..21 {
        app.store
            .add_comment(
                NewComment {
                    article_id: budget.id,
                    reader_id: reader,
                    parent_id: None,
                    body: format!("Comment number {n}"),
                    status: CommentStatus::Published,
                    flag: String::new(),
                    ip: String::new(),
                },
                app.clock.now(),
            )
            .await?;
    }
    let first = moderator
        .page("/newsroom/comments?tab=unmoderated", 200)
        .await?;
    assert_eq!(count(&first, "unmoderated"), "23");
    assert_eq!(listed(&first).len(), 20);
    let next = first.attr(".mod-pager a[rel=next]", "href");
    assert_eq!(next, "/newsroom/comments?tab=unmoderated&page=2");
    let second = moderator.page(&next, 200).await?;
    // 23 newest first: the 20 newest, then the oldest of the 21 and the two from before.
    let second = listed(&second);
    assert_eq!(second.len(), 3, "{second:?}");
    assert_eq!(second[1..], [money, fine]);
    // A page past the end shows the last one.
    let past = moderator
        .page("/newsroom/comments?tab=unmoderated&page=9", 200)
        .await?;
    assert_eq!(listed(&past)[1..], [money, fine]);
    Ok(())
});

backend_test!(bulk_actions_are_all_or_nothing_logged_and_undone, |app| {
    rules(&app).await?;
    let a = app.article("Talks reopen").publish().await?;
    let nadia = app.reader("Nadia", a.id).await?;
    let omar = app.reader("Omar", a.id).await?;
    let one = comment(&nadia, a.id.0, "First sprocket.", None).await?;
    let two = comment(&nadia, a.id.0, "Second sprocket.", None).await?;
    let three = comment(&omar, a.id.0, "Third sprocket.", None).await?;
    let published = comment(&omar, a.id.0, "Published and reported.", None).await?;
    let res = nadia
        .submit(
            &format!("/comments/{published}/report"),
            &[("reason", "Rude")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let moderator = app.login_as(Role::Moderator).await?;
    let (s1, s2, s3, sp) = (
        one.to_string(),
        two.to_string(),
        three.to_string(),
        published.to_string(),
    );

    // Refusals change nothing: no form token, nothing ticked, an unknown comment among known
    // ones, an action that does not exist, a standard that is not one.
    let res = moderator
        .post(
            "/newsroom/comments/bulk",
            &[("action", "approve"), ("ids", &s1)],
        )
        .await?;
    assert_eq!(res.status(), 403);
    let res = moderator
        .submit("/newsroom/comments/bulk", &[("action", "approve")])
        .await?;
    assert_eq!(res.status(), 400);
    assert!(res.text().await?.contains("Select at least one comment"));
    let res = moderator
        .submit(
            "/newsroom/comments/bulk",
            &[("action", "approve"), ("ids", &s1), ("ids", "999999")],
        )
        .await?;
    assert_eq!(res.status(), 404);
    let res = moderator
        .submit(
            "/newsroom/comments/bulk",
            &[("action", "delete"), ("ids", &s1)],
        )
        .await?;
    assert_eq!(res.status(), 400);
    let res = moderator
        .submit(
            "/newsroom/comments/bulk",
            &[("action", "reject"), ("ids", &s1), ("standard", "Be rude")],
        )
        .await?;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.store.comment(CommentId(one)).await?.status,
        CommentStatus::Pending
    );

    // Reject three at once, citing a standard by its label; back to the same view.
    let res = moderator
        .submit(
            "/newsroom/comments/bulk",
            &[
                ("action", "reject"),
                ("standard", "Be civil"),
                ("ids", &s1),
                ("ids", &s2),
                ("ids", &sp),
                ("back", "tab=pending&sort=oldest&bogus=1"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(
        to.starts_with("/newsroom/comments?sort=oldest&done="),
        "{to}"
    );
    let after = moderator.page(&to, 200).await?;
    assert_eq!(after.text(".mod-banner p"), "Rejected 3 comments.");
    assert_eq!(listed(&after), [three]);
    assert_eq!(count(&after, "rejected"), "3");
    assert_eq!(count(&after, "reported"), "0");
    // The author is told which standard, in words.
    let mine = nadia.page(&format!("/discussion/{}/", a.id), 200).await?;
    assert!(
        mine.text(&format!("#comment-{one} .comment-why"))
            .contains("\u{201c}Be civil\u{201d}")
    );
    // Another moderator may not undo it.
    let other = app.login_as(Role::Editor).await?;
    let batch = after.attr(".mod-undo-form input[name=batch]", "value");
    let res = other
        .submit("/newsroom/comments/undo", &[("batch", &batch)])
        .await?;
    assert_eq!(res.status(), 409);
    let theirs = other.page(&to, 200).await?;
    assert!(!theirs.has(".mod-undo"));
    // Undo without a form token: refused.
    let res = moderator
        .post("/newsroom/comments/undo", &[("batch", &batch)])
        .await?;
    assert_eq!(res.status(), 403);
    // Undo: all three as they were, the report open again.
    let res = moderator
        .submit(
            "/newsroom/comments/undo",
            &[("batch", &batch), ("back", "tab=pending")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let undone = moderator.page(&location(&res), 200).await?;
    assert!(undone.text(".mod-banner").contains("Undone"));
    assert_eq!(count(&undone, "pending"), "3");
    assert_eq!(count(&undone, "reported"), "1");
    assert_eq!(count(&undone, "rejected"), "0");
    assert_eq!(
        app.store.comment(CommentId(published)).await?.status,
        CommentStatus::Published
    );
    assert!(
        !nadia
            .page(&format!("/discussion/{}/", a.id), 200)
            .await?
            .has(&format!("#comment-{one} .comment-why"))
    );
    // Twice: nothing left to undo.
    let res = moderator
        .submit("/newsroom/comments/undo", &[("batch", &batch)])
        .await?;
    assert_eq!(res.status(), 409);

    // Approve two; one comment approved on its own button, and the later action guards the
    // earlier one's undo.
    let res = moderator
        .submit(
            "/newsroom/comments/bulk",
            &[("action", "approve"), ("ids", &s1), ("ids", &s3)],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let approved_batch = location(&res)
        .rsplit_once("done=")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    let res = moderator
        .submit(&format!("/newsroom/comments/{one}/spam"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    let res = moderator
        .submit("/newsroom/comments/undo", &[("batch", &approved_batch)])
        .await?;
    assert_eq!(res.status(), 409);
    assert!(res.text().await?.contains("acted on it since"));
    let desk = moderator
        .page("/newsroom/comments?tab=approved", 200)
        .await?;
    assert_eq!(listed(&desk), [three]);
    assert!(
        moderator
            .page("/newsroom/comments?tab=unmoderated", 200)
            .await?
            .has(&format!("#mod-{published}"))
    );
    // A published comment a moderator approved leaves Unmoderated for Approved.
    let res = moderator
        .submit(&format!("/newsroom/comments/{published}/approve"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    let desk = moderator
        .page("/newsroom/comments?tab=approved", 200)
        .await?;
    assert_eq!(listed(&desk), [published, three]);
    // What is approved already is not offered for approval again, one by one or in bulk;
    // rejecting stays possible.
    assert!(!desk.has(&format!("#mod-{published} form[action$='/approve']")));
    assert!(desk.has(&format!("#mod-{published} form[action$='/reject']")));
    assert!(!desk.has("#mod-bulk button[value=approve]"));
    assert!(desk.has("#mod-bulk button[value=reject]"));
    let pending = moderator.page("/newsroom/comments", 200).await?;
    if !listed(&pending).is_empty() {
        assert!(pending.has("#mod-bulk button[value=approve]"));
    }

    // Ban from the desk, undone from its banner.
    let omar_id = author_of(&app, three).await?;
    let res = moderator
        .submit(
            &format!("/newsroom/readers/{omar_id}/ban"),
            &[("duration", "forever")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let banned = moderator.page(&location(&res), 200).await?;
    assert_eq!(banned.text(".mod-banner p"), "Banned the reader.");
    assert!(app.store.reader(ReaderId(omar_id)).await?.ban.forever);
    let batch = banned.attr(".mod-undo-form input[name=batch]", "value");
    let res = moderator
        .submit("/newsroom/comments/undo", &[("batch", &batch)])
        .await?;
    assert_eq!(res.status(), 303);
    assert!(!app.store.reader(ReaderId(omar_id)).await?.ban.forever);

    // Every action is in the log, the undos too.
    let log = moderator.page("/newsroom/comments/log", 200).await?;
    let actions = log.texts(".mod-log tbody td:nth-child(3)");
    assert_eq!(
        actions,
        [
            "undo", "ban", "approve", "spam", "approve", "approve", "undo", "undo", "undo",
            "reject", "reject", "reject"
        ]
    );
    Ok(())
});

backend_test!(featured_comments_come_first_for_readers, |app| {
    rules(&app).await?;
    let a = app.article("Talks reopen").publish().await?;
    let id = a.id.0;
    let nadia = app.reader("Nadia", a.id).await?;
    let first = comment(&nadia, id, "An early comment.", None).await?;
    let good = comment(&nadia, id, "A comment worth reading first.", None).await?;
    let held = comment(&nadia, id, "A sprocket, held.", None).await?;
    // Anonymous readers' view is cached: featuring must drop it.
    let before = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert!(!before.has(".comment-featured"));
    let path = app.path_of(&a).await?;
    let story = app.page(&path, 200).await?;
    assert!(!story.has(".comment-featured"));

    // Who may feature: not an author; not without the form token; not a held comment.
    let author = app.login_as(Role::Author).await?;
    let res = author
        .submit(&format!("/newsroom/comments/{good}/feature"), &[])
        .await?;
    assert_eq!(res.status(), 403);
    let moderator = app.login_as(Role::Moderator).await?;
    let res = moderator
        .post(&format!("/newsroom/comments/{good}/feature"), &[])
        .await?;
    assert_eq!(res.status(), 403);
    let res = moderator
        .submit(&format!("/newsroom/comments/{held}/feature"), &[])
        .await?;
    assert_eq!(res.status(), 409);
    assert!(res.text().await?.contains("not published"));

    let res = moderator
        .submit(&format!("/newsroom/comments/{good}/feature"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    let desk = moderator.page(&location(&res), 200).await?;
    assert!(desk.text(".mod-banner p").starts_with("Featured 1 comment"));
    // Readers: the Featured tab is first and chosen, with the featured comment alone.
    let page = app.page(&format!("/discussion/{id}/"), 200).await?;
    let tabs = page.texts(".discussion-sort a");
    assert_eq!(
        tabs,
        ["Featured (1)", "Oldest", "Newest", "Most recommended"]
    );
    assert_eq!(
        page.text(".discussion-sort a[aria-current=true]"),
        "Featured (1)"
    );
    assert_eq!(page.attrs("li.comment", "id"), [format!("comment-{good}")]);
    assert_eq!(
        page.text(&format!("#comment-{good} .comment-featured")),
        "Featured"
    );
    // The other orders still hold every comment, the featured one marked.
    // With a Featured tab chosen by default, "Oldest" must say so in its address.
    assert_eq!(
        page.attr(".discussion-sort li:nth-child(2) a", "href"),
        format!("/discussion/{id}/?sort=oldest")
    );
    let all = app
        .page(&format!("/discussion/{id}/?sort=oldest"), 200)
        .await?;
    assert_eq!(
        all.attrs("li.comment", "id"),
        [format!("comment-{first}"), format!("comment-{good}")]
    );
    assert!(all.has(&format!("#comment-{good}.comment-is-featured")));
    // The story page's discussion too, without script, once its 10-second lag has passed.
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(1));
    let story = app.page(&path, 200).await?;
    assert!(story.has(&format!("#comment-{good} .comment-featured")));

    // A reader who posts under a Featured tab is sent to a view that shows what they wrote.
    let res = nadia
        .submit(
            &format!("/discussion/{id}/comments"),
            &[("body", "Posted under the featured one."), ("parent", "")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.contains("sort=newest&done=posted#comment-"), "{to}");
    let posted: i64 = to
        .rsplit_once("#comment-")
        .map_or(0, |(_, n)| n.parse().unwrap_or(0));
    let shown = nadia.page(&to, 200).await?;
    assert!(shown.has(&format!("#comment-{posted}.comment-mine")));

    let res = moderator
        .submit(&format!("/newsroom/comments/{good}/unfeature"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    let page = app.page(&format!("/discussion/{id}/"), 200).await?;
    assert_eq!(
        page.texts(".discussion-sort a"),
        ["Oldest", "Newest", "Most recommended"]
    );
    assert!(!page.has(".comment-featured"));
    let log = moderator.page("/newsroom/comments/log", 200).await?;
    assert_eq!(
        log.texts(".mod-log tbody td:nth-child(3)"),
        ["unfeature", "feature"]
    );
    Ok(())
});

backend_test!(desk_permissions_shortcuts_and_new_count, |app| {
    rules(&app).await?;
    let a = app.article("Talks reopen").publish().await?;
    let author = app.login_as(Role::Author).await?;
    for path in ["/newsroom/comments", "/newsroom/comments/new"] {
        assert_eq!(author.get(path).await?.status(), 403, "{path}");
    }
    for path in [
        "/newsroom/comments/bulk",
        "/newsroom/comments/undo",
        "/newsroom/comments/shortcuts",
    ] {
        assert_eq!(author.submit(path, &[]).await?.status(), 403, "{path}");
    }
    let anonymous = app.browser();
    let res = anonymous.get("/newsroom/comments").await?;
    assert_ne!(res.status(), 200);

    // Shortcuts: on until a person turns them off, for that person only.
    let moderator = app.login_as(Role::Moderator).await?;
    let desk = moderator.page("/newsroom/comments", 200).await?;
    assert_eq!(desk.attr("[data-moderation-queue]", "data-shortcuts"), "on");
    assert!(desk.text(".mod-keys").contains("j"));
    let res = moderator
        .post("/newsroom/comments/shortcuts", &[("shortcuts", "off")])
        .await?;
    assert_eq!(res.status(), 403);
    let res = moderator
        .submit("/newsroom/comments/shortcuts", &[("shortcuts", "maybe")])
        .await?;
    assert_eq!(res.status(), 400);
    let res = moderator
        .submit(
            "/newsroom/comments/shortcuts",
            &[("shortcuts", "off"), ("back", "tab=rejected")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/newsroom/comments?tab=rejected&shortcuts=off"
    );
    let desk = moderator.page(&location(&res), 200).await?;
    assert_eq!(
        desk.attr("[data-moderation-queue]", "data-shortcuts"),
        "off"
    );
    assert!(desk.text(".mod-keys summary").contains("off"));
    let editor = app.login_as(Role::Editor).await?;
    let theirs = editor.page("/newsroom/comments", 200).await?;
    assert_eq!(
        theirs.attr("[data-moderation-queue]", "data-shortcuts"),
        "on"
    );

    // New comments since the page was drawn, per tab.
    let latest = desk.attr("[data-moderation-queue]", "data-latest");
    let new_href = desk.attr("[data-moderation-queue]", "data-new-href");
    assert_eq!(new_href, "/newsroom/comments/new?tab=rejected");
    let nadia = app.reader("Nadia", a.id).await?;
    comment(&nadia, a.id.0, "A sprocket.", None).await?;
    comment(&nadia, a.id.0, "Another sprocket.", None).await?;
    let res = moderator
        .get(&format!("/newsroom/comments/new?after={latest}"))
        .await?;
    assert_eq!(res.status(), 200);
    let cache = res
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(cache.starts_with("no-store"), "{cache}");
    let json: serde_json::Value = res.json().await?;
    assert_eq!(json["new"], 2);
    let json: serde_json::Value = moderator
        .get(&format!(
            "/newsroom/comments/new?tab=rejected&after={latest}"
        ))
        .await?
        .json()
        .await?;
    assert_eq!(json["new"], 0);
    // 0 (a site with no comment yet) counts every comment; what is not a whole number of zero
    // or more is refused.
    let json: serde_json::Value = moderator
        .get("/newsroom/comments/new?after=0")
        .await?
        .json()
        .await?;
    assert!(json["new"].as_i64().unwrap_or_default() >= 2, "{json}");
    for bad in ["x", "-1", "1.5"] {
        let res = moderator
            .get(&format!("/newsroom/comments/new?after={bad}"))
            .await?;
        assert_eq!(res.status(), 400, "after={bad}");
    }
    Ok(())
});
