//! Bylines chosen by typing (issue 17): `GET /newsroom/people/search` finds people by part of
//! a name (names that start with it first, any case, wildcards literal, at most 20), says who
//! cannot sign in (no account, disabled) and never shows an email; only the newsroom's writers
//! may ask. The editor form's contract the picker keeps: `author` fields in order, and
//! `no_byline` making an emptied list a story with no byline.

use crate::*;
use dateline_core::ArticleId;
use dateline_core::permissions::Role;
use dateline_store::ApiTokens;

/// The story id a create answer sends the browser to.
fn created_id(res: &reqwest::Response) -> anyhow::Result<ArticleId> {
    let loc = location(res);
    loc.strip_prefix("/newsroom/stories/")
        .and_then(|r| r.split('?').next())
        .and_then(|n| n.parse().ok())
        .map(ArticleId)
        .ok_or_else(|| anyhow::anyhow!("not a story address: {loc:?}"))
}

backend_test!(people_are_found_by_part_of_a_name, |app| {
    app.person("amira-haddad", "Amira Haddad").await?;
    app.person("hadley-moss", "Hadley Moss").await?;
    app.person("percent", "100% Wire").await?;
    let b = app.login_as(Role::Editor).await?;
    let gone = app.account(Role::Author).await?;
    app.store
        .set_disabled(gone.id, true, ApiTokens::Keep)
        .await?;

    // Names that start with the letters come first; any case; the picker's notes.
    let found: serde_json::Value = b.get("/newsroom/people/search?q=HAD").await?.json().await?;
    let names: Vec<&str> = found
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, vec!["Hadley Moss", "Amira Haddad"]);
    assert_eq!(found[0]["title"], "Correspondent");
    assert_eq!(found[0]["note"], "No account: cannot sign in");
    assert_eq!(found[0]["may_sign_in"], false);
    assert!(
        !found.to_string().contains("email") && !found.to_string().contains('@'),
        "{found}"
    );

    let found: serde_json::Value = b
        .get("/newsroom/people/search?q=test")
        .await?
        .json()
        .await?;
    let by_name = |name: &str| {
        found
            .as_array()
            .and_then(|l| l.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(by_name("Test editor")["note"], "Editor");
    assert_eq!(by_name("Test editor")["may_sign_in"], true);
    assert_eq!(
        by_name("Test author")["note"],
        "Author, disabled: cannot sign in"
    );
    assert_eq!(by_name("Test author")["may_sign_in"], false);

    // A wildcard is a character like any other.
    let found: serde_json::Value = b.get("/newsroom/people/search?q=%25").await?.json().await?;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["name"], "100% Wire");
    let found: serde_json::Value = b
        .get("/newsroom/people/search?q=nobody+like+that")
        .await?
        .json()
        .await?;
    assert_eq!(found, serde_json::json!([]));

    // At most 20 answers, however many match.
    for i in 0..25 {
        app.person(&format!("stringer-{i}"), &format!("Stringer {i:02}"))
            .await?;
    }
    let found: serde_json::Value = b
        .get("/newsroom/people/search?q=stringer")
        .await?
        .json()
        .await?;
    assert_eq!(found.as_array().map(Vec::len), Some(20));
    assert_eq!(found[0]["name"], "Stringer 00");
    // An empty search lists the first people by name (the list opened with the arrow key).
    let found: serde_json::Value = b.get("/newsroom/people/search").await?.json().await?;
    assert_eq!(found.as_array().map(Vec::len), Some(20));
    assert_eq!(found[0]["name"], "100% Wire");

    // Too long a search is a sentence, not a scan.
    let res = b
        .get(&format!("/newsroom/people/search?q={}", "a".repeat(101)))
        .await?;
    assert_eq!(res.status(), 400);
    assert!(res.text().await?.contains("at most 100 characters"));

    // Only the newsroom's writers: nobody signed in is sent to sign in; a moderator is refused.
    let res = app.browser().get("/newsroom/people/search?q=had").await?;
    assert_ne!(res.status(), 200);
    assert!(!res.text().await?.contains("Hadley"));
    let moderator = app.login_as(Role::Moderator).await?;
    let res = moderator.get("/newsroom/people/search?q=had").await?;
    assert_eq!(res.status(), 403);
    Ok(())
});

backend_test!(bylines_keep_their_order_and_may_be_emptied, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let amira = app.person("amira-haddad", "Amira Haddad").await?;
    let hadley = app.person("hadley-moss", "Hadley Moss").await?;
    let b = app.login_as(Role::Editor).await?;

    // The editor page: a select per byline for no script, inside the picker's fieldset, each
    // person's note on their option.
    let page = b.page("/newsroom/stories/new", 200).await?;
    assert!(
        page.has(
            "fieldset[data-bylines][data-search='/newsroom/people/search'] select[name=author]"
        )
    );
    let option = format!("select[name=author] option[value='{}']", hadley.id.0);
    assert_eq!(
        page.attr(&option, "data-note"),
        "No account: cannot sign in"
    );
    assert_eq!(page.attr(&option, "data-title"), "Correspondent");

    // Two bylines in the order posted (as the picker's hidden fields send them).
    let (h, a) = (hadley.id.0.to_string(), amira.id.0.to_string());
    let mut create = vec![
        ("headline", "Harbour reopens"),
        ("section", sid.as_str()),
        ("body", "Boats are back.\n"),
        ("discussion", "open"),
        ("author", h.as_str()),
        ("author", a.as_str()),
        ("no_byline", "1"),
        ("action", "save"),
    ];
    let res = b.submit("/newsroom/stories", &create).await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let id = created_id(&res)?;
    let (_, input) = app.store.article_input(id).await?;
    assert_eq!(input.authors, vec![hadley.id, amira.id]);
    let page = b.page(&format!("/newsroom/stories/{id}"), 200).await?;
    assert_eq!(
        page.attrs("select[name=author] option[selected]", "value"),
        vec![h.clone(), a.clone()]
    );

    // Published in that order; the page is read (and so cached) once.
    let version = app.store.article(id).await?.version.to_string();
    let mut publish = create.clone();
    publish.retain(|(k, _)| *k != "action");
    publish.extend([
        ("version", version.as_str()),
        ("action", "publish"),
        ("confirm", "1"),
    ]);
    let res = b
        .submit(&format!("/newsroom/stories/{id}"), &publish)
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let path = app.path_of(&app.store.article(id).await?).await?;
    let story = app.page(&path, 200).await?;
    assert_eq!(
        story.texts(".byline a[rel=author]"),
        vec!["Hadley Moss", "Amira Haddad"]
    );

    // Every byline removed: the picker still sends no_byline, and the story has none, on its
    // page too.
    let version = app.store.article(id).await?.version.to_string();
    create.retain(|(k, _)| *k != "author" && *k != "action");
    create.extend([("version", version.as_str()), ("action", "save")]);
    let res = b
        .submit(&format!("/newsroom/stories/{id}"), &create)
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let (_, input) = app.store.article_input(id).await?;
    assert_eq!(input.authors, vec![]);
    let story = app.page(&path, 200).await?;
    assert!(!story.has(".byline"), "no byline on the page");
    Ok(())
});
