//! `dateline backup`, `dateline backup --verify` and `dateline restore`: a whole site in one
//! archive, taken while it serves, checked without restoring, restored with nothing
//! half-written.
//!
//! The archive is a gzip-compressed tar with these entries, the manifest last (it holds the
//! checksums of everything before it):
//!
//! - `database/dateline.db`: a SQLite site, copied by `VACUUM INTO` (one read transaction, so
//!   writers carry on; never a copy of the live WAL files), or `database/dateline.pgdump`: a
//!   PostgreSQL site, dumped by `pg_dump --format=custom` inside a snapshot this command holds,
//!   so the row counts and checksums in the manifest are of the very instant dumped;
//! - `config/dateline.toml`: the site's configuration file, when there is one;
//! - `media/…`: every photo file of a local media store (a bucket is not copied: see
//!   [`MediaNote`]);
//! - `manifest.json`: [`Manifest`].
//!
//! The search index is not in it: it is derived from the database, and `restore` rebuilds it.
//! Nothing here writes where a restore or a backup is going until everything is checked: a
//! backup is written under a temporary name and renamed at the end; a restore checks every
//! checksum first, unpacks into a temporary folder beside the target, checks again, and only
//! then moves the pieces into place.

use crate::config::{self, StoreArgs, media_store::MediaStoreArgs};
use anyhow::{Context, bail, ensure};
use clap::Args;
use dateline_store::{Backend, Store, TableSum};
use dateline_web::media::store::Place;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// The archive layout's version: a restore refuses a newer one it cannot read.
pub const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const SQLITE_DB: &str = "database/dateline.db";
const PG_DUMP: &str = "database/dateline.pgdump";
const CONFIG: &str = "config/dateline.toml";
const MEDIA: &str = "media/";
/// A manifest larger than this is not one of ours (a million files' entries are ~150 MB).
const MANIFEST_MAX: u64 = 512 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Archive to write (a .tar.gz); written under a temporary name and renamed when complete.
    #[arg(long, value_name = "FILE", required_unless_present = "verify")]
    pub out: Option<PathBuf>,
    /// Check an archive's manifest and every checksum in it, without restoring anything.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    pub verify: Option<PathBuf>,
    #[command(flatten)]
    pub media: Box<MediaStoreArgs>,
    /// Folder holding `pg_dump` (a PostgreSQL site). [default: PATH, then the newest
    /// /usr/lib/postgresql/*/bin]
    #[arg(long, value_name = "DIR", env = "DATELINE_PG_BIN")]
    pub pg_bin: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The archive `dateline backup` wrote.
    pub file: PathBuf,
    /// Data folder to restore into (the SQLite database, media files, `dateline.toml`, the
    /// search index). It must be empty or missing, unless --force.
    #[arg(long)]
    pub data: PathBuf,
    /// PostgreSQL database to restore a PostgreSQL backup into (empty, unless --force).
    #[arg(long)]
    pub database: Option<String>,
    /// Replace what the target holds: its database, media files, configuration and index.
    #[arg(long)]
    pub force: bool,
    /// Folder holding `pg_restore` (a PostgreSQL backup). [default: PATH, then the newest
    /// /usr/lib/postgresql/*/bin]
    #[arg(long, value_name = "DIR", env = "DATELINE_PG_BIN")]
    pub pg_bin: Option<PathBuf>,
}

/// What an archive holds, written last into it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub dateline_version: String,
    /// RFC 3339, when the database was read.
    pub created_at: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Every table's row count and checksum at that instant (see `dateline_store::TableSum`).
    pub tables: BTreeMap<String, TableSum>,
    pub media: MediaNote,
    /// Every other entry of the archive, with its size and SHA-256.
    pub files: Vec<FileEntry>,
}

