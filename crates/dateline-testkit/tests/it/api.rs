//! The read-only JSON API.

use crate::*;

backend_test!(articles_list_filters_and_paginates, |app| {
    let world = app.section("world", "World").await?;
    let sport = app.section("sport", "Sport").await?;
    let amira = app.person("amira-haddad", "Amira Haddad").await?;
    let t0 = ts("2026-01-01T10:00:00Z");
    for i in 0..5 {
        app.article(&format!("World {i}"))
            .section(&world)
            .tags(&["Gulf"])
            .author(&amira)
            .at(t0 + SignedDuration::from_hours(i))
            .publish()
            .await?;
    }
    app.article("Sport 0")
        .section(&sport)
        .at(t0)
        .publish()
        .await?;
    let all = app.json("/api/v1/articles", 200).await?;
    assert_eq!(all["total"], 6);
    assert_eq!(all["articles"][0]["headline"], "World 4");
    assert_eq!(all["articles"][0]["section"]["slug"], "world");
    assert_eq!(all["articles"][0]["authors"][0]["name"], "Amira Haddad");
    assert_eq!(all["articles"][0]["published_at"], "2026-01-01T14:00:00Z");
    assert!(
        all["articles"][0]["url"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&app.url("/world/2026/01/01/"))
    );
    let page = app
        .json("/api/v1/articles?section=world&per_page=2&page=2", 200)
        .await?;
    assert_eq!(page["total"], 5);
    assert_eq!(page["pages"], 3);
    let heads: Vec<_> = page["articles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["headline"].clone())
        .collect();
    assert_eq!(heads, ["World 2", "World 1"]);
    assert_eq!(
        app.json("/api/v1/articles?tag=gulf", 200).await?["total"],
        5
    );
    assert_eq!(
        app.json("/api/v1/articles?author=amira-haddad", 200)
            .await?["total"],
        5
    );
    assert_eq!(
        app.json("/api/v1/articles?section=sport", 200).await?["total"],
        1
    );
    Ok(())
});

backend_test!(api_errors_are_json_with_a_message, |app| {
    for (path, status) in [
        ("/api/v1/articles?per_page=101", 400),
        ("/api/v1/articles?per_page=0", 400),
        ("/api/v1/articles?page=abc", 400),
        ("/api/v1/articles?section=nope", 400),
        ("/api/v1/articles?section=a&tag=b", 400),
        ("/api/v1/articles/abc", 400),
        ("/api/v1/articles/-5", 400),
        ("/api/v1/articles/99999", 404),
        ("/api/v1/nothing", 404),
    ] {
        let body = app.json(path, status).await?;
        assert!(body["error"].is_string(), "{path}: {body}");
        assert!(
            !body["message"].as_str().unwrap_or_default().is_empty(),
            "{path}: {body}"
        );
    }
    let body = app.json("/api/v1/articles?per_page=101", 400).await?;
    assert_eq!(
        body["message"],
        "per_page must be a whole number from 1 to 100"
    );
    Ok(())
});

backend_test!(one_article_sections_and_tags, |app| {
    let target = app.article("The target").publish().await?;
    let a = app
        .article("Full story")
        .tags(&["Oil", "Gulf"])
        .body(&format!("Para one.\n\nREAD MORE: #{}\n", target.id))
        .publish()
        .await?;
    let one = app.json(&format!("/api/v1/articles/{}", a.id), 200).await?;
    assert_eq!(one["headline"], "Full story");
    assert_eq!(one["tags"][0]["slug"], "oil");
    let body = one["body_html"].as_str().unwrap_or_default();
    assert!(
        body.contains("READ MORE:") && body.contains("The target"),
        "{body}"
    );
    assert!(
        one["dateline"]
            .as_str()
            .unwrap_or_default()
            .ends_with("GMT 10 March 2026")
    );
    let sections = app.json("/api/v1/sections", 200).await?;
    assert_eq!(sections["sections"][0]["slug"], "world");
    let tags = app.json("/api/v1/tags", 200).await?;
    let names: Vec<_> = tags["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| (t["name"].clone(), t["articles"].clone()))
        .collect();
    assert_eq!(
        names,
        [
            (serde_json::json!("Gulf"), serde_json::json!(1)),
            (serde_json::json!("Oil"), serde_json::json!(1))
        ]
    );
    Ok(())
});
