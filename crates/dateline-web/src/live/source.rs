//! Source ingest, Icecast-compatible: `PUT` (with `Expect: 100-continue`) or the legacy
//! `SOURCE` method, HTTP Basic authentication as user `source` with the mount's password, and
//! the `ice-*` headers taken as the stream's description.
//!
//! Source clients send their audio as an unframed body that runs until they hang up, which
//! hyper cannot read; the front door hands those connections here raw ([`serve_raw`]). A
//! properly framed `PUT` (`curl -T`) arrives through axum ([`put_http`]). Both admit the
//! source the same way ([`admit`]). A password is never logged.

use super::head::{Head, Refusal, SERVER, basic_credentials};
use super::password;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use dateline_core::live::MountPath;
use dateline_live::{MountConfig, Source, SourceEnd, SourceInfo};
use dateline_store::StoreError;
use futures::StreamExt;
use std::net::IpAddr;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Check the mount, the credentials and that the mount is free here and on every other node;
/// put the source on air and record this node as the mount's source node (the claim, held
/// as long as the source).
pub(crate) async fn admit(
    state: &AppState,
    path: &str,
    ip: Option<IpAddr>,
    authorization: Option<&str>,
    info: SourceInfo,
) -> Result<(Source, Option<SourceClaim>), Refusal> {
    let not_configured = || {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "No mount is configured at this path (add one with `dateline mount add`).",
        )
    };
    let path = MountPath::parse(path).map_err(|_| not_configured())?;
    let mount = match state.store.live_mount(&path).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Err(not_configured()),
        Err(e) => {
            tracing::error!(mount = %path, error = %e, "loading a mount failed");
            return Err(Refusal::internal());
        }
    };
    let Some((user, pass)) = authorization.and_then(basic_credentials) else {
        // libshout asks first without credentials and expects exactly this.
        return Err(Refusal::unauthorized("Authentication required."));
    };
    password::authenticate(
        state,
        &path,
        &mount.source_password_hash,
        ip,
        (user, pass),
        "source",
    )
    .await?;
    // Source connects are rare: take the stored configuration fresh each time, so a mount
    // changed with the CLI applies at the next connect.
    state.live.hub().configure(MountConfig::from(&mount));
    let now = state.clock.now().as_microsecond();
    let mut source = state
        .live
        .hub()
        .start_source(&path, info, now)
        .map_err(|e| {
            tracing::warn!(mount = %path, reason = %e, "source refused");
            Refusal::from(e)
        })?;
    // Claimed after the hub took the source: a refusal here must not delete the row of a
    // source this node already has on air.
    let claim = match SourceClaim::take(state, &path).await {
        Ok(claim) => claim,
        Err(refusal) => {
            source.finish(SourceEnd::Finished);
            return Err(refusal);
        }
    };
    Ok((source, claim))
}

/// This node's row in `live_source_nodes` for a mount whose source it has on air, renewed
/// every heartbeat while held and deleted when dropped (the source ended).
pub(crate) struct SourceClaim {
    heartbeat: tokio::task::JoinHandle<()>,
    store: dateline_store::Store,
    path: MountPath,
    node_url: String,
}

impl SourceClaim {
    /// Claim `path` for this node. None when this node has no URL (nothing can relay from it,
    /// so there is nothing to record) or the store failed (the source still plays here);
    /// refused with Icecast's "Mountpoint in use" when another node has the mount's source.
    async fn take(state: &AppState, path: &MountPath) -> Result<Option<Self>, Refusal> {
        let Some(node_url) = state.live.node_url().map(str::to_owned) else {
            return Ok(None);
        };
        let options = &state.live.options;
        let now = state.clock.now();
        let stale = jiff::SignedDuration::try_from(options.source_stale_after)
            .unwrap_or(jiff::SignedDuration::from_secs(15));
        match state
            .store
            .claim_live_source(path, &node_url, now, now - stale)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(mount = %path, "source refused: another node has this mount's source");
                return Err(Refusal::new(StatusCode::FORBIDDEN, "Mountpoint in use"));
            }
            Err(e) => {
                // Degraded, not refused: listeners here still hear it; other nodes cannot
                // relay it until the next heartbeat writes the row.
                tracing::error!(mount = %path, error = %e, "recording this node as the source node failed");
            }
        }
        let heartbeat = tokio::spawn(heartbeat(
            state.clone(),
            path.clone(),
            node_url.clone(),
            options.heartbeat_every,
        ));
        Ok(Some(Self {
            heartbeat,
            store: state.store.clone(),
            path: path.clone(),
            node_url,
        }))
    }
}

