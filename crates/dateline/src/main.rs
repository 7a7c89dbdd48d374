//! The `dateline` binary: command-line parsing, configuration, start-up and shutdown. It wires
//! the store, the theme and the web layer together and owns every background task.

use clap::Parser;
use dateline::{
    backup, config, export, import, jobs, mail, media, migrate, mounts, playlists, providers,
    redirects, reindex, schedule, serve, users,
};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a page render allocates thousands of small values
/// (database rows, template values), where glibc's malloc and free were a measurable share of
/// the time (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turn transparent huge pages off for this process before it allocates much. mimalloc asks
/// the kernel for huge pages on its arenas (`MADV_HUGEPAGE`), so every 2 MiB region it touches
/// becomes resident whole: a demo site idled at 104 MiB of which 70 MiB were huge pages, and
/// at 53 MiB without them, with the same cached-page throughput (docs/benchmarks.md,
/// "Newsletters"). Done here rather than through `MIMALLOC_ALLOW_THP=0` because mimalloc reads
/// its options before `main`, from the environment an operator controls. A kernel without
/// the call (or a sandbox that refuses it) only costs the memory, so an error is ignored.
fn keep_to_small_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// A command ready to run: `serve` with its settings checked, or any other.
enum Run {
    Serve(Box<config::Settings>),
    Other(Box<config::Command>),
}

fn main() -> ExitCode {
    keep_to_small_pages();
    let cli = config::Cli::parse();
    // `serve` reads its configuration before logging starts: the file may ask for JSON lines.
    let (command, format) = match cli.command {
        config::Command::Serve(args) => match config::resolve(args, cli.log_format) {
            Ok(settings) => {
                let format = settings.log_format;
                (Run::Serve(Box::new(settings)), format)
            }
            Err(e) => {
                eprintln!("dateline: {e:#}");
                return ExitCode::from(1);
            }
        },
        other => (
            Run::Other(Box::new(other)),
            cli.log_format.unwrap_or_default(),
        ),
    };
    config::init_logging(cli.log.as_deref(), format);
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
        let command = match command {
            Run::Serve(settings) => return serve::run(*settings).await,
            Run::Other(command) => *command,
        };
        match command {
            config::Command::Serve(_) => Err(anyhow::anyhow!(
                "serve was resolved before the runtime started"
            )),
            config::Command::Mount(cmd) => mounts::run(cmd).await,
            config::Command::Playlist(cmd) => playlists::run(cmd).await,
            config::Command::Provider(cmd) => providers::run(cmd).await,
            config::Command::Schedule(cmd) => schedule::run(cmd).await,
            config::Command::User(cmd) => users::run(cmd).await,
            config::Command::Token(cmd) => users::run_token(cmd).await,
            config::Command::Mail(cmd) => mail::run(cmd).await,
            config::Command::Reindex(args) => reindex::run(args).await,
            config::Command::Jobs(cmd) => jobs::run(cmd).await,
            config::Command::Media(cmd) => media::run(cmd).await,
            config::Command::Import(cmd) => import::run(cmd).await,
            config::Command::Redirects(cmd) => redirects::run(cmd).await,
            config::Command::Backup(args) => backup::run(args).await,
            config::Command::Restore(args) => backup::restore(args).await,
            config::Command::Migrate(args) => migrate::run(args).await,
            config::Command::Export(args) => export::run_export(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the context chain on one line: "opening the database: …".
            eprintln!("dateline: {e:#}");
            // A command that speaks to an MTA answers in sysexits.h codes.
            match e.downcast_ref::<mail::Exit>() {
                Some(exit) => ExitCode::from(exit.code),
                None => ExitCode::from(1),
            }
        }
    }
}
