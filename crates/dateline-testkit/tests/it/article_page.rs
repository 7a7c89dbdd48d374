//! The article page's anatomy: every numbered element of issue 2, checked on a parsed page.

use crate::*;

backend_test!(headline_standfirst_and_byline_with_several_authors, |app| {
    let middle_east = app.section("middle-east", "Middle East").await?;
    let amira = app.person("amira-haddad", "Amira Haddad").await?;
    let tom = app.person("tom-keller", "Tom Keller").await?;
    let a = app
        .article("Talks resume over Gulf shipping lanes")
        .standfirst("Delegations returned to the table after a three-week pause.")
        .section(&middle_east)
        .author(&amira)
        .author(&tom)
        .publish()
        .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(
        page.text("article.story h1.story-headline"),
        "Talks resume over Gulf shipping lanes"
    );
    assert_eq!(
        page.text("article.story p.story-standfirst"),
        "Delegations returned to the table after a three-week pause."
    );
    assert_eq!(
        page.texts(".byline a[rel=author]"),
        ["Amira Haddad", "Tom Keller"]
    );
    assert_eq!(
        page.attrs(".byline a[rel=author]", "href"),
        ["/authors/amira-haddad/", "/authors/tom-keller/"]
    );
    // The section, linking to its front.
    assert_eq!(page.text("a.story-section"), "Middle East");
    assert_eq!(page.attr("a.story-section", "href"), "/middle-east/");
    Ok(())
});

backend_test!(dateline_in_the_site_zone_with_iso_datetime, |app| {
    let a = app
        .article("Winter story")
        .at(ts("2020-01-29T12:03:00Z"))
        .publish()
        .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.text("time.dateline"), "12:03 GMT 29 January 2020");
    assert_eq!(
        page.attr("time.dateline", "datetime"),
        "2020-01-29T12:03:00+00:00"
    );
    assert!(
        !page.has(".updated"),
        "a story never changed shows no Updated time"
    );

    let b = app
        .article("Summer story")
        .at(ts("2020-07-01T08:05:00Z"))
        .publish()
        .await?;
    let page = app.page(&app.path_of(&b).await?, 200).await?;
    assert_eq!(page.text("time.dateline"), "09:05 BST 1 July 2020");

    app.configure(|s| s.time_zone = "Europe/Moscow".into())
        .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.text("time.dateline"), "15:03 MSK 29 January 2020");
    assert_eq!(
        page.attr("time.dateline", "datetime"),
        "2020-01-29T15:03:00+03:00"
    );
    Ok(())
});

backend_test!(a_changed_published_story_shows_updated, |app| {
    let a = app
        .article("Ceasefire agreed")
        .at(ts("2026-03-10T09:00:00Z"))
        .publish()
        .await?;
    app.clock.set(ts("2026-03-10T14:30:00Z"));
    app.edit(a.id, true, |i| {
        i.standfirst = "Both sides confirmed the terms.".into()
    })
    .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.text("time.dateline"), "09:00 GMT 10 March 2026");
    assert_eq!(page.text("time.updated-time"), "14:30 GMT 10 March 2026");
    assert!(page.text(".updated").starts_with("Updated"));

    // A minor fix (not a public update) leaves the Updated time alone.
    app.clock.set(ts("2026-03-10T16:00:00Z"));
    app.edit(a.id, false, |i| {
        i.standfirst = "Both sides confirmed the terms on Tuesday.".into()
    })
    .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.text("time.updated-time"), "14:30 GMT 10 March 2026");
    Ok(())
});

