//! Several nodes on one PostgreSQL database (issue 20): node B's page cache, search index and
//! discussion cache follow node A's writes through the change stream; a broken listening
//! connection never leaves B serving a stale page; a reader or an editor can go from node to
//! node. PostgreSQL only (SQLite is one node), so these run whenever the PostgreSQL half of
//! `backend_test!` does.

use crate::*;
use dateline_core::permissions::Role;
use dateline_testkit::{TEST_PASSWORD, TestBackend};
use std::time::{Duration, Instant};

/// How long another node may take to show a write: far more than it needs (the benchmark's
/// p99 is tens of milliseconds), so a slow machine does not fail the test.
const WITHIN: Duration = Duration::from_secs(5);

/// GET `path` on `node` until its body (status `status`) satisfies `ok`, for at most
/// [`WITHIN`]; the last body.
async fn until(
    node: &TestApp,
    path: &str,
    status: u16,
    ok: impl Fn(&str) -> bool,
) -> anyhow::Result<String> {
    let deadline = Instant::now() + WITHIN;
    loop {
        let res = node.get(path).await?;
        let got = res.status().as_u16();
        let body = res.text().await?;
        if got == status && ok(&body) {
            return Ok(body);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "GET {path} on the other node: still {got} without the change after {WITHIN:?}\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// GET `path` on `node` (200): its body, and whether the page cache rendered it.
async fn fetch(node: &TestApp, path: &str) -> anyhow::Result<(String, bool)> {
    let before = node.state.cache.renders();
    let res = node.get(path).await?;
    anyhow::ensure!(res.status() == 200, "GET {path}: {}", res.status());
    let body = res.text().await?;
    Ok((body, node.state.cache.renders() != before))
}

/// Fetch every path on `node` until a second fetch comes from its page cache (the
/// related-list workers may still drop a story page once after a publication), for at most
/// [`WITHIN`].
async fn warm(node: &TestApp, paths: &[&str]) -> anyhow::Result<()> {
    for path in paths {
        let deadline = Instant::now() + WITHIN;
        loop {
            fetch(node, path).await?;
            if !fetch(node, path).await?.1 {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{path} was not kept by the page cache"
            );
        }
    }
    Ok(())
}

/// A's site with one section and an older story, and B started on the same database.
async fn two_nodes() -> anyhow::Result<(TestApp, TestApp, dateline_core::section::Section)> {
    let a = TestApp::start(TestBackend::Postgres).await?;
    let world = a.section("world", "World").await?;
    a.article("Harbour pilots count tankers")
        .section(&world)
        .body("Harbour pilots counted tankers waiting offshore.\n")
        .publish()
        .await?;
    let b = a.another_node().await?;
    b.search_caught_up().await?;
    Ok((a, b, world))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_edit_and_withdrawal_on_a_reach_b_cached_pages_and_search()
-> anyhow::Result<()> {
    let (a, b, world) = two_nodes().await?;
    let search = "/search?q=lighthouse";
    let lists = ["/", "/world/", "/feed.xml", "/api/v1/articles"];
    // B has kept every page before the story exists: without the stream it would go on
    // serving them.
    warm(&b, &lists).await?;
    assert!(!fetch(&b, search).await?.0.contains("Lighthouse keepers"));

    let story = a
        .article("Lighthouse keepers strike")
        .section(&world)
        .body("The lighthouse keepers walked out at dawn.\n")
        .publish()
        .await?;
    let path = a.path_of(&story).await?;
    until(&b, "/", 200, |body| {
        body.contains("Lighthouse keepers strike")
    })
    .await?;
    // Once B has heard of it, no page of B's shows the time before.
    for list in lists {
        let (body, _) = fetch(&b, list).await?;
        assert!(body.contains("Lighthouse keepers strike"), "{list} on B");
    }
    until(&b, search, 200, |body| {
        body.contains("Lighthouse keepers strike")
    })
    .await?;
    // From the index's cards: B's indexer catches up with everything B has heard.
    assert!(b.state.search.caught_up(b.store.generation(), WITHIN).await);
    // B's own copy of the story page, kept.
    warm(&b, &[path.as_str(), "/", "/world/"]).await?;

    // An edit on A: once B's story page shows it, no page of B's shows the old headline.
    a.edit(story.id, true, |input| {
        input.headline = "Lighthouse keepers end strike".to_owned();
        // The builder's standfirst repeats the first headline.
        input.standfirst = "The keepers are back at work.".to_owned();
    })
    .await?;
    until(&b, &path, 200, |body| {
        body.contains("Lighthouse keepers end strike")
    })
    .await?;
    for list in lists {
        let (body, _) = fetch(&b, list).await?;
        assert!(
            body.contains("Lighthouse keepers end strike"),
            "{list} on B"
        );
        assert!(!body.contains("Lighthouse keepers strike"), "{list} on B");
    }
    until(&b, search, 200, |body| {
        body.contains("Lighthouse keepers end strike")
    })
    .await?;
    warm(&b, &[path.as_str(), "/", "/world/"]).await?;

    // A withdrawal on A: B answers 410 for the story, and no list or search shows it.
    a.store
        .withdraw_article(story.id, "Withdrawn for legal reasons.", a.clock.now())
        .await?;
    until(&b, &path, 410, |_| true).await?;
    for list in lists {
        let (body, _) = fetch(&b, list).await?;
        assert!(!body.contains("Lighthouse keepers"), "{list} on B");
    }
    until(&b, search, 200, |body| !body.contains("Lighthouse keepers")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_on_a_shows_in_b_kept_discussion() -> anyhow::Result<()> {
    let (a, b, world) = two_nodes().await?;
    let story = a
        .article("Ferry timetable changes")
        .section(&world)
        .body("The winter timetable starts on Monday.\n")
        .publish()
        .await?;
    let discussion = format!("/discussion/{}/", story.id);
    // B keeps the anonymous view with no comment.
    until(&b, &discussion, 200, |body| body.contains("(0 comments)")).await?;
    until(&b, &discussion, 200, |body| body.contains("(0 comments)")).await?;

    let reader = a.reader("Nadia Khan", story.id).await?;
    let res = reader
        .submit(
            &format!("/discussion/{}/comments", story.id),
            &[
                ("body", "The early ferry matters to commuters."),
                ("parent", ""),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let body = until(&b, &discussion, 200, |body| {
        body.contains("The early ferry matters to commuters.")
    })
    .await?;
    assert!(body.contains("(1 comment)"), "{body}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_listening_connection_leaves_no_stale_page_and_search_catches_up()
-> anyhow::Result<()> {
    let (a, b, world) = two_nodes().await?;
    let older = a.store.article_ids().await?;
    let older_path = a.path_of(&a.store.article(older[0]).await?).await?;
    let pages = ["/", "/world/", older_path.as_str()];
    warm(&b, &pages).await?;
    let breaks = b.store.times_out_of_step();

    // Cut every listening connection to this database, as a failover or a network fault
    // would, and wait until B has noticed.
    let killed = a
        .raw_sql(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = '{}' AND datname = current_database()",
            dateline_store::LISTENER_APPLICATION_NAME
        ))
        .await?;
    assert!(killed >= 1, "no listening connection was found");
    let deadline = Instant::now() + WITHIN;
    while b.store.times_out_of_step() == breaks {
        anyhow::ensure!(
            Instant::now() < deadline,
            "B never noticed the broken connection"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // From here B is out of step or has listened again after dropping everything: either way
    // a kept page is not served.
    for path in pages {
        let (_, rendered) = fetch(&b, path).await?;
        assert!(rendered, "{path} was served from B's cache after the break");
    }

    // A write on A that B may not have heard of.
    a.clock.set(a.clock.now() + SignedDuration::from_secs(60));
    let story = a
        .article("Storm closes the coast road")
        .section(&world)
        .body("Gales closed the coast road overnight.\n")
        .publish()
        .await?;
    // Out of step, B reads it from the database; back in step before the write, B hears of
    // it (a moment later, hence the polling).
    until(&b, "/", 200, |body| {
        body.contains("Storm closes the coast road")
    })
    .await?;
    // Back in step, B's search finds the story (its indexer caught up from the store).
    anyhow::ensure!(b.store.wait_in_step(WITHIN).await, "B did not listen again");
    until(&b, "/search?q=gales", 200, |body| {
        body.contains("Storm closes the coast road")
    })
    .await?;
    // And B caches again, still following A. (The story's page is kept too, so that its 410
    // below comes from B having heard of the withdrawal, not from a first read of the
    // database racing the notification.)
    let path = a.path_of(&story).await?;
    warm(&b, &["/world/", path.as_str()]).await?;
    a.store
        .withdraw_article(story.id, "Withdrawn.", a.clock.now())
        .await?;
    until(&b, &path, 410, |_| true).await?;
    assert!(!fetch(&b, "/world/").await?.0.contains("Storm closes"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_and_a_reader_go_round_robin_across_nodes() -> anyhow::Result<()> {
    let (a, b, world) = two_nodes().await?;
    let story = a
        .article("Bridge repairs begin")
        .section(&world)
        .body("Engineers closed one lane of the bridge.\n")
        .publish()
        .await?;
    let path = a.path_of(&story).await?;
    warm(&b, &[path.as_str()]).await?;

    // Newsroom: sign in on A, open the editor on B, save on A, see it on B.
    let account = a.account(Role::Editor).await?;
    let mut editor = a.login(account, TEST_PASSWORD).await?;
    editor.switch_to(&b);
    let form = editor
        .page(&format!("/newsroom/stories/{}", story.id), 200)
        .await?;
    let version = form.attr("input[name=version]", "value");
    let section = world.id.0.to_string();
    editor.switch_to(&a);
    let res = editor
        .submit(
            &format!("/newsroom/stories/{}", story.id),
            &[
                ("headline", "Bridge repairs begin at night"),
                ("standfirst", ""),
                ("slug", "bridge-repairs-begin"),
                ("section", &section),
                ("tags", ""),
                ("lead_media", ""),
                ("body", "Engineers closed one lane of the bridge.\n"),
                ("related", ""),
                ("discussion", "open"),
                ("seo_title", ""),
                ("seo_description", ""),
                ("version", &version),
                ("action", "save"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    until(&b, &path, 200, |body| {
        body.contains("Bridge repairs begin at night")
    })
    .await?;

    // Reader: register on B, comment on A, see it on B (signed in there too), sign out on A,
    // sign in on B.
    let mut reader = b.reader("Omar Said", story.id).await?;
    reader.switch_to(&a);
    let res = reader
        .submit(
            &format!("/discussion/{}/comments", story.id),
            &[("body", "Night work is the right call."), ("parent", "")],
        )
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    reader.switch_to(&b);
    let page = reader
        .page(&format!("/discussion/{}/", story.id), 200)
        .await?;
    assert!(page.has("form.comment-form"), "not signed in on B");
    assert!(page.text("body").contains("Night work is the right call."));
    reader.switch_to(&a);
    let res = reader.submit("/readers/sign-out", &[]).await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    reader.switch_to(&b);
    let res = reader
        .sign_in_reader("omar.said@readers.example", TEST_PASSWORD)
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let page = reader
        .page(&format!("/discussion/{}/", story.id), 200)
        .await?;
    assert!(page.has("form.comment-form"), "not signed in on B again");
    Ok(())
}
