//! A listener: a cursor into its session's ring, ICY interleaving when asked for, and the
//! switches between sessions: from the mount's playlist to its source when one connects
//! (between chunks, so on a frame boundary), and back to the playlist, or on to the fallback
//! mount, when the source goes.
//!
//! A listener owns no audio: each batch is a list of `Bytes` handles into the shared chunks
//! (plus slices of them around ICY blocks), written with one vectored write. Its memory is its
//! cursor, its ICY state and one batch of handles, whatever the stream's rate. A listener never
//! slows its source or another listener: when it falls out of the ring it is dropped.

use crate::hub::{HubInner, Mount, Session, Slot, SourceInfo, read};
use crate::icy::IcyState;
use bytes::{Buf, Bytes};
use dateline_core::live::{AudioFormat, MountPath};
use std::future::Future;
use std::io::IoSlice;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Instant;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

/// Why a listener's stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The source went and there was no fallback on air: the stream ended cleanly.
    SourceGone,
    /// The listener fell further behind than the mount's queue.
    TooSlow,
    /// The listener's socket took nothing for the stall timeout.
    Stalled,
    /// The listener went away (a write failed).
    Disconnected,
    /// The server is shutting down.
    Shutdown,
}

impl End {
    pub fn as_str(self) -> &'static str {
        match self {
            End::SourceGone => "source gone",
            End::TooSlow => "too slow",
            End::Stalled => "stalled",
            End::Disconnected => "disconnected",
            End::Shutdown => "shutdown",
        }
    }
}

/// What a listener is told about the stream before the audio (its response headers).
#[derive(Debug, Clone)]
pub struct StreamDescription {
    /// The `Content-Type` to answer with.
    pub content_type: String,
    /// The station name: the mount's, else the source's.
    pub station_name: String,
    /// What the source said about its stream.
    pub info: SourceInfo,
    /// The ICY interval, when the listener gets metadata blocks.
    pub metaint: Option<usize>,
}

impl StreamDescription {
    pub(crate) fn of(mount: &Mount, session: &Session, metaint: Option<usize>) -> Self {
        let configured = mount.config().name.clone();
        Self {
            content_type: session.content_type.clone(),
            station_name: if configured.is_empty() {
                session.info.name.clone().unwrap_or_default()
            } else {
                configured
            },
            info: session.info.clone(),
            metaint,
        }
    }
}

pub struct Listener {
    hub: Arc<HubInner>,
    slot: Slot,
    session: Arc<Session>,
    tick: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    /// The next chunk this listener needs.
    cursor: u64,
    /// Ogg header pages to send before the next audio.
    first: Option<Bytes>,
    icy: Option<IcyState>,
    format: AudioFormat,
    id: u64,
    started: Instant,
    sent: u64,
    end: Option<End>,
    /// Whether the listener moves to the fallback when its source goes (a relay does not).
    pub(crate) follow_fallback: bool,
}

