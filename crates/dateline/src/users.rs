//! `dateline user add|list|set-role|reset-password|disable|enable` and `dateline token create`:
//! the operator's tools for newsroom accounts, working on the database directly (the first
//! admin of a fresh site is made here).
//!
//! A password is read from standard input when `--password-stdin` is given or standard input
//! is not a terminal (so it stays out of the process list and the shell's history); otherwise
//! one is generated and printed once. Passwords are hashed (Argon2id) before they are stored
//! and are never logged. Disabling an account or resetting its password ends its sessions at
//! once and revokes its API tokens, unless `--keep-tokens` says the tokens stay.

use crate::config::{self, StoreArgs};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dateline_core::account::{Account, Email, check_password};
use dateline_core::permissions::Role;
use dateline_core::secret::Secret;
use dateline_store::{ApiTokens, NewAccount, Store, StoreError};
use dateline_web::Clock;
use dateline_web::newsroom::credentials;
use std::io::{BufRead, IsTerminal};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a newsroom account.
    Add(AddArgs),
    /// List the accounts (never their passwords).
    List(ListArgs),
    /// Change an account's role.
    SetRole(SetRoleArgs),
    /// Give an account a new password, ending its sessions and revoking its API tokens.
    ResetPassword(PasswordArgs),
    /// Disable an account: it cannot sign in, its sessions end and its API tokens are revoked.
    Disable(DisableArgs),
    /// Enable a disabled account again (revoked API tokens stay revoked).
    Enable(EmailArgs),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account; it is printed once and stored only as a hash.
    Create(TokenArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Email address the person signs in with.
    #[arg(long)]
    pub email: String,
    /// Name shown in the newsroom and in bylines.
    #[arg(long)]
    pub name: String,
    /// contributor, author, moderator, editor or admin.
    #[arg(long)]
    pub role: String,
    /// Read the password from standard input (the default when it is not a terminal).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct SetRoleArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub email: String,
    /// contributor, author, moderator, editor or admin.
    #[arg(long)]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub email: String,
    /// Read the password from standard input (the default when it is not a terminal).
    #[arg(long)]
    pub password_stdin: bool,
    /// Keep the account's API tokens working (they are revoked otherwise).
    #[arg(long)]
    pub keep_tokens: bool,
}

#[derive(Debug, Args)]
pub struct DisableArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub email: String,
    /// Keep the account's API tokens (they work again if the account is enabled); they are
    /// revoked otherwise.
    #[arg(long)]
    pub keep_tokens: bool,
}

#[derive(Debug, Args)]
pub struct EmailArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The account the token acts as.
    #[arg(long)]
    pub email: String,
    /// What the token is for, so its owner recognises it later.
    #[arg(long, default_value = "")]
    pub label: String,
    /// What the token may do: `full` acts with the account's role; `mail-events` may only
    /// post bounces and complaints to /api/v1/mail/events (give this one to a mail
    /// provider).
    #[arg(long, default_value = "full", value_parser = ["full", "mail-events"])]
    pub scope: String,
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => add(args).await,
        UserCommand::List(args) => list(args).await,
        UserCommand::SetRole(args) => set_role(args).await,
        UserCommand::ResetPassword(args) => reset_password(args).await,
        UserCommand::Disable(args) => disable(args).await,
        UserCommand::Enable(args) => enable(args).await,
    }
}

pub async fn run_token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create(args) => create_token(args).await,
    }
}

async fn open(args: &StoreArgs) -> anyhow::Result<Store> {
    let (data, database) = config::store_location(args)?;
    if database.starts_with("sqlite:") {
        tokio::fs::create_dir_all(&data)
            .await
            .with_context(|| format!("creating the data folder {}", data.display()))?;
    }
    Store::open(&database).await.context("opening the database")
}

fn role(s: &str) -> anyhow::Result<Role> {
    Ok(s.parse::<Role>()?)
}

fn email(s: &str) -> anyhow::Result<Email> {
    Ok(Email::parse(s)?)
}

/// The password to set, and whether it was generated (and so must be shown).
fn password(from_stdin: bool) -> anyhow::Result<(Secret<String>, bool)> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = Secret::new(line.trim_end_matches(['\r', '\n']).to_owned());
        if password.expose().is_empty() {
            bail!(
                "no password on standard input: pipe one in, or run the command in a terminal \
                 to have one generated"
            );
        }
        check_password(password.expose())?;
        Ok((password, false))
    } else {
        Ok((credentials::new_password()?, true))
    }
}

async fn hash(password: Secret<String>) -> anyhow::Result<String> {
    // Argon2 is deliberately slow: keep it off the async threads.
    credentials::hash_password_off_thread(password)
        .await
        .context("hashing the password")
}

/// Find an account or say plainly that there is none.
async fn find(store: &Store, email: &Email) -> anyhow::Result<Account> {
    match store.account_by_email(email).await {
        Ok(a) => Ok(a),
        Err(StoreError::NotFound) => bail!("there is no account with the email {email}"),
        Err(e) => Err(e).context("finding the account"),
    }
}

