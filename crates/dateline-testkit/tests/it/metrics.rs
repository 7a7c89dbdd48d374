//! Metrics (issue 19): `/metrics` on a listener of its own, scraped over HTTP after real
//! requests and parsed as Prometheus text. Counts move with requests, hits of the page cache
//! included; requests are labelled by route template, never by raw path; the public port has
//! no `/metrics`; every answer carries an `X-Request-Id`.

use crate::*;
use std::collections::BTreeMap;

/// One sample line: its name and labels as written, e.g.
/// `dateline_http_requests_total{method="GET",route="/",status="2xx"}`.
type Samples = BTreeMap<String, f64>;

/// Serve the application's metrics on a port of their own, as `--metrics-listen` does.
async fn metrics_listener(app: &TestApp) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let routes = dateline_web::metrics::routes(app.state.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, routes).await;
    });
    Ok((format!("http://{addr}/metrics"), task))
}

/// Scrape and parse: every sample, by its name and labels (labels in the order written).
async fn scrape(client: &reqwest::Client, url: &str) -> anyhow::Result<Samples> {
    let res = client.get(url).send().await?;
    anyhow::ensure!(res.status() == 200, "GET {url}: {}", res.status());
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    anyhow::ensure!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "content type {content_type}"
    );
    parse(&res.text().await?)
}

/// The Prometheus text format: `# HELP`/`# TYPE` comments, then `name{labels} value` lines.
fn parse(text: &str) -> anyhow::Result<Samples> {
    let mut samples = Samples::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| anyhow::anyhow!("no value in {line:?}"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .map_err(|e| anyhow::anyhow!("value of {line:?}: {e}"))?,
        };
        anyhow::ensure!(
            samples.insert(series.to_owned(), value).is_none(),
            "{series} twice"
        );
    }
    Ok(samples)
}

fn value(samples: &Samples, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

backend_test!(metrics_count_requests_by_route_template, |app| {
    let (url, server) = metrics_listener(&app).await?;
    let client = reqwest::Client::new();
    let world = app.section("world", "World").await?;
    let story = app
        .article("Harbour strike ends after talks")
        .section(&world)
        .body("Dock workers returned on Monday.\n")
        .publish()
        .await?;
    let path = app.path_of(&story).await?;
    let article = "dateline_http_requests_total{method=\"GET\",\
                   route=\"/{section}/{year}/{month}/{day}/{slug}/\",status=\"2xx\"}";
    let before = scrape(&client, &url).await?;
    // A miss, then hits of the page cache (answered before the router runs).
    for _ in 0..3 {
        let res = app.get(&path).await?;
        assert_eq!(res.status(), 200);
        let id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "request id {id:?}"
        );
    }
    assert_eq!(app.get("/tags/no-such-tag/").await?.status(), 404);
    // No route matches it (the fallback answers: a 404, or a 301 adding the final slash).
    let unmatched = app.get("/nowhere/at/all").await?.status().as_u16();
    let unmatched = format!(
        "dateline_http_requests_total{{method=\"GET\",route=\"unmatched\",status=\"{}xx\"}}",
        unmatched / 100
    );
    let after = scrape(&client, &url).await?;
    assert_eq!(value(&after, article) - value(&before, article), 3.0);
    let histogram_count = "dateline_http_request_duration_seconds_count{method=\"GET\",\
                           route=\"/{section}/{year}/{month}/{day}/{slug}/\",status=\"2xx\"}";
    assert_eq!(value(&after, histogram_count), value(&after, article));
    // Routed 404s keep their template; requests no route matched share one label.
    assert!(
        value(
            &after,
            "dateline_http_requests_total{method=\"GET\",route=\"/tags/{tag}/\",status=\"4xx\"}"
        ) >= 1.0
    );
    assert!(value(&after, &unmatched) >= 1.0, "{after:#?}");
    // No raw path ever becomes a label.
    for series in after.keys() {
        assert!(
            !series.contains("harbour-strike") && !series.contains("no-such-tag"),
            "a raw path in {series}"
        );
    }
    // The page cache: two of the three were hits.
    assert!(
        value(&after, "dateline_page_cache_hits_total")
            - value(&before, "dateline_page_cache_hits_total")
            >= 2.0
    );
    assert!(value(&after, "dateline_page_cache_misses_total") >= 1.0);
    assert!(value(&after, "dateline_page_cache_entries") >= 1.0);
    assert!(value(&after, "dateline_page_cache_bytes") > 0.0);
    // The database answered the scrape's ping (timed as the store call it is); the index
    // has caught up or nearly.
    assert!(
        value(
            &after,
            "dateline_store_query_duration_seconds_count{query=\"schema_check\"}"
        ) >= 1.0
    );
    app.search_caught_up().await?;
    let caught_up = scrape(&client, &url).await?;
    assert_eq!(value(&caught_up, "dateline_search_index_lag_writes"), 0.0);
    // Process figures, on Linux.
    assert!(value(&after, "process_resident_memory_bytes") > 0.0);
    assert!(value(&after, "process_start_time_seconds") > 0.0);
    assert!(value(&after, "process_open_fds") > 0.0);
    // Never on the public port.
    for path in ["/metrics", "/metrics/"] {
        let res = app.get(path).await?;
        let status = res.status();
        let body = res.text().await?;
        assert!(
            status != 200 && !body.contains("dateline_http_requests_total"),
            "{path} on the public port: {status}"
        );
    }
    server.abort();
    Ok(())
});

