//! Playlists: what a mount plays while no source is connected (Icecast's fallback file,
//! AzuraCast's AutoDJ), from audio files in the mount's own format, passed through unchanged.
//!
//! A file is parsed once into its frames ([`Track::parse`]): tags and junk are left out, so
//! what goes on air is whole frames only, and each frame's duration is known. The player then
//! publishes frames into a session of its own on the mount, paced by those durations (never
//! by bytes) a little ahead of real time, in chunks that are slices of the file (no copy),
//! gapless from one file to the next. The mount's listeners hear the playlist while no source
//! is on air; when one connects they move to it at the next chunk (a frame boundary) and come
//! back when it leaves (see `listener.rs`).
//!
//! A playlist never re-encodes, never blocks a listener or a source, and never holds a lock
//! across an `.await`; its task ends with its [`PlaylistHandle`] or the hub's shutdown.

use crate::LiveError;
use crate::format::{adts_frame_len, adts_frame_samples, mp3_frame_len, mp3_frame_samples};
use crate::hub::{HubInner, Mount, Session};
use bytes::Bytes;
use dateline_core::live::AudioFormat;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How far ahead of real time the player publishes: enough that a listener moved back from a
/// source finds audio waiting, small enough that a new title is shown about when it is heard.
const LEAD: Duration = Duration::from_millis(1500);

/// How much audio one published chunk holds: every chunk wakes every listener once, so not
/// too little; a listener waits at most this long after a source leaves.
const CHUNK: Duration = Duration::from_millis(500);

/// One frame of a track (an Ogg page, for Ogg): where it is in the file and how long it
/// plays.
#[derive(Debug, Clone, Copy)]
struct Frame {
    start: usize,
    len: usize,
    nanos: u64,
    /// An Ogg page of codec headers: it starts a logical stream, and a listener joining later
    /// needs it before any audio of that stream.
    header: bool,
}

/// An audio file made ready to play: its bytes, its frames and its now-playing text.
#[derive(Debug, Clone)]
pub struct Track {
    data: Bytes,
    frames: Vec<Frame>,
    format: AudioFormat,
    title: String,
}

impl Track {
    /// Find the frames of `data` as `format`; refused (with why) when it has none, or when
    /// they are too few of its bytes to be that format's audio.
    pub fn parse(format: AudioFormat, data: Bytes) -> Result<Track, LiveError> {
        let refuse = |why: &str| LiveError::NotAudio {
            format,
            why: why.to_owned(),
        };
        if format == AudioFormat::Ogg {
            let (frames, tags) = ogg_frames(&data).map_err(|why| refuse(&why))?;
            return Ok(Track {
                data,
                frames,
                format,
                title: tags.now_playing(),
            });
        }
        let tags = crate::tags::read_id3(&data);
        let frames = frames(format, &data);
        let audio: usize = frames.iter().map(|f| f.len).sum();
        if frames.len() < 2 || audio < data.len() / 2 {
            return Err(refuse(&format!(
                "it holds no {} frames (is it another format?)",
                format.as_str().to_uppercase()
            )));
        }
        Ok(Track {
            data,
            frames,
            format,
            title: tags.now_playing(),
        })
    }

    /// "Artist - Title" from the file's tags (what Icecast's sources send); empty when it
    /// has neither.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Set the now-playing text (for a file whose tags say nothing, say).
    pub fn set_title(&mut self, title: &str) {
        title.clone_into(&mut self.title);
    }

    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// How long the track plays.
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.frames.iter().map(|f| f.nanos).sum())
    }
}

/// The frames of `data`: a frame counts where the next one follows it (or the file ends);
/// tags and anything else between frames are skipped.
fn frames(format: AudioFormat, data: &[u8]) -> Vec<Frame> {
    let probe = |at: usize| -> Option<(usize, u64)> {
        let b = &data[at..];
        let (len, (samples, rate)) = match format {
            AudioFormat::Mp3 => {
                let h = [*b.first()?, *b.get(1)?, *b.get(2)?, *b.get(3)?];
                (mp3_frame_len(h)?, mp3_frame_samples(h)?)
            }
            _ => (adts_frame_len(b)?, adts_frame_samples(b)?),
        };
        (len > 0 && at + len <= data.len())
            .then(|| (len, u64::from(samples) * 1_000_000_000 / u64::from(rate)))
    };
    let mut out = Vec::new();
    let mut at = 0;
    let mut synced = false;
    while at < data.len() {
        if let Some(skip) = tag_len(&data[at..]) {
            at += skip;
            synced = false;
            continue;
        }
        match probe(at) {
            Some((len, nanos)) => {
                let next = at + len;
                // In sync, trust the chain; out of sync, a frame must be followed by one.
                if synced || next == data.len() || probe(next).is_some() {
                    if !(out.is_empty()
                        && format == AudioFormat::Mp3
                        && is_info_frame(&data[at..next]))
                    {
                        out.push(Frame {
                            start: at,
                            len,
                            nanos,
                            header: false,
                        });
                    }
                    synced = true;
                    at = next;
                    continue;
                }
                at += 1;
            }
            None => {
                synced = false;
                at += 1;
            }
        }
    }
    out
}

