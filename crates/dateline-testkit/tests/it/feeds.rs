//! Feeds and sitemaps: RSS, Atom and JSON Feed for the site and every section, tag and author;
//! the sitemap index and its paged sitemaps; the Google News sitemap; robots.txt. Every answer
//! is parsed with a real XML or JSON parser, never searched as text.

use crate::*;
use dateline_core::site::FeedContent;
use dateline_store::feeds::SitemapKind;

const RSS: &str = "application/rss+xml; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const JSON_FEED: &str = "application/feed+json; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// The three feed files under a listing's path, with their content types.
const KINDS: [(&str, &str); 3] = [
    ("feed.xml", RSS),
    ("atom.xml", ATOM),
    ("feed.json", JSON_FEED),
];

/// GET `path` expecting 200 and `content_type`; the body.
async fn fetch(app: &TestApp, path: &str, content_type: &str) -> anyhow::Result<String> {
    let res = app.get(path).await?;
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.text().await?;
    anyhow::ensure!(status == 200, "GET {path}: {status}\n{body}");
    anyhow::ensure!(ct == content_type, "GET {path}: content type {ct}");
    Ok(body)
}

/// The children of `node` named `name` in namespace `ns` (None: no namespace).
fn kids<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: Option<&str>,
    name: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|n| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == ns)
        .collect()
}

fn kid<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: Option<&str>,
    name: &str,
) -> roxmltree::Node<'a, 'i> {
    kids(node, ns, name)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("<{}> has no <{name}>", node.tag_name().name()))
}

fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.text().unwrap_or("").to_owned()
}

/// One feed item in any of the three formats, as the tests look at it.
#[derive(Debug, Default)]
struct FeedItem {
    title: String,
    url: String,
    summary: String,
    content_html: Option<String>,
    image: Option<(String, String)>,
    authors: Vec<String>,
}

