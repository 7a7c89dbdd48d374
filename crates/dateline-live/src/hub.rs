//! The hub: every mount, its current source session, its playlist session (heard while no
//! source is on air), its listener count and its figures.
//!
//! A mount's source session owns a [`Ring`] of recent chunks and a `watch` channel that ticks on
//! every chunk; listeners hold an `Arc` of the session and a cursor, so the source never waits
//! for a listener and never knows how many there are. Locks here are `std` locks held for a few
//! pointer copies and never across an `.await`.

use crate::format::Cut;
use crate::icy::{self, MetaKey};
use crate::playlist::{Playlist, PlaylistHandle};
use crate::ring::Ring;
use crate::{Listener, LiveError, Source, StreamDescription};
use bytes::Bytes;
use dateline_core::live::{
    AudioFormat, DEFAULT_BURST_BYTES, DEFAULT_QUEUE_BYTES, Mount as StoredMount, MountPath,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;
use tokio::sync::watch;

/// Fallback chains longer than this are treated as broken (they are also how a loop of
/// fallbacks ends).
const MAX_FALLBACK_DEPTH: usize = 4;

pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // A panic while holding one of these locks leaves consistent data (every write is a single
    // assignment or push), so poisoning is ignored rather than spread.
    lock.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// Settings that apply to every mount.
#[derive(Debug, Clone)]
pub struct HubOptions {
    /// Source bytes are gathered into chunks of at least this size (whole frames) before they
    /// are broadcast: fewer, larger writes for thousands of listeners, at the cost of at most
    /// this much latency (8 KiB is half a second at 128 kbit/s). Each chunk costs every
    /// listener one wake-up and one `writev`, so this size sets the relay's CPU per listener:
    /// 8 KiB took it from 0.7× to 0.35× Icecast 2's (docs/benchmarks.md), and half a second
    /// is small beside the seconds a player buffers anyway.
    pub chunk_bytes: usize,
    /// Audio bytes between ICY metadata blocks.
    pub metaint: usize,
    /// A listener whose socket accepts nothing for this long is dropped even if it has not yet
    /// fallen out of the queue (for instance after its source ended).
    pub stall_timeout: Duration,
    /// A source that sends nothing for this long is disconnected (Icecast's `source-timeout`).
    pub source_timeout: Duration,
}

impl Default for HubOptions {
    fn default() -> Self {
        Self {
            chunk_bytes: 8192,
            metaint: icy::DEFAULT_METAINT,
            stall_timeout: Duration::from_secs(30),
            source_timeout: Duration::from_secs(10),
        }
    }
}

/// How one mount behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountConfig {
    pub path: MountPath,
    /// Station name for listeners; empty means the source's `ice-name`.
    pub name: String,
    pub format: AudioFormat,
    pub max_listeners: Option<u32>,
    pub fallback: Option<MountPath>,
    pub burst_bytes: usize,
    pub queue_bytes: usize,
}

impl MountConfig {
    pub fn new(path: MountPath, format: AudioFormat) -> Self {
        Self {
            path,
            name: String::new(),
            format,
            max_listeners: None,
            fallback: None,
            burst_bytes: DEFAULT_BURST_BYTES as usize,
            queue_bytes: DEFAULT_QUEUE_BYTES as usize,
        }
    }
}

impl From<&StoredMount> for MountConfig {
    fn from(m: &StoredMount) -> Self {
        Self {
            path: m.path.clone(),
            name: m.name.clone(),
            format: m.format,
            max_listeners: m.max_listeners,
            fallback: m.fallback.clone(),
            burst_bytes: m.burst_bytes as usize,
            queue_bytes: m.queue_bytes as usize,
        }
    }
}

