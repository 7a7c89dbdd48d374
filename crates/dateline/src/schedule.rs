//! `dateline schedule add|list|remove`: the station's weekly programme schedule, which the
//! Listen Live page (`/live/`) shows with what is on air now. Times are the site's local
//! wall-clock times (`07:00` stays `07:00` across daylight saving changes). A programme may
//! name a playlist (`--playlist morning-tape`, see `dateline playlist`): a pre-recorded
//! programme, which mounts of the playlist's format play at its time while no source is
//! connected. `set-playlist` changes that for a programme already in the schedule, `edit`
//! the rest. Two programmes never share a minute: one that would overlap another is refused,
//! naming it (the newsroom's Station page keeps the same rule through the same store calls).

use crate::config::StoreArgs;
use crate::mounts::open;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_core::live::PlaylistName;
use dateline_core::schedule::{Days, Programme, describe_all, format_time, parse_time};
use dateline_store::{NewProgramme, Store, StoreError};
use dateline_web::Clock;

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Add a programme to the weekly schedule.
    Add(AddArgs),
    /// List the schedule.
    List(ListArgs),
    /// Change a programme's title, days, times, presenter or description (what is not given
    /// stays as it is).
    Edit(EditArgs),
    /// Remove a programme by its id (see `list`).
    Remove(RemoveArgs),
    /// Have a programme air from a playlist, or from none (`--none`).
    SetPlaylist(SetPlaylistArgs),
}

#[derive(Debug, Args)]
#[group(id = "airs_from", required = true, multiple = false, args = ["playlist", "none"])]
pub struct SetPlaylistArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The programme's id, as `list` shows it.
    #[arg(long)]
    pub id: i64,
    /// The playlist it airs from, by name (see `dateline playlist list`).
    #[arg(long)]
    pub playlist: Option<String>,
    /// It airs from no playlist (a live programme).
    #[arg(long)]
    pub none: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The programme's title, e.g. "The Breakfast Show".
    #[arg(long)]
    pub title: String,
    /// Days it airs: mon-fri, sat,sun, mon,wed,fri, weekdays, weekends or daily.
    #[arg(long)]
    pub days: String,
    /// Start, 24-hour local time: 07:00.
    #[arg(long)]
    pub start: String,
    /// End, 24-hour local time: 09:00 (at or before the start: it runs past midnight).
    #[arg(long)]
    pub end: String,
    /// Who presents it.
    #[arg(long, default_value = "")]
    pub presenter: String,
    /// One or two sentences about it.
    #[arg(long, default_value = "")]
    pub description: String,
    /// A pre-recorded programme: the playlist it airs from, by name (see `dateline playlist
    /// list`). Mounts of the playlist's format with no source connected play it at its time.
    #[arg(long)]
    pub playlist: Option<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The programme's id, as `list` shows it.
    #[arg(long)]
    pub id: i64,
    #[arg(long)]
    pub title: Option<String>,
    /// Days it airs: mon-fri, sat,sun, mon,wed,fri, weekdays, weekends or daily.
    #[arg(long)]
    pub days: Option<String>,
    /// Start, 24-hour local time: 07:00.
    #[arg(long)]
    pub start: Option<String>,
    /// End, 24-hour local time (at or before the start: it runs past midnight).
    #[arg(long)]
    pub end: Option<String>,
    #[arg(long)]
    pub presenter: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The programme's id, as `list` shows it.
    #[arg(long)]
    pub id: i64,
}

pub async fn run(command: ScheduleCommand) -> anyhow::Result<()> {
    match command {
        ScheduleCommand::Add(args) => add(args).await,
        ScheduleCommand::List(args) => list(args).await,
        ScheduleCommand::Edit(args) => edit(args).await,
        ScheduleCommand::Remove(args) => remove(args).await,
        ScheduleCommand::SetPlaylist(args) => set_playlist(args).await,
    }
}

/// A store error as the operator reads it: an overlap names the programmes in the way.
fn refused(e: StoreError, doing: &'static str) -> anyhow::Error {
    match e {
        StoreError::Overlaps(others) => anyhow::anyhow!(
            "the programme is not saved: it overlaps {}; one programme airs at a time, so \
             change its days or times (`dateline schedule list` shows the schedule)",
            describe_all(&others)
        ),
        e => anyhow::Error::new(e).context(doing),
    }
}

