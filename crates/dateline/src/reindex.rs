//! `dateline reindex`: rebuild this node's search index (`DATA/search/`) from the database,
//! with progress on standard error. The server rebuilds a missing or broken index by itself at
//! start; this is for an operator who wants a fresh one now (after restoring a backup, say).
//!
//! Then it ranks the related list (`related_lists`, in the database) of every published story
//! that has none, or of every one with `--rerank`; the server would otherwise work through
//! missing lists in the background.
//!
//! The index allows one writer: run it while `dateline serve` is stopped on this node.

use crate::config::{self, StoreArgs};
use anyhow::Context;
use clap::Args;
use dateline_search::{Opened, SearchIndex};
use dateline_store::Store;
use dateline_web::Clock;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Rank every published story's related list again, not only those without one (the lists
    /// live in the database, so a rebuilt index does not need it).
    #[arg(long)]
    pub rerank: bool,
}

pub async fn run(args: ReindexArgs) -> anyhow::Result<()> {
    let (data, database) = config::store_location(&args.store)?;
    let (store, index) = rebuild_search(&data, &database).await?;
    let ranked = rank_related(&store, &index, args.rerank).await;
    store.close().await;
    ranked?;
    Ok(())
}

/// Rank the related list of every published story that has none (`all`: of every one), with
/// progress on standard error; how many were ranked. `dateline reindex` and `dateline import
/// dateline` (whose export may lack some lists) share it.
pub async fn rank_related(
    store: &Store,
    index: &Arc<SearchIndex>,
    all: bool,
) -> anyhow::Result<usize> {
    let ranking = Instant::now();
    let mut last = Instant::now();
    let ranked =
        dateline_web::related::rank_all(store, index, Clock::System.now(), all, |done, total| {
            if done == total || last.elapsed().as_millis() >= 500 {
                last = Instant::now();
                eprint!("\rdateline reindex: {done}/{total} related lists ranked");
                let _ = std::io::stderr().flush();
            }
        })
        .await;
    eprintln!();
    let ranked = ranked.context("ranking related stories")?;
    eprintln!(
        "dateline reindex: {ranked} related lists ranked in {:.1} s",
        ranking.elapsed().as_secs_f64()
    );
    Ok(ranked)
}

/// Rebuild the search index in `data` from the database at `database`, with progress on
/// standard error; the store, still open, and the index, for what comes next. `dateline restore` calls it
/// alone: a restored database's related lists are the backup's, and ranking them again would
/// change what was restored.
pub async fn rebuild_search(
    data: &std::path::Path,
    database: &str,
) -> anyhow::Result<(Store, Arc<SearchIndex>)> {
    let started = Instant::now();
    tokio::fs::create_dir_all(data)
        .await
        .with_context(|| format!("creating the data folder {}", data.display()))?;
    let store = Store::open(database)
        .await
        .context("opening the database")?;
    let language = match store.site_settings().await {
        Ok(s) => s.language,
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };
    let dir = config::search_dir(data);
    let shown = dir.display().to_string();
    let opened = tokio::task::spawn_blocking(move || SearchIndex::open(&dir, &language))
        .await?
        .with_context(|| {
            format!(
                "opening the search index in {shown} (is `dateline serve` running on this data \
                 folder? stop it first)"
            )
        });
    let (index, opened) = match opened {
        Ok(o) => o,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    if let Opened::Created(reason) = &opened {
        eprintln!("dateline reindex: new index in {shown} ({reason})");
    }
    let index = Arc::new(index);
    // On a terminal one line redrawn twice a second; in a log (restore, a bench, systemd) a
    // line every ten seconds, so the log stays readable.
    let terminal = std::io::stderr().is_terminal();
    let every_ms = if terminal { 500 } else { 10_000 };
    let mut last = Instant::now();
    let result = dateline_web::search::rebuild(&store, &index, |done, total| {
        if done == total || last.elapsed().as_millis() >= every_ms {
            last = Instant::now();
            if terminal {
                eprint!("\rdateline reindex: {done}/{total} stories read");
                let _ = std::io::stderr().flush();
            } else {
                eprintln!("dateline reindex: {done}/{total} stories read");
            }
        }
    })
    .await;
    if terminal {
        eprintln!();
    }
    let indexed = match result.context("rebuilding the search index") {
        Ok(n) => n,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    eprintln!(
        "dateline reindex: {indexed} published stories indexed in {shown} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok((store, index))
}