/// What a source says about its stream (the `ice-*` headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceInfo {
    pub name: Option<String>,
    pub description: Option<String>,
    pub genre: Option<String>,
    pub url: Option<String>,
    /// kbit/s, from `ice-bitrate` or the `bitrate=` of `ice-audio-info`.
    pub bitrate: Option<u32>,
    /// `ice-audio-info` as sent (`bitrate=128;samplerate=44100;channels=2`).
    pub audio_info: Option<String>,
    pub public: bool,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    /// Where a relay pulls this stream from (another node, an Icecast server), shown without
    /// credentials; `None` for a source of this node's own. Other nodes never relay a relay.
    pub relayed_from: Option<String>,
    /// A playlist's session: the schedule's programme it airs for, if any.
    pub programme: Option<String>,
}

#[derive(Clone)]
pub struct Hub {
    pub(crate) inner: Arc<HubInner>,
}

pub(crate) struct HubInner {
    pub(crate) options: HubOptions,
    mounts: RwLock<HashMap<MountPath, Arc<Mount>>>,
    /// Ticks on every source or listener event, for status watchers and tests.
    events: watch::Sender<u64>,
    pub(crate) shutdown: watch::Sender<bool>,
    ids: AtomicU64,
}

pub(crate) struct Mount {
    config: RwLock<Arc<MountConfig>>,
    live: RwLock<Option<Arc<Session>>>,
    /// The mount's playlist session, heard while no source (or relay) is on air.
    auto: RwLock<Option<Arc<Session>>>,
    pub(crate) listeners: AtomicUsize,
    /// Other nodes' relays pulling this mount: apart from `listeners`, so relays neither
    /// count in the public figures nor take a listener's place.
    pub(crate) relays: AtomicUsize,
    peak: AtomicUsize,
    connections: AtomicU64,
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) dropped_slow: AtomicU64,
    pub(crate) dropped_stalled: AtomicU64,
}

impl Mount {
    pub(crate) fn config(&self) -> Arc<MountConfig> {
        read(&self.config).clone()
    }

    /// The session on air, if any.
    pub(crate) fn on_air(&self) -> Option<Arc<Session>> {
        read(&self.live)
            .as_ref()
            .filter(|s| !s.ended.load(Ordering::Acquire))
            .cloned()
    }

    /// The playlist session playing, if any.
    pub(crate) fn playlist(&self) -> Option<Arc<Session>> {
        read(&self.auto)
            .as_ref()
            .filter(|s| !s.ended.load(Ordering::Acquire))
            .cloned()
    }

    /// What is on air: its source, else its playlist.
    pub(crate) fn playing(&self) -> Option<Arc<Session>> {
        self.on_air().or_else(|| self.playlist())
    }

    /// What a new listener of this mount hears: its source once the source has published
    /// audio, else its playlist, else the source still starting. A source's first audio can
    /// take a second or two (an Ogg encoder's header pages wait for its first audio page, a
    /// chunk for its size); until then the playlist keeps a listener's player fed.
    pub(crate) fn audible(&self) -> Option<Arc<Session>> {
        match self.on_air() {
            Some(live) if live.has_audio() => Some(live),
            live => self.playlist().or(live),
        }
    }
}

/// The current title and its ICY block, replaced whole when the title changes.
pub(crate) struct Meta {
    pub(crate) version: u64,
    pub(crate) title: String,
    pub(crate) block: Bytes,
}

/// One connection of a source to a mount, from connect to disconnect.
pub(crate) struct Session {
    pub(crate) id: u64,
    pub(crate) path: MountPath,
    pub(crate) format: AudioFormat,
    pub(crate) info: SourceInfo,
    pub(crate) content_type: String,
    pub(crate) started_at_us: i64,
    pub(crate) ring: RwLock<Ring>,
    /// Ticks after every chunk and at the end; listeners wait on it.
    pub(crate) tick: watch::Sender<u64>,
    pub(crate) ended: AtomicBool,
    meta: RwLock<Arc<Meta>>,
    pub(crate) bytes_in: AtomicU64,
    /// A playlist's session: its listeners move to a source once the source has audio.
    pub(crate) playlist: bool,
    /// Set once a chunk of audio (not only Ogg header pages) is in the ring: the moment a
    /// playlist's listeners can move here without waiting in silence.
    audio: AtomicBool,
    /// A playlist's session that replaced the mount's playlist session `follows` (the
    /// schedule's programme began or ended, the playlist was edited): that session's
    /// listeners start this one from its first file, at the frame boundary where the other
    /// ended.
    pub(crate) follows: Option<u64>,
}

