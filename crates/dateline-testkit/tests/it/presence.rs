//! Who else has this story open (issue 17) over HTTP: the editor page lists the others who have
//! it open, the script's ping (`POST /newsroom/stories/{id}/presence`) answers them and never
//! the caller, someone seen more than a minute ago is no longer listed, leaving forgets at
//! once, and only those who may edit the story (with the form token) may ping it.

use crate::*;
use dateline_core::ArticleId;
use dateline_core::permissions::Role;
use dateline_testkit::{Browser, TEST_PASSWORD};
use serde_json::Value;

/// A signed-in newsroom person with their own name and address.
async fn person(app: &TestApp, email: &str, name: &str, role: Role) -> anyhow::Result<Browser> {
    let account = app
        .account_with_password(email, name, role, TEST_PASSWORD)
        .await?;
    app.login(account, TEST_PASSWORD).await
}

/// The banner's words as a reader sees them (text nodes joined as they are, unlike
/// `Page::text`, which puts a space between every node).
fn note(page: &Page) -> String {
    page.one(".nr-presence-note").text().collect()
}

async fn draft(app: &TestApp) -> anyhow::Result<ArticleId> {
    let news = app.section("news", "News").await?;
    Ok(app
        .article("Harbour bridge opens")
        .section(&news)
        .draft()
        .await?
        .id)
}

