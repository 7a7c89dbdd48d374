//! Static pages (issue 16): written in the newsroom or through the API, served at `/{slug}/`
//! beside the section fronts (never on a section's slug or one of the site's own paths, either
//! way round), drafts never public, listed in the footer in the editors' order and in the
//! sitemap, dropped from the page cache when edited, with revisions kept and restorable.

use crate::*;
use dateline_core::permissions::Role;
use dateline_core::slug::Slug;
use dateline_core::static_page::PageStatus;
use dateline_store::{PageInput, StoreError};
use serde_json::json;

fn input(
    slug: &str,
    title: &str,
    body: &str,
    status: PageStatus,
    footer: Option<i64>,
) -> PageInput {
    // The store keeps what the web layer rendered; plain paragraphs are enough here.
    PageInput {
        slug: Slug::parse(slug).expect("a valid slug"),
        title: title.to_owned(),
        description: String::new(),
        body_source: body.to_owned(),
        body_html: format!("<p>{body}</p>"),
        body_text: body.to_owned(),
        refs: Vec::new(),
        status,
        footer_position: footer,
    }
}

/// The id in a newsroom redirect to `/newsroom/pages/{id}?saved=…`.
fn page_id_of(res: &reqwest::Response) -> i64 {
    location(res)
        .trim_start_matches("/newsroom/pages/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a redirect to the page's editor")
}

backend_test!(store_keeps_pages_revisions_and_the_footer_order, |app| {
    let now = app.clock.now();
    let about = app
        .store
        .create_page(
            input(
                "about-us",
                "About us",
                "We report.",
                PageStatus::Published,
                Some(2),
            ),
            None,
            now,
        )
        .await?;
    let contact = app
        .store
        .create_page(
            input(
                "contact",
                "Contact",
                "Write to us.",
                PageStatus::Published,
                Some(1),
            ),
            None,
            now,
        )
        .await?;
    app.store
        .create_page(
            input(
                "privacy",
                "Privacy",
                "Draft words.",
                PageStatus::Draft,
                Some(3),
            ),
            None,
            now,
        )
        .await?;
    // The footer lists published pages only, in order.
    let footer: Vec<String> = app
        .store
        .footer_links()
        .await?
        .into_iter()
        .map(|l| l.title)
        .collect();
    assert_eq!(footer, ["Contact", "About us"]);
    app.store.order_footer(&[about.id, contact.id]).await?;
    let footer: Vec<String> = app
        .store
        .footer_links()
        .await?
        .into_iter()
        .map(|l| l.path)
        .collect();
    assert_eq!(footer, ["/about-us/", "/contact/"]);

    // Each save is a revision; a stale version is refused.
    let about = app.store.page(about.id).await?;
    let saved = app
        .store
        .save_page(
            about.id,
            about.version,
            input(
                "about-us",
                "About us",
                "We report, daily.",
                PageStatus::Published,
                about.footer_position,
            ),
            None,
            now,
        )
        .await?;
    assert_eq!(saved.version, about.version + 1);
    let stale = app
        .store
        .save_page(
            about.id,
            about.version,
            input("about-us", "About", "x", PageStatus::Published, None),
            None,
            now,
        )
        .await;
    assert!(matches!(stale, Err(StoreError::StaleVersion)), "{stale:?}");
    let revisions = app.store.page_revisions(about.id).await?;
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0].body_source, "We report, daily.");
    assert_eq!(revisions[1].body_source, "We report.");

    // A slug names a section or a page, never both; two pages never share one.
    app.section("world", "World").await?;
    let clash = app
        .store
        .create_page(
            input("world", "World", "x", PageStatus::Draft, None),
            None,
            now,
        )
        .await;
    assert!(
        matches!(&clash, Err(StoreError::Taken(w)) if w == "section"),
        "{clash:?}"
    );
    let twice = app
        .store
        .create_page(
            input("contact", "Contact 2", "x", PageStatus::Draft, None),
            None,
            now,
        )
        .await;
    assert!(
        matches!(&twice, Err(StoreError::Taken(w)) if w == "slug"),
        "{twice:?}"
    );

    app.store.delete_page(contact.id).await?;
    assert!(matches!(
        app.store.page(contact.id).await,
        Err(StoreError::NotFound)
    ));
    Ok(())
});

