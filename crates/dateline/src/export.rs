//! `dateline export --out FILE` and `dateline import dateline FILE`: the whole site in one
//! documented archive that another program can read without Dateline (issue 16, "moving out";
//! the format is docs/export.md), and back into an empty site.
//!
//! The archive is a gzip-compressed tar: `tables/{table}.jsonl` (one JSON object per row, of
//! the columns `dateline_store::EXPORTED` names for that table, parents first), `media/…` (each
//! photo's original, or its served files when no original was kept, and the playlists' audio
//! files) and `manifest.json` last, holding every other member's size and SHA-256. Tables are
//! read in one snapshot and streamed a row at a time through a file in a staging folder (a tar
//! entry needs its size first); nothing secret is ever read (see `EXPORTED`).
//!
//! An import reads the archive twice: the first pass checks every member against the manifest
//! (and the manifest's format, tables and columns against this Dateline) before anything is
//! opened or created; the second streams the rows into one transaction (`Loader`), stages the
//! media files, checks every checksum again, writes the files to the media store and only then
//! commits. A failure leaves the target as it was (a database the import created is removed).
//! It never writes into a site that holds anything (see [`occupied`]).

use crate::backup::{Hashing, hex, human_size, parent_of, sqlite_file};
use crate::config::{self, StoreArgs, media_store::MediaStoreArgs};
use anyhow::{Context, bail, ensure};
use clap::Args;
use dateline_core::MediaId;
use dateline_store::{Backend, Cell, EXPORTED, Exported, Store, StoreError};
use dateline_web::media::store::MediaStore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// The format's name in every manifest.
pub const FORMAT_NAME: &str = "dateline-export";
/// The layout's version: an import refuses a newer one it cannot read.
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const TABLES: &str = "tables/";
const MEDIA: &str = "media/";
/// A manifest larger than this is not one of ours (a million media files' entries are ~150 MB).
const MANIFEST_MAX: u64 = 512 * 1024 * 1024;
/// Rows handed from the archive's reader to the database writer at a time.
const ROWS_PER_BATCH: usize = 500;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Archive to write (a .tar.gz); written under a temporary name and renamed when complete.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The media store the photo and audio files are read from (that of `dateline serve`).
    #[command(flatten)]
    pub media: Box<MediaStoreArgs>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The archive `dateline export` wrote.
    pub file: PathBuf,
    /// The media store the files go to (that of `dateline serve`).
    #[command(flatten)]
    pub media: Box<MediaStoreArgs>,
}

