//! Revisions keep the whole story (issue 3): every save keeps the section, bylines in order,
//! tags, lead photo, related picks and discussion mode with the words; the revisions page says
//! what changed in those fields; restoring brings the whole story back as a new save (with the
//! version check). Revisions kept before that (words only) still show and restore their words,
//! and a revision whose section, tag or photo is gone restores what still exists and says so.

use crate::*;
use dateline_core::ArticleId;
use dateline_core::permissions::Role;
use dateline_testkit::Browser;

/// One story form as a browser sends it.
struct Story<'a> {
    headline: &'a str,
    body: &'a str,
    section: String,
    authors: Vec<String>,
    tags: &'a str,
    lead: String,
    related: String,
    discussion: &'a str,
}

impl Story<'_> {
    fn fields(&self) -> Vec<(&str, &str)> {
        let mut f = vec![
            ("headline", self.headline),
            ("standfirst", "What happened."),
            ("slug", ""),
            ("section", self.section.as_str()),
            ("tags", self.tags),
            ("lead_media", self.lead.as_str()),
            ("body", self.body),
            ("related", self.related.as_str()),
            ("discussion", self.discussion),
            ("seo_title", ""),
            ("seo_description", ""),
        ];
        for a in &self.authors {
            f.push(("author", a.as_str()));
        }
        f
    }
}

async fn create(b: &Browser, s: &Story<'_>, action: &str) -> anyhow::Result<ArticleId> {
    let mut f = s.fields();
    f.push(("action", action));
    f.push(("confirm", "1"));
    let res = b.submit("/newsroom/stories", &f).await?;
    anyhow::ensure!(res.status() == 303, "create: {}", res.status());
    let loc = location(&res);
    let id = loc
        .strip_prefix("/newsroom/stories/")
        .and_then(|r| r.split('?').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("not a story address: {loc:?}"))?;
    Ok(ArticleId(id))
}

async fn save(b: &Browser, id: ArticleId, version: i64, s: &Story<'_>) -> anyhow::Result<()> {
    let v = version.to_string();
    let mut f = s.fields();
    f.push(("version", &v));
    f.push(("action", "save"));
    let res = b.submit(&format!("/newsroom/stories/{id}"), &f).await?;
    anyhow::ensure!(res.status() == 303, "save: {}", res.status());
    Ok(())
}

async fn restore(
    b: &Browser,
    id: ArticleId,
    rev: i64,
    version: i64,
) -> anyhow::Result<reqwest::Response> {
    let v = version.to_string();
    b.submit(
        &format!("/newsroom/stories/{id}/revisions/{rev}/restore"),
        &[("version", &v)],
    )
    .await
}

async fn tag_names(app: &TestApp, id: ArticleId) -> anyhow::Result<Vec<String>> {
    let (_, input) = app.store.article_input(id).await?;
    let all = app.store.tags_with_counts().await?;
    Ok(input
        .tags
        .iter()
        .filter_map(|t| {
            all.iter()
                .find(|(x, _)| x.id == *t)
                .map(|(x, _)| x.name.clone())
        })
        .collect())
}

