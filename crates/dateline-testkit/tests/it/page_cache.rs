//! The page cache under publishing (issue 22): a change drops only the pages that show what
//! changed, misses of one page at once make one render, and a list page is answered stale only
//! for a moment after a publication, never after a withdrawal or an edit.
//!
//! Hits are observed through the cache's render counter (`PageCache::renders`): a GET that
//! leaves it unchanged was answered from memory.

use crate::*;

/// GET `path` (200) and say whether the page cache rendered it.
async fn rendered(app: &TestApp, path: &str) -> anyhow::Result<(bool, String)> {
    let before = app.state.cache.renders();
    let res = app.get(path).await?;
    anyhow::ensure!(res.status() == 200, "GET {path}: {}", res.status());
    let body = res.text().await?;
    Ok((app.state.cache.renders() != before, body))
}

backend_test!(
    issue_22_publish_keeps_unrelated_pages_and_drops_pages_showing_it,
    |app| {
        let world = app.section("world", "World").await?;
        let sport = app.section("sport", "Sport").await?;
        let amira = app.person("amira", "Amira Haddad").await?;
        // Each story with words of its own, and each section with enough stories sharing a tag
        // that related lists never reach across to the other (the related-list worker runs in the
        // background and would otherwise rightly drop a page whose list gained the new story).
        for i in 0..5 {
            app.article(&format!("Bowlers dominate session {i}"))
                .section(&sport)
                .tags(&["Cricket"])
                .body(&format!(
                    "Wickets fell {i} times before lunch at the oval.\n"
                ))
                .publish()
                .await?;
            app.article(&format!("Tanker traffic report {i}"))
                .section(&world)
                .tags(&["Gulf"])
                .body(&format!(
                    "Harbour pilots counted {i} tankers waiting offshore.\n"
                ))
                .publish()
                .await?;
        }
        let unrelated = app
            .article("Cricket final goes to a fifth day")
            .section(&sport)
            .tags(&["Cricket"])
            .body("The umpires inspected the pitch twice before play.\n")
            .publish()
            .await?;
        let target = app
            .article("Port strike enters second week")
            .section(&world)
            .tags(&["Gulf"])
            .author(&amira)
            .body("Dock workers walked out over pay at the container harbour.\n")
            .publish()
            .await?;
        let linking = app
            .article("Shipping costs climb")
            .section(&world)
            .tags(&["Gulf"])
            .body(&format!(
                "Freight rates rose at the harbour.\n\nREAD MORE: #{}\n",
                target.id
            ))
            .publish()
            .await?;
        let picking = app
            .article("Dockers vote on offer")
            .section(&world)
            .tags(&["Gulf"])
            .related(&[target.id])
            .body("Harbour unions balloted members on the offer.\n")
            .publish()
            .await?;
        // Pages of stories with a kept related list show only the stories named in it; one not
        // ranked yet is ranked from every candidate, so any story's change drops it. Have the
        // worker keep every list first, as on a running site.
        for id in [unrelated.id, target.id, linking.id, picking.id] {
            kept_list(&app, id).await?;
        }
        let unrelated_path = app.path_of(&unrelated).await?;
        let linking_path = app.path_of(&linking).await?;
        let picking_path = app.path_of(&picking).await?;
        let lists = [
            "/",
            "/world/",
            "/tags/gulf/",
            "/authors/amira/",
            "/feed.xml",
            "/world/feed.xml",
            "/sitemap.xml",
            "/api/v1/articles",
        ];
        let mut all: Vec<&str> = lists.to_vec();
        all.extend([
            unrelated_path.as_str(),
            linking_path.as_str(),
            picking_path.as_str(),
        ]);
        // Filled, then answered from memory.
        for path in &all {
            // Read before the render: a list kept while it renders tags the page as older.
            // While the pages fill, the worker may still be ranking any of the first stories
            // (under load it lags), and a list kept for a story drops every page showing it as
            // a card too: any kept list may be blamed here, only the story's own list later.
            let since = app.store.generation();
            rendered(&app, path).await?;
            hit_unless_relisted(&app, path, None, since).await?;
        }

        // A new story in the same section, tag and byline.
        let since = app.store.generation();
        let fresh = app
            .article("Talks resume at the port")
            .section(&world)
            .tags(&["Gulf"])
            .author(&amira)
            .body("Negotiators returned to the harbour office.\n")
            .publish()
            .await?;
        hit_unless_relisted(&app, &unrelated_path, Some(unrelated.id), since).await?;
        for path in [
            "/",
            "/world/",
            "/tags/gulf/",
            "/authors/amira/",
            "/api/v1/articles",
        ] {
            let (again, body) = rendered(&app, path).await?;
            assert!(again, "{path} was served from before the publication");
            assert!(body.contains("Talks resume at the port"), "{path}: {body}");
        }
        for path in ["/feed.xml", "/world/feed.xml", "/sitemap.xml"] {
            assert!(rendered(&app, path).await?.0, "{path} not dropped");
        }
        let (_, feed) = rendered(&app, "/world/feed.xml").await?;
        assert!(feed.contains("Talks resume at the port"), "{feed}");
        let (_, news) = rendered(&app, "/news-sitemap.xml").await?;
        assert!(news.contains(&app.path_of(&fresh).await?), "{news}");

        // The headline of a story others show as READ MORE and as a related pick.
        rendered(&app, &unrelated_path).await?;
        let since = app.store.generation();
        app.edit(target.id, false, |i| {
            i.headline = "Port strike ends after nine days".to_owned();
        })
        .await?;
        for path in [&linking_path, &picking_path] {
            let (again, body) = rendered(&app, path).await?;
            assert!(again, "{path} showed the old headline");
            assert!(
                body.contains("Port strike ends after nine days"),
                "{path}: {body}"
            );
            // (The standfirst the builder wrote still quotes the first headline.)
            assert!(
                !body.contains(">Port strike enters second week<"),
                "{path}: {body}"
            );
        }
        hit_unless_relisted(&app, &unrelated_path, Some(unrelated.id), since).await?;

        // Withdrawing it: the pages that showed it follow at once.
        rendered(&app, &linking_path).await?;
        rendered(&app, &unrelated_path).await?;
        let since = app.store.generation();
        app.store
            .withdraw_article(target.id, "Legal advice.", app.clock.now())
            .await?;
        let (_, body) = rendered(&app, &linking_path).await?;
        assert!(!body.contains("Port strike ends"), "{body}");
        let (_, body) = rendered(&app, "/tags/gulf/").await?;
        assert!(!body.contains("Port strike ends"), "{body}");
        hit_unless_relisted(&app, &unrelated_path, Some(unrelated.id), since).await?;
        Ok(())
    }
);