/// The pages of an Ogg file, each with what it lasts by its granule position, and the tags
/// of its first logical stream; why not, in a sentence, when it is not Vorbis or Opus in
/// whole pages. A chained file (several logical streams one after another) plays as it is.
fn ogg_frames(data: &[u8]) -> Result<(Vec<Frame>, crate::tags::Tags), String> {
    let not_ogg = "it is not Ogg Vorbis or Opus (is it another format?)";
    let pages = crate::ogg::pages(data).map_err(|at| {
        if at == 0 {
            not_ogg.to_owned()
        } else {
            format!("it is damaged: byte {at} is not a whole Ogg page with a valid checksum")
        }
    })?;
    let mut frames = Vec::with_capacity(pages.len());
    let mut tags = None;
    let mut i = 0;
    while i < pages.len() {
        if !pages[i].bos {
            return Err(if i == 0 {
                not_ogg.to_owned()
            } else {
                "it holds several streams at once (video, or more than one audio track); \
                 only a file of one Vorbis or Opus stream can play"
                    .to_owned()
            });
        }
        let serial = pages[i].serial;
        let link_end = pages[i..]
            .iter()
            .position(|p| p.serial != serial)
            .map_or(pages.len(), |n| i + n);
        let link = &pages[i..link_end];
        let h = crate::ogg::stream_headers(data, link).ok_or_else(|| not_ogg.to_owned())?;
        tags.get_or_insert_with(|| h.tags.clone());
        // Granule positions count samples from the stream's start, Opus's pre-skip included;
        // what a page lasts is the difference from the last position given.
        let mut last = h.pre_skip;
        for (n, p) in link.iter().enumerate() {
            let header = n < h.header_pages;
            let mut nanos = 0;
            if !header && p.granule != u64::MAX {
                let samples = p.granule.saturating_sub(last);
                last = last.max(p.granule);
                nanos = u64::try_from(u128::from(samples) * 1_000_000_000 / u128::from(h.rate))
                    .unwrap_or(u64::MAX);
            }
            frames.push(Frame {
                start: p.start,
                len: p.len,
                nanos,
                header,
            });
        }
        i = link_end;
    }
    let audio = frames.iter().filter(|f| !f.header).count();
    if audio == 0 {
        return Err("it holds no audio, only headers".to_owned());
    }
    Ok((frames, tags.unwrap_or_default()))
}

/// The length of an ID3v2 tag, an ID3v1 tag or an APE tag starting `b`.
fn tag_len(b: &[u8]) -> Option<usize> {
    if b.len() >= 10 && &b[..3] == b"ID3" && b[6..10].iter().all(|&x| x < 0x80) {
        let size = b[6..10]
            .iter()
            .fold(0usize, |acc, &x| (acc << 7) | usize::from(x));
        let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
        return Some((10 + size + footer).min(b.len()));
    }
    if b.len() >= 128 && &b[..3] == b"TAG" {
        return Some(128);
    }
    if b.len() >= 32 && &b[..8] == b"APETAGEX" {
        let mut size = [0u8; 4];
        size.copy_from_slice(&b[12..16]);
        let size = u32::from_le_bytes(size) as usize;
        return Some((32 + size).min(b.len()).max(32));
    }
    None
}

/// The silent first frame encoders write to describe the file (Xing, Info, VBRI): it
/// describes the whole file, which means nothing mid-stream, so it stays off air.
fn is_info_frame(frame: &[u8]) -> bool {
    let head = &frame[..frame.len().min(64)];
    head.windows(4)
        .any(|w| w == b"Xing" || w == b"Info" || w == b"VBRI")
}

