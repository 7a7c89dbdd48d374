//! Playlists on this node: files added to the media store ([`add_file`] for a mount's own
//! playlist, [`add_file_to_playlist`] for a named one), and the keeper that has the hub play,
//! on each mount while no source is connected, the playlist of the schedule's programme on
//! air now (when it names one of the mount's format) or else the mount's own.
//!
//! The keeper reads the store's playlist fingerprint every few seconds (and at once when
//! asked, after a newsroom edit), and the schedule on every whole minute, when programmes
//! start and end: a change made anywhere, by the CLI in another process or another node, is
//! played here within that time, and a programme's playlist starts at the programme's minute.
//! A playlist is loaded whole from the media store into memory (the files are shared by every
//! listener, never copied per listener) and its frames found off the async threads.
//!
//! A file is refused when it is not the playlist's format, with a sentence naming it; nothing
//! is stored then. Never logs file contents and never holds a std lock across an `.await`.

use crate::Clock;
use crate::media::store::{MediaError, MediaStore};
use bytes::Bytes;
use dateline_core::live::{AudioFormat, MountPath};
use dateline_core::schedule;
use dateline_live::{Hub, MountConfig, Playlist, PlaylistHandle, Track};
use dateline_store::{NamedPlaylist, NewPlaylistItem, PlaylistItem, Store, StoreError};
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
    /// The sentence for the person who added it; `on` is "the playlist of /live/radio.mp3"
    /// or "the playlist morning-tape".
    #[error("{file} cannot go on {on}: {why}")]
    Refused {
        file: String,
        on: String,
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

/// Add `data` (a file called `file_name`) at the end of `mount`'s playlist (made, named
/// after the mount, when it has none): checked to be the mount's format, stored in the media
/// store, its title read from its tags.
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
    let on = format!("the playlist of {mount}");
    let track = checked(m.format, file_name, &on, "this mount plays", data.clone()).await?;
    let playlist = match store.own_mount_playlist(mount, now).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err(PlaylistError::NoMount(mount.clone())),
        Err(e) => return Err(e.into()),
    };
    if playlist.format != m.format {
        // A playlist named for another mount's format (a programme's, say): files of this
        // mount's format cannot join it.
        return Err(PlaylistError::Refused {
            file: file_name.to_owned(),
            on,
            why: format!(
                "the mount plays the playlist {}, which holds {} files; this mount plays {} files",
                playlist.name, playlist.format, m.format
            ),
        });
    }
    stored(store, media, &playlist, file_name, &track, data, now).await
}

/// Add `data` (a file called `file_name`) at the end of the playlist `playlist`: checked to
/// be the playlist's format, stored in the media store, its title read from its tags.
pub async fn add_file_to_playlist(
    store: &Store,
    media: &MediaStore,
    playlist: &NamedPlaylist,
    file_name: &str,
    data: Bytes,
    now: jiff::Timestamp,
) -> Result<PlaylistItem, PlaylistError> {
    let on = format!("the playlist {}", playlist.name);
    let track = checked(
        playlist.format,
        file_name,
        &on,
        "this playlist holds",
        data.clone(),
    )
    .await?;
    stored(store, media, playlist, file_name, &track, data, now).await
}

/// The file parsed as `format`, or why not in a sentence.
async fn checked(
    format: AudioFormat,
    file_name: &str,
    on: &str,
    holds: &str,
    data: Bytes,
) -> Result<Track, PlaylistError> {
    let refused = |why: String| PlaylistError::Refused {
        file: file_name.to_owned(),
        on: on.to_owned(),
        why,
    };
    let parsed = tokio::task::spawn_blocking(move || Track::parse(format, data))
        .await
        .map_err(|e| refused(format!("reading it failed ({e})")))?;
    parsed.map_err(|e| refused(format!("{e}; {holds} {format} files")))
}

async fn stored(
    store: &Store,
    media: &MediaStore,
    playlist: &NamedPlaylist,
    file_name: &str,
    track: &Track,
    data: Bytes,
    now: jiff::Timestamp,
) -> Result<PlaylistItem, PlaylistError> {
    let hash = crate::media::images::content_hash(&data);
    let key = audio_key(&hash, playlist.format);
    let bytes = data.len() as i64;
    media.put(&key, data).await?;
    let item = store
        .add_playlist_item(
            NewPlaylistItem {
                playlist_id: playlist.id,
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
    /// The store's playlist fingerprint and the programme on air at the last look.
    last: Mutex<Option<String>>,
    /// Held through a look, so the keeper's own and one asked for (`sync`) never both start
    /// a mount's playlist.
    looking: tokio::sync::Mutex<()>,
}

/// A playlist on air: what it was made from, to tell a change.
type Playing = (Wanted, PlaylistHandle);

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
            looking: tokio::sync::Mutex::new(()),
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
        // Programmes start and end on the minute: look again then, so a programme's
        // playlist starts on time, and every `every` for edits made elsewhere.
        let minute = next_minute(inner.clock.now()).min(every);
        tokio::select! {
            () = tokio::time::sleep(minute) => {}
            () = inner.wake.notified() => {}
            () = &mut stopping => {
                lock(&inner.playing).clear();
                return;
            }
        }
    }
}

