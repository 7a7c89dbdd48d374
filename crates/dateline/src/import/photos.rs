//! An import's photos: each file read from a copy of the old site's folder (`--uploads`,
//! `--images`), from Ghost's zip, or downloaded from its address (`--fetch-media`), then taken into the media
//! library through the same code as a newsroom upload (`dateline_web::media::intake`), so it is
//! checked, kept and given its variants the same way: the import queues each photo's variants
//! job with its row, and the nodes' job runners make them (at once when a node is running, else
//! when one starts).
//!
//! A photo that cannot be had (no file, a download that fails or is too big, not a photo) is
//! listed in the report and never stops the import. Each photo remembers its source id, so a
//! second run reuses it without reading the file again. Never reads outside the folder it was
//! given, never follows more than a few redirects, never waits more than 30 s for a file.

use super::Sink;
use super::html::Library;
use anyhow::Context;
use dateline_core::MediaId;
use dateline_core::media::Credit;
use dateline_web::MediaStore;
use dateline_web::media::intake::{Kept, PhotoText, Upload, keep};
use jiff::Timestamp;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest photo file taken, as the upload form's default limit (`media_max_mb`).
pub const MAX_BYTES: u64 = 25 * 1024 * 1024;
/// Most pixels a photo may have, as the upload form's default limit.
pub const MAX_PIXELS: u64 = 50_000_000;
/// How long one download may take, start to end.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the files come from.
pub enum Files {
    /// Not asked for: photos are not brought in (inline images stay photos by address).
    None,
    /// A copy of the old site's folder; a photo's address is looked up by its path after
    /// `marker` (`/wp-content/uploads/`, `/content/images/`).
    Folder { dir: PathBuf, marker: &'static str },
    /// Entries of Ghost's zip: a photo's address is looked up as `root` (`content/images/`
    /// beside the export's JSON) and its path after `marker`. The archive is opened once; its
    /// entries are read one at a time, on a blocking thread.
    Zip {
        archive: Arc<Mutex<zip::ZipArchive<std::fs::File>>>,
        root: String,
        marker: &'static str,
    },
    /// Downloaded from their addresses (relative ones against `base`).
    Fetch {
        client: reqwest::Client,
        base: String,
    },
}

/// The photos of a run: where their files come from, where they go, and those brought in.
pub struct Photos {
    pub files: Files,
    /// The media store (None in a dry run).
    pub media: Option<MediaStore>,
    pub library: Library,
}

impl Photos {
    pub fn none() -> Self {
        Self {
            files: Files::None,
            media: None,
            library: Library::default(),
        }
    }

    pub fn wanted(&self) -> bool {
        !matches!(self.files, Files::None)
    }
}

/// A photo as an export names it.
pub struct PhotoIn<'a> {
    /// Its id in the export (an attachment id, or its address's path for Ghost).
    pub source_id: &'a str,
    pub url: &'a str,
    /// Its path under the folder, when the export says (`_wp_attached_file`).
    pub relative: Option<&'a str>,
    pub alt: String,
    pub caption: String,
    pub credit: Credit,
}

/// A client for `--fetch-media`: bounded in time and redirects.
pub fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent("dateline-import")
        .build()
        .context("making the HTTP client for --fetch-media")
}