/// What an export holds, written last into it (docs/export.md describes every field).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub version: u32,
    pub dateline_version: String,
    pub site_name: String,
    /// RFC 3339, when the database was read.
    pub created_at: String,
    /// Rows per table, and `media_files`.
    pub counts: BTreeMap<String, u64>,
    /// The tables in the order they appear (parents first), with their columns.
    pub tables: Vec<TableEntry>,
    /// Every other member of the archive, with its size and SHA-256.
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    pub name: String,
    /// `tables/{name}.jsonl`.
    pub file: String,
    pub columns: Vec<String>,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    fn rows(&self, table: &str) -> u64 {
        self.counts.get(table).copied().unwrap_or(0)
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
fn answer(text: &str) {
    println!("{text}");
}

/// A progress line on standard error, at most every half second (and when asked).
struct Progress {
    last: Instant,
}

impl Progress {
    fn new() -> Self {
        Self {
            last: Instant::now(),
        }
    }

    fn show(&mut self, force: bool, line: impl FnOnce() -> String) {
        if force || self.last.elapsed().as_millis() >= 500 {
            self.last = Instant::now();
            eprint!("\r{}", line());
            let _ = std::io::stderr().flush();
        }
    }
}

pub async fn run_export(args: ExportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (_, database) = config::store_location(&args.store)?;
    if Backend::from_url(&database)? == Backend::Sqlite
        && !sqlite_file(&database).is_some_and(|p| p.is_file())
    {
        bail!("there is no SQLite database at {database}: --data names the site's data folder");
    }
    let files = config::media_location(&args.store, *args.media)?
        .open()
        .await?;
    let store = Store::open(&database)
        .await
        .context("opening the database")?;
    let made = export(&store, &files, &args.out).await;
    store.close().await;
    let manifest = made?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    answer(&format!(
        "exported {} stories, {} sections, {} tags, {} people, {} photos, {} comments by {} \
         readers, {} subscribers and {} media files to {} ({}) in {:.1} s; no password hash, \
         session, token or signing key is in it",
        manifest.rows("articles"),
        manifest.rows("sections"),
        manifest.rows("tags"),
        manifest.rows("people"),
        manifest.rows("media"),
        manifest.rows("comments"),
        manifest.rows("readers"),
        manifest.rows("subscribers"),
        manifest.rows("media_files"),
        args.out.display(),
        human_size(size),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Write the export of `store` (its files in `files`) to `out`; the manifest written.
pub async fn export(store: &Store, files: &MediaStore, out: &Path) -> anyhow::Result<Manifest> {
    let parent = parent_of(out);
    let staging = tempfile::Builder::new()
        .prefix(".dateline-export-")
        .tempdir_in(&parent)
        .with_context(|| format!("making a temporary folder in {}", parent.display()))?;
    let site_name = store.site_settings().await?.name;
    std::fs::create_dir_all(staging.path().join("tables"))?;
    let mut snap = store.snapshot().await?;
    let created_at = dateline_web::Clock::System.now().to_string();
    let catalogue = snap.tables().await?;
    let mut chosen = Vec::new();
    for e in EXPORTED {
        let t = catalogue
            .iter()
            .find(|t| t.name == e.table)
            .with_context(|| format!("the database has no table {}", e.table))?;
        chosen.push(t.clone());
    }
    let order = dateline_store::parents_first(&chosen)?;
    let mut tables = Vec::new();
    let mut counts = BTreeMap::new();
    for table in &order {
        let e = exported(&table.name).context("an ordered table is exported")?;
        let file = format!("{TABLES}{}.jsonl", e.table);
        let path = staging.path().join(&file);
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        let mut failed: Option<std::io::Error> = None;
        let mut progress = Progress::new();
        let mut n = 0u64;
        let read = snap
            .each_row(table, e.columns, e.rows, |row| {
                if let Err(err) = write_row(&mut w, e.columns, row) {
                    failed = Some(err);
                    return Err(StoreError::Invalid("writing the export failed".to_owned()));
                }
                n += 1;
                progress.show(false, || format!("dateline export: {}: {n} rows", e.table));
                Ok(())
            })
            .await;
        if let Some(err) = failed {
            return Err(err).with_context(|| format!("writing {}", path.display()));
        }
        let rows = read.with_context(|| format!("reading the table {}", e.table))?;
        w.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        progress.show(true, || {
            format!("dateline export: {}: {rows} rows", e.table)
        });
        eprintln!();
        counts.insert(e.table.to_owned(), rows);
        tables.push(TableEntry {
            name: e.table.to_owned(),
            file,
            columns: e.columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        });
    }
    snap.finish().await?;

    let partial = staging.path().join("export.tar.gz");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut members = Vec::new();
    for t in &tables {
        let path = staging.path().join(&t.file);
        let f = std::fs::File::open(&path)?;
        let size = f.metadata()?.len();
        members.push(append(&mut tar, &t.file, size, f)?);
    }
    let mut media_files = 0u64;
    let mut progress = Progress::new();
    let keys = media_keys(staging.path(), files).await?;
    for key in std::io::BufReader::new(std::fs::File::open(&keys)?).lines() {
        let key = key?;
        let bytes = match files
            .read(&object_store::path::Path::from(key.as_str()))
            .await
        {
            Ok(b) => b,
            Err(dateline_web::media::store::MediaError::NotFound) => {
                eprintln!("dateline export: the media file {key} is gone: left out");
                continue;
            }
            Err(e) => return Err(e).with_context(|| format!("reading the media file {key}")),
        };
        let name = format!("{MEDIA}{key}");
        members.push(append(&mut tar, &name, bytes.len() as u64, bytes.as_ref())?);
        media_files += 1;
        progress.show(false, || {
            format!("dateline export: {media_files} media files")
        });
    }
    progress.show(true, || {
        format!("dateline export: {media_files} media files")
    });
    eprintln!();
    counts.insert("media_files".to_owned(), media_files);
    let manifest = Manifest {
        format: FORMAT_NAME.to_owned(),
        version: FORMAT_VERSION,
        dateline_version: env!("CARGO_PKG_VERSION").to_owned(),
        site_name,
        created_at,
        counts,
        tables,
        members,
    };
    let text = serde_json::to_vec_pretty(&manifest)?;
    let mut header = header_for(text.len() as u64);
    tar.append_data(&mut header, MANIFEST, text.as_slice())?;
    let gz = tar.into_inner().context("finishing the archive")?;
    let file = gz.finish().context("finishing the archive's compression")?;
    let file = file
        .into_inner()
        .map_err(|e| e.into_error())
        .context("writing the archive")?;
    file.sync_all().context("writing the archive to disk")?;
    std::fs::rename(&partial, out)
        .with_context(|| format!("moving the finished archive to {}", out.display()))?;
    Ok(manifest)
}

fn exported(table: &str) -> Option<&'static Exported> {
    EXPORTED.iter().find(|e| e.table == table)
}

fn header_for(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// Add `size` bytes read from `from` under `name`; the member's entry for the manifest.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    from: impl Read,
) -> anyhow::Result<Member> {
    let mut reader = Hashing {
        inner: from.take(size),
        hash: Sha256::new(),
        size: 0,
    };
    tar.append_data(&mut header_for(size), name, &mut reader)
        .with_context(|| format!("adding {name} to the archive"))?;
    ensure!(
        reader.size == size,
        "{name} changed size while it was copied"
    );
    Ok(Member {
        path: name.to_owned(),
        size,
        sha256: hex(&reader.hash.finalize()),
    })
}

/// One row as a JSON object on one line, its keys the column names in order.
fn write_row(w: &mut impl Write, columns: &[&str], row: &[Cell]) -> std::io::Result<()> {
    w.write_all(b"{")?;
    for (i, (name, cell)) in columns.iter().zip(row).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, name)?;
        w.write_all(b":")?;
        match cell {
            Cell::Null => w.write_all(b"null")?,
            Cell::Integer(n) => write!(w, "{n}")?,
            Cell::Text(t) => serde_json::to_writer(&mut *w, t)?,
        }
    }
    w.write_all(b"}\n")
}

/// The media files an export carries, as keys in the media store, one a line in a staging file
/// whose path is returned; read back from the staged `media` and `live_playlist_items` lines
/// (so neither a table nor the list is held in memory): each photo's original when the store
/// has it, else its served files (a photo whose original was never kept, as the demo's), and
/// each playlist file once.
async fn media_keys(staging: &Path, files: &MediaStore) -> anyhow::Result<PathBuf> {
    #[derive(Deserialize)]
    struct Photo {
        hash: String,
        mime: String,
        variants: String,
    }
    #[derive(Deserialize)]
    struct Item {
        media_key: String,
    }
    let path = staging.join("media-keys.txt");
    let mut keys = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let photos = std::io::BufReader::new(std::fs::File::open(
        staging.join(format!("{TABLES}media.jsonl")),
    )?);
    for line in photos.lines() {
        let p: Photo = serde_json::from_str(&line?)?;
        let Some(format) = dateline_web::media::images::Format::of_mime(&p.mime) else {
            continue;
        };
        let original = MediaStore::original_key(&p.hash, format.extension());
        match files.head(&original).await {
            Ok(_) => {
                writeln!(keys, "{original}")?;
                continue;
            }
            Err(dateline_web::media::store::MediaError::NotFound) => {}
            Err(e) => return Err(e).with_context(|| format!("looking for {original}")),
        }
        let widths: Vec<u32> = serde_json::from_str(&p.variants).unwrap_or_default();
        let mut exts = vec![format.extension(), "avif"];
        if format.extension() != "webp" {
            exts.push("webp");
        }
        for w in widths {
            for ext in &exts {
                let key = MediaStore::variant_key(&p.hash, w, ext);
                match files.head(&key).await {
                    Ok(_) => writeln!(keys, "{key}")?,
                    Err(dateline_web::media::store::MediaError::NotFound) => {}
                    Err(e) => return Err(e).with_context(|| format!("looking for {key}")),
                }
            }
        }
    }
    let items = std::io::BufReader::new(std::fs::File::open(
        staging.join(format!("{TABLES}live_playlist_items.jsonl")),
    )?);
    let mut audio = BTreeSet::new();
    for line in items.lines() {
        let i: Item = serde_json::from_str(&line?)?;
        if audio.insert(i.media_key.clone()) {
            writeln!(keys, "{}", i.media_key)?;
        }
    }
    keys.flush()?;
    Ok(path)
}

/// Each member read from an archive, by name: its size and SHA-256 (hex).
type Seen = BTreeMap<String, (u64, String)>;

/// A name an export may hold: the manifest, a table's lines or a media file, relative, without
/// `..`.
fn safe_name(name: &str) -> bool {
    let known = name == MANIFEST
        || (name.starts_with(TABLES)
            && name.ends_with(".jsonl")
            && !name[TABLES.len()..].contains('/'))
        || (name.starts_with(MEDIA) && name.len() > MEDIA.len());
    known
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// What the second reading hands the database writer.
enum Piece {
    Begin(String),
    Rows(Vec<Vec<Cell>>),
    End,
    /// A media file staged at this path (its key in the media store, the path).
    Media(String, PathBuf),
    Done(Seen),
}

/// How one table's lines become rows: the manifest's columns, each an integer column or not.
#[derive(Clone)]
struct Shape {
    columns: Vec<String>,
    integer: Vec<bool>,
}

/// Read every member of `archive`. Table lines are parsed into rows (by `shapes`) and sent to
/// `send` when given; media files are staged under `stage` when given; the sizes and checksums
/// and the manifest's text are returned. Every error names the member it was reading.
fn read_archive(
    archive: &Path,
    shapes: Option<&HashMap<String, Shape>>,
    stage: Option<&Path>,
    mut send: impl FnMut(Piece) -> anyhow::Result<()>,
) -> anyhow::Result<(Seen, Option<Vec<u8>>)> {
    let shown = archive.display();
    let file =
        std::fs::File::open(archive).with_context(|| format!("opening the archive {shown}"))?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut tar = tar::Archive::new(gz);
    let mut seen = Seen::new();
    let mut manifest = None;
    let mut entries = tar.entries().with_context(|| {
        format!("{shown} is not a Dateline export: it is not a gzip-compressed tar archive")
    })?;
    let mut last = String::from("(its start)");
    loop {
        let entry = match entries.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) if seen.is_empty() && manifest.is_none() => {
                bail!(
                    "{shown} is not a Dateline export: it is not a gzip-compressed tar archive \
                     ({e})"
                )
            }
            Some(Err(e)) => bail!("{shown} is damaged or cut short after {last}: {e}"),
        };
        let name = entry
            .path()
            .with_context(|| format!("{shown} holds a member with an unreadable name"))?
            .to_string_lossy()
            .into_owned();
        ensure!(
            entry.header().entry_type() == tar::EntryType::Regular,
            "{shown}: the member {name} is not a plain file"
        );
        ensure!(
            safe_name(&name),
            "{shown}: the member {name} is not a name a Dateline export holds"
        );
        ensure!(
            !seen.contains_key(&name) && (name != MANIFEST || manifest.is_none()),
            "{shown}: the member {name} appears twice"
        );
        let cut = |e: &dyn std::fmt::Display| {
            format!("{shown}: reading {name}: {e} (the archive is damaged or cut short)")
        };
        if name == MANIFEST {
            let mut text = Vec::new();
            entry
                .take(MANIFEST_MAX)
                .read_to_end(&mut text)
                .map_err(|e| anyhow::anyhow!(cut(&e)))?;
            manifest = Some(text);
            last = name;
            continue;
        }
        let mut reader = Hashing {
            inner: entry,
            hash: Sha256::new(),
            size: 0,
        };
        if let Some(table) = name
            .strip_prefix(TABLES)
            .and_then(|n| n.strip_suffix(".jsonl"))
        {
            let shape = shapes.and_then(|s| s.get(table));
            if shape.is_some() {
                send(Piece::Begin(table.to_owned()))?;
            }
            let mut lines = std::io::BufReader::new(&mut reader);
            let mut line = String::new();
            let mut number = 0u64;
            let mut batch = Vec::new();
            loop {
                line.clear();
                let n = lines
                    .read_line(&mut line)
                    .map_err(|e| anyhow::anyhow!(cut(&e)))?;
                if n == 0 {
                    break;
                }
                number += 1;
                ensure!(
                    line.ends_with('\n'),
                    "{shown}: {name} ends in the middle of line {number} (cut short?)"
                );
                if let Some(shape) = shape {
                    batch.push(
                        parse_row(shape, &line)
                            .with_context(|| format!("{shown}: {name}, line {number}"))?,
                    );
                    if batch.len() == ROWS_PER_BATCH {
                        send(Piece::Rows(std::mem::take(&mut batch)))?;
                    }
                }
            }
            if shape.is_some() {
                if !batch.is_empty() {
                    send(Piece::Rows(batch))?;
                }
                send(Piece::End)?;
            }
        } else if let Some(dir) = stage {
            let key = name[MEDIA.len()..].to_owned();
            let dest = dir.join(&key);
            if let Some(p) = dest.parent() {
                std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
            }
            let mut out = std::fs::File::create(&dest)
                .with_context(|| format!("creating {}", dest.display()))?;
            std::io::copy(&mut reader, &mut out).map_err(|e| anyhow::anyhow!(cut(&e)))?;
            send(Piece::Media(key, dest))?;
        } else {
            std::io::copy(&mut reader, &mut std::io::sink())
                .map_err(|e| anyhow::anyhow!(cut(&e)))?;
        }
        seen.insert(name.clone(), (reader.size, hex(&reader.hash.finalize())));
        last = name;
    }
    send(Piece::Done(seen.clone()))?;
    Ok((seen, manifest))
}

