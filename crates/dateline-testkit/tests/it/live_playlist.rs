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
pub(crate) async fn tagged_mp3(
    hz: u32,
    seconds: u32,
    title: &str,
    artist: &str,
) -> anyhow::Result<Bytes> {
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

    /// The longest wait between two reads, and how many bytes had come before it.
    fn longest_gap(&self) -> (Duration, usize) {
        self.longest_gap_before(usize::MAX)
    }

    /// The longest wait between two reads while fewer than `bytes` had come.
    fn longest_gap_before(&self, bytes: usize) -> (Duration, usize) {
        let reads = self.reads.lock().expect("not poisoned");
        reads
            .windows(2)
            .filter(|w| w[0].1 < bytes)
            .map(|w| (w[1].0 - w[0].0, w[0].1))
            .max()
            .unwrap_or_default()
    }

    /// The longest wait between two reads, held to [`GAP_BOUND`] and printed (to standard
    /// error, seen with `--nocapture`) so a run can be compared with the issue's second.
    fn ensure_no_long_gap(&self, what: &str) -> anyhow::Result<()> {
        let (gap, at) = self.longest_gap();
        let of = self.len();
        eprintln!("{what}: longest gap {gap:?} after byte {at} of {of} (target {GAP_TARGET:?})");
        ensure!(
            gap <= GAP_BOUND,
            "{what}: a gap of {gap:?} in the stream after byte {at} of {of}"
        );
        Ok(())
    }
}

/// The issue's bound on silence for a listener when the stream switches (playlist to source,
/// source to playlist, one playlist to the next): one second.
const GAP_TARGET: Duration = Duration::from_secs(1);

