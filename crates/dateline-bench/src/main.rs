//! `dateline-bench`: the tools behind `scripts/bench` (see `docs/benchmarks.md`).
//!
//! - `seed --data DIR --articles N`: build (or find cached) a large SQLite site.
//! - `render --data DIR --samples N`: uncached article-page time through the real router.
//! - `render --profile`: SQL statements per page and the cost of the cache's compression.
//! - `feeds --data DIR`: feed and sitemap generation time, uncached and cached.
//! - `comments --data DIR`: story-page throughput with and without comments being posted, and
//!   the posts' latency.
//! - `listeners --url URL --count N`: live-audio listeners; how many get the stream on time.
//! - `search --data DIR`: search index build time and size, query and similar-story latency.
//! - `publish --stories N --samples M`: how soon a published story shows on its page, section
//!   front and front page (a fresh temporary site; the target is 100 ms).
//! - `publishing [--database URL] --stories N`: cached front-page and story-page throughput
//!   and latency, quiet and while ten stories a minute are published, interleaved.
//! - `jobs [--database URL]`: the durable job queue's throughput (one node and two) and the
//!   time another node takes to finish a job whose node died (lease plus one poll).
//! - `nodes --database URL`: two nodes on one PostgreSQL database; how soon a publication on
//!   one shows on the other's cached front page and search (the target is 100 ms p50).
//! - `startup --bin target/release/dateline --data DIR`: process start until `GET /` is 200.
//! - `paths --data DIR --out FILE`: every article path, shuffled, for load generators.
//! - `search-urls --base URL [--api]`: a curl config for the 200 search queries over HTTP.
//! - `photos --media DIR`: encode time and bytes per format and width for the demo's photos.
//! - `photo-quality --out DIR FILE…`: camera photos' variants written out, to measure their
//!   loss (`scripts/bench-photo-quality`).
//! - `free-port`: a free port on 127.0.0.1.
//!
//! Progress goes to stderr; results go to stdout as `name key=value …` lines that the script
//! collects. Everything talks to 127.0.0.1 only, and every loop is bounded in count and time.

mod comments;
mod feeds;
mod jobs;
mod listeners;
mod nodes;
mod photos;
mod publish;
mod publishing;
mod quality;
mod render;
mod search;
mod seed;
mod startup;
mod stats;
mod text;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The server's allocator (see the `dateline` binary), so in-process figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "dateline-bench", about = "Dateline's benchmark tools")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Build (or reuse) a seeded data folder.
    Seed(seed::SeedArgs),
    /// Encode time and bytes per photo format and width, for the photos of a demo media store.
    Photos {
        /// The media store folder of a `serve --demo` data folder (DATA/media).
        #[arg(long)]
        media: PathBuf,
        /// At most this many photos.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write photos' variants in every format (and the encoders' input as PNG) to a folder,
    /// with their bytes and encode times, to measure their loss.
    PhotoQuality {
        /// Where the files go (created).
        #[arg(long)]
        out: PathBuf,
        /// AVIF quality (ravif, 1–100); the served one by default.
        #[arg(long, default_value_t = dateline_web::media::images::AVIF_QUALITY)]
        avif_quality: f32,
        /// AVIF speed (ravif, 1 slowest – 10 fastest); the served one by default.
        #[arg(long, default_value_t = dateline_web::media::images::AVIF_SPEED)]
        avif_speed: u8,
        /// The photos (JPEG, PNG, WebP or GIF files).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Time uncached article pages through the real router, in process.
    Render(render::RenderArgs),
    /// Time feeds and sitemaps through the real router, uncached and cached, in process.
    Feeds(feeds::FeedsArgs),
    /// Story-page throughput while comments are posted, and the posts' latency, in process.
    Comments(comments::CommentsArgs),
    /// Open N live-audio listeners and count how many receive the stream on time.
    Listeners(listeners::ListenersArgs),
    /// Build the search index and time 200 queries and 200 similar-story lookups, in process.
    Search(search::SearchArgs),
    /// Print a curl config that requests the 200 search queries from a running server (the
    /// search page, or with `--api` the JSON API), for timing search through HTTP.
    SearchUrls {
        /// The server, e.g. http://127.0.0.1:8080
        #[arg(long)]
        base: String,
        #[arg(long)]
        api: bool,
    },
    /// Publish stories through the write API and time until readers see them everywhere.
    Publish(publish::PublishArgs),
    /// Cached front-page and story-page throughput and latency, quiet and while stories are
    /// published, in process.
    Publishing(publishing::PublishingArgs),
    /// Two nodes on one PostgreSQL database: time from a publish on A until B's cached page
    /// and B's search show it.
    Nodes(nodes::NodesArgs),
    /// Time `dateline serve` from process start until `GET /` answers 200.
    Startup(startup::StartupArgs),
    /// The job queue's throughput and a dead node's job takeover time, in process.
    Jobs(jobs::JobsArgs),
    /// Write every published article's path, shuffled, one per line.
    Paths {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 7)]
        shuffle: u64,
    },
    /// Print a free port on 127.0.0.1.
    FreePort,
}

