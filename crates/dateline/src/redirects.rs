//! `dateline redirects export --format nginx|csv`: every old URL the site answers with a 301
//! (an import's old site URLs, and stories' own earlier paths) with where it leads today, for a
//! front proxy that should answer them itself. Read-only; prints to standard output.

use crate::config::{self, StoreArgs};
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use dateline_store::Store;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum RedirectsCommand {
    /// Print the map of old URLs to new ones.
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// An nginx `map` block: `map $request_uri $dateline_moved { … }`.
    Nginx,
    /// `from,to` lines with a header.
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum)]
    pub format: Format,
}

pub async fn run(cmd: RedirectsCommand) -> anyhow::Result<()> {
    let RedirectsCommand::Export(args) = cmd;
    let (_, database) = config::store_location(&args.store)?;
    let store = Store::open(&database)
        .await
        .context("opening the database")?;
    let result = export(&store, args.format).await;
    store.close().await;
    let text = result?;
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// The whole map as text; rows whose target has no public page now are left out.
pub async fn export(store: &Store, format: Format) -> anyhow::Result<String> {
    let mut pairs = Vec::new();
    for u in store.old_urls().await? {
        if let Some(to) = store.old_url_target(&u.kind, u.target_id).await? {
            pairs.push((u.path, to));
        }
    }
    for (path, id) in store.story_redirects().await? {
        if let Some(to) = store.old_url_target("article", id.0).await? {
            pairs.push((path, to));
        }
    }
    pairs.sort();
    pairs.dedup_by(|a, b| a.0 == b.0);
    let mut s = String::new();
    match format {
        Format::Nginx => {
            s.push_str("# dateline redirects export: use with\n");
            s.push_str("#   if ($dateline_moved) { return 301 $dateline_moved; }\n");
            s.push_str("map $request_uri $dateline_moved {\n    default \"\";\n");
            for (from, to) in &pairs {
                s.push_str(&format!("    \"{}\" \"{}\";\n", quote(from), quote(to)));
            }
            s.push_str("}\n");
        }
        Format::Csv => {
            s.push_str("from,to\n");
            for (from, to) in &pairs {
                s.push_str(&format!("{},{}\n", csv(from), csv(to)));
            }
        }
    }
    Ok(s)
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