/// What the tests hold a wall-clock gap to: the target and half a second for the scheduler of
/// a loaded machine (a 2-core runner at load 24 delivered a chunk 1.009 s late). The switch
/// itself never waits for wall-clock time; what the tests also check exactly is that every
/// byte is whole frames or pages, in the expected order.
const GAP_BOUND: Duration = Duration::from_millis(1500);

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
        app.store
            .set_playlist_shuffle(&path, true, app.clock.now())
            .await?;
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
    eprintln!("mp3 source heard {heard:?} after it went on air (target {GAP_TARGET:?})");
    ensure!(
        heard <= GAP_BOUND,
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
    ear.ensure_no_long_gap("mp3 playlist, source, playlist")?;
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

/// An Ogg file of `seconds` of a tone made by ffmpeg with `codec` (`libvorbis`, `libopus`),
/// its title tag `title`.
async fn tagged_ogg(codec: &str, hz: u32, seconds: u32, title: &str) -> anyhow::Result<Bytes> {
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
        .arg(format!("sine=frequency={hz}:sample_rate=48000"))
        .args(["-t", &seconds.to_string(), "-ac", "1", "-c:a", codec])
        .args(["-b:a", "48k", "-metadata"])
        .arg(format!("title={title}"))
        .args(["-metadata", "artist=Dateline", "-f", "ogg", "-"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("running ffmpeg (scripts/install-deps installs it)")?;
    ensure!(out.status.success(), "ffmpeg failed to make a {codec} file");
    Ok(Bytes::from(out.stdout))
}

/// A logical stream a listener heard: its serial, and how many pages of it in a row.
#[derive(Debug)]
struct Link {
    serial: u32,
    pages: usize,
    /// It began with a beginning-of-stream page (its headers).
    headed: bool,
    /// The sample rate its Vorbis identification header names (Opus: 48 kHz).
    rate: u32,
}

/// The sample rate of the codec identification header on a beginning-of-stream page.
fn header_rate(page: &[u8]) -> u32 {
    if let Some(at) = page.windows(7).position(|w| w == b"\x01vorbis")
        && let Some(r) = page.get(at + 12..at + 16)
    {
        return u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
    }
    if page.windows(8).any(|w| w == b"OpusHead") {
        return 48_000;
    }
    0
}

/// Every byte as whole Ogg pages with valid CRCs (a torn page or a changed byte fails), as the
/// runs of pages of one serial in a row. What is left at the end (a page still arriving) is
/// dropped.
fn ogg_links(data: &[u8]) -> anyhow::Result<Vec<Link>> {
    let mut links: Vec<Link> = Vec::new();
    let mut at = 0;
    while at + 27 <= data.len() {
        let segments = usize::from(data[at + 26]);
        if at + 27 + segments > data.len() {
            break;
        }
        let len = 27
            + segments
            + data[at + 27..at + 27 + segments]
                .iter()
                .map(|&s| usize::from(s))
                .sum::<usize>();
        if at + len > data.len() {
            break;
        }
        let page = dateline_live::ogg::Page::parse(data, at).with_context(|| {
            format!(
                "no whole Ogg page with a valid CRC at byte {at} (after {} links)",
                links.len()
            )
        })?;
        match links.last_mut() {
            Some(l) if l.serial == page.serial => {
                ensure!(
                    !page.bos,
                    "a second beginning of stream {} at byte {at}",
                    page.serial
                );
                l.pages += 1;
            }
            _ => links.push(Link {
                serial: page.serial,
                pages: 1,
                headed: page.bos,
                rate: if page.bos {
                    header_rate(&data[at..at + len])
                } else {
                    0
                },
            }),
        }
        at += len;
    }
    Ok(links)
}

/// A real ffmpeg broadcasting an Ogg Vorbis tone into `path` in real time.
fn ffmpeg_ogg_source(
    app: &TestApp,
    path: &str,
    seconds: u32,
) -> anyhow::Result<tokio::process::Child> {
    let url = format!(
        "icecast://source:{PASSWORD}@127.0.0.1:{}{path}",
        crate::live::port(app)
    );
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
            "sine=frequency=880:sample_rate=44100",
        ])
        .args([
            "-t",
            &seconds.to_string(),
            "-c:a",
            "libvorbis",
            "-b:a",
            "128k",
        ])
        // Pages of 100 ms rather than ffmpeg's default second, as a live Ogg encoder should
        // be set: a page is the smallest piece that can go out.
        .args(["-page_duration", "100000"])
        .args(["-content_type", "audio/ogg", "-f", "ogg"])
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting ffmpeg")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ogg_playlist_chains_vorbis_and_opus_files_and_yields_to_a_source() -> anyhow::Result<()>
{
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let path = mount("/live/radio.ogg");
    app.live_mount("/live/radio.ogg", PASSWORD, |m| {
        m.format = dateline_core::live::AudioFormat::Ogg;
    })
    .await?;
    let vorbis = tagged_ogg("libvorbis", 330, 2, "Vorbis ident").await?;
    let opus = tagged_ogg("libopus", 550, 2, "Opus ident").await?;
    let a = add_file(
        &app.store,
        &app.state.media,
        &path,
        "ident.ogg",
        vorbis,
        app.clock.now(),
    )
    .await?;
    let b = add_file(
        &app.store,
        &app.state.media,
        &path,
        "ident.opus",
        opus,
        app.clock.now(),
    )
    .await?;
    // Titles from the Vorbis comments and OpusTags; lengths from the granule positions.
    assert_eq!(a.title, "Dateline - Vorbis ident");
    assert_eq!(b.title, "Dateline - Opus ident");
    for item in [&a, &b] {
        ensure!(
            (1900..=2100).contains(&item.duration_ms),
            "{} lasts {} ms",
            item.file_name,
            item.duration_ms
        );
    }
    // An MP3 file is refused with a sentence, and nothing is stored.
    let mp3 = tagged_mp3(440, 1, "x", "y").await?;
    let refused = add_file(
        &app.store,
        &app.state.media,
        &path,
        "x.mp3",
        mp3,
        app.clock.now(),
    )
    .await
    .expect_err("an MP3 file on an Ogg mount");
    assert_eq!(
        refused.to_string(),
        "x.mp3 cannot go on the playlist of /live/radio.ogg: the file is not ogg audio: it is \
         not Ogg Vorbis or Opus (is it another format?); this mount plays ogg files"
    );
    assert_eq!(app.store.playlist(&path).await?.items.len(), 2);

    app.state.playlists.sync().await?;
    hub_until(&app, "the playlist to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.playlist)
    })
    .await?;
    // The title changes up to the lead early, and the first file is short: either file's.
    let status = app.json("/api/v1/live", 200).await?;
    let title = status["mounts"][0]["source"]["title"].clone();
    ensure!(
        title == "Dateline - Vorbis ident" || title == "Dateline - Opus ident",
        "now playing {title}"
    );
    let listener = RawListener::connect(&app, "/live/radio.ogg", false).await?;
    assert_eq!(listener.status, 200);
    let ear = Timed::start(listener);
    // Round the playlist once and into the second time: Vorbis, Opus, Vorbis again.
    ear.until("the playlist twice round", |b| {
        ogg_links(b).is_ok_and(|l| l.len() >= 3)
    })
    .await?;
    // The playlist alone: its files' pages last a second each (ffmpeg's default), and each
    // goes out when it is due, so its listener reads a page about every second.
    let (paced, _) = ear.longest_gap_before(ear.len());
    eprintln!("ogg playlist alone: longest gap {paced:?} (pages of a second)");
    let ffmpeg = ffmpeg_ogg_source(&app, "/live/radio.ogg", 3)?;
    hub_until(&app, "the source to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| !s.playlist)
    })
    .await?;
    // Heard within the bound of its connecting: its headers wait for its first audio page,
    // and a page of 100 ms goes out within half a second however little it fills a chunk.
    let live_at = Instant::now();
    ear.until("the source's audio", |b| {
        ogg_links(b).is_ok_and(|l| l.iter().any(|l| l.rate == 44_100 && l.pages > 3))
    })
    .await?;
    let heard = live_at.elapsed();
    eprintln!("ogg source heard {heard:?} after it went on air (target {GAP_TARGET:?})");
    ensure!(
        heard <= GAP_BOUND,
        "the source was heard {heard:?} after it went on air"
    );
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
        b.len() > back_from + 8_000
    })
    .await?;
    let body = ear.body.lock().expect("not poisoned").clone();
    let links = ogg_links(&body)?;
    // Every logical stream starts with its headers, and none follows one of its own serial.
    for (n, l) in links.iter().enumerate() {
        ensure!(
            l.headed,
            "stream {n} ({l:?}) began without its headers: {links:?}"
        );
    }
    // The playlist's files are at 48 kHz, ffmpeg's source at 44.1 kHz: the playlist, then the
    // source, then the playlist again.
    let rates: Vec<u32> = links.iter().map(|l| l.rate).collect();
    let live = rates
        .iter()
        .position(|&r| r == 44_100)
        .with_context(|| format!("the source was never heard: {links:?}"))?;
    ensure!(
        live >= 3,
        "the playlist played before the source: {links:?}"
    );
    ensure!(
        rates.iter().filter(|&&r| r == 44_100).count() == 1 && rates.len() > live + 1,
        "the playlist came back after the source: {links:?}"
    );
    ensure!(
        rates.iter().all(|&r| r == 48_000 || r == 44_100),
        "{links:?}"
    );
    // The listener stays on the playlist until the source has published audio (an Ogg
    // source's first audio takes longer than a second), so the longest gap is the playlist's
    // own pacing of one-second pages, printed above.
    ear.ensure_no_long_gap("ogg playlist, source, playlist")?;
    Ok(())
}