backend_test!(get_short_url_reveals_a_working_short_link, |app| {
    let a = app.article("Short links work").publish().await?;
    let path = app.path_of(&a).await?;
    let page = app.page(&path, 200).await?;
    assert_eq!(page.text("details.short-url > summary"), "Get short URL");
    let short = page.attr("a.short-url-link", "href");
    let code = short.rsplit('/').next().unwrap_or_default().to_owned();
    assert_eq!(short, app.url(&format!("/s/{code}")));
    assert!(code.len() <= 7 && !code.is_empty());
    assert!(
        code.chars()
            .all(|c| "23456789abcdefghjkmnpqrstuvwxyz".contains(c)),
        "{code}"
    );
    assert_eq!(page.attr("button.copy-short-url", "data-copy"), short);

    let res = app.get(&format!("/s/{code}")).await?;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], path.as_str());
    // Upper case is the same link; the code never changes when the story does.
    assert_eq!(
        app.get(&format!("/s/{}", code.to_uppercase()))
            .await?
            .status(),
        301
    );
    app.edit(a.id, true, |i| i.headline = "Short links still work".into())
        .await?;
    let page = app.page(&path, 200).await?;
    assert_eq!(page.attr("a.short-url-link", "href"), short);

    // Unknown, malformed and non-canonical spellings are the 404 page.
    for bad in [
        "/s/zzzzzzz",
        "/s/0000000",
        "/s/abcdefgh",
        "/s/%3Cscript%3E",
        "/s/2",
    ] {
        let page = app.page(bad, 404).await?;
        assert_eq!(page.text("h1"), "Page not found", "{bad}");
    }
    // A draft's code is not a link yet.
    let draft = app.article("Not yet").draft().await?;
    app.page(&format!("/s/{}", draft.short_code), 404).await?;
    Ok(())
});

backend_test!(
    listen_live_appears_only_when_a_stream_is_configured,
    |app| {
        let a = app.article("Radio story").publish().await?;
        let path = app.path_of(&a).await?;
        let page = app.page(&path, 200).await?;
        assert!(
            !page.has(".listen-live"),
            "no stream configured: no control"
        );
        app.page("/live/", 404).await?;
        let csp = app.get(&path).await?.headers()["content-security-policy"]
            .to_str()?
            .to_owned();
        assert!(csp.contains("media-src 'self';"), "{csp}");

        app.configure(|s| {
            s.live_stream_url = "https://radio.example.net/live.mp3".into();
            s.live_stream_name = "Herald Radio".into();
        })
        .await?;
        for p in ["/", path.as_str(), "/community-standards/"] {
            let page = app.page(p, 200).await?;
            // A link to the pop-out player, in a named window that keeps playing.
            assert!(
                page.text(".site-header a.listen-live")
                    .starts_with("Listen Live"),
                "{p}"
            );
            assert_eq!(page.attr(".site-header a.listen-live", "href"), "/live/");
            assert_eq!(
                page.attr(".site-header a.listen-live", "target"),
                "dateline-live"
            );
        }
        // The player page plays the configured stream; an outside stream's state is unknown.
        // It is the pop-out window itself: no Listen Live pointing at itself (issue 18).
        let player = app.page("/live/", 200).await?;
        assert!(!player.has("a.listen-live"));
        assert_eq!(player.text("h1"), "Herald Radio");
        assert_eq!(
            player.attr(".live-console audio", "src"),
            "https://radio.example.net/live.mp3"
        );
        assert_eq!(player.text(".live-state-text"), "Live stream");
        assert!(!player.has(".live-console[data-live-mount]"));
        let csp = app.get(&path).await?.headers()["content-security-policy"]
            .to_str()?
            .to_owned();
        assert!(
            csp.contains("media-src 'self' https://radio.example.net;"),
            "{csp}"
        );
        Ok(())
    }
);