backend_test!(revision_restore_whole_story, |app| {
    let world = app.section("world", "World").await?;
    let mideast = app.section("middle-east", "Middle East").await?;
    let ann = app.person("ann-writer", "Ann Writer").await?;
    let bob = app.person("bob-reporter", "Bob Reporter").await?;
    let first_photo = app
        .photo("aaa111", "Tankers at anchor", "", Credit::default())
        .await?;
    let second_photo = app
        .photo("bbb222", "A refinery at night", "", Credit::default())
        .await?;
    let older = app
        .article("Older oil story")
        .section(&world)
        .publish()
        .await?;
    let b = app.login_as(Role::Editor).await?;

    let original = Story {
        headline: "Oil prices climb",
        body: "Prices rose.[^1]\n\n[^1]: Brent crude.\n",
        section: world.id.0.to_string(),
        authors: vec![ann.id.0.to_string(), bob.id.0.to_string()],
        tags: "Oil, Shipping",
        lead: first_photo.id.0.to_string(),
        related: older.id.0.to_string(),
        discussion: "open",
    };
    let id = create(&b, &original, "publish").await?;
    let first = app.store.article(id).await?;
    let first_path = app.path_of(&first).await?;
    let changed = Story {
        headline: "Oil prices climb after Iran talks stall",
        body: "Prices rose again.\n",
        section: mideast.id.0.to_string(),
        authors: vec![bob.id.0.to_string(), ann.id.0.to_string()],
        tags: "Iran, Shipping",
        lead: second_photo.id.0.to_string(),
        related: String::new(),
        discussion: "closed",
    };
    save(&b, id, first.version, &changed).await?;
    let a = app.store.article(id).await?;
    assert_eq!(a.section_id, mideast.id);

    // The diff page says what changed beyond the words.
    let revs = app.store.revisions(id).await?;
    assert_eq!(revs.len(), 2);
    let (newest, oldest) = (revs[0].id, revs[1].id);
    let page = b
        .page(&format!("/newsroom/stories/{id}/revisions"), 200)
        .await?;
    let changes = page.texts(".nr-changes li");
    let has = |want: &str| changes.iter().any(|c| c == want);
    assert!(has("Section: World → Middle East"), "{changes:?}");
    assert!(
        has("Bylines: Ann Writer, Bob Reporter → Bob Reporter, Ann Writer"),
        "{changes:?}"
    );
    assert!(has("Tags: + Iran − Oil"), "{changes:?}");
    assert!(
        has(&format!(
            "Lead photo: Photo {}: Tankers at anchor → Photo {}: A refinery at night",
            first_photo.id, second_photo.id
        )),
        "{changes:?}"
    );
    assert!(
        has(&format!(
            "Related stories: − {} “Older oil story”",
            older.id
        )),
        "{changes:?}"
    );
    assert!(has("Discussion: Open → Closed"), "{changes:?}");
    assert!(page.text(".nr-diff").contains("Prices rose again."));
    // The same two revisions asked for explicitly, the other way round.
    let back = b
        .page(
            &format!("/newsroom/stories/{id}/revisions?from={newest}&to={oldest}"),
            200,
        )
        .await?;
    assert!(
        back.texts(".nr-changes li")
            .contains(&"Section: Middle East → World".to_owned())
    );

    // A restore based on a version that is no longer current is refused, nothing written.
    let res = restore(&b, id, oldest, first.version).await?;
    assert_eq!(res.status(), 409);
    assert_eq!(app.store.revisions(id).await?.len(), 2);

    // Restoring the first revision brings back the whole story, as a new save.
    let res = restore(&b, id, oldest, a.version).await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/newsroom/stories/{id}?saved=revision")
    );
    let (r, input) = app.store.article_input(id).await?;
    assert_eq!(r.headline, "Oil prices climb");
    assert_eq!(r.body_source, original.body);
    assert_eq!(r.section_id, world.id);
    assert_eq!(input.authors, vec![ann.id, bob.id]);
    assert_eq!(tag_names(&app, id).await?, ["Oil", "Shipping"]);
    assert_eq!(r.lead_media_id, Some(first_photo.id));
    assert_eq!(input.related, vec![older.id]);
    assert_eq!(r.discussion_mode.as_str(), "open");
    assert_eq!(r.version, a.version + 1);
    assert_eq!(app.store.revisions(id).await?.len(), 3);

    // Readers see the restored story at once (the page cache followed the save), back in
    // World at the address it had.
    let page = app.page(&first_path, 200).await?;
    assert_eq!(page.text("h1"), "Oil prices climb");
    assert_eq!(page.texts(".tags a"), ["Oil", "Shipping"]);
    let notice = b
        .page(&format!("/newsroom/stories/{id}?saved=revision"), 200)
        .await?
        .text(".nr-notice");
    assert_eq!(notice, "Earlier revision restored (as a new save).");
    Ok(())
});

backend_test!(revision_words_only_restores_words, |app| {
    let world = app.section("world", "World").await?;
    let business = app.section("business", "Business").await?;
    let b = app.login_as(Role::Editor).await?;
    let me = b.account.as_ref().expect("signed in").id.0.to_string();
    let original = Story {
        headline: "Port strike ends",
        body: "The strike ended.\n",
        section: world.id.0.to_string(),
        authors: vec![me.clone()],
        tags: "Strikes",
        lead: String::new(),
        related: String::new(),
        discussion: "open",
    };
    let id = create(&b, &original, "save").await?;
    let v = app.store.article(id).await?.version;
    let changed = Story {
        headline: "Port strike ends after nine days",
        body: "The strike ended on Friday.\n",
        section: business.id.0.to_string(),
        tags: "Ports",
        ..original
    };
    save(&b, id, v, &changed).await?;
    let revs = app.store.revisions(id).await?;
    let oldest = revs[1].id;
    // As the migration leaves a revision kept before it: words only.
    let n = app
        .raw_sql(&format!(
            "UPDATE article_revisions SET story = NULL WHERE id = {oldest}"
        ))
        .await?;
    assert_eq!(n, 1);

    let page = b
        .page(
            &format!(
                "/newsroom/stories/{id}/revisions?from={oldest}&to={}",
                revs[0].id
            ),
            200,
        )
        .await?;
    assert!(page.text(".nr-diff").contains("The strike ended."));
    assert!(page.texts(".nr-changes li").is_empty());
    assert!(
        page.text(".nr-words-only").contains("only its words"),
        "{}",
        page.text("main")
    );
    assert!(page.text("main").contains("words only"));

    let current = app.store.article(id).await?;
    let res = restore(&b, id, oldest, current.version).await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/newsroom/stories/{id}?saved=revision-words")
    );
    let a = app.store.article(id).await?;
    assert_eq!(a.headline, "Port strike ends");
    assert_eq!(a.body_source, "The strike ended.\n");
    // What the old revision did not keep stays as it is now.
    assert_eq!(a.section_id, business.id);
    assert_eq!(tag_names(&app, id).await?, ["Ports"]);
    let notice = b
        .page(&format!("/newsroom/stories/{id}?saved=revision-words"), 200)
        .await?
        .text(".nr-notice");
    assert!(notice.contains("only its words"), "{notice}");
    Ok(())
});

