//! What review and accounts guarantee against the newsroom's own people (issue 22): a
//! contributor's change never reaches readers without an editor (published and scheduled
//! stories refuse it, through the API, the editor and a revision restore), only the desk puts
//! a story out under other people's names alone, and a password change, a reset or disabling
//! an account revokes its API tokens along with its sessions.

use crate::*;
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::permissions::Role;
use dateline_testkit::{Browser, TEST_PASSWORD};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> anyhow::Result<Value> {
    let (s, v) = app
        .api_call(token, reqwest::Method::POST, path, Some(body))
        .await?;
    anyhow::ensure!(matches!(s, 200 | 201), "POST {path}: {s} {v}");
    Ok(v)
}

/// A contributor's story, submitted for review: its id.
async fn submitted(app: &TestApp, contributor: &str, headline: &str) -> anyhow::Result<i64> {
    let v = post(
        app,
        contributor,
        "/api/v1/articles",
        json!({"headline": headline, "standfirst": "s", "section": "news", "body": "Text."}),
    )
    .await?;
    let id = v["id"].as_i64().expect("an id");
    post(
        app,
        contributor,
        &format!("/api/v1/articles/{id}/submit"),
        json!({}),
    )
    .await?;
    Ok(id)
}

backend_test!(
    issue_22_contributors_cannot_change_reviewed_stories_by_api,
    |app| {
        app.section("news", "News").await?;
        let (_, contributor) = app.api_token(Role::Contributor).await?;
        let (_, editor) = app.api_token(Role::Editor).await?;
        let put = reqwest::Method::PUT;

        // Published by an editor: the contributor's change is refused and nothing moves.
        let id = submitted(&app, &contributor, "Harbour reopens").await?;
        post(
            &app,
            &editor,
            &format!("/api/v1/articles/{id}/publish"),
            json!({"confirm": true}),
        )
        .await?;
        let before = app.store.article(ArticleId(id)).await?;
        let (s, v) = app
            .api_call(
                &contributor,
                put.clone(),
                &format!("/api/v1/articles/{id}"),
                Some(
                    json!({"headline": "Harbour sold to a casino", "section": "news",
                    "body": "Unreviewed.", "version": before.version}),
                ),
            )
            .await?;
        assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")), "{v}");
        assert_eq!(
            v["message"],
            "This story is published; ask an editor to change it."
        );
        let after = app.store.article(ArticleId(id)).await?;
        assert_eq!(
            (after.headline.as_str(), after.slug.as_str(), after.version),
            ("Harbour reopens", before.slug.as_str(), before.version)
        );

        // Scheduled by an editor: refused too, and still scheduled with the reviewed words.
        let id = submitted(&app, &contributor, "Bridge opens").await?;
        let at = (app.clock.now() + SignedDuration::from_hours(2)).to_string();
        post(
            &app,
            &editor,
            &format!("/api/v1/articles/{id}/schedule"),
            json!({"at": at, "confirm": true}),
        )
        .await?;
        let before = app.store.article(ArticleId(id)).await?;
        assert_eq!(before.status, Status::Scheduled);
        let (s, v) = app
            .api_call(
                &contributor,
                put.clone(),
                &format!("/api/v1/articles/{id}"),
                Some(json!({"headline": "Bridge closes", "section": "news",
                    "body": "Unreviewed.", "version": before.version})),
            )
            .await?;
        assert_eq!(s, 403, "{v}");
        assert_eq!(
            v["message"],
            "This story is scheduled; ask an editor to change it."
        );
        let after = app.store.article(ArticleId(id)).await?;
        assert_eq!(after.status, Status::Scheduled);
        assert_eq!(after.headline, "Bridge opens");

        // Before review the contributor still writes; an editor changes a published story.
        let id = submitted(&app, &contributor, "Ferry timetable").await?;
        let v = app.store.article(ArticleId(id)).await?.version;
        let (s, body) = app
            .api_call(
                &contributor,
                put.clone(),
                &format!("/api/v1/articles/{id}"),
                Some(
                    json!({"headline": "Ferry timetable changes", "section": "news",
                    "body": "Text.", "version": v}),
                ),
            )
            .await?;
        assert_eq!(s, 200, "{body}");
        // An author publishes their own stories, so may change them once published.
        let (_, author) = app.api_token(Role::Author).await?;
        let v = post(
            &app,
            &author,
            "/api/v1/articles",
            json!({"headline": "Tide tables", "standfirst": "s", "section": "news", "body": "T."}),
        )
        .await?;
        let own = v["id"].as_i64().expect("an id");
        let v = post(
            &app,
            &author,
            &format!("/api/v1/articles/{own}/publish"),
            json!({"confirm": true}),
        )
        .await?;
        let (s, body) = app
            .api_call(
                &author,
                put,
                &format!("/api/v1/articles/{own}"),
                Some(
                    json!({"headline": "Tide tables, corrected", "section": "news",
                    "body": "T.", "version": v["version"]}),
                ),
            )
            .await?;
        assert_eq!(s, 200, "{body}");
        Ok(())
    }
);

