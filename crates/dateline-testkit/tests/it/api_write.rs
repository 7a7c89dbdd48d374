//! The admin write API with API tokens: create, update (with the version check), submit,
//! publish (warnings need confirm), schedule, withdraw and restore an article, create sections
//! and tags; JSON errors with stable codes; who may do what; a session cookie is not enough;
//! and the OpenAPI document names every write route.

use crate::*;
use dateline_core::article::Status;
use dateline_core::permissions::Role;
use serde_json::{Value, json};

backend_test!(write_api_runs_the_workflow, |app| {
    app.section("news", "News").await?;
    let t = app.api_token(Role::Editor).await?.1;
    let post = reqwest::Method::POST;

    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(
                json!({"headline": "Wire story", "section": "news", "body": "Text.",
                    "tags": ["Wire"]}),
            ),
        )
        .await?;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["status"], "draft");
    let id = v["id"].as_i64().expect("an id");
    let version = v["version"].as_i64().expect("a version");
    assert_eq!(app.store.tag_by_slug("wire").await?.name, "Wire");

    // Bad input: a stable code and a sentence, nothing written.
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "", "section": "nowhere"})),
        )
        .await?;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "bad_request");
    assert!(v["message"].as_str().is_some_and(|m| m.contains("nowhere")));
    let (s, v) = app
        .api_call(&t, post.clone(), "/api/v1/articles", None)
        .await?;
    assert_eq!((s, v["error"].as_str()), (400, Some("bad_request")));

    // Update with the version; a stale one is refused.
    let put = reqwest::Method::PUT;
    let change = json!({"headline": "Wire story, updated", "section": "news",
                        "body": "Text.", "version": version});
    let (s, v) = app
        .api_call(
            &t,
            put.clone(),
            &format!("/api/v1/articles/{id}"),
            Some(change.clone()),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["headline"], "Wire story, updated");
    let (s, v) = app
        .api_call(
            &t,
            put.clone(),
            &format!("/api/v1/articles/{id}"),
            Some(change),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));

    // Submit, then publish: the empty standfirst is a warning until confirmed.
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{id}/submit"),
            None,
        )
        .await?;
    assert_eq!((s, v["status"].as_str()), (200, Some("in_review")));
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{id}/publish"),
            None,
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("standfirst"))
    );
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{id}/publish"),
            Some(json!({"confirm": true})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    let path = v["path"].as_str().expect("a path").to_owned();
    app.page(&path, 200).await?;

    // Withdraw needs a note; restore brings it back.
    let (s, _) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{id}/withdraw"),
            None,
        )
        .await?;
    assert_eq!(s, 400);
    let (s, _) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{id}/withdraw"),
            Some(json!({"note": "Pulled."})),
        )
        .await?;
    assert_eq!(s, 200);
    app.page(&path, 410).await?;
    let (s, _) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{id}/restore"),
            None,
        )
        .await?;
    assert_eq!(s, 200);
    app.page(&path, 200).await?;

    // Schedule another story; the scheduler publishes it when due.
    let (_, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Later", "standfirst": "s", "section": "news", "body": "x"})),
        )
        .await?;
    let later = v["id"].as_i64().expect("an id");
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{later}/schedule"),
            Some(json!({"at": "2020-01-01T00:00:00Z"})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (400, Some("bad_request")));
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{later}/schedule"),
            Some(json!({"at": "2026-03-10T13:00:00Z"})),
        )
        .await?;
    assert_eq!((s, v["status"].as_str()), (200, Some("scheduled")), "{v}");
    app.clock.set(ts("2026-03-10T13:00:01Z"));
    app.state.scheduler.tick().await?;
    assert_eq!(
        app.store
            .article(dateline_core::ArticleId(later))
            .await?
            .status,
        Status::Published
    );

    // Sections and tags.
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/sections",
            Some(json!({"name": "Sport"})),
        )
        .await?;
    assert_eq!((s, v["slug"].as_str()), (201, Some("sport")));
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/sections",
            Some(json!({"name": "Sport"})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/tags",
            Some(json!({"name": "Football"})),
        )
        .await?;
    assert_eq!((s, v["slug"].as_str()), (201, Some("football")));
    Ok(())
});