backend_test!(store_calls_are_timed_by_method, |app| {
    let (url, server) = metrics_listener(&app).await?;
    let client = reqwest::Client::new();
    let world = app.section("world", "World").await?;
    let story = app
        .article("Ferry timetable changes for winter")
        .section(&world)
        .body("Fewer crossings from November.\n")
        .publish()
        .await?;
    let path = app.path_of(&story).await?;
    let count = |q: &str| format!("dateline_store_query_duration_seconds_count{{query=\"{q}\"}}");
    let sum = |q: &str| format!("dateline_store_query_duration_seconds_sum{{query=\"{q}\"}}");
    let before = scrape(&client, &url).await?;
    // The story's page renders through `article_page`, the front page through `front_page`.
    assert_eq!(app.get(&path).await?.status(), 200);
    let after_story = scrape(&client, &url).await?;
    let story_calls =
        value(&after_story, &count("article_page")) - value(&before, &count("article_page"));
    assert!(story_calls >= 1.0, "the story's render was not timed");
    assert!(value(&after_story, &sum("article_page")) > 0.0);
    // Kept pages are answered without the store: the front page's calls are no more than its
    // renders (cache misses), however often it is read.
    for _ in 0..5 {
        assert_eq!(app.get("/").await?.status(), 200);
    }
    let after = scrape(&client, &url).await?;
    let front_calls =
        value(&after, &count("front_page")) - value(&after_story, &count("front_page"));
    let renders = value(&after, "dateline_page_cache_misses_total")
        - value(&after_story, "dateline_page_cache_misses_total");
    let hits = value(&after, "dateline_page_cache_hits_total")
        - value(&after_story, "dateline_page_cache_hits_total");
    assert!(front_calls >= 1.0, "the front page's render was not timed");
    assert!(
        front_calls <= renders && hits >= 1.0,
        "{front_calls} front_page calls for {renders} renders and {hits} hits"
    );
    // The buckets add up: the +Inf bucket counts every call.
    assert_eq!(
        value(
            &after,
            "dateline_store_query_duration_seconds_bucket{query=\"front_page\",le=\"+Inf\"}"
        ),
        value(&after, &count("front_page"))
    );
    server.abort();
    Ok(())
});