backend_test!(
    tags_link_to_tag_pages_and_community_standards_is_linked,
    |app| {
        let a = app
            .article("Tagged story")
            .tags(&["Shipping", "Gulf States"])
            .publish()
            .await?;
        let page = app.page(&app.path_of(&a).await?, 200).await?;
        assert_eq!(page.texts(".tags a"), ["Shipping", "Gulf States"]);
        assert_eq!(
            page.attrs(".tags a", "href"),
            ["/tags/shipping/", "/tags/gulf-states/"]
        );
        assert!(page.has("a[href='/community-standards/']"));
        // The discussion is its own resource (issue 4); the cached story page carries its first
        // page as anonymous readers see it (issue 18), with the ways in, and no form: a
        // reader's forms come with their own view.
        assert_eq!(
            page.attr("a.discussion-link", "href"),
            format!("/discussion/{}/", a.id)
        );
        assert!(page.has("#discussion-slot section.discussion a.comment-via"));
        assert!(!page.has("main form"));
        Ok(())
    }
);

backend_test!(
    head_has_title_description_canonical_social_cards_and_json_ld,
    |app| {
        let sec = app.section("middle-east", "Middle East").await?;
        let amira = app.person("amira-haddad", "Amira Haddad").await?;
        let photo = app
            .photo(
                "abc123",
                "Delegates at the table",
                "Talks reopen.",
                Credit::new("Reuters", "Bandar Algaloud", "Saudi Royal Court"),
            )
            .await?;
        let a = app
            .article("Talks \"resume\" </script><script>alert(1)</script> in Velmora")
            .standfirst("A standfirst & a description.")
            .section(&sec)
            .author(&amira)
            .tags(&["Diplomacy", "Gulf"])
            .lead(&photo)
            .at(ts("2020-01-29T12:03:00Z"))
            .publish()
            .await?;
        let path = app.path_of(&a).await?;
        let page = app.page(&path, 200).await?;
        assert!(page.text("title").starts_with("Talks \"resume\" </script>"));
        assert!(page.text("title").ends_with("| The Test Herald"));
        assert_eq!(
            page.attr("meta[name=description]", "content"),
            "A standfirst & a description."
        );
        assert_eq!(page.attr("link[rel=canonical]", "href"), app.url(&path));
        assert_eq!(
            page.attr("meta[property='og:url']", "content"),
            app.url(&path)
        );
        assert_eq!(page.attr("meta[property='og:type']", "content"), "article");
        assert_eq!(
            page.attr("meta[name='twitter:card']", "content"),
            "summary_large_image"
        );
        assert_eq!(
            page.attr("meta[property='og:image']", "content"),
            app.url("/media/abc123-1600.jpg")
        );
        // No injected script element: only our own two scripts exist.
        assert_eq!(page.all("script").len(), 2);
        let ld: serde_json::Value =
            serde_json::from_str(&page.one("script[type='application/ld+json']").inner_html())?;
        assert_eq!(ld["@type"], "NewsArticle");
        assert_eq!(ld["headline"], a.headline.as_str());
        assert_eq!(ld["datePublished"], "2020-01-29T12:03:00+00:00");
        assert_eq!(ld["dateModified"], "2020-01-29T12:03:00+00:00");
        assert_eq!(ld["author"][0]["name"], "Amira Haddad");
        assert_eq!(ld["author"][0]["url"], app.url("/authors/amira-haddad/"));
        assert_eq!(ld["publisher"]["name"], "The Test Herald");
        assert_eq!(ld["articleSection"], "Middle East");
        assert_eq!(ld["keywords"], serde_json::json!(["Diplomacy", "Gulf"]));
        assert_eq!(ld["image"][0]["url"], app.url("/media/abc123-1600.jpg"));
        assert_eq!(
            ld["image"][0]["creditText"],
            "© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court"
        );
        // The lead photo itself: responsive, sized, credited.
        assert_eq!(page.attr("figure.story-lead img", "width"), "1024");
        assert_eq!(page.attr("figure.story-lead img", "height"), "576");
        assert!(
            page.attr("figure.story-lead img", "srcset")
                .contains("/media/abc123-640.jpg 640w")
        );
        assert_eq!(
            page.text("figure.story-lead .credit"),
            "© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court"
        );
        Ok(())
    }
);