backend_test!(write_api_permissions, |app| {
    app.section("news", "News").await?;
    let post = reqwest::Method::POST;
    let contributor = app.api_token(Role::Contributor).await?.1;
    let (s, v) = app
        .api_call(
            &contributor,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Mine", "standfirst": "s", "section": "news"})),
        )
        .await?;
    assert_eq!(s, 201);
    let id = v["id"].as_i64().expect("an id");
    // A contributor may not publish, even their own story; nor manage sections.
    let (s, v) = app
        .api_call(
            &contributor,
            post.clone(),
            &format!("/api/v1/articles/{id}/publish"),
            Some(json!({"confirm": true})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")));
    let (s, _) = app
        .api_call(
            &contributor,
            post.clone(),
            "/api/v1/sections",
            Some(json!({"name": "X"})),
        )
        .await?;
    assert_eq!(s, 403);
    // An author publishes their own story but not someone else's.
    let author = app.api_token(Role::Author).await?.1;
    let (s, _) = app
        .api_call(
            &author,
            post.clone(),
            &format!("/api/v1/articles/{id}/publish"),
            Some(json!({"confirm": true})),
        )
        .await?;
    assert_eq!(s, 403);
    let (_, v) = app
        .api_call(
            &author,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Author's", "standfirst": "s", "section": "news"})),
        )
        .await?;
    let own = v["id"].as_i64().expect("an id");
    let (s, v) = app
        .api_call(
            &author,
            post.clone(),
            &format!("/api/v1/articles/{own}/publish"),
            None,
        )
        .await?;
    assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
    // No token: 401 JSON. A session cookie alone does not write.
    let res = app
        .client
        .post(app.url("/api/v1/articles"))
        .json(&json!({"headline": "x", "section": "news"}))
        .send()
        .await?;
    assert_eq!(res.status(), 401);
    let b = app.login_as(Role::Editor).await?;
    let res = b
        .send(
            app.client
                .post(app.url("/api/v1/tags"))
                .json(&json!({"name": "Cookie"})),
        )
        .await?;
    assert_eq!(res.status(), 403);
    Ok(())
});

backend_test!(openapi_document_names_the_routes, |app| {
    let doc = app.json("/api/v1/openapi.json", 200).await?;
    assert_eq!(doc["openapi"], "3.0.3");
    for (path, method) in [
        ("/articles", "post"),
        ("/articles/{id}", "put"),
        ("/articles/{id}", "patch"),
        ("/media/{id}", "put"),
        ("/media/{id}", "patch"),
        ("/media/{id}", "delete"),
        ("/articles/{id}/submit", "post"),
        ("/articles/{id}/publish", "post"),
        ("/articles/{id}/schedule", "post"),
        ("/articles/{id}/withdraw", "post"),
        ("/articles/{id}/restore", "post"),
        ("/sections", "post"),
        ("/tags", "post"),
        ("/media", "post"),
        ("/articles", "get"),
        ("/mail/events", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    Ok(())
});

/// A `multipart/form-data` body with text fields and one file.
pub(crate) fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> (String, Vec<u8>) {
    const B: &str = "----dateline-api-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    let (name, kind, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: {kind}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={B}"), body)
}

backend_test!(write_api_uploads_photos, |app| {
    let t = app.api_token(Role::Author).await?.1;
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([x as u8, y as u8, 90])
    }));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png)?;
    let png = png.into_inner();
    let send = |file: (&'static str, &'static str, Vec<u8>)| {
        let (kind, body) = multipart(
            &[
                ("alt", "A test card"),
                ("caption", "Test"),
                ("agency", "Wire"),
            ],
            (file.0, file.1, &file.2),
        );
        app.client
            .post(app.url("/api/v1/media"))
            .header("authorization", format!("Bearer {t}"))
            .header("content-type", kind)
            .body(body)
            .send()
    };
    let res = send(("card.png", "image/png", png.clone())).await?;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await?;
    assert_eq!(
        (v["width"].as_i64(), v["alt"].as_str()),
        (Some(64), Some("A test card"))
    );
    let id = v["id"].as_i64().expect("an id");
    assert_eq!(
        app.store
            .media(dateline_core::MediaId(id))
            .await?
            .credit
            .agency,
        "Wire"
    );
    // The same file again, a renamed non-image, and no token.
    let res = send(("card.png", "image/png", png)).await?;
    assert_eq!(res.status(), 409);
    let res = send(("paper.png", "image/png", b"%PDF-1.4 not an image".to_vec())).await?;
    assert_eq!(res.status(), 415);
    let v: Value = res.json().await?;
    assert_eq!(v["error"], "unsupported_media_type");
    assert_eq!(app.store.media_library(None, 0, 10).await?.len(), 1);
    let res = app.client.post(app.url("/api/v1/media")).send().await?;
    assert_eq!(res.status(), 401);
    Ok(())
});

