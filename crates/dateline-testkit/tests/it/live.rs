//! Listen Live's server side with the real tools: ffmpeg and ezstream push audio the way
//! broadcasters do, raw TCP listeners check every byte, and the Icecast-compatible calls
//! (`/admin/metadata`, `/status-json.xsl`) answer as Icecast does. Streaming tests run on
//! SQLite only (the store is touched once per source connect); mount storage runs on both.
//!
//! Every wait is for an event (a hub change, bytes arriving, a process exiting) and bounded in
//! time; nothing sleeps to synchronise.

use crate::backend_test;
use anyhow::{Context, bail, ensure};
use dateline_core::live::{AudioFormat, MountPath};
use dateline_live::format::mp3_frame_len;
use dateline_store::StoreError;
use dateline_testkit::{TestApp, TestBackend};
use std::collections::HashMap;
use std::future::Future;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, Command};

pub(crate) const PASSWORD: &str = "hackme";

/// Fail instead of hanging when an awaited event never comes.
pub(crate) async fn within<T>(what: &str, f: impl Future<Output = T>) -> anyhow::Result<T> {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .map_err(|_| anyhow::anyhow!("timed out waiting for {what}"))
}

pub(crate) fn port(app: &TestApp) -> u16 {
    app.base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn mount(path: &str) -> MountPath {
    MountPath::parse(path).expect("valid mount path")
}

/// `ffmpeg` pushing a generated tone to `path` in real time, as broadcasters do
/// (`-f mp3 icecast://…`).
pub(crate) fn ffmpeg_source(
    app: &TestApp,
    path: &str,
    password: &str,
    hz: u32,
    seconds: u32,
) -> anyhow::Result<Child> {
    let url = format!("icecast://source:{password}@127.0.0.1:{}{path}", port(app));
    ffmpeg_to(&url, hz, seconds)
}

/// `ffmpeg` pushing a generated tone to an `icecast://` URL (Dateline or Icecast itself).
pub(crate) fn ffmpeg_to(url: &str, hz: u32, seconds: u32) -> anyhow::Result<Child> {
    Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-re",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("sine=frequency={hz}:sample_rate=44100"))
        .args(["-t", &seconds.to_string()])
        .args([
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            "-content_type",
            "audio/mpeg",
        ])
        .args([
            "-ice_name",
            "Test FM",
            "-ice_genre",
            "News",
            "-ice_description",
            "A test tone",
        ])
        .args(["-f", "mp3"])
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting ffmpeg (scripts/install-deps installs it)")
}

/// `seconds` of a tone as an MP3 file's bytes, made by ffmpeg.
async fn mp3_tone(hz: u32, seconds: u32) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("sine=frequency={hz}:sample_rate=44100"))
        .args([
            "-t",
            &seconds.to_string(),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            "-f",
            "mp3",
            "-",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("running ffmpeg")?;
    ensure!(out.status.success(), "ffmpeg failed");
    Ok(out.stdout)
}

/// Wait for a source client to exit and return its stderr; it must fail.
pub(crate) async fn refused(child: Child) -> anyhow::Result<String> {
    let out = within("the source client to give up", child.wait_with_output()).await??;
    ensure!(!out.status.success(), "the source client was not refused");
    Ok(String::from_utf8_lossy(&out.stderr).into_owned())
}

pub(crate) async fn on_air(app: &TestApp, path: &str) -> anyhow::Result<()> {
    let p = mount(path);
    within(
        &format!("{path} to go on air"),
        app.state
            .live
            .hub()
            .wait_until(|h| h.mount_status(&p).is_some_and(|s| s.source.is_some())),
    )
    .await
}

pub(crate) async fn hub_until(
    app: &TestApp,
    what: &str,
    check: impl FnMut(&dateline_live::Hub) -> bool,
) -> anyhow::Result<()> {
    within(what, app.state.live.hub().wait_until(check)).await
}

/// A listener speaking raw HTTP over TCP, as a radio player does.
pub(crate) struct RawListener {
    pub(crate) status: u16,
    headers: HashMap<String, String>,
    pub(crate) body: Vec<u8>,
    stream: TcpStream,
}

impl RawListener {
    /// A listener of another server on 127.0.0.1 (Icecast).
    pub(crate) async fn connect_port(port: u16, path: &str, icy: bool) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        Self::request(stream, "GET", path, icy).await
    }

    pub(crate) async fn connect(app: &TestApp, path: &str, icy: bool) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port(app))).await?;
        Self::request(stream, "GET", path, icy).await
    }

    /// Connect with a tiny receive buffer (so a listener that stops reading stalls fast).
    async fn connect_small(app: &TestApp, path: &str) -> anyhow::Result<Self> {
        let socket = TcpSocket::new_v4()?;
        socket.set_recv_buffer_size(4096)?;
        let stream = socket.connect(([127, 0, 0, 1], port(app)).into()).await?;
        Self::request(stream, "GET", path, false).await
    }

    pub(crate) async fn request(
        stream: TcpStream,
        method: &str,
        path: &str,
        icy: bool,
    ) -> anyhow::Result<Self> {
        Self::request_with(stream, method, path, icy, "").await
    }

    /// [`RawListener::request`] with `extra` header lines (each ending in `\r\n`).
    pub(crate) async fn request_with(
        mut stream: TcpStream,
        method: &str,
        path: &str,
        icy: bool,
        extra: &str,
    ) -> anyhow::Result<Self> {
        let meta = if icy { "Icy-MetaData: 1\r\n" } else { "" };
        stream
            .write_all(
                format!(
                    "{method} {path} HTTP/1.1\r\nHost: test\r\nUser-Agent: raw-test\r\n{meta}{extra}\r\n"
                )
                .as_bytes(),
            )
            .await?;
        let mut buf = Vec::new();
        let end = within("a response head", async {
            loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    return Ok::<usize, anyhow::Error>(i + 4);
                }
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    bail!(
                        "closed before the head ended: {:?}",
                        String::from_utf8_lossy(&buf)
                    );
                }
                buf.extend_from_slice(&chunk[..n]);
            }
        })
        .await??;
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("status line {status_line:?}"))?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Ok(Self {
            status,
            headers,
            body: buf[end..].to_vec(),
            stream,
        })
    }

    pub(crate) fn stream_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// Read until the body holds at least `n` bytes.
    pub(crate) async fn read_until(&mut self, n: usize) -> anyhow::Result<()> {
        let stream = &mut self.stream;
        let body = &mut self.body;
        within(&format!("{n} bytes of audio"), async {
            let mut chunk = vec![0u8; 16 * 1024];
            while body.len() < n {
                let got = stream.read(&mut chunk).await?;
                if got == 0 {
                    bail!("the stream ended after {} bytes", body.len());
                }
                body.extend_from_slice(&chunk[..got]);
            }
            Ok(())
        })
        .await?
    }

    /// Read until the server closes the stream; an error (a reset) is not a clean end.
    pub(crate) async fn read_to_end(&mut self) -> anyhow::Result<()> {
        let stream = &mut self.stream;
        let body = &mut self.body;
        within("the stream to end", stream.read_to_end(body)).await??;
        Ok(())
    }
}

