//! Moving in from Ghost (issue 16): `dateline import ghost` over an export written here in
//! Ghost 5's own shape (`db[0].meta`, `db[0].data` with `posts` carrying Lexical-rendered
//! `html`, `tags`, `posts_tags`, `users`, `posts_authors`, `posts_meta`), run as `main` runs
//! it, with the images from a copy of `content/images`; then the site over HTTP: the primary
//! tag as section, internal `#tags` skipped, several authors in order, members-only and paid
//! posts kept as drafts and listed, pages as static pages, photos with their credits, every Ghost URL
//! one 301 to a page that answers 200, a re-run that adds nothing, a dry run that writes
//! nothing, and bad files refused whole.

use crate::import_media::{picture, run_import};
use crate::*;
use anyhow::Context;
use dateline_core::article::Status;
use image::ImageFormat;
use serde_json::{Value, json};

const P1: &str = "6565a1b2c3d4e5f600000001";
const P2: &str = "6565a1b2c3d4e5f600000002";
const P3: &str = "6565a1b2c3d4e5f600000003";
const P4: &str = "6565a1b2c3d4e5f600000004";
const P5: &str = "6565a1b2c3d4e5f600000005";
const U1: &str = "1";
const U2: &str = "6565a1b2c3d4e5f6000000a2";
const T_NEWS: &str = "6565a1b2c3d4e5f6000000b1";
const T_BOATS: &str = "6565a1b2c3d4e5f6000000b2";
const T_INTERNAL: &str = "6565a1b2c3d4e5f6000000b3";

/// A post as Ghost 5 exports it (every column, most of them empty).
fn post(id: &str, title: &str, slug: &str, status: &str, visibility: &str, html: &str) -> Value {
    json!({
        "id": id, "uuid": format!("{id}-uuid"), "title": title, "slug": slug,
        "mobiledoc": null,
        "lexical": "{\"root\":{\"children\":[],\"direction\":null,\"format\":\"\",\"indent\":0,\"type\":\"root\",\"version\":1}}",
        "html": html, "comment_id": id, "plaintext": "", "feature_image": null, "featured": 0,
        "type": "post", "status": status, "locale": null, "visibility": visibility,
        "email_recipient_filter": "all", "created_at": "2023-11-28T09:00:00.000Z",
        "updated_at": "2023-11-28T11:00:00.000Z",
        "published_at": if status == "draft" { Value::Null } else { json!("2023-11-28T10:00:00.000Z") },
        "custom_excerpt": null, "codeinjection_head": null, "codeinjection_foot": null,
        "custom_template": null, "canonical_url": null, "newsletter_id": null,
        "show_title_and_feature_image": 1
    })
}

