//! `dateline provider add|list|remove`: the OpenID Connect providers readers can comment
//! through ("Comment via <label>").
//!
//! The client secret is read from standard input (never a flag, so it stays out of the process
//! list and the shell's history), stored for the site to present to the provider, and never
//! printed or logged.

use crate::config::StoreArgs;
use crate::mounts::open;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_core::secret::Secret;
use dateline_store::StoreError;
use dateline_web::Clock;
use std::io::BufRead;

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Add a provider; the client secret is read from standard input.
    Add(AddArgs),
    /// List the providers (never their secrets).
    List(ListArgs),
    /// Remove a provider (its readers keep their accounts; their links to it go).
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The button's label: "Comment via LABEL", e.g. Facebook.
    #[arg(long)]
    pub label: String,
    /// The issuer URL; its /.well-known/openid-configuration is read at sign-in.
    #[arg(long)]
    pub issuer: String,
    /// The client id the provider gave this site.
    #[arg(long)]
    pub client_id: String,
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
    #[arg(long)]
    pub label: String,
}

pub async fn run(command: ProviderCommand) -> anyhow::Result<()> {
    match command {
        ProviderCommand::Add(args) => add(args).await,
        ProviderCommand::List(args) => list(args).await,
        ProviderCommand::Remove(args) => remove(args).await,
    }
}

/// A label: a word or two a button can show (the newsroom's settings check it the same way).
fn check_label(label: &str) -> anyhow::Result<String> {
    use dateline_core::provider::ProviderError;
    dateline_core::provider::check_label(label).map_err(|e| match e {
        ProviderError::LabelLength => anyhow::anyhow!("{e}, e.g. --label Facebook"),
        other => other.into(),
    })
}

/// An issuer: an https URL (http only for this machine, for tests and development).
fn check_issuer(issuer: &str) -> anyhow::Result<String> {
    Ok(dateline_core::provider::check_issuer(issuer)?)
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn add(args: AddArgs) -> anyhow::Result<()> {
    let label = check_label(&args.label)?;
    let issuer = check_issuer(&args.issuer)?;
    let client_id = args.client_id.trim().to_owned();
    if client_id.is_empty() {
        bail!("the client id must not be empty");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the client secret from standard input")?;
    let secret = Secret::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if secret.expose().is_empty() {
        bail!("the client secret (on standard input) must not be empty");
    }
    let store = open(&args.store).await?;
    match store
        .add_provider(&label, &issuer, &client_id, &secret, Clock::System.now())
        .await
    {
        Ok(p) => println!("added provider {} ({})", p.label, p.issuer),
        Err(StoreError::Taken(_)) => bail!("a provider is already labelled {label:?}"),
        Err(e) => return Err(e).context("adding the provider"),
    }
    store.close().await;
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list(args: ListArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    let providers = store.providers().await.context("listing the providers")?;
    if providers.is_empty() {
        println!("no providers");
    }
    for p in providers {
        println!("{}\t{}\t{}", p.label, p.issuer, p.client_id);
    }
    store.close().await;
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn remove(args: RemoveArgs) -> anyhow::Result<()> {
    let store = open(&args.store).await?;
    match store.remove_provider(args.label.trim()).await {
        Ok(()) => println!("removed provider {}", args.label.trim()),
        Err(StoreError::NotFound) => bail!("no provider is labelled {:?}", args.label.trim()),
        Err(e) => return Err(e).context("removing the provider"),
    }
    store.close().await;
    Ok(())
}
