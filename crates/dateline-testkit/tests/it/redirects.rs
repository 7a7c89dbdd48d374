//! Where `next` parameters may send a browser after signing in, registering, signing out or
//! asking for a verification mail: only to a path of this site, whatever tricks the parameter
//! holds (issue 22). Every answer's `Location` is resolved the way a browser resolves it.

use crate::*;
use dateline_core::permissions::Role;
use dateline_testkit::TEST_PASSWORD;

/// Ways past a hand-written check of `next`: control characters browsers drop, backslashes
/// they read as slashes, other hosts, userinfo, look-alike hosts and script addresses.
const BYPASSES: &[&str] = &[
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "\t//evil.example/",
    "//evil.example/",
    "\\\\evil.example/",
    "/\\evil.example/",
    "\\/evil.example/",
    "\\/\\/evil.example/",
    "%2f%2fevil.example/",
    "/%2f%2fevil.example/",
    "///evil.example/",
    "/.//evil.example/",
    "/x/..//evil.example/",
    "/@evil.example",
    "//user@evil.example/",
    "https:evil.example",
    "https://evil.example/",
    "//ｅｖｉｌ.example/",
    "//evil。example/",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
];

/// Assert that a 303's `Location` leads to this site, exactly as a browser would follow it.
fn stays_on_site(app: &TestApp, res: &reqwest::Response, what: &str) -> anyhow::Result<String> {
    assert_eq!(res.status(), 303, "{what}");
    let to = location(res);
    let base = reqwest::Url::parse(&app.base)?;
    let followed = base.join(&to)?;
    assert_eq!(followed.origin(), base.origin(), "{what}: Location {to:?}");
    assert!(
        to.starts_with('/') && !to.starts_with("//") && !to.contains(['\t', '\n', '\r', '\\']),
        "{what}: Location {to:?}"
    );
    Ok(to)
}

backend_test!(issue_22_reader_sign_in_never_redirects_off_site, |app| {
    let a = app.article("Harbour reopens").publish().await?;
    let reader = app.reader("Nadia", a.id).await?;
    let email = "nadia@readers.example";
    // The report's case, through the real sign-in form: a tab before the second slash.
    for next in [
        "/\t/evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
    ] {
        let b = app.browser();
        let form = b.page("/readers/sign-in", 200).await?;
        let token = form.attr("input[name=form_token]", "value");
        let res = b
            .post(
                "/readers/sign-in",
                &[
                    ("email", email),
                    ("password", TEST_PASSWORD),
                    ("form_token", &token),
                    ("next", next),
                ],
            )
            .await?;
        assert_eq!(stays_on_site(&app, &res, next)?, "/", "{next:?}");
    }
    // The form keeps a good `next` and drops a bad one.
    let page = app
        .page("/readers/sign-in?next=/%09/evil.example/", 200)
        .await?;
    assert_eq!(page.attr("input[name=next]", "value"), "/");
    let good = format!("/discussion/{}/", a.id);
    let page = app
        .page(&format!("/readers/sign-in?next={good}"), 200)
        .await?;
    assert_eq!(page.attr("input[name=next]", "value"), good);
    // Signing out, without a session and with one.
    for next in BYPASSES {
        let res = app
            .browser()
            .post("/readers/sign-out", &[("next", next), ("csrf", "")])
            .await?;
        stays_on_site(&app, &res, next)?;
    }
    let res = reader
        .post(
            "/readers/sign-out",
            &[("next", "/\t/evil.example/"), ("csrf", &reader.csrf)],
        )
        .await?;
    assert_eq!(stays_on_site(&app, &res, "signed in")?, "/");
    // A good path of the site survives, absolute or not, and the newsroom is never a target.
    for (next, to) in [
        (good.clone(), good.clone()),
        (
            format!("{}{good}?page=2", app.base),
            format!("{good}?page=2"),
        ),
        ("/newsroom/users".to_owned(), "/".to_owned()),
        ("/x/../newsroom/".to_owned(), "/".to_owned()),
    ] {
        let res = app
            .browser()
            .post("/readers/sign-out", &[("next", &next), ("csrf", "")])
            .await?;
        assert_eq!(stays_on_site(&app, &res, &next)?, to, "{next:?}");
    }
    Ok(())
});

