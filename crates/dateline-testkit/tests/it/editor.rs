//! The article editor over HTTP: the whole workflow (draft → review → scheduled → published →
//! updated → corrected → withdrawn → restored) checked on the reading site at each step, the
//! scheduler with a controllable clock (and at start), revisions and the 409 refusal of a stale
//! save, warnings before publishing, the live preview, who may do what, and the page cache
//! kept when only drafts change.

use crate::*;
use dateline_core::article::Status;
use dateline_core::permissions::{Action, Ownership, Role, allows};
use dateline_core::{ArticleId, PersonId};
use dateline_testkit::Browser;

/// The story id a create answer sends the browser to.
fn created_id(res: &reqwest::Response) -> anyhow::Result<ArticleId> {
    let loc = location(res);
    let id = loc
        .strip_prefix("/newsroom/stories/")
        .and_then(|r| r.split('?').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("not a story address: {loc:?}"))?;
    Ok(ArticleId(id))
}

/// The editor form's fields for a story, as a browser would send them back.
fn fields<'a>(
    section: &'a str,
    headline: &'a str,
    standfirst: &'a str,
    body: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", headline),
        ("standfirst", standfirst),
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
    b.submit(&format!("/newsroom/stories/{id}"), &form).await
}

backend_test!(workflow_from_draft_to_restored, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let b = app.login_as(Role::Editor).await?;
    let form = fields(
        &sid,
        "Harbour bridge opens",
        "The bridge opened.",
        "The new bridge opened today.",
    );

    // Draft: nobody outside the newsroom sees it.
    let mut create = form.clone();
    create.push(("action", "save"));
    let res = b.submit("/newsroom/stories", &create).await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let id = created_id(&res)?;
    let a = app.store.article(id).await?;
    assert_eq!(a.status, Status::Draft);
    assert_eq!(a.slug.as_str(), "harbour-bridge-opens");
    let front = app.page("/", 200).await?;
    assert!(!front.text("body").contains("Harbour bridge opens"));
    let edit = b.page(&format!("/newsroom/stories/{id}"), 200).await?;
    assert_eq!(
        edit.attr("input[name=headline]", "value"),
        "Harbour bridge opens"
    );

    // In review.
    let res = save(&b, id, a.version, form.clone(), "submit").await?;
    assert_eq!(res.status(), 303);
    let a = app.store.article(id).await?;
    assert_eq!(a.status, Status::InReview);

    // Scheduled for 14:00 London time (GMT in March): stored in UTC, not yet visible.
    let mut sched = form.clone();
    sched.push(("schedule_at", "2026-03-10T14:00"));
    let res = save(&b, id, a.version, sched, "schedule").await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let a = app.store.article(id).await?;
    assert_eq!(a.status, Status::Scheduled);
    assert_eq!(a.scheduled_for, Some(ts("2026-03-10T14:00:00Z")));
    let edit = b.page(&format!("/newsroom/stories/{id}"), 200).await?;
    assert_eq!(
        edit.attr("input[name=schedule_at]", "value"),
        "2026-03-10T14:00"
    );
    assert_eq!(app.state.scheduler.tick().await?, 0, "not due yet");
    assert!(!app.page("/", 200).await?.text("body").contains("Harbour"));

    // Due: the scheduler publishes it once (this tick, or the scheduler's own task if it
    // looked at the moved clock first).
    app.clock.set(ts("2026-03-10T14:00:30Z"));
    assert!(app.state.scheduler.tick().await? <= 1);
    assert_eq!(app.state.scheduler.tick().await?, 0, "never twice");
    let a = app.store.article(id).await?;
    assert_eq!(a.status, Status::Published);
    let path = app.path_of(&a).await?;
    assert_eq!(path, "/news/2026/03/10/harbour-bridge-opens/");
    let page = app.page(&path, 200).await?;
    assert_eq!(page.text("h1"), "Harbour bridge opens");
    assert!(!page.has(".updated"));
    assert!(app.page("/", 200).await?.text("body").contains("Harbour"));
    assert!(
        app.page("/news/", 200)
            .await?
            .text("body")
            .contains("Harbour")
    );

    // Updated: a substantive change shows the "Updated" time; a minor fix does not move it.
    app.clock.set(ts("2026-03-10T15:00:00Z"));
    let updated = fields(
        &sid,
        "Harbour bridge opens to traffic",
        "The bridge opened.",
        "The new bridge opened today to cars.",
    );
    let res = save(&b, id, a.version, updated.clone(), "save").await?;
    assert_eq!(res.status(), 303);
    let a = app.store.article(id).await?;
    assert_eq!(a.updated_at, Some(ts("2026-03-10T15:00:00Z")));
    // The slug follows the new headline (the field was left empty); the old URL still works.
    let old_path = path;
    let path = app.path_of(&a).await?;
    assert_eq!(path, "/news/2026/03/10/harbour-bridge-opens-to-traffic/");
    assert_eq!(app.get(&old_path).await?.status(), 301);
    let page = app.page(&path, 200).await?;
    assert_eq!(page.text("h1"), "Harbour bridge opens to traffic");
    assert!(page.has(".updated"));
    app.clock.set(ts("2026-03-10T15:30:00Z"));
    let mut minor = updated.clone();
    minor.push(("minor", "1"));
    let res = save(&b, id, a.version, minor, "save").await?;
    assert_eq!(res.status(), 303);
    let a = app.store.article(id).await?;
    assert_eq!(a.updated_at, Some(ts("2026-03-10T15:00:00Z")));

    // Corrected: a dated public note.
    let res = b
        .submit(
            &format!("/newsroom/stories/{id}/correction"),
            &[("note", "An earlier version gave the wrong length.")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let page = app.page(&path, 200).await?;
    assert!(
        page.text(".corrections")
            .contains("An earlier version gave the wrong length."),
        "{}",
        page.text(".corrections")
    );

    // Withdrawn: 410 with the note.
    let res = b
        .submit(
            &format!("/newsroom/stories/{id}/withdraw"),
            &[("note", "Withdrawn for legal reasons.")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let gone = app.page(&path, 410).await?;
    assert!(gone.text("body").contains("Withdrawn for legal reasons."));
    assert!(!app.page("/", 200).await?.text("body").contains("Harbour"));

    // Restored: back at the same address.
    let res = b
        .submit(&format!("/newsroom/stories/{id}/restore"), &[])
        .await?;
    assert_eq!(res.status(), 303);
    let page = app.page(&path, 200).await?;
    assert_eq!(page.text("h1"), "Harbour bridge opens to traffic");

    // The dashboard says who saved it.
    let dash = b.page("/newsroom/", 200).await?;
    assert!(
        dash.text("#published")
            .contains("last saved by Test editor")
    );
    Ok(())
});

backend_test!(stale_save_is_refused_with_the_form_kept, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let b = app.login_as(Role::Editor).await?;
    let mut create = fields(&sid, "Council votes", "A vote.", "First text.");
    create.push(("action", "save"));
    let id = created_id(&b.submit("/newsroom/stories", &create).await?)?;
    let v = app.store.article(id).await?.version;

    // Two people opened version v; the first saves (and tags the story).
    let mut first = fields(&sid, "Council votes yes", "A vote.", "Their text.");
    for f in first.iter_mut() {
        if f.0 == "tags" {
            f.1 = "Budget";
        }
    }
    assert_eq!(save(&b, id, v, first, "save").await?.status(), 303);
    // The second save from version v is refused, not applied.
    let second = fields(&sid, "Council votes no", "A vote.", "My text.");
    let res = save(&b, id, v, second.clone(), "save").await?;
    assert_eq!(res.status(), 409);
    let page = Page::parse(&res.text().await?);
    assert_eq!(page.text("textarea[name=body]"), "My text.");
    assert!(page.text(".nr-diff").contains("Their text."));
    assert!(page.text(".nr-diff").contains("Council votes yes"));
    // Changes beyond the words are listed too.
    assert_eq!(page.texts(".nr-conflict-fields li"), ["Tags: + Budget"]);
    let a = app.store.article(id).await?;
    assert_eq!(a.headline, "Council votes yes");
    // Saving again from the 409 page (now at the current version) is deliberate and goes in.
    let newer: i64 = page.attr("input[name=version]", "value").parse()?;
    assert_eq!(newer, a.version);
    assert_eq!(save(&b, id, newer, second, "save").await?.status(), 303);
    assert_eq!(app.store.article(id).await?.headline, "Council votes no");

    // Revisions: every save kept; a diff between any two; restoring one is a new save.
    let revs = app.store.revisions(id).await?;
    assert_eq!(revs.len(), 3);
    let oldest = revs.last().expect("three").id;
    let list = b
        .page(
            &format!(
                "/newsroom/stories/{id}/revisions?from={oldest}&to={}",
                revs[0].id
            ),
            200,
        )
        .await?;
    assert_eq!(list.all("tr.nr-revision").len(), 3);
    assert!(
        list.texts(".nr-diff-removed")
            .join("\n")
            .contains("First text.")
    );
    assert!(list.text(".nr-diff").contains("My text."));
    let bad = b
        .get(&format!("/newsroom/stories/{id}/revisions?from=999999"))
        .await?;
    assert_eq!(bad.status(), 400);
    let res = b
        .submit(
            &format!("/newsroom/stories/{id}/revisions/{oldest}/restore"),
            &[],
        )
        .await?;
    assert_eq!(res.status(), 303);
    let a = app.store.article(id).await?;
    assert_eq!(a.headline, "Council votes");
    assert_eq!(a.body_source, "First text.");
    assert_eq!(app.store.revisions(id).await?.len(), 4);
    Ok(())
});

backend_test!(publishing_warns_first, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let photo = app
        .photo("abc123", "", "A caption", Credit::default())
        .await?;
    let draft = app
        .article("Unpublished target")
        .section(&news)
        .draft()
        .await?;
    let b = app.login_as(Role::Editor).await?;
    let body = format!("Text.\n\nREAD MORE: {}\n", draft.id);
    let lead = photo.id.0.to_string();
    let mut create = fields(&sid, "Warned story", "", &body);
    create.retain(|(k, _)| *k != "lead_media");
    create.push(("lead_media", &lead));
    create.push(("action", "publish"));
    let res = b.submit("/newsroom/stories", &create).await?;
    assert_eq!(res.status(), 422);
    let page = Page::parse(&res.text().await?);
    let warnings = page.text("#editor-warnings");
    assert!(warnings.contains("standfirst is empty"), "{warnings}");
    assert!(warnings.contains("no alt text"), "{warnings}");
    assert!(warnings.contains("Unpublished target"), "{warnings}");
    assert!(page.has("input[name=confirm]"));
    // Nothing was written.
    assert_eq!(app.store.article_ids().await?.len(), 1);
    create.push(("confirm", "1"));
    let res = b.submit("/newsroom/stories", &create).await?;
    assert_eq!(res.status(), 303);
    let a = app.store.article(created_id(&res)?).await?;
    assert_eq!(a.status, Status::Published);

    // Bad input is a 4xx with a sentence, never a half-written story.
    let mut bad = fields(&sid, "", "", "x");
    bad.push(("action", "save"));
    bad.push(("tags", "Brand new tag"));
    let res = b.submit("/newsroom/stories", &bad).await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("Write a headline."));
    assert!(app.store.tag_by_slug("brand-new-tag").await.is_err());
    let mut past = fields(&sid, "Too late", "s", "x");
    past.push(("action", "schedule"));
    past.push(("schedule_at", "2020-01-01T09:00"));
    assert_eq!(b.submit("/newsroom/stories", &past).await?.status(), 422);
    let mut nonsense = fields(&sid, "Bad time", "s", "x");
    nonsense.push(("action", "schedule"));
    nonsense.push(("schedule_at", "tomorrow-ish"));
    assert_eq!(
        b.submit("/newsroom/stories", &nonsense).await?.status(),
        422
    );
    // No form token: refused.
    assert_eq!(b.post("/newsroom/stories", &create).await?.status(), 403);
    Ok(())
});

