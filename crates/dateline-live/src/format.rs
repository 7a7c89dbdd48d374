//! Where frames begin in each format, so the relay cuts a source's bytes only at frame (or Ogg
//! page) boundaries. Every chunk it broadcasts then starts on a frame, which makes a listener's
//! burst, its first live chunk and its first chunk after a fallback decodable from the first
//! byte, with no searching when a listener connects.
//!
//! The framer never changes, drops or reorders a byte: its chunks put together are exactly the
//! input, whatever the input is (a stream that never syncs is still passed through).

use bytes::{Bytes, BytesMut};
use dateline_core::live::AudioFormat;

/// More than this many bytes without a place to cut, and the framer passes them on uncut: a
/// source in the wrong format must still play for listeners as it would through Icecast.
/// Large enough for an ID3 tag with cover art at the start of a stream.
const MAX_PENDING: usize = 1024 * 1024;

/// How much room each read from the source gets.
const READ_ROOM: usize = 16 * 1024;

/// What starts at a position of the stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// A unit (frame, ID3 tag or Ogg page) of `len` bytes.
    Unit(Unit),
    /// Too few bytes to tell yet.
    Short,
    /// Nothing that is a unit.
    No,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) len: usize,
    /// An ID3v2 tag: its magic is strong enough to trust without seeing the next frame.
    pub(crate) tag: bool,
    pub(crate) ogg: Option<OggPage>,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) struct OggPage {
    /// Beginning of a logical stream: its first header page.
    pub(crate) bos: bool,
    pub(crate) granule: u64,
}

impl OggPage {
    /// Codec header pages carry granule position 0 (or -1 when no packet ends on the page);
    /// audio pages carry a real position.
    fn is_header(self) -> bool {
        self.bos || self.granule == 0 || self.granule == u64::MAX
    }
}

pub(crate) fn probe(format: AudioFormat, b: &[u8]) -> Probe {
    match format {
        AudioFormat::Mp3 => probe_tag_or(b, probe_mp3),
        AudioFormat::Aac => probe_tag_or(b, probe_adts),
        AudioFormat::Ogg => probe_ogg(b),
    }
}

fn unit(len: usize) -> Probe {
    Probe::Unit(Unit {
        len,
        tag: false,
        ogg: None,
    })
}

/// An ID3v2 tag (ffmpeg writes one before the first MP3 frame), else `frame(b)`.
fn probe_tag_or(b: &[u8], frame: fn(&[u8]) -> Probe) -> Probe {
    if b.len() < 3 {
        if b"ID3".starts_with(b) {
            return Probe::Short;
        }
    } else if &b[..3] == b"ID3" {
        if b.len() < 10 {
            return Probe::Short;
        }
        let size = &b[6..10];
        if b[3] == 0xFF || b[4] == 0xFF || size.iter().any(|&x| x >= 0x80) {
            return frame(b);
        }
        // Sizes are "syncsafe": seven bits per byte.
        let size = size
            .iter()
            .fold(0usize, |acc, &x| (acc << 7) | usize::from(x));
        let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
        return Probe::Unit(Unit {
            len: 10 + size + footer,
            tag: true,
            ogg: None,
        });
    }
    frame(b)
}

// Kilobits per second by bitrate index (0 is "free format", 15 is invalid).
const MPEG1_L1: [u16; 16] = [
    0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0,
];
const MPEG1_L2: [u16; 16] = [
    0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0,
];
const MPEG1_L3: [u16; 16] = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
];
const MPEG2_L1: [u16; 16] = [
    0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0,
];
const MPEG2_L23: [u16; 16] = [
    0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
];

/// The length of the MPEG audio frame whose 4-byte header starts `h`, if it is one.
pub fn mp3_frame_len(h: [u8; 4]) -> Option<usize> {
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
    let layer = (h[1] >> 1) & 3; // 1: III, 2: II, 3: I
    let bitrate_index = usize::from(h[2] >> 4);
    let rate_index = usize::from((h[2] >> 2) & 3);
    let padding = usize::from((h[2] >> 1) & 1);
    // Reserved values; rejecting them (and emphasis 2) makes false syncs in audio data rare.
    if version == 1 || layer == 0 || rate_index == 3 || h[3] & 3 == 2 {
        return None;
    }
    let mpeg1 = version == 3;
    let kbps = match (mpeg1, layer) {
        (true, 3) => MPEG1_L1,
        (true, 2) => MPEG1_L2,
        (true, _) => MPEG1_L3,
        (false, 3) => MPEG2_L1,
        (false, _) => MPEG2_L23,
    }[bitrate_index];
    if kbps == 0 {
        // Free format: the length cannot be known from the header.
        return None;
    }
    let rate = match version {
        3 => [44_100, 48_000, 32_000][rate_index],
        2 => [22_050, 24_000, 16_000][rate_index],
        _ => [11_025, 12_000, 8_000][rate_index],
    };
    let bps = usize::from(kbps) * 1000;
    Some(match layer {
        3 => (12 * bps / rate + padding) * 4,
        2 => 144 * bps / rate + padding,
        _ if mpeg1 => 144 * bps / rate + padding,
        _ => 72 * bps / rate + padding,
    })
}