/// An MP3 file of `seconds` of a tone at `rate` Hz (an MPEG-2 rate: 16000, 22050 or 24000),
/// 32 kbit/s mono, tagged with `title` and artist Dateline.
async fn mp3_at(rate: u32, seconds: u32, title: &str) -> anyhow::Result<Bytes> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=500:sample_rate={rate}"))
        .args(["-t", &seconds.to_string(), "-ac", "1", "-c:a", "libmp3lame"])
        .args(["-b:a", "32k", "-id3v2_version", "3", "-metadata"])
        .arg(format!("title={title}"))
        .args(["-metadata", "artist=Dateline", "-f", "mp3", "-"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("running ffmpeg (scripts/install-deps installs it)")?;
    ensure!(out.status.success(), "ffmpeg failed");
    Ok(Bytes::from(out.stdout))
}

/// The sample rate of the MPEG audio frame starting `h`.
fn frame_rate(h: &[u8]) -> u32 {
    let version = (h[1] >> 3) & 3;
    let index = usize::from((h[2] >> 2) & 3);
    match version {
        3 => [44_100, 48_000, 32_000][index],
        2 => [22_050, 24_000, 16_000][index],
        _ => [11_025, 12_000, 8_000][index],
    }
}

/// Every byte of `audio` as whole MP3 frames (a torn frame fails), as runs of one sample
/// rate: (rate, byte offset where the run starts).
fn rate_runs(audio: &[u8]) -> anyhow::Result<Vec<(u32, usize)>> {
    let mut runs: Vec<(u32, usize)> = Vec::new();
    let mut at = 0;
    while at + 4 <= audio.len() {
        let h = [audio[at], audio[at + 1], audio[at + 2], audio[at + 3]];
        let len = mp3_frame_len(h).with_context(|| format!("a torn frame at byte {at}"))?;
        if at + len > audio.len() {
            break;
        }
        let rate = frame_rate(&h);
        if runs.last().is_none_or(|r| r.0 != rate) {
            runs.push((rate, at));
        }
        at += len;
    }
    Ok(runs)
}

/// The first audio frame of an MP3 file as ffmpeg writes it: after its ID3 tag and, when
/// there is one, the silent Info frame that describes the file (ffmpeg writes none into a
/// pipe, which cannot be rewound to fill it in).
fn first_audio_frame(file: &[u8]) -> anyhow::Result<&[u8]> {
    ensure!(&file[..3] == b"ID3", "ffmpeg's file starts with its tag");
    let mut at = 10
        + file[6..10]
            .iter()
            .fold(0usize, |a, &b| (a << 7) | usize::from(b));
    let h = |at: usize| [file[at], file[at + 1], file[at + 2], file[at + 3]];
    let len = mp3_frame_len(h(at)).context("the first frame")?;
    let frame = &file[at..at + len];
    if frame[..len.min(64)]
        .windows(4)
        .any(|w| w == b"Xing" || w == b"Info")
    {
        at += len;
    }
    let len = mp3_frame_len(h(at)).context("the first audio frame")?;
    Ok(&file[at..at + len])
}

/// Issue 23: the weekly schedule names a playlist, and a pre-recorded programme airs at its
/// time: the mount's listeners move from its own playlist to the programme's at the
/// programme's start (the first file from its start, at a frame boundary), now playing and
/// `/api/v1/live` name the programme, and at its end the mount's own playlist comes back.
/// The files are told apart by their sample rates. Time is the test's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_23_a_programme_airs_from_its_playlist_at_its_time() -> anyhow::Result<()> {
    use dateline_core::live::{AudioFormat, PlaylistName};
    use dateline_core::schedule::{Days, parse_time};
    let app = TestApp::start(TestBackend::Sqlite).await?;
    // The site is in Europe/London, on GMT in March.
    app.clock.set("2026-03-10T06:59:50Z".parse()?);
    let path = mount("/live/radio.mp3");
    app.live_mount("/live/radio.mp3", PASSWORD, |m| m.name = "Radio".to_owned())
        .await?;
    let own = mp3_at(22_050, 4, "Station identification").await?;
    add_file(
        &app.store,
        &app.state.media,
        &path,
        "ident.mp3",
        own,
        app.clock.now(),
    )
    .await?;
    let tape = mp3_at(16_000, 6, "Interview").await?;
    let name = PlaylistName::parse("morning-tape")?;
    let playlist = app
        .store
        .create_playlist(&name, AudioFormat::Mp3, app.clock.now())
        .await?;
    dateline_web::live::playlist::add_file_to_playlist(
        &app.store,
        &app.state.media,
        &playlist,
        "interview.mp3",
        tape.clone(),
        app.clock.now(),
    )
    .await?;
    // A file of another format is refused for the named playlist too, with a sentence.
    let ogg = tagged_ogg("libopus", 440, 1, "x").await?;
    let refused = dateline_web::live::playlist::add_file_to_playlist(
        &app.store,
        &app.state.media,
        &playlist,
        "x.opus",
        ogg,
        app.clock.now(),
    )
    .await
    .expect_err("an Opus file on an MP3 playlist");
    assert_eq!(
        refused.to_string(),
        "x.opus cannot go on the playlist morning-tape: the file is not mp3 audio: it holds no \
         MP3 frames (is it another format?); this playlist holds mp3 files"
    );
    let programme = app
        .store
        .create_programme(
            dateline_store::NewProgramme {
                title: "Morning Tape".into(),
                presenter: "Ana Lopes".into(),
                description: String::new(),
                days: Days::parse("daily")?,
                starts: parse_time("07:00")?,
                ends: parse_time("07:01")?,
                playlist_id: Some(playlist.id),
            },
            app.clock.now(),
        )
        .await?;
    assert_eq!(programme.playlist.as_ref(), Some(&name));

    // Before the programme: the mount's own playlist.
    app.state.playlists.sync().await?;
    hub_until(&app, "the mount's playlist to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.playlist && s.programme.is_none())
    })
    .await?;
    let listener = RawListener::connect(&app, "/live/radio.mp3", true).await?;
    let metaint: usize = listener
        .header("icy-metaint")
        .context("an ICY interval")?
        .parse()?;
    let ear = Timed::start(listener);
    ear.until("the mount's own playlist", |b| b.len() > 6_000)
        .await?;

    // 07:00: the programme's playlist goes on.
    app.clock.set("2026-03-10T07:00:00Z".parse()?);
    // The keeper looks on the minute; the test's clock does not move by itself, so it is
    // asked to look now (its own look may come first: either sees the programme).
    app.state.playlists.sync().await?;
    hub_until(&app, "the programme's playlist to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.programme.as_deref() == Some("Morning Tape"))
    })
    .await?;
    let status = app.json("/api/v1/live", 200).await?;
    let source = &status["mounts"][0]["source"];
    assert_eq!(source["playlist"], true);
    assert_eq!(source["programme"], "Morning Tape");
    assert_eq!(source["title"], "Morning Tape: Dateline - Interview");
    // Its audio, and its title at the next metadata block (one every 16,000 bytes, four
    // seconds at 32 kbit/s).
    let heard_programme = |b: &[u8]| {
        deinterleave(b, metaint).is_ok_and(|(audio, titles)| {
            rate_runs(&audio).is_ok_and(|runs| runs.iter().any(|r| r.0 == 16_000))
                && titles
                    .last()
                    .is_some_and(|t| t == "Morning Tape: Dateline - Interview")
        })
    };
    ear.until("the programme's file and title", heard_programme)
        .await?;
    // A second listener tuning in now hears the programme too.
    let late = RawListener::connect(&app, "/live/radio.mp3", false).await?;
    let late = Timed::start(late);
    late.until("the programme for a late listener", |b| {
        rate_runs(b).is_ok_and(|runs| runs.first().is_some_and(|r| r.0 == 16_000))
    })
    .await?;
    drop(late);

    // 07:01: the programme is over and the mount's own playlist is back.
    app.clock.set("2026-03-10T07:01:00Z".parse()?);
    app.state.playlists.sync().await?;
    hub_until(&app, "the mount's own playlist to be back", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.playlist && s.programme.is_none())
    })
    .await?;
    let heard_back = |b: &[u8]| {
        deinterleave(b, metaint)
            .ok()
            .and_then(|(audio, _)| rate_runs(&audio).ok())
            .is_some_and(|runs| runs.len() >= 3)
    };
    ear.until("the mount's own playlist after the programme", heard_back)
        .await?;
    ear.until("its title after the programme", |b| {
        deinterleave(b, metaint).is_ok_and(|(_, titles)| {
            titles
                .last()
                .is_some_and(|t| t == "Dateline - Station identification")
        })
    })
    .await?;
    let body = ear.body.lock().expect("not poisoned").clone();
    let (audio, titles) = deinterleave(&body, metaint)?;
    // Whole frames throughout: the mount's playlist, the programme, the mount's again.
    let runs = rate_runs(&audio)?;
    assert_eq!(
        runs.iter().map(|r| r.0).collect::<Vec<_>>(),
        [22_050, 16_000, 22_050],
        "{runs:?}"
    );
    // The programme starts from its first file's first audio frame.
    let first = first_audio_frame(&tape)?;
    assert_eq!(&audio[runs[1].1..runs[1].1 + first.len()], first);
    assert!(
        titles
            .iter()
            .any(|t| t == "Morning Tape: Dateline - Interview"),
        "titles {titles:?}"
    );
    assert_eq!(
        titles.last().map(String::as_str),
        Some("Dateline - Station identification"),
        "titles {titles:?}"
    );
    ear.ensure_no_long_gap("own playlist, programme, own playlist")?;
    Ok(())
}

