//! Fronts and listings: the front page, section fronts, tag and author pages, pagination.

use crate::*;

backend_test!(
    front_page_has_lead_top_stories_and_latest_per_section,
    |app| {
        let world = app.section("world", "World").await?;
        let business = app.section("business", "Business").await?;
        let t0 = ts("2026-03-01T10:00:00Z");
        for i in 0..10 {
            let sec = if i % 2 == 0 { &world } else { &business };
            app.article(&format!("Story number {i}"))
                .section(sec)
                .at(t0 + SignedDuration::from_hours(i))
                .publish()
                .await?;
        }
        let page = app.page("/", 200).await?;
        assert_eq!(page.text(".front-lead a.story-link"), "Story number 9");
        assert_eq!(page.all(".front-secondary a.story-link").len(), 6);
        let sections = page.texts(".front-section-title");
        assert_eq!(sections, ["World", "Business"]);
        // Top stories carry their section's name; a section's own block says it once.
        assert_eq!(page.all(".front-top .card-section").len(), 7);
        assert!(page.all(".front-section .card-section").is_empty());
        // Stories already on top are not repeated below.
        let below = page.texts(".front-section a.story-link");
        assert_eq!(
            below,
            ["Story number 2", "Story number 0", "Story number 1"]
        );
        assert_eq!(page.attr("link[rel=canonical]", "href"), app.url("/"));
        assert_eq!(
            page.texts("nav.sections-nav a"),
            ["Home", "World", "Business"]
        );
        Ok(())
    }
);

backend_test!(section_fronts_paginate_newest_first, |app| {
    let world = app.section("world", "World").await?;
    let other = app.section("sport", "Sport").await?;
    let t0 = ts("2026-01-01T10:00:00Z");
    for i in 0..23 {
        app.article(&format!("World story {i:02}"))
            .section(&world)
            .at(t0 + SignedDuration::from_hours(i))
            .publish()
            .await?;
    }
    app.article("Sport story").section(&other).publish().await?;
    let first = app.page("/world/", 200).await?;
    let heads = first.texts("a.story-link");
    assert_eq!(heads.len(), 20);
    assert_eq!(heads[0], "World story 22");
    assert_eq!(first.text("h1"), "World");
    // A hierarchy, not an even grid: the newest leads, four beside it, the rest listed under
    // a heading; no card repeats the section's name, which the h1 says once.
    assert_eq!(first.text(".front-lead a.story-link"), "World story 22");
    assert_eq!(
        first.texts(".front-secondary a.story-link"),
        [
            "World story 21",
            "World story 20",
            "World story 19",
            "World story 18"
        ]
    );
    assert_eq!(first.text(".section-more h2"), "More from World");
    assert_eq!(first.all(".section-more .card-row").len(), 15);
    assert!(first.all(".card-section").is_empty());
    assert_eq!(first.attr("a[rel=next]", "href"), "/world/?page=2");
    assert_eq!(
        first.attr("nav.sections-nav a[aria-current=page]", "href"),
        "/world/"
    );
    let second = app.page("/world/?page=2", 200).await?;
    assert_eq!(
        second.texts("a.story-link"),
        ["World story 02", "World story 01", "World story 00"]
    );
    assert!(
        second.all(".front-lead").is_empty(),
        "later pages are the list alone"
    );
    assert_eq!(second.all(".card-rows .card-row").len(), 3);
    assert_eq!(second.attr("a[rel=prev]", "href"), "/world/");
    assert_eq!(
        second.attr("link[rel=canonical]", "href"),
        app.url("/world/?page=2")
    );
    assert!(!second.source.contains("Sport story"));
    // Past the end: a clear message, not an empty page or a 500.
    let past = app.page("/world/?page=3", 400).await?;
    assert!(past.text(".error-message").contains("has 2 page(s)"));
    app.page("/no-such-section/", 404).await?;
    Ok(())
});

backend_test!(tag_pages_list_the_tags_stories_newest_first, |app| {
    let t0 = ts("2026-01-01T10:00:00Z");
    for i in 0..22 {
        app.article(&format!("Gulf story {i:02}"))
            .tags(&["Gulf"])
            .at(t0 + SignedDuration::from_hours(i))
            .publish()
            .await?;
    }
    app.article("Untagged story").publish().await?;
    let page = app.page("/tags/gulf/", 200).await?;
    assert_eq!(page.text("h1"), "Gulf");
    let heads = page.texts("a.story-link");
    assert_eq!(heads.len(), 20);
    assert_eq!(heads[0], "Gulf story 21");
    let page2 = app.page("/tags/gulf/?page=2", 200).await?;
    assert_eq!(
        page2.texts("a.story-link"),
        ["Gulf story 01", "Gulf story 00"]
    );
    app.page("/tags/nothing/", 404).await?;
    Ok(())
});

backend_test!(author_pages_show_bio_and_stories, |app| {
    let amira = app.person("amira-haddad", "Amira Haddad").await?;
    let tom = app.person("tom-keller", "Tom Keller").await?;
    app.article("Amira's story")
        .author(&amira)
        .publish()
        .await?;
    app.article("Joint story")
        .author(&tom)
        .author(&amira)
        .publish()
        .await?;
    app.article("Tom's draft").author(&tom).draft().await?;
    let page = app.page("/authors/amira-haddad/", 200).await?;
    assert_eq!(page.text("h1"), "Amira Haddad");
    assert_eq!(
        page.text(".author-bio"),
        "Amira Haddad reports for the Test Herald."
    );
    assert_eq!(page.texts("a.story-link"), ["Joint story", "Amira's story"]);
    let tom_page = app.page("/authors/tom-keller/", 200).await?;
    assert_eq!(tom_page.texts("a.story-link"), ["Joint story"]);
    app.page("/authors/nobody/", 404).await?;
    Ok(())
});

backend_test!(
    community_standards_come_from_the_settings_as_markdown,
    |app| {
        app.configure(|s| {
            s.community_standards = "# Be civil\n\n1. No abuse.\n2. Stay <b>on</b> topic.\n".into();
        })
        .await?;
        let page = app.page("/community-standards/", 200).await?;
        assert_eq!(page.text("h1"), "Community standards");
        assert_eq!(page.text(".prose h2"), "Be civil");
        assert_eq!(
            page.texts(".prose ol li"),
            ["No abuse.", "Stay <b>on</b> topic."]
        );
        Ok(())
    }
);
