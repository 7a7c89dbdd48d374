//! `dateline migrate --from DATA --to postgres://…`: move a site from the embedded SQLite
//! database to PostgreSQL. It copies every row of every table, read in one snapshot of the
//! SQLite database, into an empty PostgreSQL database in one transaction (so a failure leaves
//! it empty), moves the id sequences past the copied ids, and then compares every table's row
//! count and checksum on both sides.
//!
//! It never writes into a database that already has tables, and never prints the URL (it may
//! hold a password). Media files, `dateline.toml` and the search index stay in the data folder:
//! serve the site with `--data DATA --database postgres://…`.

use crate::config;
use anyhow::{Context, bail};
use clap::Args;
use dateline_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The data folder of the SQLite site to copy (its `dateline.db`).
    #[arg(long, value_name = "DATA_DIR")]
    pub from: PathBuf,
    /// An empty PostgreSQL database to copy it into.
    #[arg(long, value_name = "URL")]
    pub to: String,
}

#[expect(
    clippy::print_stdout,
    reason = "the command's answer goes to standard output"
)]
pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if !(args.to.starts_with("postgres://") || args.to.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL of an empty database");
    }
    let db = args.from.join("dateline.db");
    if !db.is_file() {
        bail!(
            "there is no SQLite database at {}: --from names the site's data folder",
            db.display()
        );
    }
    let existing = dateline_store::tables_at(&args.to)
        .await
        .context("connecting to the --to database")?;
    if !existing.is_empty() {
        bail!(
            "the --to database is not empty (it has {} tables: {}…): migrate copies into an \
             empty database only; create a new one (createdb) and run it again",
            existing.len(),
            existing[0]
        );
    }
    let source = Store::open(&config::sqlite_url(&db))
        .await
        .context("opening the SQLite database")?;
    let target = match Store::open(&args.to)
        .await
        .context("creating the schema in the PostgreSQL database")
    {
        Ok(t) => t,
        Err(e) => {
            source.close().await;
            return Err(e);
        }
    };
    let result = copy(&source, &target).await;
    source.close().await;
    target.close().await;
    let (tables, rows) = result?;
    println!(
        "copied {tables} tables ({rows} rows) from {} to PostgreSQL in {:.1} s; every table's \
         row count and checksum match. Serve it with --data {} --database <the URL>: media \
         files, dateline.toml and the search index stay in the data folder",
        db.display(),
        started.elapsed().as_secs_f64(),
        args.from.display()
    );
    Ok(())
}

async fn copy(source: &Store, target: &Store) -> anyhow::Result<(usize, u64)> {
    let mut snap = source.snapshot().await?;
    let mut last = Instant::now();
    let mut current = String::new();
    target
        .copy_from(&mut snap, |table, done, total| {
            let changed = current != table;
            if changed || done == total || last.elapsed().as_millis() >= 500 {
                if changed && !current.is_empty() {
                    eprintln!();
                }
                current = table.to_owned();
                last = Instant::now();
                eprint!("\rdateline migrate: {table}: {done}/{total} rows");
                let _ = std::io::stderr().flush();
            }
        })
        .await
        .context("copying the rows (the PostgreSQL database was left empty)")?;
    eprintln!();
    eprintln!("dateline migrate: checking every table's row count and checksum");
    let want = snap.sums().await?;
    snap.finish().await?;
    let mut check = target.snapshot().await?;
    let got = check.sums().await?;
    check.finish().await?;
    crate::backup::compare(&want, &got, "the PostgreSQL copy")?;
    Ok((want.len(), want.values().map(|t| t.rows).sum()))
}