/// The items of a feed, in document order.
fn items(file: &str, body: &str) -> anyhow::Result<Vec<FeedItem>> {
    match file {
        "feed.xml" => {
            let doc = roxmltree::Document::parse(body)?;
            let rss = doc.root_element();
            assert_eq!(rss.tag_name().name(), "rss");
            assert_eq!(rss.attribute("version"), Some("2.0"));
            let channel = kid(rss, None, "channel");
            let self_link = kid(channel, Some(ATOM_NS), "link");
            assert_eq!(self_link.attribute("rel"), Some("self"));
            Ok(kids(channel, None, "item")
                .into_iter()
                .map(|i| FeedItem {
                    title: text(kid(i, None, "title")),
                    url: text(kid(i, None, "link")),
                    summary: text(kid(i, None, "description")),
                    content_html: kids(i, Some(CONTENT_NS), "encoded")
                        .first()
                        .map(|n| text(*n)),
                    image: kids(i, None, "enclosure").first().map(|e| {
                        (
                            e.attribute("url").unwrap_or("").to_owned(),
                            e.attribute("type").unwrap_or("").to_owned(),
                        )
                    }),
                    authors: kids(i, Some(DC_NS), "creator")
                        .into_iter()
                        .map(text)
                        .collect(),
                })
                .collect())
        }
        "atom.xml" => {
            let doc = roxmltree::Document::parse(body)?;
            let feed = doc.root_element();
            assert_eq!(feed.tag_name().namespace(), Some(ATOM_NS));
            assert!(!text(kid(feed, Some(ATOM_NS), "id")).is_empty());
            assert!(!text(kid(feed, Some(ATOM_NS), "updated")).is_empty());
            Ok(kids(feed, Some(ATOM_NS), "entry")
                .into_iter()
                .map(|e| {
                    let links = kids(e, Some(ATOM_NS), "link");
                    let rel = |r: &str| {
                        links
                            .iter()
                            .find(|l| l.attribute("rel") == Some(r))
                            .map(|l| {
                                (
                                    l.attribute("href").unwrap_or("").to_owned(),
                                    l.attribute("type").unwrap_or("").to_owned(),
                                )
                            })
                    };
                    FeedItem {
                        title: text(kid(e, Some(ATOM_NS), "title")),
                        url: rel("alternate").map(|l| l.0).unwrap_or_default(),
                        summary: text(kid(e, Some(ATOM_NS), "summary")),
                        content_html: kids(e, Some(ATOM_NS), "content").first().map(|c| {
                            assert_eq!(c.attribute("type"), Some("html"));
                            text(*c)
                        }),
                        image: rel("enclosure"),
                        authors: kids(e, Some(ATOM_NS), "author")
                            .into_iter()
                            .map(|a| text(kid(a, Some(ATOM_NS), "name")))
                            .collect(),
                    }
                })
                .collect())
        }
        "feed.json" => {
            let feed: serde_json::Value = serde_json::from_str(body)?;
            assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
            assert!(feed["title"].is_string());
            let list = feed["items"].as_array().cloned().unwrap_or_default();
            Ok(list
                .iter()
                .map(|i| {
                    assert!(i["id"].as_str().is_some_and(|s| !s.is_empty()), "{i}");
                    assert!(
                        i["content_html"].is_string() || i["content_text"].is_string(),
                        "{i}"
                    );
                    FeedItem {
                        title: i["title"].as_str().unwrap_or("").to_owned(),
                        url: i["url"].as_str().unwrap_or("").to_owned(),
                        summary: i["summary"].as_str().unwrap_or("").to_owned(),
                        content_html: i["content_html"].as_str().map(str::to_owned),
                        image: i["image"].as_str().map(|u| (u.to_owned(), String::new())),
                        authors: i["authors"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .map(|p| p["name"].as_str().unwrap_or("").to_owned())
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect())
        }
        other => anyhow::bail!("no such feed file {other}"),
    }
}

/// Titles of every feed of the listing at `path`, per file.
async fn feed_titles(app: &TestApp, path: &str) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (file, ct) in KINDS {
        let body = fetch(app, &format!("{path}{file}"), ct).await?;
        let titles = items(file, &body)?.into_iter().map(|i| i.title).collect();
        out.push((file.to_owned(), titles));
    }
    Ok(out)
}

/// `<loc>` and `<lastmod>` of every entry of a sitemap or sitemap index.
fn locations(body: &str) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let doc = roxmltree::Document::parse(body)?;
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some(SITEMAP_NS));
    let entry = match root.tag_name().name() {
        "sitemapindex" => "sitemap",
        "urlset" => "url",
        other => anyhow::bail!("unexpected root {other}"),
    };
    Ok(kids(root, Some(SITEMAP_NS), entry)
        .into_iter()
        .map(|u| {
            (
                text(kid(u, Some(SITEMAP_NS), "loc")),
                kids(u, Some(SITEMAP_NS), "lastmod")
                    .first()
                    .map(|n| text(*n)),
            )
        })
        .collect())
}

/// Every URL of every sitemap the index lists.
async fn all_sitemap_urls(app: &TestApp) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let index = locations(&fetch(app, "/sitemap.xml", XML).await?)?;
    let mut out = Vec::new();
    for (loc, _) in index {
        let path = loc.strip_prefix(&app.base).unwrap_or(&loc).to_owned();
        out.extend(locations(&fetch(app, &path, XML).await?)?);
    }
    Ok(out)
}

backend_test!(
    every_feed_of_every_scope_answers_in_its_format_newest_first,
    |app| {
        let world = app.section("world", "World").await?;
        let sport = app.section("sport", "Sport").await?;
        let ana = app.person("ana-lopes", "Ana Lopes").await?;
        let t0 = ts("2026-03-09T08:00:00Z");
        for (i, sec) in [&world, &sport, &world].into_iter().enumerate() {
            app.article(&format!("Story {i}"))
                .section(sec)
                .author(&ana)
                .tags(&["Storm"])
                .at(t0 + SignedDuration::from_hours(i as i64))
                .publish()
                .await?;
        }
        for (path, expected) in [
            ("/", vec!["Story 2", "Story 1", "Story 0"]),
            ("/world/", vec!["Story 2", "Story 0"]),
            ("/sport/", vec!["Story 1"]),
            ("/tags/storm/", vec!["Story 2", "Story 1", "Story 0"]),
            ("/authors/ana-lopes/", vec!["Story 2", "Story 1", "Story 0"]),
        ] {
            for (file, titles) in feed_titles(&app, path).await? {
                assert_eq!(titles, expected, "{path}{file}");
            }
        }
        // Items carry absolute links and their bylines.
        let body = fetch(&app, "/feed.xml", RSS).await?;
        let first = &items("feed.xml", &body)?[0];
        assert!(first.url.starts_with(&app.base) && first.url.ends_with("/story-2/"));
        assert_eq!(first.authors, ["Ana Lopes"]);
        let body = fetch(&app, "/atom.xml", ATOM).await?;
        assert_eq!(items("atom.xml", &body)?[0].authors, ["Ana Lopes"]);
        Ok(())
    }
);