/// The editor form's fields, as a browser sends them back.
fn fields<'a>(section: &'a str, headline: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", headline),
        ("standfirst", "What happened."),
        ("slug", ""),
        ("section", section),
        ("tags", ""),
        ("lead_media", ""),
        ("body", body),
        ("related", ""),
        ("discussion", "open"),
        ("seo_title", ""),
        ("seo_description", ""),
    ]
}

async fn save(
    b: &Browser,
    id: ArticleId,
    version: i64,
    mut form: Vec<(&str, &str)>,
    action: &str,
) -> anyhow::Result<reqwest::Response> {
    let v = version.to_string();
    form.push(("version", &v));
    form.push(("action", action));
    form.push(("confirm", "1"));
    b.submit(&format!("/newsroom/stories/{id}"), &form).await
}

fn created_id(res: &reqwest::Response) -> anyhow::Result<ArticleId> {
    let loc = location(res);
    let id = loc
        .strip_prefix("/newsroom/stories/")
        .and_then(|r| r.split('?').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("not a story address: {loc:?}"))?;
    Ok(ArticleId(id))
}

backend_test!(
    issue_22_contributors_cannot_change_reviewed_stories_in_the_editor,
    |app| {
        let news = app.section("news", "News").await?;
        let sid = news.id.0.to_string();
        let contributor = app.login_as(Role::Contributor).await?;
        let editor = app.login_as(Role::Editor).await?;
        let mut create = fields(&sid, "Harbour reopens", "Reviewed text.");
        create.push(("action", "submit"));
        let res = contributor.submit("/newsroom/stories", &create).await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        let id = created_id(&res)?;
        let a = app.store.article(id).await?;
        let res = save(
            &editor,
            id,
            a.version,
            fields(&sid, "Harbour reopens", "Reviewed text."),
            "publish",
        )
        .await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        let published = app.store.article(id).await?;
        assert_eq!(published.status, Status::Published);
        let path = format!("/newsroom/stories/{id}");

        // The editor says so when the contributor opens the story…
        let page = contributor.page(&path, 200).await?;
        assert!(
            page.text("body")
                .contains("This story is published; ask an editor to change it."),
            "{}",
            page.text("body")
        );
        // … and refuses the save, keeping what was typed and writing nothing.
        let res = save(
            &contributor,
            id,
            published.version,
            fields(&sid, "Harbour sold", "Unreviewed text."),
            "save",
        )
        .await?;
        let page = Page::expect(res, &path, 403).await?;
        assert!(
            page.text("#editor-errors")
                .contains("This story is published; ask an editor to change it."),
            "{}",
            page.text("body")
        );
        assert_eq!(page.attr("input[name=headline]", "value"), "Harbour sold");
        let after = app.store.article(id).await?;
        assert_eq!(after.version, published.version);
        assert_eq!(after.headline, "Harbour reopens");
        let story = app.page(&app.path_of(&after).await?, 200).await?;
        assert!(!story.text("body").contains("Unreviewed"));

        // Restoring an earlier revision is a save too.
        let first = app
            .store
            .revisions(id)
            .await?
            .last()
            .map(|r| r.id)
            .expect("a revision");
        let res = contributor
            .submit(
                &format!("/newsroom/stories/{id}/revisions/{first}/restore"),
                &[("version", &published.version.to_string())],
            )
            .await?;
        assert_eq!(res.status(), 403);
        assert_eq!(app.store.article(id).await?.version, published.version);

        // Scheduled by the editor: the same.
        let mut create = fields(&sid, "Bridge opens", "Reviewed.");
        create.push(("action", "submit"));
        let id = created_id(&contributor.submit("/newsroom/stories", &create).await?)?;
        let a = app.store.article(id).await?;
        let at = (app.clock.now() + SignedDuration::from_hours(2))
            .to_zoned(jiff::tz::TimeZone::get("Europe/London")?)
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        let mut form = fields(&sid, "Bridge opens", "Reviewed.");
        form.push(("schedule_at", &at));
        let res = save(&editor, id, a.version, form, "schedule").await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        let scheduled = app.store.article(id).await?;
        assert_eq!(scheduled.status, Status::Scheduled);
        let res = save(
            &contributor,
            id,
            scheduled.version,
            fields(&sid, "Bridge closes", "Unreviewed."),
            "save",
        )
        .await?;
        let page = Page::expect(res, "scheduled", 403).await?;
        assert!(
            page.text("#editor-errors")
                .contains("This story is scheduled; ask an editor to change it.")
        );
        let after = app.store.article(id).await?;
        assert_eq!(
            (after.status, after.headline.as_str()),
            (Status::Scheduled, "Bridge opens")
        );
        Ok(())
    }
);

