//! Playlists in memory, on tokio's paused clock: files become whole frames paced by their
//! durations, titles come from tags, and listeners move to a source and back at frame
//! boundaries. Every wait is for an event and bounded.

use super::*;
use crate::testing::{adts_frame, id3, mp3_stream};
use crate::{Hub, HubOptions, MountConfig, SourceInfo};
use dateline_core::live::MountPath;
use std::future::Future;
use std::sync::Mutex;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

fn path(s: &str) -> MountPath {
    MountPath::parse(s).expect("valid mount path")
}

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(600), f)
        .await
        .expect("the awaited event did not happen in time")
}

/// A file: an ID3 tag with a title, an Info frame, then `n` frames of 26.12 ms each.
fn file(n: usize, seed: u8, title: &str) -> Bytes {
    let mut tag = id3(0);
    let mut frame = b"TIT2".to_vec();
    frame.extend(((title.len() + 1) as u32).to_be_bytes());
    frame.extend([0, 0, 3]);
    frame.extend(title.as_bytes());
    tag.extend(&frame);
    let size = (tag.len() - 10) as u32;
    tag[6..10].copy_from_slice(&[
        (size >> 21) as u8 & 0x7F,
        (size >> 14) as u8 & 0x7F,
        (size >> 7) as u8 & 0x7F,
        size as u8 & 0x7F,
    ]);
    let mut info = crate::testing::mp3_frame(false, 1);
    info[40..44].copy_from_slice(b"Info");
    let (frames, _) = mp3_stream(n, seed);
    Bytes::from([tag, info, frames].concat())
}

/// The MP3 frames of `stream` from its start; panics at a byte that does not start a frame
/// (a torn frame). What is left at the end (a frame still arriving) is returned apart.
fn frames_of(stream: &[u8]) -> (Vec<Vec<u8>>, usize) {
    let mut at = 0;
    let mut out = Vec::new();
    while at + 4 <= stream.len() {
        let h = [stream[at], stream[at + 1], stream[at + 2], stream[at + 3]];
        let len = crate::format::mp3_frame_len(h)
            .unwrap_or_else(|| panic!("no frame starts at byte {at}: a torn frame"));
        if at + len > stream.len() {
            break;
        }
        out.push(stream[at..at + len].to_vec());
        at += len;
    }
    (out, stream.len() - at)
}

struct Ear {
    data: Arc<Mutex<Vec<u8>>>,
    len: watch::Receiver<usize>,
}

impl Ear {
    fn new(listener: crate::Listener) -> Self {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move { listener.pump(&mut server).await });
        let data = Arc::new(Mutex::new(Vec::new()));
        let (tx, len) = watch::channel(0);
        let sink = data.clone();
        tokio::spawn(async move {
            let mut buf = vec![0; 8192];
            while let Ok(n) = client.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let mut d = sink.lock().expect("not poisoned");
                d.extend_from_slice(&buf[..n]);
                tx.send_replace(d.len());
            }
        });
        Self { data, len }
    }

    async fn wait_for(&mut self, n: usize) {
        within(self.len.wait_for(|l| *l >= n))
            .await
            .expect("reader alive");
    }

    fn bytes(&self) -> Vec<u8> {
        self.data.lock().expect("not poisoned").clone()
    }
}

const FRAME_NANOS: u64 = 1152 * 1_000_000_000 / 44_100;

#[test]
fn a_file_becomes_its_frames_without_tags_or_info_frame() {
    let track = Track::parse(AudioFormat::Mp3, file(100, 1, "Ident")).expect("an MP3 file");
    assert_eq!(track.frames.len(), 100);
    assert_eq!(track.title(), "Ident");
    assert_eq!(track.duration(), Duration::from_nanos(100 * FRAME_NANOS));
}

#[test]
fn a_file_of_another_format_is_refused_with_a_sentence() {
    let adts: Vec<u8> = (0..50).flat_map(|_| adts_frame(300, 7)).collect();
    let err = Track::parse(AudioFormat::Mp3, Bytes::from(adts.clone())).expect_err("not MP3");
    assert_eq!(
        err.to_string(),
        "the file is not mp3 audio: it holds no MP3 frames (is it another format?)"
    );
    assert!(Track::parse(AudioFormat::Aac, Bytes::from(adts)).is_ok());
    let ogg = Track::parse(AudioFormat::Ogg, Bytes::from_static(b"OggS")).expect_err("ogg");
    assert_eq!(
        ogg.to_string(),
        "the file is not ogg audio: it is not Ogg Vorbis or Opus (is it another format?)"
    );
}