backend_test!(unknown_feed_scopes_answer_404, |app| {
    app.section("world", "World").await?;
    // Someone with no published story has no public page and no feed.
    app.person("newsroom-only", "Newsroom Only").await?;
    app.article("A story").publish().await?;
    for path in [
        "/nowhere/feed.xml",
        "/nowhere/atom.xml",
        "/nowhere/feed.json",
        "/tags/no-such-tag/feed.xml",
        "/authors/nobody/atom.xml",
        "/authors/newsroom-only/feed.json",
        "/sitemaps/articles-0.xml",
        "/sitemaps/articles-2.xml",
        "/sitemaps/videos-1.xml",
        "/sitemaps/articles-1",
    ] {
        assert_eq!(app.get(path).await?.status(), 404, "{path}");
    }
    Ok(())
});

backend_test!(
    withdrawn_and_draft_stories_leave_every_feed_and_sitemap,
    |app| {
        let world = app.section("world", "World").await?;
        let ana = app.person("ana-lopes", "Ana Lopes").await?;
        let kept = app
            .article("Kept story")
            .section(&world)
            .author(&ana)
            .tags(&["Storm"])
            .publish()
            .await?;
        let pulled = app
            .article("Pulled story")
            .section(&world)
            .author(&ana)
            .tags(&["Storm", "Legal"])
            .publish()
            .await?;
        app.article("Draft story")
            .section(&world)
            .author(&ana)
            .tags(&["Storm"])
            .draft()
            .await?;
        let pulled_path = app.path_of(&pulled).await?;
        // Fetch everything once so the page cache holds it; the withdrawal must still show.
        assert_eq!(
            feed_titles(&app, "/").await?[0].1,
            ["Pulled story", "Kept story"]
        );
        assert!(
            all_sitemap_urls(&app)
                .await?
                .iter()
                .any(|(loc, _)| loc.ends_with(&pulled_path))
        );
        app.store
            .withdraw_article(pulled.id, "Legal reasons.", app.clock.now())
            .await?;
        for path in ["/", "/world/", "/tags/storm/", "/authors/ana-lopes/"] {
            for (file, titles) in feed_titles(&app, path).await? {
                assert_eq!(titles, ["Kept story"], "{path}{file}");
            }
        }
        // The tag only the withdrawn story carried has an empty feed.
        for (file, titles) in feed_titles(&app, "/tags/legal/").await? {
            assert!(titles.is_empty(), "{file}: {titles:?}");
        }
        let urls = all_sitemap_urls(&app).await?;
        let locs: Vec<&str> = urls.iter().map(|(l, _)| l.as_str()).collect();
        assert!(locs.contains(&app.url(&app.path_of(&kept).await?).as_str()));
        assert!(
            !locs
                .iter()
                .any(|l| l.contains("pulled-story") || l.contains("draft-story"))
        );
        assert!(
            !locs.contains(&app.url("/tags/legal/").as_str()),
            "{locs:?}"
        );
        let news = locations(&fetch(&app, "/news-sitemap.xml", XML).await?)?;
        assert_eq!(news.len(), 1);
        assert!(news[0].0.ends_with("/kept-story/"));
        Ok(())
    }
);