backend_test!(live_preview_uses_the_site_renderer, |app| {
    let news = app.section("news", "News").await?;
    let target = app
        .article("Earlier story")
        .section(&news)
        .publish()
        .await?;
    let b = app.login_as(Role::Contributor).await?;
    let body = format!(
        "Hello *world*.[^1]\n\nREAD MORE: {}\n\n[^1]: A note.\n",
        target.id
    );
    let res = b.submit("/newsroom/preview", &[("body", &body)]).await?;
    assert_eq!(res.status(), 200);
    let html = res.text().await?;
    assert!(html.contains("<em>world</em>"), "{html}");
    assert!(html.contains("Earlier story"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let res = b
        .post("/newsroom/preview", &[("body", "x"), ("csrf", "wrong")])
        .await?;
    assert_eq!(res.status(), 403);
    // The READ MORE picker finds stories by headline.
    let found: serde_json::Value = b
        .get("/newsroom/stories/search?q=earlier")
        .await?
        .json()
        .await?;
    assert_eq!(found[0]["id"], target.id.0);
    assert_eq!(found[0]["read_more"], format!("READ MORE: {}", target.id));
    Ok(())
});

backend_test!(saving_a_draft_keeps_the_page_cache, |app| {
    let news = app.section("news", "News").await?;
    let story = app.article("Cached story").section(&news).publish().await?;
    let path = app.path_of(&story).await?;
    app.page(&path, 200).await?;
    app.page("/", 200).await?;
    let b = app.login_as(Role::Editor).await?;
    let generation = app.store.generation();
    let sid = news.id.0.to_string();
    let mut create = fields(&sid, "Secret draft", "s", "Draft text.");
    create.push(("action", "save"));
    let id = created_id(&b.submit("/newsroom/stories", &create).await?)?;
    let v = app.store.article(id).await?.version;
    let edit = fields(&sid, "Secret draft, longer", "s", "More draft text.");
    assert_eq!(save(&b, id, v, edit.clone(), "save").await?.status(), 303);
    let v = app.store.article(id).await?.version;
    assert_eq!(save(&b, id, v, edit, "submit").await?.status(), 303);
    assert_eq!(
        app.store.generation(),
        generation,
        "saving or submitting a draft must not empty the reader page cache"
    );
    // A change readers see does move it.
    let (a, _) = app.store.article_input(story.id).await?;
    let sid2 = a.section_id.0.to_string();
    let change = fields(&sid2, "Cached story, changed", "s", "New text.");
    assert_eq!(
        save(&b, story.id, a.version, change, "save")
            .await?
            .status(),
        303
    );
    assert!(app.store.generation() > generation);
    let path = app.path_of(&app.store.article(story.id).await?).await?;
    assert_eq!(
        app.page(&path, 200).await?.text("h1"),
        "Cached story, changed"
    );
    Ok(())
});

backend_test!(scheduled_stories_are_published_at_start, |app| {
    let news = app.section("news", "News").await?;
    let a = app.article("While we slept").section(&news).draft().await?;
    app.store
        .schedule_article(a.id, ts("2026-03-10T13:00:00Z"), app.clock.now())
        .await?;
    // The server is "down" past the time; a fresh start publishes it.
    app.clock.set(ts("2026-03-10T18:00:00Z"));
    let state = dateline_web::AppState::new(
        app.store.clone(),
        dateline_web::Theme::load(None)?,
        dateline_web::MediaStore::local(app.data_dir().join("media"))?,
        app.clock.clone(),
        dateline_web::Options::default(),
    )
    .await?;
    let a = app.store.article(a.id).await?;
    assert_eq!(a.status, Status::Published);
    assert_eq!(a.published_at, Some(ts("2026-03-10T18:00:00Z")));
    // Two schedulers racing publish a story once.
    let b = app.article("Raced").section(&news).draft().await?;
    app.store
        .schedule_article(b.id, ts("2026-03-10T18:30:00Z"), app.clock.now())
        .await?;
    app.clock.set(ts("2026-03-10T19:00:00Z"));
    let (x, y) = tokio::join!(state.scheduler.tick(), app.state.scheduler.tick());
    // One of them publishes it (or a scheduler's own task did, a moment before): never both.
    assert!(x? + y? <= 1);
    assert_eq!(app.store.article(b.id).await?.status, Status::Published);
    Ok(())
});

backend_test!(editor_permission_matrix, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let others = app.article("Someone else's").section(&news).draft().await?;
    for role in Role::ALL {
        let b = app.login_as(role).await?;
        let me: PersonId = b.account.as_ref().expect("signed in").id;
        let creates = allows(role, Action::CreateStory, Ownership::NotApplicable);
        let res = b.get("/newsroom/stories/new").await?;
        assert_eq!(res.status(), if creates { 200 } else { 403 }, "{role}");
        // Publishing one's own new story.
        let headline = format!("Story by {role}");
        let mut create = fields(&sid, &headline, "s", "Text.");
        create.push(("action", "publish"));
        let res = b.submit("/newsroom/stories", &create).await?;
        let publishes = allows(role, Action::PublishStory, Ownership::Own);
        let expected = match (creates, publishes) {
            (false, _) => 403,
            (true, false) => 403,
            (true, true) => 303,
        };
        assert_eq!(res.status(), expected, "{role} publishes own");
        // Editing someone else's story.
        let others_now = app.store.article(others.id).await?;
        let edits_others = allows(role, Action::EditStory, Ownership::Others);
        let res = b.get(&format!("/newsroom/stories/{}", others.id)).await?;
        assert_eq!(res.status(), if edits_others { 200 } else { 403 }, "{role}");
        let edited = format!("Edited by {role}");
        let change = fields(&sid, "Someone else's", "s", &edited);
        let res = save(&b, others.id, others_now.version, change, "save").await?;
        assert_eq!(
            res.status(),
            if edits_others { 303 } else { 403 },
            "{role} edits others'"
        );
        // Saving one's own draft, and trying to publish it.
        if creates {
            let own_headline = format!("Draft by {role}");
            let mut own = fields(&sid, &own_headline, "s", "Text.");
            own.push(("action", "save"));
            let res = b.submit("/newsroom/stories", &own).await?;
            assert_eq!(res.status(), 303, "{role} saves a draft");
            let id = created_id(&res)?;
            let a = app.store.article(id).await?;
            let (_, input) = app.store.article_input(id).await?;
            assert_eq!(input.authors, vec![me], "the writer is the byline");
            let published_headline = format!("Published by {role}");
            let res = save(
                &b,
                id,
                a.version,
                fields(&sid, &published_headline, "s", "t"),
                "publish",
            )
            .await?;
            assert_eq!(res.status(), if publishes { 303 } else { 403 }, "{role}");
            let res = b.get(&format!("/newsroom/stories/{id}/revisions")).await?;
            assert_eq!(res.status(), 200, "{role} reads own revisions");
        }
        let res = b.submit("/newsroom/preview", &[("body", "*x*")]).await?;
        assert_eq!(res.status(), if creates { 200 } else { 403 }, "{role}");
        // New tags only by those who may create them.
        if creates {
            let tag = format!("Tag of {role}");
            let tagged_headline = format!("Tagged by {role}");
            let mut tagged = fields(&sid, &tagged_headline, "s", "Text.");
            tagged.retain(|(k, _)| *k != "tags");
            tagged.push(("tags", &tag));
            tagged.push(("action", "save"));
            let res = b.submit("/newsroom/stories", &tagged).await?;
            let may = allows(role, Action::CreateTag, Ownership::NotApplicable);
            assert_eq!(res.status(), if may { 303 } else { 422 }, "{role} tags");
        }
    }
    Ok(())
});

backend_test!(settings_sections_tags_and_pins, |app| {
    let news = app.section("news", "News").await?;
    let older = app
        .article("Older pinned story")
        .section(&news)
        .at(ts("2026-03-09T08:00:00Z"))
        .publish()
        .await?;
    let newer = app.article("Newest story").section(&news).publish().await?;

    // Settings: admins only; a bad time zone is refused with nothing saved.
    let editor = app.login_as(Role::Editor).await?;
    assert_eq!(editor.get("/newsroom/settings").await?.status(), 403);
    let admin = app.login_as(Role::Admin).await?;
    let form = [
        ("name", "The Changed Herald"),
        ("tagline", ""),
        ("time_zone", "Mars/Olympus"),
        ("language", "en-GB"),
        ("community_standards", "Be kind."),
        ("live_stream_url", ""),
        ("live_stream_name", ""),
        ("logo", ""),
    ];
    let res = admin.submit("/newsroom/settings", &form).await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("is not a time zone"));
    assert_eq!(app.store.site_settings().await?.name, "The Test Herald");
    let mut good = form.to_vec();
    good[2] = ("time_zone", "Europe/Paris");
    assert_eq!(
        admin.submit("/newsroom/settings", &good).await?.status(),
        303
    );
    let s = app.store.site_settings().await?;
    assert_eq!(
        (s.name.as_str(), s.time_zone.as_str()),
        ("The Changed Herald", "Europe/Paris")
    );
    assert!(
        app.page("/", 200)
            .await?
            .text("title")
            .contains("The Changed Herald")
    );
    // A logo from the library shows in the masthead; a made-up one is refused.
    let logo = app
        .photo("feedbeef", "", "", Credit::default())
        .await?
        .id
        .0
        .to_string();
    let mut with_logo = good.clone();
    with_logo.retain(|(k, _)| *k != "logo");
    with_logo.push(("logo", &logo));
    assert_eq!(
        admin
            .submit("/newsroom/settings", &with_logo)
            .await?
            .status(),
        303
    );
    let front = app.page("/", 200).await?;
    assert_eq!(
        front.attr(".site-name img", "src"),
        "/media/feedbeef-320.jpg"
    );
    let mut bad_logo = good.clone();
    bad_logo.retain(|(k, _)| *k != "logo");
    bad_logo.push(("logo", "424242"));
    assert_eq!(
        admin
            .submit("/newsroom/settings", &bad_logo)
            .await?
            .status(),
        422
    );

    // Sections and tags: editors.
    let contributor = app.login_as(Role::Contributor).await?;
    assert_eq!(contributor.get("/newsroom/sections").await?.status(), 403);
    let res = editor
        .submit("/newsroom/sections", &[("name", "Culture"), ("slug", "")])
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.section_by_slug("culture").await?.name, "Culture");
    let res = editor
        .submit(
            "/newsroom/sections",
            &[("name", "Again"), ("slug", "culture")],
        )
        .await?;
    assert_eq!(res.status(), 409);
    let res = editor
        .submit(
            &format!("/newsroom/sections/{}", news.id),
            &[
                ("name", "World news"),
                ("description", "d"),
                ("position", "3"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.section(news.id).await?.name, "World news");
    assert_eq!(
        editor
            .submit("/newsroom/tags", &[("name", "Elections")])
            .await?
            .status(),
        303
    );
    let tag = app.store.tag_by_slug("elections").await?;
    assert_eq!(
        editor
            .submit(&format!("/newsroom/tags/{}", tag.id), &[("name", "Votes")])
            .await?
            .status(),
        303
    );
    assert_eq!(app.store.tag_by_slug("elections").await?.name, "Votes");
    assert_eq!(
        contributor
            .submit("/newsroom/tags", &[("name", "Nope")])
            .await?
            .status(),
        403
    );

    // Front-page pins: the pinned older story leads.
    let front = app.page("/", 200).await?;
    let first = front.texts("main h2 a, main h3 a");
    assert_eq!(first.first().map(String::as_str), Some("Newest story"));
    let pin = older.id.0.to_string();
    let res = editor
        .submit("/newsroom/front-page", &[("pin", &pin), ("pin", "")])
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.front_pins().await?, vec![older.id]);
    let front = app.page("/", 200).await?;
    let first = front.texts("main h2 a, main h3 a");
    assert_eq!(
        first.first().map(String::as_str),
        Some("Older pinned story")
    );
    assert!(first.iter().any(|h| h == "Newest story"));
    let _ = newer;
    assert_eq!(
        editor
            .submit("/newsroom/front-page", &[("pin", "99999")])
            .await?
            .status(),
        400
    );
    assert_eq!(contributor.get("/newsroom/front-page").await?.status(), 403);
    Ok(())
});