fn probe_mp3(b: &[u8]) -> Probe {
    if b.len() < 4 {
        let plausible = match b {
            [] => true,
            [a] => *a == 0xFF,
            [a, c, ..] => *a == 0xFF && c & 0xE0 == 0xE0,
        };
        return if plausible { Probe::Short } else { Probe::No };
    }
    match mp3_frame_len([b[0], b[1], b[2], b[3]]) {
        Some(len) => unit(len),
        None => Probe::No,
    }
}

/// The length of the ADTS frame whose 7-byte header starts `b`, if it is one.
pub fn adts_frame_len(b: &[u8]) -> Option<usize> {
    // Sync (12 bits set), then the MPEG version bit, then layer, which is always 0.
    if b.len() < 7 || b[0] != 0xFF || b[1] & 0xF6 != 0xF0 {
        return None;
    }
    if (b[2] >> 2) & 0x0F >= 13 {
        return None; // reserved sampling frequency index
    }
    let len = (usize::from(b[3] & 3) << 11) | (usize::from(b[4]) << 3) | usize::from(b[5] >> 5);
    let header = if b[1] & 1 == 0 { 9 } else { 7 }; // with or without CRC
    (len >= header).then_some(len)
}

fn probe_adts(b: &[u8]) -> Probe {
    if b.len() < 7 {
        let plausible = match b {
            [] => true,
            [a] => *a == 0xFF,
            [a, c, ..] => *a == 0xFF && c & 0xF6 == 0xF0,
        };
        return if plausible { Probe::Short } else { Probe::No };
    }
    match adts_frame_len(b) {
        Some(len) => unit(len),
        None => Probe::No,
    }
}

fn probe_ogg(b: &[u8]) -> Probe {
    const MAGIC: &[u8] = b"OggS";
    if b.len() < 27 {
        let n = b.len().min(4);
        return if b[..n] == MAGIC[..n] && (b.len() < 5 || b[4] == 0) {
            Probe::Short
        } else {
            Probe::No
        };
    }
    if &b[..4] != MAGIC || b[4] != 0 {
        return Probe::No;
    }
    let segments = usize::from(b[26]);
    if b.len() < 27 + segments {
        return Probe::Short;
    }
    let body: usize = b[27..27 + segments].iter().map(|&s| usize::from(s)).sum();
    let mut granule = [0u8; 8];
    granule.copy_from_slice(&b[6..14]);
    Probe::Unit(Unit {
        len: 27 + segments + body,
        tag: false,
        ogg: Some(OggPage {
            bos: b[5] & 0x02 != 0,
            granule: u64::from_le_bytes(granule),
        }),
    })
}

/// A piece of the stream ready to broadcast: it starts on a unit boundary (except when the
/// stream could not be synced at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    pub(crate) data: Bytes,
    /// Ogg codec header pages, which a listener joining later must get before any audio.
    pub(crate) headers: bool,
}

/// Cuts a source's byte stream into chunks that begin on frame boundaries.
pub(crate) struct Framer {
    format: AudioFormat,
    buf: BytesMut,
    /// Everything before `scan` belongs to complete units (or to junk skipped while syncing).
    scan: usize,
    /// Whether `scan` is known to be the start of a unit, so the walk can trust lengths.
    synced: bool,
    /// The last position known to start a unit: chunks end here.
    boundary: usize,
    /// Ogg: the buffer's start holds codec header pages still being collected.
    collecting_headers: bool,
    min_chunk: usize,
}

impl Framer {
    pub(crate) fn new(format: AudioFormat, min_chunk: usize) -> Self {
        Self {
            format,
            buf: BytesMut::with_capacity(READ_ROOM),
            scan: 0,
            synced: false,
            boundary: 0,
            collecting_headers: false,
            min_chunk: min_chunk.max(1),
        }
    }

    /// Room to read more source bytes into (for `AsyncReadExt::read_buf`).
    pub(crate) fn buffer(&mut self) -> &mut BytesMut {
        self.buf.reserve(READ_ROOM);
        &mut self.buf
    }