impl Session {
    fn new(
        id: u64,
        path: &MountPath,
        config: &MountConfig,
        info: SourceInfo,
        content_type: String,
        started_at_us: i64,
        playlist: bool,
    ) -> Self {
        Self {
            id,
            path: path.clone(),
            format: config.format,
            info,
            content_type,
            started_at_us,
            // Listeners may lag by the queue size; new ones start a burst back.
            ring: RwLock::new(Ring::new(config.queue_bytes.max(config.burst_bytes))),
            tick: watch::Sender::new(0),
            ended: AtomicBool::new(false),
            meta: RwLock::new(Arc::new(Meta {
                version: 0,
                title: String::new(),
                block: icy::encode_block(""),
            })),
            bytes_in: AtomicU64::new(0),
            playlist,
            audio: AtomicBool::new(false),
            follows: None,
        }
    }

    /// Whether any audio has been published (header pages alone do not count).
    pub(crate) fn has_audio(&self) -> bool {
        self.audio.load(Ordering::Acquire)
    }

    /// Put chunks in the ring and wake the listeners once.
    pub(crate) fn publish(&self, cuts: &mut Vec<Cut>) {
        if cuts.is_empty() {
            return;
        }
        let mut audio = false;
        let next = {
            let mut ring = write(&self.ring);
            for cut in cuts.drain(..) {
                audio |= !cut.headers;
                ring.push(cut.data, cut.headers);
            }
            ring.next_seq()
        };
        if audio {
            // After the ring holds it, so whoever sees the flag finds the audio.
            self.audio.store(true, Ordering::Release);
        }
        self.tick.send_replace(next);
    }

    pub(crate) fn end(&self) {
        self.ended.store(true, Ordering::Release);
        self.tick.send_modify(|_| {});
    }

    pub(crate) fn meta(&self) -> Arc<Meta> {
        read(&self.meta).clone()
    }

    pub(crate) fn meta_key(&self, meta: &Meta) -> MetaKey {
        (self.id, meta.version)
    }

    pub(crate) fn set_title(&self, title: &str) {
        let mut meta = write(&self.meta);
        *meta = Arc::new(Meta {
            version: meta.version + 1,
            title: title.to_owned(),
            block: icy::encode_block(title),
        });
    }
}

/// A place in a mount's listener count (or its relay count), given back when dropped.
pub(crate) struct Slot {
    pub(crate) mount: Arc<Mount>,
    hub: Arc<HubInner>,
    pub(crate) relay: bool,
}

impl Slot {
    fn take(hub: &Arc<HubInner>, mount: Arc<Mount>) -> Result<Slot, LiveError> {
        let max = mount
            .config()
            .max_listeners
            .map_or(usize::MAX, |m| m as usize);
        let before = mount
            .listeners
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .map_err(|_| LiveError::Full)?;
        mount.peak.fetch_max(before + 1, Ordering::AcqRel);
        mount.connections.fetch_add(1, Ordering::Relaxed);
        Ok(Slot {
            mount,
            hub: hub.clone(),
            relay: false,
        })
    }

