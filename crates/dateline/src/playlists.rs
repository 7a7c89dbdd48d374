//! `dateline playlist add|list|remove|order`: playlists, the files a mount plays while no
//! source is connected and a pre-recorded programme airs from, in order or shuffled,
//! repeating (issue 23).
//!
//! Each command takes a mount (`--path /live/radio.mp3`: the playlist that mount falls back
//! to, made and named after it on the first `add`) or a playlist by name (`--playlist
//! morning-tape`, which `dateline schedule add --playlist` names; `add --format` makes it).
//! Files go to the media store (`--media-store`, as for `serve`) and must be in the
//! playlist's format: another format is refused with a sentence naming the file, and nothing
//! is stored for it. A running server notices changes within a few seconds, whichever process
//! or node made them.

use crate::config::media_store::MediaStoreArgs;
use crate::config::{self, StoreArgs};
use crate::mounts::open;
use anyhow::{Context, bail};
use bytes::Bytes;
use clap::{Args, Subcommand, ValueEnum};
use dateline_core::live::{AudioFormat, MountPath, PlaylistName};
use dateline_core::schedule::playlist_users;
use dateline_store::{NamedPlaylist, Store, StoreError};
use dateline_web::Clock;
use dateline_web::live::playlist::{add_file, add_file_to_playlist};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlaylistCommand {
    /// Add audio files at the end of a playlist (a mount's, or one by name).
    Add(AddArgs),
    /// List a playlist's files, or every playlist when given neither --path nor --playlist.
    List(ListArgs),
    /// Remove a file from a playlist (by the number `list` shows).
    Remove(RemoveArgs),
    /// Play a playlist in order or shuffled, or move one file in the order.
    Order(OrderArgs),
    /// Delete a named playlist (its files stay in the media store); refused while a
    /// programme of the schedule airs from it or a mount plays it.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The playlist's name, as `dateline playlist list` shows it.
    #[arg(long)]
    pub playlist: String,
}

/// Which playlist: a mount's or one by name.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Which {
    /// The mount whose playlist it is, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: Option<String>,
    /// The playlist's name, e.g. morning-tape (what `dateline schedule add --playlist` names).
    #[arg(long)]
    pub playlist: Option<String>,
}

/// Which playlist, when one may be named (`list` lists them all otherwise).
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct MaybeWhich {
    /// The mount whose playlist it is, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: Option<String>,
    /// The playlist's name, e.g. morning-tape.
    #[arg(long)]
    pub playlist: Option<String>,
}

/// A playlist named on the command line, checked.
enum Target {
    Mount(MountPath),
    Named(PlaylistName),
}

impl Target {
    fn of(path: Option<&str>, playlist: Option<&str>) -> anyhow::Result<Option<Self>> {
        Ok(match (path, playlist) {
            (Some(p), _) => Some(Target::Mount(MountPath::parse(p)?)),
            (None, Some(n)) => Some(Target::Named(PlaylistName::parse(n)?)),
            (None, None) => None,
        })
    }

    fn shown(&self) -> String {
        match self {
            Target::Mount(p) => format!("the playlist of {p}"),
            Target::Named(n) => format!("the playlist {n}"),
        }
    }

    fn flag(&self) -> String {
        match self {
            Target::Mount(p) => format!("--path {p}"),
            Target::Named(n) => format!("--playlist {n}"),
        }
    }

