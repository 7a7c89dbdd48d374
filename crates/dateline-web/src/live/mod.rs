//! The live audio surface, Icecast-compatible: sources and listeners on `/live/{mount}`, now
//! playing through `/admin/metadata`, status at `/api/v1/live` and `/status-json.xsl`.
//!
//! The relay itself is `dateline-live` ([`Hub`]); this module is its HTTP adapter: it reads
//! requests, checks source passwords (Argon2id, off the async threads), writes Icecast's
//! answers and keeps the store's mounts and the hub in step. [`FrontDoor`] takes the source
//! and listener connections hyper cannot or need not handle; the routes here serve the rest.
//! Nothing here logs a password or an `Authorization` header.

mod admin;
mod front_door;
mod head;
mod listen;
mod password;
pub mod playlist;
mod relay;
mod source;
mod status;

pub use front_door::{Conn, DoorCloser, FrontDoor};
pub use password::{hash_password, verify_password};

use crate::newsroom::auth::ClientIp;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use dateline_core::secret::Secret;
use dateline_live::{Hub, HubOptions, MountConfig};
use dateline_store::Store;
use jiff::Timestamp;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Per-node settings of the live surface.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub hub: HubOptions,
    /// Kernel send buffer per listener socket (bytes; 0 leaves the system's autotuning).
    pub listener_send_buffer: usize,
    /// How long a new connection may take to send its request head.
    pub head_timeout: Duration,
    /// Password checks running at once.
    pub concurrent_checks: usize,
    /// This node's internal URL (`--node-url`), where the other nodes of the site relay its
    /// sources from. None: this node's sources cannot be relayed (it still relays others').
    pub node_url: Option<String>,
    /// What other nodes' relays send as user `relay` (`--relay-password`). None: this node
    /// serves no relays.
    pub relay_password: Option<Secret<String>>,
    /// How often a node with a source on air renews its row in `live_source_nodes`.
    pub heartbeat_every: Duration,
    /// A source row not renewed for this long counts as gone (its node died).
    pub source_stale_after: Duration,
    /// How long a relay with no listeners keeps going (or keeps trying to reconnect), so a
    /// player reconnecting at once finds it running.
    pub relay_linger: Duration,
    /// The longest a listener waits for a relay to come on air before it is told the stream
    /// is off air.
    pub relay_wait: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self {
            hub: HubOptions::default(),
            // Four seconds of 128 kbit/s audio: plenty for a listener that keeps up, and the
            // most a stalled one can pin in the kernel.
            listener_send_buffer: 64 * 1024,
            head_timeout: Duration::from_secs(10),
            concurrent_checks: 2,
            node_url: None,
            relay_password: None,
            heartbeat_every: Duration::from_secs(5),
            // Three missed heartbeats: a busy database does not hand a live mount away.
            source_stale_after: Duration::from_secs(15),
            relay_linger: Duration::from_secs(10),
            relay_wait: Duration::from_secs(5),
        }
    }
}

/// The live relay and what its HTTP side needs. Cheap to clone.
#[derive(Clone)]
pub struct Live {
    hub: Hub,
    checks: Arc<Semaphore>,
    /// Source passwords accepted by a full check, per mount (see `password.rs`).
    accepted: Arc<password::Accepted>,
    pub(crate) options: Arc<LiveOptions>,
    /// For `/status-json.xsl`'s `server_start`.
    pub(crate) started_at: Timestamp,
    /// This node's internal URL: from the options, or set once the port is open.
    node_url: Arc<OnceLock<String>>,
    /// The relays this node runs, one per mount at most.
    pub(crate) relays: Arc<relay::Relays>,
}

impl Live {
    pub fn new(options: LiveOptions, started_at: Timestamp) -> Self {
        let node_url = OnceLock::new();
        if let Some(url) = &options.node_url {
            let _ = node_url.set(url.trim_end_matches('/').to_owned());
        }
        Self {
            hub: Hub::new(options.hub.clone()),
            checks: Arc::new(Semaphore::new(options.concurrent_checks.max(1))),
            accepted: Arc::new(password::Accepted::new()),
            options: Arc::new(options),
            started_at,
            node_url: Arc::new(node_url),
            relays: Arc::new(relay::Relays::default()),
        }
    }

    /// This node's internal URL, if it has one.
    pub fn node_url(&self) -> Option<&str> {
        self.node_url.get().map(String::as_str)
    }

    /// Set this node's URL once its port is open (when the options named none, `serve`
    /// derives it from the address it listens on); `false` when it was already set.
    pub fn set_node_url(&self, url: &str) -> bool {
        self.node_url
            .set(url.trim_end_matches('/').to_owned())
            .is_ok()
    }

    /// A relay with every stored mount configured.
    pub async fn load(store: &Store, options: LiveOptions, now: Timestamp) -> anyhow::Result<Self> {
        let live = Self::new(options, now);
        for m in store.live_mounts().await? {
            live.hub.configure(MountConfig::from(&m));
        }
        Ok(live)
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// End every source and listener cleanly (at shutdown, so connections can drain).
    pub fn shutdown(&self) {
        self.hub.shutdown();
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        // Icecast clients use methods axum's method routing does not know (`SOURCE`).
        .route("/live/{mount}", any(mount_endpoint))
        .route("/admin/metadata", get(admin::update_metadata))
        .route("/api/v1/live", get(status::live_status))
        .route("/status-json.xsl", get(status::icecast_status))
}

/// A mount path reached through axum.
async fn mount_endpoint(
    State(state): State<AppState>,
    Path(mount): Path<String>,
    ClientIp(ip): ClientIp,
    req: Request,
) -> Response {
    let path = format!("{}{mount}", dateline_core::live::MOUNT_PREFIX);
    let (parts, body) = req.into_parts();
    match parts.method.as_str() {
        "GET" | "HEAD" => listen::get_http(&state, &parts.method, &path, &parts.headers).await,
        "PUT" | "SOURCE" => source::put_http(&state, &path, ip, &parts.headers, body).await,
        _ => {
            let mut res = axum::http::StatusCode::METHOD_NOT_ALLOWED.into_response();
            res.headers_mut().insert(
                axum::http::header::ALLOW,
                axum::http::HeaderValue::from_static("GET, HEAD, PUT, SOURCE"),
            );
            res
        }
    }
}

fn refusal_response(refusal: &head::Refusal) -> Response {
    let mut res = (refusal.status, refusal.body()).into_response();
    for (name, value) in refusal.headers() {
        res.headers_mut().insert(name, value);
    }
    res
}
