//! `dateline media move --to s3://BUCKET/PREFIX` (or `--to FOLDER`): copy every photo file of
//! the current media store (uploaded originals and served variants) and every playlist file
//! to another, so an existing site can move its files to a bucket shared by several nodes, or
//! back to a folder.
//!
//! Resumable: a file already at the target with the same size is skipped, and every write is a
//! whole object (a staged local file renamed, or one S3 PUT), so a run that was interrupted left
//! no half file behind and a second run finishes the job. Progress goes to stderr; a failure
//! ends the run with exit code 1 and a sentence naming the file. The source is left as it was:
//! the operator restarts the nodes with `--media-store …` and removes the old files when
//! satisfied. Never prints or logs a credential.

use crate::config::media_store::{MediaStoreArgs, check_s3, open_place};
use crate::config::{self, StoreArgs};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_web::MediaStore;
use dateline_web::media::store::Place;
use futures::TryStreamExt;
use object_store::ObjectMeta;

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Copy every photo file to another media store (s3://BUCKET/PREFIX or a folder); a second
    /// run after an interrupted one finishes the job.
    Move(MoveArgs),
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The current media store and the S3 settings (used for the target too).
    #[command(flatten)]
    pub media: MediaStoreArgs,
    /// Where the files go: s3://BUCKET/PREFIX or a folder.
    #[arg(long)]
    pub to: String,
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// Files written to the target.
    pub copied: usize,
    /// Files already at the target with the same size.
    pub already: usize,
    /// Files in the source that are not photo files (left where they are).
    pub ignored: usize,
}

pub async fn run(cmd: MediaCommand) -> anyhow::Result<()> {
    match cmd {
        MediaCommand::Move(args) => move_files(args).await.map(|_| ()),
    }
}

/// Copy the files; see [the module](self).
pub async fn move_files(args: MoveArgs) -> anyhow::Result<Moved> {
    let current = config::media_location(&args.store, args.media)?;
    let target_place = Place::parse(&args.to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    if target_place == current.place {
        bail!(
            "--to {} is already the media store: nothing to move",
            target_place
        );
    }
    check_s3(&current.s3, &target_place)?;
    let from = open_place(current.place.clone(), &current.s3).await?;
    let to = open_place(target_place.clone(), &current.s3).await?;
    let listed: Vec<ObjectMeta> = from
        .list()
        .try_collect()
        .await
        .with_context(|| format!("listing the files of {}", current.place))?;
    let (files, others): (Vec<ObjectMeta>, Vec<ObjectMeta>) =
        listed.into_iter().partition(|m| is_photo_file(&m.location));
    let total = files.len();
    eprintln!(
        "media move: {total} photo files from {} to {target_place}",
        current.place
    );
    let mut done = Moved {
        ignored: others.len(),
        ..Moved::default()
    };
    for (i, meta) in files.iter().enumerate() {
        let key = &meta.location;
        match to.head(key).await {
            Ok(there) if there.size == meta.size => {
                done.already += 1;
                continue;
            }
            Ok(_) | Err(dateline_web::media::store::MediaError::NotFound) => {}
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("checking {key} at {target_place}"))
                );
            }
        }
        // One file at a time, whole: originals are bounded by the upload limit
        // (`media_max_mb`), so memory stays at one photo.
        let bytes = from
            .read(key)
            .await
            .with_context(|| format!("reading {key} from {}", current.place))?;
        to.put(key, bytes)
            .await
            .with_context(|| format!("copying {key} to {target_place}"))?;
        done.copied += 1;
        eprintln!("media move: {}/{total} {key}", i + 1);
    }
    if done.ignored > 0 {
        eprintln!(
            "media move: {} other files in {} are not photo files and were left there",
            done.ignored, current.place
        );
    }
    eprintln!(
        "media move: done: {} copied, {} already there. Restart every node with \
         --media-store {target_place} (or media_store = \"{target_place}\" in dateline.toml) to \
         serve from it; the files in {} stay until you remove them.",
        done.copied, done.already, current.place
    );
    Ok(done)
}

/// A variant (`{hash}-{width}.{ext}`) or an original (`originals/{hash}.{ext}`); anything else
/// in a media folder (a leftover `.part` file, say) is not moved.
fn is_photo_file(key: &object_store::path::Path) -> bool {
    let text = key.as_ref();
    if MediaStore::served_key(text).is_some() {
        return true;
    }
    // Playlist files (`audio/HASH.mp3`) move with the photos: a mount's playlist must play
    // from the new store too.
    let (name, exts): (&str, &[&str]) = if let Some(n) = text.strip_prefix("originals/") {
        (n, &["jpg", "png", "webp", "gif"])
    } else if let Some(n) = text.strip_prefix("audio/") {
        (n, &["mp3", "aac", "ogg"])
    } else {
        return false;
    };
    let Some((hash, ext)) = name.rsplit_once('.') else {
        return false;
    };
    !hash.is_empty()
        && hash.len() <= 64
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && exts.contains(&ext)
}

#[cfg(test)]
mod tests {
    use super::is_photo_file;
    use object_store::path::Path;

    #[test]
    fn only_photo_files_are_moved() {
        for yes in ["ab12-320.jpg", "originals/ab12.png", "ab12-1600.webp"] {
            assert!(is_photo_file(&Path::from(yes)), "{yes}");
        }
        for no in [
            "ab12-320.jpg.part",
            "originals/ab12.exe",
            "notes.txt",
            "originals/sub/ab12.jpg",
        ] {
            assert!(!is_photo_file(&Path::from(no)), "{no}");
        }
    }
}
