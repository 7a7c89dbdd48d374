//! URLs that keep working: old paths answer 301, withdrawn stories 410, unknown paths the 404
//! page, bad query values 400 with a message.

use crate::*;

backend_test!(old_urls_redirect_after_slug_and_section_changes, |app| {
    let world = app.section("world", "World").await?;
    let me = app.section("middle-east", "Middle East").await?;
    let a = app
        .article("Original headline")
        .section(&world)
        .at(ts("2026-02-03T10:00:00Z"))
        .publish()
        .await?;
    let first = app.path_of(&a).await?;
    assert_eq!(first, "/world/2026/02/03/original-headline/");
    app.edit(a.id, false, |i| {
        i.slug = dateline_core::slug::Slug::parse("better-slug").expect("slug")
    })
    .await?;
    let second = "/world/2026/02/03/better-slug/";
    app.edit(a.id, false, |i| i.section_id = me.id).await?;
    let third = "/middle-east/2026/02/03/better-slug/";
    for old in [first.as_str(), second] {
        let res = app.get(old).await?;
        assert_eq!(res.status(), 301, "{old}");
        assert_eq!(res.headers()["location"], third);
    }
    app.page(third, 200).await?;
    // A wrong date or section in an otherwise good URL goes to the canonical one too.
    let res = app.get("/world/2026/02/04/better-slug/").await?;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], third);
    // A missing trailing slash is added.
    let res = app.get("/middle-east/2026/02/03/better-slug").await?;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], third);
    Ok(())
});

backend_test!(withdrawn_stories_answer_410_with_the_note, |app| {
    let a = app.article("Story with a problem").publish().await?;
    let path = app.path_of(&a).await?;
    app.page(&path, 200).await?;
    app.store
        .withdraw_article(
            a.id,
            "This story contained a factual error.",
            app.clock.now(),
        )
        .await?;
    let page = app.page(&path, 410).await?;
    assert_eq!(page.text("h1"), "Story withdrawn");
    assert!(
        page.text(".withdrawn-note")
            .contains("This story contained a factual error.")
    );
    assert_eq!(page.attr("meta[name=robots]", "content"), "noindex");
    // It leaves the lists too.
    assert!(
        !app.page("/", 200)
            .await?
            .source
            .contains("Story with a problem")
    );
    app.json(&format!("/api/v1/articles/{}", a.id), 410).await?;
    Ok(())
});

backend_test!(unknown_paths_and_bad_input_get_clear_answers, |app| {
    app.article("Something").publish().await?;
    let page = app.page("/no/such/page/", 404).await?;
    assert_eq!(page.text("h1"), "Page not found");
    assert!(page.has(".error-sections"));
    for q in ["abc", "-1", "0", "99999999999", "1e3"] {
        let page = app.page(&format!("/world/?page={q}"), 400).await?;
        assert_eq!(
            page.text(".error-message"),
            "page must be a whole number from 1 to 10000",
            "{q}"
        );
    }
    // A control character is refused for the whole address, before any parameter is read.
    let page = app.page("/world/?page=%00", 400).await?;
    assert_eq!(
        page.text(".error-message"),
        "The address contains a control character."
    );
    app.page("/world/2026/13/45/something/", 404).await?;
    app.page("/world/abcd/03/10/something/", 404).await?;
    // Not UTF-8: refused as a bad request, with the themed page.
    app.page("/tags/%FF%FE/", 400).await?;
    // A protocol-relative path is never turned into an off-site redirect.
    let res = app.get("//evil.example").await?;
    assert_ne!(res.status(), 301);
    let long = "x".repeat(5000);
    app.page(&format!("/{long}/"), 404).await?;
    Ok(())
});

backend_test!(no_request_shape_makes_the_server_fail, |app| {
    let a = app
        .article("Robust story")
        .tags(&["Gulf"])
        .publish()
        .await?;
    let path = app.path_of(&a).await?;
    let long = "a".repeat(3000);
    let hostile = [
        "/%",
        "/%%",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/world/%00/",
        "/world/?page=",
        "/world/?page=%20",
        "/world/?page=1&page=2",
        "/world/?page[]=1",
        "/world/?page=18446744073709551616",
        "/tags/gulf/?page=NaN",
        "/authors/x/?page=-0",
        "/s/",
        "/s/%F0%9F%92%A9",
        "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/api/v1/articles?page=0",
        "/api/v1/articles?per_page=-1",
        "/api/v1/articles?section=%00",
        "/api/v1/articles/9223372036854775807",
        "/api/v1/articles/99999999999999999999999",
        "/assets/../../Cargo.toml",
        "/media/../dateline.db",
        "/media/%2e%2e%2fdateline.db",
        "/world/2026/02/30/x/",
        "/world/0000/00/00/x/",
        "/world/9999/12/31/x/",
        "/world/2026/03/10/%3Cscript%3E/",
        "/<script>alert(1)</script>/",
        "/world/2026/03/10/robust-story/extra/",
    ];
    for p in hostile
        .iter()
        .map(|s| s.to_string())
        .chain([format!("/{long}"), format!("{path}?{long}=1")])
    {
        let res = app.get(&p).await?;
        let status = res.status();
        let body = res.text().await?;
        assert!(!status.is_server_error(), "{p}: {status}");
        assert!(!body.contains("<script>alert"), "{p} reflected markup");
    }
    // Methods the site does not take are refused cleanly.
    let res = app.client.post(app.url(&path)).body("x").send().await?;
    assert_eq!(res.status(), 405);
    let res = app
        .client
        .delete(app.url("/api/v1/articles"))
        .send()
        .await?;
    assert_eq!(res.status(), 405);
    Ok(())
});