/// One line as the row `shape` describes: a JSON object with exactly its columns, integers in
/// integer columns and strings in the others (or null).
fn parse_row(shape: &Shape, line: &str) -> anyhow::Result<Vec<Cell>> {
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line).context("not a JSON object")?;
    let mut row = Vec::with_capacity(shape.columns.len());
    for (column, integer) in shape.columns.iter().zip(&shape.integer) {
        let value = object
            .remove(column)
            .with_context(|| format!("the row has no {column:?}"))?;
        row.push(match value {
            serde_json::Value::Null => Cell::Null,
            serde_json::Value::Number(n) if *integer => Cell::Integer(
                n.as_i64()
                    .with_context(|| format!("{column:?} is {n}, not a whole number"))?,
            ),
            serde_json::Value::String(s) if !integer => Cell::Text(s),
            other => bail!(
                "{column:?} is {other}, not {}",
                if *integer {
                    "a whole number"
                } else {
                    "a string"
                }
            ),
        });
    }
    if let Some(extra) = object.keys().next() {
        bail!("the row has a column {extra:?} the manifest does not list");
    }
    Ok(row)
}

/// Check what the first reading saw against the manifest found, and the manifest against this
/// Dateline: its format and version, and every table and column known.
fn check(archive: &Path, seen: &Seen, text: Option<Vec<u8>>) -> anyhow::Result<Manifest> {
    let shown = archive.display();
    let text = text.with_context(|| {
        format!("{shown} has no {MANIFEST}: it is not a Dateline export, or it was cut short")
    })?;
    #[derive(Deserialize)]
    struct Version {
        format: Option<String>,
        version: Option<u32>,
    }
    let v: Version = serde_json::from_slice(&text)
        .with_context(|| format!("{shown}: {MANIFEST} is not an export manifest"))?;
    ensure!(
        v.format.as_deref() == Some(FORMAT_NAME),
        "{shown} is not a Dateline export: its {MANIFEST} names the format {:?}, not \
         {FORMAT_NAME:?}",
        v.format.unwrap_or_default()
    );
    let version = v.version.unwrap_or(0);
    ensure!(
        (1..=FORMAT_VERSION).contains(&version),
        "{shown} is in export format version {version}, which this Dateline does not read (it \
         reads version {FORMAT_VERSION}): import it with the Dateline that matches"
    );
    let manifest: Manifest = serde_json::from_slice(&text)
        .with_context(|| format!("{shown}: {MANIFEST} is not an export manifest"))?;
    let mut listed = BTreeSet::new();
    for m in &manifest.members {
        listed.insert(m.path.as_str());
        let Some((size, sha)) = seen.get(&m.path) else {
            bail!(
                "{shown}: {} is in the manifest but missing from the archive",
                m.path
            );
        };
        ensure!(
            *size == m.size && *sha == m.sha256,
            "{shown}: {} has changed since the export: its SHA-256 is {sha} ({size} bytes), the \
             manifest says {} ({} bytes)",
            m.path,
            m.sha256,
            m.size
        );
    }
    if let Some(extra) = seen.keys().find(|k| !listed.contains(k.as_str())) {
        bail!("{shown}: {extra} is in the archive but not in the manifest");
    }
    for t in &manifest.tables {
        let Some(e) = exported(&t.name) else {
            bail!(
                "{shown} holds a table this Dateline does not know, {} (an export from a newer \
                 Dateline?)",
                t.name
            );
        };
        ensure!(
            t.file == format!("{TABLES}{}.jsonl", t.name) && listed.contains(t.file.as_str()),
            "{shown}: the table {} has no member {TABLES}{}.jsonl",
            t.name,
            t.name
        );
        let unknown: Vec<&str> = t
            .columns
            .iter()
            .map(String::as_str)
            .filter(|c| !e.columns.contains(c))
            .collect();
        ensure!(
            unknown.is_empty(),
            "{shown}: {} has columns this Dateline does not know: {} (an export from a newer \
             Dateline?)",
            t.file,
            unknown.join(", ")
        );
    }
    if let Some(stray) = listed
        .iter()
        .find(|p| p.starts_with(TABLES) && !manifest.tables.iter().any(|t| t.file == **p))
    {
        bail!("{shown}: {stray} is not one of the manifest's tables");
    }
    Ok(manifest)
}

