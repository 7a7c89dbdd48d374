//! Health probes for load balancers and orchestrators: `/livez` (the process answers) and
//! `/readyz` (this node should be sent requests: the database answers at the schema this build
//! expects, the search indexer runs, and the node is not shutting down; a node not hearing the
//! other nodes' writes is still ready, and says so in the text).
//!
//! Both answer short plain text with `Cache-Control: no-store` and are routed outside the page
//! cache. They must stay cheap (one small query at most) and must never put a secret in an
//! answer: a reason names what failed, never a connection string or a password.

use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The longest `/readyz` waits for the database: a probe that hangs is as bad as a failed one,
/// and a load balancer's own timeout is usually a few seconds.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether this node is shutting down; shared by every clone of the state.
#[derive(Debug, Clone, Default)]
pub struct Health {
    shutting_down: Arc<AtomicBool>,
}

impl Health {
    /// From now on `/readyz` answers 503, so load balancers stop sending new requests while
    /// the ones in flight finish.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Once shutting down, every answer says `Connection: close`, so keep-alive clients leave
    /// their connections during the grace instead of reusing one the server is about to close
    /// (a request written as it closes would be reset).
    pub fn close_connection_when_shutting_down(&self, mut res: Response) -> Response {
        if self.is_shutting_down() {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
}

/// The process is up and its async threads answer: nothing else is checked, so a restart is
/// never triggered by a database outage that a restart would not fix.
async fn livez() -> Response {
    plain(StatusCode::OK, "ok".to_owned())
}

async fn readyz(State(app): State<AppState>) -> Response {
    match not_ready(&app).await {
        // A node out of step with the others is slower (it caches nothing), not wrong: it
        // stays ready, and says so.
        None if !app.store.in_step() => plain(
            StatusCode::OK,
            "ready (not hearing other nodes' writes: pages are not cached)".to_owned(),
        ),
        None => plain(StatusCode::OK, "ready".to_owned()),
        Some(reason) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}"),
        ),
    }
}

/// Why this node should not take requests, or None.
async fn not_ready(app: &AppState) -> Option<String> {
    if app.health.is_shutting_down() {
        return Some("shutting down".to_owned());
    }
    match tokio::time::timeout(DATABASE_TIMEOUT, app.store.schema_check()).await {
        Err(_) => return Some("database unreachable: no answer within 2 s".to_owned()),
        // A store error's text is sqlx's description of the failure (refused, closed pool,
        // authentication failed), which never includes the URL or its password.
        Ok(Err(e)) => return Some(format!("database unreachable: {e}")),
        Ok(Ok(Some(schema))) => return Some(schema),
        Ok(Ok(None)) => {}
    }
    if !app.search.is_running() {
        return Some("the search indexer has stopped".to_owned());
    }
    None
}

fn plain(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