fn export(version: &str) -> Value {
    let mut harbour = post(
        P1,
        "Harbour reopens",
        "harbour-reopens",
        "published",
        "public",
        "<p>The harbour is <strong>open</strong> again, <a href=\"https://example.org/r\">says the port</a>.</p>\
         <figure class=\"kg-card kg-image-card kg-card-hascaption\"><img src=\"__GHOST_URL__/content/images/size/w1000/2023/11/boats.jpg\" \
         class=\"kg-image\" alt=\"Boats at the quay\" loading=\"lazy\" width=\"1200\" height=\"900\" \
         srcset=\"__GHOST_URL__/content/images/size/w600/2023/11/boats.jpg 600w\"><figcaption><span style=\"white-space: pre-wrap;\">\
         Boats at the quay © REUTERS / Bandar Algaloud/Courtesy of Saudi Royal Court</span></figcaption></figure>\
         <!--kg-card-begin: html--><div class=\"tide\">High tide at <em>noon</em></div><!--kg-card-end: html-->\
         <h2 id=\"what-next\">What next</h2><ul><li>Ferries</li><li>Fishing</li></ul>\
         <blockquote>We are back.</blockquote>",
    );
    harbour["feature_image"] = json!("__GHOST_URL__/content/images/2023/11/harbour.jpg");
    harbour["custom_excerpt"] = json!("Boats are back after the storm.");
    let mut about = post(
        P4,
        "About us",
        "about",
        "published",
        "public",
        "<p>Who we are.</p>",
    );
    about["type"] = json!("page");
    json!({"db": [{
        "meta": {"exported_on": 1_701_165_600_000u64, "version": version},
        "data": {
            "posts": [
                harbour,
                post(P2, "Members briefing", "members-briefing", "published", "members", "<p>For members.</p>"),
                post(P3, "Paid analysis", "paid-analysis", "published", "paid", "<p>For subscribers.</p>"),
                about,
                post(P5, "Draft notes", "draft-notes", "draft", "public", "<p>Not yet.</p>"),
            ],
            "posts_authors": [
                {"id": "pa1", "post_id": P1, "author_id": U2, "sort_order": 0},
                {"id": "pa2", "post_id": P1, "author_id": U1, "sort_order": 1},
                {"id": "pa3", "post_id": P2, "author_id": U1, "sort_order": 0},
                {"id": "pa4", "post_id": P3, "author_id": U1, "sort_order": 0},
                {"id": "pa5", "post_id": P4, "author_id": U1, "sort_order": 0},
                {"id": "pa6", "post_id": P5, "author_id": U1, "sort_order": 0}
            ],
            "posts_meta": [{
                "id": "pm1", "post_id": P1, "og_image": null, "og_title": null,
                "og_description": null, "twitter_image": null, "twitter_title": null,
                "twitter_description": null, "meta_title": null, "meta_description": null,
                "email_subject": null, "frontmatter": null,
                "feature_image_alt": "The harbour at dawn",
                "feature_image_caption": "<span style=\"white-space: pre-wrap;\">The harbour © AFP / Léa Dubois</span>",
                "email_only": 0
            }],
            "posts_tags": [
                {"id": "pt1", "post_id": P1, "tag_id": T_INTERNAL, "sort_order": 0},
                {"id": "pt2", "post_id": P1, "tag_id": T_NEWS, "sort_order": 1},
                {"id": "pt3", "post_id": P1, "tag_id": T_BOATS, "sort_order": 2},
                {"id": "pt4", "post_id": P2, "tag_id": T_NEWS, "sort_order": 0}
            ],
            "tags": [
                {"id": T_NEWS, "name": "News", "slug": "news", "description": "From the harbour",
                 "feature_image": null, "parent_id": null, "visibility": "public",
                 "created_at": "2023-01-01T00:00:00.000Z", "updated_at": "2023-01-01T00:00:00.000Z"},
                {"id": T_BOATS, "name": "Boats", "slug": "boats", "description": null,
                 "feature_image": null, "parent_id": null, "visibility": "public"},
                {"id": T_INTERNAL, "name": "#import", "slug": "hash-import", "description": null,
                 "feature_image": null, "parent_id": null, "visibility": "internal"}
            ],
            "users": [
                {"id": U1, "name": "Ann Lee", "slug": "ann", "password": "$2a$10$notarealhash",
                 "email": "Ann@Old.Example", "profile_image": null, "cover_image": null,
                 "bio": "Harbour reporter.", "website": null, "location": null,
                 "status": "active", "locale": null, "visibility": "public"},
                {"id": U2, "name": "Sam Roe", "slug": "sam", "password": "$2a$10$notarealhash",
                 "email": "sam@old.example", "bio": null, "status": "active"}
            ],
            "settings": [{"id": "s1", "group": "site", "key": "title", "value": "The Old Harbour", "type": "string"}],
            "newsletters": []
        }
    }]})
}

fn images(dir: &std::path::Path) -> anyhow::Result<()> {
    for (path, w, h) in [
        ("2023/11/harbour.jpg", 480, 270),
        ("2023/11/boats.jpg", 400, 300),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().context("a folder")?)?;
        std::fs::write(p, picture(w, h, ImageFormat::Jpeg))?;
    }
    Ok(())
}

async fn stories(app: &TestApp) -> anyhow::Result<usize> {
    Ok(app.store.article_ids().await?.len())
}