backend_test!(issue_22_only_the_desk_credits_others_alone, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let other = app.person("amira-haddad", "Amira Haddad").await?;
    let other_id = other.id.0;
    let (me, author) = app.api_token(Role::Author).await?;
    let (_, editor) = app.api_token(Role::Editor).await?;
    let put = reqwest::Method::PUT;

    // API: someone else alone is refused, naming the field; with oneself, taken.
    let (s, v) = app
        .api_call(
            &author,
            reqwest::Method::POST,
            "/api/v1/articles",
            Some(json!({"headline": "Not mine", "section": "news", "authors": [other_id]})),
        )
        .await?;
    assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")), "{v}");
    let m = v["message"].as_str().unwrap_or("");
    assert!(
        m.contains("\"authors\"") && m.contains("must include you"),
        "{m}"
    );
    let v = post(
        &app,
        &author,
        "/api/v1/articles",
        json!({"headline": "Ours", "section": "news", "authors": [me.id.0, other_id]}),
    )
    .await?;
    let id = v["id"].as_i64().expect("an id");
    // Dropping oneself to leave another's name alone: refused, the byline unchanged.
    let (s, v) = app
        .api_call(
            &author,
            put.clone(),
            &format!("/api/v1/articles/{id}"),
            Some(
                json!({"headline": "Ours", "section": "news", "authors": [other_id],
                    "version": v["version"]}),
            ),
        )
        .await?;
    assert_eq!(s, 403, "{v}");
    let (_, input) = app.store.article_input(ArticleId(id)).await?;
    assert_eq!(input.authors, vec![me.id, other.id]);
    // The desk credits anyone.
    let (s, v) = app
        .api_call(
            &editor,
            reqwest::Method::POST,
            "/api/v1/articles",
            Some(json!({"headline": "Agency copy", "section": "news", "authors": [other_id]})),
        )
        .await?;
    assert_eq!(s, 201, "{v}");

    // The editor form: the same rule, the same sentence naming the byline, nothing created.
    let b = app.login_as(Role::Contributor).await?;
    let other_text = other_id.to_string();
    let mut create = fields(&sid, "Under another name", "Text.");
    create.push(("author", &other_text));
    create.push(("action", "save"));
    let res = b.submit("/newsroom/stories", &create).await?;
    let page = Page::expect(res, "/newsroom/stories", 403).await?;
    assert!(
        page.text("#editor-errors")
            .contains("The byline must include you"),
        "{}",
        page.text("body")
    );
    assert!(
        app.store
            .article_by_slug("under-another-name")
            .await
            .is_err(),
        "a story was written"
    );
    Ok(())
});

/// The API answers `token` with 200 (`true`) or 401 (`false`).
async fn token_works(app: &TestApp, token: &str) -> anyhow::Result<bool> {
    let (s, _) = app
        .api_call(token, reqwest::Method::GET, "/api/v1/me", None)
        .await?;
    anyhow::ensure!(matches!(s, 200 | 401), "GET /api/v1/me: {s}");
    Ok(s == 200)
}

backend_test!(
    issue_22_password_changes_and_disabling_revoke_api_tokens,
    |app| {
        // Disabling through the newsroom revokes; enabling brings no token back.
        let (target, t) = app.api_token(Role::Author).await?;
        assert!(token_works(&app, &t).await?);
        let admin = app.login_as(Role::Admin).await?;
        let status = format!("/newsroom/users/{}/status", target.id);
        let res = admin.submit(&status, &[("status", "disabled")]).await?;
        assert_eq!(res.status(), 303);
        assert!(!token_works(&app, &t).await?);
        let res = admin.submit(&status, &[("status", "active")]).await?;
        assert_eq!(res.status(), 303);
        assert!(
            !token_works(&app, &t).await?,
            "a token came back with the account"
        );

        // One's own change: this session stays, other sessions end, tokens are revoked.
        let (owner, t) = app.api_token(Role::Editor).await?;
        let here = app.login(owner.clone(), TEST_PASSWORD).await?;
        let elsewhere = app.login(owner, TEST_PASSWORD).await?;
        let new = "a much longer new password";
        let res = here
            .submit(
                "/newsroom/password",
                &[("current", TEST_PASSWORD), ("new", new), ("confirm", new)],
            )
            .await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        assert!(
            !token_works(&app, &t).await?,
            "a token survived a password change"
        );
        let page = here.page("/newsroom/password?done=changed", 200).await?;
        assert!(page.text("body").contains("API tokens have been revoked"));
        let res = elsewhere.get("/newsroom/").await?;
        assert_eq!(res.status(), 303, "the other session survived");
        Ok(())
    }
);