#[tokio::test(start_paused = true)]
async fn a_playlist_plays_in_real_time_gaplessly_and_repeats() {
    let p = path("/live/a.mp3");
    let hub = Hub::new(HubOptions::default());
    let mut config = MountConfig::new(p.clone(), AudioFormat::Mp3);
    config.burst_bytes = 0;
    hub.configure(config);
    let a = Track::parse(AudioFormat::Mp3, file(40, 1, "A")).expect("mp3");
    let b = Track::parse(AudioFormat::Mp3, file(60, 2, "B")).expect("mp3");
    let _handle = hub
        .start_playlist(
            &p,
            Playlist {
                tracks: vec![a, b],
                shuffle: false,
                seed: 1,
                programme: None,
            },
            0,
        )
        .expect("playlist on air");
    let started = Instant::now();
    let mut ear = Ear::new(hub.listen(&p, false).expect("the playlist is on air"));
    // 250 frames: twice round (100 frames each) and half a file more.
    let (one, _) = mp3_stream(40, 1);
    let (two, _) = mp3_stream(60, 2);
    let round = [one.as_slice(), two.as_slice()].concat();
    let want = [round.as_slice(), &round, &round[..one.len() + 10 * 418]].concat();
    ear.wait_for(want.len()).await;
    let got = ear.bytes();
    let (frames, _) = frames_of(&got);
    let heard = Duration::from_nanos(frames.len() as u64 * FRAME_NANOS);
    let elapsed = started.elapsed();
    // Paced by frame durations: never more than the lead (plus a chunk and a frame) ahead.
    assert!(
        heard <= elapsed + LEAD + 2 * CHUNK,
        "{heard:?} of audio after {elapsed:?}: flooded"
    );
    assert!(
        heard + CHUNK >= elapsed,
        "{heard:?} after {elapsed:?}: starved"
    );
    assert_eq!(
        &got[..want.len()],
        want.as_slice(),
        "gapless, in order, repeating"
    );
    // The title changes when a file's first chunk is published (up to the lead early).
    let title = hub.title(&p).expect("on air");
    assert!(title == "A" || title == "B", "title {title:?}");
}

#[tokio::test(start_paused = true)]
async fn listeners_move_to_a_source_and_back_at_frame_boundaries() {
    let p = path("/live/a.mp3");
    let hub = Hub::new(HubOptions {
        chunk_bytes: 1000,
        ..HubOptions::default()
    });
    hub.configure(MountConfig::new(p.clone(), AudioFormat::Mp3));
    let track = Track::parse(AudioFormat::Mp3, file(200, 1, "Playlist")).expect("mp3");
    let _handle = hub
        .start_playlist(
            &p,
            Playlist {
                tracks: vec![track],
                shuffle: true,
                seed: 7,
                programme: None,
            },
            0,
        )
        .expect("playlist on air");
    let mut ear = Ear::new(hub.listen(&p, true).expect("the playlist is on air"));
    ear.wait_for(20_000).await;
    let mut source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("a source may connect while the playlist plays");
    // The source's frames are told apart by their fill bytes (seed 9).
    let (live, _) = mp3_stream(30, 9);
    source.push(&live);
    let before = ear.bytes().len();
    ear.wait_for(before + live.len()).await;
    drop(source);
    let after = ear.bytes().len();
    ear.wait_for(after + 20_000).await;
    let got = ear.bytes();
    let (audio, titles) = crate::testing::deinterleave(&got, crate::icy::DEFAULT_METAINT);
    let (frames, _) = frames_of(&audio);
    let live_frames: Vec<Vec<u8>> = frames_of(&live).0;
    let first_live = frames
        .iter()
        .position(|f| *f == live_frames[0])
        .expect("the source was heard");
    assert_eq!(
        &frames[first_live..first_live + live_frames.len()],
        live_frames.as_slice(),
        "the whole source, in order"
    );
    assert!(first_live > 0, "the playlist played first");
    assert!(
        frames.len() > first_live + live_frames.len(),
        "the playlist came back"
    );
    assert!(titles.first().is_some_and(|t| t == "Playlist"));
}

