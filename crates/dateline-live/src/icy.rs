//! ICY (SHOUTcast/Icecast) in-stream metadata: a listener that sends `Icy-MetaData: 1` gets,
//! after every `icy-metaint` bytes of audio, one length byte (in 16-byte units) and that many
//! bytes of `StreamTitle='…';` padded with NULs; a zero length byte when nothing changed.
//!
//! Interleaving slices the shared audio chunks (`Bytes::slice` is a reference count, not a
//! copy), and a title's block is encoded once and shared by every listener. Never copies audio.

use bytes::{BufMut, Bytes, BytesMut};

/// Icecast's default interval for MP3 and AAC mounts.
pub const DEFAULT_METAINT: usize = 16_000;

/// The largest block: the length byte counts 16-byte units.
const MAX_BLOCK: usize = 255 * 16;

/// The block that says "no change".
static EMPTY: &[u8] = &[0];

/// The metadata block for a title: the length byte, `StreamTitle='…';` and NUL padding.
/// Titles are cut (on a character boundary) to fit; NULs and line breaks become spaces so a
/// title cannot end the block early or break a client's line-based parser.
pub fn encode_block(title: &str) -> Bytes {
    const HEAD: &str = "StreamTitle='";
    const TAIL: &str = "';";
    let room = MAX_BLOCK - HEAD.len() - TAIL.len();
    let mut clean = String::with_capacity(title.len().min(room));
    for c in title.chars() {
        let c = if c == '\0' || c.is_control() { ' ' } else { c };
        if clean.len() + c.len_utf8() > room {
            break;
        }
        clean.push(c);
    }
    let text_len = HEAD.len() + clean.len() + TAIL.len();
    let units = text_len.div_ceil(16);
    let mut block = BytesMut::with_capacity(1 + units * 16);
    // `units` is at most 255 because `room` keeps the text within MAX_BLOCK.
    block.put_u8(u8::try_from(units).unwrap_or(u8::MAX));
    block.put_slice(HEAD.as_bytes());
    block.put_slice(clean.as_bytes());
    block.put_slice(TAIL.as_bytes());
    block.resize(1 + units * 16, 0);
    block.freeze()
}

/// Which title block a listener last got: the session it came from and that session's title
/// version.
pub(crate) type MetaKey = (u64, u64);

/// One listener's place in the ICY rhythm.
#[derive(Debug)]
pub(crate) struct IcyState {
    metaint: usize,
    /// Audio bytes still to send before the next block.
    left: usize,
    sent: Option<MetaKey>,
}

impl IcyState {
    pub(crate) fn new(metaint: usize) -> Self {
        let metaint = metaint.max(1);
        Self {
            metaint,
            left: metaint,
            sent: None,
        }
    }

    /// Append `chunks` to `out` with a metadata block after every `metaint` audio bytes: the
    /// current title's block when this listener has not had it yet, else the one-byte "no
    /// change". A block is only written before more audio, so the newest title goes out.
    pub(crate) fn interleave(
        &mut self,
        chunks: impl IntoIterator<Item = Bytes>,
        current: (MetaKey, &Bytes),
        out: &mut Vec<Bytes>,
    ) {
        for mut chunk in chunks {
            while !chunk.is_empty() {
                if self.left == 0 {
                    if self.sent == Some(current.0) {
                        out.push(Bytes::from_static(EMPTY));
                    } else {
                        out.push(current.1.clone());
                        self.sent = Some(current.0);
                    }
                    self.left = self.metaint;
                }
                let n = self.left.min(chunk.len());
                out.push(chunk.split_to(n));
                self.left -= n;
            }
        }
    }
}

/// Splits a stream with ICY metadata blocks back into audio and titles: what a relay gets from
/// an upstream it asked with `Icy-MetaData: 1` (another node, an Icecast server).
#[derive(Debug)]
pub struct IcyReader {
    metaint: usize,
    state: ReadState,
    block: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
enum ReadState {
    /// Audio bytes left before the next length byte.
    Audio(usize),
    Length,
    /// Bytes of the block still to come.
    Block(usize),
}

impl IcyReader {
    pub fn new(metaint: usize) -> Self {
        let metaint = metaint.max(1);
        Self {
            metaint,
            state: ReadState::Audio(metaint),
            block: Vec::new(),
        }
    }

    /// Append the audio in `data` to `audio`; the title of the last whole metadata block in
    /// it that had one (a block without `StreamTitle` says nothing about the title).
    pub fn feed(&mut self, mut data: &[u8], audio: &mut Vec<u8>) -> Option<String> {
        let mut title = None;
        while !data.is_empty() {
            match self.state {
                ReadState::Audio(left) => {
                    let n = left.min(data.len());
                    audio.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    self.state = if n == left {
                        ReadState::Length
                    } else {
                        ReadState::Audio(left - n)
                    };
                }
                ReadState::Length => {
                    let len = usize::from(data[0]) * 16;
                    data = &data[1..];
                    self.block.clear();
                    self.state = if len == 0 {
                        ReadState::Audio(self.metaint)
                    } else {
                        ReadState::Block(len)
                    };
                }
                ReadState::Block(left) => {
                    let n = left.min(data.len());
                    self.block.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    if n == left {
                        if let Some(t) = stream_title(&self.block) {
                            title = Some(t);
                        }
                        self.state = ReadState::Audio(self.metaint);
                    } else {
                        self.state = ReadState::Block(left - n);
                    }
                }
            }
        }
        title
    }
}

/// The `StreamTitle` of a metadata block's text (NUL padding and other fields aside).
fn stream_title(block: &[u8]) -> Option<String> {
    let end = block.iter().position(|&b| b == 0).unwrap_or(block.len());
    let text = String::from_utf8_lossy(&block[..end]);
    let start = text.find("StreamTitle='")? + "StreamTitle='".len();
    let rest = &text[start..];
    let stop = rest.find("';").unwrap_or(rest.len());
    Some(rest[..stop].to_owned())
}

#[cfg(test)]
mod tests;