impl Sink<'_> {
    /// Bring one photo into the library: its id, or None (listed under `label` in the report)
    /// when its file cannot be had or is not a photo.
    pub async fn photo(&mut self, label: &str, p: PhotoIn<'_>) -> anyhow::Result<Option<i64>> {
        if let Some(id) = self.photos.library.by_source(p.source_id) {
            self.photos.library.add("", p.url, id);
            return Ok(Some(id));
        }
        if !self.photos.wanted() {
            return Ok(None);
        }
        // An earlier run's photo: its words brought up to date, its file not read again.
        if let Some(store) = self.store
            && let Some(id) = store.imported(&self.source, "media", p.source_id).await?
            && let Ok(m) = store.media(MediaId(id)).await
        {
            if m.alt != p.alt || m.caption != p.caption || m.credit != p.credit {
                store
                    .update_media_text(m.id, &p.alt, &p.caption, &p.credit)
                    .await?;
            }
            self.photos.library.add(p.source_id, p.url, id);
            self.report.photos_reused += 1;
            return Ok(Some(id));
        }
        let bytes = match self.read(&p).await {
            Ok(b) => b,
            Err(why) => {
                self.report
                    .missing_media
                    .push((label.to_owned(), format!("{} ({why})", p.url)));
                return Ok(None);
            }
        };
        let (store, media, bytes) = match (self.store, self.photos.media.clone(), bytes) {
            (Some(store), Some(media), Some(bytes)) => (store, media, bytes),
            _ => {
                // A dry run: the file is there; a made-up id stands in for the photo.
                let id = self.made_up_id();
                self.photos.library.add(p.source_id, p.url, id);
                self.report.photos_created += 1;
                return Ok(Some(id));
            }
        };
        let file_name = p.url.rsplit('/').next().map(str::to_owned);
        let now = self.now;
        let kept = keep(
            store,
            &media,
            MAX_PIXELS,
            None,
            Upload {
                bytes,
                file_name,
                content_type: None,
            },
            PhotoText {
                alt: p.alt,
                caption: p.caption,
                credit: p.credit,
            },
            // Due at once on whichever node runs jobs, whatever its clock says next to this
            // tool's (the earliest time, not this machine's now).
            |id| dateline_web::media::worker::variants_job(id, Timestamp::UNIX_EPOCH),
            now,
        )
        .await
        .with_context(|| format!("keeping the photo {}", p.url))?;
        let id = match kept {
            Kept::Stored(m) => {
                self.report.photos_created += 1;
                m.id
            }
            Kept::Duplicate(m) => {
                self.report.photos_reused += 1;
                m.id
            }
            Kept::Refused(r) => {
                self.report
                    .missing_media
                    .push((label.to_owned(), format!("{} ({r})", p.url)));
                return Ok(None);
            }
        };
        store
            .import_media_source(&self.source, p.source_id, id)
            .await?;
        self.photos.library.add(p.source_id, p.url, id.0);
        Ok(Some(id.0))
    }

    /// The credit a caption gave photo `id`, kept where the library has none yet.
    pub async fn credit_photo(&mut self, id: i64, credit: &Credit) -> anyhow::Result<()> {
        if let Some(store) = self.store
            && let Ok(m) = store.media(MediaId(id)).await
            && m.credit.is_empty()
        {
            store
                .update_media_text(m.id, &m.alt, &m.caption, credit)
                .await?;
        }
        Ok(())
    }

    /// The file's bytes (None in a dry run, which only checks it is there), or why not.
    async fn read(&self, p: &PhotoIn<'_>) -> Result<Option<Vec<u8>>, String> {
        let dry = self.store.is_none();
        match &self.photos.files {
            Files::None => Err("no --uploads, --images or --fetch-media given".to_owned()),
            Files::Zip {
                archive,
                root,
                marker,
            } => {
                let rel = relative(p, marker)?;
                let rel = inside(Path::new(""), &rel).ok_or("a path outside the zip's images")?;
                let name = format!("{root}{}", rel.to_string_lossy());
                let archive = archive.clone();
                tokio::task::spawn_blocking(move || zip_entry(&archive, &name, dry))
                    .await
                    .map_err(|e| format!("reading the zip: {e}"))?
            }
            Files::Folder { dir, marker } => {
                let rel = relative(p, marker)?;
                let path = inside(dir, &rel).ok_or("a path outside the folder")?;
                let meta = tokio::fs::metadata(&path)
                    .await
                    .map_err(|_| format!("no file {}", path.display()))?;
                if meta.len() > MAX_BYTES {
                    return Err(format!("over {} MB", MAX_BYTES / (1024 * 1024)));
                }
                if dry {
                    return Ok(None);
                }
                tokio::fs::read(&path)
                    .await
                    .map(Some)
                    .map_err(|e| format!("reading {}: {e}", path.display()))
            }
            Files::Fetch { client, base } => {
                let url = absolute(p.url, base).ok_or("no address to download it from")?;
                let res = if dry {
                    client.head(&url).send().await
                } else {
                    client.get(&url).send().await
                }
                .map_err(|e| format!("download failed: {e}"))?;
                if !res.status().is_success() {
                    return Err(format!("the old site answered {}", res.status().as_u16()));
                }
                if res.content_length().is_some_and(|n| n > MAX_BYTES) {
                    return Err(format!("over {} MB", MAX_BYTES / (1024 * 1024)));
                }
                if dry {
                    return Ok(None);
                }
                let mut res = res;
                let mut bytes = Vec::new();
                while let Some(chunk) = res
                    .chunk()
                    .await
                    .map_err(|e| format!("download failed: {e}"))?
                {
                    if bytes.len() as u64 + chunk.len() as u64 > MAX_BYTES {
                        return Err(format!("over {} MB", MAX_BYTES / (1024 * 1024)));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(Some(bytes))
            }
        }
    }
}

/// The photo's path under the images folder: as the export says (`_wp_attached_file`), else
/// its address's path after `marker`.
fn relative(p: &PhotoIn<'_>, marker: &str) -> Result<String, String> {
    if let Some(r) = p.relative.filter(|r| !r.is_empty()) {
        return Ok(r.to_owned());
    }
    let path = super::html::path_key(p.url).ok_or("not an address")?;
    match path.find(marker) {
        Some(i) => Ok(path[i + marker.len()..].to_owned()),
        None => Err(format!("not under {marker}")),
    }
}

/// The bytes of the zip's entry `name` (None in a dry run, which only checks it is there), no
/// more than [`MAX_BYTES`] of them whatever the entry claims.
fn zip_entry(
    archive: &Mutex<zip::ZipArchive<std::fs::File>>,
    name: &str,
    dry: bool,
) -> Result<Option<Vec<u8>>, String> {
    let mut archive = archive.lock().unwrap_or_else(|e| e.into_inner());
    let entry = archive
        .by_name(name)
        .map_err(|_| format!("no file {name} in the zip"))?;
    if entry.size() > MAX_BYTES {
        return Err(format!("over {} MB", MAX_BYTES / (1024 * 1024)));
    }
    if dry {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    entry
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading {name} in the zip: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("over {} MB", MAX_BYTES / (1024 * 1024)));
    }
    Ok(Some(bytes))
}

/// `dir/rel`, unless `rel` would leave `dir` (`..`, an absolute path).
fn inside(dir: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel.trim_start_matches('/'));
    if rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        Some(dir.join(rel))
    } else {
        None
    }
}

/// An absolute http(s) address for `url` (Ghost's `__GHOST_URL__/…` and `/…` against `base`).
fn absolute(url: &str, base: &str) -> Option<String> {
    let u = url.trim();
    let base = base.trim_end_matches('/');
    let u = match u.strip_prefix("__GHOST_URL__") {
        Some(rest) if !base.is_empty() => format!("{base}{rest}"),
        Some(_) => return None,
        None if u.starts_with('/') && !u.starts_with("//") && !base.is_empty() => {
            format!("{base}{u}")
        }
        None => u.to_owned(),
    };
    (u.starts_with("http://") || u.starts_with("https://")).then_some(u)
}
