//! `dateline-bench search`: the search index on a seeded site. Builds a fresh index from the
//! database (timed, as `dateline reindex` does), measures its size on disk, then times a fixed
//! list of 200 queries in process (parse, search, snippets; no HTTP) and 200 similar-story
//! lookups, several runs each.
//!
//! The index is built in `DATA/search-bench/` (or `--index-dir`), never in the `DATA/search/` a
//! server uses, and removed first, so every run measures a full build.

use crate::seed::SECTIONS;
use crate::stats::{self, Summary};
use crate::text::{ADJECTIVES, NOUNS, PLACES, Rng};
use anyhow::ensure;
use clap::Args;
use dateline_core::ArticleId;
use dateline_search::{Request, SearchIndex, Sort};
use dateline_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A folder made by `dateline-bench seed`.
    #[arg(long)]
    pub data: PathBuf,
    /// Timed passes over the 200 queries (after one untimed warm-up pass).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Keep an index left by an earlier run instead of building one (for timing queries
    /// while working on them; the build figure is then 0).
    #[arg(long)]
    pub reuse: bool,
    /// Where to build the bench index instead of `DATA/search-bench/` (to leave a shared data
    /// folder untouched). Removed first, like the default folder.
    #[arg(long)]
    pub index_dir: Option<PathBuf>,
    /// Time only the queries of one kind (0 one word, 1 two words, 2 quoted phrase, 3 one
    /// typo, 4 word + section filter, 5 two words newest first) and no similar-story lookups:
    /// for profiling one kind of query. The figures are then not the benchmark's.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..6))]
    pub group: Option<u8>,
    /// Results a query asks for: 10 as the search page shows, 20 as the API's default page.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
}

pub struct SearchFigures {
    pub stories: usize,
    pub build_seconds: f64,
    pub index_bytes: u64,
    pub queries: Vec<String>,
    pub search_runs: Vec<Summary>,
    pub similar_runs: Vec<Summary>,
    /// Mean hits per query (to see that the queries find something).
    pub mean_total: f64,
}

/// The fixed query list: 200 queries from the seeded copy's own vocabulary, always the same.
/// 80 single words, 40 two words, 20 quoted phrases, 20 with one typo, 20 with a section filter,
/// 20 newest first.
pub fn queries() -> Vec<(String, Option<&'static str>, Sort)> {
    let mut rng = Rng::new(0x5EA2C4);
    let mut out = Vec::with_capacity(200);
    for i in 0..200 {
        let noun = *rng.pick(NOUNS);
        let adjective = *rng.pick(ADJECTIVES);
        let place = *rng.pick(PLACES);
        let (text, section, sort) = match group_of(i) {
            0 => (noun.to_owned(), None, Sort::Relevance),
            1 => (format!("{place} {noun}"), None, Sort::Relevance),
            2 => (format!("\"{adjective} {noun}\""), None, Sort::Relevance),
            3 => (typo(noun, &mut rng), None, Sort::Relevance),
            4 => (
                noun.to_owned(),
                Some(rng.pick(&SECTIONS).0),
                Sort::Relevance,
            ),
            _ => (format!("{adjective} {noun}"), None, Sort::Newest),
        };
        out.push((text, section, sort));
    }
    out
}

/// The fixed queries as request paths: the reader's search page (`/search?q=…`) or the JSON API
/// (`/api/v1/search?q=…`), with the same section filter and order as in process.
pub fn query_paths(api: bool) -> Vec<String> {
    let base = if api { "/api/v1/search" } else { "/search" };
    queries()
        .into_iter()
        .map(|(text, section, sort)| {
            let sort = if sort == Sort::Newest { "newest" } else { "" };
            let query = dateline_web::search::query_string(&[
                ("q", &text),
                ("section", section.unwrap_or_default()),
                ("sort", sort),
            ]);
            format!("{base}?{query}")
        })
        .collect()
}

/// The kinds of query in the fixed list, in order.
const GROUPS: [&str; 6] = [
    "one word",
    "two words",
    "quoted phrase",
    "one typo",
    "word + section filter",
    "two words, newest first",
];

