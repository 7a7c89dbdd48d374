//! A reader's own account page (issue 18): `/readers/me` lists what the site holds of them and
//! their comments, deletes a comment from there, and erases the whole account: their comments
//! go, replies others wrote stay under an empty marker, and they can no longer sign in.

use crate::*;
use dateline_core::CommentId;
use dateline_testkit::TEST_PASSWORD;

/// Post a comment through the discussion's form; its id.
pub(crate) async fn comment(
    b: &dateline_testkit::Browser,
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

backend_test!(
    a_reader_sees_and_deletes_their_comments_and_account,
    |app| {
        let story = app.article("Harbour talks resume").publish().await?;
        let id = story.id.0;
        // Signed out: the page sends the reader to sign in and come back.
        let res = app.browser().get("/readers/me").await?;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/readers/sign-in?next=/readers/me");

        let nadia = app.reader("Nadia", story.id).await?;
        let omar = app.reader("Omar", story.id).await?;
        let first = comment(&nadia, id, "The pilots deserve a fair deal.", None).await?;
        let reply = comment(&omar, id, "They turned down two offers.", Some(first)).await?;
        let leaf = comment(&nadia, id, "Neither kept pace with prices.", Some(reply)).await?;
        let alone = comment(&nadia, id, "Second thought: ferries too.", None).await?;

        let page = nadia.page("/readers/me", 200).await?;
        assert_eq!(page.text("h1"), "Your account");
        assert!(
            page.text(".account-facts")
                .contains("nadia@readers.example")
        );
        assert_eq!(
            page.attrs(".own-comment", "id"),
            [
                format!("own-{alone}"),
                format!("own-{leaf}"),
                format!("own-{first}")
            ],
            "newest first, only hers"
        );
        assert_eq!(
            page.attr(&format!("#own-{first} .own-comment-story a"), "href"),
            format!("/discussion/{id}/#comment-{first}")
        );
        assert!(
            page.text(&format!("#own-{first}"))
                .contains("Harbour talks resume")
        );
        // The discussion links to the page.
        let discussion = nadia.page(&format!("/discussion/{id}/"), 200).await?;
        assert!(discussion.has(".reader-sign-out a[href='/readers/me']"));

        // One comment deleted from the list, back to the list.
        let res = nadia
            .submit(
                &format!("/comments/{alone}/delete"),
                &[("next", "/readers/me")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/readers/me?done=deleted");
        let page = nadia.page("/readers/me?done=deleted", 200).await?;
        assert_eq!(page.text(".discussion-notice"), "Your comment was deleted.");
        assert_eq!(page.all(".own-comment").len(), 2);
        // Any other `next` is ignored: back to the discussion.
        let extra = comment(&nadia, id, "One more.", None).await?;
        let res = nadia
            .submit(
                &format!("/comments/{extra}/delete"),
                &[("next", "https://elsewhere.example/")],
            )
            .await?;
        assert!(location(&res).starts_with(&format!("/discussion/{id}/")));

        // Erasure needs the box ticked and the session's token; otherwise nothing goes.
        let res = nadia.submit("/readers/me/delete", &[]).await?;
        assert_eq!(res.status(), 400);
        assert!(res.text().await?.contains("Tick the box"));
        let res = nadia
            .post(
                "/readers/me/delete",
                &[("confirm", "yes"), ("csrf", "not the token")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        let res = omar
            .post("/readers/me/delete", &[("confirm", "yes")])
            .await?;
        assert_eq!(res.status(), 403);
        assert!(app.store.comment(CommentId(leaf)).await.is_ok());

        let res = nadia
            .submit("/readers/me/delete", &[("confirm", "yes")])
            .await?;
        assert_eq!(res.status(), 200);
        assert!(res.text().await?.contains("Your account was deleted"));
        assert!(nadia.cookie("dateline_reader").is_none());
        let res = nadia.get("/readers/me").await?;
        assert_eq!(res.status(), 303, "signed out");
        let res = app
            .browser()
            .sign_in_reader("nadia@readers.example", TEST_PASSWORD)
            .await?;
        assert_eq!(res.status(), 401, "the password is gone");

        // Her reply under Omar's is gone; her first comment stays only as an empty marker that
        // holds Omar's reply; nothing of hers is shown.
        assert!(app.store.comment(CommentId(leaf)).await.is_err());
        let kept = app.store.comment(CommentId(first)).await?;
        assert_eq!(kept.body, "");
        assert_eq!(kept.reader_name, "Deleted reader");
        let page = app.page(&format!("/discussion/{id}/"), 200).await?;
        assert!(page.has(&format!("#comment-{first} > .comment-deleted")));
        assert!(page.has(&format!("#comment-{first} > ol.replies > #comment-{reply}")));
        assert!(!page.source.contains("Nadia"));
        assert!(!page.source.contains("fair deal"));
        assert!(!page.source.contains("Neither kept pace"));
        // Omar is untouched.
        assert_eq!(
            omar.page("/readers/me", 200)
                .await?
                .all(".own-comment")
                .len(),
            1
        );
        // A reader with no comments left behind goes entirely.
        let quiet = app.reader("Quiet Reader", story.id).await?;
        let quiet_id = app
            .store
            .reader_for_sign_in(&"quiet.reader@readers.example".parse()?)
            .await?
            .0
            .id;
        let res = quiet
            .submit("/readers/me/delete", &[("confirm", "yes")])
            .await?;
        assert_eq!(res.status(), 200);
        assert!(app.store.reader(quiet_id).await.is_err());
        Ok(())
    }
);