/// Run `f` with an open store and close it whatever happened (SQLite checkpoints on close).
async fn with_store<T>(
    args: &StoreArgs,
    f: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = open(args).await?;
    let out = f(&store).await;
    store.close().await;
    out
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer, and a generated password, go to standard output"
)]
async fn add(args: AddArgs) -> anyhow::Result<()> {
    let email = email(&args.email)?;
    let role = role(&args.role)?;
    let name = args.name.trim().to_owned();
    if name.is_empty() {
        bail!("the name must not be empty: it is shown in the newsroom and in bylines");
    }
    let (password, generated) = password(args.password_stdin)?;
    let shown = generated.then(|| password.clone());
    let password_hash = hash(password).await?;
    let created = with_store(&args.store, async |store| {
        match store
            .create_account(
                NewAccount {
                    email: email.clone(),
                    name,
                    role,
                    password_hash,
                },
                Clock::System.now(),
            )
            .await
        {
            Ok(a) => Ok(a),
            Err(StoreError::Taken(_)) => {
                bail!("an account with the email {email} already exists")
            }
            Err(e) => Err(e).context("adding the account"),
        }
    })
    .await?;
    println!(
        "added {} ({}, {})",
        created.email, created.name, created.role
    );
    if let Some(p) = shown {
        println!(
            "password (shown once, ask them to change it): {}",
            p.expose()
        );
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn list(args: ListArgs) -> anyhow::Result<()> {
    let accounts = with_store(&args.store, async |store| {
        store.accounts().await.context("listing the accounts")
    })
    .await?;
    if accounts.is_empty() {
        println!(
            "no accounts; add an admin with `dateline user add --email you@example.com \
             --name \"Your Name\" --role admin`"
        );
        return Ok(());
    }
    println!("{:<40} {:<12} {:<9} NAME", "EMAIL", "ROLE", "STATUS");
    for a in accounts {
        println!(
            "{:<40} {:<12} {:<9} {}",
            a.email.as_str(),
            a.role.as_str(),
            if a.disabled { "disabled" } else { "active" },
            a.name
        );
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn set_role(args: SetRoleArgs) -> anyhow::Result<()> {
    let email = email(&args.email)?;
    let role = role(&args.role)?;
    let changed = with_store(&args.store, async |store| {
        let a = find(store, &email).await?;
        store
            .set_role(a.id, role)
            .await
            .context("changing the role")
    })
    .await?;
    println!("{} is now {}", changed.email, changed.role);
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer, and a generated password, go to standard output"
)]
async fn reset_password(args: PasswordArgs) -> anyhow::Result<()> {
    let email = email(&args.email)?;
    let (password, generated) = password(args.password_stdin)?;
    let shown = generated.then(|| password.clone());
    let password_hash = hash(password).await?;
    let tokens = tokens(args.keep_tokens);
    let changed = with_store(&args.store, async |store| {
        let a = find(store, &email).await?;
        store
            .set_password_hash(a.id, password_hash, tokens)
            .await
            .context("changing the password")
    })
    .await?;
    println!(
        "changed the password of {}; their sessions have ended{}",
        changed.email,
        tokens_said(tokens)
    );
    if let Some(p) = shown {
        println!(
            "password (shown once, ask them to change it): {}",
            p.expose()
        );
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn disable(args: DisableArgs) -> anyhow::Result<()> {
    let email = email(&args.email)?;
    let tokens = tokens(args.keep_tokens);
    let changed = with_store(&args.store, async |store| {
        let a = find(store, &email).await?;
        store
            .set_disabled(a.id, true, tokens)
            .await
            .context("changing the account")
    })
    .await?;
    println!(
        "disabled {}; their sessions have ended{} and they cannot sign in",
        changed.email,
        tokens_said(tokens)
    );
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
async fn enable(args: EmailArgs) -> anyhow::Result<()> {
    let email = email(&args.email)?;
    let changed = with_store(&args.store, async |store| {
        let a = find(store, &email).await?;
        store
            .set_disabled(a.id, false, ApiTokens::Keep)
            .await
            .context("changing the account")
    })
    .await?;
    println!("enabled {}; they can sign in again", changed.email);
    Ok(())
}

/// The API tokens' fate: revoked now unless the operator said `--keep-tokens`.
fn tokens(keep: bool) -> ApiTokens {
    if keep {
        ApiTokens::Keep
    } else {
        ApiTokens::RevokeAt(Clock::System.now())
    }
}

fn tokens_said(tokens: ApiTokens) -> &'static str {
    match tokens {
        ApiTokens::Keep => ", their API tokens were kept",
        ApiTokens::RevokeAt(_) => ", their API tokens have been revoked",
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer, the token, goes to standard output"
)]
async fn create_token(args: TokenArgs) -> anyhow::Result<()> {
    let email = email(&args.email)?;
    let token = credentials::new_token()?;
    let digest = credentials::token_hash(token.expose());
    let scoped = args.scope == "mail-events";
    let mut label = args.label.trim().to_owned();
    if scoped && label.is_empty() {
        label = "mail events".to_owned();
    }
    let owner = with_store(&args.store, async |store| {
        let a = find(store, &email).await?;
        if a.disabled {
            bail!("the account {email} is disabled; enable it first");
        }
        if scoped {
            store
                .create_mail_events_token(a.id, &digest, &label, Clock::System.now())
                .await
                .context("storing the token")?;
        } else {
            store
                .create_api_token(a.id, &digest, &label, Clock::System.now())
                .await
                .context("storing the token")?;
        }
        Ok(a)
    })
    .await?;
    // The token alone on standard output, so `TOKEN=$(dateline token create …)` works; the
    // sentence for the person at the terminal on standard error.
    if scoped {
        eprintln!(
            "API token for {}, shown once; it may only post mail events (bounces, complaints) \
             to /api/v1/mail/events:",
            owner.email
        );
    } else {
        eprintln!(
            "API token for {} ({}), shown once; it acts with their role:",
            owner.email, owner.role
        );
    }
    println!("{}", token.expose());
    Ok(())
}
