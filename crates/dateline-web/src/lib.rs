//! Dateline's HTTP surface: the reading site (`site`), the read-only JSON API (`api`), the
//! newsroom (`newsroom`), the theme, the page cache, the search index's indexer (`search`),
//! the one place errors become HTTP answers (`error`), the checks on what comes in (`input`),
//! the health probes (`health`) and the metrics and request log (`metrics`).
//!
//! Handlers are thin: parse, call the store, fill a template. They never block (no `std::fs` on
//! the request path: templates are loaded at start, media files go through the `object_store`
//! crate's async interface), never read
//! the clock except through [`Clock`], and never build HTML by hand except through the theme and
//! the markup crate's `fill`.

mod api;
pub mod backups;
pub mod body;
pub mod cache;
mod clock;
pub mod discussion;
mod error;
mod feeds;
pub mod health;
mod http;
pub mod input;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod media;
mod media_files;
pub mod metrics;
pub mod newsletters;
pub mod newsroom;
pub mod related;
pub mod scheduler;
pub mod search;
mod site;
mod state;
pub mod stream;
mod theme;
mod views;

pub use cache::PageCache;
pub use clock::Clock;
pub use error::AppError;
pub use media::store::MediaStore;
pub use newsroom::PeerAddr;
pub use scheduler::Scheduler;
pub use search::Search;
pub use state::{AppState, Options};
pub use theme::Theme;

use axum::Router;
use axum::middleware::from_fn_with_state;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The whole application as one service: the page cache's hit path in front of the router.
pub type App = cache::ServeHits<Router>;

/// The whole application: every route, the page cache, error pages and security headers.
pub fn app(state: AppState) -> App {
    let cached = Router::new()
        .merge(site::routes())
        .merge(feeds::routes())
        .nest("/api/v1", api::routes())
        .layer(from_fn_with_state(state.clone(), cache::serve_cached));
    let router = Router::new()
        .merge(cached)
        .merge(media_files::routes())
        .merge(live::routes())
        // Outside the page cache: signed-in pages are never kept.
        .merge(newsroom::routes(&state))
        // Outside the page cache too: discussions are cached per article (`discussion`).
        .merge(discussion::routes(&state))
        // Outside the page cache too; the one-click unsubscribe also outside the guard.
        .merge(
            newsletters::pages::routes().layer(from_fn_with_state(state.clone(), newsroom::guard)),
        )
        .merge(newsletters::pages::one_click_routes())
        .merge(discussion::replies::one_click_routes())
        .merge(api::me::routes())
        .merge(api::newsroom::routes(&state))
        .merge(api::pages::routes())
        // Outside the guard too: mail providers post bounces from their own servers.
        .merge(api::mail_events::routes())
        .fallback(site::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(from_fn_with_state(state.clone(), http::security_headers))
                .layer(from_fn_with_state(state.clone(), error::render_errors))
                // Inside `render_errors`, so its refusal is rendered like any other 400.
                .layer(axum::middleware::from_fn(input::refuse_controls))
                // Inside the checks above: an old URL is answered only once it is known clean.
                .layer(from_fn_with_state(state.clone(), site::follow_old_urls))
                .layer(axum::extract::DefaultBodyLimit::max(input::BODY_LIMIT))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                )),
        )
        // Outside the page cache (a probe must see this moment, never a kept answer) and
        // outside the request log, which would log every probe of a draining node as an error.
        .merge(health::routes())
        // On every route, the probes included: the template it matched, for the metrics.
        .layer(axum::middleware::from_fn(metrics::mark_route))
        .with_state(state.clone());
    // Outermost, so that a cache hit skips the router and every layer above.
    cache::ServeHits::new(state, router)
}