/// Check an export's every checksum, its format and its tables and columns; the manifest and
/// the members' names.
pub async fn verify(archive: &Path) -> anyhow::Result<(Manifest, Seen)> {
    let archive = archive.to_owned();
    tokio::task::spawn_blocking(move || {
        let (seen, text) = read_archive(&archive, None, None, |_| Ok(()))?;
        let manifest = check(&archive, &seen, text)?;
        Ok((manifest, seen))
    })
    .await?
}

/// Why the target site is not empty, or None when it is: it holds no row in any exported
/// table but `settings` (which a new site may already have, and which the import replaces).
async fn occupied(store: &Store) -> anyhow::Result<Option<String>> {
    let mut snap = store.snapshot().await?;
    let catalogue = snap.tables().await?;
    let mut held = Vec::new();
    for e in EXPORTED.iter().filter(|e| e.rows.is_none()) {
        let Some(t) = catalogue.iter().find(|t| t.name == e.table) else {
            continue;
        };
        let n = snap.count(t).await?;
        if n > 0 {
            held.push(format!("{n} in {}", e.table));
        }
    }
    snap.finish().await?;
    Ok((!held.is_empty()).then(|| held.join(", ")))
}

pub async fn run_import(args: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let shown = args.file.display().to_string();
    eprintln!("dateline import: checking {shown}");
    let (manifest, seen) = verify(&args.file).await?;
    let (data, database) = config::store_location(&args.store)?;
    let files = config::media_location(&args.store, *args.media)?;
    // What this run creates, removed again if it fails: the target stays as it was.
    let new_data = !data.exists();
    let new_db = Backend::from_url(&database)? == Backend::Sqlite
        && !sqlite_file(&database).is_some_and(|p| p.exists());
    std::fs::create_dir_all(&data)
        .with_context(|| format!("creating the data folder {}", data.display()))?;
    let result = import_into(&args.file, &manifest, &seen, &data, &database, &files).await;
    let imported = match result {
        Ok(i) => i,
        Err(e) => {
            if new_db && let Some(db) = sqlite_file(&database) {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = db.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            if new_data {
                let _ = std::fs::remove_dir_all(&data);
            }
            return Err(e);
        }
    };
    eprintln!("dateline import: rebuilding the search index");
    let (store, index) = crate::reindex::rebuild_search(&data, &database)
        .await
        .context("rebuilding the search index")?;
    let ranked = crate::reindex::rank_related(&store, &index, false).await;
    drop(index);
    store.close().await;
    ranked?;
    let people = manifest.rows("people");
    let mut text = format!(
        "imported {shown} (the export of {:?} made by Dateline {} at {}): {} stories, {} \
         sections, {} tags, {} people, {} photos, {} comments by {} readers, {} subscribers and \
         {} media files into {} in {:.1} s.\n",
        manifest.site_name,
        manifest.dateline_version,
        manifest.created_at,
        manifest.rows("articles"),
        manifest.rows("sections"),
        manifest.rows("tags"),
        people,
        manifest.rows("media"),
        manifest.rows("comments"),
        manifest.rows("readers"),
        manifest.rows("subscribers"),
        imported.media_files,
        data.display(),
        started.elapsed().as_secs_f64()
    );
    if people > 0 {
        text += &format!(
            "No one can sign in yet: an export carries no password. Give each person who \
             signs in a new one with `dateline user reset-password --email EMAIL` (`dateline \
             user list` shows them; {people} people came in).\n"
        );
    }
    if manifest.rows("readers") > 0 {
        text += "Readers sign in again after choosing a new password through \"Forgot your \
                 password?\" (their email addresses came with them).\n";
    }
    if manifest.rows("live_mounts") > 0 {
        text += "Live mounts came without their source passwords (and relay addresses): they \
                 take no source until given one with `dateline mount password --path PATH \
                 --password -`.\n";
    }
    if manifest.rows("subscribers") > 0 {
        text += "Newsletter links sent before the move (unsubscribe, preferences) were signed \
                 with the old site's key, which never leaves it: they no longer work here; \
                 mail sent from now on carries this site's links.\n";
    }
    if imported.remade > 0 {
        text += &format!(
            "{} photos came as originals: their served sizes are remade by the site's job \
             runner once `dateline serve` runs.\n",
            imported.remade
        );
    }
    for m in &imported.missing {
        text += &format!("photo {m} has no file in the export: it shows as missing\n");
    }
    answer(text.trim_end());
    Ok(())
}

/// What [`import_into`] did beyond the rows.
struct Imported {
    media_files: u64,
    /// Photos whose served files are made again from their originals.
    remade: u64,
    /// Photos with no file at all in the export (by id).
    missing: Vec<i64>,
}

async fn import_into(
    archive: &Path,
    manifest: &Manifest,
    first: &Seen,
    data: &Path,
    database: &str,
    files: &config::media_store::MediaStoreSettings,
) -> anyhow::Result<Imported> {
    let store = Store::open(database)
        .await
        .context("opening the target database")?;
    let result = load(archive, manifest, first, data, &store, files).await;
    store.close().await;
    result
}

async fn load(
    archive: &Path,
    manifest: &Manifest,
    first: &Seen,
    data: &Path,
    store: &Store,
    files: &config::media_store::MediaStoreSettings,
) -> anyhow::Result<Imported> {
    if let Some(held) = occupied(store).await? {
        bail!(
            "the target site is not empty ({held}): `dateline import dateline` fills only an \
             empty site, one whose exported tables hold no row (its settings apart, which the \
             import replaces); import into a new data folder or database"
        );
    }
    let media = files.open().await?;
    let mut loader = store.loader().await?;
    let mut shapes = HashMap::new();
    for t in &manifest.tables {
        let table = loader.table(&t.name)?;
        let integer = t
            .columns
            .iter()
            .map(|c| {
                table
                    .columns
                    .iter()
                    .find(|col| col.name == *c)
                    .map(|col| col.integer)
                    .with_context(|| format!("this database's {} has no column {c}", t.name))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        shapes.insert(
            t.name.clone(),
            Shape {
                columns: t.columns.clone(),
                integer,
            },
        );
    }
    // The rows this Dateline replaces, children first.
    let order: Vec<&Exported> = manifest
        .tables
        .iter()
        .filter_map(|t| exported(&t.name))
        .collect();
    for e in order.iter().rev() {
        loader.clear(e.table, e.rows).await?;
    }
    let parent = parent_of(data);
    let staging = tempfile::Builder::new()
        .prefix(".dateline-import-")
        .tempdir_in(&parent)
        .with_context(|| format!("making a temporary folder in {}", parent.display()))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Piece>>(4);
    let reader = {
        let archive = archive.to_owned();
        let stage = staging.path().to_owned();
        let shapes = shapes.clone();
        let tx = tx.clone();
        tokio::task::spawn_blocking(move || {
            let read = read_archive(&archive, Some(&shapes), Some(&stage), |piece| {
                tx.blocking_send(Ok(piece))
                    .map_err(|_| anyhow::anyhow!("the import stopped"))
            });
            if let Err(e) = read {
                let _ = tx.blocking_send(Err(e));
            }
        })
    };
    drop(tx);
    let names: BTreeSet<&str> = first.keys().map(String::as_str).collect();
    let mut table = String::new();
    let mut fill: Vec<Cell> = Vec::new();
    let mut staged: Vec<(String, PathBuf)> = Vec::new();
    let mut remade: Vec<i64> = Vec::new();
    let mut missing: Vec<i64> = Vec::new();
    let mut second: Option<Seen> = None;
    let mut progress = Progress::new();
    while let Some(piece) = rx.recv().await {
        match piece? {
            Piece::Begin(name) => {
                let e = exported(&name).context("a checked table is exported")?;
                let shape = &shapes[&name];
                let mut columns: Vec<&str> = shape.columns.iter().map(String::as_str).collect();
                fill.clear();
                for (column, value) in e.fill {
                    if !columns.contains(column) {
                        columns.push(column);
                        fill.push(Cell::Text((*value).to_owned()));
                    }
                }
                loader.begin_table(&name, &columns)?;
                table = name;
            }
            Piece::Rows(rows) => {
                let shape = &shapes[&table];
                for mut row in rows {
                    if table == "media" {
                        check_photo(shape, &row, &names, &mut remade, &mut missing);
                    }
                    row.extend(fill.iter().cloned());
                    loader
                        .push(row)
                        .await
                        .with_context(|| format!("writing the rows of {table}"))?;
                }
                let written = loader.written();
                progress.show(false, || {
                    format!("dateline import: {table}: {written} rows")
                });
            }
            Piece::End => {
                let n = loader
                    .end_table()
                    .await
                    .with_context(|| format!("writing the rows of {table}"))?;
                progress.show(true, || format!("dateline import: {table}: {n} rows"));
                eprintln!();
            }
            Piece::Media(key, path) => staged.push((key, path)),
            Piece::Done(seen) => second = Some(seen),
        }
    }
    reader.await?;
    let second = second.context("the archive was not read to its end")?;
    // Read again: the file may have changed since it was checked.
    ensure!(
        &second == first,
        "{} changed while it was being imported: nothing was imported",
        archive.display()
    );
    let mut put: Vec<object_store::path::Path> = Vec::new();
    let put_all = async {
        for (i, (key, path)) in staged.iter().enumerate() {
            let bytes = tokio::fs::read(path)
                .await
                .with_context(|| format!("reading the staged {}", path.display()))?;
            let k = object_store::path::Path::from(key.as_str());
            media
                .put(&k, bytes.into())
                .await
                .with_context(|| format!("writing the media file {key}"))?;
            put.push(k);
            progress.show(i + 1 == staged.len(), || {
                format!("dateline import: {}/{} media files", i + 1, staged.len())
            });
        }
        anyhow::Ok(())
    };
    let stored = put_all.await;
    let committed = match stored {
        Ok(()) => loader.commit().await.context("keeping the imported rows"),
        Err(e) => Err(e),
    };
    if let Err(e) = committed {
        for k in &put {
            let _ = media.delete(k).await;
        }
        return Err(e);
    }
    eprintln!();
    let now = dateline_web::Clock::System.now();
    for id in &remade {
        store.set_media_variants(MediaId(*id), &[], &[]).await?;
        if let Some(job) = dateline_web::media::worker::variants_job(MediaId(*id), now) {
            store.enqueue_job(&job, now).await?;
        }
    }
    Ok(Imported {
        media_files: staged.len() as u64,
        remade: remade.len() as u64,
        missing,
    })
}

/// Whether a photo row's served files came in the archive; if only its original did, its id
/// goes into `remade` (its sizes are made again), and with no file at all into `missing`.
fn check_photo(
    shape: &Shape,
    row: &[Cell],
    names: &BTreeSet<&str>,
    remade: &mut Vec<i64>,
    missing: &mut Vec<i64>,
) {
    let get = |name: &str| {
        shape
            .columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| row.get(i))
    };
    let (Some(Cell::Integer(id)), Some(Cell::Text(hash)), Some(Cell::Text(mime))) =
        (get("id"), get("hash"), get("mime"))
    else {
        return;
    };
    let Some(format) = dateline_web::media::images::Format::of_mime(mime) else {
        return;
    };
    let widths: Vec<u32> = match get("variants") {
        Some(Cell::Text(v)) => serde_json::from_str(v).unwrap_or_default(),
        _ => Vec::new(),
    };
    let served = widths.first().is_some_and(|w| {
        names.contains(format!("{MEDIA}{hash}-{w}.{}", format.extension()).as_str())
    });
    let original = names.contains(
        format!(
            "{MEDIA}{}",
            MediaStore::original_key(hash, format.extension())
        )
        .as_str(),
    );
    if served {
        return;
    }
    if original {
        remade.push(*id);
    } else {
        missing.push(*id);
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn only_known_relative_names_are_safe() {
        assert!(safe_name("manifest.json"));
        assert!(safe_name("tables/articles.jsonl"));
        assert!(safe_name("media/originals/ab12.jpg"));
        assert!(safe_name("media/audio/ab12.mp3"));
        assert!(!safe_name("tables/a/b.jsonl"));
        assert!(!safe_name("tables/articles.json"));
        assert!(!safe_name("media/../../etc/passwd"));
        assert!(!safe_name("/etc/passwd"));
        assert!(!safe_name("media/"));
        assert!(!safe_name("database/dateline.db"));
    }
}