/// The group of query `i` of the fixed list.
fn group_of(i: usize) -> usize {
    match i / 20 {
        0..=3 => 0,
        4 | 5 => 1,
        6 => 2,
        7 => 3,
        8 => 4,
        _ => 5,
    }
}

/// `word` with two neighbouring letters swapped (one edit with transpositions).
fn typo(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() >= 4 {
        let i = 1 + rng.below(chars.len() as u64 - 2) as usize;
        chars.swap(i, i - 1);
    }
    chars.into_iter().collect()
}

fn folder_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            folder_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

pub async fn run(args: &SearchArgs) -> anyhow::Result<SearchFigures> {
    let db = args.data.join("dateline.db");
    ensure!(
        db.exists(),
        "{} does not exist: run `dateline-bench seed` first",
        db.display()
    );
    let store = Store::open(&dateline::config::sqlite_url(&db)).await?;
    let language = store.site_settings().await?.language;
    let dir = args
        .index_dir
        .clone()
        .unwrap_or_else(|| args.data.join("search-bench"));
    let reuse = args.reuse && dir.exists();
    if dir.exists() && !reuse {
        std::fs::remove_dir_all(&dir)?;
    }
    let started = Instant::now();
    let (index, _) = SearchIndex::open(&dir, &language)?;
    let index = Arc::new(index);
    let mut last = Instant::now();
    let stories = if reuse {
        usize::try_from(index.len())?
    } else {
        dateline_web::search::rebuild(&store, &index, |done, total| {
            if done == total || last.elapsed() >= Duration::from_secs(5) {
                last = Instant::now();
                eprintln!("  indexed {done}/{total}");
            }
        })
        .await?
    };
    let build_seconds = if reuse {
        0.0
    } else {
        started.elapsed().as_secs_f64()
    };
    let index_bytes = folder_bytes(&dir)?;
    let ids = store.article_ids().await?;
    store.close().await;
    let list = queries();
    let only = args.group.map(usize::from);
    let requests: Vec<Request> = list
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|g| group_of(*i) == g))
        .map(|(_, x)| x)
        .map(|(text, section, sort)| Request {
            text: text.clone(),
            section: section.map(str::to_owned),
            sort: *sort,
            limit: usize::from(args.limit),
            ..Request::default()
        })
        .collect();
    let mut rng = Rng::new(0x51A1);
    let lookups = if only.is_some() { 0 } else { 200 };
    let similar_ids: Vec<ArticleId> = (0..lookups).map(|_| *rng.pick(&ids)).collect();
    let runs = args.runs.max(1);
    // Searches are synchronous CPU work, run as the server runs them: on a blocking thread.
    let figures = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut totals = 0usize;
        for r in &requests {
            totals += index.search(r)?.total;
        }
        let mut search_runs = Vec::with_capacity(runs);
        let mut similar_runs = Vec::with_capacity(runs);
        for _ in 0..runs {
            let mut samples = Vec::with_capacity(requests.len());
            for r in &requests {
                let t = Instant::now();
                index.search(r)?;
                samples.push(t.elapsed());
            }
            search_runs.push(stats::summarise(&samples));
            // Which kinds of query cost what (the list is in groups of 20, see `queries`).
            for (group, name) in GROUPS.iter().enumerate() {
                if only.is_some() {
                    break;
                }
                let of_group: Vec<Duration> = samples
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| group_of(*i) == group)
                    .map(|(_, d)| *d)
                    .collect();
                let s = stats::summarise(&of_group);
                eprintln!("  {name:<24} p50 {:.3} ms  p99 {:.3} ms", s.p50, s.p99);
            }
            let mut samples = Vec::with_capacity(similar_ids.len());
            for id in &similar_ids {
                let t = Instant::now();
                index.similar(*id, 12)?;
                samples.push(t.elapsed());
            }
            similar_runs.push(stats::summarise(&samples));
        }
        Ok((
            search_runs,
            similar_runs,
            totals as f64 / requests.len() as f64,
        ))
    })
    .await??;
    if !args.reuse {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(SearchFigures {
        stories,
        build_seconds,
        index_bytes,
        queries: list.into_iter().map(|(q, _, _)| q).collect(),
        search_runs: figures.0,
        similar_runs: figures.1,
        mean_total: figures.2,
    })
}
