//! The account store on both backends: case-insensitive unique emails, byline slugs, sessions
//! (expiry, disabled accounts, ending them), sign-in failure counts and the newsroom's desk
//! lists.

use crate::*;
use dateline_core::account::Email;
use dateline_core::article::Status;
use dateline_core::permissions::Role;
use dateline_store::{DeskFilter, NewAccount, StoreError};

fn new_account(email: &str, name: &str, role: Role) -> anyhow::Result<NewAccount> {
    Ok(NewAccount {
        email: Email::parse(email)?,
        name: name.to_owned(),
        role,
        password_hash: "$argon2id$not-a-real-hash".to_owned(),
    })
}

backend_test!(emails_are_unique_whatever_their_case, |app| {
    let now = app.clock.now();
    let a = app
        .store
        .create_account(
            new_account("Amira@Example.com", "Amira Haddad", Role::Author)?,
            now,
        )
        .await?;
    assert_eq!(a.email.as_str(), "amira@example.com");
    assert_eq!(a.slug.as_str(), "amira-haddad");
    let again = app
        .store
        .create_account(
            new_account("AMIRA@example.COM", "Someone Else", Role::Admin)?,
            now,
        )
        .await;
    assert!(
        matches!(&again, Err(StoreError::Taken(f)) if f == "email"),
        "{again:?}"
    );
    // A namesake gets a slug of their own.
    let b = app
        .store
        .create_account(
            new_account("amira2@example.com", "Amira Haddad", Role::Editor)?,
            now,
        )
        .await?;
    assert_eq!(b.slug.as_str(), "amira-haddad-2");
    let found = app
        .store
        .account_by_email(&Email::parse(" amira@EXAMPLE.com")?)
        .await?;
    assert_eq!(found.id, a.id);
    let listed: Vec<_> = app
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| a.email)
        .collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(app.store.active_admins().await?, 0);
    app.store.set_role(b.id, Role::Admin).await?;
    assert_eq!(app.store.active_admins().await?, 1);
    app.store
        .set_disabled(b.id, true, dateline_store::ApiTokens::Keep)
        .await?;
    assert_eq!(app.store.active_admins().await?, 0);
    Ok(())
});

backend_test!(sessions_expire_and_end_with_the_account, |app| {
    let now = app.clock.now();
    let a = app
        .store
        .create_account(
            new_account("sam@example.com", "Sam Reed", Role::Editor)?,
            now,
        )
        .await?;
    let expires = now + SignedDuration::from_hours(1);
    app.store
        .create_session(a.id, "hash-one", "csrf-one", now, expires)
        .await?;
    app.store
        .create_session(a.id, "hash-two", "csrf-two", now, expires)
        .await?;
    let s = app.store.session("hash-one", now).await?;
    assert_eq!(s.account.id, a.id);
    assert_eq!(s.csrf_token, "csrf-one");
    assert!(matches!(
        app.store.session("hash-one", expires).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        app.store.session("unknown", now).await,
        Err(StoreError::NotFound)
    ));
    app.store.end_session("hash-one").await?;
    assert!(app.store.session("hash-one", now).await.is_err());
    assert!(app.store.session("hash-two", now).await.is_ok());
    app.store
        .set_disabled(a.id, true, dateline_store::ApiTokens::Keep)
        .await?;
    assert!(app.store.session("hash-two", now).await.is_err());
    assert!(app.store.sessions_of(a.id, now).await?.is_empty());
    // A new password ends every session too.
    app.store
        .set_disabled(a.id, false, dateline_store::ApiTokens::Keep)
        .await?;
    app.store
        .create_session(a.id, "hash-three", "csrf", now, expires)
        .await?;
    app.store
        .set_password_hash(
            a.id,
            "$argon2id$other".to_owned(),
            dateline_store::ApiTokens::Keep,
        )
        .await?;
    assert!(app.store.session("hash-three", now).await.is_err());
    Ok(())
});

backend_test!(sign_in_failures_are_counted_per_subject, |app| {
    let t0 = app.clock.now();
    let t1 = t0 + SignedDuration::from_mins(1);
    app.store
        .record_login_failure(&["account:a@example.com", "address:10.0.0.1"], t0, t0)
        .await?;
    app.store
        .record_login_failure(&["account:a@example.com"], t1, t0)
        .await?;
    assert_eq!(
        app.store
            .login_failures("account:a@example.com", t0)
            .await?,
        (2, Some(t0))
    );
    assert_eq!(
        app.store
            .login_failures("account:a@example.com", t1)
            .await?,
        (1, Some(t1))
    );
    assert_eq!(
        app.store.login_failures("address:10.0.0.1", t0).await?,
        (1, Some(t0))
    );
    app.store
        .clear_login_failures("account:a@example.com")
        .await?;
    assert_eq!(
        app.store
            .login_failures("account:a@example.com", t0)
            .await?,
        (0, None)
    );
    Ok(())
});

backend_test!(desk_lists_stories_by_status_and_byline, |app| {
    let me = app.person("me", "Me Writer").await?;
    let other = app.person("other", "Other Writer").await?;
    let mine = app.article("My draft").author(&me).draft().await?;
    app.article("Their draft").author(&other).draft().await?;
    let review = app.article("For review").author(&other).draft().await?;
    app.store.submit_article(review.id, app.clock.now()).await?;
    let later = app.article("Later").author(&me).draft().await?;
    app.store
        .schedule_article(
            later.id,
            app.clock.now() + SignedDuration::from_hours(2),
            app.clock.now(),
        )
        .await?;
    let published = app.article("Out now").author(&me).publish().await?;
    let desk = |status, author| DeskFilter {
        status,
        author,
        limit: 10,
    };
    let headlines = |items: Vec<dateline_store::DeskItem>| {
        items.into_iter().map(|i| i.headline).collect::<Vec<_>>()
    };
    assert_eq!(
        headlines(app.store.desk(desk(Status::Draft, Some(me.id))).await?),
        ["My draft"]
    );
    assert_eq!(app.store.desk(desk(Status::Draft, None)).await?.len(), 2);
    assert_eq!(
        headlines(app.store.desk(desk(Status::InReview, None)).await?),
        ["For review"]
    );
    let scheduled = app.store.desk(desk(Status::Scheduled, None)).await?;
    assert_eq!(scheduled[0].headline, "Later");
    assert!(scheduled[0].scheduled_for.is_some());
    let out = app.store.desk(desk(Status::Published, None)).await?;
    assert_eq!(out[0].path, Some(app.path_of(&published).await?));
    assert_eq!(out[0].authors[0].name, "Me Writer");
    assert_eq!(mine.status, Status::Draft);
    Ok(())
});