/// The id of the playlist called `name`, or a sentence saying there is none.
async fn playlist_id(store: &Store, name: &PlaylistName) -> anyhow::Result<i64> {
    match store.playlist_named(name).await {
        Ok(p) => Ok(p.id),
        Err(StoreError::NotFound) => bail!(
            "there is no playlist called {name}; `dateline playlist list` shows them, and \
             `dateline playlist add --playlist {name} --format mp3 FILE…` makes it"
        ),
        Err(e) => Err(e).context("reading the playlist"),
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn set_playlist(args: SetPlaylistArgs) -> anyhow::Result<()> {
    let name = args
        .playlist
        .as_deref()
        .map(PlaylistName::parse)
        .transpose()?;
    let store = open(&args.store).await?;
    let done = async {
        let playlist = match &name {
            Some(n) => Some(playlist_id(&store, n).await?),
            None => None,
        };
        match store.set_programme_playlist(args.id, playlist).await {
            Ok(p) => {
                match &p.playlist {
                    Some(n) => println!("programme {} airs from the playlist {n}", p.id),
                    None => println!("programme {} airs from no playlist", p.id),
                }
                Ok(())
            }
            Err(StoreError::NotFound) => bail!(
                "there is no programme {}; `dateline schedule list` shows their ids",
                args.id
            ),
            Err(e) => Err(e).context("changing the programme"),
        }
    }
    .await;
    store.close().await;
    done
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn add(args: AddArgs) -> anyhow::Result<()> {
    // Every mistake is found before the database is opened.
    let days = Days::parse(&args.days)?;
    let starts = parse_time(&args.start)?;
    let ends = parse_time(&args.end)?;
    Programme::check(&args.title, days, starts, ends)?;
    let name = args
        .playlist
        .as_deref()
        .map(PlaylistName::parse)
        .transpose()?;
    let store = open(&args.store).await?;
    let created = async {
        let playlist_id = match &name {
            Some(n) => Some(playlist_id(&store, n).await?),
            None => None,
        };
        store
            .create_programme(
                NewProgramme {
                    title: args.title,
                    presenter: args.presenter,
                    description: args.description,
                    days,
                    starts,
                    ends,
                    playlist_id,
                },
                Clock::System.now(),
            )
            .await
            .map_err(|e| refused(e, "adding the programme"))
    }
    .await;
    store.close().await;
    let p = created?;
    println!(
        "added programme {}: {} {}–{} {}{}",
        p.id,
        p.days,
        format_time(p.starts),
        format_time(p.ends),
        p.title,
        p.playlist
            .map(|n| format!(", from the playlist {n}"))
            .unwrap_or_default()
    );
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn edit(args: EditArgs) -> anyhow::Result<()> {
    // The words are checked before the database is opened.
    let days = args.days.as_deref().map(Days::parse).transpose()?;
    let starts = args.start.as_deref().map(parse_time).transpose()?;
    let ends = args.end.as_deref().map(parse_time).transpose()?;
    let store = open(&args.store).await?;
    let saved = async {
        let was = match store.programme(args.id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => bail!(
                "there is no programme {}; `dateline schedule list` shows their ids",
                args.id
            ),
            Err(e) => return Err(e).context("reading the programme"),
        };
        let playlist_id = match &was.playlist {
            Some(n) => Some(playlist_id(&store, n).await?),
            None => None,
        };
        let new = NewProgramme {
            title: args.title.unwrap_or(was.title),
            presenter: args.presenter.unwrap_or(was.presenter),
            description: args.description.unwrap_or(was.description),
            days: days.unwrap_or(was.days),
            starts: starts.unwrap_or(was.starts),
            ends: ends.unwrap_or(was.ends),
            playlist_id,
        };
        Programme::check(&new.title, new.days, new.starts, new.ends)?;
        match store.update_programme(args.id, new).await {
            Err(StoreError::NotFound) => bail!(
                "there is no programme {}; `dateline schedule list` shows their ids",
                args.id
            ),
            other => other.map_err(|e| refused(e, "saving the programme")),
        }
    }
    .await;
    store.close().await;
    let p = saved?;
    println!(
        "saved programme {}: {} {}–{} {}",
        p.id,
        p.days,
        format_time(p.starts),
        format_time(p.ends),
        p.title
    );
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list(args: ListArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let programmes = store.programmes().await;
    store.close().await;
    let programmes = programmes.context("listing the schedule")?;
    if programmes.is_empty() {
        println!(
            "no programmes; add one with `dateline schedule add --title T --days mon-fri --start 07:00 --end 09:00`"
        );
        return Ok(());
    }
    println!(
        "{:>5}  {:<16} {:<5} {:<5} {:<24} {:<20} TITLE",
        "ID", "DAYS", "START", "END", "PRESENTER", "PLAYLIST"
    );
    for p in programmes {
        println!(
            "{:>5}  {:<16} {:<5} {:<5} {:<24} {:<20} {}",
            p.id,
            p.days.to_string(),
            format_time(p.starts),
            format_time(p.ends),
            p.presenter,
            p.playlist.as_ref().map_or("-", |n| n.as_str()),
            p.title
        );
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn remove(args: RemoveArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let removed = store.delete_programme(args.id).await;
    store.close().await;
    match removed {
        Ok(()) => {
            println!("removed programme {}", args.id);
            Ok(())
        }
        Err(StoreError::NotFound) => bail!(
            "there is no programme {}; `dateline schedule list` shows their ids",
            args.id
        ),
        Err(e) => Err(e).context("removing the programme"),
    }
}
