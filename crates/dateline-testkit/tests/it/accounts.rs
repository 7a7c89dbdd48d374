//! The newsroom's front door through HTTP with a cookie jar: signing in and out, the session
//! cookie's attributes, changing one's password, form tokens (CSRF) and cross-site refusals,
//! sign-in throttling (moving the test clock, never sleeping), disabled accounts, the
//! permission matrix of every newsroom route, the dashboard, the admin's people page, and the
//! page cache never holding a newsroom answer.

use crate::*;
use dateline_core::account::Email;
use dateline_core::permissions::{Action, Ownership, Role, allows};
use dateline_testkit::{Browser, TEST_PASSWORD};

async fn status_of(res: reqwest::Response) -> anyhow::Result<(u16, String)> {
    let status = res.status().as_u16();
    Ok((status, res.text().await?))
}

backend_test!(signing_in_and_out, |app| {
    let account = app.account(Role::Author).await?;
    let b = app.browser();
    // No session: pages send the browser to the sign-in page and back.
    let res = b.get("/newsroom/").await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/sign-in?next=/newsroom/");
    let res = b.get("/newsroom/users?x=1").await?;
    assert_eq!(
        location(&res),
        "/newsroom/sign-in?next=/newsroom/users%3Fx%3D1"
    );
    // A form's target is no page to come back to.
    let res = b
        .post("/newsroom/users/1/role", &[("role", "admin")])
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/sign-in?next=/newsroom/");

    let res = b.sign_in("AUTHOR@example.com", TEST_PASSWORD).await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/");
    let set = b
        .last_set_cookies
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    let session = set
        .iter()
        .find(|c| c.starts_with("dateline_session="))
        .expect("a session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/;", "Max-Age=604800"] {
        assert!(session.contains(attr), "{attr} missing: {session}");
    }
    assert!(
        !session.contains("Secure"),
        "an http site cannot set Secure cookies"
    );
    let token = b.cookie("dateline_session").expect("kept");
    assert_eq!(token.len(), 43);
    // Only a hash of the token is stored.
    let sessions = app.store.sessions_of(account.id, app.clock.now()).await?;
    assert_eq!(sessions.len(), 1);
    assert!(app.store.session(&token, app.clock.now()).await.is_err());

    let dash = b.page("/newsroom/", 200).await?;
    assert_eq!(dash.text("h1"), "Dashboard");
    assert!(dash.text(".nr-user").contains("Test author"));
    // Signed in, the sign-in page sends you on.
    let res = b.get("/newsroom/sign-in").await?;
    assert_eq!(res.status(), 303);

    let csrf = dash.attr(
        "form[action='/newsroom/sign-out'] input[name=csrf]",
        "value",
    );
    let res = b.post("/newsroom/sign-out", &[("csrf", &csrf)]).await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/sign-in?done=signed-out");
    assert!(b.cookie("dateline_session").is_none());
    assert_eq!(b.get("/newsroom/").await?.status(), 303);
    // The old token is dead even if someone kept it.
    b.set_cookie("dateline_session", Some(&token));
    assert_eq!(b.get("/newsroom/").await?.status(), 303);
    assert!(
        app.store
            .sessions_of(account.id, app.clock.now())
            .await?
            .is_empty()
    );
    let page = b.page("/newsroom/sign-in?done=signed-out", 200).await?;
    assert_eq!(page.text(".nr-notice"), "You have signed out.");
    Ok(())
});

backend_test!(wrong_passwords_and_unknown_emails_get_one_answer, |app| {
    app.account(Role::Editor).await?;
    let b = app.browser();
    for (email, password) in [
        ("editor@example.com", "not the password"),
        ("nobody@example.com", TEST_PASSWORD),
        ("not an email", TEST_PASSWORD),
    ] {
        let res = b.sign_in(email, password).await?;
        let (status, body) = status_of(res).await?;
        assert_eq!(status, 401, "{email}");
        let page = Page::parse(&body);
        assert_eq!(
            page.text(".nr-error"),
            "That email and password do not match an account."
        );
        assert!(b.cookie("dateline_session").is_none());
    }
    // The email typed is kept in the form; the password never is.
    let res = b.sign_in("editor@example.com", "wrong again").await?;
    let page = Page::parse(&res.text().await?);
    assert_eq!(page.attr("#email", "value"), "editor@example.com");
    assert!(page.one("#password").value().attr("value").is_none());
    Ok(())
});