    pub(crate) fn extend(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Move what is complete into `out`, in chunks of at least the minimum size (smaller only
    /// where Ogg header pages must stand alone).
    pub(crate) fn cut(&mut self, out: &mut Vec<Cut>) {
        self.walk(out);
        if !self.collecting_headers && self.boundary >= self.min_chunk {
            self.emit(self.boundary, false, out);
        }
        if self.buf.len() > MAX_PENDING {
            // Nothing to cut at: pass the bytes on rather than stall the stream.
            self.emit(self.buf.len(), false, out);
            self.synced = false;
            self.collecting_headers = false;
        }
    }

    /// Move out now what is complete, however small: a source too slow to fill a chunk
    /// soon (an Ogg Vorbis tone runs at 30 kbit/s, filling 8 KiB in two seconds) must not
    /// leave listeners waiting that long. Ogg header pages still wait for the audio after them.
    pub(crate) fn cut_now(&mut self, out: &mut Vec<Cut>) {
        self.walk(out);
        if !self.collecting_headers && self.boundary > 0 {
            self.emit(self.boundary, false, out);
        }
    }

    /// The source ended: everything left goes out.
    pub(crate) fn finish(&mut self, out: &mut Vec<Cut>) {
        self.walk(out);
        if !self.buf.is_empty() {
            let headers = self.collecting_headers;
            self.emit(self.buf.len(), headers, out);
        }
        self.collecting_headers = false;
    }

    fn walk(&mut self, out: &mut Vec<Cut>) {
        loop {
            if !self.synced {
                match self.resync() {
                    Some(p) => {
                        self.scan = p;
                        self.synced = true;
                    }
                    None => return,
                }
            }
            match probe(self.format, &self.buf[self.scan..]) {
                Probe::Unit(u) => {
                    self.boundary = self.scan;
                    if let Some(page) = u.ogg {
                        self.ogg_page(page, out);
                    }
                    if self.scan + u.len > self.buf.len() {
                        return;
                    }
                    self.scan += u.len;
                    // In sync, a unit ends where the next begins: a source that writes whole
                    // frames gets them all cut now rather than one read later.
                    self.boundary = self.scan;
                }
                Probe::Short => return,
                Probe::No => {
                    self.synced = false;
                    self.scan += 1;
                }
            }
        }
    }

    /// The first position at or after `scan` where a unit starts and is confirmed by the next
    /// one; `None` (with `scan` moved past what cannot start a unit) when that needs more data.
    fn resync(&mut self) -> Option<usize> {
        let mut p = self.scan;
        while p < self.buf.len() {
            match probe(self.format, &self.buf[p..]) {
                Probe::No => p += 1,
                Probe::Short => break,
                Probe::Unit(u) if u.tag => return Some(p),
                Probe::Unit(u) => {
                    let next = p + u.len;
                    if next >= self.buf.len() {
                        break;
                    }
                    match probe(self.format, &self.buf[next..]) {
                        Probe::Unit(_) => return Some(p),
                        Probe::Short => break,
                        Probe::No => p += 1,
                    }
                }
            }
        }
        self.scan = p;
        None
    }

    /// An Ogg page starts at `scan`: header pages are collected into a chunk of their own.
    fn ogg_page(&mut self, page: OggPage, out: &mut Vec<Cut>) {
        if page.bos && !self.collecting_headers {
            // A new logical stream (the first, or the next in a chain): what came before goes
            // out as audio, and its header pages start a chunk.
            if self.scan > 0 {
                self.emit(self.scan, false, out);
            }
            self.collecting_headers = true;
        } else if self.collecting_headers && !page.is_header() {
            self.emit(self.scan, true, out);
            self.collecting_headers = false;
        }
    }

    fn emit(&mut self, n: usize, headers: bool, out: &mut Vec<Cut>) {
        if n == 0 {
            return;
        }
        let data = self.buf.split_to(n).freeze();
        self.scan = self.scan.saturating_sub(n);
        self.boundary = self.boundary.saturating_sub(n);
        out.push(Cut { data, headers });
    }
}

#[cfg(test)]
mod tests;

/// Samples per frame and sample rate of the MPEG audio frame whose header starts `h`: what
/// a frame lasts, for pacing a file in real time.
pub fn mp3_frame_samples(h: [u8; 4]) -> Option<(u32, u32)> {
    mp3_frame_len(h)?;
    let version = (h[1] >> 3) & 3;
    let layer = (h[1] >> 1) & 3;
    let rate_index = usize::from((h[2] >> 2) & 3);
    let rate = match version {
        3 => [44_100, 48_000, 32_000][rate_index],
        2 => [22_050, 24_000, 16_000][rate_index],
        _ => [11_025, 12_000, 8_000][rate_index],
    };
    let samples = match (version == 3, layer) {
        (_, 3) => 384,
        (_, 2) | (true, _) => 1152,
        (false, _) => 576,
    };
    Some((samples, rate))
}

/// Samples and sample rate of the ADTS frame whose header starts `b`.
pub fn adts_frame_samples(b: &[u8]) -> Option<(u32, u32)> {
    adts_frame_len(b)?;
    const RATES: [u32; 13] = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025,
        8_000, 7_350,
    ];
    let rate = RATES[usize::from((b[2] >> 2) & 0x0F)];
    let blocks = u32::from(b[6] & 3) + 1;
    Some((1024 * blocks, rate))
}
