//! Photos on reader pages (issue 18, "Photos"): a photo whose files the worker has not made
//! yet, which no page, feed or API answer may name until they exist.

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