backend_test!(
    issue_22_reader_registration_never_redirects_off_site,
    |app| {
        for (i, next) in ["/\t/evil.example/", "/\n/evil.example/", "//evil.example/"]
            .into_iter()
            .enumerate()
        {
            let b = app.browser();
            let form = b.page("/readers/register", 200).await?;
            let token = form.attr("input[name=form_token]", "value");
            let email = format!("reader{i}@readers.example");
            let res = b
                .post(
                    "/readers/register",
                    &[
                        ("name", &format!("Reader {i}")),
                        ("email", &email),
                        ("password", TEST_PASSWORD),
                        ("form_token", &token),
                        ("next", next),
                    ],
                )
                .await?;
            assert_eq!(stays_on_site(&app, &res, next)?, "/", "{next:?}");
        }
        Ok(())
    }
);

backend_test!(
    issue_22_verification_resend_never_redirects_off_site,
    |app| {
        // Without a session the resend goes to the sign-in page, carrying only a checked `next`.
        for next in BYPASSES {
            let res = app
                .browser()
                .post("/readers/verify/resend", &[("next", next), ("csrf", "")])
                .await?;
            let to = stays_on_site(&app, &res, next)?;
            let url = reqwest::Url::parse(&app.base)?.join(&to)?;
            assert_eq!(url.path(), "/readers/sign-in", "{next:?}");
            let carried = url
                .query_pairs()
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let base = reqwest::Url::parse(&app.base)?;
            assert_eq!(
                base.join(&carried)?.origin(),
                base.origin(),
                "{next:?} → {carried:?}"
            );
            assert!(!carried.starts_with("//"), "{next:?} → {carried:?}");
        }
        Ok(())
    }
);

backend_test!(issue_22_newsroom_sign_in_never_redirects_off_site, |app| {
    let editor = app.login_as(Role::Editor).await?;
    // Signed in already: the sign-in page sends the browser straight on.
    for next in BYPASSES
        .iter()
        .copied()
        .chain(["/newsroom/..//evil.example/"])
    {
        let mut url = reqwest::Url::parse(&app.url("/newsroom/sign-in"))?;
        url.query_pairs_mut().append_pair("next", next);
        let path = format!("/newsroom/sign-in?{}", url.query().unwrap_or(""));
        let res = editor.get(&path).await?;
        assert_eq!(stays_on_site(&app, &res, next)?, "/newsroom/", "{next:?}");
    }
    let res = editor.get("/newsroom/sign-in?next=/newsroom/users").await?;
    assert_eq!(stays_on_site(&app, &res, "users")?, "/newsroom/users");
    // A tab inside a newsroom path is dropped, as the browser would: still the newsroom.
    let res = editor
        .get("/newsroom/sign-in?next=/newsroom/%09/evil.example/")
        .await?;
    assert_eq!(
        stays_on_site(&app, &res, "tab")?,
        "/newsroom//evil.example/"
    );
    // Through the form.
    let author = app.account(Role::Author).await?;
    let b = app.browser();
    let form = b.page("/newsroom/sign-in", 200).await?;
    let token = form.attr("input[name=form_token]", "value");
    let res = b
        .post(
            "/newsroom/sign-in",
            &[
                ("email", author.email.as_str()),
                ("password", TEST_PASSWORD),
                ("form_token", &token),
                ("next", "/newsroom/..//evil.example/"),
            ],
        )
        .await?;
    assert_eq!(stays_on_site(&app, &res, "form")?, "/newsroom/");
    Ok(())
});
