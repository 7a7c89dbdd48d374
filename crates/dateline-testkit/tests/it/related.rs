//! Related articles: editor picks first, then shared tags, section and recency; never the
//! story itself, never unpublished or withdrawn stories, at most four.

use crate::*;
use dateline_core::ArticleId;

backend_test!(
    related_puts_picks_first_and_skips_what_readers_cannot_see,
    |app| {
        let world = app.section("world", "World").await?;
        let sport = app.section("sport", "Sport").await?;
        let t0 = ts("2026-03-01T10:00:00Z");
        let hour = SignedDuration::from_hours(1);
        let pick = app
            .article("Editor pick from sport")
            .section(&sport)
            .at(t0)
            .publish()
            .await?;
        let two_tags = app
            .article("Shares two tags")
            .section(&sport)
            .tags(&["Gulf", "Oil"])
            .at(t0 + hour)
            .publish()
            .await?;
        let one_tag = app
            .article("Shares one tag")
            .section(&sport)
            .tags(&["Gulf"])
            .at(t0 + hour * 2)
            .publish()
            .await?;
        let same_section = app
            .article("Same section only")
            .section(&world)
            .at(t0 + hour * 3)
            .publish()
            .await?;
        let withdrawn = app
            .article("Withdrawn with both tags")
            .section(&world)
            .tags(&["Gulf", "Oil"])
            .at(t0 + hour * 4)
            .publish()
            .await?;
        app.store
            .withdraw_article(withdrawn.id, "Error.", app.clock.now())
            .await?;
        let draft = app
            .article("Draft with both tags")
            .section(&world)
            .tags(&["Gulf", "Oil"])
            .draft()
            .await?;
        let draft_pick = app.article("Draft picked").section(&world).draft().await?;
        let subject = app
            .article("The story being read")
            .section(&world)
            .tags(&["Gulf", "Oil"])
            .related(&[pick.id, draft_pick.id])
            .at(t0 + hour * 5)
            .publish()
            .await?;
        let page = app.page(&app.path_of(&subject).await?, 200).await?;
        let related = page.texts(".related a.story-link");
        assert_eq!(
            related,
            [
                "Editor pick from sport",
                "Shares two tags",
                "Shares one tag",
                "Same section only"
            ]
        );
        let hrefs = page.attrs(".related a.story-link", "href");
        let own = app.path_of(&subject).await?;
        assert!(!hrefs.contains(&own));
        assert!(!page.source.contains("Withdrawn with both tags"));
        assert!(!page.source.contains(&draft.headline));
        assert!(!page.source.contains(&draft_pick.headline));
        let _ = (two_tags, one_tag, same_section);
        Ok(())
    }
);

backend_test!(a_lone_story_has_no_related_block, |app| {
    let a = app.article("Only story").publish().await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert!(!page.has(".related"));
    Ok(())
});

/// Wait (at most 10 s) until the related-list worker keeps a list for `id` that satisfies `ok`.
async fn kept_list(
    app: &TestApp,
    id: ArticleId,
    ok: impl Fn(&[ArticleId]) -> bool,
) -> anyhow::Result<Vec<ArticleId>> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let list = app.store.related_list(id).await?;
        if let Some(list) = &list
            && ok(list)
        {
            return Ok(list.clone());
        }
        anyhow::ensure!(
            std::time::Instant::now() < until,
            "no suitable related list for {id} within 10 s (kept: {list:?})"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

backend_test!(
    kept_related_lists_follow_publications_and_withdrawals,
    |app| {
        let world = app.section("world", "World").await?;
        let t0 = ts("2026-03-01T10:00:00Z");
        let hour = SignedDuration::from_hours(1);
        let subject = app
            .article("Gulf talks resume")
            .section(&world)
            .tags(&["Gulf"])
            .at(t0)
            .publish()
            .await?;
        let older = app
            .article("Gulf talks stall")
            .section(&world)
            .tags(&["Gulf"])
            .at(t0 + hour)
            .publish()
            .await?;
        // The worker ranks the story once the index has it, off the request path.
        kept_list(&app, subject.id, |l| l.contains(&older.id)).await?;
        let path = app.path_of(&subject).await?;
        let page = app.page(&path, 200).await?;
        assert_eq!(page.texts(".related a.story-link"), ["Gulf talks stall"]);

        // A newcomer sharing the tag joins the lists of the stories in its own, and the cached
        // page is dropped so readers see it.
        let newer = app
            .article("Gulf talks end in deal")
            .section(&world)
            .tags(&["Gulf"])
            .at(t0 + hour * 2)
            .publish()
            .await?;
        kept_list(&app, subject.id, |l| l.contains(&newer.id)).await?;
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let mut shown = app.page(&path, 200).await?.texts(".related a.story-link");
            shown.sort();
            if shown == ["Gulf talks end in deal", "Gulf talks stall"] {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < until,
                "the page still shows {shown:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        // A withdrawn story leaves the page at once, though the kept list still names it.
        app.store
            .withdraw_article(newer.id, "Error.", app.clock.now())
            .await?;
        let page = app.page(&path, 200).await?;
        assert_eq!(page.texts(".related a.story-link"), ["Gulf talks stall"]);
        Ok(())
    }
);