backend_test!(the_lead_photo_is_the_enclosure_link_and_image, |app| {
    let photo = app
        .photo(
            "feedc0de",
            "Waves breaking over a sea wall",
            "The surge at high tide.",
            Credit {
                agency: "Reuters".into(),
                ..Credit::default()
            },
        )
        .await?;
    app.article("With a photo").lead(&photo).publish().await?;
    app.article("Without a photo").publish().await?;
    let expected = app.url("/media/feedc0de-1024.jpg");
    for (file, ct) in KINDS {
        let body = fetch(&app, &format!("/{file}"), ct).await?;
        let list = items(file, &body)?;
        assert_eq!(list[0].title, "Without a photo");
        assert_eq!(list[0].image, None, "{file}");
        let (url, mime) = list[1].image.clone().unwrap_or_default();
        assert_eq!(url, expected, "{file}");
        if file != "feed.json" {
            assert_eq!(mime, "image/jpeg", "{file}");
        }
    }
    // RSS requires a length; without the file on this node it is the customary 0.
    let body = fetch(&app, "/feed.xml", RSS).await?;
    let doc = roxmltree::Document::parse(&body)?;
    let enclosure = doc
        .descendants()
        .find(|n| n.has_tag_name("enclosure"))
        .ok_or_else(|| anyhow::anyhow!("no enclosure"))?;
    assert_eq!(enclosure.attribute("length"), Some("0"));
    Ok(())
});

backend_test!(
    feeds_carry_the_full_body_or_the_summary_per_the_site_setting,
    |app| {
        let photo = app
            .photo("abc123", "Delegates", "Talks reopen.", Credit::default())
            .await?;
        let target = app
            .article("Earlier story")
            .at(app.clock.now() - SignedDuration::from_hours(1))
            .publish()
            .await?;
        let story = app
            .article("Full story")
            .standfirst("The short version.")
            .body(&format!(
                "First paragraph of the body.\n\nREAD MORE: #{}\n\n::: photo {}\n:::\n\nA note.[^1]\n\n[^1]: The footnote.\n",
                target.id, photo.id
            ))
            .publish()
            .await?;
        let path = app.path_of(&story).await?;
        let page = app.page(&path, 200).await?;
        let page_body = page.one(".story-body").inner_html().trim().to_owned();
        // The default is the full text: the very body the page shows, with the site's own
        // addresses made absolute for readers away from the site.
        assert_eq!(
            app.store.site_settings().await?.feed_content,
            FeedContent::Full
        );
        for (file, ct) in KINDS {
            let body = fetch(&app, &format!("/{file}"), ct).await?;
            let item = items(file, &body)?.remove(0);
            assert_eq!(item.title, "Full story");
            assert_eq!(item.summary, "The short version.", "{file}");
            let html = item
                .content_html
                .ok_or_else(|| anyhow::anyhow!("{file}: no full text"))?;
            assert!(html.contains("First paragraph of the body."), "{file}");
            assert!(html.contains(&format!("href=\"{}", app.url(&app.path_of(&target).await?))));
            assert!(html.contains(&format!("src=\"{}", app.url("/media/abc123-1024.jpg"))));
            assert!(html.contains("The footnote."), "{file}");
            // Compared as parsed HTML: the page's side is re-serialised by the HTML parser.
            let feed_body = scraper::Html::parse_fragment(&html.replace(&app.base, ""))
                .root_element()
                .inner_html();
            // But for one loading hint: on the page of a story with no lead photo the body's
            // first photo loads at once (issue 18); a feed keeps every photo lazy.
            assert_eq!(
                feed_body.trim().replacen(" loading=\"lazy\"", "", 1),
                page_body,
                "{file}"
            );
        }
        app.configure(|s| s.feed_content = FeedContent::Summary)
            .await?;
        for (file, ct) in KINDS {
            let body = fetch(&app, &format!("/{file}"), ct).await?;
            let item = items(file, &body)?.remove(0);
            assert_eq!(item.summary, "The short version.", "{file}");
            assert_eq!(item.content_html, None, "{file}");
            assert!(!body.contains("First paragraph of the body."), "{file}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&fetch(&app, "/feed.json", JSON_FEED).await?)?;
        assert_eq!(json["items"][0]["content_text"], "The short version.");
        Ok(())
    }
);

backend_test!(feeds_and_sitemaps_answer_304_to_their_etag, |app| {
    app.article("First").publish().await?;
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/world/feed.xml",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/news-sitemap.xml",
        "/robots.txt",
    ] {
        let first = app.get(path).await?;
        assert_eq!(first.status(), 200, "{path}");
        let etag = first.headers()["etag"].to_str()?.to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await?;
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await?.is_empty());
    }
    // Publishing changes the feed, so the old validator no longer matches.
    let etag = app.get("/feed.xml").await?.headers()["etag"]
        .to_str()?
        .to_owned();
    app.article("Second").publish().await?;
    let res = app
        .client
        .get(app.url("/feed.xml"))
        .header("if-none-match", &etag)
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    let titles: Vec<String> = items("feed.xml", &res.text().await?)?
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert_eq!(titles, ["Second", "First"]);
    Ok(())
});

