//! Relays: a mount whose source is elsewhere is pulled over HTTP and fed into this node's hub
//! as if it were a source, so its listeners, burst, ICY titles, fallback and status work as
//! for a source of this node's own.
//!
//! Two kinds of upstream, one mechanism:
//! - another node of the site, found in `live_source_nodes` (the node that admitted the
//!   source writes its row, see `source.rs`): `GET {node_url}/live/NAME` as user `relay` with
//!   the shared relay password, which that node serves unthrottled and apart from its
//!   listeners;
//! - a mount's `relay_from` upstream (an Icecast server's mount), pulled by every node on its
//!   own.
//!
//! A relay runs on demand, as Icecast's `<on-demand>` relays do: the first listener of a mount
//! that is not on air here starts it (once per mount; later listeners share it) and waits, a
//! bounded time, for it to come on air. When the upstream ends, the relay's session ends the
//! way a source's does (listeners move to the fallback or their stream ends), and while
//! listeners keep asking it reconnects, with a bounded backoff, to whichever node has the
//! source next. With no listener for the linger time it stops. The upstream is asked for ICY
//! metadata, and its titles become this node's now-playing title.
//!
//! Never relays a relay (a node serves other nodes only its own sources), never logs the relay
//! password or an upstream's credentials, and never holds a lock across an `.await`.

use super::head::{self, SERVER};
use crate::state::AppState;
use base64::Engine;
use dateline_core::live::{MountPath, Upstream};
use dateline_live::SourceEnd;
use dateline_live::icy::IcyReader;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The first wait between tries to reach an upstream; doubled after each failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between tries: a source back within seconds is heard within seconds.
const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// The largest response head accepted from an upstream.
const MAX_HEAD: usize = 16 * 1024;

/// The user other nodes' relays authenticate as.
pub(crate) const RELAY_USER: &str = "relay";

/// Why reaching an upstream failed (logged, never shown to a listener).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RelayError {
    #[error("connecting failed: {0}")]
    Connect(#[source] std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the upstream answered {0}")]
    Status(u16),
    #[error("the upstream's answer is not HTTP")]
    BadHead,
}

/// The relays this node runs, one per mount at most.
#[derive(Default)]
pub(crate) struct Relays {
    running: Mutex<HashMap<MountPath, Arc<Demand>>>,
}

/// When a listener last asked for a relayed mount: the relay keeps going while this is
/// recent or the mount has listeners.
struct Demand {
    last: Mutex<Instant>,
    /// Wakes a relay waiting out its backoff: a listener is waiting now.
    asked: tokio::sync::Notify,
}

impl Demand {
    fn touch(&self) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.asked.notify_one();
    }

    fn idle_for(&self) -> Duration {
        self.last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }
}

/// Where to pull a mount from now.
struct Target {
    upstream: Upstream,
    /// Basic credentials to send (the relay password for a node; the URL's for Icecast).
    credentials: Option<(String, String)>,
    /// Shown in status and logs: never with credentials.
    shown: String,
}

/// A listener wants `path`, which is not on air here: make sure a relay is pulling it when it
/// is on air elsewhere, and wait (at most the relay wait) for it to come on air here. Returns
/// at once when there is nothing to relay.
pub(crate) async fn want(state: &AppState, path: &MountPath) {
    let hub = state.live.hub();
    if hub.on_air(path) {
        return;
    }
    match target(state, path).await {
        Ok(Some(_)) => {}
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(mount = %path, error = %e, "looking up where a mount is on air failed");
            return;
        }
    }
    start(state, path);
    let wait = state.live.options.relay_wait;
    let _ = tokio::time::timeout(wait, hub.wait_until(|h| h.on_air(path))).await;
}

/// Start the mount's relay unless one runs; either way, count this as demand.
fn start(state: &AppState, path: &MountPath) {
    let relays = &state.live.relays;
    let mut running = relays.running.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(demand) = running.get(path) {
        demand.touch();
        return;
    }
    let demand = Arc::new(Demand {
        last: Mutex::new(Instant::now()),
        asked: tokio::sync::Notify::new(),
    });
    running.insert(path.clone(), demand.clone());
    drop(running);
    let state = state.clone();
    let path = path.clone();
    // Owned by the hub's shutdown (the loop ends on it) and by demand (it ends without).
    tokio::spawn(async move {
        run(&state, &path, &demand).await;
        let mut running = state
            .live
            .relays
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if running.get(&path).is_some_and(|d| Arc::ptr_eq(d, &demand)) {
            running.remove(&path);
        }
    });
}