backend_test!(issue_22_settings_change_drops_every_page, |app| {
    let story = app.article("A quiet day").publish().await?;
    let path = app.path_of(&story).await?;
    for p in ["/", path.as_str()] {
        rendered(&app, p).await?;
        assert!(!rendered(&app, p).await?.0);
    }
    app.configure(|s| s.name = "The Evening Herald".to_owned())
        .await?;
    for p in ["/", path.as_str()] {
        let (again, body) = rendered(&app, p).await?;
        assert!(again, "{p} kept after a settings change");
        assert!(body.contains("The Evening Herald"), "{p}");
    }
    Ok(())
});

/// GET `path` expecting a hit. The one change allowed to have dropped it since generation
/// `since` is a new kept related list for its story `story` (`Change::Related`), or for any
/// story when `story` is None: the related-list worker runs in the background as on a live
/// site, and such a list rightly drops the page that shows it.
async fn hit_unless_relisted(
    app: &TestApp,
    path: &str,
    story: Option<dateline_core::ArticleId>,
    since: u64,
) -> anyhow::Result<()> {
    let (again, _) = rendered(app, path).await?;
    if again {
        let changes = app
            .store
            .changes_since(since)
            .ok_or_else(|| anyhow::anyhow!("the store's change log lost generation {since}"))?;
        let relisted = changes.iter().any(|a| {
            matches!(&a.change, dateline_store::Change::Related(ids)
                if story.is_none_or(|s| ids.contains(&s)))
        });
        assert!(
            relisted,
            "{path} was rendered again; changes since: {changes:?}"
        );
    }
    Ok(())
}

