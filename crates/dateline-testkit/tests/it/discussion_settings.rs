//! The discussion's side of the newsroom settings (admins): the site's default discussion mode
//! for new stories, a moderator's mode change reaching the story's page at once, the
//! OpenID Connect providers (client secrets written, never shown back) and the moderation
//! rules.

use crate::*;
use dateline_core::article::DiscussionMode;
use dateline_core::permissions::Role;

backend_test!(
    the_site_default_discussion_mode_applies_to_new_stories,
    |app| {
        let old = app.article("Talks reopen").publish().await?;
        let admin = app.login_as(Role::Admin).await?;
        let settings = admin.page("/newsroom/settings", 200).await?;
        assert!(settings.has("a[href='/newsroom/settings/discussion']"));
        let page = admin.page("/newsroom/settings/discussion", 200).await?;
        assert_eq!(
            page.attr("select[name=default_mode] option[selected]", "value"),
            "open"
        );
        // Only admins: an editor is refused, and a form without the session's token too.
        let editor = app.login_as(Role::Editor).await?;
        assert_eq!(
            editor.get("/newsroom/settings/discussion").await?.status(),
            403
        );
        let res = editor
            .submit(
                "/newsroom/settings/discussion/mode",
                &[("default_mode", "closed")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        let res = admin
            .post(
                "/newsroom/settings/discussion/mode",
                &[("default_mode", "closed"), ("csrf", "forged")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        let res = admin
            .submit(
                "/newsroom/settings/discussion/mode",
                &[("default_mode", "sometimes")],
            )
            .await?;
        assert_eq!(res.status(), 400);

        let res = admin
            .submit(
                "/newsroom/settings/discussion/mode",
                &[("default_mode", "pre_moderated")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let page = admin.page("/newsroom/settings/discussion", 200).await?;
        assert_eq!(
            page.attr("select[name=default_mode] option[selected]", "value"),
            "pre_moderated"
        );
        // A new story starts with the site's default; stories already written keep theirs.
        let form = editor.page("/newsroom/stories/new", 200).await?;
        assert_eq!(
            form.attr("select[name=discussion] option[selected]", "value"),
            "pre_moderated"
        );
        assert_eq!(
            app.store.article(old.id).await?.discussion_mode,
            DiscussionMode::Open
        );
        Ok(())
    }
);

backend_test!(
    a_moderators_mode_change_reaches_the_story_page_at_once,
    |app| {
        let a = app.article("Talks reopen").publish().await?;
        let path = app.path_of(&a).await?;
        let fragment = format!("/discussion/{}/?fragment=1", a.id);
        // Readers have the story and its discussion (both cached now).
        let story = app.page(&path, 200).await?;
        assert_eq!(story.attr("a.discussion-link", "data-fragment"), fragment);
        let open = app.page(&fragment, 200).await?;
        assert!(open.has("a.comment-via"));
        assert!(!open.has(".discussion-closed"));

        let moderator = app.login_as(Role::Moderator).await?;
        let res = moderator
            .submit(
                &format!("/newsroom/articles/{}/discussion", a.id),
                &[("mode", "closed")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        // The story page loads the discussion from the fragment: closed at once, for readers
        // who were served the open one a moment ago.
        let story = app.page(&path, 200).await?;
        assert_eq!(story.attr("a.discussion-link", "data-fragment"), fragment);
        let closed = app.page(&fragment, 200).await?;
        assert!(
            closed.has(".discussion-closed"),
            "the cached open discussion was served"
        );
        assert!(!closed.has("a.comment-via"));
        let page = app.page(&format!("/discussion/{}/", a.id), 200).await?;
        assert!(page.has(".discussion-closed"));
        // The story page's own copy (for readers without script) follows within
        // DISCUSSION_LAG.
        app.clock
            .set(app.clock.now() + dateline_web::cache::DISCUSSION_LAG);
        let story = app.page(&path, 200).await?;
        assert!(story.has("#discussion-slot .discussion-closed"));
        assert!(!story.has("a.comment-via"));
        // And it stays closed when an editor next saves the story with the mode it shows.
        let editor = app.login_as(Role::Editor).await?;
        let form = editor
            .page(&format!("/newsroom/stories/{}", a.id), 200)
            .await?;
        assert_eq!(
            form.attr("select[name=discussion] option[selected]", "value"),
            "closed"
        );
        Ok(())
    }
);

backend_test!(
    admins_manage_providers_and_never_see_a_secret_again,
    |app| {
        let a = app.article("Talks reopen").publish().await?;
        let admin = app.login_as(Role::Admin).await?;
        let page = admin.page("/newsroom/settings/discussion", 200).await?;
        assert!(!page.has("#providers"));
        let secret = "s3cret-value-never-shown";
        let add = |label: &'static str, issuer: &'static str| {
            let admin = &admin;
            async move {
                admin
                    .submit(
                        "/newsroom/settings/providers",
                        &[
                            ("label", label),
                            ("issuer", issuer),
                            ("client_id", "dateline-client"),
                            ("client_secret", secret),
                        ],
                    )
                    .await
            }
        };
        // Refused with a sentence: a plain-http issuer elsewhere, a label with a slash.
        let res = add("Google", "http://accounts.example").await?;
        assert_eq!(res.status(), 400);
        assert!(res.text().await?.contains("https://"));
        assert_eq!(add("A/B", "https://accounts.example").await?.status(), 400);
        // Editors may not.
        let editor = app.login_as(Role::Editor).await?;
        let res = editor
            .submit(
                "/newsroom/settings/providers",
                &[
                    ("label", "Google"),
                    ("issuer", "https://accounts.example"),
                    ("client_id", "x"),
                    ("client_secret", "y"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 403);

        let res = add("Google", "https://accounts.example/").await?;
        assert_eq!(res.status(), 303);
        let res = add("Google", "https://other.example").await?;
        assert_eq!(res.status(), 400, "the same label twice");
        let res = admin.get("/newsroom/settings/discussion").await?;
        let html = res.text().await?;
        assert!(!html.contains(secret), "the client secret was shown back");
        let page = Page::parse(&html);
        assert!(page.text("#providers").contains("https://accounts.example"));
        assert!(
            page.text("#providers")
                .contains(&format!("{}/readers/oidc/Google/callback", app.base))
        );
        assert_eq!(
            app.store
                .provider_by_label("Google")
                .await?
                .client_secret
                .expose(),
            secret
        );
        // Readers see the button at once.
        let d = app.page(&format!("/discussion/{}/", a.id), 200).await?;
        assert!(d.text(".discussion-join").contains("Comment via Google"));

        let res = admin
            .submit(
                "/newsroom/settings/providers/remove",
                &[("label", "Google")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let res = admin
            .submit(
                "/newsroom/settings/providers/remove",
                &[("label", "Google")],
            )
            .await?;
        assert_eq!(res.status(), 400);
        assert!(app.store.providers().await?.is_empty());
        let d = app.page(&format!("/discussion/{}/", a.id), 200).await?;
        assert!(!d.text(".discussion-join").contains("Comment via Google"));
        Ok(())
    }
);

backend_test!(admins_edit_the_rules_from_the_settings_page, |app| {
    let admin = app.login_as(Role::Admin).await?;
    // The moderation page shows the same form, which returns there.
    let queue = admin.page("/newsroom/comments", 200).await?;
    assert!(queue.has("form[action='/newsroom/comments/rules']"));
    assert!(!queue.has("form[action='/newsroom/comments/rules'] input[name=back]"));
    let page = admin.page("/newsroom/settings/discussion", 200).await?;
    assert_eq!(
        page.attr("form.nr-form input[name=back]", "value"),
        "settings"
    );
    let res = admin
        .submit(
            "/newsroom/comments/rules",
            &[
                ("banned_words", "scum, vermin"),
                ("suspect_words", "casino"),
                ("max_links", "1"),
                ("hold_first", "2"),
                ("edit_minutes", "10"),
                ("per_reader_per_minute", "3"),
                ("per_address_per_minute", "9"),
                ("back", "settings"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/newsroom/settings/discussion?saved=rules")
    );
    let rules = app.store.discussion_rules().await?;
    assert_eq!(rules.banned_words, vec!["scum", "vermin"]);
    assert_eq!(
        (rules.max_links, rules.hold_first, rules.edit_window_secs),
        (1, 2, 600)
    );
    assert_eq!(
        (rules.per_reader_per_minute, rules.per_address_per_minute),
        (3, 9)
    );
    let page = admin
        .page("/newsroom/settings/discussion?saved=rules", 200)
        .await?;
    assert!(page.text(".nr-notice").contains("rules are saved"));
    assert_eq!(page.attr("input[name=hold_first]", "value"), "2");
    Ok(())
});
