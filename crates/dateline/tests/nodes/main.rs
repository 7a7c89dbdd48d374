//! Several nodes (issue 20): one site served by three real `dateline serve` processes on one
//! PostgreSQL database and one S3-compatible store (`moto`), behind nginx balancing
//! round-robin, all on 127.0.0.1. The scenarios, each a step of its own whose failure names
//! the node and what was stale or missing:
//!
//! - a. a story published and then edited on one node reads right on the others (pages,
//!   search, feeds, short links);
//! - b. a photo uploaded on one node is served by the others;
//! - c. a story scheduled through every node at once is published exactly once;
//! - e. a live source on one node plays on the others;
//! - f. a sign-in, an edit and a comment sent round-robin across the nodes;
//! - d. (last, since it kills a node) reads and writes through nginx while `kill -9` takes one
//!   node down: no failed read after nginx's retry, no lost or doubled write.
//!
//! It starts many processes and takes a minute or two, so plain `cargo test` skips it;
//! `scripts/test` runs it as its own step
//! (`cargo test --workspace --test nodes -- --ignored`).
//! It never skips itself: a missing nginx, ffmpeg, moto or PostgreSQL is a failure. Every wait
//! polls a condition with a deadline, and every load loop is bounded in count and time.

mod cluster;
mod scenarios;
mod web;

use cluster::Cluster;
use std::time::Duration;

/// The whole run's bound, well inside `scripts/test`'s `T_NODES`, so a hang still ends with
/// the processes killed by their guards and the logs printed.
const WHOLE_RUN: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "starts PostgreSQL-backed nodes, nginx, moto and ffmpeg: scripts/test runs it"]
async fn three_nodes_behind_nginx() -> anyhow::Result<()> {
    let http = web::http()?;
    let cluster = Cluster::start(&http).await?;
    let outcome = tokio::time::timeout(WHOLE_RUN, scenarios::run_all(&cluster, &http)).await;
    let failures = match outcome {
        Ok(Ok(failures)) => failures,
        Ok(Err(e)) => vec![format!("setting up the site: {e:#}")],
        Err(_) => vec![format!("the scenarios did not finish within {WHOLE_RUN:?}")],
    };
    let logs = cluster.logs();
    if let Err(e) = cluster.stop().await {
        // A database left behind is untidy, not a failure of the nodes.
        eprintln!("nodes test: could not drop its database: {e:#}");
    }
    anyhow::ensure!(
        failures.is_empty(),
        "{} scenario(s) failed:\n\n{}\n{logs}",
        failures.len(),
        failures.join("\n\n")
    );
    Ok(())
}
