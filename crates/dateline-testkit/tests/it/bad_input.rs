//! Bad input from issue 22, on both backends: control characters refused at the edge (the
//! address, forms, JSON, multipart text) with a 400 sentence naming the field, never a 500 and
//! never a half-written row; long slugs that collide; upload texts over their limit refused
//! rather than cut; bodies over a limit answered with 413 and the limit; ids beyond 64 bits;
//! serde's words replaced by sentences; workflow refusals in plain English; a list of unknown
//! ids answered in one sentence.

use crate::*;
use dateline_core::permissions::Role;
use serde_json::{Value, json};

async fn answer(res: reqwest::Response) -> anyhow::Result<(u16, Value)> {
    let status = res.status().as_u16();
    let text = res.text().await?;
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok((status, value))
}

/// The sentence of an HTML error page.
async fn page_message(res: reqwest::Response) -> anyhow::Result<(u16, String)> {
    let status = res.status().as_u16();
    let page = Page::parse(&res.text().await?);
    Ok((status, page.text("main")))
}

/// A small, whole PNG.
fn png() -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encodes");
    out.into_inner()
}

/// How many unpublished stories the desk holds.
async fn article_count(app: &TestApp) -> anyhow::Result<usize> {
    let all = dateline_store::DeskSearch {
        words: Vec::new(),
        status: None,
        author: None,
        limit: 1000,
    };
    Ok(app.store.desk_search(&all).await?.len())
}

backend_test!(issue_22_control_characters_are_refused_at_the_edge, |app| {
    let news = app.section("news", "News").await?;
    let story = app
        .article("Harbour reopens")
        .section(&news)
        .publish()
        .await?;
    let controls = "The address contains a control character.";

    // Anonymous addresses: the path and the query.
    for path in [
        "/tags/%00/",
        "/authors/%00/",
        "/readers/oidc/%00/start",
        "/search?q=a%00b",
        "/news/?page=%01",
    ] {
        let (status, text) = page_message(app.get(path).await?).await?;
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains(controls), "{path}: {text}");
    }
    let res = app.get("/api/v1/articles?q=%00").await?;
    let (status, v) = answer(res).await?;
    assert_eq!((status, v["message"].as_str()), (400, Some(controls)));
    // Tab, newline and return are text, not refused.
    assert_eq!(app.get("/search?q=a%09b").await?.status().as_u16(), 200);

    // The newsroom: search, the editor, corrections, the media library.
    let editor = app.login_as(Role::Editor).await?;
    let (status, text) = page_message(editor.get("/newsroom/search?q=%00").await?).await?;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains(controls), "{text}");
    let before = article_count(&app).await?;
    let section = news.id.0.to_string();
    let res = editor
        .submit(
            "/newsroom/stories",
            &[
                ("headline", "Nul\u{0}byte"),
                ("section", &section),
                ("body", "Text."),
                ("action", "save"),
            ],
        )
        .await?;
    let (status, text) = page_message(res).await?;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("The headline contains a control character (U+0000)."),
        "{text}"
    );
    assert_eq!(article_count(&app).await?, before, "nothing was written");
    let res = editor
        .submit(
            &format!("/newsroom/stories/{}", story.id),
            &[
                ("headline", "Harbour reopens"),
                ("section", &section),
                ("body", "Text\u{1b}[31m"),
                ("version", &story.version.to_string()),
                ("action", "save"),
            ],
        )
        .await?;
    let (status, text) = page_message(res).await?;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("The body contains a control character (U+001B)."),
        "{text}"
    );
    let res = editor
        .submit(
            &format!("/newsroom/stories/{}/correction", story.id),
            &[("note", "We said\u{0} wrongly")],
        )
        .await?;
    let (status, text) = page_message(res).await?;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("The note contains a control character (U+0000)."),
        "{text}"
    );
    let res = editor
        .upload(
            "/newsroom/media",
            &[("caption", "Dawn\u{0}")],
            ("dawn.png", "image/png", &png()),
        )
        .await?;
    let (status, text) = page_message(res).await?;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("The caption contains a control character (U+0000)."),
        "{text}"
    );

    // The write API: any string, in any field.
    let t = app.api_token(Role::Admin).await?.1;
    let post = reqwest::Method::POST;
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Nul\u{0}byte", "section": "news"})),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["message"],
        "The field `headline` contains a control character (U+0000)."
    );
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Fine", "section": "news", "tags": ["ok", "b\u{7}d"]})),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["message"],
        "The field `tags[1]` contains a control character (U+0007)."
    );
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/tags",
            Some(json!({"name": "\u{0}"})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (400, Some("bad_request")), "{v}");
    assert_eq!(article_count(&app).await?, before, "nothing was written");
    assert!(app.store.tag_by_slug("b-d").await.is_err());
    Ok(())
});