backend_test!(cookies_are_secure_on_an_https_site, |app| {
    app.configure(|s| s.base_url = "https://news.example".to_owned())
        .await?;
    app.account(Role::Editor).await?;
    let b = app.browser();
    b.get("/newsroom/sign-in").await?;
    let set = b
        .last_set_cookies
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    assert!(set.iter().all(|c| c.contains("; Secure")), "{set:?}");
    b.sign_in("editor@example.com", TEST_PASSWORD).await?;
    let set = b
        .last_set_cookies
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    let session = set
        .iter()
        .find(|c| c.starts_with("dateline_session="))
        .expect("a session cookie");
    assert!(session.contains("; Secure"), "{session}");
    Ok(())
});

backend_test!(changing_ones_password, |app| {
    let b = app.login_as(Role::Contributor).await?;
    let other_device = app
        .login(b.account.clone().expect("signed in"), TEST_PASSWORD)
        .await?;
    let change = async |current: &str, new: &str, confirm: &str| {
        b.submit(
            "/newsroom/password",
            &[("current", current), ("new", new), ("confirm", confirm)],
        )
        .await
    };
    for (current, new, confirm, message) in [
        (
            "wrong password",
            "a new long password",
            "a new long password",
            "Your current password is not right.",
        ),
        (
            TEST_PASSWORD,
            "a new long password",
            "a different one",
            "The new password and its confirmation differ.",
        ),
        (
            TEST_PASSWORD,
            "short",
            "short",
            "The password must have at least 10 characters.",
        ),
    ] {
        let (status, body) = status_of(change(current, new, confirm).await?).await?;
        assert_eq!(status, 422, "{message}");
        assert_eq!(Page::parse(&body).text(".nr-error"), message);
    }
    let res = change(TEST_PASSWORD, "a new long password", "a new long password").await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/password?done=changed");
    // This browser stays signed in (with a new session); the other device is signed out.
    let page = b.page("/newsroom/password?done=changed", 200).await?;
    assert!(page.text(".nr-notice").contains("has been changed"));
    assert_eq!(other_device.get("/newsroom/").await?.status(), 303);
    let fresh = app.browser();
    assert_eq!(
        fresh
            .sign_in("contributor@example.com", TEST_PASSWORD)
            .await?
            .status(),
        401
    );
    assert_eq!(
        fresh
            .sign_in("contributor@example.com", "a new long password")
            .await?
            .status(),
        303
    );
    Ok(())
});