/// Where `path` is to be pulled from: its `relay_from` upstream, else the node whose source
/// row is fresh, unless that is this node. None: nowhere.
async fn target(state: &AppState, path: &MountPath) -> Result<Option<Target>, anyhow::Error> {
    let mount = match state.store.live_mount(path).await {
        Ok(m) => m,
        Err(dateline_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if let Some(up) = mount.relay_from {
        return Ok(Some(Target {
            credentials: up.credentials().map(|(u, p)| (u.to_owned(), p.to_owned())),
            shown: up.to_string(),
            upstream: up,
        }));
    }
    let stale = jiff::SignedDuration::try_from(state.live.options.source_stale_after)?;
    let fresh_after = state.clock.now() - stale;
    let Some(node) = state.store.live_source_node(path, fresh_after).await? else {
        return Ok(None);
    };
    if state.live.node_url() == Some(node.node_url.as_str()) {
        return Ok(None);
    }
    let upstream = Upstream::parse(&format!("{}{path}", node.node_url))?;
    Ok(Some(Target {
        credentials: state
            .live
            .options
            .relay_password
            .as_ref()
            .map(|p| (RELAY_USER.to_owned(), p.expose().clone())),
        shown: node.node_url,
        upstream,
    }))
}

/// Whether the relay is still wanted: listeners on the mount, or one asked lately.
fn wanted(state: &AppState, path: &MountPath, demand: &Demand) -> bool {
    state.live.hub().listeners(path) > 0 || demand.idle_for() < state.live.options.relay_linger
}

/// The relay's life: find the upstream, pull it while wanted, reconnect after it ends.
async fn run(state: &AppState, path: &MountPath, demand: &Demand) {
    let hub = state.live.hub().clone();
    let stopping = hub.stopping();
    tokio::pin!(stopping);
    let mut backoff = FIRST_BACKOFF;
    loop {
        if !wanted(state, path, demand) {
            tracing::info!(mount = %path, "relay stopped: no listeners");
            return;
        }
        let pulled = tokio::select! {
            r = pull_once(state, path, demand) => r,
            () = &mut stopping => return,
        };
        match pulled {
            Pull::Done => return,
            Pull::Played => backoff = FIRST_BACKOFF,
            Pull::Failed => {}
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            // A listener waiting is worth a try at once; the backoff still grows.
            () = demand.asked.notified() => {}
            () = &mut stopping => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

enum Pull {
    /// Nothing more to do: a source of this node's own took the mount.
    Done,
    /// The upstream played and then ended.
    Played,
    /// The upstream could not be found or reached.
    Failed,
}

async fn pull_once(state: &AppState, path: &MountPath, demand: &Demand) -> Pull {
    let hub = state.live.hub();
    if hub.on_air(path) {
        return Pull::Done;
    }
    let target = match target(state, path).await {
        Ok(Some(t)) => t,
        Ok(None) => return Pull::Failed,
        Err(e) => {
            tracing::warn!(mount = %path, error = %e, "looking up where a mount is on air failed");
            return Pull::Failed;
        }
    };
    let timeout = state.live.options.head_timeout;
    let (mut stream, head, rest) = match connect(&target, timeout).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(mount = %path, upstream = %target.shown, error = %e, "relay could not reach its upstream");
            return Pull::Failed;
        }
    };
    let mut info = head::source_info(|name| head.get(name).cloned());
    info.relayed_from = Some(target.shown.clone());
    // Relays are not sources a broadcaster runs: say which node it came through.
    info.user_agent = Some(format!("Dateline relay of {}", target.shown));
    let now = state.clock.now().as_microsecond();
    let mut source = match hub.start_source(path, info, now) {
        Ok(s) => s,
        Err(dateline_live::LiveError::MountInUse) => return Pull::Done,
        Err(e) => {
            tracing::warn!(mount = %path, reason = %e, "relay refused by the hub");
            return Pull::Failed;
        }
    };
    tracing::info!(mount = %path, upstream = %target.shown, "relay on air");
    // The linger counts from here too: listeners waiting for this relay join now, however
    // long reaching the upstream took.
    demand.touch();
    let mut icy = head
        .get("icy-metaint")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .map(IcyReader::new);
    let mut audio = Vec::with_capacity(32 * 1024);
    let mut feed = |data: &[u8], source: &mut dateline_live::Source| match &mut icy {
        Some(reader) => {
            audio.clear();
            let title = reader.feed(data, &mut audio);
            source.push(&audio);
            if let Some(t) = title
                && hub.title(path).as_deref() != Some(t.as_str())
            {
                let _ = hub.set_title(path, &t);
            }
        }
        None => source.push(data),
    };
    if !rest.is_empty() {
        feed(&rest, &mut source);
    }
    let idle = hub.options().source_timeout;
    let linger = state.live.options.relay_linger;
    let mut buf = vec![0u8; 32 * 1024];
    let mut last_data = Instant::now();
    let end = loop {
        // Wake at least every linger (and every idle timeout) even when no audio comes, so a
        // relay nobody hears stops and a silent upstream is left.
        let read = tokio::time::timeout(idle.min(linger), stream.read(&mut buf)).await;
        match read {
            Ok(Ok(0)) => break SourceEnd::Finished,
            Ok(Ok(n)) => {
                last_data = Instant::now();
                feed(&buf[..n], &mut source);
            }
            Ok(Err(_)) => break SourceEnd::Failed,
            Err(_) if last_data.elapsed() >= idle => break SourceEnd::TimedOut,
            Err(_) => {}
        }
        if !wanted(state, path, demand) {
            break SourceEnd::Finished;
        }
    };
    source.finish(end);
    if !matches!(end, SourceEnd::Finished) || state.live.hub().listeners(path) > 0 {
        // The upstream went while people listened: keep trying for a linger at least, so the
        // players reconnecting find the source wherever it comes back.
        demand.touch();
    }
    let _ = stream.shutdown().await;
    tracing::info!(mount = %path, upstream = %target.shown, reason = end.as_str(), "relay off air");
    Pull::Played
}

/// Ask the upstream for the stream: HTTP/1.0 (so the body is the stream until the connection
/// closes, as Icecast sends it), with ICY metadata. The answer's headers (names lower-cased)
/// and the bytes read past them.
async fn connect(
    target: &Target,
    timeout: Duration,
) -> Result<(TcpStream, HashMap<String, String>, Vec<u8>), RelayError> {
    let up = &target.upstream;
    let mut request = format!(
        "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: {SERVER}\r\nIcy-MetaData: 1\r\n",
        up.path,
        up.authority()
    );
    if let Some((user, password)) = &target.credentials {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Authorization: Basic {encoded}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        let mut stream = TcpStream::connect((up.host.as_str(), up.port))
            .await
            .map_err(RelayError::Connect)?;
        let _ = stream.set_nodelay(true);
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(RelayError::Connect)?;
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.map_err(RelayError::Connect)?;
            if n == 0 {
                return Err(RelayError::BadHead);
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            // SHOUTcast-style servers answer `ICY 200 OK`: read it as HTTP/1.0.
            let parsed = if buf.starts_with(b"ICY ") {
                let mut fixed = b"HTTP/1.0 ".to_vec();
                fixed.extend_from_slice(&buf[4..]);
                let mut headers2 = [httparse::EMPTY_HEADER; 64];
                let mut r2 = httparse::Response::new(&mut headers2);
                match r2.parse(&fixed) {
                    Ok(httparse::Status::Complete(len)) => {
                        let code = r2.code.unwrap_or(0);
                        let h = header_map(r2.headers);
                        Some((code, h, len - 5))
                    }
                    Ok(httparse::Status::Partial) => None,
                    Err(_) => return Err(RelayError::BadHead),
                }
            } else {
                match response.parse(&buf) {
                    Ok(httparse::Status::Complete(len)) => {
                        let code = response.code.unwrap_or(0);
                        let h = header_map(response.headers);
                        Some((code, h, len))
                    }
                    Ok(httparse::Status::Partial) => None,
                    Err(_) => return Err(RelayError::BadHead),
                }
            };
            match parsed {
                Some((200, h, len)) => return Ok((stream, h, buf[len..].to_vec())),
                Some((code, _, _)) => return Err(RelayError::Status(code)),
                None if buf.len() > MAX_HEAD => return Err(RelayError::BadHead),
                None => {}
            }
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| RelayError::Timeout(timeout))?
}

fn header_map(headers: &[httparse::Header<'_>]) -> HashMap<String, String> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).trim().to_owned(),
            )
        })
        .collect()
}

/// Whether `presented` is this node's relay password, compared in constant time (over
/// digests, so the length does not show either).
pub(crate) fn relay_password_matches(state: &AppState, presented: &str) -> bool {
    use sha2::{Digest, Sha256};
    let Some(expected) = &state.live.options.relay_password else {
        return false;
    };
    let a: [u8; 32] = Sha256::digest(expected.expose().as_bytes()).into();
    let b: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}