backend_test!(the_scheduler_task_publishes_when_woken, |app| {
    let news = app.section("news", "News").await?;
    let a = app.article("On the hour").section(&news).draft().await?;
    let mut changes = app.store.changes();
    app.store
        .schedule_article(a.id, ts("2026-03-10T12:30:00Z"), app.clock.now())
        .await?;
    // The task, not a test's tick, publishes it once its time has come and it is woken.
    app.clock.set(ts("2026-03-10T12:30:00Z"));
    app.state.scheduler.wake();
    let published = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let change = changes.recv().await?;
            if change == dateline_store::Change::Article(a.id)
                && app.store.article(a.id).await?.status == Status::Published
            {
                return anyhow::Ok(());
            }
        }
    })
    .await;
    assert!(
        matches!(published, Ok(Ok(()))),
        "the scheduler task did not publish the story: {published:?}"
    );
    assert_eq!(app.state.scheduler.tick().await?, 0);
    Ok(())
});

backend_test!(
    an_editors_save_keeps_a_discussion_mode_a_moderator_changed,
    |app| {
        let news = app.section("news", "News").await?;
        let sid = news.id.0.to_string();
        let b = app.login_as(Role::Editor).await?;
        let mut create = fields(&sid, "Ferry strike", "Crews walk out.", "Text.");
        create.push(("action", "save"));
        let id = created_id(&b.submit("/newsroom/stories", &create).await?)?;
        // The editor's form as loaded: discussion open.
        let editor = b.page(&format!("/newsroom/stories/{id}"), 200).await?;
        let was = editor.attr("input[name=discussion_was]", "value");
        assert_eq!(was, "open");
        let v = app.store.article(id).await?.version;
        // Meanwhile a moderator closes the discussion.
        let m = app.login_as(Role::Moderator).await?;
        let res = m
            .submit(
                &format!("/newsroom/articles/{id}/discussion"),
                &[("mode", "closed")],
            )
            .await?;
        assert!(res.status().is_redirection(), "{}", res.status());
        // The editor saves words only: the moderator's mode stays.
        let mut edit = fields(&sid, "Ferry strike ends", "Crews return.", "Text.");
        edit.push(("discussion_was", "open"));
        assert_eq!(save(&b, id, v, edit.clone(), "save").await?.status(), 303);
        let a = app.store.article(id).await?;
        assert_eq!(a.headline, "Ferry strike ends");
        assert_eq!(a.discussion_mode.as_str(), "closed");
        // Choosing a mode in the form is still the editor's call.
        let mut reopen = fields(&sid, "Ferry strike ends", "Crews return.", "Text.");
        reopen.push(("discussion_was", "closed"));
        for f in reopen.iter_mut() {
            if f.0 == "discussion" {
                f.1 = "pre_moderated";
            }
        }
        assert_eq!(save(&b, id, a.version, reopen, "save").await?.status(), 303);
        assert_eq!(
            app.store.article(id).await?.discussion_mode.as_str(),
            "pre_moderated"
        );
        Ok(())
    }
);