backend_test!(
    issue_16_ghost_import_keeps_stories_photos_and_old_urls,
    |app| {
        let file = app.data_dir().join("ghost.json");
        std::fs::write(&file, serde_json::to_vec_pretty(&export("5.75.0"))?)?;
        let dir = app.data_dir().join("content").join("images");
        images(&dir)?;
        let dir = dir.to_str().context("utf-8 path")?.to_owned();

        // A dry run: the full report, nothing written.
        let report = run_import(&app, "ghost", &file, &["--images", &dir, "--dry-run"]).await?;
        assert!(
            report.starts_with("Ghost import (dry run: nothing written): would import 4 posts"),
            "{report}"
        );
        assert!(report.contains("2 photos (2 new"), "{report}");
        assert!(report.contains("skipped 1: internal #tags"), "{report}");
        assert!(
            report
                .contains("static pages: would import 1 (1 new, 0 updated; 1 published, 0 drafts)"),
            "{report}"
        );
        assert!(
            report.contains(
                "kept as a draft: post members-briefing (Members briefing) (members-only"
            ),
            "{report}"
        );
        assert!(
            report.contains("kept as a draft: post paid-analysis (Paid analysis) (paid-only"),
            "{report}"
        );
        assert!(report.contains("a Ghost HTML card"), "{report}");
        assert_eq!(stories(&app).await?, 0);

        let report = run_import(&app, "ghost", &file, &["--images", &dir]).await?;
        assert!(
            report.contains(
                "imported 4 posts (4 new, 0 updated; 1 published, 3 drafts, 0 scheduled)"
            ),
            "{report}"
        );
        assert!(report.contains("2 photos (2 new, 0 already"), "{report}");
        // The running node makes the variants the import queued (a node stopped mid-job
        // would leave its lease to run out first).
        app.state.variants.settled().await;
        // The running node makes the variants the import queued (a node stopped mid-job would
        // leave its lease to run out first).
        app.state.variants.settled().await;
        let app = app.restart(dateline_web::Options::default()).await?;
        app.state.variants.settled().await;

        let s = app.store.article_by_slug("harbour-reopens").await?;
        assert_eq!(s.status, Status::Published);
        assert_eq!(s.published_at, Some(ts("2023-11-28T10:00:00Z")));
        assert_eq!(s.modified_at, ts("2023-11-28T11:00:00Z"));
        assert_eq!(s.standfirst, "Boats are back after the storm.");
        // Its first tag is internal, so Ghost gave it no primary tag (not the first public
        // one): no section from its tags, and both public tags are tags, in order.
        let archive = app.store.section_by_slug("archive").await?;
        assert_eq!(s.section_id, archive.id);
        let (_, input) = app.store.article_input(s.id).await?;
        let news_tag = app.store.tag_by_slug("news").await?;
        let boats = app.store.tag_by_slug("boats").await?;
        assert_eq!(input.tags, vec![news_tag.id, boats.id]);
        // News is the members briefing's primary tag: a section too.
        let news = app.store.section_by_slug("news").await?;
        let briefing = app.store.article_by_slug("members-briefing").await?;
        assert_eq!(briefing.section_id, news.id);
        assert!(app.store.tag_by_slug("hash-import").await.is_err());
        // Several authors, in Ghost's order; people without a password.
        let sam = app.store.person_by_slug("sam").await?;
        let ann = app.store.person_by_slug("ann").await?;
        assert_eq!(input.authors, vec![sam.id, ann.id]);
        // The feature image is the lead photo, with its alt text, caption and credit.
        let lead = app
            .store
            .media(s.lead_media_id.context("a lead photo")?)
            .await?;
        assert_eq!(lead.alt, "The harbour at dawn");
        assert_eq!(lead.caption, "The harbour");
        assert_eq!(lead.credit.to_string(), "© AFP / Léa Dubois");
        assert!(!lead.variants.is_empty(), "its variants were made");
        // The name of the file it came from, for the library's search.
        assert_eq!(lead.file_name.as_deref(), Some("harbour.jpg"));
        // The body in the dialect; its image card a library photo, credited as printed.
        let body = &s.body_source;
        assert!(
            body.starts_with(
                "The harbour is **open** again, [says the port](https://example.org/r)."
            ),
            "{body}"
        );
        assert!(
            body.contains("# What next\n\n- Ferries\n- Fishing"),
            "{body}"
        );
        assert!(body.contains("> We are back."), "{body}");
        assert!(body.contains("High tide at *noon*"), "{body}");
        let library = app.store.media_library(None, 0, 100).await?;
        assert_eq!(library.len(), 2);
        let quay = library
            .iter()
            .find(|m| m.id != lead.id)
            .context("the body's photo")?;
        assert_eq!(quay.file_name.as_deref(), Some("boats.jpg"));
        assert!(
            body.contains(&format!(
                "::: photo {}\nalt: Boats at the quay\ncaption: Boats at the quay\n:::",
                quay.id.0
            )),
            "{body}"
        );
        assert_eq!(
            quay.credit.to_string(),
            "© REUTERS / Bandar Algaloud/Courtesy of Saudi Royal Court"
        );
        // Members-only, paid and draft posts: drafts, never published by surprise.
        for slug in ["members-briefing", "paid-analysis", "draft-notes"] {
            assert_eq!(
                app.store.article_by_slug(slug).await?.status,
                Status::Draft,
                "{slug}"
            );
        }
        // The page is a static page at its Ghost path, not a story.
        assert!(app.store.article_by_slug("about").await.is_err());
        let about = app.page("/about/", 200).await?;
        assert_eq!(about.text("h1"), "About us");
        assert!(about.text(".prose").contains("Who we are."));

        // Every Ghost URL: one 301 to a page that answers 200.
        let path = "/archive/2023/11/28/harbour-reopens/";
        let page = app.page(path, 200).await?;
        assert_eq!(page.text("figure.story-lead .credit"), "© AFP / Léa Dubois");
        let crawl = [
            ("/harbour-reopens/", path),
            ("/harbour-reopens", path),
            ("/tag/news/", "/news/"),
            ("/tag/news/rss/", "/news/feed.xml"),
            ("/tag/boats/", "/tags/boats/"),
            ("/tag/boats/rss/", "/tags/boats/feed.xml"),
            ("/author/ann/", "/authors/ann/"),
            ("/author/sam/rss/", "/authors/sam/feed.xml"),
            ("/rss/", "/feed.xml"),
        ];
        for (old, new) in crawl {
            let res = app.get(old).await?;
            assert_eq!(res.status(), 301, "{old}");
            assert_eq!(location(&res), new, "{old}");
            assert_eq!(app.get(new).await?.status(), 200, "{old} → {new}");
        }
        // A members-only post's old URL leads nowhere public.
        assert_eq!(app.get("/members-briefing/").await?.status(), 404);

        // Again: everything updated in place, nothing added.
        let report = run_import(&app, "ghost", &file, &["--images", &dir]).await?;
        assert!(
            report.contains("imported 4 posts (0 new, 4 updated"),
            "{report}"
        );
        assert!(report.contains("2 photos (0 new, 2 already"), "{report}");
        assert_eq!(stories(&app).await?, 4);
        assert!(
            report.contains("static pages: imported 1 (0 new, 1 updated"),
            "{report}"
        );
        assert_eq!(app.store.pages().await?.len(), 1);
        assert_eq!(app.store.media_library(None, 0, 100).await?.len(), 2);
        Ok(())
    }
);