/// Wait (at most 10 s) until the related-list worker keeps a list for `id` (as
/// `related::kept_list` does).
async fn kept_list(app: &TestApp, id: dateline_core::ArticleId) -> anyhow::Result<()> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.store.related_list(id).await?.is_none() {
        anyhow::ensure!(
            std::time::Instant::now() < until,
            "no related list for {id} within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Fire `n` GETs of `path` at once; their bodies.
async fn crowd(app: &TestApp, path: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let client = app.client.clone();
        let url = app.url(path);
        set.spawn(async move {
            let res = client.get(url).send().await?;
            anyhow::ensure!(res.status() == 200, "status {}", res.status());
            Ok::<_, anyhow::Error>(res.text().await?)
        });
    }
    let mut bodies = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        bodies.push(r??);
    }
    Ok(bodies)
}

backend_test!(issue_22_concurrent_misses_make_one_render, |app| {
    let story = app.article("Everyone reads this").publish().await?;
    let path = app.path_of(&story).await?;
    let before = app.state.cache.renders();
    let bodies = crowd(&app, &path, 24).await?;
    assert_eq!(
        app.state.cache.renders() - before,
        1,
        "one render for 24 misses"
    );
    assert!(bodies.iter().all(|b| b.contains("Everyone reads this")));

    // The front page after a publication: one render again, the others answered by it or,
    // while it rendered, by the old copy.
    crowd(&app, "/", 1).await?;
    app.article("Breaking: a second story").publish().await?;
    let before = app.state.cache.renders();
    let stale_before = app.state.cache.stale_answers();
    let bodies = crowd(&app, "/", 24).await?;
    assert_eq!(
        app.state.cache.renders() - before,
        1,
        "one render for 24 misses"
    );
    let stale = bodies
        .iter()
        .filter(|b| !b.contains("Breaking: a second story"))
        .count() as u64;
    assert_eq!(stale, app.state.cache.stale_answers() - stale_before);
    assert!(stale < 24, "the render's own reader gets the new page");
    // Afterwards everyone gets the new page.
    assert!(
        crowd(&app, "/", 4)
            .await?
            .iter()
            .all(|b| b.contains("Breaking"))
    );
    Ok(())
});

backend_test!(
    issue_22_stale_answers_end_with_the_bound_and_never_follow_withdrawals,
    |app| {
        let story = app.article("Minister resigns").publish().await?;
        crowd(&app, "/", 1).await?;
        // Published "now", but the clock has moved past the bound: no old front page any more.
        app.article("Election called").publish().await?;
        app.clock
            .set(app.clock.now() + dateline_web::cache::STALE_FOR + SignedDuration::from_secs(1));
        let stale_before = app.state.cache.stale_answers();
        let bodies = crowd(&app, "/", 24).await?;
        assert!(bodies.iter().all(|b| b.contains("Election called")));
        assert_eq!(app.state.cache.stale_answers(), stale_before);

        // A withdrawal is never answered stale, even at once.
        crowd(&app, "/", 1).await?;
        app.store
            .withdraw_article(story.id, "Legal advice.", app.clock.now())
            .await?;
        let bodies = crowd(&app, "/", 24).await?;
        assert!(bodies.iter().all(|b| !b.contains("Minister resigns")));
        assert_eq!(app.state.cache.stale_answers(), stale_before);

        // Nor an edit of a story the page shows.
        crowd(&app, "/", 1).await?;
        let other = app
            .store
            .latest(
                dateline_store::Filter::All,
                dateline_core::page::PageRequest::first(1),
            )
            .await?;
        let id = other.items[0].id;
        app.edit(id, false, |i| {
            i.headline = "Election called for May".to_owned()
        })
        .await?;
        let bodies = crowd(&app, "/", 24).await?;
        assert!(bodies.iter().all(|b| b.contains("Election called for May")));
        assert_eq!(app.state.cache.stale_answers(), stale_before);
        Ok(())
    }
);

backend_test!(
    a_kept_page_never_outlives_the_year_its_footer_shows,
    |app| {
        // The site's time zone decides when the year turns: London's New Year is at 00:00 UTC.
        app.configure(|s| s.time_zone = "Europe/London".to_owned())
            .await?;
        app.clock.set(ts("2026-12-31T23:59:00Z"));
        let (_, before) = rendered(&app, "/").await?;
        assert!(before.contains("© 2026"), "{before}");
        let (again, _) = rendered(&app, "/").await?;
        assert!(!again, "the front page is kept within the year");
        app.clock.set(ts("2027-01-01T00:00:01Z"));
        let (fresh, after) = rendered(&app, "/").await?;
        assert!(fresh, "the page rendered in 2026 was served in 2027");
        assert!(after.contains("© 2027"), "{after}");
        Ok(())
    }
);