/// Renew the claim every `every`; a row lost meanwhile (this node was taken for dead) is
/// claimed back only if nobody else took it.
async fn heartbeat(state: AppState, path: MountPath, node_url: String, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let now = state.clock.now();
        let renewed = state.store.renew_live_source(&path, &node_url, now).await;
        let stale = jiff::SignedDuration::try_from(state.live.options.source_stale_after)
            .unwrap_or(jiff::SignedDuration::from_secs(15));
        match renewed {
            Ok(true) => {}
            Ok(false) => match state
                .store
                .claim_live_source(&path, &node_url, now, now - stale)
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(mount = %path,
                    "another node has taken this mount's source; its listeners are not relayed from here"),
                Err(e) => {
                    tracing::warn!(mount = %path, error = %e, "renewing the source node failed")
                }
            },
            Err(e) => tracing::warn!(mount = %path, error = %e, "renewing the source node failed"),
        }
    }
}

impl Drop for SourceClaim {
    fn drop(&mut self) {
        self.heartbeat.abort();
        let store = self.store.clone();
        let path = self.path.clone();
        let node_url = std::mem::take(&mut self.node_url);
        // Dropped where no `.await` is possible: the release runs on its own. If it is lost
        // (the process dies), the row goes stale and counts as gone.
        tokio::spawn(async move {
            if let Err(e) = store.release_live_source(&path, &node_url).await {
                tracing::warn!(mount = %path, error = %e, "clearing the source node failed");
            }
        });
    }
}

/// A source connection taken over from the front door: answer, then read until it hangs up.
/// `rest` is what was read past the head (the start of the audio).
pub(crate) async fn serve_raw(
    state: AppState,
    mut stream: TcpStream,
    ip: IpAddr,
    head: Head,
    rest: Bytes,
) {
    let info = head.source_info();
    let auth = head.header("authorization");
    let (mut source, _claim) = match admit(&state, head.path(), Some(ip), auth, info).await {
        Ok(s) => s,
        Err(refusal) => {
            let _ = stream.write_all(refusal.raw().as_bytes()).await;
            let _ = stream.shutdown().await;
            return;
        }
    };
    // Icecast answers an `Expect: 100-continue` with the interim answer alone, and everything
    // else with a bare 200; clients wait for one of the two before sending audio.
    let expects_continue = head
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let answer = if expects_continue {
        "HTTP/1.1 100 Continue\r\n\r\n".to_owned()
    } else {
        format!("HTTP/1.0 200 OK\r\nServer: {SERVER}\r\n\r\n")
    };
    if stream.write_all(answer.as_bytes()).await.is_err() {
        source.finish(SourceEnd::Failed);
        return;
    }
    if !rest.is_empty() {
        source.push(&rest);
    }
    let end = source.run(&mut stream).await;
    if end == SourceEnd::Shutdown {
        let _ = stream.shutdown().await;
    }
}

/// A framed `PUT` through axum: the body streams into the mount; the answer's head goes at
/// once and its (empty) body ends when the source does, so the request outlives no timeout.
pub(crate) async fn put_http(
    state: &AppState,
    path: &str,
    ip: Option<IpAddr>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let info = super::head::source_info(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (mut source, claim) = match admit(state, path, ip, auth, info).await {
        Ok(s) => s,
        Err(refusal) => return super::refusal_response(&refusal),
    };
    let timeout = state.live.hub().options().source_timeout;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut data = body.into_data_stream();
        let stopping = source.stopping();
        tokio::pin!(stopping);
        let end = loop {
            enum Step {
                Next(Option<Result<Bytes, axum::Error>>),
                Idle,
                Shutdown,
            }
            // The task ends with the body, an idle source, or the server's shutdown (which
            // must not wait for a source to hang up).
            let step = tokio::select! {
                next = tokio::time::timeout(timeout, data.next()) => match next {
                    Ok(n) => Step::Next(n),
                    Err(_) => Step::Idle,
                },
                () = &mut stopping => Step::Shutdown,
            };
            match step {
                Step::Next(Some(Ok(chunk))) => source.push(&chunk),
                Step::Next(Some(Err(_))) => break SourceEnd::Failed,
                Step::Next(None) => break SourceEnd::Finished,
                Step::Idle => break SourceEnd::TimedOut,
                Step::Shutdown => break SourceEnd::Shutdown,
            }
        };
        source.finish(end);
        drop(claim);
        let _ = done_tx.send(());
    });
    let done = futures::stream::once(async move {
        let _ = done_rx.await;
        Ok::<_, std::convert::Infallible>(Bytes::new())
    });
    (
        StatusCode::OK,
        [(axum::http::header::SERVER, SERVER)],
        Body::from_stream(done),
    )
        .into_response()
}
