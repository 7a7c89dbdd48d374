//! Photos on reader pages (issue 18, "Photos"): which load at once (the lead, the first
//! visible ones) and which lazily, and a photo whose files the worker has not made yet, which
//! no page, feed or API answer may name until they exist.

use crate::photo_formats::jpeg;
use crate::*;
use dateline_core::media::Extra;
use dateline_core::slug::Slug;
use dateline_store::{NewMedia, NewPerson};

/// Every `/media/NAME` a text names (pages, feeds and JSON alike), once each.
fn media_urls(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (at, _) in text.match_indices("/media/") {
        let name: String = text[at + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
            .collect();
        let name = name.trim_end_matches('.');
        let path = format!("/media/{name}");
        if !name.is_empty() && !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// A page's text, which must answer 200.
async fn read(app: &TestApp, path: &str) -> anyhow::Result<String> {
    let res = app.get(path).await?;
    assert_eq!(res.status(), 200, "{path}");
    Ok(res.text().await?)
}

backend_test!(a_photo_whose_files_are_not_made_is_named_nowhere, |app| {
    // An upload as a stopped worker leaves it: the original kept, the row written, no
    // variants yet (and no job: the worker is "stopped" until the test queues it).
    let hash = "00000000000000ef";
    let dir = app.data_dir().join("media/originals");
    tokio::fs::create_dir_all(&dir).await?;
    tokio::fs::write(dir.join(format!("{hash}.jpg")), jpeg(700, 350)).await?;
    let photo = app
        .store
        .create_media(
            NewMedia {
                hash: hash.to_owned(),
                mime: "image/jpeg".to_owned(),
                width: 700,
                height: 350,
                alt: "Cranes over the quay".to_owned(),
                caption: "The new quay.".to_owned(),
                credit: Credit::default(),
                variants: Vec::new(),
                file_name: None,
            },
            app.clock.now(),
        )
        .await?;
    let sec = app.section("world", "World").await?;
    let author = app
        .store
        .create_person(
            NewPerson {
                slug: Slug::parse("ana-ruiz")?,
                name: "Ana Ruiz".to_owned(),
                title: "Correspondent".to_owned(),
                bio: "Ana reports.".to_owned(),
                photo_media_id: Some(photo.id),
            },
            app.clock.now(),
        )
        .await?;
    let body = format!("Intro.\n\n::: photo {}\n:::\n\nMore.\n", photo.id);
    let with_lead = app
        .article("Quay reopens")
        .section(&sec)
        .author(&author)
        .tags(&["harbour"])
        .lead(&photo)
        .body(&body)
        .at(ts("2020-01-29T12:00:00Z"))
        .publish()
        .await?;
    // No lead photo: its social card and JSON-LD would take the body's first photo.
    let without_lead = app
        .article("Cranes arrive")
        .section(&sec)
        .body(&body)
        .at(ts("2020-01-28T12:00:00Z"))
        .publish()
        .await?;
    let paths = [
        app.path_of(&with_lead).await?,
        app.path_of(&without_lead).await?,
        "/".to_owned(),
        "/world/".to_owned(),
        "/tags/harbour/".to_owned(),
        "/authors/ana-ruiz/".to_owned(),
        "/feed.xml".to_owned(),
        "/world/feed.xml".to_owned(),
        "/api/v1/articles".to_owned(),
        format!("/api/v1/articles/{}", with_lead.id),
    ];
    // Pending: the photo is left out everywhere, so every photo address named answers.
    for path in &paths {
        let text = read(&app, path).await?;
        assert!(
            !text.contains(hash),
            "{path} names the pending photo:\n{text}"
        );
        for url in media_urls(&text) {
            assert_eq!(app.get(&url).await?.status(), 200, "{path} names {url}");
        }
    }
    let page = app.page(&paths[0], 200).await?;
    assert!(!page.has("figure.story-lead"), "no lead figure yet");
    assert!(!page.has(".story-body figure.photo"), "no body figure yet");
    assert!(!page.has("meta[property='og:image']"));
    let api = app
        .json(&format!("/api/v1/articles/{}", with_lead.id), 200)
        .await?;
    assert!(api["lead_image"].is_null(), "{api}");

    // The worker runs: its write of the widths drops the cached pages, so the very next view
    // of each shows the photo, and still names only files that exist.
    assert_eq!(app.state.variants.resume(&app.store).await?, 1);
    app.state.variants.settled().await;
    let made = app.store.media(photo.id).await?;
    assert_eq!(made.variants, vec![320, 640]);
    assert_eq!(made.formats, vec![Extra::Avif, Extra::Webp]);
    for path in &paths {
        let text = read(&app, path).await?;
        assert!(text.contains(hash), "{path} shows the photo once made");
        for url in media_urls(&text) {
            assert_eq!(app.get(&url).await?.status(), 200, "{path} names {url}");
        }
    }
    let page = app.page(&paths[0], 200).await?;
    assert_eq!(
        page.attr("figure.story-lead picture > img", "src"),
        format!("/media/{hash}-640.jpg")
    );
    assert!(page.has(".story-body figure.photo picture > source[type='image/avif']"));
    assert_eq!(
        page.attr("meta[property='og:image']", "content"),
        app.url(&format!("/media/{hash}-640.jpg"))
    );
    let card = app.page(&paths[1], 200).await?;
    assert_eq!(
        card.attr("meta[property='og:image']", "content"),
        app.url(&format!("/media/{hash}-640.jpg")),
        "a story without a lead photo has the body's first on its social card"
    );
    Ok(())
});

/// Whether each photo `css` matches on `page` loads lazily, in document order.
fn lazy(page: &Page, css: &str) -> Vec<bool> {
    page.all(css)
        .iter()
        .map(|img| img.value().attr("loading") == Some("lazy"))
        .collect()
}

/// `eager` photos loaded at once, then `rest` lazily.
fn first_eager(eager: usize, rest: usize) -> Vec<bool> {
    std::iter::repeat_n(false, eager)
        .chain(std::iter::repeat_n(true, rest))
        .collect()
}

backend_test!(
    first_screen_photos_load_at_once_and_the_rest_lazily,
    |app| {
        let world = app.section("world", "World").await?;
        let sport = app.section("sport", "Sport").await?;
        let author = app.person("ana-ruiz", "Ana Ruiz").await?;
        let photo = app
            .photo("ab12", "Boats at dawn", "", Credit::default())
            .await?;
        // 28 stories with photos in World (a second page of 8), under one tag and one byline;
        // two in Sport, so the front has a section block below the top stories.
        for i in 0..28 {
            app.article(&format!("World story {i}"))
                .section(&world)
                .author(&author)
                .tags(&["harbour"])
                .lead(&photo)
                .at(ts("2020-01-01T12:00:00Z") + SignedDuration::from_hours(i))
                .publish()
                .await?;
        }
        for i in 0..2 {
            app.article(&format!("Sport story {i}"))
                .section(&sport)
                .lead(&photo)
                .at(ts("2019-12-01T12:00:00Z") + SignedDuration::from_hours(i))
                .publish()
                .await?;
        }

        // The front: the lead (fetched first) and the six top stories beside it at once; the
        // section blocks below the fold lazily.
        let front = app.page("/", 200).await?;
        assert_eq!(lazy(&front, ".front-lead img"), [false]);
        assert_eq!(front.attr(".front-lead img", "fetchpriority"), "high");
        assert_eq!(lazy(&front, ".front-secondary img"), first_eager(6, 0));
        let blocks = lazy(&front, ".front-section img");
        assert!(
            !blocks.is_empty() && blocks.iter().all(|l| *l),
            "{blocks:?}"
        );

        // A section's first page: its lead and the four beside it at once, the list below lazily.
        let section = app.page("/world/", 200).await?;
        assert_eq!(lazy(&section, ".front-lead img"), [false]);
        assert_eq!(lazy(&section, ".front-secondary img"), first_eager(4, 0));
        assert_eq!(lazy(&section, ".section-more img"), first_eager(0, 15));
        // Its later page, a list alone: the first six (three rows of two columns) at once.
        let later = app.page("/world/?page=2", 200).await?;
        assert_eq!(lazy(&later, "main img"), first_eager(6, 2));
        assert!(!later.has("main img[fetchpriority]"));

        let tag = app.page("/tags/harbour/", 200).await?;
        assert_eq!(lazy(&tag, ".card-list img"), first_eager(6, 14));
        let byline = app.page("/authors/ana-ruiz/", 200).await?;
        assert_eq!(lazy(&byline, ".card-list img"), first_eager(3, 17));

        // A story with no lead photo: its body's first photo is the first a reader sees.
        let body = format!(
            "Intro.\n\n::: photo {id}\n:::\n\nMore.\n\n::: photo {id}\n:::\n\nEnd.\n",
            id = photo.id
        );
        let bare = app
            .article("No lead photo")
            .section(&sport)
            .body(&body)
            .publish()
            .await?;
        let page = app.page(&app.path_of(&bare).await?, 200).await?;
        assert!(!page.has("figure.story-lead"));
        assert_eq!(lazy(&page, ".story-body figure.photo img"), [false, true]);
        // With a lead photo, the lead is the one loaded at once.
        let led = app
            .article("A lead photo")
            .section(&sport)
            .lead(&photo)
            .body(&body)
            .publish()
            .await?;
        let page = app.page(&app.path_of(&led).await?, 200).await?;
        assert_eq!(lazy(&page, "figure.story-lead img"), [false]);
        assert_eq!(lazy(&page, ".story-body figure.photo img"), [true, true]);
        Ok(())
    }
);