backend_test!(a_published_page_is_served_with_footer_and_sitemap, |app| {
    app.section("world", "World").await?;
    let editor = app.login_as(Role::Editor).await?;
    let res = editor
        .submit(
            "/newsroom/pages/create",
            &[
                ("title", "About us"),
                ("slug", ""),
                ("body", "We are an independent newsroom.\n\n# Who owns us\n\nOur readers.[^coop]\n\n[^coop]: A cooperative since 2019.\n"),
                ("description", ""),
                ("in_footer", "1"),
                ("action", "publish"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let about = page_id_of(&res);
    let res = editor
        .submit(
            "/newsroom/pages/create",
            &[
                ("title", "Contact"),
                ("slug", "contact"),
                ("body", "Write to desk@example.com."),
                ("description", "How to reach the newsroom."),
                ("in_footer", "1"),
                ("action", "publish"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let res = editor
        .submit(
            "/newsroom/pages/create",
            &[
                ("title", "Privacy"),
                ("slug", "privacy"),
                ("body", "Not ready."),
                ("in_footer", "1"),
                ("action", "save"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);

    let page = app.page("/about-us/", 200).await?;
    assert_eq!(page.text("h1"), "About us");
    assert!(
        page.text(".static-page-updated")
            .starts_with("Last updated")
    );
    assert!(page.has(".prose h2"), "the dialect is rendered");
    assert!(
        page.text(".prose").contains("A cooperative since 2019."),
        "the note is rendered"
    );
    assert_eq!(
        page.attr("link[rel=canonical]", "href"),
        app.url("/about-us/")
    );
    assert_eq!(
        page.attr("meta[name=description]", "content"),
        "We are an independent newsroom."
    );
    let ld: serde_json::Value =
        serde_json::from_str(&page.text("script[type='application/ld+json']"))?;
    assert_eq!(ld["@type"], "WebPage");
    assert_eq!(ld["name"], "About us");
    let contact = app.page("/contact/", 200).await?;
    assert_eq!(
        contact.attr("meta[name=description]", "content"),
        "How to reach the newsroom."
    );

    // Drafts are never public.
    app.page("/privacy/", 404).await?;
    // The footer lists published footer pages in order, on every page.
    for path in ["/", "/world/", "/about-us/"] {
        let p = app.page(path, 200).await?;
        assert_eq!(
            p.texts(".footer-pages a"),
            ["About us", "Contact"],
            "{path}"
        );
    }
    // Reordering moves them, and every cached page follows.
    let res = editor
        .submit(&format!("/newsroom/pages/{about}/move"), &[("to", "down")])
        .await?;
    assert_eq!(res.status(), 303);
    let p = app.page("/world/", 200).await?;
    assert_eq!(p.texts(".footer-pages a"), ["Contact", "About us"]);
    let list = editor.page("/newsroom/pages", 200).await?;
    assert_eq!(
        list.texts("tbody tr td:first-child a"),
        ["Contact", "About us", "Privacy"]
    );

    // The sitemap lists the published pages with their lastmod.
    let res = app.get("/sitemaps/pages-1.xml").await?;
    assert_eq!(res.status(), 200);
    let xml = res.text().await?;
    let about_url = format!("<loc>{}</loc>", app.url("/about-us/"));
    let at = xml.find(&about_url).expect("the about page in the sitemap");
    assert!(
        xml[at..]
            .split("</url>")
            .next()
            .is_some_and(|u| u.contains("<lastmod>"))
    );
    assert!(xml.contains(&app.url("/contact/")));
    assert!(!xml.contains(&app.url("/privacy/")), "drafts stay out");
    Ok(())
});

backend_test!(
    an_edit_drops_the_cached_page_and_unpublishing_hides_it,
    |app| {
        let editor = app.login_as(Role::Editor).await?;
        let res = editor
            .submit(
                "/newsroom/pages/create",
                &[
                    ("title", "Corrections policy"),
                    ("body", "We correct errors promptly."),
                    ("in_footer", "1"),
                    ("action", "publish"),
                ],
            )
            .await?;
        let id = page_id_of(&res);
        let first = app.get("/corrections-policy/").await?.text().await?;
        assert!(first.contains("promptly"));
        // Kept: the second answer is the cache's.
        let before = app.state.cache.renders();
        app.get("/corrections-policy/").await?;
        assert_eq!(app.state.cache.renders(), before, "the page is cached");
        app.get("/").await?;

        let edit = editor.page(&format!("/newsroom/pages/{id}"), 200).await?;
        let version = edit.attr("input[name=version]", "value");
        let res = editor
            .submit(
                &format!("/newsroom/pages/{id}"),
                &[
                    ("version", &version),
                    ("title", "Corrections and clarifications"),
                    ("slug", "corrections-policy"),
                    ("body", "We correct errors within a day."),
                    ("in_footer", "1"),
                    ("action", "save"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let page = app.page("/corrections-policy/", 200).await?;
        assert_eq!(page.text("h1"), "Corrections and clarifications");
        assert!(page.text(".prose").contains("within a day"));
        let front = app.page("/", 200).await?;
        assert_eq!(
            front.texts(".footer-pages a"),
            ["Corrections and clarifications"]
        );

        // Revisions: both saves listed; restoring the first brings its words back.
        let revs = editor
            .page(&format!("/newsroom/pages/{id}/revisions"), 200)
            .await?;
        assert_eq!(revs.all("tbody tr").len(), 2);
        let first_rev = app.store.page_revisions(dateline_core::PageId(id)).await?[1].id;
        let res = editor
            .submit(
                &format!("/newsroom/pages/{id}/revisions/{first_rev}/restore"),
                &[],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let page = app.page("/corrections-policy/", 200).await?;
        assert!(page.text(".prose").contains("promptly"));
        assert_eq!(
            app.store
                .page_revisions(dateline_core::PageId(id))
                .await?
                .len(),
            3
        );

        // Unpublished: 404 at once, and gone from the footer.
        let version = app
            .store
            .page(dateline_core::PageId(id))
            .await?
            .version
            .to_string();
        let res = editor
            .submit(
                &format!("/newsroom/pages/{id}"),
                &[
                    ("version", &version),
                    ("title", "Corrections policy"),
                    ("slug", "corrections-policy"),
                    ("body", "We correct errors promptly."),
                    ("in_footer", "1"),
                    ("action", "unpublish"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 303);
        app.page("/corrections-policy/", 404).await?;
        assert!(!app.page("/", 200).await?.has(".footer-pages"));

        // Deleting asks first, then removes it.
        let confirm = editor
            .page(&format!("/newsroom/pages/{id}/delete"), 200)
            .await?;
        assert!(confirm.has("button.nr-danger"));
        let res = editor
            .submit(&format!("/newsroom/pages/{id}/delete"), &[("confirm", "1")])
            .await?;
        assert_eq!(res.status(), 303);
        editor.page(&format!("/newsroom/pages/{id}"), 404).await?;
        Ok(())
    }
);

backend_test!(page_and_section_slugs_never_collide, |app| {
    app.section("world", "World").await?;
    let editor = app.login_as(Role::Editor).await?;
    // A page on a section's slug: 409 naming the clash, nothing saved.
    let res = editor
        .submit(
            "/newsroom/pages/create",
            &[
                ("title", "World"),
                ("slug", "world"),
                ("body", "x"),
                ("action", "publish"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 409);
    let page = Page::parse(&res.text().await?);
    assert!(
        page.text(".nr-error-summary").contains("section"),
        "{}",
        page.text(".nr-error-summary")
    );
    assert_eq!(
        page.attr("input[name=title]", "value"),
        "World",
        "the form comes back as typed"
    );
    assert!(app.store.pages().await?.is_empty());
    // A reserved path: 400 naming it.
    for slug in ["newsroom", "search", "api", "readers"] {
        let res = editor
            .submit(
                "/newsroom/pages/create",
                &[
                    ("title", "Mine"),
                    ("slug", slug),
                    ("body", "x"),
                    ("action", "publish"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 400, "{slug}");
        let text = Page::parse(&res.text().await?).text(".nr-error-summary");
        assert!(text.contains(&format!("/{slug}/")), "{text}");
    }
    // The other way round: a section on a page's slug.
    let res = editor
        .submit(
            "/newsroom/pages/create",
            &[
                ("title", "About"),
                ("slug", "about"),
                ("body", "x"),
                ("action", "publish"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let res = editor
        .submit(
            "/newsroom/sections",
            &[
                ("name", "About"),
                ("slug", "about"),
                ("description", ""),
                ("position", ""),
            ],
        )
        .await?;
    assert_eq!(res.status(), 409);
    let text = res.text().await?;
    assert!(text.contains("/about/") && text.contains("page"), "{text}");
    let t = app.api_token(Role::Admin).await?.1;
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::POST,
            "/api/v1/sections",
            Some(json!({"name": "About", "slug": "about"})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("/about/")),
        "{v}"
    );
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::POST,
            "/api/v1/pages",
            Some(json!({"title": "World", "slug": "world"})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("section")),
        "{v}"
    );
    // The section front still answers at its path, the page at its own.
    app.page("/world/", 200).await?;
    app.page("/about/", 200).await?;
    Ok(())
});

backend_test!(only_editors_and_admins_manage_pages, |app| {
    for role in [Role::Contributor, Role::Author, Role::Moderator] {
        let (account, t) = app.api_token(role).await?;
        let b = app.login(account, dateline_testkit::TEST_PASSWORD).await?;
        let res = b.get("/newsroom/pages").await?;
        assert_eq!(res.status(), 403, "{role}");
        let res = b
            .submit(
                "/newsroom/pages/create",
                &[("title", "Mine"), ("body", "x"), ("action", "publish")],
            )
            .await?;
        assert_eq!(res.status(), 403, "{role}");
        let (s, _) = app
            .api_call(
                &t,
                reqwest::Method::POST,
                "/api/v1/pages",
                Some(json!({"title": "Mine"})),
            )
            .await?;
        assert_eq!(s, 403, "{role}");
        let (s, _) = app
            .api_call(&t, reqwest::Method::GET, "/api/v1/pages", None)
            .await?;
        assert_eq!(s, 403, "{role}");
    }
    assert!(app.store.pages().await?.is_empty());
    let mut last = None;
    for role in [Role::Editor, Role::Admin] {
        let b = app.login_as(role).await?;
        let page = b.page("/newsroom/pages", 200).await?;
        assert!(page.has("a[href='/newsroom/pages/new']"));
        let editor = b.page("/newsroom/pages/new", 200).await?;
        assert!(
            editor.has("form[data-editor] textarea[name=body][data-rich]"),
            "the story editor mounts"
        );
        assert!(editor.has("input[name=csrf]"));
        last = Some(b);
    }
    // A form without the session's token is refused.
    let b = last.expect("an admin's browser");
    let res = b
        .post(
            "/newsroom/pages/create",
            &[("title", "Mine"), ("body", "x"), ("action", "publish")],
        )
        .await?;
    assert_eq!(res.status(), 403);
    assert!(app.store.pages().await?.is_empty());
    Ok(())
});

backend_test!(the_pages_api_round_trips, |app| {
    let t = app.api_token(Role::Editor).await?.1;
    let post = reqwest::Method::POST;
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/pages",
            Some(json!({"title": "About us", "body": "We report.", "status": "published", "footer_position": 1})),
        )
        .await?;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["slug"], "about-us");
    assert_eq!(v["path"], "/about-us/");
    let id = v["id"].as_i64().expect("an id");
    app.page("/about-us/", 200).await?;

    // GET → change one field → PUT.
    let (s, mut got) = app
        .api_call(
            &t,
            reqwest::Method::GET,
            &format!("/api/v1/pages/{id}"),
            None,
        )
        .await?;
    assert_eq!(s, 200);
    assert_eq!(got["body"], "We report.");
    got["body"] = json!("We report, every day.");
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PUT,
            &format!("/api/v1/pages/{id}"),
            Some(got.clone()),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["version"],
        got["version"].as_i64().expect("a version") + 1
    );
    // The same version again is stale.
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PUT,
            &format!("/api/v1/pages/{id}"),
            Some(got),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));
    // PATCH only the title.
    let version = app.store.page(dateline_core::PageId(id)).await?.version;
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PATCH,
            &format!("/api/v1/pages/{id}"),
            Some(json!({"title": "Who we are", "version": version})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["title"], "Who we are");
    assert_eq!(v["body"], "We report, every day.");
    assert_eq!(v["footer_position"], 1);
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PATCH,
            &format!("/api/v1/pages/{id}"),
            Some(json!({"title": "x"})),
        )
        .await?;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().is_some_and(|m| m.contains("version")));
    // Bad input names the field.
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/pages",
            Some(json!({"title": "", "status": "secret"})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (400, Some("bad_request")));
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("status")),
        "{v}"
    );
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/pages",
            Some(json!({"title": ""})),
        )
        .await?;
    assert_eq!(s, 400);
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("title")),
        "{v}"
    );
    // The list, then DELETE.
    let (s, v) = app
        .api_call(&t, reqwest::Method::GET, "/api/v1/pages", None)
        .await?;
    assert_eq!(s, 200);
    assert_eq!(v["pages"].as_array().map(Vec::len), Some(1));
    let (s, _) = app
        .api_call(
            &t,
            reqwest::Method::DELETE,
            &format!("/api/v1/pages/{id}"),
            None,
        )
        .await?;
    assert_eq!(s, 204);
    app.page("/about-us/", 404).await?;
    let (s, _) = app
        .api_call(
            &t,
            reqwest::Method::GET,
            &format!("/api/v1/pages/{id}"),
            None,
        )
        .await?;
    assert_eq!(s, 404);
    Ok(())
});
