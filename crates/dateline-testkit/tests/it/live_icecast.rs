//! Icecast 2 interop both ways, with the real server (Debian's `icecast2`, run as this user
//! with a configuration written into a temporary folder, on 127.0.0.1): Dateline relays a
//! mount Icecast serves, and Icecast's `<relay>` pulls a Dateline mount. ffmpeg is the source
//! and raw TCP listeners check the MP3 frames at the far end.

use crate::live::{
    PASSWORD, RawListener, deinterleave, ffmpeg_source, ffmpeg_to, frames_from_start, hub_until,
    mount, on_air, port, within,
};
use anyhow::{Context, bail, ensure};
use dateline_core::live::Upstream;
use dateline_core::secret::Secret;
use dateline_live::format::mp3_frame_len;
use dateline_testkit::{TestApp, TestBackend};
use dateline_web::Options;
use dateline_web::live::LiveOptions;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

const ICECAST_SOURCE_PASSWORD: &str = "icecast-source";
const ICECAST_ADMIN_PASSWORD: &str = "icecast-admin";
const RELAY_PASSWORD: &str = "nodes-and-icecast";

/// An Icecast 2 server of this test's own; killed when dropped.
struct Icecast {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Icecast {
    /// Start `icecast2` with `extra` inside `<icecast>` (relays, mounts), and wait until it
    /// answers on its port. The port is free when chosen but not held: another test's server
    /// can take it before Icecast binds it (Icecast then exits, and the other server answers),
    /// so an answer counts only from a running Icecast, and a lost port is tried again with
    /// another, three times at most.
    async fn start(extra: &str) -> anyhow::Result<Self> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(extra).await {
                Ok(icecast) => return Ok(icecast),
                Err(e) if attempt >= 3 => return Err(e.context("after three ports")),
                Err(_) => continue,
            }
        }
    }

    async fn start_once(extra: &str) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        // A port the kernel just gave out and nobody holds; Icecast binds it next.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // Icecast writes its logs after dropping to nobody (when started as root).
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).await?;
        let config = config(dir.path(), port, extra);
        let path = dir.path().join("icecast.xml");
        tokio::fs::write(&path, config).await?;
        let child = Command::new("icecast2")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting icecast2 (scripts/install-deps installs it)")?;
        let mut icecast = Self {
            port,
            child,
            _dir: dir,
        };
        let url = icecast.url("/status-json.xsl");
        poll("Icecast to answer", || async {
            Ok(reqwest::get(&url).await.is_ok_and(|r| {
                r.status() == 200
                    && r.headers()
                        .get(reqwest::header::SERVER)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("Icecast"))
            }))
        })
        .await?;
        anyhow::ensure!(
            icecast.child.try_wait()?.is_none(),
            "icecast2 exited (its port {port} was taken)"
        );
        Ok(icecast)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn config(dir: &Path, port: u16, extra: &str) -> String {
    let dir = dir.display();
    format!(
        r#"<icecast>
    <limits><sources>4</sources><source-timeout>10</source-timeout></limits>
    <authentication>
        <source-password>{ICECAST_SOURCE_PASSWORD}</source-password>
        <relay-password>{ICECAST_ADMIN_PASSWORD}</relay-password>
        <admin-user>admin</admin-user>
        <admin-password>{ICECAST_ADMIN_PASSWORD}</admin-password>
    </authentication>
    <hostname>127.0.0.1</hostname>
    <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
    <fileserve>1</fileserve>
    <paths>
        <basedir>{dir}</basedir>
        <logdir>{dir}</logdir>
        <webroot>/usr/share/icecast2/web</webroot>
        <adminroot>/usr/share/icecast2/admin</adminroot>
    </paths>
    <logging>
        <accesslog>access.log</accesslog>
        <errorlog>error.log</errorlog>
        <loglevel>3</loglevel>
    </logging>
    <security>
        <chroot>0</chroot>
        <!-- Icecast refuses to run as root: as root it drops to nobody after binding (it only
             warns otherwise). -->
        <changeowner><user>nobody</user><group>nogroup</group></changeowner>
    </security>
{extra}
</icecast>
"#
    )
}