backend_test!(revision_restore_of_deleted_things, |app| {
    let gulf = app.section("gulf", "Gulf").await?;
    let world = app.section("world", "World").await?;
    let gone_photo = app
        .photo("ccc333", "An old photo", "", Credit::default())
        .await?;
    let kept_photo = app
        .photo("ddd444", "A new photo", "", Credit::default())
        .await?;
    let b = app.login_as(Role::Editor).await?;
    let me = b.account.as_ref().expect("signed in").id.0.to_string();
    let original = Story {
        headline: "Shipping lanes reopen",
        body: "Ships moved again.\n",
        section: gulf.id.0.to_string(),
        authors: vec![me.clone()],
        tags: "Tankers, Shipping",
        lead: gone_photo.id.0.to_string(),
        related: String::new(),
        discussion: "open",
    };
    let id = create(&b, &original, "save").await?;
    let v = app.store.article(id).await?.version;
    let changed = Story {
        headline: "Shipping lanes reopen to tankers",
        section: world.id.0.to_string(),
        tags: "Shipping",
        lead: kept_photo.id.0.to_string(),
        ..original
    };
    save(&b, id, v, &changed).await?;
    let tankers = app.store.tag_by_slug("tankers").await?;
    let shipping = app.store.tag_by_slug("shipping").await?;
    // An operator deletes what no story uses any more and renames a tag.
    app.raw_sql(&format!("DELETE FROM tags WHERE id = {}", tankers.id.0))
        .await?;
    app.raw_sql(&format!("DELETE FROM sections WHERE id = {}", gulf.id.0))
        .await?;
    app.raw_sql(&format!("DELETE FROM media WHERE id = {}", gone_photo.id.0))
        .await?;
    app.store.rename_tag(shipping.id, "Sea freight").await?;

    let revs = app.store.revisions(id).await?;
    let oldest = revs[1].id;
    let page = b
        .page(
            &format!(
                "/newsroom/stories/{id}/revisions?from={oldest}&to={}",
                revs[0].id
            ),
            200,
        )
        .await?;
    let changes = page.texts(".nr-changes li");
    assert!(
        changes.contains(&"Section: Gulf (deleted) → World".to_owned()),
        "{changes:?}"
    );
    assert!(
        changes.contains(&"Tags: − Tankers (deleted)".to_owned()),
        "{changes:?}"
    );

    let current = app.store.article(id).await?;
    let res = restore(&b, id, oldest, current.version).await?;
    assert_eq!(res.status(), 303);
    let loc = location(&res);
    assert!(
        loc.starts_with(&format!("/newsroom/stories/{id}?saved=revision&gone=")),
        "{loc}"
    );
    let (a, _) = app.store.article_input(id).await?;
    assert_eq!(a.headline, "Shipping lanes reopen");
    // The section and photo that are gone leave the current ones in place; the deleted tag
    // is left out, the renamed one comes back under its new name.
    assert_eq!(a.section_id, world.id);
    assert_eq!(a.lead_media_id, Some(kept_photo.id));
    assert_eq!(tag_names(&app, id).await?, ["Sea freight"]);
    let notice = b.page(&loc, 200).await?.text(".nr-notice");
    assert!(notice.contains("Earlier revision restored"), "{notice}");
    assert!(notice.contains("section no longer exists"), "{notice}");
    assert!(notice.contains("lead photo no longer exists"), "{notice}");
    assert!(notice.contains("tags no longer exist"), "{notice}");
    Ok(())
});