/// Two posts whose primary tag and author only Ghost's own rules give, in a site whose
/// `routes.yaml` put them in the permalink, and whose time zone moves one post's date.
fn primaries_export() -> Value {
    let mut first_internal = post(
        P1,
        "Harbour reopens",
        "harbour-reopens",
        "published",
        "public",
        "<p>Open again.</p>",
    );
    // 22:00 on New Year's Eve in New York, the site's time zone.
    first_internal["published_at"] = json!("2024-01-01T03:00:00.000Z");
    let second = post(
        P2,
        "Ferry returns",
        "ferry-returns",
        "published",
        "public",
        "<p>Back.</p>",
    );
    json!({"db": [{
        "meta": {"exported_on": 1_701_165_600_000u64, "version": "5.75.0"},
        "data": {
            "posts": [first_internal, second],
            "posts_tags": [
                {"id": "pt1", "post_id": P1, "tag_id": T_INTERNAL, "sort_order": 0},
                {"id": "pt2", "post_id": P1, "tag_id": T_NEWS, "sort_order": 1},
                {"id": "pt3", "post_id": P1, "tag_id": T_BOATS, "sort_order": 2},
                // Out of order in the file: Ghost goes by sort_order.
                {"id": "pt4", "post_id": P2, "tag_id": T_BOATS, "sort_order": 1},
                {"id": "pt5", "post_id": P2, "tag_id": T_NEWS, "sort_order": 0}
            ],
            "posts_authors": [
                {"id": "pa1", "post_id": P1, "author_id": U1, "sort_order": 1},
                {"id": "pa2", "post_id": P1, "author_id": U2, "sort_order": 0},
                {"id": "pa3", "post_id": P2, "author_id": U1, "sort_order": 0}
            ],
            "tags": [
                {"id": T_NEWS, "name": "News", "slug": "news", "visibility": "public"},
                {"id": T_BOATS, "name": "Boats", "slug": "boats", "visibility": "public"},
                {"id": T_INTERNAL, "name": "#import", "slug": "hash-import", "visibility": "internal"}
            ],
            "users": [
                {"id": U1, "name": "Ann Lee", "slug": "ann", "email": "ann@old.example"},
                {"id": U2, "name": "Sam Roe", "slug": "sam", "email": "sam@old.example"}
            ],
            "settings": [
                {"id": "s1", "group": "site", "key": "title", "value": "The Old Harbour", "type": "string"},
                {"id": "s2", "group": "site", "key": "timezone", "value": "America/New_York", "type": "string"}
            ]
        }
    }]})
}