    /// A relay's place: no limit, counted apart from listeners.
    fn take_relay(hub: &Arc<HubInner>, mount: Arc<Mount>) -> Slot {
        mount.relays.fetch_add(1, Ordering::AcqRel);
        Slot {
            mount,
            hub: hub.clone(),
            relay: true,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let count = if self.relay {
            &self.mount.relays
        } else {
            &self.mount.listeners
        };
        count.fetch_sub(1, Ordering::AcqRel);
        self.hub.bump();
    }
}

/// A mount's figures.
#[derive(Debug, Clone)]
pub struct MountStatus {
    pub config: MountConfig,
    pub listeners: usize,
    /// Other nodes' relays pulling this mount (not listeners).
    pub relays: usize,
    /// Most listeners at once since the server started.
    pub listener_peak: usize,
    /// Listener connections since the server started.
    pub listener_connections: u64,
    pub bytes_sent: u64,
    /// Listeners dropped for reading too slowly (they fell out of the queue).
    pub slow_listeners_dropped: u64,
    /// Listeners dropped because their socket took nothing for the stall timeout (before
    /// they fell out of the queue): counted apart, since the fix differs (a dead client, not
    /// a thin pipe).
    pub stalled_listeners_dropped: u64,
    pub source: Option<SourceStatus>,
}

/// The source on air.
#[derive(Debug, Clone)]
pub struct SourceStatus {
    pub info: SourceInfo,
    /// What listeners get as `Content-Type`.
    pub content_type: String,
    /// Microseconds since the Unix epoch.
    pub connected_at_us: i64,
    pub bytes_received: u64,
    pub title: String,
    /// Audio held in the mount's queue, shared by all its listeners.
    pub buffered_bytes: usize,
    /// The mount's playlist is on air (no source is connected).
    pub playlist: bool,
    /// The schedule's programme whose playlist is on air, if any.
    pub programme: Option<String>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(HubOptions::default())
    }
}

impl Hub {
    pub fn new(options: HubOptions) -> Self {
        Self {
            inner: Arc::new(HubInner {
                options,
                mounts: RwLock::new(HashMap::new()),
                events: watch::Sender::new(0),
                shutdown: watch::Sender::new(false),
                ids: AtomicU64::new(1),
            }),
        }
    }

    pub fn options(&self) -> &HubOptions {
        &self.inner.options
    }

    /// Add a mount or change one; a source on air and its listeners carry on.
    pub fn configure(&self, config: MountConfig) {
        let mut mounts = write(&self.inner.mounts);
        match mounts.get(&config.path) {
            Some(m) => *write(&m.config) = Arc::new(config),
            None => {
                mounts.insert(
                    config.path.clone(),
                    Arc::new(Mount {
                        config: RwLock::new(Arc::new(config)),
                        live: RwLock::new(None),
                        auto: RwLock::new(None),
                        listeners: AtomicUsize::new(0),
                        relays: AtomicUsize::new(0),
                        peak: AtomicUsize::new(0),
                        connections: AtomicU64::new(0),
                        bytes_sent: AtomicU64::new(0),
                        dropped_slow: AtomicU64::new(0),
                        dropped_stalled: AtomicU64::new(0),
                    }),
                );
            }
        }
        drop(mounts);
        self.inner.bump();
    }

    /// Forget a mount that is off air; `false` when it is on air (or unknown).
    pub fn remove(&self, path: &MountPath) -> bool {
        let mut mounts = write(&self.inner.mounts);
        let off_air = mounts.get(path).is_some_and(|m| m.on_air().is_none());
        if off_air {
            mounts.remove(path);
        }
        off_air
    }

    /// Whether `path` is a configured mount (a cheap check for routing connections).
    pub fn is_mount(&self, path: &str) -> bool {
        match MountPath::parse(path) {
            Ok(p) => read(&self.inner.mounts).contains_key(&p),
            Err(_) => false,
        }
    }

    pub fn config(&self, path: &MountPath) -> Option<Arc<MountConfig>> {
        self.inner.mount(path).map(|m| m.config())
    }

