//! Playlists (issue 23): a mount plays its files while no source is connected, a real ffmpeg
//! source takes over within a second and the playlist comes back when it leaves, with every
//! byte a listener gets parsing as MP3 frames (no torn frame at a switch). Storage runs on
//! both backends; streaming on SQLite (the store is read once per change).
//!
//! Every wait is for an event (a hub change, bytes arriving) and bounded in time.

use crate::backend_test;
use crate::live::{PASSWORD, RawListener, deinterleave, ffmpeg_source, hub_until, mount, within};
use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use dateline_live::format::mp3_frame_len;
use dateline_testkit::{TestApp, TestBackend};
use dateline_web::live::playlist::{PlaylistError, add_file};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// An MP3 file of `seconds` of a tone, 32 kbit/s mono at 22.05 kHz (MPEG-2, so its frames
/// are told apart from ffmpeg's 128 kbit/s source), tagged with `title` and `artist`.
async fn tagged_mp3(hz: u32, seconds: u32, title: &str, artist: &str) -> anyhow::Result<Bytes> {
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
        .arg(format!("sine=frequency={hz}:sample_rate=22050"))
        .args([
            "-t",
            &seconds.to_string(),
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
        ])
        .args(["-id3v2_version", "3", "-metadata"])
        .arg(format!("title={title}"))
        .arg("-metadata")
        .arg(format!("artist={artist}"))
        .args(["-f", "mp3", "-"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("running ffmpeg (scripts/install-deps installs it)")?;
    ensure!(out.status.success(), "ffmpeg failed");
    Ok(Bytes::from(out.stdout))
}

/// What the frames of a listener's stream were, in order: ID3 tags may come anywhere (a
/// source's stream starts with one), anything else that is not a whole frame is a torn one.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    /// MPEG-2, 32 kbit/s: the playlist's files.
    Playlist,
    /// MPEG-1, 128 kbit/s: ffmpeg's live source.
    Live,
}

fn frames_throughout(data: &[u8]) -> anyhow::Result<Vec<(usize, Kind)>> {
    let mut at = 0;
    let mut out = Vec::new();
    while at + 10 <= data.len() {
        if &data[at..at + 3] == b"ID3" {
            let size = data[at + 6..at + 10]
                .iter()
                .fold(0usize, |a, &b| (a << 7) | usize::from(b));
            at += 10 + size;
            continue;
        }
        let h = [data[at], data[at + 1], data[at + 2], data[at + 3]];
        let len = mp3_frame_len(h).with_context(|| {
            format!(
                "no MP3 frame at byte {at} (after {} frames): torn",
                out.len()
            )
        })?;
        let kind = if h[1] & 0x18 == 0x18 {
            Kind::Live
        } else {
            Kind::Playlist
        };
        out.push((at, kind));
        at += len;
    }
    Ok(out)
}

/// A listener reading in a task, noting when each read arrived.
struct Timed {
    reads: Arc<Mutex<Vec<(Instant, usize)>>>,
    body: Arc<Mutex<Vec<u8>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Timed {
    fn start(mut l: RawListener) -> Self {
        let reads = Arc::new(Mutex::new(vec![(Instant::now(), l.body.len())]));
        let body = Arc::new(Mutex::new(std::mem::take(&mut l.body)));
        let (r, b) = (reads.clone(), body.clone());
        let task = tokio::spawn(async move {
            let mut chunk = vec![0u8; 16 * 1024];
            while let Ok(n) = l.stream_mut().read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                let mut body = b.lock().expect("not poisoned");
                body.extend_from_slice(&chunk[..n]);
                r.lock()
                    .expect("not poisoned")
                    .push((Instant::now(), body.len()));
            }
        });
        Self { reads, body, task }
    }

    fn len(&self) -> usize {
        self.body.lock().expect("not poisoned").len()
    }

    async fn until(&self, what: &str, mut check: impl FnMut(&[u8]) -> bool) -> anyhow::Result<()> {
        within(what, async {
            loop {
                if check(&self.body.lock().expect("not poisoned")) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }

    fn longest_gap(&self) -> Duration {
        let reads = self.reads.lock().expect("not poisoned");
        reads
            .windows(2)
            .map(|w| w[1].0 - w[0].0)
            .max()
            .unwrap_or_default()
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

backend_test!(
    playlists_are_stored_in_order_and_other_formats_refused,
    |app| {
        let path = mount("/live/radio.mp3");
        app.live_mount("/live/radio.mp3", PASSWORD, |_| {}).await?;
        let media = app.state.media.clone();
        let one = tagged_mp3(440, 2, "Ident", "Dateline").await?;
        let two = tagged_mp3(660, 2, "Interlude", "Dateline").await?;
        let before = app.store.playlist_fingerprint().await?;
        let a = add_file(&app.store, &media, &path, "ident.mp3", one, app.clock.now()).await?;
        let b = add_file(
            &app.store,
            &media,
            &path,
            "interlude.mp3",
            two,
            app.clock.now(),
        )
        .await?;
        assert_eq!(a.title, "Dateline - Ident");
        assert!(
            (1900..=2100).contains(&a.duration_ms),
            "{} ms",
            a.duration_ms
        );
        assert_ne!(app.store.playlist_fingerprint().await?, before);
        // A file of another format is refused with a sentence naming it, and nothing is stored.
        let wav = b"RIFF\x24\x08\x00\x00WAVEfmt ".repeat(200);
        let refused = add_file(
            &app.store,
            &media,
            &path,
            "talk.wav",
            Bytes::from(wav),
            app.clock.now(),
        )
        .await
        .expect_err("a WAV file on an MP3 mount");
        assert!(matches!(refused, PlaylistError::Refused { .. }));
        assert_eq!(
            refused.to_string(),
            "talk.wav cannot go on the playlist of /live/radio.mp3: the file is not mp3 audio: it \
         holds no MP3 frames (is it another format?); this mount plays mp3 files"
        );
        let none = add_file(
            &app.store,
            &media,
            &mount("/live/none.mp3"),
            "x.mp3",
            Bytes::new(),
            app.clock.now(),
        )
        .await;
        assert!(matches!(none, Err(PlaylistError::NoMount(_))));
        let listed = app.store.playlist(&path).await?;
        assert!(!listed.shuffle);
        assert_eq!(
            listed.items.iter().map(|i| i.id).collect::<Vec<_>>(),
            [a.id, b.id]
        );
        app.store.move_playlist_item(&path, b.id, 1).await?;
        app.store.set_playlist_shuffle(&path, true).await?;
        let listed = app.store.playlist(&path).await?;
        assert!(listed.shuffle);
        assert_eq!(
            listed
                .items
                .iter()
                .map(|i| (i.id, i.position))
                .collect::<Vec<_>>(),
            [(b.id, 1), (a.id, 2)]
        );
        app.store.remove_playlist_item(&path, b.id).await?;
        assert!(app.store.remove_playlist_item(&path, b.id).await.is_err());
        let listed = app.store.playlist(&path).await?;
        assert_eq!(
            listed
                .items
                .iter()
                .map(|i| (i.id, i.position))
                .collect::<Vec<_>>(),
            [(a.id, 1)]
        );
        // The file is in the media store, under audio/.
        assert!(media.read(&a.media_key.as_str().into()).await.is_ok());
        // Removing the mount removes its playlist.
        app.store.delete_live_mount(&path).await?;
        assert!(app.store.playlist(&path).await?.items.is_empty());
        Ok(())
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_playlist_plays_until_a_source_connects_and_again_when_it_leaves() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let path = mount("/live/radio.mp3");
    app.live_mount("/live/radio.mp3", PASSWORD, |m| m.name = "Radio".to_owned())
        .await?;
    let file = tagged_mp3(330, 4, "Station identification", "Dateline Radio").await?;
    add_file(
        &app.store,
        &app.state.media,
        &path,
        "ident.mp3",
        file,
        app.clock.now(),
    )
    .await?;
    app.state.playlists.sync().await?;
    hub_until(&app, "the playlist to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.playlist)
    })
    .await?;
    // The tags are the now-playing text, in the status API and in ICY blocks.
    let status = app.json("/api/v1/live", 200).await?;
    let m = &status["mounts"][0];
    assert_eq!(m["on_air"], true);
    assert_eq!(m["source"]["playlist"], true);
    assert_eq!(
        m["source"]["title"],
        "Dateline Radio - Station identification"
    );
    let listener = RawListener::connect(&app, "/live/radio.mp3", true).await?;
    assert_eq!(listener.status, 200);
    let metaint: usize = listener
        .header("icy-metaint")
        .context("an ICY interval")?
        .parse()?;
    let ear = Timed::start(listener);
    ear.until("the playlist's audio", |b| b.len() > 12_000)
        .await?;
    // A real source connects: listeners hear it within a second.
    let ffmpeg = ffmpeg_source(&app, "/live/radio.mp3", PASSWORD, 880, 4)?;
    hub_until(&app, "the source to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| !s.playlist)
    })
    .await?;
    let live_at = Instant::now();
    let first_live = |b: &[u8]| -> bool {
        deinterleave(b, metaint)
            .ok()
            .and_then(|(audio, _)| frames_throughout(&audio).ok())
            .is_some_and(|f| f.iter().any(|(_, k)| *k == Kind::Live))
    };
    ear.until("the source's audio", first_live).await?;
    let heard = live_at.elapsed();
    ensure!(
        heard <= Duration::from_secs(1),
        "the source was heard {heard:?} after it went on air"
    );
    // It leaves (ffmpeg's four seconds end): the playlist comes back.
    let out = within("ffmpeg to finish", ffmpeg.wait_with_output()).await??;
    ensure!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    hub_until(&app, "the playlist to be back on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.playlist)
    })
    .await?;
    let back_from = ear.len();
    ear.until("the playlist after the source", |b| {
        b.len() > back_from + 12_000
    })
    .await?;
    let body = ear.body.lock().expect("not poisoned").clone();
    let (audio, titles) = deinterleave(&body, metaint)?;
    // Every byte is whole frames: playlist, then source, then playlist again.
    let frames = frames_throughout(&audio)?;
    let mut runs: Vec<Kind> = Vec::new();
    for (_, k) in &frames {
        if runs.last() != Some(k) {
            runs.push(*k);
        }
    }
    assert_eq!(runs, [Kind::Playlist, Kind::Live, Kind::Playlist]);
    // The source sets no title; once it has gone, the file's tags are the title again.
    assert_eq!(
        titles.last().map(String::as_str),
        Some("Dateline Radio - Station identification"),
        "titles {titles:?}"
    );
    let gap = ear.longest_gap();
    ensure!(
        gap <= Duration::from_secs(1),
        "a gap of {gap:?} in the stream"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_playlist_command_adds_lists_orders_and_removes() -> anyhow::Result<()> {
    use clap::Parser;
    use dateline::config::{Cli, Command as Cmd};
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_str().context("utf-8 path")?;
    let run = |words: &[&str]| {
        let mut full = vec!["dateline"];
        full.extend_from_slice(words);
        full.extend_from_slice(&["--data", data]);
        let cli = Cli::try_parse_from(full)?;
        let run: std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>>>> =
            match cli.command {
                Cmd::Playlist(cmd) => Box::pin(dateline::playlists::run(cmd)),
                Cmd::Mount(cmd) => Box::pin(dateline::mounts::run(cmd)),
                _ => bail!("not a playlist or mount command"),
            };
        Ok(run)
    };
    run(&[
        "mount",
        "add",
        "--path",
        "/live/radio.mp3",
        "--password",
        "pw",
    ])?
    .await?;
    let file = dir.path().join("ident.mp3");
    tokio::fs::write(&file, tagged_mp3(440, 1, "Ident", "Dateline").await?).await?;
    let wav = dir.path().join("talk.wav");
    tokio::fs::write(&wav, b"RIFF....WAVEfmt ".repeat(100)).await?;
    let f = file.to_str().context("utf-8 path")?;
    run(&["playlist", "add", "--path", "/live/radio.mp3", f, f])?.await?;
    let refused = run(&[
        "playlist",
        "add",
        "--path",
        "/live/radio.mp3",
        wav.to_str().context("utf-8")?,
    ])?
    .await;
    let e = refused.expect_err("a WAV file");
    assert!(
        e.to_string().contains("talk.wav cannot go on the playlist"),
        "{e}"
    );
    let missing = run(&["playlist", "add", "--path", "/live/none.mp3", f])?.await;
    assert!(missing.is_err_and(|e| {
        e.to_string()
            .contains("there is no mount at /live/none.mp3")
    }));
    run(&["playlist", "order", "--path", "/live/radio.mp3", "shuffle"])?.await?;
    run(&["playlist", "list", "--path", "/live/radio.mp3"])?.await?;
    let store = dateline_store::Store::open(&dateline::config::sqlite_url(
        &dir.path().join("dateline.db"),
    ))
    .await?;
    let listed = store.playlist(&mount("/live/radio.mp3")).await?;
    store.close().await;
    assert!(listed.shuffle);
    assert_eq!(listed.items.len(), 2);
    let id = listed.items[0].id.to_string();
    run(&[
        "playlist",
        "order",
        "--path",
        "/live/radio.mp3",
        "--move",
        &id,
        "--to",
        "2",
    ])?
    .await?;
    run(&["playlist", "remove", "--path", "/live/radio.mp3", &id])?.await?;
    let again = run(&["playlist", "remove", "--path", "/live/radio.mp3", &id])?.await;
    assert!(again.is_err_and(|e| e.to_string().contains("has no number")));
    Ok(())
}