/// Where the photo files were and whether they are in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MediaNote {
    /// The media store, as `dateline serve` names it (a folder, or `s3://BUCKET/PREFIX`).
    pub store: String,
    /// False for a bucket: its files stay in the bucket (back it up with the bucket's own
    /// versioning or replication); the database rows that name them are in the archive.
    pub included: bool,
    pub files: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.values().map(|t| t.rows).sum()
    }

    fn database_entry(&self) -> anyhow::Result<&'static str> {
        match self.backend.as_str() {
            "sqlite" => Ok(SQLITE_DB),
            "postgres" => Ok(PG_DUMP),
            other => bail!("the manifest names an unknown database backend {other:?}"),
        }
    }
}

pub async fn run(args: BackupArgs) -> anyhow::Result<()> {
    if let Some(file) = args.verify {
        let manifest = verify(&file).await?;
        answer(&format!(
            "{} is a good backup: {} files and {} tables ({} rows) checked, made by Dateline {} \
             at {} from a {} site",
            file.display(),
            manifest.files.len(),
            manifest.tables.len(),
            manifest.rows(),
            manifest.dateline_version,
            manifest.created_at,
            manifest.backend
        ));
        return Ok(());
    }
    let out = args
        .out
        .context("give --out FILE to write a backup, or --verify FILE to check one")?;
    let started = Instant::now();
    let made = backup(&args.store, *args.media, args.pg_bin, &out).await?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    answer(&format!(
        "backed up {} tables ({} rows) and {} media files to {} ({}) in {:.1} s",
        made.tables.len(),
        made.rows(),
        made.media.files,
        out.display(),
        human_size(size),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
fn answer(line: &str) {
    println!("{line}");
}

/// `1.4 MB`: sizes for people.
pub fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Write a backup of the site `store` names to `out`; the manifest it wrote.
pub async fn backup(
    store_args: &StoreArgs,
    media: MediaStoreArgs,
    pg_bin: Option<PathBuf>,
    out: &Path,
) -> anyhow::Result<Manifest> {
    let (data, database) = config::store_location(store_args)?;
    let media = config::media_location(store_args, media)?;
    let config_file = match &store_args.config {
        Some(p) => Some(p.clone()),
        None => Some(data.join("dateline.toml")).filter(|p| p.is_file()),
    };
    backup_to(database, config_file, media.place, pg_bin, out.to_owned()).await
}

/// Write a backup of the database at `database`, the configuration file and the media store
/// at `place` to `out` (the server's scheduled backups call this); the manifest it wrote.
/// `pg_bin` is the folder holding `pg_dump` ([`pg_tool`] looks for it otherwise).
pub async fn backup_to(
    database: String,
    config_file: Option<PathBuf>,
    place: Place,
    pg_bin: Option<PathBuf>,
    out: PathBuf,
) -> anyhow::Result<Manifest> {
    let (database, place, out) = (database.as_str(), &place, out.as_path());
    let parent = parent_of(out);
    let staging = tempfile::Builder::new()
        .prefix(".dateline-backup-")
        .tempdir_in(&parent)
        .with_context(|| format!("making a temporary folder in {}", parent.display()))?;
    let backend = Backend::from_url(database)?;
    let (db_entry, db_file, tables) = match backend {
        Backend::Sqlite => {
            if !sqlite_file(database).is_some_and(|p| p.is_file()) {
                bail!(
                    "there is no SQLite database at {database}: --data names the site's data \
                     folder"
                );
            }
            let copy = staging.path().join("dateline.db");
            let store = Store::open(database)
                .await
                .context("opening the database")?;
            let vacuumed = store.vacuum_into(&copy).await;
            store.close().await;
            vacuumed.context("copying the database (VACUUM INTO)")?;
            // Counted in the copy: the copy is the instant, whatever was written since.
            let copied = Store::open(&config::sqlite_url(&copy))
                .await
                .context("opening the copied database")?;
            let sums = sums(&copied).await;
            copied.close().await;
            (SQLITE_DB, copy, sums?)
        }
        Backend::Postgres => {
            let dump = staging.path().join("dateline.pgdump");
            let store = Store::open(database)
                .await
                .context("opening the database")?;
            let result = pg_dump(&store, database, pg_bin.as_deref(), &dump).await;
            store.close().await;
            (PG_DUMP, dump, result?)
        }
    };
    let created_at = dateline_web::Clock::System.now().to_string();
    let media_dir = match place {
        Place::Local(dir) => Some(dir.clone()),
        Place::S3 { .. } => {
            eprintln!(
                "dateline backup: photo files live in {}: they are not copied into the archive \
                 (back the bucket up with its own versioning or replication); the database \
                 rows naming them are",
                place
            );
            None
        }
    };
    let mut manifest = Manifest {
        format: FORMAT,
        dateline_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at,
        backend: match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .to_owned(),
        tables,
        media: MediaNote {
            store: place.to_string(),
            included: media_dir.is_some(),
            files: 0,
        },
        files: Vec::new(),
    };
    let partial = staging.path().join("archive.tar.gz");
    let written = {
        let partial = partial.clone();
        tokio::task::spawn_blocking(move || {
            write_archive(
                &partial,
                &mut manifest,
                (db_entry, &db_file),
                config_file.as_deref(),
                media_dir.as_deref(),
            )
            .map(|()| manifest)
        })
        .await??
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("moving the finished archive to {}", out.display()))?;
    Ok(written)
}

async fn sums(store: &Store) -> anyhow::Result<BTreeMap<String, TableSum>> {
    let mut snap = store.snapshot().await?;
    let sums = snap
        .sums()
        .await
        .context("counting the rows of each table")?;
    snap.finish().await?;
    Ok(sums)
}

/// `pg_dump` of the snapshot this holds, and the sums read in the same snapshot.
async fn pg_dump(
    store: &Store,
    url: &str,
    pg_bin: Option<&Path>,
    dump: &Path,
) -> anyhow::Result<BTreeMap<String, TableSum>> {
    let mut snap = store.snapshot().await?;
    let id = snap
        .export()
        .await?
        .context("a PostgreSQL snapshot has an id")?;
    let sums = snap
        .sums()
        .await
        .context("counting the rows of each table")?;
    let args: Vec<std::ffi::OsString> = vec![
        "--format=custom".into(),
        "--no-owner".into(),
        "--no-privileges".into(),
        format!("--snapshot={id}").into(),
        "--file".into(),
        dump.into(),
        "--dbname".into(),
        url.into(),
    ];
    let pg_bin = pg_bin.map(Path::to_owned);
    let output =
        tokio::task::spawn_blocking(move || pg_tool("pg_dump", pg_bin.as_deref(), &args)).await?;
    snap.finish().await?;
    let output = output.map_err(|missing| {
        anyhow::anyhow!(
            "pg_dump is not installed ({missing}): a PostgreSQL site is backed up with \
             PostgreSQL's pg_dump; install the PostgreSQL client tools (postgresql-client) of \
             the server's version or newer, or name their folder with --pg-bin"
        )
    })??;
    ensure!(
        output.status.success(),
        "pg_dump failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(sums)
}

/// A reader that hashes what passes through it and counts it (`dateline export` and `import
/// dateline` read their archives through it too).
pub(crate) struct Hashing<R> {
    pub(crate) inner: R,
    pub(crate) hash: Sha256,
    pub(crate) size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_archive(
    partial: &Path,
    manifest: &mut Manifest,
    database: (&str, &Path),
    config_file: Option<&Path>,
    media_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let file = std::fs::File::create(partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut add = |tar: &mut tar::Builder<_>, name: &str, path: &Path| -> anyhow::Result<()> {
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let size = file.metadata()?.len();
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        let mut reader = Hashing {
            inner: file.take(size),
            hash: Sha256::new(),
            size: 0,
        };
        tar.append_data(&mut header, name, &mut reader)
            .with_context(|| format!("adding {} to the archive", path.display()))?;
        ensure!(
            reader.size == size,
            "{} changed size while it was being copied",
            path.display()
        );
        manifest.files.push(FileEntry {
            path: name.to_owned(),
            size,
            sha256: hex(&reader.hash.finalize()),
        });
        Ok(())
    };
    add(&mut tar, database.0, database.1)?;
    if let Some(c) = config_file {
        add(&mut tar, CONFIG, c)?;
    }
    if let Some(dir) = media_dir {
        let mut files = Vec::new();
        if dir.is_dir() {
            walk(dir, dir, &mut files)?;
        }
        files.sort();
        for rel in &files {
            add(&mut tar, &format!("{MEDIA}{rel}"), &dir.join(rel))?;
        }
        manifest.media.files = files.len() as u64;
    }
    let text = serde_json::to_vec_pretty(&*manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, MANIFEST, text.as_slice())?;
    let gz = tar.into_inner().context("finishing the archive")?;
    let file = gz.finish().context("finishing the archive's compression")?;
    let file = file
        .into_inner()
        .map_err(|e| e.into_error())
        .context("writing the archive")?;
    file.sync_all().context("writing the archive to disk")?;
    Ok(())
}

/// Every file under `dir`, as `/`-separated paths relative to `root`. The media store writes
/// a file under a staging name (with a `#`) and renames it: those are skipped, as they are
/// not files yet.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            let rel = path.strip_prefix(root)?;
            let Some(rel) = rel.to_str() else {
                bail!(
                    "the media file {} has a name that is not UTF-8",
                    path.display()
                );
            };
            if !rel.contains('#') {
                out.push(rel.replace(std::path::MAIN_SEPARATOR, "/"));
            }
        }
    }
    Ok(())
}

/// The folder a file is in ("." for a bare name).
pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The file of a `sqlite://PATH?…` URL.
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    Some(PathBuf::from(path))
}

/// Each entry read from an archive, by name: its size and SHA-256 (hex).
type Seen = BTreeMap<String, (u64, String)>;

/// Read every entry of `archive`: each one's size and SHA-256 by name (the manifest's text
/// apart), each written to `place(name)` when that gives a path. Any entry that is not a plain
/// file under a known name, or appears twice, is an error naming it.
fn read_archive(
    archive: &Path,
    mut place: impl FnMut(&str) -> Option<PathBuf>,
) -> anyhow::Result<(Seen, Option<Vec<u8>>)> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("opening the archive {}", archive.display()))?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut tar = tar::Archive::new(gz);
    let mut seen = BTreeMap::new();
    let mut manifest = None;
    let shown = archive.display();
    for entry in tar
        .entries()
        .with_context(|| format!("{shown} is not a readable backup archive"))?
    {
        let entry = entry.with_context(|| format!("{shown} is damaged or cut short"))?;
        let name = entry
            .path()
            .with_context(|| format!("{shown} holds an entry with an unreadable name"))?
            .to_string_lossy()
            .into_owned();
        ensure!(
            entry.header().entry_type() == tar::EntryType::Regular,
            "{shown}: the entry {name} is not a plain file"
        );
        ensure!(
            safe_name(&name),
            "{shown}: the entry {name} is not a name a backup holds"
        );
        ensure!(
            !seen.contains_key(&name),
            "{shown}: the entry {name} appears twice"
        );
        if name == MANIFEST {
            ensure!(manifest.is_none(), "{shown}: two manifests");
            let mut text = Vec::new();
            entry
                .take(MANIFEST_MAX)
                .read_to_end(&mut text)
                .with_context(|| format!("{shown}: reading {MANIFEST}"))?;
            manifest = Some(text);
            continue;
        }
        let mut reader = Hashing {
            inner: entry,
            hash: Sha256::new(),
            size: 0,
        };
        match place(&name) {
            Some(dest) => {
                if let Some(dir) = dest.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                let mut out = std::fs::File::create(&dest)
                    .with_context(|| format!("creating {}", dest.display()))?;
                std::io::copy(&mut reader, &mut out)
                    .with_context(|| format!("{shown}: reading {name} (damaged or cut short?)"))?;
                out.sync_all()?;
            }
            None => {
                std::io::copy(&mut reader, &mut std::io::sink())
                    .with_context(|| format!("{shown}: reading {name} (damaged or cut short?)"))?;
            }
        }
        seen.insert(name, (reader.size, hex(&reader.hash.finalize())));
    }
    Ok((seen, manifest))
}

