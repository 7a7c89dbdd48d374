//! `dateline playlist add|list|remove|order`: the files a mount plays while no source is
//! connected, in order or shuffled, repeating (issue 23).
//!
//! Files go to the media store (`--media-store`, as for `serve`) and must be in the mount's
//! own format: another format is refused with a sentence naming the file, and nothing is
//! stored for it. A running server notices changes within a few seconds, whichever process or
//! node made them.

use crate::config::media_store::MediaStoreArgs;
use crate::config::{self, StoreArgs};
use crate::mounts::open;
use anyhow::{Context, bail};
use bytes::Bytes;
use clap::{Args, Subcommand, ValueEnum};
use dateline_core::live::MountPath;
use dateline_store::{Store, StoreError};
use dateline_web::Clock;
use dateline_web::live::playlist::add_file;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlaylistCommand {
    /// Add audio files at the end of a mount's playlist.
    Add(AddArgs),
    /// List a mount's playlist.
    List(PathArgs),
    /// Remove a file from a mount's playlist (by the number `list` shows).
    Remove(RemoveArgs),
    /// Play a mount's playlist in order or shuffled, or move one file in the order.
    Order(OrderArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub media: MediaStoreArgs,
    /// The mount's path, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
    /// The files, in the mount's format (MP3, AAC in ADTS, or Ogg Vorbis or Opus).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PathArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The mount's path, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The mount's path, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
    /// The file's number, as `dateline playlist list` shows it.
    pub id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// In the listed order, repeating.
    InOrder,
    /// Shuffled anew each time round.
    Shuffle,
}

#[derive(Debug, Args)]
pub struct OrderArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The mount's path, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
    /// How the playlist plays.
    #[arg(required_unless_present = "move_id")]
    pub mode: Option<Mode>,
    /// Move this file (its number in `list`) …
    #[arg(long = "move", requires = "to")]
    pub move_id: Option<i64>,
    /// … to this place (1 is first).
    #[arg(long)]
    pub to: Option<i64>,
}

pub async fn run(command: PlaylistCommand) -> anyhow::Result<()> {
    match command {
        PlaylistCommand::Add(args) => add(args).await,
        PlaylistCommand::List(args) => list(args).await,
        PlaylistCommand::Remove(args) => remove(args).await,
        PlaylistCommand::Order(args) => order(args).await,
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn add(args: AddArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let media = config::media_location(&args.store, args.media)?
        .open()
        .await?;
    let mut files = Vec::new();
    for f in &args.files {
        let data = tokio::fs::read(f)
            .await
            .with_context(|| format!("reading {}", f.display()))?;
        let name = f.file_name().map_or_else(
            || f.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        files.push((name, Bytes::from(data)));
    }
    let store = open(&args.store).await?;
    let mut result = Ok(());
    for (name, data) in files {
        match add_file(&store, &media, &path, &name, data, Clock::System.now()).await {
            Ok(item) => println!(
                "added {} to {path} as number {} ({}, {})",
                item.file_name,
                item.id,
                shown_title(&item.title),
                duration(item.duration_ms)
            ),
            Err(e) => {
                result = Err(anyhow::Error::new(e));
                break;
            }
        }
    }
    store.close().await;
    result
}

fn shown_title(title: &str) -> String {
    if title.is_empty() {
        "no title in its tags".to_owned()
    } else {
        format!("“{title}”")
    }
}

fn duration(ms: i64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list(args: PathArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let store = open(&args.store).await?;
    let listed = listed(&store, &path).await;
    store.close().await;
    let entries = listed?;
    if entries.items.is_empty() {
        println!(
            "{path} has no playlist; add files with `dateline playlist add --path {path} FILE…`"
        );
        return Ok(());
    }
    println!(
        "{path} plays {} files {}",
        entries.items.len(),
        if entries.shuffle {
            "shuffled"
        } else {
            "in order"
        }
    );
    println!("{:>6} {:>8}  {:<40} FILE", "NUMBER", "LENGTH", "TITLE");
    for i in entries.items {
        println!(
            "{:>6} {:>8}  {:<40} {}",
            i.id,
            duration(i.duration_ms),
            i.title,
            i.file_name
        );
    }
    Ok(())
}

async fn listed(
    store: &Store,
    path: &MountPath,
) -> anyhow::Result<dateline_store::PlaylistEntries> {
    match store.live_mount(path).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => bail!("there is no mount at {path}"),
        Err(e) => return Err(e).context("reading the mount"),
    }
    store.playlist(path).await.context("reading the playlist")
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn remove(args: RemoveArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let store = open(&args.store).await?;
    let removed = store.remove_playlist_item(&path, args.id).await;
    store.close().await;
    match removed {
        Ok(()) => {
            println!("removed number {} from the playlist of {path}", args.id);
            Ok(())
        }
        Err(StoreError::NotFound) => bail!(
            "the playlist of {path} has no number {}; see `dateline playlist list --path {path}`",
            args.id
        ),
        Err(e) => Err(e).context("removing the file"),
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn order(args: OrderArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let store = open(&args.store).await?;
    let done = async {
        if let Some(mode) = args.mode {
            match store
                .set_playlist_shuffle(&path, mode == Mode::Shuffle)
                .await
            {
                Ok(()) => {}
                Err(StoreError::NotFound) => bail!("there is no mount at {path}"),
                Err(e) => return Err(e).context("setting the order"),
            }
            println!(
                "{path} plays its playlist {}",
                if mode == Mode::Shuffle { "shuffled" } else { "in order" }
            );
        }
        if let (Some(id), Some(to)) = (args.move_id, args.to) {
            match store.move_playlist_item(&path, id, to).await {
                Ok(()) => println!("moved number {id} to place {to} in the playlist of {path}"),
                Err(StoreError::NotFound) => bail!(
                    "the playlist of {path} has no number {id}; see `dateline playlist list --path {path}`"
                ),
                Err(e) => return Err(e).context("moving the file"),
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    done
}