/// Poll `check` every 50 ms until it holds, for at most 20 seconds.
async fn poll<F, Fut>(what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    within(what, async {
        loop {
            if check().await? {
                return Ok::<(), anyhow::Error>(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await?
}

/// Whole MP3 frames from the first frame on (a server's stream may start mid-frame): the
/// first offset where two frames follow each other, then every frame after it.
fn frames_after_sync(data: &[u8]) -> anyhow::Result<usize> {
    let frame_at = |at: usize| {
        data.get(at..at + 4)
            .and_then(|h| mp3_frame_len([h[0], h[1], h[2], h[3]]))
    };
    let start = (0..data.len().min(8192))
        .find(|&at| frame_at(at).is_some_and(|len| frame_at(at + len).is_some()))
        .context("no MP3 frame sync in the stream")?;
    frames_from_start(&data[start..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dateline_relays_a_mount_icecast_serves() -> anyhow::Result<()> {
    let icecast = Icecast::start("").await?;
    let status = icecast.url("/status-json.xsl");
    // The source is the peer's set-up, not what is tested: on a loaded machine (the whole
    // suite on two cores) ffmpeg's first connection has missed the 20 s wait once in a few
    // runs, so a source that has not arrived is started again, three times at most.
    let mut attempt = 0;
    let _ffmpeg = loop {
        attempt += 1;
        let mut ffmpeg = ffmpeg_to(
            &format!(
                "icecast://source:{ICECAST_SOURCE_PASSWORD}@127.0.0.1:{}/wire.mp3",
                icecast.port
            ),
            440,
            30,
        )?;
        let arrived = poll("Icecast to have the source", || async {
            // Icecast 2.4's status JSON is not always valid JSON (an empty title is printed
            // as `"title": -`): look for the mount's URL in its text.
            let text = match reqwest::get(&status).await {
                Ok(res) => res.text().await.unwrap_or_default(),
                Err(_) => return Ok(false),
            };
            Ok(text.contains("/wire.mp3"))
        })
        .await;
        match arrived {
            Ok(()) => break ffmpeg,
            Err(e) if attempt >= 3 => return Err(e.context("after three ffmpeg sources")),
            Err(_) => {
                ffmpeg.kill().await.ok();
            }
        }
    };
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let upstream = Upstream::parse(&icecast.url("/wire.mp3"))?;
    let wire = app
        .live_mount("/live/wire.mp3", PASSWORD, |m| {
            m.relay_from = Some(upstream);
        })
        .await?;
    // As the next start would load it: the front door then serves its listeners raw
    // (HTTP/1.0, as Icecast does); a mount added while running is served through axum,
    // chunked, until then.
    app.state
        .live
        .hub()
        .configure(dateline_live::MountConfig::from(&wire));
    // Nothing is pulled before a listener asks (on demand).
    assert!(!app.state.live.hub().on_air(&mount("/live/wire.mp3")));
    let res = reqwest::Client::new()
        .get(icecast.url("/admin/metadata?mount=/wire.mp3&mode=updinfo&song=Wire+copy+at+noon"))
        .basic_auth("admin", Some(ICECAST_ADMIN_PASSWORD))
        .send()
        .await?;
    ensure!(
        res.status() == 200,
        "Icecast's metadata update: {}",
        res.status()
    );

    let mut l = RawListener::connect(&app, "/live/wire.mp3", true).await?;
    assert_eq!(l.status, 200);
    let metaint: usize = l.header("icy-metaint").context("icy-metaint")?.parse()?;
    l.read_until(3 * (metaint + 1)).await?;
    let (audio, titles) = deinterleave(&l.body, metaint)?;
    assert!(frames_from_start(&audio)? > 50);
    assert!(
        titles.iter().any(|t| t == "Wire copy at noon"),
        "titles: {titles:?}"
    );
    let live = app.json("/api/v1/live", 200).await?;
    assert_eq!(
        live["mounts"][0]["source"]["relayed_from"],
        icecast.url("/wire.mp3")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn icecast_relays_a_dateline_mount() -> anyhow::Result<()> {
    let options = Options {
        live: LiveOptions {
            relay_password: Some(Secret::new(RELAY_PASSWORD.to_owned())),
            ..LiveOptions::default()
        },
        ..Options::default()
    };
    let app = TestApp::start_with_options(TestBackend::Sqlite, options).await?;
    app.live_mount("/live/radio.mp3", PASSWORD, |_| {}).await?;
    let _ffmpeg = ffmpeg_source(&app, "/live/radio.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/radio.mp3").await?;
    let relay = format!(
        "<relay><server>127.0.0.1</server><port>{}</port><mount>/live/radio.mp3</mount>\
         <local-mount>/radio.mp3</local-mount><username>relay</username>\
         <password>{RELAY_PASSWORD}</password><relay-shoutcast-metadata>1</relay-shoutcast-metadata>\
         <on-demand>0</on-demand></relay>",
        port(&app)
    );
    let icecast = Icecast::start(&relay).await?;
    // Icecast took it as a relay: not a listener of Dateline's.
    let m = mount("/live/radio.mp3");
    hub_until(&app, "Icecast's relay to connect", |h| {
        h.mount_status(&m)
            .is_some_and(|s| s.relays == 1 && s.listeners == 0)
    })
    .await?;
    // Icecast answers 404 until its relay has the stream.
    let mut l = within("Icecast to serve the relayed mount", async {
        loop {
            let l = RawListener::connect_port(icecast.port, "/radio.mp3", false).await?;
            match l.status {
                200 => return Ok::<_, anyhow::Error>(l),
                404 => tokio::time::sleep(Duration::from_millis(50)).await,
                other => bail!("Icecast answered {other}"),
            }
        }
    })
    .await??;
    l.read_until(40_000).await?;
    assert!(frames_after_sync(&l.body)? > 50);
    Ok(())
}
