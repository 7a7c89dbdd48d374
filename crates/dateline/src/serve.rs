//! `dateline serve`: open the store, seed the site settings from the configuration (only those
//! the store has no value for: after the first start the settings page owns them), load the
//! demo if asked, and serve until SIGINT or SIGTERM. Never overwrites a setting an admin made
//! on the settings page.
//!
//! Stopping is a sequence a load balancer can follow, so a restart loses no request: at the
//! signal `/readyz` answers 503 while the port stays open for the grace (`--shutdown-grace`; a
//! second signal ends it at once); then the port closes, requests in flight finish (for
//! [`DRAIN_LIMIT`] at most), live streams end, the search indexer commits what it heard, the
//! background tasks stop, the database closes and the process exits 0. The job runner stops
//! claiming at the signal and gives back, at the end of the grace, the jobs still running.

use crate::config::{self, LogFormat, Settings};
use crate::demo;
use anyhow::Context;
use axum::ServiceExt as _;
use dateline_store::Store;
use dateline_web::{AppState, Clock, Options, Theme};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How long requests in flight may take to finish once the port is closed: with the default
/// grace this stays within the 30 s an orchestrator gives before it kills the process.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(25);

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let server = start(&settings).await?;
    // Listen before serving, so a signal that comes at once is not lost to the default action.
    let mut signals = Signals::listen();
    let (first, first_rx) = oneshot::channel::<()>();
    let (second, second_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        signals.next().await;
        let _ = first.send(());
        signals.next().await;
        let _ = second.send(());
    });
    server
        .serve_with(
            async move {
                let _ = first_rx.await;
            },
            async move {
                if second_rx.await.is_err() {
                    std::future::pending::<()>().await;
                }
            },
        )
        .await
}

/// The scheduled backups' plan: the job calls `dateline backup`'s own code with this node's
/// database, configuration file and media store.
fn backup_plan(settings: &Settings, b: &config::BackupSettings) -> dateline_web::backups::Plan {
    let database = settings.database.clone();
    let place = settings.media.place.clone();
    let config_file = b.config_file.clone();
    dateline_web::backups::Plan {
        every: b.every,
        keep: b.keep,
        dir: b.dir.clone(),
        make: std::sync::Arc::new(move |out: std::path::PathBuf| {
            let database = database.clone();
            let place = place.clone();
            let config_file = config_file.clone();
            Box::pin(async move {
                // On a blocking thread of its own, driven by this runtime: the backup's future
                // holds sqlx row streams, which the compiler cannot show to be `Send` for every
                // lifetime (so it cannot be a job's boxed future directly), and a backup is
                // long work that should not sit on the request threads anyway.
                let handle = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    // The tools are looked for on PATH, then under /usr/lib/postgresql.
                    handle.block_on(crate::backup::backup_to(
                        database,
                        config_file,
                        place,
                        None,
                        out,
                    ))
                })
                .await?
                .map(|_| ())
            })
        }),
    }
}

/// A started site: the store open and seeded, the application state made, the port open.
pub struct Server {
    state: AppState,
    store: Store,
    listener: TcpListener,
    /// `/metrics`' own listener, when asked for.
    metrics: Option<TcpListener>,
    base_url: String,
    started: Instant,
    grace: Duration,
}

