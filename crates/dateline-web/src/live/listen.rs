//! Listeners: `GET` (or `HEAD`) on a mount path streams its audio with Icecast's headers, a
//! burst first, and ICY metadata blocks when asked for with `Icy-MetaData: 1`.
//!
//! The front door hands listeners of known mounts here raw ([`serve_raw`]): an HTTP/1.0 answer
//! with the audio written straight to the socket in vectored batches, exactly as Icecast
//! answers; the stream itself then runs in a task of its own ([`Streaming`]), holding only the
//! socket and the listener's cursor. A listener that reaches axum instead (the second request on a kept-alive
//! connection, or a mount this node has not seen yet) is served through hyper ([`get_http`]).
//! Either way the socket's send buffer is bounded, so a stalled listener costs bounded memory.
//!
//! A mount on air on another node is relayed here for its listeners (`relay.rs`); another
//! node's relay, authenticated as user `relay`, gets this node's own source unthrottled and
//! is not counted as a listener.

use super::head::{Head, Refusal, StreamHeaders, basic_credentials};
use super::relay;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use dateline_core::live::MountPath;
use dateline_live::{End, Listener, MountConfig, StreamDescription};
use dateline_store::StoreError;
use futures::StreamExt;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn wants_icy(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim() == "1")
}

fn stream_headers(d: StreamDescription) -> StreamHeaders {
    StreamHeaders {
        content_type: d.content_type,
        name: d.station_name,
        info: d.info,
        metaint: d.metaint,
    }
}

/// A new listener of `path`: another node's relay when it authenticates as user `relay`
/// (served with the relay password only), else an ordinary listener, for whom a mount on air
/// on another node is relayed here first.
async fn open(
    state: &AppState,
    path: &MountPath,
    icy: bool,
    authorization: Option<&str>,
) -> Result<Listener, Refusal> {
    let hub = state.live.hub();
    let credentials = authorization.and_then(basic_credentials);
    if let Some((_, password)) = credentials.filter(|(u, _)| u == relay::RELAY_USER) {
        if state.live.options.relay_password.is_none() {
            tracing::warn!(mount = %path, "relay refused: this node has no relay password");
            return Err(Refusal::unauthorized(
                "This node serves no relays (it has no relay password).",
            ));
        }
        if !relay::relay_password_matches(state, &password) {
            tracing::warn!(mount = %path, "relay refused: wrong relay password");
            return Err(Refusal::unauthorized("Wrong relay password."));
        }
        return hub.listen_relay(path, icy).map_err(Refusal::from);
    }
    if !hub.on_air(path) {
        relay::want(state, path).await;
    }
    hub.listen(path, icy).map_err(Refusal::from)
}

/// A listener connection taken over from the front door: answered here, and when it is a
/// listener, handed back as a [`Streaming`] for the front door to run as its own task.
///
/// The setup (the request head, the answer, a relay started for a mount on air elsewhere) is
/// kept apart from the streaming on purpose: a task's memory is the largest state its future
/// can be in, for as long as the task lives, so a listener that streamed inside this function
/// would keep the request head, the answer and the room for every step above for hours.
pub(crate) async fn serve_raw(
    state: AppState,
    mut stream: TcpStream,
    head: Head,
) -> Option<Streaming> {
    let hub = state.live.hub();
    let icy = wants_icy(head.header("icy-metadata"));
    let path = MountPath::parse(head.path())
        .map_err(|_| Refusal::new(StatusCode::NOT_FOUND, "No such mount."));
    if head.method == "HEAD" {
        // Monitoring probes with HEAD: describe the stream without counting a listener.
        let answer = path
            .and_then(|p| hub.describe(&p, icy).map_err(Refusal::from))
            .map_or_else(|r| r.raw(), |d| stream_headers(d).raw());
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        return None;
    }
    let listener = match path {
        Ok(p) => open(&state, &p, icy, head.header("authorization")).await,
        Err(r) => Err(r),
    };
    let listener = match listener {
        Ok(l) => l,
        Err(refusal) => {
            let _ = stream.write_all(refusal.raw().as_bytes()).await;
            let _ = stream.shutdown().await;
            return None;
        }
    };
    bound_send_buffer(&stream, state.live.options.listener_send_buffer);
    // Batches are already large; waiting to coalesce them further only adds delay.
    let _ = stream.set_nodelay(true);
    let head_out = stream_headers(listener.describe()).raw();
    if stream.write_all(head_out.as_bytes()).await.is_err() {
        return None;
    }
    Some(Streaming { stream, listener })
}

/// A listener whose answer has gone out: its socket and its cursor, nothing else. Its task's
/// future ([`Streaming::run`]) is what each listener costs for as long as it listens.
pub(crate) struct Streaming {
    stream: TcpStream,
    listener: Listener,
}

impl Streaming {
    /// Write the audio until the stream ends.
    pub(crate) async fn run(self) {
        let Self {
            mut stream,
            mut listener,
        } = self;
        let end = listener.stream(&mut stream).await;
        // Its place and its count go back now, not after the close below.
        drop(listener);
        if matches!(end, End::SourceGone | End::Shutdown) {
            // A clean end: the player sees the stream close, not a reset.
            let _ = tokio::time::timeout(Duration::from_secs(5), stream.shutdown()).await;
        }
    }
}

/// Cap the kernel's buffer for this socket: without it, autotuning lets a stalled listener
/// hold megabytes in the kernel before the relay notices it has fallen behind.
fn bound_send_buffer(stream: &TcpStream, bytes: usize) {
    if bytes > 0
        && let Err(e) = socket2::SockRef::from(stream).set_send_buffer_size(bytes)
    {
        tracing::debug!(error = %e, "cannot bound a listener's send buffer");
    }
}

/// A listener through axum.
pub(crate) async fn get_http(
    state: &AppState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let Ok(path) = MountPath::parse(path) else {
        return crate::AppError::NotFound.into_response();
    };
    let hub = state.live.hub();
    if hub.config(&path).is_none() {
        // A mount added (with the CLI) since this node started and never on air here.
        match state.store.live_mount(&path).await {
            Ok(m) => hub.configure(MountConfig::from(&m)),
            Err(StoreError::NotFound) => return crate::AppError::NotFound.into_response(),
            Err(e) => return crate::AppError::from(e).into_response(),
        }
    }
    let icy = wants_icy(headers.get("icy-metadata").and_then(|v| v.to_str().ok()));
    let with_headers = |d: StreamDescription, body: Body| {
        let mut response = Response::new(body);
        for (name, value) in stream_headers(d).pairs() {
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
                response.headers_mut().insert(n, v);
            }
        }
        response
    };
    if method == Method::HEAD {
        return match hub.describe(&path, icy) {
            Ok(d) => with_headers(d, Body::empty()),
            Err(e) => super::refusal_response(&Refusal::from(e)),
        };
    }
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let listener = match open(state, &path, icy, authorization).await {
        Ok(l) => l,
        Err(refusal) => return super::refusal_response(&refusal),
    };
    let description = listener.describe();
    let batches = futures::stream::unfold(listener, |mut l| async move {
        let mut out = Vec::new();
        l.next(&mut out).await.ok().map(|()| (out, l))
    });
    let body = batches
        .flat_map(futures::stream::iter)
        .map(Ok::<_, std::convert::Infallible>);
    with_headers(description, Body::from_stream(body))
}