/// Check that `data` is whole MP3 frames from its first byte (an ID3 tag may come first), the
/// last one possibly cut short; return how many frames.
pub(crate) fn frames_from_start(data: &[u8]) -> anyhow::Result<usize> {
    let mut at = 0;
    if data.starts_with(b"ID3") && data.len() >= 10 {
        let size = data[6..10]
            .iter()
            .fold(0usize, |a, &b| (a << 7) | usize::from(b));
        at = 10 + size;
    }
    let mut frames = 0;
    while at + 4 <= data.len() {
        let len = mp3_frame_len([data[at], data[at + 1], data[at + 2], data[at + 3]])
            .with_context(|| format!("no MP3 frame at byte {at} (after {frames} frames)"))?;
        at += len;
        frames += 1;
    }
    Ok(frames)
}

/// Two listeners' bytes are cuts of one stream: where they overlap they are identical, and
/// they overlap by at least `min` bytes.
fn same_stream(a: &[u8], b: &[u8], min: usize) -> anyhow::Result<()> {
    let (early, late) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let probe = &late[..late.len().min(64)];
    let offset = early
        .windows(probe.len())
        .position(|w| w == probe)
        .context("the listeners' streams do not overlap")?;
    let overlap = (early.len() - offset).min(late.len());
    ensure!(overlap >= min, "only {overlap} bytes in common");
    ensure!(
        early[offset..offset + overlap] == late[..overlap],
        "the listeners got different bytes"
    );
    Ok(())
}

/// Split an ICY stream into audio and the titles of its non-empty metadata blocks.
pub(crate) fn deinterleave(
    stream: &[u8],
    metaint: usize,
) -> anyhow::Result<(Vec<u8>, Vec<String>)> {
    let mut audio = Vec::new();
    let mut titles = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        let n = metaint.min(stream.len() - at);
        audio.extend_from_slice(&stream[at..at + n]);
        at += n;
        if at >= stream.len() {
            break;
        }
        let len = usize::from(stream[at]) * 16;
        if at + 1 + len > stream.len() {
            break; // the last block was cut by the end of the read
        }
        let block = &stream[at + 1..at + 1 + len];
        at += 1 + len;
        if len > 0 {
            let text = std::str::from_utf8(block)?.trim_end_matches('\0');
            let title = text
                .strip_prefix("StreamTitle='")
                .and_then(|t| t.strip_suffix("';"))
                .with_context(|| format!("not a StreamTitle block: {text:?}"))?;
            titles.push(title.to_owned());
        }
    }
    Ok((audio, titles))
}

/// A source speaking raw HTTP: `PUT` with `Expect: 100-continue`, as ffmpeg does, but with the
/// test choosing when each byte goes.
async fn raw_source(
    app: &TestApp,
    path: &str,
    password: &str,
) -> anyhow::Result<(TcpStream, String)> {
    raw_source_from(app, [127, 0, 0, 1], path, password).await
}

