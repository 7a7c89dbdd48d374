//! The relay end to end, in memory: bursts on frame boundaries, identical bytes for every
//! listener, slow-listener drops, fallbacks, refusals, ICY titles and shutdown. Every wait is
//! for an event and bounded in time.

use super::*;
use crate::testing::{deinterleave, mp3_stream, ogg_page};
use crate::{End, Listener};
use std::future::Future;
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, DuplexStream};
use tokio::task::JoinHandle;

fn path(s: &str) -> MountPath {
    MountPath::parse(s).expect("valid mount path")
}

fn hub(mounts: Vec<MountConfig>) -> Hub {
    let hub = Hub::new(HubOptions {
        chunk_bytes: 1000,
        metaint: 1000,
        ..HubOptions::default()
    });
    for m in mounts {
        hub.configure(m);
    }
    hub
}

fn mount(p: &str, f: impl FnOnce(&mut MountConfig)) -> MountConfig {
    let mut m = MountConfig::new(path(p), AudioFormat::Mp3);
    f(&mut m);
    m
}

/// Fail instead of hanging when an awaited event never comes.
async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("the awaited event did not happen within 10 s")
}

/// A listener pumping into an in-memory pipe and a reader recording what arrives.
struct Ear {
    data: Arc<Mutex<Vec<u8>>>,
    len: watch::Receiver<usize>,
    pump: JoinHandle<End>,
}

impl Ear {
    fn new(listener: Listener) -> Self {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let pump = tokio::spawn(async move { listener.pump(&mut server).await });
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
        Self { data, len, pump }
    }

    async fn wait_for(&mut self, n: usize) {
        within(self.len.wait_for(|l| *l >= n))
            .await
            .expect("reader alive");
    }

    fn bytes(&self) -> Vec<u8> {
        self.data.lock().expect("not poisoned").clone()
    }

    async fn end(self) -> (End, Vec<u8>) {
        let end = within(self.pump).await.expect("pump task");
        let mut len = self.len;
        // The pipe closes after the pump; wait for the reader to have seen everything.
        let _ = within(len.wait_for(|_| false)).await;
        (end, self.data.lock().expect("not poisoned").clone())
    }
}