/// Everything `serve` does before it answers: open the store, seed the site settings, load the
/// demo if asked, make the application state and open the port.
pub async fn start(settings: &Settings) -> anyhow::Result<Server> {
    let started = Instant::now();
    tokio::fs::create_dir_all(&settings.data)
        .await
        .with_context(|| format!("creating the data folder {}", settings.data.display()))?;
    // The media store answers before anything else is done: a wrong bucket or an unreachable
    // endpoint stops the start with a sentence, before the port opens.
    let media = settings.media.open().await?;
    tracing::info!(place = %media.place(), "media store ready");
    let store = Store::open(&settings.database)
        .await
        .with_context(|| format!("opening the database {}", redact(&settings.database)))?;
    tracing::info!(backend = ?store.backend(), "database ready");
    let clock = Clock::System;
    // What the store had before this start wrote anything: the file seeds only the rest.
    let stored = store.stored_site_setting_keys().await?;
    seed_site_settings(&store, settings, &stored, true).await?;
    if settings.demo {
        if store.is_empty().await? {
            let loaded = demo::load(&store, &media, clock.now())
                .await
                .context("loading the demo newsroom")?;
            tracing::info!(stories = loaded, "demo newsroom loaded");
            // The demo sets its own site name and zone; keys the file seeded this start win.
            seed_site_settings(&store, settings, &stored, false).await?;
        } else {
            tracing::info!("the site already has stories; the demo is not loaded again");
        }
    }
    if store.active_admins().await? == 0 {
        tracing::warn!(
            "no newsroom administrator yet: create one with `dateline user add --email \
             you@example.com --name \"Your Name\" --role admin`, then sign in at /newsroom/"
        );
    }
    let theme = Theme::load(settings.theme.as_deref()).context("loading the theme")?;
    let state = AppState::new(
        store.clone(),
        theme,
        media,
        clock,
        Options {
            cache_bytes: settings.cache_bytes,
            media_max_bytes: settings.media_max_bytes,
            media_max_megapixels: settings.media_max_megapixels,
            media_formats: settings.media_formats.clone(),
            presence_ping: settings.presence_ping,
            search_dir: Some(settings.search_dir()),
            smtp: settings.smtp.clone(),
            newsletters: settings.newsletters.clone(),
            live: dateline_web::live::LiveOptions {
                relay_password: settings.relay_password.clone(),
                ..Default::default()
            },
            node_name: settings.node_name.clone(),
            backup: settings.backup.as_ref().map(|b| backup_plan(settings, b)),
            log_requests: settings.log_format == LogFormat::Json,
            request_metrics: settings.request_metrics,
            trusted_proxies: settings.trusted_proxies.clone(),
            ..Options::default()
        },
    )
    .await?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let metrics = match settings.metrics_listen {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening for metrics on {addr}"))?,
        ),
        None => None,
    };
    // Known only now when the port was 0.
    match config::node_url_for(settings.node_url.as_deref(), listener.local_addr()?) {
        Some(url) => {
            state.live.set_node_url(&url);
            tracing::info!(node_url = %url, "live sources here can be relayed by other nodes");
        }
        None => tracing::info!(
            "no node URL (listening on every address): other nodes cannot relay live sources from here; set --node-url"
        ),
    }
    Ok(Server {
        state,
        store,
        listener,
        metrics,
        base_url: settings.base_url.clone(),
        started,
        grace: settings.shutdown_grace,
    })
}

impl Server {
    /// The address the port was opened on (the real port when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` completes, then stop as [the module](self) says.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        self.serve_with(shutdown, std::future::pending()).await
    }

    /// [`serve`](Self::serve), where `hurry` completing during the grace ends it at once (a
    /// second signal).
    pub async fn serve_with(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        hurry: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Server {
            state,
            store,
            listener,
            metrics,
            base_url,
            started,
            grace,
        } = self;
        let addr = listener.local_addr()?;
        // Metrics answer until the very end, so a scrape during the drain still works.
        let metrics = match metrics {
            Some(listener) => {
                let metrics_addr = listener.local_addr()?;
                tracing::info!(addr = %metrics_addr, "serving metrics at /metrics");
                let (stop, stopped) = oneshot::channel::<()>();
                let app = dateline_web::metrics::routes(state.clone());
                let task = tokio::spawn(async move {
                    let serving = axum::serve(listener, app).with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    });
                    if let Err(e) = serving.await {
                        tracing::warn!(error = %e, "the metrics listener failed");
                    }
                });
                Some((stop, task))
            }
            None => None,
        };
        tracing::info!(
            %addr,
            %base_url,
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        serve_until(state, store, listener, grace, shutdown, hurry, metrics).await
    }
}

