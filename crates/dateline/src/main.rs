//! The `dateline` binary: command-line parsing, configuration, start-up and shutdown. It wires
//! the store, the theme and the web layer together and owns every background task.

use clap::Parser;
use dateline::{
    backup, config, import, jobs, media, migrate, mounts, playlists, providers, redirects, reindex,
    schedule, serve, users,
};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a page render allocates thousands of small values
/// (database rows, template values), where glibc's malloc and free were a measurable share of
/// the time (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = config::Cli::parse();
    config::init_logging(cli.log.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dateline: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            config::Command::Serve(args) => serve::run(args).await,
            config::Command::Mount(cmd) => mounts::run(cmd).await,
            config::Command::Playlist(cmd) => playlists::run(cmd).await,
            config::Command::Provider(cmd) => providers::run(cmd).await,
            config::Command::Schedule(cmd) => schedule::run(cmd).await,
            config::Command::User(cmd) => users::run(cmd).await,
            config::Command::Token(cmd) => users::run_token(cmd).await,
            config::Command::Reindex(args) => reindex::run(args).await,
            config::Command::Jobs(cmd) => jobs::run(cmd).await,
            config::Command::Media(cmd) => media::run(cmd).await,
            config::Command::Import(cmd) => import::run(cmd).await,
            config::Command::Redirects(cmd) => redirects::run(cmd).await,
            config::Command::Backup(args) => backup::run(args).await,
            config::Command::Restore(args) => backup::restore(args).await,
            config::Command::Migrate(args) => migrate::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the context chain on one line: "opening the database: …".
            eprintln!("dateline: {e:#}");
            ExitCode::from(1)
        }
    }
}
