//! A source on air: bytes in, frame-aligned chunks out to the mount's ring.
//!
//! The source never waits for listeners: publishing is a push into the ring and one `watch`
//! tick. When the source goes (end of stream, error, timeout, shutdown, or the value is
//! dropped) the session ends and its listeners move to the fallback or finish.

use crate::format::{Cut, Framer};
use crate::hub::{HubInner, Mount, Session};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The longest a chunk waits to fill (`HubOptions::chunk_bytes`) before what is complete goes
/// out anyway: a listener hears a slow source (a low bit rate) within this of its sending,
/// and no gap in its stream is much longer. Half a second is what 8 KiB lasts at 128 kbit/s,
/// so a source at that rate or more is cut by size as before (and the relay's CPU per
/// listener, set by chunks per second, stays where docs/benchmarks.md has it).
const CHUNK_WAIT: Duration = Duration::from_millis(500);

/// Why a source's session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEnd {
    /// The source closed its stream.
    Finished,
    /// The source sent nothing for the source timeout.
    TimedOut,
    /// Reading from the source failed.
    Failed,
    /// The server is shutting down.
    Shutdown,
}

impl SourceEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceEnd::Finished => "finished",
            SourceEnd::TimedOut => "timed out",
            SourceEnd::Failed => "read error",
            SourceEnd::Shutdown => "shutdown",
        }
    }
}

pub struct Source {
    hub: Arc<HubInner>,
    mount: Arc<Mount>,
    session: Arc<Session>,
    framer: Framer,
    cuts: Vec<Cut>,
    started: Instant,
    ended: bool,
    /// The playlist's listeners have been told this source has audio.
    announced: bool,
    /// When audio last went out (or the source connected): see [`CHUNK_WAIT`].
    last_cut: tokio::time::Instant,
}

impl Source {
    pub(crate) fn new(hub: Arc<HubInner>, mount: Arc<Mount>, session: Arc<Session>) -> Self {
        let framer = Framer::new(session.format, hub.options.chunk_bytes);
        Self {
            hub,
            mount,
            session,
            framer,
            cuts: Vec::new(),
            started: Instant::now(),
            ended: false,
            announced: false,
            last_cut: tokio::time::Instant::now(),
        }
    }

    /// Cut what the framer holds: chunks of the minimum size, or whatever is complete once
    /// the last chunk went out `CHUNK_WAIT` ago.
    fn cut(&mut self) {
        self.framer.cut(&mut self.cuts);
        let now = tokio::time::Instant::now();
        if !self.cuts.iter().any(|c| !c.headers) && now - self.last_cut >= CHUNK_WAIT {
            self.framer.cut_now(&mut self.cuts);
        }
        if self.cuts.iter().any(|c| !c.headers) {
            self.last_cut = now;
        }
    }

    /// Publish what the framer has cut; at the first audio, wake the mount's playlist
    /// listeners so they move here between two of the playlist's chunks (a frame boundary).
    fn publish(&mut self) {
        self.session.publish(&mut self.cuts);
        if !self.announced && self.session.has_audio() {
            self.announced = true;
            if let Some(playlist) = self.mount.playlist() {
                playlist.tick.send_modify(|_| {});
            }
            self.hub.bump();
        }
    }

    /// The session's id, for logs.
    pub fn session(&self) -> u64 {
        self.session.id
    }

    /// Resolves when the server starts shutting down, for callers that read the source
    /// themselves (with [`Source::push`]) and must stop then.
    pub fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut shutdown = self.hub.shutdown.subscribe();
        async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        }
    }

    /// Add source bytes (for callers that receive them in buffers of their own, such as an
    /// HTTP body); whole frames are published as soon as there are enough.
    pub fn push(&mut self, data: &[u8]) {
        self.session
            .bytes_in
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        self.framer.extend(data);
        self.cut();
        self.publish();
    }

    /// Read the source until it ends, publishing as it goes; then end the session.
    pub async fn run<R: AsyncRead + Unpin>(mut self, reader: &mut R) -> SourceEnd {
        let timeout = self.hub.options.source_timeout;
        let mut shutdown = self.hub.shutdown.subscribe();
        let end = loop {
            enum Step {
                Read(std::io::Result<usize>),
                Idle,
                Shutdown,
            }
            let step = tokio::select! {
                r = tokio::time::timeout(timeout, reader.read_buf(self.framer.buffer())) => {
                    match r {
                        Ok(r) => Step::Read(r),
                        Err(_) => Step::Idle,
                    }
                }
                _ = shutdown.wait_for(|stop| *stop) => Step::Shutdown,
            };
            match step {
                Step::Read(Ok(0)) => break SourceEnd::Finished,
                Step::Read(Ok(n)) => {
                    self.session.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
                    self.cut();
                    self.publish();
                }
                Step::Read(Err(_)) => break SourceEnd::Failed,
                Step::Idle => break SourceEnd::TimedOut,
                Step::Shutdown => break SourceEnd::Shutdown,
            }
        };
        self.finish(end);
        end
    }

    /// Publish what is left and end the session (also done on drop, as `Finished`).
    pub fn finish(&mut self, why: SourceEnd) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.framer.finish(&mut self.cuts);
        self.publish();
        self.hub.end_session(&self.mount, &self.session);
        tracing::info!(
            mount = %self.session.path,
            session = self.session.id,
            bytes = self.session.bytes_in.load(Ordering::Relaxed),
            seconds = self.started.elapsed().as_secs(),
            reason = why.as_str(),
            "source disconnected"
        );
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        self.finish(SourceEnd::Finished);
    }
}
