//! The front door: the socket acceptor `serve` gives axum. It reads each new connection's
//! request head and keeps the connections the live relay must handle itself:
//!
//! - `SOURCE`, and `PUT` to a `/live/` path without HTTP body framing: source clients (ffmpeg,
//!   libshout) stream an unframed body until they hang up, which no HTTP server library reads;
//! - `GET`/`HEAD` of a known mount: listeners get Icecast's exact answer (HTTP/1.0, no chunked
//!   framing) and the audio is written straight to the socket in vectored batches;
//! - `OPTIONS *`, libshout's probe for TLS: it must get a 2xx and must not reuse the connection
//!   (its next request is a source whose body hyper could not read).
//!
//! Every other connection goes to axum untouched: the bytes read are replayed first ([`Conn`]).
//! The door never blocks accepting: each head is read in its own task, bounded in time and
//! size. It never logs a header value. At shutdown it closes gracefully ([`DoorCloser`]): the
//! port closes first, and every connection already accepted still reaches axum before axum
//! stops accepting, so no client that got a connection is cut off unanswered.

use super::head::{self, Head, Parsed};
use super::{listen, source};
use crate::state::AppState;
use bytes::{Buf, Bytes, BytesMut};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

/// Longer heads go to hyper, which answers them with its own limits.
const MAX_HEAD: usize = 16 * 1024;

/// A connection handed to axum, with the bytes the door already read replayed first.
pub struct Conn {
    read: Bytes,
    stream: TcpStream,
    /// Counts this connection as handed over but not yet read by hyper, until `read` is
    /// replayed: a graceful shutdown closes a connection hyper has not started reading as idle,
    /// so the door's close waits for these (the request they carry is then in flight and
    /// finishes).
    unread: Option<Unread>,
}

/// One connection in [`FrontDoor`]'s count of unread hand-overs; dropping it counts it out.
struct Unread(Arc<watch::Sender<usize>>);

impl Unread {
    fn new(count: &Arc<watch::Sender<usize>>) -> Self {
        count.send_modify(|n| *n += 1);
        Self(count.clone())
    }
}