backend_test!(
    issue_16_the_desk_publishes_an_archive_story_at_its_time,
    |app| {
        let news = app.section("news", "News").await?;
        let sid = news.id.0.to_string();
        let draft = app.article("Flood of 1953").section(&news).draft().await?;
        let b = app.login_as(Role::Editor).await?;
        let page = b
            .page(&format!("/newsroom/stories/{}", draft.id), 200)
            .await?;
        assert!(page.has("input#published_at[type=datetime-local]"));
        let mut form = fields(&sid, "Flood of 1953", "The night the sea came in.", "Text.");
        form.push(("confirm", "1"));
        // A future time is refused with a sentence; nothing is published.
        let mut later = form.clone();
        later.push(("published_at", "2030-01-01T09:00"));
        let res = save(&b, draft.id, draft.version, later, "publish").await?;
        assert_eq!(res.status(), 422);
        assert!(res.text().await?.contains("must be in the past"));
        assert_eq!(app.store.article(draft.id).await?.status, Status::Draft);
        form.push(("published_at", "1953-02-01T06:00"));
        let res = save(&b, draft.id, draft.version, form, "publish").await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        let a = app.store.article(draft.id).await?;
        assert_eq!(a.status, Status::Published);
        let path = a.canonical_path("news").expect("a path");
        assert_eq!(path, "/news/1953/02/01/flood-of-1953/");
        app.page(&path, 200).await?;
        // An author sees no such field, and one sent anyway is refused.
        let author = app.login_as(Role::Author).await?;
        let mut create = fields(&sid, "Author's archive piece", "s", "Text.");
        create.push(("action", "save"));
        let res = author.submit("/newsroom/stories", &create).await?;
        assert_eq!(res.status(), 303);
        let own = app.store.article(created_id(&res)?).await?;
        let page = author
            .page(&format!("/newsroom/stories/{}", own.id), 200)
            .await?;
        assert!(!page.has("input#published_at"));
        let mut form = fields(&sid, "Author's archive piece", "s", "Text.");
        form.push(("confirm", "1"));
        form.push(("published_at", "2001-01-01T09:00"));
        let res = save(&author, own.id, own.version, form, "publish").await?;
        assert_eq!(res.status(), 422);
        assert!(res.text().await?.contains("Only editors and admins"));
        assert_eq!(app.store.article(own.id).await?.status, Status::Draft);
        Ok(())
    }
);