async fn serve_until(
    state: AppState,
    store: Store,
    listener: TcpListener,
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    hurry: impl std::future::Future<Output = ()> + Send + 'static,
    metrics: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
) -> anyhow::Result<()> {
    let live = state.live.clone();
    let search = state.search.clone();
    let stream = state.stream.clone();
    let health = state.health.clone();
    let jobs = state.jobs.clone();
    // The front door hands Icecast sources and listeners to the live relay, the rest to axum.
    let door = dateline_web::live::FrontDoor::new(listener, state.clone())?;
    let door_closer = door.closer();
    // Connection info gives the newsroom the client address for sign-in throttling.
    let closer = state.health.clone();
    let app = tower::ServiceExt::map_response(dateline_web::app(state.clone()), move |res| {
        closer.close_connection_when_shutting_down(res)
    })
    .into_make_service_with_connect_info::<dateline_web::PeerAddr>();
    let (closing, closed) = oneshot::channel::<()>();
    let serving = axum::serve(door, app).with_graceful_shutdown(async move {
        shutdown.await;
        health.begin_shutdown();
        tracing::info!(
            grace_s = grace.as_secs(),
            "shutting down: /readyz answers 503; the port stays open for the grace"
        );
        // The job runner stops claiming now and gives its running jobs the grace to finish;
        // what is still running then is given back for another node to take at once.
        let grace_passes = async move {
            tokio::select! {
                () = tokio::time::sleep(grace) => {}
                () = hurry => tracing::info!("second signal: ending the grace now"),
            }
        };
        tokio::join!(jobs.shutdown(grace), grace_passes);
        tracing::info!(
            drain_limit_s = DRAIN_LIMIT.as_secs(),
            "closing the port; finishing the requests in flight"
        );
        let _ = closing.send(());
        // Live streams never end by themselves: end them so connections can drain.
        live.shutdown();
        // Connections the door accepted before the port closed still reach axum, which goes
        // on accepting from the door until they have.
        door_closer.close().await;
    });
    let drain_limit = async move {
        if closed.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(DRAIN_LIMIT).await;
    };
    tokio::select! {
        served = std::future::IntoFuture::into_future(serving) => {
            served.context("serving HTTP")?;
            tracing::info!("every request in flight has finished");
        }
        () = drain_limit => tracing::warn!(
            drain_limit_s = DRAIN_LIMIT.as_secs(),
            "requests still in flight after the drain limit were cut off"
        ),
    }
    // A clean stop: the indexer commits what it had heard; anything else is caught up at the
    // next start from the watermark.
    search.shutdown().await;
    tracing::info!("search index committed");
    // No longer listening to the other nodes: its connection closes.
    stream.shutdown().await;
    // The metrics listener holds a handle on the state: it goes first. A scrape that hangs
    // is not waited for long.
    if let Some((stop, task)) = metrics {
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    // The scheduler and the related-list worker's change follower stop when their last handle
    // goes: each task is aborted at an await, where its work is either committed or redone at
    // the next start (overdue stories are published, related lists refresh). The job runner
    // stopped during the grace: the jobs it held are back in the queue for any node.
    drop(state);
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Seed the site settings from the file's `[site]` table and write this node's base URL.
///
/// A key the settings page edits is written only when the store had no value for it before
/// this start (`stored`): on the first start, or for a setting newer than the stored document.
/// After that the newsroom's settings page owns it, so an admin's change is never reverted by
/// a restart; a file value that differs from the stored one is ignored with a log line saying
/// so (when `report`). `feed_content`, which no page sets, is the file's at every start.
async fn seed_site_settings(
    store: &Store,
    settings: &Settings,
    stored: &[String],
    report: bool,
) -> anyhow::Result<()> {
    let mut site = store.site_settings().await?;
    let o = &settings.site;
    let before = site.clone();
    site.base_url = settings.base_url.clone();
    let seed = |key: &str, file: &Option<String>, value: &mut String| {
        let Some(file) = file else { return };
        if !stored.iter().any(|k| k == key) {
            value.clone_from(file);
        } else if value != file && report {
            tracing::info!(
                "dateline.toml [site].{key} ignored: the site already has its own value, set on \
                 the settings page (/newsroom/settings); remove the key from the file to quiet \
                 this line"
            );
        }
    };
    seed("name", &o.name, &mut site.name);
    seed("tagline", &o.tagline, &mut site.tagline);
    seed("time_zone", &o.time_zone, &mut site.time_zone);
    seed("language", &o.language, &mut site.language);
    seed(
        "community_standards",
        &o.community_standards,
        &mut site.community_standards,
    );
    seed(
        "live_stream_url",
        &o.live_stream_url,
        &mut site.live_stream_url,
    );
    seed(
        "live_stream_name",
        &o.live_stream_name,
        &mut site.live_stream_name,
    );
    if let Some(v) = o.feed_content {
        site.feed_content = v;
    }
    if site != before {
        store.save_site_settings(&site).await?;
    }
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SIGTERM and Ctrl-C, registered once so that every signal after the first is heard too.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn listen() -> Self {
        #[cfg(unix)]
        let term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                None
            }
        };
        Self {
            #[cfg(unix)]
            term,
        }
    }

    /// The next SIGTERM or Ctrl-C.
    async fn next(&mut self) {
        let ctrl_c = async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::warn!(error = %e, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let term = async {
            match &mut self.term {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = term => {},
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://dateline:s3cret@db:5432/news"),
            "postgres://dateline:***@db:5432/news"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