    /// Put a source on air at `path`. Refused when another source is on air there.
    pub fn start_source(
        &self,
        path: &MountPath,
        info: SourceInfo,
        now_us: i64,
    ) -> Result<Source, LiveError> {
        if *self.inner.shutdown.borrow() {
            return Err(LiveError::ShuttingDown);
        }
        let mount = self
            .inner
            .mount(path)
            .ok_or_else(|| LiveError::NoSuchMount(path.to_string()))?;
        let config = mount.config();
        let content_type = match &info.content_type {
            Some(ct) if config.format.accepts_content_type(ct) => ct.clone(),
            Some(ct) => {
                tracing::warn!(mount = %path, content_type = %ct, format = %config.format,
                    "the source's content type is not the mount's format; listeners get the mount's");
                config.format.content_type().to_owned()
            }
            None => config.format.content_type().to_owned(),
        };
        let session = {
            let mut live = write(&mount.live);
            if live
                .as_ref()
                .is_some_and(|s| !s.ended.load(Ordering::Acquire))
            {
                return Err(LiveError::MountInUse);
            }
            let session = Arc::new(Session::new(
                self.inner.next_id(),
                path,
                &config,
                info,
                content_type,
                now_us,
                false,
            ));
            *live = Some(session.clone());
            session
        };
        // The playlist's listeners stay where they are until the source publishes audio
        // (`Source` wakes them then): moving now would leave them waiting in silence.
        tracing::info!(
            mount = %path,
            session = session.id,
            agent = session.info.user_agent.as_deref().unwrap_or(""),
            stream_name = session.info.name.as_deref().unwrap_or(""),
            "source connected"
        );
        self.inner.bump();
        Ok(Source::new(self.inner.clone(), mount, session))
    }

    /// A new listener on `path`: on the mount's source, or on its fallback when the source is
    /// absent. Refused when nothing is on air or the mount is full.
    pub fn listen(&self, path: &MountPath, icy: bool) -> Result<Listener, LiveError> {
        if *self.inner.shutdown.borrow() {
            return Err(LiveError::ShuttingDown);
        }
        let asked = self
            .inner
            .mount(path)
            .ok_or_else(|| LiveError::NoSuchMount(path.to_string()))?;
        let format = asked.config().format;
        let (mount, session) = self.inner.resolve(asked, format).ok_or(LiveError::OffAir)?;
        let slot = Slot::take(&self.inner, mount.clone())?;
        let icy = icy && format.supports_icy();
        let listener = Listener::new(self.inner.clone(), slot, session, icy);
        self.inner.bump();
        Ok(listener)
    }

    /// Another node's relay of `path`: the mount's own source only (never a fallback, never
    /// a relay of this node's, so relays cannot chain or loop), with no listener limit and
    /// counted apart from listeners. Its stream ends when the source does.
    pub fn listen_relay(&self, path: &MountPath, icy: bool) -> Result<Listener, LiveError> {
        if *self.inner.shutdown.borrow() {
            return Err(LiveError::ShuttingDown);
        }
        let mount = self
            .inner
            .mount(path)
            .ok_or_else(|| LiveError::NoSuchMount(path.to_string()))?;
        let session = mount
            .on_air()
            .filter(|s| s.info.relayed_from.is_none())
            .ok_or(LiveError::OffAir)?;
        let icy = icy && session.format.supports_icy();
        let slot = Slot::take_relay(&self.inner, mount);
        let mut listener = Listener::new(self.inner.clone(), slot, session, icy);
        listener.follow_fallback = false;
        self.inner.bump();
        Ok(listener)
    }

