//! `dateline mount add|list|remove|password`: the live audio mounts a source (ffmpeg, butt,
//! ezstream…) can stream to and listeners can tune in to.
//!
//! A source password is hashed (Argon2id) before it is stored and is never printed or logged;
//! `--password -` reads it from standard input so it stays out of the process list and the
//! shell's history. A running server reads a mount afresh at each source connect, so changes
//! apply without a restart from the next connect on.

use crate::config::{self, StoreArgs};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_core::live::{
    AudioFormat, DEFAULT_BURST_BYTES, DEFAULT_QUEUE_BYTES, MountPath, Upstream, check_mount,
};
use dateline_store::{NewMount, Store, StoreError};
use dateline_web::Clock;
use std::fmt;
use std::io::BufRead;

#[derive(Debug, Subcommand)]
pub enum MountCommand {
    /// Add a mount.
    Add(AddArgs),
    /// List the mounts (never their passwords).
    List(ListArgs),
    /// Remove a mount.
    Remove(RemoveArgs),
    /// Give a mount a new source password (a mount imported from an export has none).
    Password(PasswordArgs),
}

/// A password from the command line: `Debug` prints `***`.
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for Password {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Password(s.to_owned()))
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Public path of the stream: /live/NAME, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
    /// The source password (user `source`); `-` reads it from standard input.
    #[arg(long)]
    pub password: Password,
    /// Station name listeners see. [default: what the source calls itself]
    #[arg(long, default_value = "")]
    pub name: String,
    /// Audio format, passed through unchanged: mp3, aac (ADTS) or ogg (Vorbis, Opus).
    #[arg(long, default_value = "mp3")]
    pub format: String,
    /// Most listeners at once. [default: no limit]
    #[arg(long)]
    pub max_listeners: Option<u32>,
    /// Mount whose stream listeners get while this one's source is away.
    #[arg(long)]
    pub fallback: Option<String>,
    /// Recent audio a new listener gets at once, so playback starts without waiting.
    #[arg(long, default_value_t = DEFAULT_BURST_BYTES)]
    pub burst_bytes: u32,
    /// How far a listener may fall behind before it is dropped.
    #[arg(long, default_value_t = DEFAULT_QUEUE_BYTES)]
    pub queue_bytes: u32,
    /// Relay this upstream while the mount has listeners (Icecast's on-demand relay), e.g.
    /// http://user:password@icecast.internal:8000/stream; every node pulls it on its own.
    #[arg(long)]
    pub relay_from: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The mount's path, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
    /// The new password sources send as user `source`; `-` reads it from standard input.
    #[arg(long)]
    pub password: Password,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The mount's path, e.g. /live/radio.mp3.
    #[arg(long)]
    pub path: String,
}

pub async fn run(command: MountCommand) -> anyhow::Result<()> {
    match command {
        MountCommand::Add(args) => add(args).await,
        MountCommand::List(args) => list(args).await,
        MountCommand::Remove(args) => remove(args).await,
        MountCommand::Password(args) => password(args).await,
    }
}

pub(crate) async fn open(args: &StoreArgs) -> anyhow::Result<Store> {
    let (data, database) = config::store_location(args)?;
    if database.starts_with("sqlite:") {
        tokio::fs::create_dir_all(&data)
            .await
            .with_context(|| format!("creating the data folder {}", data.display()))?;
    }
    Store::open(&database).await.context("opening the database")
}

fn read_password(given: Password) -> anyhow::Result<String> {
    let password = if given.0 == "-" {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        given.0
    };
    if password.is_empty() {
        bail!("the source password must not be empty");
    }
    Ok(password)
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn add(args: AddArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let format: AudioFormat = args.format.parse()?;
    let fallback = args.fallback.as_deref().map(MountPath::parse).transpose()?;
    let relay_from = args
        .relay_from
        .as_deref()
        .map(Upstream::parse)
        .transpose()
        .context("checking --relay-from")?;
    check_mount(
        &path,
        args.max_listeners,
        fallback.as_ref(),
        args.burst_bytes,
        args.queue_bytes,
    )?;
    let password = read_password(args.password)?;
    // Argon2 is deliberately slow: keep it off the async threads.
    let hash = tokio::task::spawn_blocking(move || dateline_web::live::hash_password(&password))
        .await
        .context("hashing the password")??;
    let store = open(&args.store).await?;
    let created = store
        .create_live_mount(
            NewMount {
                path: path.clone(),
                name: args.name.trim().to_owned(),
                format,
                source_password_hash: hash,
                max_listeners: args.max_listeners,
                fallback,
                burst_bytes: args.burst_bytes,
                queue_bytes: args.queue_bytes,
                relay_from,
            },
            Clock::System.now(),
        )
        .await;
    store.close().await;
    match created {
        Ok(m) => {
            println!(
                "added {} ({}); sources connect as user `source`",
                m.path, m.format
            );
            Ok(())
        }
        Err(StoreError::Taken(_)) => {
            bail!("a mount already exists at {path}; remove it first to change it")
        }
        Err(e) => Err(e).context("adding the mount"),
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list(args: ListArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let mounts = store.live_mounts().await;
    store.close().await;
    let mounts = mounts.context("listing the mounts")?;
    if mounts.is_empty() {
        println!(
            "no mounts; add one with `dateline mount add --path /live/radio.mp3 --password -`"
        );
        return Ok(());
    }
    println!(
        "{:<32} {:<6} {:>13} {:>10} {:>10}  {:<24} NAME",
        "PATH", "FORMAT", "MAX LISTENERS", "BURST", "QUEUE", "FALLBACK"
    );
    for m in mounts {
        println!(
            "{:<32} {:<6} {:>13} {:>10} {:>10}  {:<24} {}",
            m.path.as_str(),
            m.format.as_str(),
            m.max_listeners.map_or("-".to_owned(), |n| n.to_string()),
            m.burst_bytes,
            m.queue_bytes,
            m.fallback.as_ref().map_or("-", |f| f.as_str()),
            m.name,
        );
        if let Some(up) = &m.relay_from {
            // Display hides a password the URL holds.
            println!("{:<32} relays {up} while it has listeners", "");
        }
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn remove(args: RemoveArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let store = open(&args.store).await?;
    let removed = store.delete_live_mount(&path).await;
    store.close().await;
    match removed {
        Ok(()) => {
            println!("removed {path}; a source on air there keeps going until it disconnects");
            Ok(())
        }
        Err(StoreError::NotFound) => bail!("there is no mount at {path}"),
        Err(e) => Err(e).context("removing the mount"),
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn password(args: PasswordArgs) -> anyhow::Result<()> {
    let path = MountPath::parse(&args.path)?;
    let password = read_password(args.password)?;
    // Argon2 is deliberately slow: keep it off the async threads.
    let hash = tokio::task::spawn_blocking(move || dateline_web::live::hash_password(&password))
        .await
        .context("hashing the password")??;
    let store = open(&args.store).await?;
    let set = store.set_live_mount_password(&path, &hash).await;
    store.close().await;
    match set {
        Ok(()) => {
            println!("{path} has a new source password; a source on air keeps going");
            Ok(())
        }
        Err(StoreError::NotFound) => bail!("there is no mount at {path}"),
        Err(e) => Err(e).context("setting the mount's password"),
    }
}
