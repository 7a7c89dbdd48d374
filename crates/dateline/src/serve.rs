//! `dateline serve`: open the store, seed the site settings from the configuration (only those
//! the store has no value for: after the first start the settings page owns them), load the
//! demo if asked, and serve until SIGINT or SIGTERM, then drain connections and close the
//! database. Never overwrites a setting an admin made on the settings page.

use crate::config::{self, ServeArgs, Settings};
use crate::demo;
use anyhow::Context;
use axum::ServiceExt as _;
use dateline_store::Store;
use dateline_web::{AppState, Clock, MediaFiles, Options, Theme};
use std::time::Instant;
use tokio::net::TcpListener;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let settings = config::resolve(args)?;
    start(&settings).await?.serve(shutdown_signal()).await
}

/// A started site: the store open and seeded, the application state made, the port open.
pub struct Server {
    state: AppState,
    store: Store,
    listener: TcpListener,
    base_url: String,
    started: Instant,
}

/// Everything `serve` does before it answers: open the store, seed the site settings, load the
/// demo if asked, make the application state and open the port.
pub async fn start(settings: &Settings) -> anyhow::Result<Server> {
    let started = Instant::now();
    tokio::fs::create_dir_all(&settings.data)
        .await
        .with_context(|| format!("creating the data folder {}", settings.data.display()))?;
    tokio::fs::create_dir_all(settings.media_dir())
        .await
        .with_context(|| {
            format!(
                "creating the media folder {}",
                settings.media_dir().display()
            )
        })?;
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
            let loaded = demo::load(&store, &settings.media_dir(), clock.now())
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
        MediaFiles::new(settings.media_dir()),
        clock,
        Options {
            cache_bytes: settings.cache_bytes,
            media_max_bytes: settings.media_max_bytes,
            media_max_megapixels: settings.media_max_megapixels,
            search_dir: Some(settings.search_dir()),
            smtp: settings.smtp.clone(),
            ..Options::default()
        },
    )
    .await?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    Ok(Server {
        state,
        store,
        listener,
        base_url: settings.base_url.clone(),
        started,
    })
}

impl Server {
    /// The address the port was opened on (the real port when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` completes, then drain connections and close the database.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Server {
            state,
            store,
            listener,
            base_url,
            started,
        } = self;
        let addr = listener.local_addr()?;
        tracing::info!(
            %addr,
            %base_url,
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        serve_until(state, store, listener, shutdown).await
    }
}

async fn serve_until(
    state: AppState,
    store: Store,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let live = state.live.clone();
    let search = state.search.clone();
    // The front door hands Icecast sources and listeners to the live relay, the rest to axum.
    let door = dateline_web::live::FrontDoor::new(listener, state.clone())?;
    // Connection info gives the newsroom the client address for sign-in throttling.
    let app =
        dateline_web::app(state).into_make_service_with_connect_info::<dateline_web::PeerAddr>();
    axum::serve(door, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Live streams never end by themselves: end them so connections can drain.
            live.shutdown();
        })
        .await
        .context("serving HTTP")?;
    // The indexer's last commit stays; what it had not committed is caught up at next start.
    search.shutdown().await;
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

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
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
