//! Issue 16, "The API can do everything the newsroom can": `GET /api/v1/articles/{id}` with a
//! token answers what `PUT` takes, so GET → change → PUT round-trips; `PATCH` changes only what
//! it sends; a headline edit keeps a published story's URL; tags keep the editor's order; a
//! story may have no byline; photos' words are changed and photos deleted through the API; a
//! story without a lead photo shows its first body photo on social cards, and one without a
//! standfirst describes itself with its first paragraph.

use crate::*;
use dateline_core::permissions::Role;
use serde_json::{Value, json};

backend_test!(issue_16_get_with_a_token_round_trips_through_put, |app| {
    app.section("news", "News").await?;
    app.section("world", "World").await?;
    let t = app.api_token(Role::Editor).await?.1;
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;
    let put = reqwest::Method::PUT;
    // Existing, new, existing: the editor's order, whichever tags are new.
    let (s, _) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/tags",
            Some(json!({"name": "Zebra"})),
        )
        .await?;
    assert_eq!(s, 201);
    let (s, _) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/tags",
            Some(json!({"name": "Apple"})),
        )
        .await?;
    assert_eq!(s, 201);
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({
                "headline": "Harbour reopens after storm",
                "standfirst": "Ships return to the quay.",
                "section": "news",
                "body": "The harbour master said **all** berths were clear.\n",
                "tags": ["Zebra", "Mango", "Apple"],
                "authors": [],
                "seo_title": "Harbour reopens",
            })),
        )
        .await?;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().expect("an id");
    let url = format!("/api/v1/articles/{id}");

    let (s, got) = app.api_call(&t, get.clone(), &url, None).await?;
    assert_eq!(s, 200, "{got}");
    assert_eq!(
        got["body"],
        "The harbour master said **all** berths were clear.\n"
    );
    assert_eq!(got["tags"], json!(["Zebra", "Mango", "Apple"]));
    assert_eq!(got["authors"], json!([]), "agency copy keeps no byline");
    assert_eq!(got["section"], "news");
    assert_eq!(got["slug"], "harbour-reopens-after-storm");
    assert_eq!(got["status"], "draft");
    assert_eq!(got["seo_title"], "Harbour reopens");
    assert_eq!(got["related"], json!([]));
    assert!(got["version"].as_i64().is_some());
    // Drafts are not public: without a token the same URL is a 404.
    assert_eq!(app.get(&url).await?.status(), 404);
    // A bad token is refused, never answered with the public story.
    let (s, _) = app.api_call("not-a-token", get.clone(), &url, None).await?;
    assert_eq!(s, 401);

    // GET → change one field → PUT, as a client would.
    let mut changed = got.clone();
    changed["section"] = json!("world");
    let (s, v) = app.api_call(&t, put.clone(), &url, Some(changed)).await?;
    assert_eq!(s, 200, "{v}");
    let (_, again) = app.api_call(&t, get.clone(), &url, None).await?;
    for field in [
        "body",
        "tags",
        "authors",
        "slug",
        "headline",
        "standfirst",
        "seo_title",
    ] {
        assert_eq!(
            again[field], got[field],
            "{field} changed by the round trip"
        );
    }
    assert_eq!(again["section"], "world");
    assert_eq!(
        again["version"].as_i64(),
        got["version"].as_i64().map(|v| v + 1)
    );

    // PATCH: only what it sends; the version is required and checked.
    let patch = reqwest::Method::PATCH;
    let (s, v) = app
        .api_call(
            &t,
            patch.clone(),
            &url,
            Some(json!({"standfirst": "Quays busy again."})),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| m.contains("version")));
    let (s, v) = app
        .api_call(
            &t,
            patch.clone(),
            &url,
            Some(json!({"standfirst": "Quays busy again.", "version": again["version"]})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    let (_, patched) = app.api_call(&t, get.clone(), &url, None).await?;
    assert_eq!(patched["standfirst"], "Quays busy again.");
    for field in ["body", "tags", "authors", "slug", "headline", "section"] {
        assert_eq!(patched[field], again[field], "{field} changed by the patch");
    }
    let (s, v) = app
        .api_call(
            &t,
            patch.clone(),
            &url,
            Some(json!({"standfirst": "Stale.", "version": again["version"]})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (409, Some("conflict")));
    let (s, v) = app
        .api_call(
            &t,
            patch.clone(),
            &url,
            Some(json!({"colour": "red", "version": patched["version"]})),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("colour")),
        "{v}"
    );
    Ok(())
});