/// What a mount plays while no source is connected.
#[derive(Debug, Clone)]
pub struct Playlist {
    pub tracks: Vec<Track>,
    /// Shuffled anew each time round, else in order; it repeats either way.
    pub shuffle: bool,
    /// Seeds the shuffle (the hub reads no clock and no entropy of its own).
    pub seed: u64,
    /// The schedule's programme this playlist airs for, if any: now playing then reads
    /// "Programme: Artist - Title", and the mount's status names it.
    pub programme: Option<String>,
}

/// A playlist on air; dropping it stops the playlist (its listeners move on as when a source
/// leaves).
pub struct PlaylistHandle {
    task: JoinHandle<()>,
    hub: Arc<HubInner>,
    mount: Arc<Mount>,
    session: Arc<Session>,
}

impl PlaylistHandle {
    pub(crate) fn start(
        hub: Arc<HubInner>,
        mount: Arc<Mount>,
        session: Arc<Session>,
        playlist: Playlist,
    ) -> Self {
        let task = tokio::spawn(play(hub.clone(), session.clone(), playlist));
        Self {
            task,
            hub,
            mount,
            session,
        }
    }

    /// The now-playing title.
    pub fn title(&self) -> String {
        self.session.meta().title.clone()
    }
}

impl Drop for PlaylistHandle {
    fn drop(&mut self) {
        self.task.abort();
        self.hub.end_playlist(&self.mount, &self.session);
    }
}

/// A small PRNG for the shuffle (xorshift64*): good enough to vary an order.
struct Shuffler(u64);

impl Shuffler {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Fisher–Yates, then keep `last` from playing twice in a row across rounds.
    fn shuffle(&mut self, order: &mut [usize], last: Option<usize>) {
        for i in (1..order.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap_or(0);
            order.swap(i, j);
        }
        if order.len() > 1 && order.first() == last.as_ref() {
            order.swap(0, 1);
        }
    }
}

async fn play(hub: Arc<HubInner>, session: Arc<Session>, playlist: Playlist) {
    let mut shutdown = hub.shutdown.subscribe();
    let mut shuffler = Shuffler(playlist.seed | 1);
    let mut order: Vec<usize> = (0..playlist.tracks.len()).collect();
    let mut last = None;
    let start = Instant::now();
    // Audio published so far, in nanoseconds: summed per frame, so rounding never drifts.
    let mut published: u64 = 0;
    let mut cuts = Vec::new();
    // Ogg: each file played is a logical stream of its own, with a serial number no stream
    // just before it had (RFC 3533; a one-file playlist repeats itself), so players see a
    // chain of streams.
    let mut serial = (playlist.seed >> 32) as u32;
    loop {
        if playlist.shuffle {
            shuffler.shuffle(&mut order, last);
        }
        for &i in &order {
            let track = &playlist.tracks[i];
            last = Some(i);
            match &playlist.programme {
                Some(p) if track.title().is_empty() => session.set_title(p),
                Some(p) => session.set_title(&format!("{p}: {}", track.title())),
                None => session.set_title(track.title()),
            }
            hub.bump();
            let mut next = 0;
            while next < track.frames.len() {
                // A chunk: frames that follow one another in the file, up to CHUNK of audio;
                // Ogg header pages make a chunk of their own.
                let first = track.frames[next];
                let mut end = first.start + first.len;
                let mut nanos = first.nanos;
                next += 1;
                while let Some(f) = track.frames.get(next) {
                    if f.start != end
                        || nanos >= CHUNK.as_nanos() as u64
                        || f.header != first.header
                    {
                        break;
                    }
                    end += f.len;
                    nanos += f.nanos;
                    next += 1;
                }
                // Publish once the audio before it is within LEAD of being heard.
                let due = (start + Duration::from_nanos(published)).checked_sub(LEAD);
                if let Some(due) = due.filter(|d| *d > Instant::now()) {
                    tokio::select! {
                        () = tokio::time::sleep_until(due) => {}
                        _ = shutdown.wait_for(|stop| *stop) => {
                            session.end();
                            return;
                        }
                    }
                }
                let mut data = track.data.slice(first.start..end);
                if track.format == AudioFormat::Ogg {
                    if first.header {
                        serial = serial.wrapping_add(0x9E37_79B9) | 1;
                    }
                    data = Bytes::from(crate::ogg::restamp(&data, serial));
                }
                session
                    .bytes_in
                    .fetch_add(data.len() as u64, Ordering::Relaxed);
                cuts.push(crate::format::Cut {
                    data,
                    headers: first.header,
                });
                session.publish(&mut cuts);
                published += nanos;
            }
        }
    }
}

#[cfg(test)]
mod tests;