    /// Play `playlist` on `path` while no source is connected there, in place of the playlist
    /// it had; it plays until the handle is dropped or the hub shuts down.
    pub fn start_playlist(
        &self,
        path: &MountPath,
        playlist: Playlist,
        now_us: i64,
    ) -> Result<PlaylistHandle, LiveError> {
        if self.inner.is_shutting_down() {
            return Err(LiveError::ShuttingDown);
        }
        let mount = self
            .inner
            .mount(path)
            .ok_or_else(|| LiveError::NoSuchMount(path.to_string()))?;
        let config = mount.config();
        if playlist.tracks.is_empty() {
            return Err(LiveError::EmptyPlaylist);
        }
        if let Some(t) = playlist.tracks.iter().find(|t| t.format() != config.format) {
            return Err(LiveError::NotAudio {
                format: config.format,
                why: format!("a {} file cannot play on this mount", t.format()),
            });
        }
        let info = SourceInfo {
            name: None,
            description: Some("playlist".to_owned()),
            user_agent: Some("dateline playlist".to_owned()),
            content_type: Some(config.format.content_type().to_owned()),
            programme: playlist.programme.clone(),
            ..SourceInfo::default()
        };
        let (session, previous) = {
            let mut auto = write(&mount.auto);
            let mut session = Session::new(
                self.inner.next_id(),
                path,
                &config,
                info,
                config.format.content_type().to_owned(),
                now_us,
                true,
            );
            // Its listeners move to this one from its start (see `Listener`).
            session.follows = auto.as_ref().map(|p| p.id);
            let session = Arc::new(session);
            let previous = auto.replace(session.clone());
            (session, previous)
        };
        if let Some(p) = previous {
            p.end();
        }
        tracing::info!(mount = %path, session = session.id, tracks = playlist.tracks.len(),
            shuffle = playlist.shuffle, "playlist started");
        self.inner.bump();
        Ok(PlaylistHandle::start(
            self.inner.clone(),
            mount,
            session,
            playlist,
        ))
    }

    /// Whether `path` has a source (or a relay) of its own on air here, fallbacks aside.
    pub fn on_air(&self, path: &MountPath) -> bool {
        self.inner.mount(path).is_some_and(|m| m.on_air().is_some())
    }

    /// Listeners of `path` now (relays not counted).
    pub fn listeners(&self, path: &MountPath) -> usize {
        self.inner
            .mount(path)
            .map_or(0, |m| m.listeners.load(Ordering::Acquire))
    }

    /// Resolves when the hub starts shutting down (for tasks that feed it, such as relays).
    pub fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut shutdown = self.inner.shutdown.subscribe();
        async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        }
    }

    /// The now-playing title on air at `path`, if any.
    pub fn title(&self, path: &MountPath) -> Option<String> {
        let session = self.inner.mount(path)?.playing()?;
        let title = session.meta().title.clone();
        Some(title)
    }

    /// What a listener of `path` would be told, without becoming one (for `HEAD`): refused
    /// as `listen` would be, except that a full mount can still be described.
    pub fn describe(&self, path: &MountPath, icy: bool) -> Result<StreamDescription, LiveError> {
        let asked = self
            .inner
            .mount(path)
            .ok_or_else(|| LiveError::NoSuchMount(path.to_string()))?;
        let format = asked.config().format;
        let (mount, session) = self.inner.resolve(asked, format).ok_or(LiveError::OffAir)?;
        let metaint = (icy && format.supports_icy()).then_some(self.inner.options.metaint);
        Ok(StreamDescription::of(&mount, &session, metaint))
    }

    /// Set the now-playing title of the source on air at `path`.
    pub fn set_title(&self, path: &MountPath, title: &str) -> Result<(), LiveError> {
        let mount = self
            .inner
            .mount(path)
            .ok_or_else(|| LiveError::NoSuchMount(path.to_string()))?;
        let session = mount.on_air().ok_or(LiveError::OffAir)?;
        session.set_title(title);
        tracing::info!(mount = %path, session = session.id, "now playing updated");
        self.inner.bump();
        Ok(())
    }

    /// Every mount's figures, by path.
    pub fn status(&self) -> Vec<MountStatus> {
        let mut mounts: Vec<Arc<Mount>> = read(&self.inner.mounts).values().cloned().collect();
        mounts.sort_by_key(|m| m.config().path.clone());
        mounts.iter().map(|m| status_of(m)).collect()
    }

    pub fn mount_status(&self, path: &MountPath) -> Option<MountStatus> {
        self.inner.mount(path).map(|m| status_of(&m))
    }

    /// A receiver that changes on every source or listener event.
    pub fn events(&self) -> watch::Receiver<u64> {
        self.inner.events.subscribe()
    }

    /// Wait until `check` holds, re-checking after each event.
    pub async fn wait_until(&self, mut check: impl FnMut(&Hub) -> bool) {
        let mut events = self.events();
        loop {
            events.borrow_and_update();
            if check(self) {
                return;
            }
            if events.changed().await.is_err() {
                return;
            }
        }
    }

    /// End every source and listener (at server shutdown): listeners' streams end cleanly.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let mounts: Vec<Arc<Mount>> = read(&self.inner.mounts).values().cloned().collect();
        for m in mounts {
            if let Some(s) = m.on_air() {
                s.end();
            }
            if let Some(s) = m.playlist() {
                s.end();
            }
        }
        self.inner.bump();
    }
}

