//! Mounts' playlists on this node: files added to the media store ([`add_file`]), and the
//! keeper that has the hub play each mount's playlist while no source is connected.
//!
//! The keeper reads the store's playlist fingerprint every few seconds (and at once when
//! asked, after a newsroom edit): a change made anywhere, by the CLI in another process or
//! another node, is played here within that time. A playlist is loaded whole from the media
//! store into memory (the files are shared by every listener, never copied per listener) and
//! its frames found off the async threads.
//!
//! A file is refused when it is not the mount's format, with a sentence naming it; nothing
//! is stored then. Never logs file contents and never holds a lock across an `.await`.

use crate::Clock;
use crate::media::store::{MediaError, MediaStore};
use bytes::Bytes;
use dateline_core::live::{AudioFormat, MountPath};
use dateline_live::{Hub, MountConfig, Playlist, PlaylistHandle, Track};
use dateline_store::{NewPlaylistItem, PlaylistItem, Store, StoreError};
use object_store::path::Path as Key;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often the keeper looks for playlist changes.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Why a file could not be added to a playlist.
#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    #[error("there is no mount at {0}")]
    NoMount(MountPath),
    /// The sentence for the person who added it.
    #[error("{file} cannot go on the playlist of {mount}: {why}")]
    Refused {
        file: String,
        mount: MountPath,
        why: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Media(#[from] MediaError),
}

/// The key of a playlist file in the media store: under `audio/`, which no route serves (the
/// audio reaches people only through the relay), named by its content like photos' originals.
pub fn audio_key(hash: &str, format: AudioFormat) -> Key {
    let ext = match format {
        AudioFormat::Mp3 => "mp3",
        AudioFormat::Aac => "aac",
        AudioFormat::Ogg => "ogg",
    };
    Key::from_iter(["audio".to_owned(), format!("{hash}.{ext}")])
}

/// Add `data` (a file called `file_name`) at the end of `mount`'s playlist: checked to be the
/// mount's format, stored in the media store, its title read from its tags.
pub async fn add_file(
    store: &Store,
    media: &MediaStore,
    mount: &MountPath,
    file_name: &str,
    data: Bytes,
    now: jiff::Timestamp,
) -> Result<PlaylistItem, PlaylistError> {
    let m = match store.live_mount(mount).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Err(PlaylistError::NoMount(mount.clone())),
        Err(e) => return Err(e.into()),
    };
    let format = m.format;
    let parsed = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || Track::parse(format, data))
            .await
            .map_err(|e| PlaylistError::Refused {
                file: file_name.to_owned(),
                mount: mount.clone(),
                why: format!("reading it failed ({e})"),
            })?
    };
    let track = parsed.map_err(|e| PlaylistError::Refused {
        file: file_name.to_owned(),
        mount: mount.clone(),
        why: format!("{e}; this mount plays {format} files"),
    })?;
    let hash = crate::media::images::content_hash(&data);
    let key = audio_key(&hash, format);
    let bytes = data.len() as i64;
    media.put(&key, data).await?;
    let item = store
        .add_playlist_item(
            NewPlaylistItem {
                mount: mount.clone(),
                media_key: key.to_string(),
                file_name: file_name.to_owned(),
                title: track.title().to_owned(),
                bytes,
                duration_ms: i64::try_from(track.duration().as_millis()).unwrap_or(i64::MAX),
            },
            now,
        )
        .await?;
    Ok(item)
}

/// Keeps this node's hub playing every mount's playlist.
#[derive(Clone)]
pub struct Playlists {
    inner: Arc<Inner>,
    _task: Arc<Owned>,
}

struct Inner {
    store: Store,
    media: MediaStore,
    hub: Hub,
    clock: Clock,
    wake: Notify,
    /// Per mount: what is playing and the rows it was made from.
    playing: Mutex<HashMap<MountPath, Playing>>,
    last: Mutex<Option<String>>,
}

/// A playlist on air: the (id, position) of its rows and its shuffle, to tell a change.
type Playing = (Vec<(i64, i64)>, bool, PlaylistHandle);

struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Playlists {
    /// Start the keeper (on the current tokio runtime); the first look is at once.
    pub fn start(store: Store, media: MediaStore, hub: Hub, clock: Clock, every: Duration) -> Self {
        let inner = Arc::new(Inner {
            store,
            media,
            hub,
            clock,
            wake: Notify::new(),
            playing: Mutex::new(HashMap::new()),
            last: Mutex::new(None),
        });
        let task = tokio::spawn(keep(inner.clone(), every));
        Self {
            inner,
            _task: Arc::new(Owned(task)),
        }
    }

    /// Look for changes now (after an edit on this node).
    pub fn changed(&self) {
        self.inner.wake.notify_one();
    }

    /// Bring the playing playlists in line with the store now; whether anything changed.
    pub async fn sync(&self) -> anyhow::Result<bool> {
        sync(&self.inner).await
    }
}

async fn keep(inner: Arc<Inner>, every: Duration) {
    let stopping = inner.hub.stopping();
    tokio::pin!(stopping);
    loop {
        if let Err(e) = sync(&inner).await {
            tracing::warn!(error = %format!("{e:#}"), "updating the playlists failed; trying again");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = inner.wake.notified() => {}
            () = &mut stopping => {
                lock(&inner.playing).clear();
                return;
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every write under these locks is one assignment or insert: poisoning leaves them whole.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn sync(inner: &Inner) -> anyhow::Result<bool> {
    let fingerprint = inner.store.playlist_fingerprint().await?;
    if lock(&inner.last).as_deref() == Some(fingerprint.as_str()) {
        return Ok(false);
    }
    let mut wanted = HashMap::new();
    for m in inner.store.live_mounts().await? {
        let entries = inner.store.playlist(&m.path).await?;
        if !entries.items.is_empty() {
            wanted.insert(m.path.clone(), (m, entries));
        }
    }
    // Mounts whose playlist went: stop them (dropping the handle ends it).
    lock(&inner.playing).retain(|path, _| wanted.contains_key(path));
    for (path, (mount, entries)) in wanted {
        let key: Vec<(i64, i64)> = entries.items.iter().map(|i| (i.id, i.position)).collect();
        let same = lock(&inner.playing)
            .get(&path)
            .is_some_and(|(k, shuffle, _)| *k == key && *shuffle == entries.shuffle);
        if same {
            continue;
        }
        let mut tracks = Vec::new();
        for item in &entries.items {
            match load(inner, mount.format, item).await {
                Ok(t) => tracks.push(t),
                Err(e) => tracing::warn!(mount = %path, file = %item.file_name,
                    error = %format!("{e:#}"), "a playlist file cannot be played; skipped"),
            }
        }
        if tracks.is_empty() {
            lock(&inner.playing).remove(&path);
            continue;
        }
        if inner.hub.config(&path).is_none() {
            inner.hub.configure(MountConfig::from(&mount));
        }
        let now = inner.clock.now();
        let playlist = Playlist {
            tracks,
            shuffle: entries.shuffle,
            seed: now.as_nanosecond().unsigned_abs() as u64,
        };
        match inner
            .hub
            .start_playlist(&path, playlist, now.as_microsecond())
        {
            Ok(handle) => {
                lock(&inner.playing).insert(path, (key, entries.shuffle, handle));
            }
            Err(e) => tracing::warn!(mount = %path, error = %e, "the playlist cannot start"),
        }
    }
    *lock(&inner.last) = Some(fingerprint);
    Ok(true)
}

async fn load(inner: &Inner, format: AudioFormat, item: &PlaylistItem) -> anyhow::Result<Track> {
    let data = inner
        .media
        .read(&Key::from(item.media_key.as_str()))
        .await?;
    let mut track = tokio::task::spawn_blocking(move || Track::parse(format, data)).await??;
    if track.title().is_empty() {
        // No tags: the stored title (the file's name, when it had none) is what shows.
        let name = if item.title.is_empty() {
            item.file_name
                .rsplit_once('.')
                .map_or(item.file_name.as_str(), |(stem, _)| stem)
        } else {
            item.title.as_str()
        };
        track.set_title(name);
    }
    Ok(track)
}