backend_test!(
    the_sitemap_index_lists_paged_sitemaps_of_every_public_page_with_lastmod,
    |app| {
        let world = app.section("world", "World").await?;
        let sport = app.section("sport", "Sport").await?;
        app.section("empty", "Empty").await?;
        let ana = app.person("ana-lopes", "Ana Lopes").await?;
        let ben = app.person("ben-okri", "Ben Okri").await?;
        let old = app
            .article("Old story")
            .section(&world)
            .author(&ana)
            .tags(&["Storm"])
            .at(ts("2026-03-01T09:00:00Z"))
            .publish()
            .await?;
        let new = app
            .article("New story")
            .section(&sport)
            .author(&ben)
            .tags(&["Cup Final"])
            .at(ts("2026-03-05T09:00:00Z"))
            .publish()
            .await?;
        // A public update moves the story's lastmod (the clock's now: 10 March).
        app.edit(old.id, true, |i| i.standfirst = "Updated.".into())
            .await?;
        let index = locations(&fetch(&app, "/sitemap.xml", XML).await?)?;
        let names: Vec<String> = index
            .iter()
            .map(|(l, _)| l.strip_prefix(&app.base).unwrap_or(l).to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "/sitemaps/pages-1.xml",
                "/sitemaps/sections-1.xml",
                "/sitemaps/articles-1.xml",
                "/sitemaps/tags-1.xml",
                "/sitemaps/authors-1.xml",
            ]
        );
        assert!(
            index.iter().all(|(_, lastmod)| lastmod.is_some()),
            "{index:?}"
        );
        assert_eq!(
            index[2].1.as_deref(),
            Some("2026-03-10T12:00:00+00:00"),
            "the articles sitemap changed with the update"
        );
        let urls = all_sitemap_urls(&app).await?;
        let lastmod = |path: &str| -> Option<String> {
            urls.iter()
                .find(|(l, _)| *l == app.url(path))
                .unwrap_or_else(|| panic!("{path} is in no sitemap: {urls:?}"))
                .1
                .clone()
        };
        let old_path = app.path_of(&old).await?;
        let new_path = app.path_of(&new).await?;
        assert_eq!(
            lastmod(&old_path).as_deref(),
            Some("2026-03-10T12:00:00+00:00")
        );
        assert_eq!(
            lastmod(&new_path).as_deref(),
            Some("2026-03-05T09:00:00+00:00")
        );
        assert_eq!(lastmod("/").as_deref(), Some("2026-03-10T12:00:00+00:00"));
        assert_eq!(
            lastmod("/world/").as_deref(),
            Some("2026-03-10T12:00:00+00:00")
        );
        assert_eq!(
            lastmod("/sport/").as_deref(),
            Some("2026-03-05T09:00:00+00:00")
        );
        assert_eq!(
            lastmod("/tags/storm/").as_deref(),
            Some("2026-03-10T12:00:00+00:00")
        );
        assert_eq!(
            lastmod("/tags/cup-final/").as_deref(),
            Some("2026-03-05T09:00:00+00:00")
        );
        assert_eq!(
            lastmod("/authors/ana-lopes/").as_deref(),
            Some("2026-03-10T12:00:00+00:00")
        );
        assert_eq!(
            lastmod("/authors/ben-okri/").as_deref(),
            Some("2026-03-05T09:00:00+00:00")
        );
        // A section with nothing published is still a page, just with no change time.
        assert_eq!(lastmod("/empty/"), None);
        // Every URL appears once.
        let mut locs: Vec<&String> = urls.iter().map(|(l, _)| l).collect();
        let n = locs.len();
        locs.sort();
        locs.dedup();
        assert_eq!(locs.len(), n);
        assert_eq!(n, 1 + 3 + 2 + 2 + 2);
        Ok(())
    }
);