backend_test!(metrics_show_the_job_queue_and_live_mounts, |app| {
    let (url, server) = metrics_listener(&app).await?;
    let client = reqwest::Client::new();
    // A job no node runs (no handler has its kind): it waits in the queue.
    app.raw_sql(
        "INSERT INTO jobs (kind, payload, run_at, attempts, max_attempts, again, created_at) \
         VALUES ('test.unhandled', '{}', 0, 0, 5, 0, 0)",
    )
    .await?;
    app.raw_sql(
        "INSERT INTO jobs (kind, payload, run_at, attempts, max_attempts, again, failed_at, \
         last_error, created_at) VALUES ('test.unhandled', '{}', 0, 5, 5, 0, 1, 'no', 0)",
    )
    .await?;
    // A mount as the hub holds it once configured (a source or a listener configures it
    // from the store in a running node).
    app.state
        .live
        .hub()
        .configure(dateline_live::MountConfig::new(
            dateline_core::live::MountPath::parse("/live/radio.mp3")?,
            dateline_core::live::AudioFormat::Mp3,
        ));
    let samples = scrape(&client, &url).await?;
    assert_eq!(
        value(
            &samples,
            "dateline_jobs{kind=\"test.unhandled\",state=\"pending\"}"
        ),
        1.0,
        "{samples:#?}"
    );
    assert_eq!(
        value(
            &samples,
            "dateline_jobs{kind=\"test.unhandled\",state=\"failed\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            "dateline_live_listeners{mount=\"/live/radio.mp3\"}"
        ),
        0.0
    );
    assert!(samples.contains_key("dateline_live_sources{mount=\"/live/radio.mp3\"}"));
    assert!(samples.contains_key("dateline_build_info{version=\"0.1.0\"}"));
    server.abort();
    Ok(())
});

/// Mail and job outcomes: with the SMTP server down, a reader's verification mail fails and
/// waits for its retry (a failed mail, a retried run, a pending job); with the server back,
/// it is sent (a sent mail, a finished run).
async fn metrics_count_mail_and_job_outcomes(
    backend: dateline_testkit::TestBackend,
) -> anyhow::Result<()> {
    use dateline_testkit::MailSink;
    let port = dateline_testkit::mail::free_port()?;
    let mut app = TestApp::start_with_smtp_port(backend, port).await?;
    let (url, server) = metrics_listener(&app).await?;
    let client = reqwest::Client::new();
    let retried = "dateline_job_runs_total{kind=\"mail.send\",outcome=\"retried\"}";
    let finished = "dateline_job_runs_total{kind=\"mail.send\",outcome=\"finished\"}";
    let a = app.article("Harbour reopens").publish().await?;
    app.reader("Nadia", a.id).await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let down = loop {
        let samples = scrape(&client, &url).await?;
        if value(&samples, retried) >= 1.0 {
            break samples;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no retried mail run within 30 s: {samples:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(value(&down, "dateline_mail_failed_total") >= 1.0);
    assert_eq!(value(&down, "dateline_mail_sent_total"), 0.0);
    assert_eq!(
        value(&down, "dateline_jobs{kind=\"mail.send\",state=\"pending\"}"),
        1.0,
        "{down:#?}"
    );
    // The server comes back; the retry is due two seconds (of the site's clock) later.
    app.mail = Some(MailSink::start_on(port).await?);
    app.clock
        .set(dateline_testkit::start_time() + jiff::SignedDuration::from_secs(2));
    assert_eq!(app.mail_to("nadia@readers.example", 1).await?.len(), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let up = loop {
        let samples = scrape(&client, &url).await?;
        if value(&samples, finished) >= 1.0 {
            break samples;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no finished mail run within 30 s: {samples:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(value(&up, "dateline_mail_sent_total") >= 1.0);
    assert_eq!(
        value(&up, "dateline_jobs{kind=\"mail.send\",state=\"failed\"}"),
        0.0
    );
    server.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_mail_and_job_outcomes_sqlite() -> anyhow::Result<()> {
    metrics_count_mail_and_job_outcomes(dateline_testkit::TestBackend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_mail_and_job_outcomes_postgres() -> anyhow::Result<()> {
    metrics_count_mail_and_job_outcomes(dateline_testkit::TestBackend::Postgres).await
}