backend_test!(issue_22_a_long_name_that_collides_gets_a_free_slug, |app| {
    let admin = app.login_as(Role::Admin).await?;
    let name = "B".repeat(79);
    for (n, email) in ["b1@example.com", "b2@example.com", "b3@example.com"]
        .into_iter()
        .enumerate()
    {
        let res = admin
            .submit(
                "/newsroom/users",
                &[
                    ("email", email),
                    ("name", &name),
                    ("role", "author"),
                    ("password", "a long enough password"),
                ],
            )
            .await?;
        assert_eq!(res.status().as_u16(), 303, "person {n}");
    }
    let mut slugs: Vec<String> = app
        .store
        .accounts()
        .await?
        .into_iter()
        .filter(|a| a.name == name)
        .map(|a| a.slug.as_str().to_owned())
        .collect();
    slugs.sort();
    let cut = "b".repeat(78);
    let mut want = vec!["b".repeat(79), format!("{cut}-2"), format!("{cut}-3")];
    want.sort();
    assert_eq!(slugs, want);
    // Tags with a long name that collide are the same tag, never a 500.
    let t = app.api_token(Role::Editor).await?.1;
    for _ in 0..2 {
        let (s, v) = app
            .api_call(
                &t,
                reqwest::Method::POST,
                "/api/v1/tags",
                Some(json!({"name": "C".repeat(100)})),
            )
            .await?;
        assert_eq!(s, 201, "{v}");
    }
    Ok(())
});

backend_test!(issue_22_upload_texts_over_the_limit_are_refused, |app| {
    let editor = app.login_as(Role::Editor).await?;
    let long = "c".repeat(2001);
    let res = editor
        .upload(
            "/newsroom/media",
            &[("alt", "Harbour"), ("caption", &long)],
            ("harbour.png", "image/png", &png()),
        )
        .await?;
    let status = res.status().as_u16();
    let page = Page::parse(&res.text().await?);
    assert_eq!(status, 400);
    assert!(
        page.text("main")
            .contains("The caption is too long: keep it to 2,000 characters."),
        "{}",
        page.text("main")
    );
    // The form keeps what was typed.
    assert_eq!(page.attr("input[name=alt]", "value"), "Harbour");
    assert!(app.store.media_library(None, 0, 10).await?.is_empty());

    // The API's multipart upload says the same.
    let t = app.api_token(Role::Admin).await?.1;
    const BOUNDARY: &str = "----dateline-bad-input-boundary";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photographer\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"harbour.png\"\r\nContent-Type: image/png\r\n\r\n",
        "p".repeat(2001)
    )
    .into_bytes();
    body.extend_from_slice(&png());
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let res = app
        .client
        .post(app.url("/api/v1/media"))
        .header("authorization", format!("Bearer {t}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await?;
    let (s, v) = answer(res).await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["message"],
        "The photographer is too long: keep it to 2,000 characters."
    );

    // Exactly 2,000 is kept whole; an edit over the limit is refused and changes nothing.
    let res = editor
        .upload(
            "/newsroom/media",
            &[("caption", &"d".repeat(2000))],
            ("harbour.png", "image/png", &png()),
        )
        .await?;
    assert_eq!(res.status().as_u16(), 303);
    let photos = app.store.media_library(None, 0, 10).await?;
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].caption.chars().count(), 2000);
    let res = editor
        .submit(
            &format!("/newsroom/media/{}", photos[0].id.0),
            &[("alt", &long)],
        )
        .await?;
    assert_eq!(res.status().as_u16(), 400);
    let photo = app.store.media(photos[0].id).await?;
    assert_eq!(photo.alt, "");
    Ok(())
});

