//! Live audio across nodes: several applications on one PostgreSQL database, as `dateline
//! serve` runs on each machine of a site. A source goes to one node; listeners of the others
//! get it through a relay that pulls it from that node with the relay password.
//!
//! Real sources (ffmpeg), raw TCP listeners that check every MP3 frame and ICY block, and the
//! status JSON; every wait is for an event or a polled condition, bounded in time.

use crate::backend_test;
use crate::live::base64_auth::basic;
use crate::live::{
    PASSWORD, RawListener, deinterleave, ffmpeg_source, frames_from_start, hub_until, mount,
    on_air, port, within,
};
use anyhow::{Context, ensure};
use dateline_core::secret::Secret;
use dateline_testkit::{TestApp, TestBackend};
use dateline_web::Options;
use dateline_web::live::LiveOptions;
use std::time::Duration;
use tokio::net::TcpStream;

const RELAY_PASSWORD: &str = "nodes-only-secret";
const MOUNT: &str = "/live/news.mp3";

fn node_options(relay_password: Option<&str>) -> Options {
    Options {
        live: LiveOptions {
            relay_password: relay_password.map(|p| Secret::new(p.to_owned())),
            ..LiveOptions::default()
        },
        ..Options::default()
    }
}

/// The first node of a site on a fresh PostgreSQL database, with the relay password.
async fn first_node() -> anyhow::Result<TestApp> {
    TestApp::start_with_options(TestBackend::Postgres, node_options(Some(RELAY_PASSWORD))).await
}

async fn set_title(app: &TestApp, title: &str) -> anyhow::Result<()> {
    let res = app
        .client
        .get(app.url(&format!(
            "/admin/metadata?mount={MOUNT}&mode=updinfo&song={}",
            title.replace(' ', "+")
        )))
        .basic_auth("source", Some(PASSWORD))
        .send()
        .await?;
    ensure!(res.status() == 200, "metadata update: {}", res.status());
    Ok(())
}

/// A listener that takes ICY blocks, reading until a block carries `title`; returns the
/// audio it got, checked to be whole MP3 frames from the first byte.
async fn hears_title(app: &TestApp, title: &str) -> anyhow::Result<Vec<u8>> {
    let mut l = RawListener::connect(app, MOUNT, true).await?;
    ensure!(l.status == 200, "listener refused with {}", l.status);
    let metaint: usize = l.header("icy-metaint").context("no icy-metaint")?.parse()?;
    let mut want = metaint + 1;
    loop {
        l.read_until(want).await?;
        let (audio, titles) = deinterleave(&l.body, metaint)?;
        if titles.iter().any(|t| t == title) {
            ensure!(frames_from_start(&audio)? > 20, "too few frames");
            return Ok(audio);
        }
        ensure!(
            want < 12 * metaint,
            "no block with {title:?} in {want} bytes (titles {titles:?})"
        );
        want += metaint + 1;
    }
}