backend_test!(
    issue_16_ghost_primary_tag_and_author_follow_ghosts_rules,
    |app| {
        // Ghost's rules (its post model's `primary_tag` and `primary_author`, and
        // `replacePermalink` in @tryghost/url-utils): the primary tag is the first tag when
        // that one is public, else none; the primary author the first by sort_order; a
        // permalink's `{primary_tag}` or `{primary_author}` without one is `all`; its dates are
        // in the site's time zone.
        let file = app.data_dir().join("ghost.json");
        std::fs::write(&file, serde_json::to_vec_pretty(&primaries_export())?)?;
        // Sam already has an account here: the import reuses the person with that email.
        let existing = app
            .account_with_password(
                "Sam@Old.Example",
                "Sam Roe",
                dateline_core::permissions::Role::Author,
                "a long enough password",
            )
            .await?;

        // A permalink with what Ghost's routes do not know, or naming no post, is refused.
        for (bad, why) in [
            ("/{category}/{slug}/", "{category}"),
            ("/{year}/{month}/", "{slug} or {id}"),
            ("{slug}", "starts and ends with /"),
        ] {
            let err = match run_import(&app, "ghost", &file, &["--permalink", bad]).await {
                Ok(r) => anyhow::bail!("{bad} was taken: {r}"),
                Err(e) => format!("{e:#}"),
            };
            assert!(err.contains(why), "{bad}: {err}");
            assert_eq!(stories(&app).await?, 0, "{bad}");
        }

        let permalink = "/{primary_author}/{primary_tag}/{year}/{month}/{slug}/";
        let report = run_import(&app, "ghost", &file, &["--permalink", permalink]).await?;
        assert!(
            report.contains("imported 2 posts (2 new, 0 updated; 2 published"),
            "{report}"
        );
        // On SQLite the node is restarted after an import (docs/import.md), its caches afresh.
        let app = app.restart(dateline_web::Options::default()).await?;

        // The first tag internal: no primary tag, so no section from the tags, and both
        // public tags are tags. Sam is first by sort_order, though second in the file.
        let harbour = app.store.article_by_slug("harbour-reopens").await?;
        let archive = app.store.section_by_slug("archive").await?;
        assert_eq!(harbour.section_id, archive.id);
        let (_, input) = app.store.article_input(harbour.id).await?;
        let news_tag = app.store.tag_by_slug("news").await?;
        let boats = app.store.tag_by_slug("boats").await?;
        assert_eq!(input.tags, vec![news_tag.id, boats.id]);
        let ann = app.store.person_by_slug("ann").await?;
        assert_eq!(input.authors, vec![existing.id, ann.id]);

        // The first tag public: it is the section, the rest tags.
        let ferry = app.store.article_by_slug("ferry-returns").await?;
        let news = app.store.section_by_slug("news").await?;
        assert_eq!(ferry.section_id, news.id);
        let (_, input) = app.store.article_input(ferry.id).await?;
        assert_eq!(input.tags, vec![boats.id]);
        assert_eq!(input.authors, vec![ann.id]);

        // Each post's URL under that permalink, with Ghost's own slugs (Sam's is `sam` there,
        // whatever the existing person's is here), and its bare `/{slug}/`: one 301 to a 200.
        for (old, slug) in [
            ("/sam/all/2023/12/harbour-reopens/", "harbour-reopens"),
            ("/harbour-reopens/", "harbour-reopens"),
            ("/ann/news/2023/11/ferry-returns/", "ferry-returns"),
            ("/ferry-returns/", "ferry-returns"),
        ] {
            let res = app.get(old).await?;
            assert_eq!(res.status(), 301, "{old}");
            let to = location(&res);
            assert!(to.ends_with(&format!("/{slug}/")), "{old} → {to}");
            assert_eq!(app.get(&to).await?.status(), 200, "{old} → {to}");
        }
        // The first public tag is not what Ghost put in the URL.
        assert_eq!(
            app.get("/sam/news/2023/12/harbour-reopens/")
                .await?
                .status(),
            404
        );
        // News, the ferry's primary tag, is a section; its tag page leads there.
        let res = app.get("/tag/news/").await?;
        assert_eq!(location(&res), "/news/");
        Ok(())
    }
);