/// How long until the next whole minute of `now` (and a few milliseconds, so the look
/// lands inside it).
fn next_minute(now: jiff::Timestamp) -> Duration {
    let into = now.as_millisecond().rem_euclid(60_000);
    Duration::from_millis(u64::try_from(60_000 - into).unwrap_or(60_000) + 5)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every write under these locks is one assignment or insert: poisoning leaves them whole.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a mount is to play now: a playlist, its rows (id, position), its shuffle and the
/// programme it airs for; any change restarts the mount's playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    playlist: i64,
    rows: Vec<(i64, i64)>,
    shuffle: bool,
    programme: Option<(i64, String)>,
}

async fn sync(inner: &Inner) -> anyhow::Result<bool> {
    let _looking = inner.looking.lock().await;
    let now = inner.clock.now();
    let fingerprint = inner.store.playlist_fingerprint().await?;
    // The schedule's programme on air now, when it airs from a playlist: mounts of that
    // playlist's format play it instead of their own while it lasts.
    let settings = inner.store.site_settings().await?;
    let tz =
        dateline_core::dateline::time_zone(&settings.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let programmes = inner.store.programmes().await?;
    let programme = schedule::on_air_now(&programmes, now, &tz)
        .and_then(|p| p.playlist.clone().map(|name| (p.id, p.title.clone(), name)));
    let moment = format!("{fingerprint}/{:?}", programme.as_ref().map(|p| p.0));
    if lock(&inner.last).as_deref() == Some(moment.as_str()) {
        return Ok(false);
    }
    let programme_playlist = match &programme {
        Some((id, title, name)) => match inner.store.playlist_named(name).await {
            Ok(p) => {
                let entries = inner.store.playlist_entries(p.id).await?;
                Some((p, entries, (*id, title.clone())))
            }
            // Removed since the schedule was read: the mounts' own playlists play.
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let mut wanted = HashMap::new();
    for m in inner.store.live_mounts().await? {
        let chosen = match &programme_playlist {
            Some((p, entries, on)) if p.format == m.format && !entries.items.is_empty() => {
                Some((p.clone(), entries.clone(), Some(on.clone())))
            }
            _ => match inner.store.mount_playlist(&m.path).await? {
                Some(p) => {
                    let entries = inner.store.playlist_entries(p.id).await?;
                    Some((p, entries, None))
                }
                None => None,
            },
        };
        if let Some((p, entries, on)) = chosen
            && !entries.items.is_empty()
        {
            wanted.insert(m.path.clone(), (m, p, entries, on));
        }
    }
    // Mounts whose playlist went: stop them (dropping the handle ends it).
    lock(&inner.playing).retain(|path, _| wanted.contains_key(path));
    for (path, (mount, playlist, entries, on)) in wanted {
        let key = Wanted {
            playlist: playlist.id,
            rows: entries.items.iter().map(|i| (i.id, i.position)).collect(),
            shuffle: entries.shuffle,
            programme: on.clone(),
        };
        let same = lock(&inner.playing)
            .get(&path)
            .is_some_and(|(k, _)| *k == key);
        if same {
            continue;
        }
        let mut tracks = Vec::new();
        for item in &entries.items {
            match load(inner, playlist.format, item).await {
                Ok(t) => tracks.push(t),
                Err(e) => tracing::warn!(mount = %path, playlist = %playlist.name,
                    file = %item.file_name, error = %format!("{e:#}"),
                    "a playlist file cannot be played; skipped"),
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
        let playlist_on_air = Playlist {
            tracks,
            shuffle: entries.shuffle,
            seed: now.as_nanosecond().unsigned_abs() as u64,
            programme: on.as_ref().map(|(_, title)| title.clone()),
        };
        match inner
            .hub
            .start_playlist(&path, playlist_on_air, now.as_microsecond())
        {
            Ok(handle) => {
                if let Some((_, title)) = &on {
                    tracing::info!(mount = %path, playlist = %playlist.name, programme = %title,
                        "the programme's playlist is on");
                }
                lock(&inner.playing).insert(path, (key, handle));
            }
            Err(e) => tracing::warn!(mount = %path, error = %e, "the playlist cannot start"),
        }
    }
    *lock(&inner.last) = Some(moment);
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