backend_test!(sitemaps_are_paged_in_a_stable_order, |app| {
    let t0 = ts("2026-03-01T09:00:00Z");
    for i in 0..5 {
        app.article(&format!("Paged story {i}"))
            .at(t0 + SignedDuration::from_hours(i))
            .publish()
            .await?;
    }
    // The web layer pages by 10,000 (under the protocol's 50,000); the store pages by whatever it is asked.
    let store = &app.store;
    assert_eq!(store.sitemap_count(SitemapKind::Articles).await?, 5);
    let first = store.sitemap_page(SitemapKind::Articles, 1, 2).await?;
    let second = store.sitemap_page(SitemapKind::Articles, 2, 2).await?;
    let third = store.sitemap_page(SitemapKind::Articles, 3, 2).await?;
    assert_eq!(
        (first.len(), second.len(), third.len()),
        (2, 2, 1),
        "at most the page size per page"
    );
    // Oldest first, so new stories only ever change the last page.
    assert!(first[0].path.ends_with("/paged-story-0/"));
    assert!(third[0].path.ends_with("/paged-story-4/"));
    assert_eq!(
        store
            .sitemap_page_lastmod(SitemapKind::Articles, 2, 2)
            .await?,
        Some(t0 + SignedDuration::from_hours(3))
    );
    assert!(
        store
            .sitemap_page(SitemapKind::Articles, 4, 2)
            .await?
            .is_empty()
    );
    // The index's figures agree with the pages', also once an older story is updated (its
    // update lands on its own page, not the newest one).
    let id = store.article_by_slug("paged-story-0").await?.id;
    app.clock.set(t0 + SignedDuration::from_hours(48));
    app.edit(id, true, |i| i.standfirst = "Now updated.".into())
        .await?;
    let mut per_page = Vec::new();
    for page in 1..=3 {
        per_page.push(
            store
                .sitemap_page_lastmod(SitemapKind::Articles, page, 2)
                .await?,
        );
    }
    assert_eq!(per_page[0], Some(t0 + SignedDuration::from_hours(48)));
    assert_eq!(
        store.sitemap_lastmods(SitemapKind::Articles, 2).await?,
        per_page
    );
    assert_eq!(
        store.sitemap_lastmods(SitemapKind::Articles, 5).await?,
        [Some(t0 + SignedDuration::from_hours(48))]
    );
    let sections = store.sitemap_count(SitemapKind::Sections).await?;
    assert_eq!(
        store
            .sitemap_lastmods(SitemapKind::Sections, 1)
            .await?
            .len() as u64,
        sections
    );
    Ok(())
});

backend_test!(
    the_news_sitemap_lists_the_last_two_days_with_google_news_fields,
    |app| {
        let now = app.clock.now();
        app.article("Three days old")
            .at(now - SignedDuration::from_hours(72))
            .publish()
            .await?;
        app.article("Yesterday's story")
            .at(now - SignedDuration::from_hours(30))
            .publish()
            .await?;
        let newest = app
            .article("This morning's story")
            .at(now - SignedDuration::from_hours(2))
            .publish()
            .await?;
        let body = fetch(&app, "/news-sitemap.xml", XML).await?;
        let doc = roxmltree::Document::parse(&body)?;
        let urls = kids(doc.root_element(), Some(SITEMAP_NS), "url");
        let got: Vec<(String, String, String, String, String)> = urls
            .iter()
            .map(|u| {
                let news = kid(*u, Some(NEWS_NS), "news");
                let publication = kid(news, Some(NEWS_NS), "publication");
                (
                    text(kid(*u, Some(SITEMAP_NS), "loc")),
                    text(kid(publication, Some(NEWS_NS), "name")),
                    text(kid(publication, Some(NEWS_NS), "language")),
                    text(kid(news, Some(NEWS_NS), "publication_date")),
                    text(kid(news, Some(NEWS_NS), "title")),
                )
            })
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, app.url(&app.path_of(&newest).await?));
        assert_eq!(got[0].1, "The Test Herald");
        assert_eq!(got[0].2, "en", "Google wants ISO 639, not en-GB");
        assert_eq!(got[0].3, "2026-03-10T10:00:00+00:00");
        assert_eq!(got[0].4, "This morning's story");
        assert_eq!(got[1].4, "Yesterday's story");
        Ok(())
    }
);