/// Issue 23: a live source still wins over a programme's playlist (Icecast's
/// fallback-override), and the programme's playlist is back when it leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_23_a_source_wins_over_a_programmes_playlist() -> anyhow::Result<()> {
    use dateline_core::live::{AudioFormat, PlaylistName};
    use dateline_core::schedule::{Days, parse_time};
    let app = TestApp::start(TestBackend::Sqlite).await?;
    app.clock.set("2026-03-10T07:00:10Z".parse()?);
    let path = mount("/live/radio.mp3");
    app.live_mount("/live/radio.mp3", PASSWORD, |_| {}).await?;
    let name = PlaylistName::parse("tape")?;
    let playlist = app
        .store
        .create_playlist(&name, AudioFormat::Mp3, app.clock.now())
        .await?;
    let tape = tagged_mp3(330, 4, "Interview", "Dateline").await?;
    dateline_web::live::playlist::add_file_to_playlist(
        &app.store,
        &app.state.media,
        &playlist,
        "interview.mp3",
        tape,
        app.clock.now(),
    )
    .await?;
    app.store
        .create_programme(
            dateline_store::NewProgramme {
                title: "Tape".into(),
                presenter: String::new(),
                description: String::new(),
                days: Days::parse("daily")?,
                starts: parse_time("07:00")?,
                ends: parse_time("08:00")?,
                playlist_id: Some(playlist.id),
            },
            app.clock.now(),
        )
        .await?;
    // The mount has no playlist of its own: the programme's plays all the same.
    app.state.playlists.sync().await?;
    hub_until(&app, "the programme's playlist to go on air", |h| {
        h.mount_status(&path)
            .and_then(|s| s.source)
            .is_some_and(|s| s.programme.as_deref() == Some("Tape"))
    })
    .await?;
    let listener = RawListener::connect(&app, "/live/radio.mp3", false).await?;
    let ear = Timed::start(listener);
    ear.until("the programme", |b| b.len() > 6_000).await?;
    let ffmpeg = ffmpeg_source(&app, "/live/radio.mp3", PASSWORD, 880, 3)?;
    ear.until("the source's audio", |b| {
        frames_throughout(b).is_ok_and(|f| f.iter().any(|(_, k)| *k == Kind::Live))
    })
    .await?;
    let out = within("ffmpeg to finish", ffmpeg.wait_with_output()).await??;
    ensure!(out.status.success(), "ffmpeg failed");
    let back_from = ear.len();
    ear.until("the programme after the source", |b| {
        b.len() > back_from + 6_000
    })
    .await?;
    let body = ear.body.lock().expect("not poisoned").clone();
    let mut runs: Vec<Kind> = Vec::new();
    for (_, k) in frames_throughout(&body)? {
        if runs.last() != Some(&k) {
            runs.push(k);
        }
    }
    assert_eq!(runs, [Kind::Playlist, Kind::Live, Kind::Playlist]);
    Ok(())
}

