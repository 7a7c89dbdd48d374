//! Dateline's live audio relay, Icecast-compatible and usable on its own: mounts, one source
//! per mount, any number of listeners, ICY metadata, bursts on connect and fallbacks.
//!
//! The shape, and why:
//! - a [`Source`] cuts its bytes into chunks of whole frames ([`format`]) and pushes them into
//!   its session's ring; one `watch` tick wakes the listeners. The source never waits for a
//!   listener, so a slow listener cannot slow it or anyone else.
//! - a [`Listener`] is a cursor into that ring. Chunks are `Bytes` shared by every listener; a
//!   listener gathers all it has not sent yet into one vectored write, so thousands of
//!   listeners mean a few large writes each per second, spread over the runtime's threads.
//! - a listener that falls out of the ring (the mount's queue size) is dropped; new listeners
//!   start a burst back, on a frame boundary, so players start at once.
//! - a mount may have a [`Playlist`]: files played in real time by frame durations while no
//!   source is connected. Its listeners move to a source when one connects, at a chunk (so
//!   frame) boundary, and back to the playlist when it leaves (Icecast's fallback-override).
//!
//! This crate speaks no HTTP and touches no database: the web layer parses requests, checks
//! passwords and writes headers; the hub only relays. It never copies audio per listener,
//! never changes a byte of it, never blocks a source on a listener, and never sees a password.

pub mod format;
mod hub;
pub mod icy;
mod listener;
pub mod ogg;
mod playlist;
mod ring;
mod source;
pub mod tags;
#[cfg(test)]
mod testing;

pub use hub::{Hub, HubOptions, MountConfig, MountStatus, SourceInfo, SourceStatus};
pub use listener::{End, Listener, StreamDescription};
pub use playlist::{Playlist, PlaylistHandle, Track};
pub use source::{Source, SourceEnd};

/// Why the hub refused a source or a listener.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    #[error("no mount is configured at {0}")]
    NoSuchMount(String),
    /// Icecast's wording, which broadcasters' tools show as is.
    #[error("Mountpoint in use")]
    MountInUse,
    #[error("the stream is off air")]
    OffAir,
    #[error("the maximum number of listeners for this mount has been reached")]
    Full,
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A playlist file that is not the mount's format (the sentence says why).
    #[error("the file is not {format} audio: {why}")]
    NotAudio {
        format: dateline_core::live::AudioFormat,
        why: String,
    },
    #[error("the playlist has no files")]
    EmptyPlaylist,
}