/// [`raw_source`] from another loopback address (`127.0.0.2`, …), as another client.
async fn raw_source_from(
    app: &TestApp,
    from: [u8; 4],
    path: &str,
    password: &str,
) -> anyhow::Result<(TcpStream, String)> {
    use base64_auth::basic;
    let socket = TcpSocket::new_v4()?;
    socket.bind((from, 0).into())?;
    let mut s = socket.connect(([127, 0, 0, 1], port(app)).into()).await?;
    s.write_all(
        format!(
            "PUT {path} HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\nContent-Type: audio/mpeg\r\n\
             Expect: 100-continue\r\nIce-Name: Raw FM\r\nIce-Bitrate: 128\r\n\r\n",
            basic("source", password)
        )
        .as_bytes(),
    )
    .await?;
    let mut answer = Vec::new();
    within("the source's answer", async {
        let mut chunk = [0u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
        Ok::<_, anyhow::Error>(())
    })
    .await??;
    Ok((s, String::from_utf8_lossy(&answer).into_owned()))
}

/// Just enough Base64 for a Basic `Authorization` header.
pub(crate) mod base64_auth {
    pub fn basic(user: &str, password: &str) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let input = format!("{user}:{password}").into_bytes();
        let mut out = String::from("Basic ");
        for c in input.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= c.len() {
                    out.push(char::from(A[(n >> (18 - 6 * i)) as usize & 63]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ffmpeg_source_reaches_several_listeners_byte_for_byte() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |_| {}).await?;
    let _ffmpeg = ffmpeg_source(&app, "/live/test.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/test.mp3").await?;
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(RawListener::connect(&app, "/live/test.mp3", false).await?);
    }
    for l in &mut listeners {
        assert_eq!(l.status, 200);
        assert_eq!(l.header("content-type"), Some("audio/mpeg"));
        assert_eq!(l.header("icy-name"), Some("Test FM"));
        assert_eq!(l.header("icy-genre"), Some("News"));
        assert_eq!(l.header("icy-description"), Some("A test tone"));
        assert_eq!(l.header("icy-metaint"), None);
        l.read_until(40_000).await?;
    }
    for l in &listeners {
        // The burst starts on a frame (or at the stream's ID3 tag) and frames run unbroken.
        assert!(frames_from_start(&l.body)? > 50);
    }
    same_stream(&listeners[0].body, &listeners[1].body, 30_000)?;
    same_stream(&listeners[0].body, &listeners[2].body, 30_000)?;
    let status = app.json("/api/v1/live", 200).await?;
    let m = &status["mounts"][0];
    assert_eq!(m["path"], "/live/test.mp3");
    assert_eq!(m["on_air"], true);
    assert_eq!(m["listeners"], 3);
    assert_eq!(m["source"]["name"], "Test FM");
    assert!(
        m["source"]["user_agent"]
            .as_str()
            .is_some_and(|a| a.starts_with("Lavf"))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn icy_listeners_get_metadata_blocks_and_title_changes() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |m| m.burst_bytes = 16_000)
        .await?;
    let _ffmpeg = ffmpeg_source(&app, "/live/test.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/test.mp3").await?;
    let mut l = RawListener::connect(&app, "/live/test.mp3", true).await?;
    assert_eq!(l.header("icy-metaint"), Some("16000"));
    // The first block comes after 16000 audio bytes.
    l.read_until(16_001).await?;
    let wrong = app
        .client
        .get(app.url("/admin/metadata?mount=/live/test.mp3&mode=updinfo&song=Nope"))
        .basic_auth("source", Some("wrong"))
        .send()
        .await?;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    let res = app
        .client
        .get(app.url("/admin/metadata?mount=%2Flive%2Ftest.mp3&mode=updinfo&song=Breaking+News+%E2%80%94+live"))
        .basic_auth("source", Some(PASSWORD))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert!(res.text().await?.contains("<return>1</return>"));
    // Within two more blocks the new title is in the stream.
    let have = l.body.len();
    l.read_until(have + 2 * 16_001 + 64).await?;
    let (audio, titles) = deinterleave(&l.body, 16_000)?;
    assert_eq!(titles.first().map(String::as_str), Some(""));
    assert_eq!(
        titles.last().map(String::as_str),
        Some("Breaking News — live")
    );
    // Removing the blocks leaves an unbroken MP3 stream.
    assert!(frames_from_start(&audio)? > 100);
    let icecast = app.json("/status-json.xsl", 200).await?;
    assert_eq!(
        icecast["icestats"]["source"]["title"],
        "Breaking News — live"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_and_unknown_mounts_are_refused() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |_| {}).await?;
    let err = refused(ffmpeg_source(&app, "/live/test.mp3", "wrong", 440, 5)?).await?;
    assert!(err.contains("401"), "ffmpeg said: {err}");
    let err = refused(ffmpeg_source(&app, "/live/nowhere.mp3", PASSWORD, 440, 5)?).await?;
    assert!(err.contains("404"), "ffmpeg said: {err}");
    let (_, answer) = raw_source(&app, "/live/test.mp3", "wrong").await?;
    assert!(answer.starts_with("HTTP/1.0 401"), "{answer}");
    assert!(answer.contains("WWW-Authenticate: Basic"), "{answer}");
    assert!(
        app.state
            .live
            .hub()
            .mount_status(&mount("/live/test.mp3"))
            .is_none_or(|s| s.source.is_none())
    );
    Ok(())
}

/// How long until a source's wrong passwords are forgotten: `SOURCE_THROTTLE`'s window.
const THROTTLE_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

// Issue 22: source passwords could be guessed at about 500 a minute. Now, past ten wrong ones
// from one address, that address is refused on that mount without any check (even with the
// right password) until the window passes; another address is not affected.
backend_test!(
    issue_22_wrong_source_passwords_are_throttled_per_address,
    |app| {
        use dateline_core::live::SOURCE_THROTTLE;
        assert_eq!(SOURCE_THROTTLE.window, THROTTLE_WINDOW);
        app.live_mount("/live/test.mp3", PASSWORD, |_| {}).await?;
        let guesser = [127, 0, 0, 1];
        for i in 0..SOURCE_THROTTLE.max_failures {
            let (_, answer) =
                raw_source_from(&app, guesser, "/live/test.mp3", &format!("guess{i}")).await?;
            assert!(answer.starts_with("HTTP/1.0 401"), "try {i}: {answer}");
        }
        // Refused unchecked: the right password fares no better from there.
        let (_, answer) = raw_source_from(&app, guesser, "/live/test.mp3", PASSWORD).await?;
        assert!(answer.starts_with("HTTP/1.0 429"), "{answer}");
        assert!(answer.contains("Retry-After: "), "{answer}");
        assert!(answer.contains("Too many wrong passwords"), "{answer}");
        // Nor does the metadata call, which checks the same password.
        let res = app
            .client
            .get(app.url("/admin/metadata?mount=/live/test.mp3&mode=updinfo&song=x"))
            .basic_auth("source", Some(PASSWORD))
            .send()
            .await?;
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
        // The real source, elsewhere, goes on air.
        let (source, answer) =
            raw_source_from(&app, [127, 0, 0, 2], "/live/test.mp3", PASSWORD).await?;
        assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
        on_air(&app, "/live/test.mp3").await?;
        drop(source);
        let p = mount("/live/test.mp3");
        hub_until(&app, "the source to leave", |h| {
            h.mount_status(&p).is_some_and(|s| s.source.is_none())
        })
        .await?;
        // Still refused a moment before the window passes, let in after it.
        app.clock.set(
            dateline_testkit::start_time() + THROTTLE_WINDOW - jiff::SignedDuration::from_secs(5),
        );
        let (_, answer) = raw_source_from(&app, guesser, "/live/test.mp3", PASSWORD).await?;
        assert!(answer.starts_with("HTTP/1.0 429"), "{answer}");
        app.clock.set(
            dateline_testkit::start_time() + THROTTLE_WINDOW + jiff::SignedDuration::from_secs(1),
        );
        let (_source, answer) = raw_source_from(&app, guesser, "/live/test.mp3", PASSWORD).await?;
        assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
        Ok(())
    }
);

/// Issue 22: Argon2 checks queue (a few at a time), so a flood of wrong passwords held the
/// real source up for seconds. A password accepted once is remembered (a keyed digest, per
/// mount), so the source reconnecting with it is let in without waiting for a check.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_22_the_right_source_password_is_not_held_up_by_wrong_ones() -> anyhow::Result<()> {
    let mut options = dateline_web::Options::default();
    // One check at a time: every wrong password in flight queues for it.
    options.live.concurrent_checks = 1;
    let app = TestApp::start_with_options(TestBackend::Sqlite, options).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |_| {}).await?;
    let p = mount("/live/test.mp3");
    // The station connects once (a full check), then drops out for a moment.
    let (source, answer) =
        raw_source_from(&app, [127, 0, 0, 2], "/live/test.mp3", PASSWORD).await?;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    drop(source);
    hub_until(&app, "the source to leave", |h| {
        h.mount_status(&p).is_some_and(|s| s.source.is_none())
    })
    .await?;
    // A flood of wrong passwords (fewer than the throttle's limit, so each is checked).
    const WRONG: usize = 8;
    let (answered_tx, mut answered) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (sent_tx, mut sent) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..WRONG {
        let server = port(&app);
        let (answered_tx, sent_tx) = (answered_tx.clone(), sent_tx.clone());
        flood.spawn(async move {
            let mut s = TcpStream::connect(("127.0.0.1", server)).await?;
            s.write_all(
                format!(
                    "PUT /live/test.mp3 HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\n\
                     Expect: 100-continue\r\n\r\n",
                    base64_auth::basic("source", &format!("wrong{i}"))
                )
                .as_bytes(),
            )
            .await?;
            let _ = sent_tx.send(());
            let mut answer = Vec::new();
            s.read_to_end(&mut answer).await?;
            let _ = answered_tx.send(());
            anyhow::Ok(String::from_utf8_lossy(&answer).into_owned())
        });
    }
    for _ in 0..WRONG {
        within("the wrong passwords to be sent", sent.recv()).await?;
    }
    // Once the first is answered, the others are queued behind the one check.
    within("the first wrong answer", answered.recv()).await?;
    let (_source, answer) =
        raw_source_from(&app, [127, 0, 0, 2], "/live/test.mp3", PASSWORD).await?;
    let mut done = 1;
    while answered.try_recv().is_ok() {
        done += 1;
    }
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    assert!(
        done < WRONG,
        "the right password waited for all {WRONG} wrong ones to be checked"
    );
    while let Some(r) = flood.join_next().await {
        let answer = r??;
        assert!(answer.starts_with("HTTP/1.0 401"), "{answer}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_source_on_a_busy_mount_is_refused() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |_| {}).await?;
    let _first = ffmpeg_source(&app, "/live/test.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/test.mp3").await?;
    let err = refused(ffmpeg_source(&app, "/live/test.mp3", PASSWORD, 880, 5)?).await?;
    assert!(err.contains("403"), "ffmpeg said: {err}");
    let (_, answer) = raw_source(&app, "/live/test.mp3", PASSWORD).await?;
    assert!(answer.starts_with("HTTP/1.0 403"), "{answer}");
    assert!(answer.contains("Mountpoint in use"), "{answer}");
    // The first source is still the one on air.
    let status = app
        .state
        .live
        .hub()
        .mount_status(&mount("/live/test.mp3"))
        .context("mount")?;
    assert!(
        status
            .source
            .is_some_and(|s| s.info.user_agent.is_some_and(|a| a.starts_with("Lavf")))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listeners_move_to_the_fallback_when_the_source_drops() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/backup.mp3", PASSWORD, |_| {}).await?;
    app.live_mount("/live/main.mp3", PASSWORD, |m| {
        m.fallback = Some(mount("/live/backup.mp3"))
    })
    .await?;
    let _backup = ffmpeg_source(&app, "/live/backup.mp3", PASSWORD, 880, 30)?;
    on_air(&app, "/live/backup.mp3").await?;
    let mut main_source = ffmpeg_source(&app, "/live/main.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/main.mp3").await?;
    let mut on_main = RawListener::connect(&app, "/live/main.mp3", false).await?;
    let mut on_backup = RawListener::connect(&app, "/live/backup.mp3", false).await?;
    on_main.read_until(8_000).await?;
    // The main source goes away mid-stream.
    main_source.kill().await?;
    hub_until(&app, "the listener to move to the fallback", |h| {
        h.mount_status(&mount("/live/backup.mp3"))
            .is_some_and(|s| s.listeners == 2)
            && h.mount_status(&mount("/live/main.mp3"))
                .is_some_and(|s| s.listeners == 0 && s.source.is_none())
    })
    .await?;
    let moved_at = on_main.body.len();
    on_main.read_until(moved_at + 20_000).await?;
    // What the moved listener gets now is the backup stream, byte for byte: its latest bytes
    // are in what the backup's own listener receives.
    let tail = on_main.body[on_main.body.len() - 4096..].to_vec();
    within("the backup listener to see the same bytes", async {
        loop {
            if on_backup
                .body
                .windows(tail.len())
                .any(|w| w == tail.as_slice())
            {
                return Ok::<_, anyhow::Error>(());
            }
            let have = on_backup.body.len();
            on_backup.read_until(have + 1).await?;
        }
    })
    .await??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_fallback_the_stream_ends_cleanly() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |_| {}).await?;
    let (mut source, answer) = raw_source(&app, "/live/test.mp3", PASSWORD).await?;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    on_air(&app, "/live/test.mp3").await?;
    let mut listener = RawListener::connect(&app, "/live/test.mp3", false).await?;
    assert_eq!(listener.header("icy-name"), Some("Raw FM"));
    assert_eq!(listener.header("icy-br"), Some("128"));
    let tone = mp3_tone(440, 2).await?;
    source.write_all(&tone).await?;
    source.shutdown().await?;
    drop(source);
    listener.read_to_end().await?;
    // It got every byte the source sent (it joined before any), and then a clean close.
    assert_eq!(listener.body, tone);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_listener_is_dropped_while_the_others_keep_up() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    // The smallest queue, so the slow listener falls out after a few hundred KiB in all.
    app.live_mount("/live/test.mp3", PASSWORD, |m| {
        m.queue_bytes = 16 * 1024;
        m.burst_bytes = 0;
    })
    .await?;
    let tone = mp3_tone(440, 60).await?;
    let (mut source, _) = raw_source(&app, "/live/test.mp3", PASSWORD).await?;
    on_air(&app, "/live/test.mp3").await?;
    let mut fast = vec![
        RawListener::connect(&app, "/live/test.mp3", false).await?,
        RawListener::connect(&app, "/live/test.mp3", false).await?,
    ];
    let mut slow = RawListener::connect_small(&app, "/live/test.mp3").await?;
    let p = mount("/live/test.mp3");
    let mut sent = 0;
    for piece in tone.chunks(8 * 1024) {
        source.write_all(piece).await?;
        sent += piece.len();
        // The fast listeners keep up with every step: all but what the relay holds back to cut
        // whole frames into chunks of at least 8 KiB (under a chunk plus a frame).
        for l in &mut fast {
            l.read_until(sent.saturating_sub(16 * 1024)).await?;
        }
    }
    hub_until(&app, "the slow listener to be dropped", |h| {
        h.mount_status(&p)
            .is_some_and(|s| s.slow_listeners_dropped == 1 && s.listeners == 2)
    })
    .await?;
    source.shutdown().await?;
    drop(source);
    for l in &mut fast {
        l.read_to_end().await?;
        assert_eq!(l.body, tone, "a fast listener lost bytes");
    }
    // The slow one got a prefix and then its connection was closed.
    let _ = within(
        "the slow listener's connection to close",
        slow.stream.read_to_end(&mut slow.body),
    )
    .await?;
    assert!(
        slow.body.len() < tone.len() / 2,
        "the slow listener got {} bytes",
        slow.body.len()
    );
    assert_eq!(slow.body[..], tone[..slow.body.len()]);
    Ok(())
}

/// Issue 22: listeners dropped as "stalled" (their socket took nothing for the stall
/// timeout, before they fell out of the queue) were counted nowhere, so the status said no
/// listener had been dropped while ten had.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_22_stalled_listeners_are_counted_in_the_status() -> anyhow::Result<()> {
    let mut options = dateline_web::Options::default();
    // A short stall timeout keeps the test quick; the queue is far larger than what is sent,
    // so the listeners stall without ever falling out of it (which would be "too slow").
    options.live.hub.stall_timeout = Duration::from_millis(300);
    let app = TestApp::start_with_options(TestBackend::Sqlite, options).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |m| {
        m.queue_bytes = 8 * 1024 * 1024;
        m.burst_bytes = 0;
    })
    .await?;
    let (mut source, _) = raw_source(&app, "/live/test.mp3", PASSWORD).await?;
    on_air(&app, "/live/test.mp3").await?;
    // Ten clients that connect, read the answer's head and never read again.
    let mut stalled = Vec::new();
    for _ in 0..10 {
        stalled.push(RawListener::connect_small(&app, "/live/test.mp3").await?);
    }
    // Far more than a socket's buffers hold (64 KiB to send, 4 KiB to receive), far less
    // than the queue.
    let tone = mp3_tone(440, 60).await?;
    let p = mount("/live/test.mp3");
    source
        .write_all(&tone[..tone.len().min(1024 * 1024)])
        .await?;
    hub_until(&app, "the stalled listeners to be dropped", |h| {
        h.mount_status(&p).is_some_and(|s| s.listeners == 0)
    })
    .await?;
    let status = app.json("/api/v1/live", 200).await?;
    let m = &status["mounts"][0];
    assert_eq!(m["stalled_listeners_dropped"], 10, "{m}");
    assert_eq!(m["slow_listeners_dropped"], 0, "{m}");
    drop(stalled);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_listeners_is_enforced_with_a_clear_refusal() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |m| m.max_listeners = Some(2))
        .await?;
    let _ffmpeg = ffmpeg_source(&app, "/live/test.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/test.mp3").await?;
    let one = RawListener::connect(&app, "/live/test.mp3", false).await?;
    let two = RawListener::connect(&app, "/live/test.mp3", false).await?;
    assert_eq!((one.status, two.status), (200, 200));
    // Monitoring may still probe a full mount with HEAD; that is not a listener.
    let stream = TcpStream::connect(("127.0.0.1", port(&app))).await?;
    let probe = RawListener::request(stream, "HEAD", "/live/test.mp3", true).await?;
    assert_eq!(probe.status, 200);
    assert_eq!(probe.header("icy-metaint"), Some("16000"));
    let p = mount("/live/test.mp3");
    let counted = app.state.live.hub().mount_status(&p).context("mount")?;
    assert_eq!((counted.listeners, counted.listener_connections), (2, 2));
    let mut three = RawListener::connect(&app, "/live/test.mp3", false).await?;
    assert_eq!(three.status, 403);
    three.read_to_end().await?;
    assert!(String::from_utf8_lossy(&three.body).contains("Maximum listeners reached"));
    drop(one);
    hub_until(&app, "a listener to leave", |h| {
        h.mount_status(&p).is_some_and(|s| s.listeners == 1)
    })
    .await?;
    let four = RawListener::connect(&app, "/live/test.mp3", false).await?;
    assert_eq!(four.status, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ezstream_is_a_source_too() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/ez.mp3", PASSWORD, |_| {}).await?;
    let tone = mp3_tone(660, 20).await?;
    // libshout's defaults (TLS "auto": it first probes with `OPTIONS *`), MP3 from stdin.
    let config = app.data_dir().join("ezstream.xml");
    tokio::fs::write(
        &config,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ezstream>\n\
             <servers><server><hostname>127.0.0.1</hostname><port>{}</port>\
             <password>{PASSWORD}</password></server></servers>\n\
             <streams><stream><mountpoint>/live/ez.mp3</mountpoint><format>MP3</format>\
             <stream_name>EZ Radio</stream_name><stream_genre>Talk</stream_genre>\
             <stream_bitrate>128</stream_bitrate></stream></streams>\n\
             <intakes><intake><type>stdin</type></intake></intakes>\n</ezstream>\n",
            port(&app)
        ),
    )
    .await?;
    // ezstream refuses a configuration others may read: it holds a password.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).await?;
    }
    let mut ezstream = Command::new("ezstream")
        .arg("-c")
        .arg(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting ezstream (scripts/install-deps installs it)")?;
    let mut stdin = ezstream.stdin.take().context("ezstream's stdin")?;
    let feeder = tokio::spawn(async move {
        let _ = stdin.write_all(&tone).await;
    });
    on_air(&app, "/live/ez.mp3").await?;
    let mut l = RawListener::connect(&app, "/live/ez.mp3", false).await?;
    assert_eq!(l.status, 200);
    assert_eq!(l.header("icy-name"), Some("EZ Radio"));
    assert_eq!(l.header("icy-genre"), Some("Talk"));
    assert_eq!(l.header("icy-br"), Some("128"));
    l.read_until(24_000).await?;
    assert!(frames_from_start(&l.body)? > 30);
    let status = app
        .state
        .live
        .hub()
        .mount_status(&mount("/live/ez.mp3"))
        .context("mount")?;
    let agent = status
        .source
        .and_then(|s| s.info.user_agent)
        .unwrap_or_default();
    assert!(agent.starts_with("libshout"), "{agent}");
    feeder.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_puts_and_kept_alive_listeners_go_through_axum() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |m| m.burst_bytes = 0)
        .await?;
    // A chunked PUT (what `curl -T -` sends) is read by hyper, not the front door.
    let mut source = TcpStream::connect(("127.0.0.1", port(&app))).await?;
    source
        .write_all(
            format!(
                "PUT /live/test.mp3 HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\n\
                 Transfer-Encoding: chunked\r\nIce-Name: Chunked FM\r\n\r\n",
                base64_auth::basic("source", PASSWORD)
            )
            .as_bytes(),
        )
        .await?;
    on_air(&app, "/live/test.mp3").await?;
    // A listener on a kept-alive connection (its second request) is served by hyper.
    let first = app.get("/api/v1/live").await?;
    assert_eq!(first.status(), 200);
    first.bytes().await?;
    let mut res = app.get("/live/test.mp3").await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/mpeg");
    assert_eq!(res.headers()["icy-name"], "Chunked FM");
    let tone = mp3_tone(440, 3).await?;
    for piece in tone.chunks(4096) {
        source
            .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
            .await?;
        source.write_all(piece).await?;
        source.write_all(b"\r\n").await?;
    }
    source.write_all(b"0\r\n\r\n").await?;
    let mut got = Vec::new();
    within("the whole stream through hyper", async {
        while let Some(chunk) = res.chunk().await? {
            got.extend_from_slice(&chunk);
        }
        Ok::<_, anyhow::Error>(())
    })
    .await??;
    assert_eq!(got, tone);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_has_icecasts_shape() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/test.mp3", PASSWORD, |m| {
        m.name = "Dateline FM".to_owned()
    })
    .await?;
    app.live_mount("/live/quiet.mp3", PASSWORD, |m| m.max_listeners = Some(5))
        .await?;
    let none = app.json("/status-json.xsl", 200).await?;
    assert!(
        none["icestats"].get("source").is_none(),
        "no source on air: no `source` key"
    );
    let _ffmpeg = ffmpeg_source(&app, "/live/test.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/test.mp3").await?;
    let _l = RawListener::connect(&app, "/live/test.mp3", false).await?;
    let s = app.json("/status-json.xsl", 200).await?;
    let src = &s["icestats"]["source"];
    assert!(
        src.is_object(),
        "one source is an object, as in Icecast: {s}"
    );
    assert_eq!(src["listeners"], 1);
    assert_eq!(src["listener_peak"], 1);
    assert_eq!(src["server_name"], "Dateline FM");
    assert_eq!(src["server_type"], "audio/mpeg");
    assert_eq!(src["genre"], "News");
    assert_eq!(src["title"], "");
    assert_eq!(src["listenurl"], app.url("/live/test.mp3"));
    // Times come from the test clock, in Icecast's format.
    assert_eq!(src["stream_start_iso8601"], "2026-03-10T12:00:00+0000");
    assert_eq!(
        s["icestats"]["server_start_iso8601"],
        "2026-03-10T12:00:00+0000"
    );
    let ours = app.json("/api/v1/live", 200).await?;
    let mounts = ours["mounts"].as_array().context("mounts")?;
    assert_eq!(mounts.len(), 2);
    assert_eq!(mounts[0]["path"], "/live/quiet.mp3");
    assert_eq!(mounts[0]["on_air"], false);
    assert_eq!(mounts[0]["max_listeners"], 5);
    assert_eq!(
        mounts[1]["source"]["connected_since"],
        "2026-03-10T12:00:00Z"
    );
    assert!(
        ours["memory"]["listener_send_buffer_bytes"]
            .as_u64()
            .is_some_and(|b| b > 0)
    );
    assert!(
        !ours.to_string().contains("argon2"),
        "a password hash leaked: {ours}"
    );
    Ok(())
}