backend_test!(issue_16_bad_ghost_exports_are_refused_whole, |app| {
    let whole = serde_json::to_string_pretty(&export("5.75.0"))?;
    let cut = whole[..whole.find("Paid analysis").context("the third post")?].to_owned();
    let cases = [
        (
            "wxr.json",
            "<?xml version=\"1.0\"?>\n<rss></rss>\n".to_owned(),
            "line 1",
        ),
        (
            "old.json",
            serde_json::to_string(&export("2.38.0"))?,
            "Ghost export version 2.38.0 is not supported",
        ),
        ("cut.json", cut, "EOF while parsing"),
        (
            "other.json",
            "{\"posts\": []}".to_owned(),
            "not a Ghost export",
        ),
        (
            "site.zip",
            "PK".to_owned(),
            "site.zip is not a readable zip",
        ),
    ];
    for (name, text, why) in cases {
        let file = app.data_dir().join(name);
        std::fs::write(&file, text)?;
        for extra in [&["--dry-run"][..], &[][..]] {
            let err = match run_import(&app, "ghost", &file, extra).await {
                Ok(r) => anyhow::bail!("{name} was imported: {r}"),
                Err(e) => format!("{e:#}"),
            };
            assert!(err.contains(why), "{name}: {err}");
            assert_eq!(stories(&app).await?, 0, "{name}");
        }
    }
    Ok(())
});

/// A zip as Ghost writes it: each (entry name, bytes), deflated.
fn zip(file: &std::path::Path, entries: &[(&str, Vec<u8>)]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(file)?);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, deflated)?;
        z.write_all(bytes)?;
    }
    z.finish()?;
    Ok(())
}