/// What a listener heard of an Ogg stream: its pages (every one whole, with a valid CRC), as
/// (beginning of a stream, serial, first body byte).
fn ogg_pages_of(stream: &[u8]) -> Vec<(bool, u32, u8)> {
    let pages = crate::ogg::pages(stream)
        .unwrap_or_else(|at| panic!("no whole Ogg page with a valid CRC at byte {at}"));
    pages
        .iter()
        .map(|p| {
            let body_at = p.start + p.len - 1;
            (p.bos, p.serial, stream[body_at])
        })
        .collect()
}

#[test]
fn an_opus_file_becomes_pages_timed_by_granule_positions() {
    let track = Track::parse(
        AudioFormat::Ogg,
        Bytes::from(crate::testing::opus_file(5, 20, 3, "Ident")),
    )
    .expect("an Opus file");
    assert_eq!(track.title(), "Ident");
    assert_eq!(track.frames.iter().filter(|f| f.header).count(), 2);
    // Twenty pages of 100 ms; the pre-skip is not heard.
    assert_eq!(track.duration(), Duration::from_secs(2));
    let mp3 = Track::parse(AudioFormat::Ogg, file(10, 1, "x")).expect_err("MP3 on Ogg");
    assert!(mp3.to_string().contains("not Ogg Vorbis or Opus"), "{mp3}");
}

#[tokio::test(start_paused = true)]
async fn an_ogg_playlist_is_a_chain_of_streams_paced_by_granules() {
    let p = path("/live/a.ogg");
    let hub = Hub::new(HubOptions::default());
    let mut config = MountConfig::new(p.clone(), AudioFormat::Ogg);
    config.burst_bytes = 0;
    hub.configure(config);
    // One file, so it follows itself: each time round it must be a new logical stream.
    let file = crate::testing::opus_file(5, 20, 3, "Ident");
    let track = Track::parse(AudioFormat::Ogg, Bytes::from(file.clone())).expect("opus");
    let _handle = hub
        .start_playlist(
            &p,
            Playlist {
                tracks: vec![track],
                shuffle: false,
                seed: 11,
                programme: None,
            },
            0,
        )
        .expect("playlist on air");
    let started = Instant::now();
    let mut ear = Ear::new(hub.listen(&p, false).expect("the playlist is on air"));
    ear.wait_for(file.len() * 3).await;
    let elapsed = started.elapsed();
    let got = ear.bytes();
    let whole = crate::ogg::pages(&got).map_or_else(|at| got[..at].to_vec(), |_| got.clone());
    let pages = ogg_pages_of(&whole);
    let starts: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].0).collect();
    assert_eq!(
        starts.first(),
        Some(&0),
        "the listener starts with the headers"
    );
    assert!(starts.len() >= 3, "three times round: {starts:?}");
    for w in starts.windows(2) {
        assert_eq!(w[1] - w[0], 22, "a whole file each time round");
        assert_ne!(pages[w[0]].1, pages[w[1]].1, "a new serial each time round");
    }
    // Paced by granule positions: 2 s a round, never more than the lead ahead.
    let heard = Duration::from_millis(100) * (pages.len() - 2 * starts.len()) as u32;
    assert!(
        heard <= elapsed + LEAD + 2 * CHUNK,
        "{heard:?} of audio after {elapsed:?}: flooded"
    );
    assert!(
        heard + CHUNK >= elapsed,
        "{heard:?} after {elapsed:?}: starved"
    );
}

#[tokio::test(start_paused = true)]
async fn an_ogg_listener_back_from_a_source_gets_the_playlists_headers_first() {
    let p = path("/live/a.ogg");
    let hub = Hub::new(HubOptions {
        chunk_bytes: 1000,
        ..HubOptions::default()
    });
    hub.configure(MountConfig::new(p.clone(), AudioFormat::Ogg));
    let file = crate::testing::opus_file(5, 200, 3, "Playlist");
    let track = Track::parse(AudioFormat::Ogg, Bytes::from(file)).expect("opus");
    let _handle = hub
        .start_playlist(
            &p,
            Playlist {
                tracks: vec![track],
                shuffle: false,
                seed: 3,
                programme: None,
            },
            0,
        )
        .expect("playlist on air");
    let mut ear = Ear::new(hub.listen(&p, false).expect("the playlist is on air"));
    ear.wait_for(10_000).await;
    let mut source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("a source may connect while the playlist plays");
    let live = crate::testing::opus_file(77, 10, 9, "Live");
    source.push(&live);
    let before = ear.bytes().len();
    ear.wait_for(before + live.len()).await;
    drop(source);
    let after = ear.bytes().len();
    ear.wait_for(after + 10_000).await;
    let got = ear.bytes();
    let whole = crate::ogg::pages(&got).map_or_else(|at| got[..at].to_vec(), |_| got.clone());
    let pages = ogg_pages_of(&whole);
    let first_live = pages
        .iter()
        .position(|p| p.1 == 77)
        .expect("the source was heard");
    let last_live = pages
        .iter()
        .rposition(|p| p.1 == 77)
        .expect("the source was heard");
    assert!(pages[first_live].0, "the source starts with its headers");
    assert_eq!(last_live - first_live, 11, "the whole source, in order");
    let back = &pages[last_live + 1..];
    assert!(back.len() > 3, "the playlist came back");
    assert!(
        back[0].0 && !back[1].0,
        "back from the source, the playlist's stream starts again with its two header pages"
    );
    assert!(back[2..].iter().all(|p| p.2 == 3), "then its audio");
}