    /// The playlist it names: `None` for a mount with none yet.
    async fn find(&self, store: &Store) -> anyhow::Result<Option<NamedPlaylist>> {
        match self {
            Target::Mount(path) => match store.mount_playlist(path).await {
                Ok(p) => Ok(p),
                Err(StoreError::NotFound) => bail!("there is no mount at {path}"),
                Err(e) => Err(e).context("reading the mount"),
            },
            Target::Named(name) => match store.playlist_named(name).await {
                Ok(p) => Ok(Some(p)),
                Err(StoreError::NotFound) => bail!(
                    "there is no playlist called {name}; `dateline playlist list` shows them, \
                     and `dateline playlist add --playlist {name} --format mp3 FILE…` makes it"
                ),
                Err(e) => Err(e).context("reading the playlist"),
            },
        }
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub media: MediaStoreArgs,
    #[command(flatten)]
    pub which: Which,
    /// With --playlist: make the playlist, of this format (mp3, aac or ogg), when there is
    /// none of that name.
    #[arg(long, requires = "playlist")]
    pub format: Option<String>,
    /// The files, in the playlist's format (MP3, AAC in ADTS, or Ogg Vorbis or Opus).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub which: MaybeWhich,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub which: Which,
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
    #[command(flatten)]
    pub which: Which,
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
        PlaylistCommand::Delete(args) => delete(args).await,
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn add(args: AddArgs) -> anyhow::Result<()> {
    // Every mistake in the words is found before anything is opened.
    let target = Target::of(args.which.path.as_deref(), args.which.playlist.as_deref())?
        .context("name a playlist with --path or --playlist")?;
    let format = args
        .format
        .as_deref()
        .map(str::parse::<AudioFormat>)
        .transpose()?;
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
    let result = async {
        let dest = match &target {
            Target::Mount(path) => Dest::Mount(path),
            Target::Named(name) => Dest::Playlist(match store.playlist_named(name).await {
                Ok(p) => p,
                Err(StoreError::NotFound) => match format {
                    Some(format) => {
                        let made = store
                            .create_playlist(name, format, Clock::System.now())
                            .await
                            .context("making the playlist")?;
                        println!("made the playlist {name} ({format})");
                        made
                    }
                    None => bail!(
                        "there is no playlist called {name}; add --format mp3 (or aac, ogg) \
                         to make it"
                    ),
                },
                Err(e) => return Err(e).context("reading the playlist"),
            }),
        };
        if let (Dest::Playlist(p), Some(f)) = (&dest, format)
            && p.format != f
        {
            bail!(
                "the playlist {} holds {} files, not {f}; leave out --format",
                p.name,
                p.format
            );
        }
        for (name, data) in files {
            let added = match &dest {
                Dest::Playlist(p) => {
                    add_file_to_playlist(&store, &media, p, &name, data, Clock::System.now()).await
                }
                Dest::Mount(path) => {
                    add_file(&store, &media, path, &name, data, Clock::System.now()).await
                }
            };
            let item = added?;
            println!(
                "added {} to {} as number {} ({}, {})",
                item.file_name,
                target.shown(),
                item.id,
                shown_title(&item.title),
                duration(item.duration_ms)
            );
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}

/// Where `add` puts files: a mount's playlist (made on its first file) or a named one.
enum Dest<'a> {
    Mount(&'a MountPath),
    Playlist(NamedPlaylist),
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
async fn list(args: ListArgs) -> anyhow::Result<()> {
    let target = Target::of(args.which.path.as_deref(), args.which.playlist.as_deref())?;
    let store = open(&args.store).await?;
    let result = async {
        let Some(target) = target else {
            return list_all(&store).await;
        };
        let entries = match target.find(&store).await? {
            Some(p) => store
                .playlist_entries(p.id)
                .await
                .context("reading the playlist")?,
            None => dateline_store::PlaylistEntries::default(),
        };
        if entries.items.is_empty() {
            println!(
                "{} has no files; add some with `dateline playlist add {} FILE…`",
                target.shown(),
                target.flag()
            );
            return Ok(());
        }
        println!(
            "{} plays {} files {}",
            target.shown(),
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
    .await;
    store.close().await;
    result
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list_all(store: &Store) -> anyhow::Result<()> {
    let playlists = store.playlists().await.context("listing the playlists")?;
    if playlists.is_empty() {
        println!(
            "no playlists; add files with `dateline playlist add --path /live/radio.mp3 FILE…` \
             or `dateline playlist add --playlist NAME --format mp3 FILE…`"
        );
        return Ok(());
    }
    println!(
        "{:<24} {:<6} {:>6} {:>8}  ORDER",
        "NAME", "FORMAT", "FILES", "LENGTH"
    );
    for p in playlists {
        let entries = store
            .playlist_entries(p.id)
            .await
            .context("reading the playlist")?;
        let ms: i64 = entries.items.iter().map(|i| i.duration_ms).sum();
        println!(
            "{:<24} {:<6} {:>6} {:>8}  {}",
            p.name.as_str(),
            p.format.as_str(),
            entries.items.len(),
            duration(ms),
            if p.shuffle { "shuffled" } else { "in order" }
        );
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn remove(args: RemoveArgs) -> anyhow::Result<()> {
    let target = Target::of(args.which.path.as_deref(), args.which.playlist.as_deref())?
        .context("name a playlist with --path or --playlist")?;
    let store = open(&args.store).await?;
    let result = async {
        let no_such = || {
            anyhow::anyhow!(
                "{} has no number {}; see `dateline playlist list {}`",
                target.shown(),
                args.id,
                target.flag()
            )
        };
        let p = target.find(&store).await?.ok_or_else(no_such)?;
        match store.remove_item_from_playlist(p.id, args.id).await {
            Ok(()) => {
                println!("removed number {} from {}", args.id, target.shown());
                Ok(())
            }
            Err(StoreError::NotFound) => Err(no_such()),
            Err(e) => Err(e).context("removing the file"),
        }
    }
    .await;
    store.close().await;
    result
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn order(args: OrderArgs) -> anyhow::Result<()> {
    let target = Target::of(args.which.path.as_deref(), args.which.playlist.as_deref())?
        .context("name a playlist with --path or --playlist")?;
    let store = open(&args.store).await?;
    let done = async {
        let p = match &target {
            // Setting a mount's order before its first file makes its playlist.
            Target::Mount(path) => {
                match store.own_mount_playlist(path, Clock::System.now()).await {
                    Ok(p) => p,
                    Err(StoreError::NotFound) => bail!("there is no mount at {path}"),
                    Err(e) => return Err(e).context("reading the mount"),
                }
            }
            Target::Named(_) => target
                .find(&store)
                .await?
                .context("the playlist was not found")?,
        };
        if let Some(mode) = args.mode {
            store
                .set_shuffle(p.id, mode == Mode::Shuffle)
                .await
                .context("setting the order")?;
            println!(
                "{} plays {}",
                target.shown(),
                if mode == Mode::Shuffle {
                    "shuffled"
                } else {
                    "in order"
                }
            );
        }
        if let (Some(id), Some(to)) = (args.move_id, args.to) {
            match store.move_item_in_playlist(p.id, id, to).await {
                Ok(()) => println!("moved number {id} to place {to} in {}", target.shown()),
                Err(StoreError::NotFound) => bail!(
                    "{} has no number {id}; see `dateline playlist list {}`",
                    target.shown(),
                    target.flag()
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

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let name = PlaylistName::parse(&args.playlist)?;
    let store = open(&args.store).await?;
    let result = async {
        let files = match store.playlist_named(&name).await {
            Ok(p) => store
                .playlist_entries(p.id)
                .await
                .context("reading the playlist")?
                .items
                .len(),
            Err(StoreError::NotFound) => {
                bail!("there is no playlist called {name}; `dateline playlist list` shows them")
            }
            Err(e) => return Err(e).context("reading the playlist"),
        };
        match store.delete_playlist(&name).await {
            Ok(_) => {
                println!(
                    "deleted the playlist {name} ({files} file{}; the audio files stay in the \
                     media store)",
                    if files == 1 { "" } else { "s" }
                );
                Ok(())
            }
            Err(StoreError::NotFound) => {
                bail!("there is no playlist called {name}; `dateline playlist list` shows them")
            }
            Err(StoreError::PlaylistInUse { programmes, mounts }) => {
                let mut advice = Vec::new();
                if !programmes.is_empty() {
                    let ids: Vec<String> = programmes.iter().map(|p| p.id.to_string()).collect();
                    advice.push(format!(
                        "give programme {} another playlist first (`dateline schedule \
                         set-playlist --id ID --playlist OTHER`, or `--none` for a live \
                         programme)",
                        ids.join(", ")
                    ));
                }
                if !mounts.is_empty() {
                    advice.push(
                        "a mount's own playlist goes with the mount (`dateline mount remove`)"
                            .to_owned(),
                    );
                }
                bail!(
                    "the playlist {name} is not deleted: {}; {}",
                    playlist_users(&programmes, &mounts),
                    advice.join("; ")
                )
            }
            Err(e) => Err(e).context("deleting the playlist"),
        }
    }
    .await;
    store.close().await;
    result
}