/// The one place results reach stdout.
#[expect(
    clippy::print_stdout,
    reason = "a benchmark reporter: results on stdout, progress on stderr"
)]
fn report(line: &str) {
    println!("{line}");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The same worker count as `dateline serve` (one per core).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dateline-bench: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dateline-bench: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cmd: Cmd) -> anyhow::Result<()> {
    match cmd {
        Cmd::Jobs(args) => {
            dateline::config::init_logging(Some("error"), dateline::config::LogFormat::Text);
            let r = jobs::run(&args).await?;
            let m = jobs::JobsReport::median;
            let list = |v: &[f64]| {
                v.iter()
                    .map(|x| format!("{x:.2}"))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            report(&format!(
                "jobs backend={} jobs={} runs={} one_node_jobs_per_s={:.0} \
                 two_nodes_jobs_per_s={:.0} lease_s={:.1} poll_s={:.1} takeover_p50_s={:.2} \
                 takeover_runs_s={}",
                r.backend,
                args.jobs,
                args.runs,
                m(&r.one_node),
                m(&r.two_nodes),
                args.lease_ms as f64 / 1e3,
                args.poll_ms as f64 / 1e3,
                m(&r.takeover),
                list(&r.takeover)
            ));
        }
        Cmd::Seed(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let (m, cached) = seed::run(&args).await?;
            report(&format!(
                "seed articles={} words={} seconds={:.1} cached={} db_mb={:.1}",
                m.articles,
                m.words,
                m.seconds,
                if cached { "yes" } else { "no" },
                m.database_bytes as f64 / 1e6
            ));
        }
        Cmd::Comments(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let r = comments::run(&args).await?;
            report(&format!(
                "comments story_rps_quiet={:.0} story_rps_with_posts={:.0} posts={} \
                 posts_per_s={:.0} post_p50_ms={:.2} post_p99_ms={:.2} failed_posts={}",
                r.quiet_rps,
                r.busy_rps,
                r.posts.n,
                r.posts.n as f64 / args.seconds.max(1) as f64,
                r.posts.p50,
                r.posts.p99,
                r.failed_posts
            ));
        }
        Cmd::Render(args) if args.profile => {
            let counter = render::install_counter()?;
            let p = render::profile(&args, &counter).await?;
            report(&format!(
                "profile pages={} mean_ms={:.3} queries_per_page={:.1} sqlite_ms_per_page={:.3} \
                 identity_bytes={} gzip_ms={:.3} brotli_ms={:.3} sha256_ms={:.3}",
                p.pages,
                p.mean_ms,
                p.queries_per_page,
                p.sqlite_ms_per_page,
                p.identity_bytes,
                p.gzip_ms,
                p.brotli_ms,
                p.sha256_ms
            ));
            for (call, ms) in &p.store_calls {
                report(&format!("store_call ms={ms:.3} call={call}"));
            }
            for (sql, per_page, mean_us) in &p.statements {
                report(&format!(
                    "statement per_page={per_page:.2} mean_us={mean_us:.1} ms_per_page={:.3} \
                     sql={sql}",
                    per_page * mean_us / 1e3
                ));
            }
        }
        Cmd::Render(args) => {
            // The server's own log set-up, so logging costs what it costs there.
            dateline::config::init_logging(None, dateline::config::LogFormat::Text);
            let r = render::run(&args).await?;
            for (i, s) in r.runs.iter().enumerate() {
                report(&format!(
                    "render run={} n={} p50_ms={:.3} p90_ms={:.3} p99_ms={:.3} mean_ms={:.3} \
                     max_ms={:.3}",
                    i + 1,
                    s.n,
                    s.p50,
                    s.p90,
                    s.p99,
                    s.mean,
                    s.max
                ));
            }
            let col = |f: fn(&stats::Summary) -> f64| {
                stats::median(&r.runs.iter().map(f).collect::<Vec<_>>())
            };
            report(&format!(
                "render median runs={} p50_ms={:.3} p99_ms={:.3} mean_ms={:.3}",
                r.runs.len(),
                col(|s| s.p50),
                col(|s| s.p99),
                col(|s| s.mean)
            ));
        }
        Cmd::Feeds(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            for t in feeds::run(&args).await? {
                report(&format!(
                    "feeds path={} br_bytes={} uncached_p50_ms={:.3} uncached_p99_ms={:.3} \
                     cached_p50_ms={:.3} cached_p99_ms={:.3}",
                    t.path, t.bytes, t.uncached.p50, t.uncached.p99, t.cached.p50, t.cached.p99
                ));
            }
        }
        Cmd::Publish(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let r = publish::run(&args).await?;
            report(&format!(
                "publish answer_p50_ms={:.3} answer_p99_ms={:.3} visible_p50_ms={:.3} \
                 visible_p99_ms={:.3} visible_max_ms={:.3} samples={}",
                r.publish.p50,
                r.publish.p99,
                r.visible.p50,
                r.visible.p99,
                r.visible.max,
                r.visible.n
            ));
        }
        Cmd::Nodes(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let runs = nodes::run(&args).await?;
            let mut medians: [Vec<f64>; 8] = Default::default();
            for (i, r) in runs.iter().enumerate() {
                report(&format!(
                    "nodes run={} samples={} publish_p50_ms={:.3} heard_p50_ms={:.3} \
                     heard_p99_ms={:.3} page_p50_ms={:.3} \
                     page_p99_ms={:.3} search_p50_ms={:.3} search_p99_ms={:.3} \
                     both_p50_ms={:.3} both_p99_ms={:.3} both_max_ms={:.3}",
                    i + 1,
                    r.both.n,
                    r.publish.p50,
                    r.heard.p50,
                    r.heard.p99,
                    r.page.p50,
                    r.page.p99,
                    r.search.p50,
                    r.search.p99,
                    r.both.p50,
                    r.both.p99,
                    r.both.max
                ));
                for (m, v) in medians.iter_mut().zip([
                    r.heard.p50,
                    r.heard.p99,
                    r.page.p50,
                    r.page.p99,
                    r.search.p50,
                    r.search.p99,
                    r.both.p50,
                    r.both.p99,
                ]) {
                    m.push(v);
                }
            }
            let m: Vec<f64> = medians.iter().map(|v| stats::median(v)).collect();
            report(&format!(
                "nodes median heard_p50_ms={:.3} heard_p99_ms={:.3} page_p50_ms={:.3} \
                 page_p99_ms={:.3} search_p50_ms={:.3} search_p99_ms={:.3} both_p50_ms={:.3} \
                 both_p99_ms={:.3}",
                m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]
            ));
        }
        Cmd::Publishing(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let phases = publishing::run(&args).await?;
            let mut medians: [[Vec<f64>; 4]; 2] = Default::default();
            for (i, p) in phases.iter().enumerate() {
                report(&format!(
                    "publishing run={} phase={} published={} front_rps={:.0} front_p50_ms={:.3} \
                     front_p99_ms={:.3} story_rps={:.0} story_p50_ms={:.3} story_p99_ms={:.3}",
                    i / 2 + 1,
                    if p.publishing { "publishing" } else { "quiet" },
                    p.published,
                    p.front_rps,
                    p.front.p50,
                    p.front.p99,
                    p.story_rps,
                    p.story.p50,
                    p.story.p99
                ));
                let m = &mut medians[usize::from(p.publishing)];
                m[0].push(p.front_rps);
                m[1].push(p.front.p99);
                m[2].push(p.story_rps);
                m[3].push(p.story.p99);
            }
            let [quiet, busy] = medians.map(|m| m.map(|v| stats::median(&v)));
            report(&format!(
                "publishing-median front_rps={:.0}/{:.0} ({:.2}x) front_p99_ms={:.3}/{:.3} ({:.2}x) \
                 story_rps={:.0}/{:.0} ({:.2}x) story_p99_ms={:.3}/{:.3} ({:.2}x) \
                 [quiet/publishing (publishing÷quiet)]",
                quiet[0],
                busy[0],
                busy[0] / quiet[0],
                quiet[1],
                busy[1],
                busy[1] / quiet[1],
                quiet[2],
                busy[2],
                busy[2] / quiet[2],
                quiet[3],
                busy[3],
                busy[3] / quiet[3]
            ));
        }
        Cmd::Listeners(args) => {
            let r = listeners::run(&args).await?;
            let opt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
            report(&format!(
                "listeners count={} connected={} on_time={} on_time_pct={:.2} median_share={:.3} \
                 window_s={:.1} server_cpu_s={} server_rss_mib={} client_cpu_s={:.2}",
                r.count,
                r.connected,
                r.on_time,
                100.0 * r.on_time as f64 / r.count as f64,
                r.median_share,
                r.window_s,
                opt(r.server_cpu_s),
                opt(r.server_rss_mib),
                r.client_cpu_s
            ));
        }
        Cmd::Search(args) => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let f = search::run(&args).await?;
            report(&format!(
                "search_index stories={} build_s={:.2} index_mb={:.1} queries={} \
                 mean_hits={:.1}",
                f.stories,
                f.build_seconds,
                f.index_bytes as f64 / 1e6,
                f.queries.len(),
                f.mean_total
            ));
            for (what, runs) in [("search", &f.search_runs), ("similar", &f.similar_runs)] {
                for (i, s) in runs.iter().enumerate() {
                    report(&format!(
                        "{what} run={} n={} p50_ms={:.3} p99_ms={:.3} mean_ms={:.3} max_ms={:.3}",
                        i + 1,
                        s.n,
                        s.p50,
                        s.p99,
                        s.mean,
                        s.max
                    ));
                }
                let col = |f: fn(&stats::Summary) -> f64| {
                    stats::median(&runs.iter().map(f).collect::<Vec<_>>())
                };
                report(&format!(
                    "{what} median runs={} p50_ms={:.3} p99_ms={:.3} mean_ms={:.3}",
                    runs.len(),
                    col(|s| s.p50),
                    col(|s| s.p99),
                    col(|s| s.mean)
                ));
            }
        }
        Cmd::Startup(args) => {
            let runs = startup::run(&args).await?;
            for (i, r) in runs.iter().enumerate() {
                report(&format!(
                    "startup run={} listening_ms={:.1} ready_ms={:.1}",
                    i + 1,
                    r.listening_ms,
                    r.ready_ms
                ));
            }
            let ready: Vec<f64> = runs.iter().map(|r| r.ready_ms).collect();
            let listening: Vec<f64> = runs.iter().map(|r| r.listening_ms).collect();
            report(&format!(
                "startup median runs={} listening_ms={:.1} ready_ms={:.1}",
                runs.len(),
                stats::median(&listening),
                stats::median(&ready)
            ));
        }
        Cmd::Paths { data, out, shuffle } => {
            dateline::config::init_logging(Some("warn"), dateline::config::LogFormat::Text);
            let db = data.join("dateline.db");
            anyhow::ensure!(db.exists(), "{} does not exist", db.display());
            let store = dateline_store::Store::open(&dateline::config::sqlite_url(&db)).await?;
            let paths = render::article_paths(&store, shuffle).await?;
            store.close().await;
            let mut text = paths.join("\n");
            text.push('\n');
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            report(&format!(
                "paths count={} file={}",
                paths.len(),
                out.display()
            ));
        }
        Cmd::SearchUrls { base, api } => {
            for path in search::query_paths(api) {
                report(&format!("url = \"{base}{path}\"\noutput = \"/dev/null\""));
            }
        }
        Cmd::FreePort => report(&startup::free_port()?.to_string()),
        Cmd::PhotoQuality {
            out,
            avif_quality,
            avif_speed,
            files,
        } => {
            let done = tokio::task::spawn_blocking(move || {
                quality::run(&files, &out, avif_quality, avif_speed)
            })
            .await
            .context("the encoding task failed")??;
            for e in done {
                report(&format!(
                    "quality photo={} width={} format={} bytes={} encode_ms={:.1} file={}",
                    e.photo,
                    e.width,
                    e.format,
                    e.bytes,
                    e.encode_ms,
                    e.path.display()
                ));
            }
        }
        Cmd::Photos { media, limit } => {
            let figures = tokio::task::spawn_blocking(move || photos::run(&media, limit))
                .await
                .context("the encoding task failed")??;
            for f in figures {
                report(&format!(
                    "photos width={} format={} photos={} mean_bytes={} mean_encode_ms={:.1}",
                    f.width,
                    f.format,
                    f.photos,
                    f.bytes / f.photos.max(1) as u64,
                    f.encode_ms / f.photos.max(1) as f64
                ));
            }
        }
    }
    Ok(())
}