backend_test!(issue_22_errors_say_what_to_fix, |app| {
    let news = app.section("news", "News").await?;
    let t = app.api_token(Role::Editor).await?.1;
    let post = reqwest::Method::POST;

    // A JSON body over the limit: 413 and the limit.
    let big = json!({"headline": "Big", "section": "news", "body": "x".repeat(3 * 1024 * 1024)});
    let (s, v) = app
        .api_call(&t, post.clone(), "/api/v1/articles", Some(big))
        .await?;
    assert_eq!((s, v["error"].as_str()), (413, Some("too_large")), "{v}");
    assert_eq!(
        v["message"],
        "The request is too large: send at most 2 MB (2,097,152 bytes)."
    );

    // An id beyond 64 bits, and one that does not exist.
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles/99999999999999999999/submit",
            None,
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["message"],
        "The article id must be a whole number between 1 and 9,223,372,036,854,775,807."
    );
    let (s, _) = app
        .api_call(&t, post.clone(), "/api/v1/articles/424242/submit", None)
        .await?;
    assert_eq!(s, 404);

    // serde's words never reach people.
    for (body, said) in [
        (json!([]), "The request body must be a JSON object."),
        (
            json!({"section": "news"}),
            "The field `headline` is required.",
        ),
        (
            json!({"headline": 7, "section": "news"}),
            "The field `headline` must be a string.",
        ),
        (
            json!({"headline": "A", "section": "news", "minor": "yes"}),
            "The field `minor` must be true or false.",
        ),
    ] {
        let (s, v) = app
            .api_call(&t, post.clone(), "/api/v1/articles", Some(body))
            .await?;
        assert_eq!((s, v["message"].as_str()), (400, Some(said)), "{v}");
    }
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "A", "section": "news", "colour": "red"})),
        )
        .await?;
    assert_eq!(s, 400);
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("There is no field `colour`. The fields are headline,")),
        "{v}"
    );
    let res = app
        .client
        .post(app.url("/api/v1/articles"))
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("headline=A")
        .send()
        .await?;
    let (s, v) = answer(res).await?;
    assert_eq!(
        (s, v["error"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let res = app
        .client
        .post(app.url("/api/v1/articles"))
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json")
        .body("{\"headline\": ")
        .send()
        .await?;
    let (s, v) = answer(res).await?;
    assert_eq!(s, 400);
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The request body is not valid JSON (line 1")),
        "{v}"
    );
    // `version` is required on PUT, said as a field.
    let story = app.article("Versioned").section(&news).draft().await?;
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PUT,
            &format!("/api/v1/articles/{}", story.id),
            Some(json!({"headline": "Versioned", "section": "news"})),
        )
        .await?;
    assert_eq!(s, 400);
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The field `version` is required")),
        "{v}"
    );

    // A thousand unknown ids are one sentence, not a thousand.
    let ids: Vec<i64> = (100_000..101_000).collect();
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(
                json!({"headline": "Many", "section": "news", "authors": &ids[..20],
                    "related": &ids[..20]}),
            ),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["message"],
        "There is no person \"100000\", \"100001\", \"100002\", \"100003\", \"100004\" \
         (or 15 more) to put in the byline. There is no story \"100000\", \"100001\", \
         \"100002\", \"100003\", \"100004\" (or 15 more) to pick as related: give story \
         numbers, separated by commas."
    );
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Many", "section": "news", "related": ids})),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["message"],
        "A story has at most 20 related picks; this one has 1000."
    );

    // Workflow refusals read as English.
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{}/submit", story.id),
            None,
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("/api/v1/articles/{}/restore", story.id),
            None,
        )
        .await?;
    assert_eq!(
        (s, v["message"].as_str()),
        (409, Some("A story in review cannot be restored."))
    );
    Ok(())
});

backend_test!(issue_22_a_story_over_the_size_rule_keeps_the_text, |app| {
    let news = app.section("news", "News").await?;
    let editor = app.login_as(Role::Editor).await?;
    let section = news.id.0.to_string();
    // 2.5 MB of words: over the story's own rule (1,000,000 bytes), under the form's limit.
    let body = "word ".repeat(500_000);
    let res = editor
        .submit(
            "/newsroom/stories",
            &[
                ("headline", "A very long read"),
                ("section", &section),
                ("body", &body),
                ("action", "save"),
            ],
        )
        .await?;
    let status = res.status().as_u16();
    let page = Page::parse(&res.text().await?);
    assert_eq!(status, 422);
    assert!(
        page.text("main")
            .contains("The body is too long: keep it to 1,000,000 bytes (it has 2,500,000)."),
        "{}",
        page.text(".nr-errors")
    );
    assert_eq!(page.text("textarea[name=body]"), body.trim());
    assert_eq!(
        page.attr("input[name=headline]", "value"),
        "A very long read"
    );

    // Beyond even the form's limit: 413 and the limit, not "could not be understood".
    let huge = "x".repeat(5 * 1024 * 1024);
    let res = editor
        .submit(
            "/newsroom/stories",
            &[("headline", "Huge"), ("section", &section), ("body", &huge)],
        )
        .await?;
    let (status, text) = page_message(res).await?;
    assert_eq!(status, 413);
    assert!(
        text.contains("The request is too large: send at most 4 MB (4,194,304 bytes)."),
        "{text}"
    );
    Ok(())
});

backend_test!(issue_22_more_pins_than_slots_are_refused_not_cut, |app| {
    let story = app.article("Pinned").publish().await?;
    let editor = app.login_as(Role::Editor).await?;
    let id = story.id.0.to_string();
    let pins: Vec<(&str, &str)> = (0..6).map(|_| ("pin", id.as_str())).collect();
    let (status, text) = page_message(editor.submit("/newsroom/front-page", &pins).await?).await?;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("The front page has 5 pins; this sends 6."),
        "{text}"
    );
    let res = editor
        .submit("/newsroom/front-page", &[("pin", id.as_str())])
        .await?;
    assert_eq!(res.status().as_u16(), 303);
    Ok(())
});