backend_test!(drafts_are_invisible_to_readers, |app| {
    let d = app
        .article("Secret draft")
        .slug("secret-draft")
        .draft()
        .await?;
    // A draft has no path date, so guess any: every shape is a 404.
    app.page("/world/2026/03/10/secret-draft/", 404).await?;
    let front = app.page("/", 200).await?;
    assert!(!front.source.contains("Secret draft"));
    app.json(&format!("/api/v1/articles/{}", d.id), 404).await?;
    Ok(())
});

backend_test!(
    json_ld_lists_every_author_credits_the_image_and_survives_any_headline,
    |app| {
        let ana = app.person("ana-lopes", "Ana Lopes").await?;
        let zoe = app.person("zoe-muller", "Zoë Müller").await?;
        let photo = app
            .photo(
                "c0ffee",
                "A harbour at dusk",
                "Boats wait.",
                Credit::new("AFP", "Léa Dubois", ""),
            )
            .await?;
        // Quotes, a closing script tag, an HTML comment opener, line and paragraph separators,
        // right-to-left text and an emoji: none may end the script element or break the JSON.
        let headline = "“Quoted” \"and\" </script><!-- 'ok' \\ \u{2028}\u{2029} مرحبا 🌊";
        let a = app
            .article(headline)
            .slug("json-ld-edge-cases")
            .author(&ana)
            .author(&zoe)
            .lead(&photo)
            .publish()
            .await?;
        let page = app.page(&app.path_of(&a).await?, 200).await?;
        let scripts = page.all("script[type='application/ld+json']");
        assert_eq!(scripts.len(), 1);
        let raw = scripts[0].inner_html();
        assert!(!raw.contains("</script") && !raw.contains("<!--"), "{raw}");
        let ld: serde_json::Value = serde_json::from_str(&raw)?;
        assert_eq!(ld["headline"], headline);
        assert_eq!(
            ld["author"],
            serde_json::json!([
                {"@type": "Person", "name": "Ana Lopes", "url": app.url("/authors/ana-lopes/")},
                {"@type": "Person", "name": "Zoë Müller", "url": app.url("/authors/zoe-muller/")},
            ])
        );
        assert_eq!(ld["image"][0]["creditText"], "© AFP / Léa Dubois");
        assert_eq!(ld["image"][0]["url"], app.url("/media/c0ffee-1600.jpg"));
        Ok(())
    }
);