backend_test!(forms_without_the_right_token_are_refused, |app| {
    let b = app.login_as(Role::Admin).await?;
    let fields = [
        ("current", TEST_PASSWORD),
        ("new", "a new long password"),
        ("confirm", "a new long password"),
    ];
    let mut wrong = fields.to_vec();
    wrong.push(("csrf", "not-the-token"));
    for res in [
        b.post("/newsroom/password", &fields).await?,
        b.post("/newsroom/password", &wrong).await?,
        b.post("/newsroom/sign-out", &[]).await?,
        b.post(
            "/newsroom/users",
            &[
                ("email", "x@example.com"),
                ("name", "X"),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
        )
        .await?,
    ] {
        let (status, body) = status_of(res).await?;
        assert_eq!(status, 403);
        assert!(
            Page::parse(&body)
                .text(".error-message")
                .contains("it has expired or did not come from this site"),
            "{body}"
        );
    }
    // Nothing changed: the old password works, the session lives, nobody was added.
    assert_eq!(b.get("/newsroom/").await?.status(), 200);
    assert_eq!(
        app.browser()
            .sign_in("admin@example.com", TEST_PASSWORD)
            .await?
            .status(),
        303
    );
    assert_eq!(app.store.accounts().await?.len(), 1);

    // Sent from another site: refused before anything else, even with the right token.
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let mut fields = fields.to_vec();
        fields.push(("csrf", &b.csrf));
        let req = app
            .client
            .post(app.url("/newsroom/password"))
            .header(header, value)
            .header(
                "cookie",
                format!(
                    "dateline_session={}",
                    b.cookie("dateline_session").unwrap_or_default()
                ),
            )
            .form(&fields);
        let (status, body) = status_of(req.send().await?).await?;
        assert_eq!(status, 403, "{header}");
        assert!(body.contains("sent from another site"), "{body}");
    }
    // The same site's origin is fine; so is the public origin (base URL) behind a proxy that
    // rewrites Host.
    app.configure(|s| s.base_url = "https://news.example".to_owned())
        .await?;
    let mut fields = fields.to_vec();
    fields.push(("csrf", &b.csrf));
    fields[0].1 = "wrong current password";
    let req = app
        .client
        .post(app.url("/newsroom/password"))
        .header("origin", "https://news.example")
        .header(
            "cookie",
            format!(
                "dateline_session={}",
                b.cookie("dateline_session").unwrap_or_default()
            ),
        )
        .form(&fields);
    assert_eq!(req.send().await?.status(), 422);
    app.configure(|s| s.base_url = app.base.clone()).await?;
    let req = app
        .client
        .post(app.url("/newsroom/sign-out"))
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .header(
            "cookie",
            format!(
                "dateline_session={}",
                b.cookie("dateline_session").unwrap_or_default()
            ),
        )
        .form(&[("csrf", &b.csrf)]);
    assert_eq!(req.send().await?.status(), 303);

    // The sign-in form: its token must come with the matching cookie.
    let fresh = app.browser();
    let form = fresh.page("/newsroom/sign-in", 200).await?;
    let token = form.attr("input[name=form_token]", "value");
    assert_eq!(fresh.cookie("dateline_csrf"), Some(token.clone()));
    let sign_in = [("email", "admin@example.com"), ("password", TEST_PASSWORD)];
    let mut other = sign_in.to_vec();
    other.push(("form_token", "forged-token-forged-token-forged-token-forg"));
    assert_eq!(fresh.post("/newsroom/sign-in", &other).await?.status(), 403);
    fresh.set_cookie("dateline_csrf", None);
    let mut stolen = sign_in.to_vec();
    stolen.push(("form_token", &token));
    assert_eq!(
        fresh.post("/newsroom/sign-in", &stolen).await?.status(),
        403
    );
    assert!(fresh.cookie("dateline_session").is_none());
    Ok(())
});

backend_test!(sign_in_is_throttled_per_account_and_per_address, |app| {
    app.account(Role::Editor).await?;
    let b = app.browser();
    for _ in 0..5 {
        assert_eq!(
            b.sign_in("editor@example.com", "wrong password")
                .await?
                .status(),
            401
        );
    }
    // Even the right password waits now, with a sentence saying how long.
    let (status, body) = status_of(b.sign_in("editor@example.com", TEST_PASSWORD).await?).await?;
    assert_eq!(status, 429);
    assert_eq!(
        Page::parse(&body).text(".nr-error"),
        "Too many attempts; try again in 15 minutes."
    );
    let res = b.sign_in("editor@example.com", TEST_PASSWORD).await?;
    assert_eq!(res.headers()["retry-after"], "900");
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(10));
    let (status, body) = status_of(b.sign_in("editor@example.com", TEST_PASSWORD).await?).await?;
    assert_eq!(status, 429);
    assert!(body.contains("try again in 5 minutes"));
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(5));
    assert_eq!(
        b.sign_in("editor@example.com", TEST_PASSWORD)
            .await?
            .status(),
        303
    );

    // Per address: many emails from one client (once the failures above are old).
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(16));
    app.account(Role::Author).await?;
    let c = app.browser();
    for i in 0..30 {
        let email = format!("guess{i}@example.com");
        assert_eq!(
            c.sign_in(&email, "wrong password").await?.status(),
            401,
            "{i}"
        );
    }
    let (status, body) = status_of(c.sign_in("author@example.com", TEST_PASSWORD).await?).await?;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("Too many attempts; try again in 15 minutes."));
    app.clock
        .set(app.clock.now() + SignedDuration::from_mins(16));
    assert_eq!(
        c.sign_in("author@example.com", TEST_PASSWORD)
            .await?
            .status(),
        303
    );
    Ok(())
});

