//! The demo newsroom loads on both backends and every one of its stories and static pages is a
//! working page.

use crate::*;

backend_test!(the_demo_loads_and_every_story_renders, |app| {
    let media = app.state.media.clone();
    let n = dateline::demo::load(&app.store, &media, app.clock.now()).await?;
    assert!(n >= 40);
    // Loading twice is refused rather than duplicating the site.
    assert!(
        dateline::demo::load(&app.store, &media, app.clock.now())
            .await
            .is_err()
    );
    let sections = app.store.sections().await?;
    assert!(sections.len() >= 5);
    // The static pages: published, each answering at its slug, listed in the footer in order.
    let front = app.page("/", 200).await?;
    assert_eq!(
        front.texts(".footer-pages a"),
        ["About us", "Contact", "Corrections policy", "Privacy"]
    );
    for path in front.attrs(".footer-pages a", "href") {
        let page = app.page(&path, 200).await?;
        assert!(page.text(".prose").len() > 500, "{path} has real text");
    }
    let list = app.json("/api/v1/articles?per_page=100", 200).await?;
    let articles = list["articles"].as_array().cloned().unwrap_or_default();
    assert_eq!(articles.len(), n);
    let (mut read_more, mut photos, mut notes, mut related) = (0, 0, 0, 0);
    for a in &articles {
        let url = a["url"].as_str().unwrap_or_default();
        let path = url.strip_prefix(&app.base).unwrap_or(url);
        let page = app.page(path, 200).await?;
        assert!(page.has("figure.story-lead img[srcset]"), "{path}");
        read_more += page.all("aside.read-more").len();
        photos += page.all(".story-body figure.photo").len();
        notes += page.all(".footnotes .footnote").len();
        related += usize::from(page.has(".related"));
    }
    assert!(read_more >= 20, "{read_more} READ MORE blocks");
    assert!(photos >= 5, "{photos} body photos");
    assert!(notes >= 5, "{notes} footnotes");
    assert_eq!(related, n, "every demo story has related stories");
    // The demo's withdrawn story: in no listing, and its page is the 410 with the editors' note
    // (reached through a wrong-date URL, which answers 301 to the canonical one).
    let old_url = "/business/2000/01/01/corran-line-chief-executive-to-step-down/";
    let res = app.get(old_url).await?;
    assert_eq!(res.status(), 301);
    let canonical = res.headers()["location"].to_str()?.to_owned();
    let gone = app.page(&canonical, 410).await?;
    assert!(gone.text(".withdrawn-note").contains("issued in error"));
    assert!(
        !articles
            .iter()
            .any(|a| a["url"].as_str().is_some_and(|u| u.ends_with(&canonical)))
    );
    // Authors have portraits on their pages.
    let author = articles[0]["authors"][0]["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let author_page = app
        .page(author.strip_prefix(&app.base).unwrap_or(&author), 200)
        .await?;
    assert!(
        author_page
            .attr("img.author-photo", "alt")
            .starts_with("Portrait of ")
    );
    // The generated photos exist and are real JPEGs.
    let front = app.page("/", 200).await?;
    let src = front.attr(".front-lead img", "src");
    let res = app.get(&src).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await?[..3], b"\xff\xd8\xff");
    // The demo is on air: Listen Live points at its station, whose playlist plays with no
    // source connected (issue 23).
    assert!(front.has(".site-header a.listen-live"));
    let station = dateline_core::live::MountPath::parse(dateline::demo::DEMO_MOUNT)?;
    let playlist = app.store.playlist(&station).await?;
    let titles: Vec<&str> = playlist.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Dateline Radio - Station identification",
            "Dateline Radio - Interlude in C",
            "Dateline Radio - The headlines"
        ]
    );
    let total: i64 = playlist.items.iter().map(|i| i.duration_ms).sum();
    assert!(
        (150_000..=300_000).contains(&total),
        "{total} ms of demo audio"
    );
    app.state.playlists.sync().await?;
    let on_air = app
        .state
        .live
        .hub()
        .mount_status(&station)
        .and_then(|s| s.source)
        .is_some_and(|s| s.playlist);
    assert!(on_air, "the demo station plays its playlist");
    Ok(())
});