fn status_of(m: &Mount) -> MountStatus {
    let source = m.playing().map(|s| {
        let meta = s.meta();
        SourceStatus {
            info: s.info.clone(),
            content_type: s.content_type.clone(),
            connected_at_us: s.started_at_us,
            bytes_received: s.bytes_in.load(Ordering::Relaxed),
            title: meta.title.clone(),
            buffered_bytes: read(&s.ring).bytes(),
            playlist: s.playlist,
            programme: s.info.programme.clone(),
        }
    });
    MountStatus {
        config: (*m.config()).clone(),
        listeners: m.listeners.load(Ordering::Acquire),
        relays: m.relays.load(Ordering::Acquire),
        listener_peak: m.peak.load(Ordering::Acquire),
        listener_connections: m.connections.load(Ordering::Relaxed),
        bytes_sent: m.bytes_sent.load(Ordering::Relaxed),
        slow_listeners_dropped: m.dropped_slow.load(Ordering::Relaxed),
        stalled_listeners_dropped: m.dropped_stalled.load(Ordering::Relaxed),
        source,
    }
}

impl HubInner {
    pub(crate) fn mount(&self, path: &MountPath) -> Option<Arc<Mount>> {
        read(&self.mounts).get(path).cloned()
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn bump(&self) {
        self.events.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// The first mount on air along `start`'s fallback chain, with its session; only sessions
    /// of `format`, since a player cannot switch formats mid-stream.
    pub(crate) fn resolve(
        &self,
        start: Arc<Mount>,
        format: AudioFormat,
    ) -> Option<(Arc<Mount>, Arc<Session>)> {
        let mut mount = start;
        for _ in 0..=MAX_FALLBACK_DEPTH {
            if let Some(s) = mount.audible().filter(|s| s.format == format) {
                return Some((mount, s));
            }
            let next = mount.config().fallback.clone()?;
            mount = self.mount(&next)?;
        }
        None
    }

    /// Take a slot on the first mount on air along `from`'s fallback chain.
    pub(crate) fn fallback_for(
        self: &Arc<Self>,
        from: &Mount,
        format: AudioFormat,
    ) -> Option<(Slot, Arc<Session>)> {
        let next = from.config().fallback.clone()?;
        let start = self.mount(&next)?;
        let (mount, session) = self.resolve(start, format)?;
        let slot = Slot::take(self, mount).ok()?;
        Some((slot, session))
    }

    /// Where the playlist of `session` is done: off air, listeners told.
    pub(crate) fn end_playlist(&self, mount: &Mount, session: &Arc<Session>) {
        session.end();
        let mut auto = write(&mount.auto);
        if auto.as_ref().is_some_and(|s| Arc::ptr_eq(s, session)) {
            *auto = None;
        }
        drop(auto);
        self.bump();
    }

    /// Where the source of `session` is done: off air, listeners told.
    pub(crate) fn end_session(&self, mount: &Mount, session: &Arc<Session>) {
        session.end();
        let mut live = write(&mount.live);
        if live.as_ref().is_some_and(|s| Arc::ptr_eq(s, session)) {
            *live = None;
        }
        drop(live);
        self.bump();
    }
}

#[cfg(test)]
mod tests;