// Issue 17: autosave keeps a new story as a draft once it has a headline, then saves each
// change as a revision; it never overwrites a newer version, never touches a published story,
// never makes a half-typed tag, and answers the script in JSON with a sentence when it cannot.
backend_test!(autosave_keeps_drafts_and_never_overwrites, |app| {
    let news = app.section("news", "News").await?;
    let sid = news.id.0.to_string();
    let b = app.login_as(Role::Editor).await?;

    // No headline yet: nothing is kept, and the answer says why.
    let res = b
        .submit(
            "/newsroom/stories/autosave",
            &fields(&sid, "", "", "Half a sentence"),
        )
        .await?;
    assert_eq!(res.status(), 422);
    let j: serde_json::Value = res.json().await?;
    assert_eq!(j["error"], "invalid");
    assert!(
        j["message"]
            .as_str()
            .unwrap_or_default()
            .contains("headline"),
        "{j}"
    );

    // A headline: the story is kept as a draft.
    let res = b
        .submit(
            "/newsroom/stories/autosave",
            &fields(&sid, "Tram line opens", "", "The first tram ran."),
        )
        .await?;
    assert_eq!(res.status(), 200);
    let j: serde_json::Value = res.json().await?;
    let id = ArticleId(j["id"].as_i64().expect("an id"));
    assert_eq!(j["edit_url"], format!("/newsroom/stories/{id}"));
    assert_eq!(j["saved_at"].as_str().map(str::len), Some(5), "HH:MM: {j}");
    let a = app.store.article(id).await?;
    assert_eq!(a.status, Status::Draft);
    assert_eq!(a.body_source, "The first tram ran.");
    assert_eq!(j["version"], a.version);

    // Typing goes on: each autosave is a save with a kept revision. A new tag name may be half
    // typed, so autosave leaves it for the real save.
    let mut more = fields(&sid, "Tram line opens", "", "The first tram ran at six.");
    for f in more.iter_mut() {
        if f.0 == "tags" {
            f.1 = "Trams, Harb";
        }
    }
    let v = a.version.to_string();
    more.push(("version", &v));
    let res = b
        .submit(&format!("/newsroom/stories/{id}/autosave"), &more)
        .await?;
    assert_eq!(res.status(), 200, "{}", res.text().await?);
    let a = app.store.article(id).await?;
    assert_eq!(a.body_source, "The first tram ran at six.");
    assert!(app.store.revision_at(id, a.version).await?.is_some());
    assert_eq!(app.store.revisions(id).await?.len(), 2);
    let tags = app.store.tags_with_counts().await?;
    assert!(
        !tags
            .iter()
            .any(|(t, _)| t.name == "Harb" || t.name == "Trams"),
        "no tag made by autosave"
    );

    // Someone else saved meanwhile: an autosave from the older version is refused, not applied.
    let mut theirs = fields(&sid, "Tram line opens early", "", "Their words.");
    let v2 = a.version.to_string();
    theirs.push(("version", &v2));
    theirs.push(("action", "save"));
    assert_eq!(
        b.submit(&format!("/newsroom/stories/{id}"), &theirs)
            .await?
            .status(),
        303
    );
    let mut mine = fields(&sid, "Tram line opens", "", "My late words.");
    mine.push(("version", &v2));
    let res = b
        .submit(&format!("/newsroom/stories/{id}/autosave"), &mine)
        .await?;
    assert_eq!(res.status(), 409);
    let j: serde_json::Value = res.json().await?;
    assert_eq!(j["error"], "stale");
    assert!(
        j["message"]
            .as_str()
            .unwrap_or_default()
            .contains("someone else saved")
    );
    assert_eq!(app.store.article(id).await?.body_source, "Their words.");

    // No form token: refused before anything is read.
    let res = b
        .post(
            &format!("/newsroom/stories/{id}/autosave"),
            &[("headline", "x"), ("csrf", "wrong")],
        )
        .await?;
    assert_eq!(res.status(), 403);

    // Published: readers see the saved words, so autosave leaves them alone.
    let a = app.store.article(id).await?;
    let mut publish = fields(&sid, "Tram line opens early", "Trams.", "Their words.");
    let v3 = a.version.to_string();
    publish.push(("version", &v3));
    publish.push(("action", "publish"));
    publish.push(("confirm", "1"));
    let res = b
        .submit(&format!("/newsroom/stories/{id}"), &publish)
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    let a = app.store.article(id).await?;
    assert_eq!(a.status, Status::Published);
    let mut typing = fields(&sid, "Tram line opens early", "Trams.", "Their wor");
    let v4 = a.version.to_string();
    typing.push(("version", &v4));
    let res = b
        .submit(&format!("/newsroom/stories/{id}/autosave"), &typing)
        .await?;
    assert_eq!(res.status(), 409);
    let j: serde_json::Value = res.json().await?;
    assert_eq!(j["error"], "published");
    assert_eq!(app.store.article(id).await?.body_source, "Their words.");
    // And the editor page offers no autosave for it.
    let page = b.page(&format!("/newsroom/stories/{id}"), 200).await?;
    assert!(!page.has("form[data-autosave]"));
    // An existing story's editor is not "New story" in the bar; a new one's is.
    assert!(!page.has("a[href='/newsroom/stories/new'][aria-current=page]"));
    let page = b.page("/newsroom/stories/new", 200).await?;
    assert_eq!(
        page.attr("form[data-editor]", "data-autosave"),
        "/newsroom/stories/autosave"
    );
    assert!(page.has("a[href='/newsroom/stories/new'][aria-current=page]"));
    Ok(())
});