backend_test!(mounts_are_stored_with_hashed_passwords, |app| {
    let m = app
        .live_mount("/live/radio.mp3", "s3cret", |m| {
            m.name = "Radio".to_owned();
            m.format = AudioFormat::Aac;
            m.max_listeners = Some(100);
            m.fallback = Some(mount("/live/backup.mp3"));
        })
        .await?;
    assert_eq!(m.path.as_str(), "/live/radio.mp3");
    assert!(m.source_password_hash.starts_with("$argon2id$"));
    assert!(!m.source_password_hash.contains("s3cret"));
    assert!(dateline_web::live::verify_password(
        &m.source_password_hash,
        "s3cret"
    ));
    assert!(!dateline_web::live::verify_password(
        &m.source_password_hash,
        "S3cret"
    ));
    assert!(!format!("{m:?}").contains("argon2"), "Debug shows the hash");
    let again = app.store.live_mount(&mount("/live/radio.mp3")).await?;
    assert_eq!(again, m);
    assert_eq!(again.format, AudioFormat::Aac);
    assert_eq!(again.max_listeners, Some(100));
    assert_eq!(again.fallback, Some(mount("/live/backup.mp3")));
    let dup = app.live_mount("/live/radio.mp3", "x", |_| {}).await;
    assert!(
        matches!(dup.as_ref().err().and_then(|e| e.downcast_ref::<StoreError>()), Some(StoreError::Taken(f)) if f == "path"),
        "{dup:?}"
    );
    app.live_mount("/live/backup.mp3", "x", |_| {}).await?;
    let all = app.store.live_mounts().await?;
    assert_eq!(
        all.iter().map(|m| m.path.as_str()).collect::<Vec<_>>(),
        ["/live/backup.mp3", "/live/radio.mp3"]
    );
    app.store
        .delete_live_mount(&mount("/live/radio.mp3"))
        .await?;
    assert!(matches!(
        app.store.delete_live_mount(&mount("/live/radio.mp3")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        app.store.live_mount(&mount("/live/radio.mp3")).await,
        Err(StoreError::NotFound)
    ));
    Ok(())
});

#[tokio::test]
async fn the_mount_command_adds_lists_and_removes() -> anyhow::Result<()> {
    use clap::Parser;
    use dateline::config::{Cli, Command as Cmd};
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_str().context("utf-8 path")?;
    let run = |args: &[&str]| {
        let mut full = vec!["dateline", "mount"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--data", data]);
        let cli = Cli::try_parse_from(full)?;
        let Cmd::Mount(cmd) = cli.command else {
            bail!("not a mount command");
        };
        Ok(dateline::mounts::run(cmd))
    };
    run(&[
        "add",
        "--path",
        "/live/radio.mp3",
        "--password",
        "pw",
        "--format",
        "aac",
        "--max-listeners",
        "5",
    ])?
    .await?;
    // Mistakes are refused with a sentence, before anything is stored.
    let bad = run(&["add", "--path", "/radio.mp3", "--password", "pw"])?.await;
    assert!(bad.is_err_and(|e| e.to_string().contains("/live/radio.mp3")));
    let dup = run(&["add", "--path", "/live/radio.mp3", "--password", "pw"])?.await;
    assert!(dup.is_err_and(|e| e.to_string().contains("already exists")));
    let fmt = run(&[
        "add",
        "--path",
        "/live/x.wav",
        "--password",
        "pw",
        "--format",
        "wav",
    ])?
    .await;
    assert!(fmt.is_err_and(|e| e.to_string().contains("unknown audio format")));
    run(&["list"])?.await?;
    let store = dateline_store::Store::open(&dateline::config::sqlite_url(
        &dir.path().join("dateline.db"),
    ))
    .await?;
    let mounts = store.live_mounts().await?;
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0].format, AudioFormat::Aac);
    assert_eq!(mounts[0].max_listeners, Some(5));
    assert!(dateline_web::live::verify_password(
        &mounts[0].source_password_hash,
        "pw"
    ));
    run(&["remove", "--path", "/live/radio.mp3"])?.await?;
    assert!(store.live_mounts().await?.is_empty());
    let gone = run(&["remove", "--path", "/live/radio.mp3"])?.await;
    assert!(gone.is_err_and(|e| e.to_string().contains("no mount")));
    store.close().await;
    // The password never shows in the parsed arguments' Debug form.
    let cli = Cli::try_parse_from([
        "dateline",
        "mount",
        "add",
        "--path",
        "/live/a.mp3",
        "--password",
        "s3cret",
    ])?;
    assert!(!format!("{cli:?}").contains("s3cret"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_player_page_shows_on_air_and_now_playing_for_our_own_mount() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.live_mount("/live/radio.mp3", PASSWORD, |_| {}).await?;
    app.configure(|s| {
        s.live_stream_url = "/live/radio.mp3".into();
        s.live_stream_name = "Herald Radio".into();
    })
    .await?;
    // A programme is scheduled all day, but no source is connected yet.
    app.clock.set("2026-03-10T12:00:00Z".parse()?);
    app.store
        .create_programme(
            dateline_store::NewProgramme {
                title: "Late Edition".into(),
                presenter: String::new(),
                description: String::new(),
                days: dateline_core::schedule::Days::parse("daily").expect("valid days"),
                starts: dateline_core::schedule::parse_time("00:00").expect("valid time"),
                ends: dateline_core::schedule::parse_time("23:59").expect("valid time"),
                playlist_id: None,
            },
            app.clock.now(),
        )
        .await?;
    let page = app.page("/live/", 200).await?;
    assert_eq!(page.text(".live-state-text"), "Off air");
    // The pop-out player's header is slim: no sections, search or Listen Live (issue 18).
    assert!(page.has(".site-header .site-name"));
    assert!(!page.has(".sections-nav") && !page.has(".site-search") && !page.has("a.listen-live"));
    // What is true, not "off air" and "on air now" at once (issue 18).
    let off = page.text(".on-air-now-off");
    assert!(
        off.starts_with("Late Edition is scheduled now") && off.ends_with("the stream is off air."),
        "{off}"
    );
    assert!(page.has(".on-air-now-live[hidden]") && !page.has(".on-air-now-off[hidden]"));
    assert_eq!(
        page.text(".programme.on-air .on-air-badge"),
        "Scheduled now"
    );
    assert_eq!(
        page.attr(".live-console", "data-live-mount"),
        "/live/radio.mp3"
    );
    assert_eq!(page.attr(".live-console audio", "src"), "/live/radio.mp3");
    assert!(page.text(".now-playing").contains("off air"));
    let res = app.get("/live/").await?;
    assert_eq!(res.headers()["cache-control"], "no-cache");

    let _ffmpeg = ffmpeg_source(&app, "/live/radio.mp3", PASSWORD, 440, 30)?;
    on_air(&app, "/live/radio.mp3").await?;
    let res = app
        .client
        .get(app.url(
            "/admin/metadata?mount=/live/radio.mp3&mode=updinfo&song=The+%3Cb%3ENews%3C%2Fb%3E",
        ))
        .basic_auth("source", Some(PASSWORD))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    // Not served from a cache: the page follows the relay at once.
    let page = app.page("/live/", 200).await?;
    assert_eq!(page.text(".live-state-text"), "On air");
    assert!(page.has(".live-state.on-air"));
    assert!(page.has(".on-air-now-off[hidden]") && !page.has(".on-air-now-live[hidden]"));
    assert!(
        page.text(".on-air-now-live")
            .starts_with("On air now: Late Edition")
    );
    // The source's title is text, never markup.
    assert_eq!(page.text(".now-playing-title"), "The <b>News</b>");
    assert!(!page.has(".now-playing b"));
    Ok(())
}

backend_test!(
    the_live_page_shows_the_schedule_and_what_is_on_air_now,
    |app| {
        use dateline_core::schedule::{Days, parse_time};
        use dateline_store::NewProgramme;
        app.configure(|s| {
            s.live_stream_url = "https://radio.example.net/live.mp3".into();
            s.time_zone = "Europe/London".into();
        })
        .await?;
        let page = app.page("/live/", 200).await?;
        assert!(!page.has(".schedule"), "no schedule set: no empty section");
        let add =
            |title: &str, days: &str, starts: &str, ends: &str, presenter: &str| NewProgramme {
                title: title.into(),
                presenter: presenter.into(),
                description: format!("About {title}."),
                days: Days::parse(days).expect("valid days"),
                starts: parse_time(starts).expect("valid time"),
                ends: parse_time(ends).expect("valid time"),
                playlist_id: None,
            };
        let now = app.clock.now();
        app.store
            .create_programme(
                add(
                    "The Breakfast Show",
                    "mon-fri",
                    "07:00",
                    "10:00",
                    "Ana <Lopes>",
                ),
                now,
            )
            .await?;
        app.store
            .create_programme(add("News at One", "daily", "13:00", "13:30", ""), now)
            .await?;
        let late = app
            .store
            .create_programme(add("Late Night Live", "sat", "22:00", "01:00", ""), now)
            .await?;
        // Tuesday 10 March 2026, 08:30 in London (GMT): breakfast is on.
        app.clock.set("2026-03-10T08:30:00Z".parse()?);
        let page = app.page("/live/", 200).await?;
        assert!(
            page.text(".on-air-now")
                .contains("The Breakfast Show with Ana <Lopes>")
        );
        // An outside stream's state is not known: the schedule's word stands.
        assert!(page.has(".on-air-now-off[hidden]") && !page.has(".on-air-now-live[hidden]"));
        let days = page.texts(".schedule h3");
        assert_eq!(days.len(), 7);
        assert_eq!(days[0], "Today (Tuesday)");
        assert_eq!(days[6], "Monday");
        assert_eq!(
            page.texts(".schedule-day:first-of-type .programme-title"),
            ["The Breakfast Show", "News at One"]
        );
        assert_eq!(
            page.text(".programme.on-air .programme-title"),
            "The Breakfast Show"
        );
        assert_eq!(page.attr(".programme.on-air", "aria-current"), "true");
        assert!(
            page.text(".schedule-note")
                .contains("Europe/London time (GMT now)")
        );
        // Saturday 14 March, 23:30: the overnight show; and after midnight still.
        app.clock.set("2026-03-14T23:30:00Z".parse()?);
        let page = app.page("/live/", 200).await?;
        assert!(page.text(".on-air-now").contains("Late Night Live"));
        app.clock.set("2026-03-15T00:30:00Z".parse()?);
        assert!(
            app.page("/live/", 200)
                .await?
                .text(".on-air-now")
                .contains("Late Night Live")
        );
        // Between programmes nothing is on air now, but the schedule is there.
        app.clock.set("2026-03-15T03:00:00Z".parse()?);
        let page = app.page("/live/", 200).await?;
        assert!(!page.has(".on-air-now"));
        assert!(!page.has(".programme.on-air"));
        app.store.delete_programme(late.id).await?;
        assert!(matches!(
            app.store.delete_programme(late.id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(app.store.programmes().await?.len(), 2);
        Ok(())
    }
);

#[tokio::test]
async fn the_schedule_command_adds_lists_and_removes() -> anyhow::Result<()> {
    use clap::Parser;
    use dateline::config::{Cli, Command as Cmd};
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_str().context("utf-8 path")?;
    let run = |args: &[&str]| {
        let mut full = vec!["dateline", "schedule"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--data", data]);
        let cli = Cli::try_parse_from(full)?;
        let Cmd::Schedule(cmd) = cli.command else {
            bail!("not a schedule command");
        };
        Ok(dateline::schedule::run(cmd))
    };
    run(&[
        "add",
        "--title",
        "The Breakfast Show",
        "--days",
        "mon-fri",
        "--start",
        "07:00",
        "--end",
        "10:00",
        "--presenter",
        "Ana Lopes",
    ])?
    .await?;
    // Mistakes are refused with a sentence, and nothing is stored.
    for (args, says) in [
        (
            ["--days", "funday", "--start", "07:00", "--end", "08:00"],
            "not a list of days",
        ),
        (
            ["--days", "mon", "--start", "25:00", "--end", "08:00"],
            "not a time of day",
        ),
        (
            ["--days", "mon", "--start", "08:00", "--end", "08:00"],
            "same time",
        ),
    ] {
        let mut full = vec!["add", "--title", "Bad"];
        full.extend_from_slice(&args);
        let err = run(&full)?.await.expect_err("refused");
        assert!(err.to_string().contains(says), "{err}");
    }
    run(&["list"])?.await?;
    let store = dateline_store::Store::open(&dateline::config::sqlite_url(
        &dir.path().join("dateline.db"),
    ))
    .await?;
    let all = store.programmes().await?;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].days.to_string(), "mon-fri");
    assert_eq!(all[0].presenter, "Ana Lopes");
    let id = all[0].id.to_string();
    run(&["remove", "--id", &id])?.await?;
    assert!(store.programmes().await?.is_empty());
    let gone = run(&["remove", "--id", &id])?.await;
    assert!(gone.is_err_and(|e| e.to_string().contains("no programme")));
    store.close().await;
    Ok(())
}