/// A listener whose reader never reads: its pipe holds 1 KiB.
fn deaf(listener: Listener) -> (JoinHandle<End>, DuplexStream) {
    let (client, mut server) = tokio::io::duplex(1024);
    (
        tokio::spawn(async move { listener.pump(&mut server).await }),
        client,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_get_identical_audio_starting_on_a_frame() {
    let hub = hub(vec![mount("/live/a.mp3", |m| m.burst_bytes = 8000)]);
    let (stream, starts) = mp3_stream(120, 1);
    let mut source = hub
        .start_source(&path("/live/a.mp3"), SourceInfo::default(), 0)
        .expect("on air");
    source.push(&stream[..starts[10]]);
    let a = Ear::new(hub.listen(&path("/live/a.mp3"), false).expect("listener"));
    let b = Ear::new(hub.listen(&path("/live/a.mp3"), false).expect("listener"));
    source.push(&stream[starts[10]..starts[60]]);
    let late = hub.listen(&path("/live/a.mp3"), false).expect("listener");
    let mut c = Ear::new(late);
    for piece in stream[starts[60]..].chunks(333) {
        source.push(piece);
    }
    drop(source);
    let (end_a, got_a) = a.end().await;
    let (end_b, got_b) = b.end().await;
    assert_eq!(end_a, End::SourceGone);
    assert_eq!(end_b, End::SourceGone);
    // Early listeners got the whole stream (the burst reached its start).
    assert_eq!(got_a, stream);
    assert_eq!(got_b, stream);
    // The late one started a burst back, on a frame, and then got every byte.
    c.wait_for(1).await;
    let (_, got_c) = c.end().await;
    let start = stream.len() - got_c.len();
    assert!(
        starts.contains(&start),
        "the burst starts mid-frame at {start}"
    );
    assert!(
        stream[..starts[60]].len() - start >= 8000,
        "the burst is short"
    );
    assert_eq!(&stream[start..], got_c.as_slice());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_listener_is_dropped_and_the_others_keep_up() {
    let p = path("/live/a.mp3");
    let hub = hub(vec![mount("/live/a.mp3", |m| {
        m.queue_bytes = 16 * 1024;
        m.burst_bytes = 0;
    })]);
    let (stream, starts) = mp3_stream(400, 2);
    let mut source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("on air");
    let mut fast = Ear::new(hub.listen(&p, false).expect("listener"));
    let (slow, _unread) = deaf(hub.listen(&p, false).expect("listener"));
    let mut sent = 0;
    let mut slow_end = None;
    let mut slow = Some(slow);
    // Ten frames (about 4 KiB) a step.
    let steps = starts
        .iter()
        .step_by(10)
        .skip(1)
        .copied()
        .chain([stream.len()]);
    for end in steps {
        source.push(&stream[sent..end]);
        sent = end;
        // The fast listener keeps up with every step: the slow one never holds it back.
        fast.wait_for(sent).await;
        if let Some(h) = slow.take_if(|h| h.is_finished()) {
            slow_end = Some(within(h).await.expect("pump task"));
        }
    }
    assert_eq!(sent, stream.len());
    let slow_end = match (slow_end, slow) {
        (Some(e), _) => e,
        (None, Some(h)) => within(h).await.expect("pump task"),
        (None, None) => unreachable!("one of the two is set"),
    };
    assert_eq!(slow_end, End::TooSlow);
    assert_eq!(fast.bytes(), stream);
    let status = hub.mount_status(&p).expect("mount");
    assert_eq!(status.slow_listeners_dropped, 1);
    assert_eq!(status.listeners, 1);
    assert_eq!(status.listener_peak, 2);
}

#[tokio::test]
async fn a_second_source_is_refused_until_the_first_leaves() {
    let p = path("/live/a.mp3");
    let hub = hub(vec![mount("/live/a.mp3", |_| {})]);
    let first = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("on air");
    assert_eq!(
        hub.start_source(&p, SourceInfo::default(), 0).err(),
        Some(LiveError::MountInUse)
    );
    drop(first);
    assert!(hub.start_source(&p, SourceInfo::default(), 0).is_ok());
    assert_eq!(
        hub.start_source(&path("/live/none.mp3"), SourceInfo::default(), 0)
            .err(),
        Some(LiveError::NoSuchMount("/live/none.mp3".to_owned()))
    );
}

#[tokio::test]
async fn max_listeners_is_enforced() {
    let p = path("/live/a.mp3");
    let hub = hub(vec![mount("/live/a.mp3", |m| m.max_listeners = Some(2))]);
    let _source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("on air");
    let one = hub.listen(&p, false).expect("first");
    let _two = hub.listen(&p, false).expect("second");
    assert_eq!(hub.listen(&p, false).err(), Some(LiveError::Full));
    drop(one);
    assert!(hub.listen(&p, false).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_move_to_the_fallback_when_the_source_goes() {
    let (a, b) = (path("/live/a.mp3"), path("/live/b.mp3"));
    let hub = hub(vec![
        mount("/live/a.mp3", |m| m.fallback = Some(path("/live/b.mp3"))),
        // No burst on the fallback, so what the moved listener gets is exactly what follows.
        mount("/live/b.mp3", |m| m.burst_bytes = 0),
    ]);
    let (main, _) = mp3_stream(50, 3);
    let (backup, backup_starts) = mp3_stream(100, 4);
    let mut source_b = hub
        .start_source(&b, SourceInfo::default(), 0)
        .expect("on air");
    source_b.push(&backup[..backup_starts[50]]);
    let mut source_a = hub
        .start_source(&a, SourceInfo::default(), 0)
        .expect("on air");
    let mut ear = Ear::new(hub.listen(&a, false).expect("listener"));
    source_a.push(&main);
    ear.wait_for(main.len()).await;
    drop(source_a);
    within(hub.wait_until(|h| {
        h.mount_status(&b).is_some_and(|s| s.listeners == 1)
            && h.mount_status(&a).is_some_and(|s| s.listeners == 0)
    }))
    .await;
    source_b.push(&backup[backup_starts[50]..]);
    let want = [main.as_slice(), &backup[backup_starts[50]..]].concat();
    ear.wait_for(want.len()).await;
    assert_eq!(ear.bytes(), want);
    drop(source_b);
    assert_eq!(ear.end().await.0, End::SourceGone);
}

#[tokio::test]
async fn off_air_mounts_refuse_listeners_or_hand_them_to_the_fallback() {
    let (a, b) = (path("/live/a.mp3"), path("/live/b.mp3"));
    let hub = hub(vec![
        mount("/live/a.mp3", |m| m.fallback = Some(path("/live/b.mp3"))),
        mount("/live/b.mp3", |m| m.fallback = Some(path("/live/a.mp3"))),
    ]);
    // A fallback loop with nothing on air ends, refused.
    assert_eq!(hub.listen(&a, false).err(), Some(LiveError::OffAir));
    let _source = hub
        .start_source(&b, SourceInfo::default(), 0)
        .expect("on air");
    let l = hub.listen(&a, false).expect("sent to the fallback");
    assert_eq!(l.mount(), &b);
    assert_eq!(hub.mount_status(&b).map(|s| s.listeners), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icy_listeners_get_the_title_and_its_changes() {
    let p = path("/live/a.mp3");
    let hub = hub(vec![mount("/live/a.mp3", |m| m.burst_bytes = 0)]);
    let (stream, starts) = mp3_stream(40, 5);
    let mut source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("on air");
    hub.set_title(&p, "First").expect("on air");
    let listener = hub.listen(&p, true).expect("listener");
    assert_eq!(listener.metaint(), Some(1000));
    let mut ear = Ear::new(listener);
    source.push(&stream[..starts[20]]);
    ear.wait_for(starts[20] + 8).await;
    hub.set_title(&p, "Second").expect("on air");
    source.push(&stream[starts[20]..]);
    drop(source);
    let (_, got) = ear.end().await;
    let (audio, titles) = deinterleave(&got, 1000);
    assert_eq!(audio, stream);
    assert_eq!(titles, vec!["First".to_owned(), "Second".to_owned()]);
    assert_eq!(hub.set_title(&p, "x"), Err(LiveError::OffAir));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_ogg_listeners_get_the_codec_headers_first() {
    let p = path("/live/a.ogg");
    let mut config = MountConfig::new(p.clone(), AudioFormat::Ogg);
    config.queue_bytes = 16 * 1024;
    config.burst_bytes = 2000;
    let hub = hub(vec![config]);
    let mut headers = ogg_page(true, 0, 0, b"OpusHead........");
    headers.extend(ogg_page(false, 0, 1, b"OpusTags........"));
    let mut source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("on air");
    source.push(&headers);
    for i in 0..100u32 {
        source.push(&ogg_page(
            false,
            960 * u64::from(i + 1),
            i + 2,
            &[b'a'; 500],
        ));
    }
    let mut ear = Ear::new(hub.listen(&p, false).expect("listener"));
    ear.wait_for(headers.len() + 2000).await;
    let got = ear.bytes();
    assert!(got.starts_with(&headers), "no headers first");
    assert_eq!(&got[headers.len()..headers.len() + 4], b"OggS");
    drop(source);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_sources_and_listeners() {
    let p = path("/live/a.mp3");
    let hub = hub(vec![mount("/live/a.mp3", |_| {})]);
    let source = hub
        .start_source(&p, SourceInfo::default(), 0)
        .expect("on air");
    let (mut tx, mut rx) = tokio::io::duplex(1024);
    let running = tokio::spawn(async move { source.run(&mut rx).await });
    let ear = Ear::new(hub.listen(&p, false).expect("listener"));
    tokio::io::AsyncWriteExt::write_all(&mut tx, &mp3_stream(3, 6).0)
        .await
        .expect("write");
    hub.shutdown();
    assert_eq!(
        within(running).await.expect("task"),
        crate::SourceEnd::Shutdown
    );
    assert_eq!(ear.end().await.0, End::Shutdown);
    assert_eq!(hub.listen(&p, false).err(), Some(LiveError::ShuttingDown));
}