backend_test!(
    issue_16_publish_at_a_past_time_backdates_for_the_desk,
    |app| {
        app.section("news", "News").await?;
        let post = reqwest::Method::POST;
        let create = |t: String, headline: &'static str| {
            let app = &app;
            async move {
                let (s, v) = app
                    .api_call(
                        &t,
                        reqwest::Method::POST,
                        "/api/v1/articles",
                        Some(json!({"headline": headline, "standfirst": "Old news.",
                                "section": "news", "body": "Text."})),
                    )
                    .await?;
                assert_eq!(s, 201, "{v}");
                anyhow::Ok(v["id"].as_i64().expect("an id"))
            }
        };
        // An author may publish their own story now, but not at a time in the past: a sentence,
        // and the story stays a draft (never published at a time nobody chose).
        let author = app.api_token(Role::Author).await?.1;
        let id = create(author.clone(), "An author's archive piece").await?;
        let (s, v) = app
            .api_call(
                &author,
                post.clone(),
                &format!("/api/v1/articles/{id}/publish"),
                Some(json!({"at": "2019-03-11T09:30:00Z", "confirm": true})),
            )
            .await?;
        assert_eq!((s, v["error"].as_str()), (400, Some("bad_request")), "{v}");
        let message = v["message"].as_str().unwrap_or_default();
        assert!(message.contains("editors and admins"), "{message}");
        assert_eq!(
            app.store
                .article(dateline_core::ArticleId(id))
                .await?
                .status,
            Status::Draft
        );
        // An editor backdates: the original time is kept, and the URL carries its date.
        let editor = app.api_token(Role::Editor).await?.1;
        let id = create(editor.clone(), "From the archive").await?;
        for (at, why) in [
            ("yesterday", "RFC 3339"),
            ("2030-01-01T00:00:00Z", "schedule"),
        ] {
            let (s, v) = app
                .api_call(
                    &editor,
                    post.clone(),
                    &format!("/api/v1/articles/{id}/publish"),
                    Some(json!({"at": at, "confirm": true})),
                )
                .await?;
            assert_eq!(s, 400, "{at}: {v}");
            let message = v["message"].as_str().unwrap_or_default();
            assert!(message.contains(why), "{at}: {message}");
        }
        let (s, v) = app
            .api_call(
                &editor,
                post.clone(),
                &format!("/api/v1/articles/{id}/publish"),
                Some(json!({"at": "2019-03-11T09:30:00Z", "confirm": true})),
            )
            .await?;
        assert_eq!((s, v["status"].as_str()), (200, Some("published")), "{v}");
        let a = app.store.article(dateline_core::ArticleId(id)).await?;
        assert_eq!(
            a.published_at,
            Some("2019-03-11T09:30:00Z".parse().expect("a time"))
        );
        let path = v["path"].as_str().expect("a path");
        assert_eq!(path, "/news/2019/03/11/from-the-archive/");
        let page = app.page(path, 200).await?;
        assert!(page.text("time").contains("2019"), "{}", page.text("time"));
        Ok(())
    }
);
