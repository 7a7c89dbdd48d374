//! The ring of recent chunks a source session keeps: it is at once the broadcast queue (every
//! listener holds only a sequence number into it) and the history a new listener's burst is
//! taken from. Chunks are `Bytes`, shared by every listener, never copied per listener.
//!
//! The ring never grows past its byte budget plus one chunk, whatever the listeners do: a
//! listener whose next chunk has been evicted has fallen too far behind and is dropped.

use bytes::Bytes;
use std::collections::VecDeque;

pub(crate) struct Ring {
    chunks: VecDeque<Bytes>,
    /// Sequence number of `chunks[0]`.
    first_seq: u64,
    /// Bytes held in `chunks`.
    bytes: usize,
    /// At least this many recent bytes stay (when there are that many).
    keep: usize,
    /// Ogg: the latest codec header pages, kept after they leave the ring.
    headers: Option<(u64, Bytes)>,
}

impl Ring {
    pub(crate) fn new(keep: usize) -> Self {
        Self {
            chunks: VecDeque::new(),
            first_seq: 0,
            bytes: 0,
            keep,
            headers: None,
        }
    }

    /// The sequence number the next chunk will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.first_seq + self.chunks.len() as u64
    }

    /// The oldest sequence number still held.
    pub(crate) fn first_seq(&self) -> u64 {
        self.first_seq
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn push(&mut self, chunk: Bytes, headers: bool) {
        if headers {
            self.headers = Some((self.next_seq(), chunk.clone()));
        }
        self.bytes += chunk.len();
        self.chunks.push_back(chunk);
        // Evict from the front while what remains still covers the budget.
        while let Some(front) = self.chunks.front() {
            if self.bytes - front.len() < self.keep {
                break;
            }
            self.bytes -= front.len();
            self.chunks.pop_front();
            self.first_seq += 1;
        }
    }

    /// Append clones of the chunks from `from` on to `out` and return the new cursor; `None`
    /// when `from` has been evicted (the reader fell too far behind).
    pub(crate) fn read_from(&self, from: u64, out: &mut Vec<Bytes>) -> Option<u64> {
        if from < self.first_seq {
            return None;
        }
        let start = usize::try_from(from - self.first_seq).unwrap_or(usize::MAX);
        out.extend(self.chunks.iter().skip(start).cloned());
        Some(self.next_seq().max(from))
    }

    /// Where a new reader starts to get at least `burst` bytes of history (all of it if there
    /// is less), plus the header pages it must get first when the burst does not include them.
    pub(crate) fn burst_start(&self, burst: usize) -> (u64, Option<Bytes>) {
        let mut seq = self.next_seq();
        let mut got = 0;
        for chunk in self.chunks.iter().rev() {
            if got >= burst {
                break;
            }
            got += chunk.len();
            seq -= 1;
        }
        let headers = match &self.headers {
            Some((at, h)) if *at < seq => Some(h.clone()),
            // A chained Ogg stream (a playlist's next file, an encoder's next track): the
            // burst would begin inside the stream before, whose headers are gone. Begin at
            // the latest headers instead: a shorter burst, but one a player can decode.
            Some((at, _)) if *at > seq => {
                seq = *at;
                None
            }
            _ => None,
        };
        (seq, headers)
    }
}

#[cfg(test)]
mod tests;