impl Listener {
    pub(crate) fn new(hub: Arc<HubInner>, slot: Slot, session: Arc<Session>, icy: bool) -> Self {
        let burst = slot.mount.config().burst_bytes;
        let (cursor, first) = read(&session.ring).burst_start(burst);
        let id = hub.next_id();
        let metaint = hub.options.metaint;
        let listener = Self {
            tick: session.tick.subscribe(),
            shutdown: hub.shutdown.subscribe(),
            hub,
            format: session.format,
            slot,
            session,
            cursor,
            first,
            icy: icy.then(|| IcyState::new(metaint)),
            id,
            started: Instant::now(),
            sent: 0,
            end: None,
            follow_fallback: true,
        };
        tracing::info!(
            mount = %listener.session.path,
            listener = id,
            icy,
            relay = listener.slot.relay,
            "listener connected"
        );
        listener
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    /// The mount whose source this listener gets (the fallback's, when it was sent there).
    pub fn mount(&self) -> &MountPath {
        &self.session.path
    }

    /// What to tell this listener about the stream before the audio.
    pub fn describe(&self) -> StreamDescription {
        StreamDescription::of(
            &self.slot.mount,
            &self.session,
            self.icy.as_ref().map(|_| self.hub.options.metaint),
        )
    }

    /// The ICY interval when this listener gets metadata blocks.
    pub fn metaint(&self) -> Option<usize> {
        self.icy.as_ref().map(|_| self.hub.options.metaint)
    }

    /// Audio bytes (and ICY blocks) handed out so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// The next batch: the burst first, then live chunks as they come, waiting for them.
    /// Appends to `out` (at least one non-empty `Bytes`) or says why the stream is over.
    pub async fn next(&mut self, out: &mut Vec<Bytes>) -> Result<(), End> {
        loop {
            if *self.shutdown.borrow_and_update() {
                return Err(self.finish(End::Shutdown));
            }
            self.tick.borrow_and_update();
            if self.session.playlist {
                // Between chunks is a frame boundary: the place to move to a source.
                self.switch_to_source();
            }
            // Read `ended` before the ring: if it was set, every chunk was published before it,
            // so an empty read below really is the end.
            let ended = self.session.ended.load(Ordering::Acquire);
            let before = out.len();
            // Plain listeners take the chunks straight into `out`; ICY listeners need them
            // apart first, to cut them around the metadata blocks.
            let mut plain = Vec::new();
            let into = if self.icy.is_some() {
                &mut plain
            } else {
                &mut *out
            };
            let start = into.len();
            into.extend(self.first.clone());
            let header = into.len() - start;
            let cursor = read(&self.session.ring).read_from(self.cursor, into);
            match cursor {
                None => return Err(self.finish(End::TooSlow)),
                Some(c) => self.cursor = c,
            }
            if into.len() - start > header {
                self.first = None;
                if let Some(icy) = &mut self.icy {
                    let meta = self.session.meta();
                    let key = self.session.meta_key(&meta);
                    icy.interleave(plain, (key, &meta.block), out);
                }
                let n: u64 = out[before..].iter().map(|b| b.len() as u64).sum();
                self.sent += n;
                self.slot.mount.bytes_sent.fetch_add(n, Ordering::Relaxed);
                return Ok(());
            }
            // Nothing new: the header pages wait for the audio they precede.
            out.truncate(before);
            if ended {
                if self.switch_to_fallback() {
                    continue;
                }
                return Err(self.finish(End::SourceGone));
            }
            tokio::select! {
                _ = self.tick.changed() => {}
                _ = self.shutdown.changed() => {}
            }
        }
    }

    /// Write the stream to `w` until it ends, then drop the listener; see [`Listener::stream`].
    pub async fn pump<W: AsyncWrite + Unpin>(mut self, w: &mut W) -> End {
        self.stream(w).await
    }

    /// Write the stream to `w` until it ends: batches go out as vectored writes; while a write
    /// waits on a full socket, the listener is dropped as soon as it falls out of the queue.
    ///
    /// It borrows the listener rather than taking it: an `async fn` keeps its arguments for
    /// its whole life, so a task that owns a listener and moved it in here would hold it
    /// twice, for as long as it listens. Thousands of listeners make that worth avoiding.
    pub async fn stream<W: AsyncWrite + Unpin>(&mut self, w: &mut W) -> End {
        let stall = self.hub.options.stall_timeout;
        loop {
            // A batch lives only until it is written: an idle listener holds no handles and
            // no buffer, only its cursor (a few bytes instead of a kept vector per listener).
            let mut out = Vec::new();
            if let Err(end) = self.next(&mut out).await {
                return end;
            }
            let mut batch = Batch::new(&out);
            let mut write = std::pin::pin!(w.write_all_buf(&mut batch));
            // A listener that keeps up has room in its socket: the write completes at once, and
            // arming a stall timer and a lag watch for it would cost more than the write itself
            // (thousands of listeners, a few batches a second each). Only a write that waits
            // gets them.
            let at_once = std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await;
            let outcome = match at_once {
                Poll::Ready(r) => r.err().map(|_| End::Disconnected),
                Poll::Pending => tokio::select! {
                    biased;
                    r = &mut write => r.err().map(|_| End::Disconnected),
                    end = lag_watch(&mut self.tick, &self.session, self.cursor) => Some(end),
                    () = tokio::time::sleep(stall) => Some(End::Stalled),
                },
            };
            if let Some(end) = outcome {
                return self.finish(end);
            }
        }
    }

    /// A listener of a playlist moves to the mount's source once the source has published
    /// audio (Icecast's fallback-override), starting at the source's beginning or a burst
    /// back, after the source's Ogg header pages when the burst does not hold them. Until
    /// then the playlist plays on: a source's first audio can take a second or two.
    fn switch_to_source(&mut self) {
        if !self.follow_fallback {
            return;
        }
        let Some(live) = self
            .slot
            .mount
            .on_air()
            .filter(|s| s.format == self.format && s.has_audio())
        else {
            return;
        };
        let burst = self.slot.mount.config().burst_bytes;
        let (cursor, first) = read(&live.ring).burst_start(burst);
        tracing::info!(listener = self.id, mount = %live.path, "listener moved from the playlist to the source");
        self.move_to(live, cursor, first);
    }

    fn move_to(&mut self, session: Arc<Session>, cursor: u64, first: Option<Bytes>) {
        self.tick = session.tick.subscribe();
        self.session = session;
        self.cursor = cursor;
        self.first = first;
        self.hub.bump();
    }

    fn switch_to_fallback(&mut self) -> bool {
        if !self.follow_fallback || self.hub.is_shutting_down() {
            return false;
        }
        // The mount's own playlist first: the latest chunk is audio ahead of real time, so
        // the listener's player never runs dry.
        if let Some(playlist) = self
            .slot
            .mount
            .playlist()
            .filter(|s| s.format == self.format && !Arc::ptr_eq(s, &self.session))
        {
            // Its latest chunk (a burst of one byte), after the playlist's Ogg header pages
            // when that chunk does not start with them: an Ogg listener coming back from a
            // source must get the headers of the stream it rejoins. A listener of the playlist
            // this one replaced (a programme began or ended) starts it from its first file
            // instead: all it holds, which is the little published since it started.
            let burst = if playlist.follows == Some(self.session.id) {
                usize::MAX
            } else {
                1
            };
            let (cursor, first) = read(&playlist.ring).burst_start(burst);
            tracing::info!(listener = self.id, mount = %playlist.path, "listener moved back to the playlist");
            self.move_to(playlist, cursor, first);
            return true;
        }
        let Some((slot, session)) = self.hub.fallback_for(&self.slot.mount, self.format) else {
            return false;
        };
        if Arc::ptr_eq(&session, &self.session) {
            return false;
        }
        let burst = slot.mount.config().burst_bytes;
        let (cursor, first) = read(&session.ring).burst_start(burst);
        tracing::info!(
            listener = self.id,
            from = %self.session.path,
            to = %session.path,
            "listener moved to the fallback"
        );
        self.tick = session.tick.subscribe();
        self.session = session;
        self.cursor = cursor;
        self.first = first;
        // Dropping the old slot gives its place back.
        self.slot = slot;
        self.hub.bump();
        true
    }

    fn finish(&mut self, end: End) -> End {
        if self.end.is_none() {
            self.end = Some(end);
            let counter = match end {
                End::TooSlow => Some(&self.slot.mount.dropped_slow),
                End::Stalled => Some(&self.slot.mount.dropped_stalled),
                _ => None,
            };
            if let Some(c) = counter {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        end
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let end = self.end.unwrap_or(End::Disconnected);
        tracing::info!(
            mount = %self.session.path,
            listener = self.id,
            bytes = self.sent,
            seconds = self.started.elapsed().as_secs(),
            reason = end.as_str(),
            "listener left"
        );
        // The slot is given back (and watchers told) when the fields drop after this.
    }
}

/// Resolves when the chunk at `cursor` has been evicted while a write is still waiting: the
/// listener cannot catch up any more.
async fn lag_watch(tick: &mut watch::Receiver<u64>, session: &Session, cursor: u64) -> End {
    loop {
        if tick.changed().await.is_err() {
            // The session's sender lives as long as the session: unreachable, but never spin.
            std::future::pending::<()>().await;
        }
        if read(&session.ring).first_seq() > cursor {
            return End::TooSlow;
        }
    }
}

/// A batch of shared chunks as one `Buf`, so a write takes as many as the socket accepts in a
/// single vectored call.
struct Batch<'a> {
    parts: &'a [Bytes],
    /// Offset into `parts[0]`.
    offset: usize,
    remaining: usize,
}

impl<'a> Batch<'a> {
    fn new(parts: &'a [Bytes]) -> Self {
        let mut b = Self {
            parts,
            offset: 0,
            remaining: parts.iter().map(Bytes::len).sum(),
        };
        b.skip_empty();
        b
    }

    fn skip_empty(&mut self) {
        while let Some(first) = self.parts.first() {
            if self.offset < first.len() {
                break;
            }
            self.parts = &self.parts[1..];
            self.offset = 0;
        }
    }
}

impl Buf for Batch<'_> {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        self.parts.first().map_or(&[], |p| &p[self.offset..])
    }

    fn advance(&mut self, mut n: usize) {
        n = n.min(self.remaining);
        self.remaining -= n;
        while n > 0 {
            let Some(first) = self.parts.first() else {
                break;
            };
            let left = first.len() - self.offset;
            if n < left {
                self.offset += n;
                break;
            }
            n -= left;
            self.parts = &self.parts[1..];
            self.offset = 0;
        }
        self.skip_empty();
    }

    fn chunks_vectored<'b>(&'b self, dst: &mut [IoSlice<'b>]) -> usize {
        let mut n = 0;
        for (i, part) in self.parts.iter().enumerate() {
            if n == dst.len() {
                break;
            }
            let bytes = if i == 0 {
                &part[self.offset..]
            } else {
                &part[..]
            };
            if !bytes.is_empty() {
                dst[n] = IoSlice::new(bytes);
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests;
