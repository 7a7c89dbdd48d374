//! `dateline serve`: open the store, apply configured site settings, load the demo if asked,
//! and serve until SIGINT or SIGTERM, then drain connections and close the database.

use crate::config::{self, ServeArgs, Settings};
use crate::demo;
use anyhow::Context;
use dateline_store::Store;
use dateline_web::{AppState, Clock, MediaFiles, Options, Theme};
use std::time::Instant;
use tokio::net::TcpListener;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let settings = config::resolve(args)?;
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
    apply_site_settings(&store, &settings).await?;
    if settings.demo {
        if store.is_empty().await? {
            let loaded = demo::load(&store, &settings.media_dir(), clock.now())
                .await
                .context("loading the demo newsroom")?;
            tracing::info!(stories = loaded, "demo newsroom loaded");
            // The demo sets its own site name and zone; the configuration still wins.
            apply_site_settings(&store, &settings).await?;
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
            search_dir: Some(settings.search_dir()),
            smtp: settings.smtp.clone(),
        },
    )
    .await?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        base_url = %settings.base_url,
        startup_ms = started.elapsed().as_millis() as u64,
        "serving"
    );
    let live = state.live.clone();
    let search = state.search.clone();
    // The front door hands Icecast sources and listeners to the live relay, the rest to axum.
    let door = dateline_web::live::FrontDoor::new(listener, state.clone())?;
    // Connection info gives the newsroom the client address for sign-in throttling.
    let app =
        dateline_web::app(state).into_make_service_with_connect_info::<dateline_web::PeerAddr>();
    axum::serve(door, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
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

/// Write the configured per-site settings (and this node's base URL) into the store.
async fn apply_site_settings(store: &Store, settings: &Settings) -> anyhow::Result<()> {
    let mut site = store.site_settings().await?;
    let o = &settings.site;
    let before = site.clone();
    site.base_url = settings.base_url.clone();
    if let Some(v) = &o.name {
        site.name = v.clone();
    }
    if let Some(v) = &o.tagline {
        site.tagline = v.clone();
    }
    if let Some(v) = &o.time_zone {
        site.time_zone = v.clone();
    }
    if let Some(v) = &o.language {
        site.language = v.clone();
    }
    if let Some(v) = &o.community_standards {
        site.community_standards = v.clone();
    }
    if let Some(v) = &o.live_stream_url {
        site.live_stream_url = v.clone();
    }
    if let Some(v) = &o.live_stream_name {
        site.live_stream_name = v.clone();
    }
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