// The article page reads its story and every list it shows in one statement (JSON columns,
// written twice: once per backend). It must agree with the one-list-per-statement reads the
// API, feeds and newsroom use, order included, on both backends.
backend_test!(the_page_read_agrees_with_the_separate_reads, |app| {
    let zed = app.person("zed-orban", "Zed Orban").await?;
    let amy = app.person("amy-lund", "Amy Lund").await?;
    // "zeta" gets the lower tag id; the story lists it second.
    app.article("Earlier story")
        .tags(&["zeta"])
        .publish()
        .await?;
    let lead = app
        .photo(
            "feed0a",
            "Harbour at dawn",
            "Boats wait.",
            Credit::default(),
        )
        .await?;
    let inline = app
        .photo(
            "feed0b",
            "Quay",
            "Cranes stand idle.",
            Credit::new("Reuters", "Ana Ruiz", ""),
        )
        .await?;
    let kept_target = app.article("Published target").publish().await?;
    let gone_target = app.article("Target to withdraw").publish().await?;
    let pick = app.article("Published pick").publish().await?;
    let draft_pick = app.article("Draft pick").draft().await?;
    let mut more = Vec::new();
    for i in 0..3 {
        more.push(app.article(&format!("More {i}")).publish().await?);
    }
    let a = app
        .article("The story under test")
        .author(&amy)
        .author(&zed)
        .tags(&["alpha", "zeta"])
        .lead(&lead)
        .related(&[draft_pick.id, pick.id])
        .body(&format!(
            "Para.\n\nREAD MORE: #{}\n\n::: photo {}\n:::\n\nREAD MORE: #{}\n",
            kept_target.id, inline.id, gone_target.id
        ))
        .publish()
        .await?;
    let store = &app.store;
    let now = app.clock.now();
    store.add_correction(a.id, "First note.", None, now).await?;
    store
        .add_correction(a.id, "Second note.", None, now)
        .await?;
    store
        .withdraw_article(gone_target.id, "Legal.", now)
        .await?;
    store
        .save_related_list(
            a.id,
            // The story itself, a withdrawn one and a pick again are passed over; the fifth
            // story shown would be `more[2]`.
            &[
                kept_target.id,
                a.id,
                gone_target.id,
                pick.id,
                more[0].id,
                more[1].id,
                more[2].id,
            ],
            now,
        )
        .await?;

    let page = store.article_page(a.slug.as_str()).await?;
    assert_eq!(page.article, store.article(a.id).await?);
    // What the page must show, spelled out…
    let names: Vec<_> = page.authors.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Amy Lund", "Zed Orban"]);
    let tags: Vec<_> = page.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["alpha", "zeta"]);
    let notes: Vec<_> = page.corrections.iter().map(|c| c.note.as_str()).collect();
    assert_eq!(notes, ["First note.", "Second note."]);
    assert_eq!(page.links.len(), 1, "the withdrawn target drops out");
    assert_eq!(
        page.links.values().next().map(|l| l.headline.as_str()),
        Some("Published target")
    );
    let mut photos: Vec<_> = page.media.iter().map(|m| m.id).collect();
    photos.sort();
    assert_eq!(photos, [lead.id, inline.id]);
    assert_eq!(page.related_picks, [pick.id]);
    let kept = page.related_kept.clone().unwrap_or_default();
    assert_eq!(kept.len(), 7);
    let shown: Vec<_> = page.related.iter().map(|s| s.headline.as_str()).collect();
    assert_eq!(
        shown,
        ["Published pick", "Published target", "More 0", "More 1"]
    );
    // …and the same as the separate reads give.
    let ids = [a.id];
    let authors: Vec<_> = store
        .authors_of(&ids)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(page.authors, authors);
    let tags: Vec<_> = store
        .tags_of(&ids)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(page.tags, tags);
    assert_eq!(page.corrections, store.corrections(a.id).await?);
    let links = store.read_more_targets_of(&ids).await?.remove(&a.id);
    assert_eq!(Some(page.links.clone()), links);
    let mut media = store.media_of_bodies(&ids, &[lead.id]).await?;
    media.sort_by_key(|m| m.id);
    let mut mine = page.media.clone();
    mine.sort_by_key(|m| m.id);
    assert_eq!(mine, media);
    assert_eq!(page.related_kept, store.related_list(a.id).await?);
    // The related block as the page chose it before it came with the story: merge the picks
    // (all of them) with the kept list, then the summaries of the first published ones.
    let subject = dateline_core::related::Subject {
        id: a.id,
        section_id: a.section_id,
    };
    let merged = dateline_core::related::merge(&subject, &[draft_pick.id, pick.id], &kept);
    let mut expected = Vec::new();
    for batch in merged.chunks(4) {
        expected.extend(store.summaries(batch).await?);
    }
    expected.truncate(4);
    assert_eq!(page.related, expected);
    // A story with none of the lists reads as empty lists, not as an error.
    let bare = app.article("Bare").publish().await?;
    let page = store.article_page(bare.slug.as_str()).await?;
    assert!(page.tags.is_empty() && page.corrections.is_empty() && page.media.is_empty());
    assert!(page.links.is_empty() && page.related_picks.is_empty());
    assert_eq!(page.related_kept, None);
    assert!(page.related.is_empty());
    assert!(matches!(
        store.article_page("no-such-story").await,
        Err(dateline_store::StoreError::NotFound)
    ));
    Ok(())
});