impl Drop for Unread {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Conn {
    fn new(read: Bytes, stream: TcpStream, unread: &Arc<watch::Sender<usize>>) -> Self {
        let unread = (!read.is_empty()).then(|| Unread::new(unread));
        Self {
            read,
            stream,
            unread,
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.read.is_empty() {
            let n = self.read.len().min(buf.remaining());
            buf.put_slice(&self.read[..n]);
            self.read.advance(n);
            if self.read.is_empty() {
                self.unread = None;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The listener to give `axum::serve` instead of a bare `TcpListener`.
pub struct FrontDoor {
    incoming: mpsc::Receiver<(Conn, SocketAddr)>,
    local: SocketAddr,
    acceptor: JoinHandle<()>,
    /// Set once every connection the door accepted has been handed over (after a close).
    drained: watch::Sender<bool>,
    closer: DoorCloser,
}

/// Closes a [`FrontDoor`] gracefully; see [`DoorCloser::close`].
#[derive(Clone)]
pub struct DoorCloser {
    close: Arc<watch::Sender<bool>>,
    drained: watch::Receiver<bool>,
    unread: watch::Receiver<usize>,
}

impl DoorCloser {
    /// Close the port, then wait until every connection accepted before has been handed to
    /// axum (its head read: bounded by the head timeout) or ended by the relay. axum must still
    /// be accepting from the door meanwhile: call this inside its graceful-shutdown future.
    pub async fn close(&self) {
        self.close.send_replace(true);
        let mut drained = self.drained.clone();
        let _ = drained.wait_for(|d| *d).await;
        let mut unread = self.unread.clone();
        let _ = unread.wait_for(|n| *n == 0).await;
    }
}

impl FrontDoor {
    pub fn new(listener: TcpListener, state: AppState) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, incoming) = mpsc::channel(1024);
        let (close, close_rx) = watch::channel(false);
        let (drained, drained_rx) = watch::channel(false);
        let (unread, unread_rx) = watch::channel(0);
        let acceptor = tokio::spawn(accept_loop(listener, state, tx, close_rx, Arc::new(unread)));
        Ok(Self {
            incoming,
            local,
            acceptor,
            drained,
            closer: DoorCloser {
                close: Arc::new(close),
                drained: drained_rx,
                unread: unread_rx,
            },
        })
    }

    /// The handle that closes this door gracefully at shutdown.
    pub fn closer(&self) -> DoorCloser {
        self.closer.clone()
    }
}

impl Drop for FrontDoor {
    fn drop(&mut self) {
        // The acceptor owns every connection the relay took over (its JoinSet): they end too.
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for FrontDoor {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(c) => c,
            // The acceptor is gone (closed, with every connection handed over, or after a
            // panic there): accept nothing more.
            None => {
                self.drained.send_replace(true);
                std::future::pending().await
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: AppState,
    tx: mpsc::Sender<(Conn, SocketAddr)>,
    mut close: watch::Receiver<bool>,
    unread: Arc<watch::Sender<usize>>,
) {
    // Each connection is sorted in a task of its own; a listener's comes back here, once its
    // answer has gone out, to be streamed in a new, much smaller task (see `listen::Streaming`).
    let mut tasks: JoinSet<Option<listen::Streaming>> = JoinSet::new();
    loop {
        tokio::select! {
            // Only ever set to true, so any change is the close.
            Ok(()) = close.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    // Answers are written whole; waiting for an ACK before sending the next one
                    // (Nagle) only adds latency to keep-alive connections.
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!(error = %e, "setting TCP_NODELAY failed");
                    }
                    tasks.spawn(sort(stream, addr, state.clone(), tx.clone(), unread.clone()));
                }
                Err(e) => {
                    // Out of file descriptors, usually: wait a moment instead of spinning, as
                    // axum's own accept loop does.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(Some(streaming)) = joined {
                    tasks.spawn(stream_listener(streaming));
                }
            }
            () = tx.closed() => return,
        }
    }
    // Closing: new connections are refused from here; the ones accepted finish sorting (and
    // the relay's, which the live hub's shutdown ends), then the last sender goes and the
    // door's `accept` sees the end.
    // Connections the kernel completed but nobody accepted yet would be reset by the close:
    // take them first (a connection arriving in the moment between the last look and the
    // close is still reset; the grace before it is what moves clients away). Asked of the
    // socket itself: tokio's `accept` answers from the readiness the reactor last saw, which
    // misses connections that arrived since its last turn, and with clients reconnecting after
    // every `Connection: close` answer there is nearly always one in the queue.
    match listener.into_std() {
        Ok(listener) => loop {
            match listener.accept() {
                Ok((stream, addr)) => {
                    let stream = stream
                        .set_nonblocking(true)
                        .and_then(|()| TcpStream::from_std(stream));
                    match stream {
                        Ok(stream) => {
                            let _ = stream.set_nodelay(true);
                            tasks.spawn(sort(
                                stream,
                                addr,
                                state.clone(),
                                tx.clone(),
                                unread.clone(),
                            ));
                        }
                        Err(e) => tracing::debug!(error = %e, "taking a queued connection failed"),
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                // `WouldBlock`: the queue is empty. The listener closes when dropped here.
                Err(_) => break,
            }
        },
        Err(e) => tracing::debug!(error = %e, "the listener could not be taken to drain it"),
    }
    drop(tx);
    while let Some(joined) = tasks.join_next().await {
        // A listener answered during the close still gets its (ending) stream.
        if let Ok(Some(streaming)) = joined {
            tasks.spawn(stream_listener(streaming));
        }
    }
}

/// A listener's task: the stream only, so its future stays as small as the stream's state.
/// (`map` rather than an `async` block, which would hold a second copy of `streaming`.)
fn stream_listener(
    streaming: listen::Streaming,
) -> impl std::future::Future<Output = Option<listen::Streaming>> + Send + 'static {
    futures::FutureExt::map(streaming.run(), |()| None)
}

enum Route {
    Http,
    Source,
    Listen,
    Options,
}

fn route(head: &Head, state: &AppState) -> Route {
    match head.method.as_str() {
        "SOURCE" => Route::Source,
        "PUT"
            if head.path().starts_with(dateline_core::live::MOUNT_PREFIX)
                && !head.has_framed_body() =>
        {
            Route::Source
        }
        "GET" | "HEAD" if state.live.hub().is_mount(head.path()) => Route::Listen,
        "OPTIONS" if head.target == "*" => Route::Options,
        _ => Route::Http,
    }
}

/// Read one connection's head and send it where it belongs.
async fn sort(
    mut stream: TcpStream,
    addr: SocketAddr,
    state: AppState,
    tx: mpsc::Sender<(Conn, SocketAddr)>,
    unread: Arc<watch::Sender<usize>>,
) -> Option<listen::Streaming> {
    let mut buf = BytesMut::with_capacity(2048);
    let wait = state.live.options.head_timeout;
    let parsed = tokio::time::timeout(wait, async {
        loop {
            match head::parse(&buf) {
                Parsed::Complete(h, len) => return Some((h, len)),
                Parsed::Invalid => return None,
                Parsed::Partial if buf.len() >= MAX_HEAD => return None,
                Parsed::Partial => {}
            }
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    })
    .await;
    let (head, len) = match parsed {
        Ok(Some(found)) => found,
        // A closed connection with nothing said needs no answer.
        Ok(None) | Err(_) if buf.is_empty() => return None,
        // Anything else is hyper's to answer (or to time out) by its own rules.
        Ok(None) | Err(_) => {
            let _ = tx
                .send((Conn::new(buf.freeze(), stream, &unread), addr))
                .await;
            return None;
        }
    };
    match route(&head, &state) {
        Route::Http => {
            let _ = tx
                .send((Conn::new(buf.freeze(), stream, &unread), addr))
                .await;
        }
        Route::Source => {
            let rest = buf.split_off(len).freeze();
            source::serve_raw(state, stream, addr.ip(), head, rest).await;
        }
        Route::Listen => {
            drop(buf);
            return listen::serve_raw(state, stream, head).await;
        }
        Route::Options => {
            // No TLS here: the Upgrade is declined by answering without it, as Icecast built
            // without TLS does; libshout then goes on in plain text on a new connection.
            let answer = format!(
                "HTTP/1.1 200 OK\r\nServer: {}\r\nAllow: GET, HEAD, PUT, SOURCE, OPTIONS\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n",
                head::SERVER
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
    None
}