/// Wait until `MOUNT`'s source row names `node` (None: no node holds it; its source ended
/// and the row was cleared). A node writes its row just after its hub takes the source.
async fn source_row_is(app: &TestApp, node: Option<&str>) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let far_past = "2000-01-01T00:00:00Z".parse()?;
    while app
        .store
        .live_source_node(&mount(MOUNT), far_past)
        .await?
        .map(|row| row.node_url)
        .as_deref()
        != node
    {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the source row never named {node:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listener_on_another_node_hears_the_source_and_its_title() -> anyhow::Result<()> {
    let a = first_node().await?;
    // Added before the other nodes start, as an operator would: a node loads every mount at
    // start (one added later is learnt at its first request).
    a.live_mount(MOUNT, PASSWORD, |m| m.burst_bytes = 32 * 1024)
        .await?;
    let b = a
        .another_node_with(node_options(Some(RELAY_PASSWORD)))
        .await?;
    let _ffmpeg = ffmpeg_source(&a, MOUNT, PASSWORD, 440, 30)?;
    on_air(&a, MOUNT).await?;
    // The node with the source says so in the database.
    source_row_is(&a, Some(&a.base)).await?;
    set_title(&a, "Polls close").await?;

    hears_title(&b, "Polls close").await?;

    // B relays it: on air there, from A; A counts the relay apart from its listeners.
    let m = mount(MOUNT);
    hub_until(&a, "A to count one relay", |h| {
        h.mount_status(&m).is_some_and(|s| s.relays == 1)
    })
    .await?;
    let status_a = a.json("/api/v1/live", 200).await?;
    let on_a = &status_a["mounts"][0];
    assert_eq!(on_a["relays"], 1);
    assert_eq!(on_a["listeners"], 0, "a relay is not a listener: {on_a}");
    let status_b = b.json("/api/v1/live", 200).await?;
    let on_b = &status_b["mounts"][0];
    assert_eq!(on_b["on_air"], true);
    assert_eq!(on_b["source"]["relayed_from"], a.base.as_str());
    assert_eq!(on_b["source"]["title"], "Polls close");
    assert_eq!(on_b["source"]["name"], "Test FM");
    // Icecast's status on A shows only real listeners.
    let icecast = a.json("/status-json.xsl", 200).await?;
    assert_eq!(icecast["icestats"]["source"]["listeners"], 0);
    // A second source for the mount, on B, is refused: A has it.
    let second = ffmpeg_source(&b, MOUNT, PASSWORD, 880, 5)?;
    let err = crate::live::refused(second).await?;
    assert!(err.contains("403"), "ffmpeg said: {err}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relays_need_the_relay_password_and_take_no_listener_place() -> anyhow::Result<()> {
    let a = first_node().await?;
    a.live_mount(MOUNT, PASSWORD, |m| m.max_listeners = Some(1))
        .await?;
    let closed = a.another_node_with(node_options(None)).await?;
    let _ffmpeg = ffmpeg_source(&a, MOUNT, PASSWORD, 440, 30)?;
    on_air(&a, MOUNT).await?;
    let relay_get = |app: &TestApp, password: &str| {
        let auth = format!("Authorization: {}\r\n", basic("relay", password));
        let p = port(app);
        async move {
            let stream = TcpStream::connect(("127.0.0.1", p)).await?;
            RawListener::request_with(stream, "GET", MOUNT, true, &auth).await
        }
    };
    let wrong = relay_get(&a, "guess").await?;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("www-authenticate").is_some());
    // A node without a relay password serves no relays at all.
    let nothing = relay_get(&closed, RELAY_PASSWORD).await?;
    assert_eq!(nothing.status, 401);

    // The one listener place is taken; a relay still gets in and is not counted.
    let mut listener = RawListener::connect(&a, MOUNT, false).await?;
    assert_eq!(listener.status, 200);
    let full = RawListener::connect(&a, MOUNT, false).await?;
    assert_eq!(full.status, 403);
    let mut relay = relay_get(&a, RELAY_PASSWORD).await?;
    assert_eq!(relay.status, 200);
    assert!(relay.header("icy-metaint").is_some());
    relay.read_until(20_000).await?;
    listener.read_until(20_000).await?;
    let m = mount(MOUNT);
    hub_until(&a, "one listener and one relay", |h| {
        h.mount_status(&m)
            .is_some_and(|s| s.listeners == 1 && s.relays == 1)
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_the_source_moves_relays_follow_it_to_its_new_node() -> anyhow::Result<()> {
    let a = first_node().await?;
    a.live_mount(MOUNT, PASSWORD, |m| m.burst_bytes = 32 * 1024)
        .await?;
    let b = a
        .another_node_with(node_options(Some(RELAY_PASSWORD)))
        .await?;
    let c = a
        .another_node_with(node_options(Some(RELAY_PASSWORD)))
        .await?;
    let mut on_a = ffmpeg_source(&a, MOUNT, PASSWORD, 440, 30)?;
    on_air(&a, MOUNT).await?;
    source_row_is(&a, Some(&a.base)).await?;
    set_title(&a, "From A").await?;
    let mut listener = RawListener::connect(&c, MOUNT, false).await?;
    assert_eq!(listener.status, 200);
    listener.read_until(20_000).await?;

    // The source leaves A: C's relay ends its listener's stream cleanly, as a source's end
    // does, and A clears its row.
    on_a.kill().await?;
    listener.read_to_end().await?;
    frames_from_start(&listener.body)?;
    source_row_is(&a, None).await?;

    // The source comes back on B. C's listener reconnects and hears B through C's relay; a
    // listener on A (which no longer has it) hears B too.
    let _on_b = ffmpeg_source(&b, MOUNT, PASSWORD, 660, 30)?;
    on_air(&b, MOUNT).await?;
    source_row_is(&a, Some(&b.base)).await?;
    set_title(&b, "From B").await?;
    within("C's listener to hear B", hears_title(&c, "From B")).await??;
    within("A's listener to hear B", hears_title(&a, "From B")).await??;
    let status = c.json("/api/v1/live", 200).await?;
    assert_eq!(
        status["mounts"][0]["source"]["relayed_from"],
        b.base.as_str()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_nobody_listens_to_stops_after_its_linger() -> anyhow::Result<()> {
    let a = first_node().await?;
    let mut quick = node_options(Some(RELAY_PASSWORD));
    quick.live.relay_linger = Duration::from_millis(500);
    a.live_mount(MOUNT, PASSWORD, |_| {}).await?;
    let b = a.another_node_with(quick).await?;
    let _ffmpeg = ffmpeg_source(&a, MOUNT, PASSWORD, 440, 30)?;
    on_air(&a, MOUNT).await?;
    source_row_is(&a, Some(&a.base)).await?;
    let mut listener = RawListener::connect(&b, MOUNT, false).await?;
    assert_eq!(listener.status, 200);
    listener.read_until(10_000).await?;
    let m = mount(MOUNT);
    hub_until(&a, "A to serve B's relay", |h| {
        h.mount_status(&m).is_some_and(|s| s.relays == 1)
    })
    .await?;
    drop(listener);
    hub_until(&a, "B's relay to hang up", |h| {
        h.mount_status(&m).is_some_and(|s| s.relays == 0)
    })
    .await?;
    hub_until(&b, "B to go off air", |h| !h.on_air(&m)).await?;
    Ok(())
}

backend_test!(
    source_rows_are_claimed_renewed_released_and_go_stale,
    |app| {
        let path = mount(MOUNT);
        let t0: jiff::Timestamp = "2026-03-10T12:00:00Z".parse()?;
        let stale = jiff::SignedDuration::from_secs(15);
        let at = |secs: i64| t0 + jiff::SignedDuration::from_secs(secs);
        let store = &app.store;
        assert!(
            store
                .claim_live_source(&path, "http://a:1", t0, t0 - stale)
                .await?
        );
        // Another node cannot take a mount whose holder is alive, and sees who holds it.
        assert!(
            !store
                .claim_live_source(&path, "http://b:1", at(5), at(5) - stale)
                .await?
        );
        let row = store
            .live_source_node(&path, at(5) - stale)
            .await?
            .context("row")?;
        assert_eq!((row.node_url.as_str(), row.since), ("http://a:1", t0));
        // The holder renews; a node that does not hold it cannot.
        assert!(store.renew_live_source(&path, "http://a:1", at(10)).await?);
        assert!(!store.renew_live_source(&path, "http://b:1", at(10)).await?);
        // A holder that stops renewing (a killed node) counts as gone after the staleness limit,
        // and another node may then take the mount.
        assert!(
            store
                .live_source_node(&path, at(26) - stale)
                .await?
                .is_none()
        );
        assert!(
            store
                .claim_live_source(&path, "http://b:1", at(26), at(26) - stale)
                .await?
        );
        // The old holder's release does not remove the new holder's row; the new one's does.
        store.release_live_source(&path, "http://a:1").await?;
        assert!(
            store
                .live_source_node(&path, at(26) - stale)
                .await?
                .is_some()
        );
        store.release_live_source(&path, "http://b:1").await?;
        assert!(store.live_source_node(&path, t0).await?.is_none());
        Ok(())
    }
);

backend_test!(
    relay_upstreams_are_stored_and_shown_without_passwords,
    |app| {
        let upstream = dateline_core::live::Upstream::parse("http://relay:pw@127.0.0.1:8000/s")?;
        app.live_mount(MOUNT, PASSWORD, |m| m.relay_from = Some(upstream.clone()))
            .await?;
        let stored = app.store.live_mount(&mount(MOUNT)).await?;
        assert_eq!(stored.relay_from.as_ref(), Some(&upstream));
        assert_eq!(
            stored.relay_from.map(|u| u.to_string()).as_deref(),
            Some("http://***@127.0.0.1:8000/s")
        );
        // Removing the mount removes its source row too.
        let now = app.clock.now();
        app.store
            .claim_live_source(&mount(MOUNT), "http://a:1", now, now)
            .await?;
        app.store.delete_live_mount(&mount(MOUNT)).await?;
        assert!(
            app.store
                .live_source_node(&mount(MOUNT), now)
                .await?
                .is_none()
        );
        Ok(())
    }
);