#[tokio::test(start_paused = true)]
async fn issue_23_listeners_stay_on_the_playlist_until_an_ogg_source_has_audio() {
    let p = path("/live/a.ogg");
    // The default 8 KiB chunks: more than the whole source below.
    let hub = Hub::new(HubOptions::default());
    hub.configure(MountConfig::new(p.clone(), AudioFormat::Ogg));
    let file = crate::testing::opus_file(5, 200, 3, "Playlist");
    let track = Track::parse(AudioFormat::Ogg, Bytes::from(file)).expect("opus");
    let _handle = hub
        .start_playlist(
            &p,
            Playlist {
                tracks: vec![track],
                shuffle: false,
                seed: 3,
                programme: None,
            },
            0,
        )
        .expect("playlist on air");
    let mut ear = Ear::new(hub.listen(&p, false).expect("the playlist is on air"));
    ear.wait_for(5_000).await;
    let mut source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("a source may connect while the playlist plays");
    let live = crate::testing::opus_file(77, 10, 9, "Live");
    let headers = crate::ogg::pages(&live).expect("whole pages")[..2]
        .iter()
        .map(|page| page.start + page.len)
        .max()
        .expect("two header pages");
    // Only the source's header pages (and the first audio page still arriving): the
    // listener keeps hearing the playlist for seconds rather than waiting in silence, and
    // a listener who connects now gets the playlist too.
    source.push(&live[..headers + 10]);
    let waiting = ear.bytes().len();
    ear.wait_for(waiting + 3_000).await;
    let newcomer = hub.listen(&p, false).expect("on air");
    assert_eq!(
        newcomer.describe().info.user_agent.as_deref(),
        Some("dateline playlist"),
        "a newcomer gets the playlist while the source has no audio"
    );
    assert!(
        ogg_pages_of(
            &crate::ogg::pages(&ear.bytes())
                .map_or_else(|at| ear.bytes()[..at].to_vec(), |_| ear.bytes())
        )
        .iter()
        .all(|page| page.1 != 77),
        "no page of the source before its audio"
    );
    drop(newcomer);
    // Its audio arrives, a 100 ms page every 100 ms, far too little to fill a chunk: within
    // half a second what is complete goes out, and the listener moves, the source's headers
    // first.
    let pages = crate::ogg::pages(&live).expect("whole pages");
    let mut sent = headers + 10;
    let started = Instant::now();
    for page in &pages[2..] {
        let end = page.start + page.len;
        source.push(&live[sent..end]);
        sent = end;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let heard = |b: &[u8]| {
        let whole = crate::ogg::pages(b).map_or_else(|at| b[..at].to_vec(), |_| b.to_vec());
        ogg_pages_of(&whole)
            .iter()
            .any(|page| page.1 == 77 && !page.0)
    };
    assert!(
        heard(&ear.bytes()),
        "the source's audio was heard within {:?} of its first page",
        started.elapsed()
    );
    let got = ear.bytes();
    let whole = crate::ogg::pages(&got).map_or_else(|at| got[..at].to_vec(), |_| got.clone());
    let pages = ogg_pages_of(&whole);
    let first_live = pages
        .iter()
        .position(|page| page.1 == 77)
        .expect("the source was heard");
    assert!(pages[first_live].0, "the source starts with its headers");
    assert!(
        pages[first_live + 2..].iter().all(|page| page.1 == 77),
        "then only the source: {pages:?}"
    );
}