backend_test!(
    the_station_page_adds_orders_shuffles_and_removes_files,
    |app| {
        use dateline_core::permissions::Role;
        let path = mount("/live/radio.mp3");
        app.live_mount("/live/radio.mp3", PASSWORD, |m| m.name = "Radio".to_owned())
            .await?;
        // Writers do not run the station; the desk does.
        let author = app.login_as(Role::Author).await?;
        assert_eq!(author.get("/newsroom/station").await?.status(), 403);
        let author_page = author.page("/newsroom/", 200).await?;
        assert!(!author_page.has("a[href='/newsroom/station']"));
        let b = app.login_as(Role::Editor).await?;
        let page = b.page("/newsroom/station", 200).await?;
        assert!(page.has("nav a[href='/newsroom/station'][aria-current=page]"));
        assert_eq!(page.text("#live-radio-mp3 .nr-state"), "Off air");
        assert!(page.has(
        "#live-radio-mp3 form[enctype='multipart/form-data'] input[type=file][name=file][accept*='.mp3']"
    ));
        assert!(page.has("#live-radio-mp3 form input[name=csrf]"));

        let ident = tagged_mp3(440, 2, "Ident", "Dateline").await?;
        let res = b
            .upload(
                "/newsroom/station/files",
                &[("mount", "/live/radio.mp3")],
                ("ident.mp3", "audio/mpeg", &ident),
            )
            .await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        assert_eq!(
            crate::location(&res),
            "/newsroom/station?done=added#live-radio-mp3"
        );
        // Another format is refused with a sentence above the field, and nothing is stored.
        let wav = b"RIFF\x24\x08\x00\x00WAVEfmt ".repeat(200);
        let res = b
            .upload(
                "/newsroom/station/files",
                &[("mount", "/live/radio.mp3")],
                ("talk.wav", "audio/wav", &wav),
            )
            .await?;
        assert_eq!(res.status(), 415);
        let refused = dateline_testkit::Page::parse(&res.text().await?);
        let sentence = "talk.wav cannot go on the playlist of /live/radio.mp3: the file is not mp3 \
                    audio: it holds no MP3 frames (is it another format?); this mount plays mp3 \
                    files. Nothing was stored.";
        assert_eq!(
            refused.text(".nr-error-summary a[href='#file-live-radio-mp3']"),
            sentence
        );
        assert!(
            refused
                .text("#file-live-radio-mp3-error")
                .contains(sentence)
        );
        // A forged form and an unknown mount: refused, nothing stored.
        let res = b
            .upload_raw(
                "/newsroom/station/files",
                &[("csrf", "forged"), ("mount", "/live/radio.mp3")],
                Some(("x.mp3", "audio/mpeg", &ident)),
            )
            .await?;
        assert_eq!(res.status(), 403);
        let res = b
            .upload(
                "/newsroom/station/files",
                &[("mount", "/live/none.mp3")],
                ("x.mp3", "audio/mpeg", &ident),
            )
            .await?;
        assert_eq!(res.status(), 400);
        assert!(res.text().await?.contains("There is no mount at"));
        assert_eq!(app.store.playlist(&path).await?.items.len(), 1);

        let interlude = tagged_mp3(660, 2, "Interlude", "Dateline").await?;
        let res = b
            .upload(
                "/newsroom/station/files",
                &[("mount", "/live/radio.mp3")],
                ("interlude.mp3", "audio/mpeg", &interlude),
            )
            .await?;
        assert_eq!(res.status(), 303);
        let items = app.store.playlist(&path).await?.items;
        let (first, second) = (items[0].id, items[1].id);
        let page = b.page("/newsroom/station", 200).await?;
        assert_eq!(
            page.texts("#live-radio-mp3 .nr-track .nr-headline"),
            ["Dateline - Ident", "Dateline - Interlude"]
        );
        // Moving works without script: each row's buttons are a form; the ends cannot move on.
        assert!(page.has(&format!(
            "#live-radio-mp3-{first} button[name=to][value='0'][disabled]"
        )));
        assert!(page.has(&format!(
            "#live-radio-mp3-{second} button[name=to][value='3'][disabled]"
        )));
        let res = b
            .submit(
                "/newsroom/station/move",
                &[
                    ("mount", "/live/radio.mp3"),
                    ("id", &second.to_string()),
                    ("to", "1"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let order: Vec<i64> = app
            .store
            .playlist(&path)
            .await?
            .items
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(order, [second, first]);
        let res = b
            .submit(
                "/newsroom/station/move",
                &[("mount", "/live/radio.mp3"), ("id", "999"), ("to", "1")],
            )
            .await?;
        assert_eq!(res.status(), 400);
        assert!(
            res.text()
                .await?
                .contains("not on the playlist of /live/radio.mp3")
        );
        let res = b
            .post(
                "/newsroom/station/move",
                &[
                    ("mount", "/live/radio.mp3"),
                    ("id", &second.to_string()),
                    ("to", "2"),
                    ("csrf", "forged"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 403);

        let res = b
            .submit(
                "/newsroom/station/shuffle",
                &[("mount", "/live/radio.mp3"), ("shuffle", "on")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert!(app.store.playlist(&path).await?.shuffle);
        let page = b.page("/newsroom/station", 200).await?;
        assert!(page.has("#live-radio-mp3-shuffled[checked]"));

        // Removing asks first (a page of its own, no script needed), then removes.
        let res = b
            .submit(
                "/newsroom/station/remove",
                &[("mount", "/live/radio.mp3"), ("id", &first.to_string())],
            )
            .await?;
        assert_eq!(res.status(), 200);
        let confirm = dateline_testkit::Page::parse(&res.text().await?);
        assert!(confirm.has("form input[name=confirm][value='1']"));
        assert!(confirm.has("button.nr-danger"));
        assert_eq!(app.store.playlist(&path).await?.items.len(), 2);
        let res = b
            .submit(
                "/newsroom/station/remove",
                &[
                    ("mount", "/live/radio.mp3"),
                    ("id", &first.to_string()),
                    ("confirm", "1"),
                ],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let left: Vec<i64> = app
            .store
            .playlist(&path)
            .await?
            .items
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(left, [second]);

        // On air from the playlist, the page says so and names what is playing.
        app.state.playlists.sync().await?;
        hub_until(&app, "the playlist to go on air", |h| {
            h.mount_status(&path)
                .and_then(|s| s.source)
                .is_some_and(|s| s.playlist)
        })
        .await?;
        let page = b.page("/newsroom/station", 200).await?;
        assert_eq!(page.text("#live-radio-mp3 .nr-state"), "Playlist");
        assert!(
            page.text("#live-radio-mp3 .nr-now")
                .contains("Dateline - Interlude")
        );
        Ok(())
    }
);

backend_test!(
    issue_23_the_station_page_sets_the_playlist_a_programme_airs_from,
    |app| {
        use dateline_core::live::{AudioFormat, PlaylistName};
        use dateline_core::permissions::Role;
        use dateline_core::schedule::{Days, parse_time};
        app.live_mount("/live/radio.mp3", PASSWORD, |_| {}).await?;
        let name = PlaylistName::parse("morning-tape")?;
        let tape = app
            .store
            .create_playlist(&name, AudioFormat::Mp3, app.clock.now())
            .await?;
        let taken = app
            .store
            .create_playlist(&name, AudioFormat::Ogg, app.clock.now())
            .await;
        assert!(matches!(taken, Err(dateline_store::StoreError::Taken(f)) if f == "name"));
        let programme = app
            .store
            .create_programme(
                dateline_store::NewProgramme {
                    title: "Morning Tape".into(),
                    presenter: String::new(),
                    description: String::new(),
                    days: Days::parse("mon-fri")?,
                    starts: parse_time("07:00")?,
                    ends: parse_time("08:00")?,
                    playlist_id: None,
                },
                app.clock.now(),
            )
            .await?;
        let b = app.login_as(Role::Editor).await?;
        let page = b.page("/newsroom/station", 200).await?;
        let row = format!("#programme-{}", programme.id);
        assert!(
            page.text(&format!("{row} .nr-meta"))
                .contains("live, from no playlist")
        );
        assert!(page.has(&format!(
            "{row} select[name=playlist] option[value='morning-tape']"
        )));
        let id = programme.id.to_string();
        let res = b
            .submit(
                "/newsroom/station/programme",
                &[("id", &id), ("playlist", "morning-tape")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert_eq!(
            crate::location(&res),
            format!("/newsroom/station?done=programme#programme-{id}")
        );
        let stored = app.store.programmes().await?;
        assert_eq!(stored[0].playlist.as_ref(), Some(&name));
        let page = b.page("/newsroom/station", 200).await?;
        assert!(
            page.text(&format!("{row} .nr-meta"))
                .contains("airs from the playlist morning-tape")
        );
        assert!(page.has(&format!("{row} option[value='morning-tape'][selected]")));
        // An unknown playlist, an unknown programme, a forged form: refused, nothing changed.
        let res = b
            .submit(
                "/newsroom/station/programme",
                &[("id", &id), ("playlist", "nope")],
            )
            .await?;
        assert_eq!(res.status(), 400);
        assert!(
            res.text()
                .await?
                .contains("There is no playlist called &quot;nope&quot;")
        );
        let res = b
            .submit(
                "/newsroom/station/programme",
                &[("id", "999"), ("playlist", "")],
            )
            .await?;
        assert_eq!(res.status(), 400);
        let res = b
            .post(
                "/newsroom/station/programme",
                &[("id", &id), ("playlist", ""), ("csrf", "forged")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        assert_eq!(
            app.store.programmes().await?[0].playlist.as_ref(),
            Some(&name)
        );
        assert_eq!(tape.name, name);
        // Back to live.
        let res = b
            .submit(
                "/newsroom/station/programme",
                &[("id", &id), ("playlist", "")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert!(app.store.programmes().await?[0].playlist.is_none());
        // Writers do not run the station.
        let author = app.login_as(Role::Author).await?;
        let res = author
            .post(
                "/newsroom/station/programme",
                &[("id", &id), ("playlist", "morning-tape")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        Ok(())
    }
);
