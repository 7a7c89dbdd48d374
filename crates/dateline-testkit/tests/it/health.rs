//! Health probes: `/livez` and `/readyz` answer plain text, are never cached, and `/readyz`
//! turns 503 with a reason when the node shuts down or its database is gone.

use crate::*;

async fn probe(app: &TestApp, path: &str) -> anyhow::Result<(u16, String, String)> {
    let res = app.get(path).await?;
    let status = res.status().as_u16();
    let cache = res
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    Ok((status, cache, res.text().await?))
}

backend_test!(livez_and_readyz_answer_ok_and_are_never_cached, |app| {
    for _ in 0..2 {
        assert_eq!(
            probe(&app, "/livez").await?,
            (200, "no-store".to_owned(), "ok".to_owned())
        );
        assert_eq!(
            probe(&app, "/readyz").await?,
            (200, "no-store".to_owned(), "ready".to_owned())
        );
    }
    Ok(())
});

backend_test!(readyz_answers_503_once_shutdown_begins, |app| {
    app.state.health.begin_shutdown();
    assert_eq!(
        probe(&app, "/readyz").await?,
        (
            503,
            "no-store".to_owned(),
            "not ready: shutting down".to_owned()
        )
    );
    // The process still answers: only readiness changes.
    assert_eq!(probe(&app, "/livez").await?.0, 200);
    Ok(())
});

backend_test!(
    readyz_answers_503_without_secrets_when_the_database_is_gone,
    |app| {
        app.store.close().await;
        let (status, cache, body) = probe(&app, "/readyz").await?;
        assert_eq!((status, cache.as_str()), (503, "no-store"), "{body}");
        assert!(
            body.starts_with("not ready: database unreachable: "),
            "{body}"
        );
        let url = &app.database_url;
        assert!(!body.contains(url.as_str()), "{body}");
        if let Some(password) = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .and_then(|(creds, _)| creds.split_once(':'))
            .map(|(_, password)| password)
        {
            assert!(!body.contains(password), "{body}");
        }
        assert_eq!(probe(&app, "/livez").await?.0, 200);
        Ok(())
    }
);