/// The names a ping answers, after checking its status and shape.
async fn ping(b: &Browser, id: ArticleId) -> anyhow::Result<Vec<(String, String)>> {
    let res = b
        .submit(&format!("/newsroom/stories/{id}/presence"), &[])
        .await?;
    anyhow::ensure!(res.status() == 200, "ping answered {}", res.status());
    let body: Value = res.json().await?;
    let others = body["others"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("no others list in {body}"))?;
    Ok(others
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap_or("").to_owned(),
                o["since"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect())
}

backend_test!(presence_the_second_editor_sees_the_first, |app| {
    let id = draft(&app).await?;
    let sofia = person(&app, "sofia@example.com", "Sofia Marchetti", Role::Editor).await?;
    let luca = person(&app, "luca@example.com", "Luca Bianchi", Role::Editor).await?;
    let path = format!("/newsroom/stories/{id}");

    // Alone on the story: the live region is there, empty.
    let page = sofia.page(&path, 200).await?;
    assert_eq!(page.attr("[data-presence]", "role"), "status");
    assert!(!page.has(".nr-presence-note"), "nobody else has it open");

    // A minute later (within the window) the second editor sees the first, since when.
    app.clock
        .set(app.clock.now() + SignedDuration::from_secs(30));
    let page = luca.page(&path, 200).await?;
    assert_eq!(note(&page), "Also open: Sofia Marchetti (since 12:00)");
    assert_eq!(
        page.attr(".nr-presence-person time", "datetime"),
        "2026-03-10T12:00:00+00:00"
    );
    assert_eq!(
        page.attr("[data-presence]", "data-presence"),
        format!("/newsroom/stories/{id}/presence")
    );

    // The ping answers the other one and never oneself, on both sides.
    assert_eq!(
        ping(&luca, id).await?,
        [("Sofia Marchetti".to_owned(), "12:00".to_owned())]
    );
    assert_eq!(
        ping(&sofia, id).await?,
        [("Luca Bianchi".to_owned(), "12:00".to_owned())]
    );

    // Sofia's own page now names Luca, not herself.
    let page = sofia.page(&path, 200).await?;
    assert_eq!(note(&page), "Also open: Luca Bianchi (since 12:00)");

    // Another story is another room.
    let other = app.article("Ferry timetable changes").draft().await?.id;
    assert_eq!(ping(&luca, other).await?, []);
    Ok(())
});

backend_test!(presence_forgets_after_a_minute_and_on_leaving, |app| {
    let id = draft(&app).await?;
    let sofia = person(&app, "sofia@example.com", "Sofia Marchetti", Role::Editor).await?;
    let luca = person(&app, "luca@example.com", "Luca Bianchi", Role::Editor).await?;
    let start = app.clock.now();

    assert_eq!(ping(&sofia, id).await?, []);
    // Pings keep the visit's start: still "since 12:00" after 50 s and another ping.
    app.clock.set(start + SignedDuration::from_secs(50));
    assert_eq!(ping(&sofia, id).await?, []);
    app.clock.set(start + SignedDuration::from_secs(100));
    assert_eq!(
        ping(&luca, id).await?,
        [("Sofia Marchetti".to_owned(), "12:00".to_owned())]
    );

    // Sofia's tab went quiet: 61 s after her last ping she is no longer listed.
    app.clock.set(start + SignedDuration::from_secs(50 + 61));
    assert_eq!(ping(&luca, id).await?, []);
    let page = luca.page(&format!("/newsroom/stories/{id}"), 200).await?;
    assert!(!page.has(".nr-presence-note"));

    // Back after a gap, her visit starts again (and Luca, quiet since 12:01, is not listed).
    app.clock.set(start + SignedDuration::from_secs(5 * 60));
    assert_eq!(ping(&sofia, id).await?, []);
    assert_eq!(
        ping(&luca, id).await?,
        [("Sofia Marchetti".to_owned(), "12:05".to_owned())]
    );

    // Leaving (the page closed) forgets her at once.
    let res = sofia
        .submit(
            &format!("/newsroom/stories/{id}/presence"),
            &[("leave", "1")],
        )
        .await?;
    assert_eq!(res.status(), 204);
    assert_eq!(ping(&luca, id).await?, []);
    Ok(())
});

backend_test!(presence_only_for_who_may_edit_the_story, |app| {
    let id = draft(&app).await?;
    let sofia = person(&app, "sofia@example.com", "Sofia Marchetti", Role::Editor).await?;
    assert_eq!(ping(&sofia, id).await?, []);
    let path = format!("/newsroom/stories/{id}/presence");

    // A contributor may not edit someone else's story: refused, and not listed anywhere.
    let reporter = app.login_as(Role::Contributor).await?;
    let res = reporter.submit(&path, &[]).await?;
    assert_eq!(res.status(), 403, "{}", res.text().await?);
    let res = reporter.get(&format!("/newsroom/stories/{id}")).await?;
    assert_eq!(res.status(), 403);
    // A moderator neither.
    let moderator = app.login_as(Role::Moderator).await?;
    assert_eq!(moderator.submit(&path, &[]).await?.status(), 403);
    assert_eq!(ping(&sofia, id).await?, []);

    // Without the form token, or signed out: refused.
    let res = sofia.post(&path, &[("csrf", "not the token")]).await?;
    assert_eq!(res.status(), 403);
    let res = app.browser().post(&path, &[]).await?;
    assert!(
        [303, 401].contains(&res.status().as_u16()),
        "signed out: {}",
        res.status()
    );
    Ok(())
});

backend_test!(presence_of_a_story_that_does_not_exist_is_404, |app| {
    let sofia = person(&app, "sofia@example.com", "Sofia Marchetti", Role::Editor).await?;
    let res = sofia
        .submit("/newsroom/stories/987654/presence", &[])
        .await?;
    assert_eq!(res.status(), 404);
    // A malformed id is refused with the sentence every newsroom id gets (PathId).
    let res = sofia.submit("/newsroom/stories/abc/presence", &[]).await?;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await?
            .contains("The story id must be a whole number")
    );
    Ok(())
});

/// Two nodes on one PostgreSQL (as the product runs): someone on node A is listed for someone
/// on node B, so presence cannot live in one node's memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_across_two_nodes_postgres() -> anyhow::Result<()> {
    let a = TestApp::start(dateline_testkit::TestBackend::Postgres).await?;
    let id = draft(&a).await?;
    let b = a.another_node().await?;
    let sofia = person(&a, "sofia@example.com", "Sofia Marchetti", Role::Editor).await?;
    let mut luca = person(&a, "luca@example.com", "Luca Bianchi", Role::Editor).await?;
    luca.switch_to(&b);

    sofia.page(&format!("/newsroom/stories/{id}"), 200).await?;
    let page = luca.page(&format!("/newsroom/stories/{id}"), 200).await?;
    assert_eq!(note(&page), "Also open: Sofia Marchetti (since 12:00)");
    assert_eq!(
        ping(&sofia, id).await?,
        [("Luca Bianchi".to_owned(), "12:00".to_owned())]
    );
    Ok(())
}
