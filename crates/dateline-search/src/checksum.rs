//! Checking an index's files against the CRC-32 that tantivy writes in each file's footer, by
//! reading the files in bounded chunks.
//!
//! tantivy's own check (`Index::validate_checksum`) reads each file through a memory map, so the
//! whole file is resident in this process while it is checked: 117 MB for the doc store of the
//! 100,000-story site, a start-up peak of resident memory above everything the server uses
//! afterwards. Reading through a small buffer leaves the pages in the kernel's page cache
//! instead. Written by hand because tantivy exposes no streaming check; the format is
//! tantivy's (`directory::footer`): the body, a JSON footer holding the body's CRC-32, the
//! footer's length (u32, little-endian) and the magic number 1337 (u32, little-endian).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use tantivy::Index;

const MAGIC: u32 = 1337;
/// tantivy's own bound on a footer's length.
const FOOTER_MAX_LEN: u64 = 50_000;
const CHUNK: usize = 1 << 20;

#[derive(serde::Deserialize)]
struct Footer {
    crc: u32,
}

/// How many of the files the index's searchable segments use (and that it manages) in folder
/// `dir` fail their checksum, or cannot be read. The same files tantivy's check reads.
pub(crate) fn damaged_files(index: &Index, dir: &Path) -> tantivy::Result<usize> {
    let managed = index.directory().list_managed_files();
    let active: HashSet<PathBuf> = index
        .searchable_segment_metas()?
        .iter()
        .flat_map(|m| m.list_files())
        .collect();
    let mut damaged = 0;
    for path in active.intersection(&managed) {
        let ok = file_ok(&dir.join(path)).unwrap_or_else(|e| {
            tracing::warn!(file = %path.display(), error = %e, "search index file unreadable");
            false
        });
        if !ok {
            damaged += 1;
        }
    }
    Ok(damaged)
}

/// Whether the file's body matches the CRC-32 in its footer. A missing or malformed footer is
/// a damaged file, not an error.
pub(crate) fn file_ok(path: &Path) -> io::Result<bool> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len < 8 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 8))?;
    let mut tail = [0u8; 8];
    file.read_exact(&mut tail)?;
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let magic = u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]);
    if magic != MAGIC || footer_len > FOOTER_MAX_LEN || len < footer_len + 8 {
        return Ok(false);
    }
    let body_len = len - footer_len - 8;
    file.seek(SeekFrom::Start(body_len))?;
    let mut json = vec![0u8; usize::try_from(footer_len).unwrap_or(0)];
    file.read_exact(&mut json)?;
    let Ok(footer) = serde_json::from_slice::<Footer>(&json) else {
        return Ok(false);
    };
    file.seek(SeekFrom::Start(0))?;
    let mut body = file.take(body_len);
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = body.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize() == footer.crc)
}