/// A name a backup may hold: the manifest, the database, the configuration or a media file,
/// relative, without `..`.
fn safe_name(name: &str) -> bool {
    let known = name == MANIFEST
        || name == SQLITE_DB
        || name == PG_DUMP
        || name == CONFIG
        || (name.starts_with(MEDIA) && name.len() > MEDIA.len());
    known
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Check what `read_archive` saw against the manifest it found.
fn check(archive: &Path, seen: &Seen, manifest: Option<Vec<u8>>) -> anyhow::Result<Manifest> {
    let shown = archive.display();
    let text = manifest.with_context(|| {
        format!("{shown} has no {MANIFEST}: it is not a Dateline backup, or it was cut short")
    })?;
    #[derive(Deserialize)]
    struct Version {
        format: u32,
    }
    let version: Version = serde_json::from_slice(&text)
        .with_context(|| format!("{shown}: {MANIFEST} is not a backup manifest"))?;
    ensure!(
        version.format <= FORMAT,
        "{shown} is in backup format {}, newer than this Dateline reads ({FORMAT}): restore it \
         with a newer Dateline",
        version.format
    );
    let manifest: Manifest = serde_json::from_slice(&text)
        .with_context(|| format!("{shown}: {MANIFEST} is not a backup manifest"))?;
    let db = manifest.database_entry()?;
    ensure!(
        manifest.files.iter().any(|f| f.path == db),
        "{shown}: the manifest lists no database ({db})"
    );
    let mut listed = std::collections::BTreeSet::new();
    for f in &manifest.files {
        listed.insert(f.path.as_str());
        let Some((size, sha)) = seen.get(&f.path) else {
            bail!(
                "{shown}: {} is in the manifest but missing from the archive",
                f.path
            );
        };
        ensure!(
            *size == f.size && *sha == f.sha256,
            "{shown}: {} is damaged: its checksum is {sha} ({size} bytes), the manifest says {} \
             ({} bytes)",
            f.path,
            f.sha256,
            f.size
        );
    }
    if let Some(extra) = seen.keys().find(|k| !listed.contains(k.as_str())) {
        bail!("{shown}: {extra} is in the archive but not in the manifest");
    }
    Ok(manifest)
}

/// Check an archive's every checksum against its manifest; the manifest.
pub async fn verify(archive: &Path) -> anyhow::Result<Manifest> {
    let archive = archive.to_owned();
    tokio::task::spawn_blocking(move || {
        let (seen, manifest) = read_archive(&archive, |_| None)?;
        check(&archive, &seen, manifest)
    })
    .await?
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let target = args.data.clone();
    let postgres = match &args.database {
        Some(url) if url.starts_with("postgres") => Some(url.clone()),
        Some(url) => bail!(
            "--database must be a postgres:// URL (a SQLite backup goes into --data), not \
             {:?}",
            url.split("://").next().unwrap_or("")
        ),
        None => None,
    };
    // Refusals first: nothing is read or written for a target that is not empty.
    if !args.force {
        if let Ok(mut entries) = std::fs::read_dir(&target)
            && let Some(first) = entries.next()
        {
            let first = first?.file_name();
            bail!(
                "the data folder {} is not empty (it holds {}…): restore into a new folder, or \
                 add --force to replace its database, media files, configuration and search index",
                target.display(),
                first.to_string_lossy()
            );
        }
        if let Some(url) = &postgres {
            let tables = dateline_store::tables_at(url)
                .await
                .context("looking into the --database database")?;
            if !tables.is_empty() {
                bail!(
                    "the --database database is not empty (it has {} tables, {}…): restore into \
                     a new database, or add --force to replace it",
                    tables.len(),
                    tables[0]
                );
            }
        }
    }
    if target.exists() && !target.is_dir() {
        bail!("--data {} is a file, not a folder", target.display());
    }
    eprintln!("dateline restore: checking {}", args.file.display());
    let manifest = verify(&args.file).await?;
    match (manifest.backend.as_str(), &postgres) {
        ("sqlite", Some(_)) => bail!(
            "{} is a backup of a SQLite site: restore it into --data alone, then move it to \
             PostgreSQL with `dateline migrate`",
            args.file.display()
        ),
        ("postgres", None) => bail!(
            "{} is a backup of a PostgreSQL site: give --database postgres://… (an empty \
             database) as well as --data for its media files and configuration",
            args.file.display()
        ),
        _ => {}
    }
    let parent = parent_of(&target);
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".dateline-restore-")
        .tempdir_in(&parent)
        .with_context(|| format!("making a temporary folder in {}", parent.display()))?;
    let stage = staging.path().to_owned();
    eprintln!("dateline restore: unpacking");
    {
        let archive = args.file.clone();
        let stage = stage.clone();
        let expected = manifest.clone();
        tokio::task::spawn_blocking(move || {
            let (seen, text) = read_archive(&archive, |name| Some(stage.join(staged_name(name))))?;
            // Checked again: the file may have changed since the first reading.
            let again = check(&archive, &seen, text)?;
            ensure!(
                again == expected,
                "{} changed while it was being restored",
                archive.display()
            );
            Ok(())
        })
        .await??;
    }
    let same_version = manifest.dateline_version == env!("CARGO_PKG_VERSION");
    let database = match &postgres {
        None => {
            let db = stage.join("dateline.db");
            let store = Store::open(&config::sqlite_url(&db))
                .await
                .context("opening the restored database")?;
            let got = sums(&store).await;
            store.close().await;
            if same_version {
                compare(&manifest.tables, &got?, "the restored database")?;
            }
            config::sqlite_url(&target.join("dateline.db"))
        }
        Some(url) => {
            pg_restore(
                url,
                &stage.join("dateline.pgdump"),
                args.force,
                args.pg_bin.as_deref(),
            )
            .await?;
            let store = Store::open(url)
                .await
                .context("opening the restored database")?;
            let got = sums(&store).await;
            store.close().await;
            if same_version {
                compare(&manifest.tables, &got?, "the restored database")?;
            }
            url.clone()
        }
    };
    // Everything is checked: move the pieces into place.
    std::fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    let mut pieces = vec!["media", "dateline.toml"];
    if postgres.is_none() {
        pieces.push("dateline.db");
    }
    for piece in [
        "dateline.db",
        "dateline.db-wal",
        "dateline.db-shm",
        "search",
    ]
    .into_iter()
    .chain(pieces.iter().copied())
    {
        let old = target.join(piece);
        if old.is_dir() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("removing the old {}", old.display()))?;
        } else if old.exists() {
            std::fs::remove_file(&old)
                .with_context(|| format!("removing the old {}", old.display()))?;
        }
    }
    for piece in pieces {
        let from = stage.join(piece);
        if from.exists() {
            let to = target.join(piece);
            std::fs::rename(&from, &to)
                .with_context(|| format!("moving the restored {piece} into {}", to.display()))?;
        }
    }
    drop(staging);
    eprintln!("dateline restore: rebuilding the search index");
    let (store, index) = crate::reindex::rebuild_search(&target, &database)
        .await
        .context("rebuilding the search index")?;
    drop(index);
    store.close().await;
    answer(&format!(
        "restored {} (made {}): {} tables ({} rows) and {} media files into {} in {:.1} s",
        args.file.display(),
        manifest.created_at,
        manifest.tables.len(),
        manifest.rows(),
        manifest.media.files,
        target.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Where an archive entry is unpacked in the staging folder: the shape of a data folder.
fn staged_name(name: &str) -> String {
    match name {
        SQLITE_DB => "dateline.db".to_owned(),
        PG_DUMP => "dateline.pgdump".to_owned(),
        CONFIG => "dateline.toml".to_owned(),
        other => other.to_owned(),
    }
}

/// Every table's count and checksum in `got` as `want` has them.
pub fn compare(
    want: &BTreeMap<String, TableSum>,
    got: &BTreeMap<String, TableSum>,
    what: &str,
) -> anyhow::Result<()> {
    for (name, w) in want {
        let Some(g) = got.get(name) else {
            bail!("{what} has no table {name}");
        };
        ensure!(
            g == w,
            "{what}: table {name} has {} rows (checksum {}), expected {} rows (checksum {})",
            g.rows,
            g.sha256,
            w.rows,
            w.sha256
        );
    }
    if let Some(extra) = got.keys().find(|k| !want.contains_key(*k)) {
        bail!("{what} has a table {extra} the source does not");
    }
    Ok(())
}

async fn pg_restore(
    url: &str,
    dump: &Path,
    force: bool,
    pg_bin: Option<&Path>,
) -> anyhow::Result<()> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "--no-owner".into(),
        "--no-privileges".into(),
        "--single-transaction".into(),
        "--exit-on-error".into(),
    ];
    if force {
        args.push("--clean".into());
        args.push("--if-exists".into());
    }
    args.extend(["--dbname".into(), url.into(), dump.into()]);
    let pg_bin = pg_bin.map(Path::to_owned);
    let output =
        tokio::task::spawn_blocking(move || pg_tool("pg_restore", pg_bin.as_deref(), &args))
            .await?
            .map_err(|missing| {
                anyhow::anyhow!(
                    "pg_restore is not installed ({missing}): a PostgreSQL backup is restored with \
                 PostgreSQL's pg_restore; install the PostgreSQL client tools \
                 (postgresql-client), or name their folder with --pg-bin"
                )
            })??;
    ensure!(
        output.status.success(),
        "pg_restore failed ({}; nothing was restored): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

/// Where PostgreSQL's server packages put their tools when no client package links them
/// onto PATH (Debian and Ubuntu: one folder per major version; `scripts/pg-throwaway` looks
/// there too).
const PG_LIB: &str = "/usr/lib/postgresql";

/// Run PostgreSQL's `tool` with `args` to completion. With `pg_bin`, only `pg_bin/tool`;
/// otherwise `tool` on PATH, then the newest major version's `/usr/lib/postgresql/N/bin/tool`
/// (newest first, as a newer `pg_dump` reads older servers but not the reverse). `Err(where)`
/// when the tool is in none of those places, naming where it was looked for; the inner
/// result is the run's own.
fn pg_tool(
    tool: &str,
    pg_bin: Option<&Path>,
    args: &[std::ffi::OsString],
) -> Result<anyhow::Result<std::process::Output>, String> {
    let (candidates, looked) = match pg_bin {
        Some(dir) => (
            vec![dir.join(tool)],
            format!("not in {} (--pg-bin)", dir.display()),
        ),
        None => {
            let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(PG_LIB)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let major = e.file_name().to_str()?.parse::<u32>().ok()?;
                    Some((major, e.path().join("bin").join(tool)))
                })
                .collect();
            versions.sort_by_key(|v| std::cmp::Reverse(v.0));
            let mut candidates = vec![PathBuf::from(tool)];
            candidates.extend(versions.into_iter().map(|(_, p)| p));
            (
                candidates,
                format!("not found on PATH nor in {PG_LIB}/*/bin"),
            )
        }
    };
    for program in candidates {
        match std::process::Command::new(&program).args(args).output() {
            Ok(output) => return Ok(Ok(output)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Ok(Err(e).with_context(|| format!("running {}", program.display())));
            }
        }
    }
    Err(looked)
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn only_known_relative_names_are_safe() {
        assert!(safe_name("media/abc-640.webp"));
        assert!(safe_name("media/originals/abc.jpg"));
        assert!(safe_name("database/dateline.db"));
        assert!(!safe_name("media/../../etc/passwd"));
        assert!(!safe_name("/etc/passwd"));
        assert!(!safe_name("media/"));
        assert!(!safe_name("search/meta.json"));
    }
}