backend_test!(
    the_cached_news_sitemap_drops_stories_as_they_age_out_of_two_days,
    |app| {
        let now = app.clock.now();
        app.article("Older story")
            .at(now - SignedDuration::from_hours(40))
            .publish()
            .await?;
        app.article("Newer story")
            .at(now - SignedDuration::from_hours(10))
            .publish()
            .await?;
        let titles = |body: String| -> anyhow::Result<usize> {
            let doc = roxmltree::Document::parse(&body)?;
            Ok(kids(doc.root_element(), Some(SITEMAP_NS), "url").len())
        };
        assert_eq!(titles(fetch(&app, "/news-sitemap.xml", XML).await?)?, 2);
        // Nothing is written to the store: only time passes. The cached answer must follow.
        app.clock.set(now + SignedDuration::from_hours(9));
        assert_eq!(titles(fetch(&app, "/news-sitemap.xml", XML).await?)?, 1);
        app.clock.set(now + SignedDuration::from_hours(39));
        assert_eq!(titles(fetch(&app, "/news-sitemap.xml", XML).await?)?, 0);
        Ok(())
    }
);

backend_test!(robots_txt_names_both_sitemaps, |app| {
    let body = fetch(&app, "/robots.txt", "text/plain; charset=utf-8").await?;
    let sitemaps: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("Sitemap: "))
        .collect();
    assert_eq!(
        sitemaps,
        [app.url("/sitemap.xml"), app.url("/news-sitemap.xml")]
    );
    assert!(body.lines().any(|l| l == "User-agent: *"));
    // Reader pages stay crawlable.
    assert!(!body.lines().any(|l| l.trim() == "Disallow: /"));
    Ok(())
});

backend_test!(pages_link_their_feeds_with_rel_alternate, |app| {
    let world = app.section("world", "World").await?;
    let ana = app.person("ana-lopes", "Ana Lopes").await?;
    let a = app
        .article("Linked story")
        .section(&world)
        .author(&ana)
        .tags(&["Storm"])
        .publish()
        .await?;
    let article_path = app.path_of(&a).await?;
    for (page_path, scope) in [
        ("/", None),
        ("/world/", Some("/world/")),
        ("/tags/storm/", Some("/tags/storm/")),
        ("/authors/ana-lopes/", Some("/authors/ana-lopes/")),
        (article_path.as_str(), Some("/world/")),
    ] {
        let page = app.page(page_path, 200).await?;
        let mut expected = Vec::new();
        for base in scope.into_iter().chain(["/"]) {
            for (file, ct) in KINDS {
                let mime = ct.split(';').next().unwrap_or(ct);
                expected.push((app.url(&format!("{base}{file}")), mime.to_owned()));
            }
        }
        let links: Vec<(String, String)> = page
            .all("link[rel=alternate]")
            .into_iter()
            .map(|l| {
                (
                    l.value().attr("href").unwrap_or("").to_owned(),
                    l.value().attr("type").unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(links, expected, "{page_path}");
        assert!(
            page.all("link[rel=alternate]")
                .iter()
                .all(|l| l.value().attr("title").is_some_and(|t| !t.is_empty()))
        );
        // Every announced feed answers.
        for (href, mime) in &expected {
            let path = href.strip_prefix(&app.base).unwrap_or(href);
            fetch(&app, path, &format!("{mime}; charset=utf-8")).await?;
        }
    }
    Ok(())
});