backend_test!(disabling_an_account_ends_its_sessions_at_once, |app| {
    let admin = app.login_as(Role::Admin).await?;
    let editor = app.login_as(Role::Editor).await?;
    let id = editor.account.as_ref().expect("signed in").id;
    assert_eq!(editor.get("/newsroom/").await?.status(), 200);
    let res = admin
        .submit(
            &format!("/newsroom/users/{id}/status"),
            &[("status", "disabled")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(editor.get("/newsroom/").await?.status(), 303);
    let (status, body) = status_of(
        app.browser()
            .sign_in("editor@example.com", TEST_PASSWORD)
            .await?,
    )
    .await?;
    assert_eq!(status, 403);
    assert_eq!(
        Page::parse(&body).text(".nr-error"),
        "This account has been disabled; ask an administrator."
    );
    // A session that survived in the table would still be refused: the store checks the flag.
    let now = app.clock.now();
    app.store
        .create_session(
            id,
            "leftover",
            "csrf",
            now,
            now + SignedDuration::from_hours(1),
        )
        .await?;
    assert!(app.store.session("leftover", now).await.is_err());
    // Enabled again, they sign in again.
    admin
        .submit(
            &format!("/newsroom/users/{id}/status"),
            &[("status", "active")],
        )
        .await?;
    assert_eq!(
        app.browser()
            .sign_in("editor@example.com", TEST_PASSWORD)
            .await?
            .status(),
        303
    );
    // Nobody disables or demotes themselves by accident.
    let me = admin.account.as_ref().expect("signed in").id;
    assert_eq!(
        admin
            .submit(
                &format!("/newsroom/users/{me}/status"),
                &[("status", "disabled")]
            )
            .await?
            .status(),
        400
    );
    assert_eq!(
        admin
            .submit(&format!("/newsroom/users/{me}/role"), &[("role", "author")])
            .await?
            .status(),
        400
    );
    Ok(())
});

backend_test!(every_role_against_every_newsroom_route, |app| {
    let target = app
        .account_with_password(
            "target@example.com",
            "Target Person",
            Role::Contributor,
            TEST_PASSWORD,
        )
        .await?;
    let allowed = |role, action| allows(role, action, Ownership::NotApplicable);
    for role in Role::ALL {
        let b = app.login_as(role).await?;
        for (path, action) in [
            ("/newsroom/", Action::ViewNewsroom),
            ("/newsroom/search?q=anything", Action::ViewNewsroom),
            ("/newsroom/password", Action::ViewNewsroom),
            ("/newsroom/users", Action::ManagePeople),
            ("/newsroom/tokens", Action::ManageOwnTokens),
            ("/newsroom/media", Action::UploadMedia),
            ("/newsroom/stories/new", Action::CreateStory),
            ("/newsroom/settings", Action::ManageSettings),
            ("/newsroom/sections", Action::ManageSections),
            ("/newsroom/front-page", Action::ManageFrontPage),
            ("/newsroom/station", Action::RunStation),
        ] {
            let (status, body) = status_of(b.get(path).await?).await?;
            let expected = if allowed(role, action) { 200 } else { 403 };
            assert_eq!(status, expected, "{role} GET {path}");
            if expected == 403 {
                assert!(
                    body.contains(&format!("Your role ({role}) may not {}.", action.phrase())),
                    "{body}"
                );
            }
        }
        let manages = allowed(role, Action::ManagePeople);
        let email = format!("new-by-{role}@example.com");
        let res = b
            .submit(
                "/newsroom/users",
                &[
                    ("email", &email),
                    ("name", "New Person"),
                    ("role", "author"),
                    ("password", "long enough password"),
                ],
            )
            .await?;
        assert_eq!(res.status(), if manages { 303 } else { 403 }, "{role} adds");
        assert_eq!(
            app.store
                .account_by_email(&Email::parse(&email)?)
                .await
                .is_ok(),
            manages,
            "{role} adds"
        );
        let res = b
            .submit(
                &format!("/newsroom/users/{}/role", target.id),
                &[("role", "editor")],
            )
            .await?;
        assert_eq!(
            res.status(),
            if manages { 303 } else { 403 },
            "{role} sets a role"
        );
        let now = app.store.account(target.id).await?;
        assert_eq!(now.role == Role::Editor, manages, "{role} sets a role");
        app.store.set_role(target.id, Role::Contributor).await?;
        let res = b
            .submit(
                &format!("/newsroom/users/{}/status", target.id),
                &[("status", "disabled")],
            )
            .await?;
        assert_eq!(
            res.status(),
            if manages { 303 } else { 403 },
            "{role} disables"
        );
        assert_eq!(
            app.store.account(target.id).await?.disabled,
            manages,
            "{role} disables"
        );
        app.store
            .set_disabled(target.id, false, dateline_store::ApiTokens::Keep)
            .await?;
        // Everyone with a newsroom role may change their own password.
        let res = b
            .submit(
                "/newsroom/password",
                &[("current", "wrong"), ("new", "x"), ("confirm", "x")],
            )
            .await?;
        let expected = if allowed(role, Action::ViewNewsroom) {
            422
        } else {
            403
        };
        assert_eq!(res.status(), expected, "{role} changes a password");
        let res = b.submit("/newsroom/tokens", &[("label", "matrix")]).await?;
        let tokens = allowed(role, Action::ManageOwnTokens);
        assert_eq!(
            res.status(),
            if tokens { 200 } else { 403 },
            "{role} creates a token"
        );
        let own = app
            .store
            .api_tokens_of(b.account.as_ref().expect("in").id)
            .await?;
        if let Some(t) = own.first() {
            let res = b
                .submit(&format!("/newsroom/tokens/{}/revoke", t.id), &[])
                .await?;
            assert_eq!(res.status(), 303, "{role} revokes a token");
        }
        assert_eq!(own.len(), usize::from(tokens), "{role}");
        assert_eq!(
            b.get("/api/v1/me").await?.status(),
            200,
            "{role} asks who they are"
        );
        // The people link shows only where the page is allowed.
        let dash = b.page("/newsroom/", 200).await?;
        assert_eq!(dash.has("a[href='/newsroom/users']"), manages, "{role}");
        assert_eq!(dash.has("a[href='/newsroom/tokens']"), tokens, "{role}");
        // Any session may end itself.
        assert_eq!(
            b.submit("/newsroom/sign-out", &[]).await?.status(),
            303,
            "{role}"
        );
        assert_eq!(b.get("/newsroom/").await?.status(), 303, "{role}");
    }
    Ok(())
});

backend_test!(newsroom_pages_are_never_cached, |app| {
    let story = app.article("A public story").publish().await?;
    let path = app.path_of(&story).await?;
    let anonymous = app.get(&path).await?;
    let etag = anonymous.headers()["etag"].clone();
    assert!(anonymous.headers().get("set-cookie").is_none());
    let b = app.login_as(Role::Editor).await?;
    let (pages_before, _) = app.state.cache.usage();
    for p in [
        "/newsroom/",
        "/newsroom/password",
        "/newsroom/users",
        "/newsroom/sign-in",
    ] {
        let res = b.get(p).await?;
        // Refusals (an editor may not see /newsroom/users) are error pages: no-store too.
        let cc = res.headers()["cache-control"].to_str()?.to_owned();
        assert!(cc.starts_with("no-store"), "{p}: {cc}");
        assert!(res.headers().get("etag").is_none(), "{p}");
    }
    let res = app.browser().get("/newsroom/sign-in").await?;
    assert_eq!(res.headers()["cache-control"], "no-store, private");
    assert_eq!(
        app.state.cache.usage().0,
        pages_before,
        "a newsroom page was cached"
    );
    // A signed-in reader page is the very same page (reader pages never vary by cookie) and
    // sets no cookie.
    let signed_in = b.get(&path).await?;
    assert_eq!(signed_in.headers()["etag"], etag);
    assert!(signed_in.headers().get("set-cookie").is_none());
    let body = signed_in.text().await?;
    assert!(!body.contains("Test editor"));
    assert!(!body.contains(&b.csrf));
    Ok(())
});

backend_test!(the_dashboard_lists_stories_by_status, |app| {
    let contributor = app.login_as(Role::Contributor).await?;
    let me = app
        .store
        .account(contributor.account.as_ref().expect("in").id)
        .await?;
    let person = app.store.person_by_slug(me.slug.as_str()).await?;
    let other = app.person("other", "Other Writer").await?;
    app.article("My own draft").author(&person).draft().await?;
    app.article("Someone else's draft")
        .author(&other)
        .draft()
        .await?;
    let mine = app
        .article("My story for review")
        .author(&person)
        .draft()
        .await?;
    app.store.submit_article(mine.id, app.clock.now()).await?;
    let theirs = app
        .article("Their story for review")
        .author(&other)
        .draft()
        .await?;
    app.store.submit_article(theirs.id, app.clock.now()).await?;
    let later = app
        .article("Tomorrow's story")
        .author(&other)
        .draft()
        .await?;
    app.store
        .schedule_article(
            later.id,
            app.clock.now() + SignedDuration::from_hours(20),
            app.clock.now(),
        )
        .await?;
    app.article("Already out").author(&other).publish().await?;

    let dash = contributor.page("/newsroom/", 200).await?;
    assert_eq!(dash.texts("#my-drafts .nr-headline"), ["My own draft"]);
    assert_eq!(
        dash.texts("#in-review .nr-headline"),
        ["My story for review"]
    );
    assert_eq!(dash.text("#scheduled .nr-empty"), "Nothing is scheduled.");
    assert_eq!(dash.texts("#published .nr-headline"), ["Already out"]);
    assert!(dash.has("#published a[href^='/world/']"));

    let editor = app.login_as(Role::Editor).await?;
    let dash = editor.page("/newsroom/", 200).await?;
    assert_eq!(dash.text("#my-drafts .nr-empty"), "You have no drafts.");
    assert_eq!(dash.all("#in-review .nr-headline").len(), 2);
    assert_eq!(dash.texts("#scheduled .nr-headline"), ["Tomorrow's story"]);
    assert!(dash.text("#scheduled .nr-meta").contains("Scheduled for"));
    Ok(())
});

backend_test!(newsroom_search_finds_stories_in_every_status, |app| {
    let contributor = app.login_as(Role::Contributor).await?;
    let me = app
        .store
        .account(contributor.account.as_ref().expect("in").id)
        .await?;
    let person = app.store.person_by_slug(me.slug.as_str()).await?;
    let other = app.person("other", "Other Writer").await?;
    app.article("Harbour draft of mine")
        .author(&person)
        .draft()
        .await?;
    app.article("Someone else's draft")
        .body("The HARBOUR closes at dusk; 100% of berths_full.\n")
        .author(&other)
        .draft()
        .await?;
    let review = app
        .article("Quay repairs")
        .standfirst("The harbour wall is mended.")
        .author(&other)
        .draft()
        .await?;
    app.store.submit_article(review.id, app.clock.now()).await?;
    app.article("Harbour reopens")
        .author(&other)
        .publish()
        .await?;
    let gone = app
        .article("Harbour scandal")
        .author(&other)
        .publish()
        .await?;
    app.store
        .withdraw_article(gone.id, "Legal.", app.clock.now())
        .await?;
    app.search_caught_up().await?;

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // An editor finds every story with the word, in any status and any case, with its status.
    let editor = app.login_as(Role::Editor).await?;
    let page = editor.page("/newsroom/search?q=harbour", 200).await?;
    assert_eq!(
        sorted(page.texts("#results .nr-headline")),
        [
            "Harbour draft of mine",
            "Harbour reopens",
            "Harbour scandal",
            "Quay repairs",
            "Someone else's draft"
        ]
    );
    assert!(page.has("#results li[data-status=withdrawn]"));
    assert!(page.has("#results li[data-status=in_review]"));
    assert!(page.has("#results li[data-status=published] a[href^='/world/']"));
    // A status narrows it; LIKE's wildcards are plain characters.
    let page = editor
        .page("/newsroom/search?q=harbour&status=draft", 200)
        .await?;
    assert_eq!(
        sorted(page.texts("#results .nr-headline")),
        ["Harbour draft of mine", "Someone else's draft"]
    );
    let page = editor.page("/newsroom/search?q=100%25", 200).await?;
    assert_eq!(
        page.texts("#results .nr-headline"),
        ["Someone else's draft"]
    );
    let page = editor.page("/newsroom/search?q=berths_", 200).await?;
    assert_eq!(
        page.texts("#results .nr-headline"),
        ["Someone else's draft"]
    );
    let page = editor.page("/newsroom/search?q=h%25r", 200).await?;
    assert_eq!(
        page.text("#results .nr-empty"),
        "No story matches. Try fewer words, or another status."
    );
    // A contributor finds published stories and only their own unpublished ones.
    let page = contributor.page("/newsroom/search?q=harbour", 200).await?;
    assert_eq!(
        sorted(page.texts("#results .nr-headline")),
        ["Harbour draft of mine", "Harbour reopens"]
    );
    // Bad input is a clear 400.
    let (status, body) = status_of(editor.get("/newsroom/search?q=x&status=lost").await?).await?;
    assert_eq!(status, 400);
    assert!(body.contains("There is no story status"), "{body}");
    let long = "a".repeat(1001);
    let (status, _) = status_of(editor.get(&format!("/newsroom/search?q={long}")).await?).await?;
    assert_eq!(status, 400);
    Ok(())
});

backend_test!(admins_add_people_and_change_roles, |app| {
    let admin = app.login_as(Role::Admin).await?;
    let res = admin
        .submit(
            "/newsroom/users",
            &[
                ("email", "New.Person@Example.com"),
                ("name", "New Person"),
                ("role", "author"),
                ("password", "a first password"),
            ],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/users?done=added");
    let page = admin.page("/newsroom/users?done=added", 200).await?;
    assert_eq!(page.text(".nr-notice"), "The account has been added.");
    assert!(page.text("table").contains("new.person@example.com"));
    let fresh: Browser = app.browser();
    assert_eq!(
        fresh
            .sign_in("new.person@example.com", "a first password")
            .await?
            .status(),
        303
    );

    for (fields, status, message) in [
        (
            [
                ("email", "NEW.person@example.com"),
                ("name", "Again"),
                ("role", "author"),
                ("password", "a first password"),
            ],
            409,
            "An account with the email new.person@example.com already exists.",
        ),
        (
            [
                ("email", "x@example.com"),
                ("name", "X"),
                ("role", "boss"),
                ("password", "a first password"),
            ],
            422,
            "Unknown role \"boss\": use contributor, author, moderator, editor or admin.",
        ),
        (
            [
                ("email", "nope"),
                ("name", "X"),
                ("role", "author"),
                ("password", "a first password"),
            ],
            422,
            "\"nope\" is not an email address.",
        ),
        (
            [
                ("email", "y@example.com"),
                ("name", "Y"),
                ("role", "author"),
                ("password", "short"),
            ],
            422,
            "The password must have at least 10 characters.",
        ),
    ] {
        let (got, body) = status_of(admin.submit("/newsroom/users", &fields).await?).await?;
        assert_eq!(got, status, "{message}");
        let page = Page::parse(&body);
        assert_eq!(page.text(".nr-error"), message);
        // What was typed is kept (but never the password).
        assert_eq!(page.attr("#add-name", "value"), fields[1].1);
        assert!(page.one("#add-password").value().attr("value").is_none());
    }
    let new = app
        .store
        .account_by_email(&Email::parse("new.person@example.com")?)
        .await?;
    let res = admin
        .submit(
            &format!("/newsroom/users/{}/role", new.id),
            &[("role", "editor")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.account(new.id).await?.role, Role::Editor);
    let res = admin
        .submit(
            &format!("/newsroom/users/{}/role", new.id),
            &[("role", "boss")],
        )
        .await?;
    assert_eq!(res.status(), 400);
    let res = admin
        .submit("/newsroom/users/999999/role", &[("role", "editor")])
        .await?;
    assert_eq!(res.status(), 404);
    Ok(())
});

backend_test!(the_api_knows_who_is_asking, |app| {
    // No session, no token: 401 JSON.
    let body = app.json("/api/v1/me", 401).await?;
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(body["message"], "Sign in to continue.");
    // With a session cookie.
    let b = app.login_as(Role::Author).await?;
    let res = b.get("/api/v1/me").await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store, private");
    let me: serde_json::Value = res.json().await?;
    assert_eq!(me["email"], "author@example.com");
    assert_eq!(me["role"], "author");
    assert!(
        me["may"]
            .as_array()
            .is_some_and(|m| m.contains(&"publish_story".into()))
    );
    assert!(
        !me["may"]
            .as_array()
            .is_some_and(|m| m.contains(&"manage_people".into()))
    );
    // With an API token, stored hashed; revoked or disabled, it is refused.
    let owner = b.account.clone().expect("signed in");
    let token = dateline_web::newsroom::credentials::new_token()?;
    let hash = dateline_web::newsroom::credentials::token_hash(token.expose());
    let stored = app
        .store
        .create_api_token(owner.id, &hash, "test", app.clock.now())
        .await?;
    let call = |t: String| {
        app.client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("Bearer {t}"))
            .send()
    };
    let res = call(token.expose().clone()).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await?["name"],
        "Test author"
    );
    assert_eq!(call("not-a-token".to_owned()).await?.status(), 401);
    app.store
        .set_disabled(owner.id, true, dateline_store::ApiTokens::Keep)
        .await?;
    assert_eq!(call(token.expose().clone()).await?.status(), 401);
    app.store
        .set_disabled(owner.id, false, dateline_store::ApiTokens::Keep)
        .await?;
    app.store
        .revoke_api_token(owner.id, stored.id, app.clock.now())
        .await?;
    assert_eq!(call(token.expose().clone()).await?.status(), 401);
    // A token never works on the newsroom's forms (they need a session and its form token).
    let res = app
        .client
        .post(app.url("/newsroom/sign-out"))
        .header("authorization", format!("Bearer {}", token.expose()))
        .form(&[("csrf", "")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/newsroom/sign-in"));
    Ok(())
});

backend_test!(people_manage_their_own_api_tokens, |app| {
    let b = app.login_as(Role::Contributor).await?;
    let page = b.page("/newsroom/tokens", 200).await?;
    assert_eq!(page.text(".nr-empty"), "You have no API tokens.");
    let res = b
        .submit("/newsroom/tokens", &[("label", "wire import")])
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store, private");
    let page = Page::parse(&res.text().await?);
    let token = page.attr("#new-token", "value");
    assert_eq!(token.len(), 43);
    let me = async |t: &str| {
        app.client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("Bearer {t}"))
            .send()
            .await
    };
    assert_eq!(me(&token).await?.status(), 200);
    // Shown once: the list never shows it again.
    let list = b.get("/newsroom/tokens").await?.text().await?;
    assert!(!list.contains(&token));
    let page = Page::parse(&list);
    assert_eq!(page.text("tbody th"), "wire import");
    let revoke = page.attr("tbody form", "action");
    // Someone else cannot revoke it, nor a form without the token.
    let other = app.login_as(Role::Editor).await?;
    assert_eq!(other.submit(&revoke, &[]).await?.status(), 404);
    assert_eq!(b.post(&revoke, &[]).await?.status(), 403);
    assert_eq!(me(&token).await?.status(), 200);
    let res = b.submit(&revoke, &[]).await?;
    assert_eq!(res.status(), 303);
    assert_eq!(me(&token).await?.status(), 401);
    let page = b.page("/newsroom/tokens?done=revoked", 200).await?;
    assert_eq!(page.text(".nr-notice"), "The token has been revoked.");
    assert!(page.text("tbody td:last-child").starts_with("Revoked"));
    Ok(())
});