backend_test!(
    issue_16_zipped_ghost_export_comes_in_with_its_images,
    |app| {
        // Ghost's layout: the JSON at the root, the images under content/images/YYYY/MM/.
        let json = serde_json::to_vec_pretty(&export("5.75.0"))?;
        let file = app
            .data_dir()
            .join("old-harbour.ghost.2023-11-28-10-00-00.zip");
        zip(
            &file,
            &[
                ("old-harbour.ghost.2023-11-28-10-00-00.json", json.clone()),
                (
                    "content/images/2023/11/harbour.jpg",
                    picture(480, 270, ImageFormat::Jpeg),
                ),
                (
                    "content/images/2023/11/boats.jpg",
                    picture(400, 300, ImageFormat::Jpeg),
                ),
            ],
        )?;

        // Broken zips: a sentence, nothing written.
        let corrupt = app.data_dir().join("corrupt.zip");
        let mut bytes = std::fs::read(&file)?;
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&corrupt, bytes)?;
        let images_only = app.data_dir().join("images-only.zip");
        zip(
            &images_only,
            &[(
                "content/images/2023/11/harbour.jpg",
                picture(48, 27, ImageFormat::Jpeg),
            )],
        )?;
        for (bad, why) in [
            (&corrupt, "corrupt.zip is not a readable zip"),
            (
                &images_only,
                "images-only.zip holds no Ghost export: no .json file",
            ),
        ] {
            for extra in [&["--dry-run"][..], &[][..]] {
                let err = match run_import(&app, "ghost", bad, extra).await {
                    Ok(r) => anyhow::bail!("{} was imported: {r}", bad.display()),
                    Err(e) => format!("{e:#}"),
                };
                assert!(err.contains(why), "{err}");
                assert_eq!(stories(&app).await?, 0);
                assert_eq!(app.store.media_library(None, 0, 100).await?.len(), 0);
            }
        }

        // A dry run finds the images in the zip.
        let report = run_import(&app, "ghost", &file, &["--dry-run"]).await?;
        assert!(report.contains("would import 4 posts"), "{report}");
        assert!(report.contains("2 photos (2 new"), "{report}");
        assert!(!report.contains("missing media"), "{report}");
        assert_eq!(stories(&app).await?, 0);

        let report = run_import(&app, "ghost", &file, &[]).await?;
        assert!(
            report.contains("imported 4 posts (4 new, 0 updated"),
            "{report}"
        );
        assert!(report.contains("2 photos (2 new, 0 already"), "{report}");
        assert!(!report.contains("missing media"), "{report}");
        let s = app.store.article_by_slug("harbour-reopens").await?;
        let lead = app
            .store
            .media(s.lead_media_id.context("a lead photo")?)
            .await?;
        assert_eq!(lead.alt, "The harbour at dawn");
        assert_eq!(lead.caption, "The harbour");
        assert_eq!(lead.credit.to_string(), "© AFP / Léa Dubois");
        assert_eq!((lead.width, lead.height), (480, 270));
        let library = app.store.media_library(None, 0, 100).await?;
        let quay = library
            .iter()
            .find(|m| m.id != lead.id)
            .context("the body's photo")?;
        assert_eq!(quay.alt, "Boats at the quay");
        assert_eq!(
            quay.credit.to_string(),
            "© REUTERS / Bandar Algaloud/Courtesy of Saudi Royal Court"
        );
        assert!(
            s.body_source.contains(&format!(
                "::: photo {}\nalt: Boats at the quay\ncaption: Boats at the quay\n:::",
                quay.id.0
            )),
            "{}",
            s.body_source
        );

        // Again: the same photos, nothing added.
        let report = run_import(&app, "ghost", &file, &[]).await?;
        assert!(
            report.contains("imported 4 posts (0 new, 4 updated"),
            "{report}"
        );
        assert!(report.contains("2 photos (0 new, 2 already"), "{report}");
        assert_eq!(app.store.media_library(None, 0, 100).await?.len(), 2);
        Ok(())
    }
);