// Issue 17: the editor's pickers name stories by number (a READ MORE box said "story 12") and
// search the whole photo library, not the hundred newest the page lists.
backend_test!(
    issue_17_pickers_name_stories_and_search_the_whole_library,
    |app| {
        let news = app.section("news", "News").await?;
        let kept = app
            .article("Harbour reopens")
            .section(&news)
            .publish()
            .await?;
        let gone = app
            .article("Harbour closes")
            .section(&news)
            .publish()
            .await?;
        app.store
            .withdraw_article(gone.id, "Legal.", app.clock.now())
            .await?;
        let b = app.login_as(Role::Contributor).await?;
        let named: serde_json::Value = b
            .get(&format!(
                "/newsroom/stories/headlines?ids={},%23{},987654,x",
                kept.id, gone.id
            ))
            .await?
            .json()
            .await?;
        assert_eq!(named.as_array().map(Vec::len), Some(2), "{named}");
        assert_eq!(named[0]["headline"], "Harbour reopens");
        assert_eq!(named[0]["status"], "published");
        assert_eq!(named[1]["headline"], "Harbour closes");
        assert_eq!(named[1]["status"], "withdrawn");
        // The story search finds a story by its number too, first.
        let found: serde_json::Value = b
            .get(&format!("/newsroom/stories/search?q={}", gone.id))
            .await?
            .json()
            .await?;
        assert_eq!(found[0]["id"], gone.id.0);

        // A photo with a caption, then 30 newer ones: found by the caption's words, and a page of
        // 24 at a time with the next offset until the last.
        let old = app
            .photo(
                "abad1dea00000000",
                "A cottage",
                "Keeper's cottage at dusk",
                Default::default(),
            )
            .await?;
        for i in 1..=30 {
            app.photo(
                &format!("abad1dea{i:08x}"),
                "Filler",
                "",
                Default::default(),
            )
            .await?;
        }
        let page: serde_json::Value = b.get("/newsroom/media/search").await?.json().await?;
        assert_eq!(page["photos"].as_array().map(Vec::len), Some(24));
        assert_eq!(page["next_offset"], 24);
        let rest: serde_json::Value = b
            .get("/newsroom/media/search?offset=24")
            .await?
            .json()
            .await?;
        assert_eq!(rest["photos"].as_array().map(Vec::len), Some(7));
        assert!(rest["next_offset"].is_null());
        let hit: serde_json::Value = b
            .get("/newsroom/media/search?q=KEEPER%27S%20cottage")
            .await?
            .json()
            .await?;
        assert_eq!(hit["photos"][0]["id"], old.id.0, "{hit}");
        assert_eq!(hit["photos"][0]["caption"], "Keeper's cottage at dusk");
        assert_eq!(
            hit["photos"][0]["label"],
            format!("Photo {}: A cottage", old.id)
        );
        let by_id: serde_json::Value = b
            .get(&format!("/newsroom/media/search?ids={}", old.id))
            .await?
            .json()
            .await?;
        assert_eq!(by_id["photos"][0]["id"], old.id.0);
        assert_eq!(
            b.get("/newsroom/media/search?offset=-1").await?.status(),
            400
        );
        // Someone signed out gets nothing.
        let stranger = app.browser().get("/newsroom/media/search").await?;
        assert_ne!(stranger.status(), 200, "signed out: no library");
        Ok(())
    }
);

// Issue 17: the lead photo select lists the hundred newest photos; a story whose lead photo is
// older lost it on the next save (the select showed "(none)").
backend_test!(issue_17_an_older_lead_photo_stays_chosen, |app| {
    let news = app.section("news", "News").await?;
    let old = app
        .photo("0ddba11000000000", "Old pier", "", Default::default())
        .await?;
    for i in 1..=101 {
        app.photo(&format!("0ddba11{i:09x}"), "Newer", "", Default::default())
            .await?;
    }
    let story = app
        .article("Pier story")
        .section(&news)
        .lead(&old)
        .publish()
        .await?;
    let b = app.login_as(Role::Editor).await?;
    let html = b
        .get(&format!("/newsroom/stories/{}", story.id))
        .await?
        .text()
        .await?;
    let doc = scraper::Html::parse_document(&html);
    let selected = scraper::Selector::parse("#lead_media option[selected]").expect("a selector");
    let chosen: Vec<_> = doc
        .select(&selected)
        .filter_map(|o| o.value().attr("value"))
        .collect();
    assert_eq!(
        chosen,
        [old.id.0.to_string()],
        "the old lead photo is listed and chosen"
    );
    Ok(())
});