backend_test!(issue_16_a_headline_edit_keeps_a_published_url, |app| {
    app.section("news", "News").await?;
    let t = app.api_token(Role::Editor).await?.1;
    let post = reqwest::Method::POST;
    let (_, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(
                json!({"headline": "Bridge closes for repairs", "standfirst": "Traffic diverted.",
                        "section": "news", "body": "Work starts Monday.\n"}),
            ),
        )
        .await?;
    let id = v["id"].as_i64().expect("an id");
    let url = format!("/api/v1/articles/{id}");
    let (s, v) = app
        .api_call(
            &t,
            post.clone(),
            &format!("{url}/publish"),
            Some(json!({"confirm": true})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    let path = v["path"].as_str().expect("a path").to_owned();
    for (minor, headline) in [
        (false, "Bridge shut for a month"),
        (true, "Bridge shut for a month."),
    ] {
        let (_, got) = app.api_call(&t, reqwest::Method::GET, &url, None).await?;
        // A PUT without a slug, as clients written before GET returned one send it.
        let (s, v) = app
            .api_call(
                &t,
                reqwest::Method::PUT,
                &url,
                Some(
                    json!({"headline": headline, "standfirst": "Traffic diverted.",
                            "section": "news", "body": "Work starts Monday.\n",
                            "version": got["version"], "minor": minor}),
                ),
            )
            .await?;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["path"].as_str(), Some(path.as_str()), "minor: {minor}");
        app.page(&path, 200).await?;
    }
    // A slug sent on purpose does move it.
    let (_, got) = app.api_call(&t, reqwest::Method::GET, &url, None).await?;
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PATCH,
            &url,
            Some(json!({"slug": "bridge-shut", "version": got["version"]})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    let moved = v["path"].as_str().expect("a path");
    assert!(moved.ends_with("/bridge-shut/"), "{moved}");
    Ok(())
});

backend_test!(issue_16_a_story_may_have_no_byline, |app| {
    app.section("news", "News").await?;
    let (owner, t) = app.api_token(Role::Editor).await?;
    let post = reqwest::Method::POST;
    // Left out: the token's owner, as before.
    let (_, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(json!({"headline": "Council meets", "section": "news", "body": "Agenda.\n"})),
        )
        .await?;
    let id = v["id"].as_i64().expect("an id");
    let (_, got) = app
        .api_call(
            &t,
            reqwest::Method::GET,
            &format!("/api/v1/articles/{id}"),
            None,
        )
        .await?;
    assert_eq!(got["authors"], json!([owner.id.0]));
    // `[]`: agency copy, published with no byline, and its page still renders.
    let (_, v) = app
        .api_call(
            &t,
            post.clone(),
            "/api/v1/articles",
            Some(
                json!({"headline": "Wire: markets rally", "standfirst": "Stocks up.",
                        "section": "news", "body": "Shares rose.\n", "authors": []}),
            ),
        )
        .await?;
    let id = v["id"].as_i64().expect("an id");
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
    let page = app.page(&path, 200).await?;
    assert!(page.source.contains("Wire: markets rally"));
    let public = app.json(&format!("/api/v1/articles/{id}"), 200).await?;
    assert_eq!(public["authors"], json!([]));
    Ok(())
});

backend_test!(
    issue_16_photos_are_edited_and_deleted_through_the_api,
    |app| {
        let t = app.api_token(Role::Editor).await?.1;
        let photo = app
            .photo("c0ffee0000000001", "Crowd", "", Credit::default())
            .await?;
        let url = format!("/api/v1/media/{}", photo.id.0);
        let (s, v) = app
            .api_call(
                &t,
                reqwest::Method::PUT,
                &url,
                Some(
                    json!({"alt": "Crowds on the quay", "caption": "Waiting for the ferry",
                        "agency": "Reuters", "photographer": "Bandar Algaloud",
                        "courtesy": "Saudi Royal Court"}),
                ),
            )
            .await?;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            v["credit"],
            "© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court"
        );
        assert_eq!(v["agency"], "Reuters");
        // PATCH changes one field and keeps the rest.
        let (s, v) = app
            .api_call(
                &t,
                reqwest::Method::PATCH,
                &url,
                Some(json!({"caption": "Ferry day"})),
            )
            .await?;
        assert_eq!(s, 200, "{v}");
        let stored = app.store.media(photo.id).await?;
        assert_eq!(
            (
                stored.caption.as_str(),
                stored.alt.as_str(),
                stored.credit.photographer.as_str()
            ),
            ("Ferry day", "Crowds on the quay", "Bandar Algaloud")
        );
        // Bad input names the field; nothing changes.
        let (s, v) = app
            .api_call(
                &t,
                reqwest::Method::PATCH,
                &url,
                Some(json!({"caption": 7})),
            )
            .await?;
        assert_eq!(s, 400, "{v}");
        assert!(
            v["message"].as_str().is_some_and(|m| m.contains("caption")),
            "{v}"
        );
        let (s, _) = app
            .api_call(
                &t,
                reqwest::Method::PATCH,
                "/api/v1/media/999999",
                Some(json!({"alt": "x"})),
            )
            .await?;
        assert_eq!(s, 404);
        // In use by a story: 409, and kept. Unused: 204, then gone.
        let news = app.section("news", "News").await?;
        app.article("Ferry returns")
            .section(&news)
            .lead(&photo)
            .body("Crowds gathered.\n")
            .publish()
            .await?;
        let (s, v) = app
            .api_call(&t, reqwest::Method::DELETE, &url, None)
            .await?;
        assert_eq!((s, v["error"].as_str()), (409, Some("conflict")), "{v}");
        assert!(app.store.media(photo.id).await.is_ok());
        let unused = app
            .photo("c0ffee0000000002", "Gulls", "", Credit::default())
            .await?;
        let unused_url = format!("/api/v1/media/{}", unused.id.0);
        let (s, _) = app
            .api_call(&t, reqwest::Method::DELETE, &unused_url, None)
            .await?;
        assert_eq!(s, 204);
        assert!(app.store.media(unused.id).await.is_err());
        let (s, _) = app
            .api_call(&t, reqwest::Method::DELETE, &unused_url, None)
            .await?;
        assert_eq!(s, 404);
        // Authors may upload but not delete.
        let author = app.api_token(Role::Author).await?.1;
        let other = app
            .photo("c0ffee0000000003", "Terns", "", Credit::default())
            .await?;
        let (s, _) = app
            .api_call(
                &author,
                reqwest::Method::DELETE,
                &format!("/api/v1/media/{}", other.id.0),
                None,
            )
            .await?;
        assert_eq!(s, 403);
        Ok(())
    }
);

backend_test!(
    issue_16_cards_fall_back_to_the_first_body_photo_and_paragraph,
    |app| {
        let news = app.section("news", "News").await?;
        let photo = app
            .photo("c0ffee0000000004", "Lifeboat crew", "", Credit::default())
            .await?;
        let story = app
            .article("Lifeboat rescues four")
            .section(&news)
            .standfirst("")
            .body(&format!(
                "The crew launched at dawn in heavy seas &amp; rain, and brought everyone home.\n\n\
             ::: photo {}\n:::\n\nA second paragraph.\n",
                photo.id.0
            ))
            .publish()
            .await?;
        let path = app.path_of(&story).await?;
        let page = app.page(&path, 200).await?;
        let og = page.attr("meta[property='og:image']", "content");
        assert!(og.contains(&photo.hash), "og:image {og:?}");
        assert_eq!(
            page.attr("meta[name='twitter:card']", "content"),
            "summary_large_image"
        );
        let description = page.attr("meta[name='description']", "content");
        assert!(
            description.starts_with("The crew launched at dawn in heavy seas"),
            "{description:?}"
        );
        let ld: Value = serde_json::from_str(&page.text("script[type='application/ld+json']"))?;
        assert!(
            ld["image"][0]["url"]
                .as_str()
                .is_some_and(|u| u.contains(&photo.hash)),
            "{ld}"
        );
        assert_eq!(ld["description"].as_str(), Some(description.as_str()));
        Ok(())
    }
);

backend_test!(issue_16_a_credit_is_shown_exactly_as_printed, |app| {
    let t = app.api_token(Role::Editor).await?.1;
    let photo = app
        .photo("c0ffee00000000a1", "Delegates", "", Credit::default())
        .await?;
    let url = format!("/api/v1/media/{}", photo.id.0);
    let printed = "© REUTERS / Bandar Algaloud/Courtesy of Saudi Royal Court";
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PATCH,
            &url,
            Some(json!({"agency": "Reuters", "credit_printed": printed})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["credit"], printed);
    assert_eq!(v["credit_printed"], printed);
    assert_eq!(v["agency"], "Reuters");
    assert_eq!(app.store.media(photo.id).await?.credit.to_string(), printed);
    // The story's page prints it as given.
    let news = app.section("news", "News").await?;
    let a = app
        .article("Talks in Riyadh")
        .section(&news)
        .lead(&photo)
        .body("Delegates met.\n")
        .publish()
        .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.text("figure.story-lead .credit"), printed);
    // Too long is refused with a sentence naming the field, and nothing changes.
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PATCH,
            &url,
            Some(json!({"credit_printed": "x".repeat(2001)})),
        )
        .await?;
    assert_eq!(s, 400, "{v}");
    assert_eq!(app.store.media(photo.id).await?.credit.printed, printed);
    // Emptied, the line is composed from the parts again.
    let (s, v) = app
        .api_call(
            &t,
            reqwest::Method::PATCH,
            &url,
            Some(json!({"credit_printed": ""})),
        )
        .await?;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["credit"], "© REUTERS");
    // The newsroom's form sets it too.
    let b = app.login_as(Role::Author).await?;
    let path = format!("/newsroom/media/{}", photo.id.0);
    let res = b
        .submit(
            &path,
            &[
                ("alt", "Delegates"),
                ("agency", "Reuters"),
                ("credit_printed", printed),
            ],
        )
        .await?;
    assert!(
        res.status().is_redirection() || res.status() == 200,
        "{}",
        res.status()
    );
    assert_eq!(app.store.media(photo.id).await?.credit.to_string(), printed);
    let form = b.page(&path, 200).await?;
    assert_eq!(form.attr("input[name=credit_printed]", "value"), printed);
    Ok(())
});
