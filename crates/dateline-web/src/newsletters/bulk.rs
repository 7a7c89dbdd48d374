//! The SMTP connections of one issue's send run: up to `[newsletters] concurrency` of them,
//! each carrying one message at a time, opened when needed, kept between messages and closed
//! (QUIT) when the run ends. [`Connections::send`] says what became of a message in the terms
//! the delivery rows need ([`Answer`]); it never retries, and never logs an address.
//!
//! Why not lettre's pooled transport, which reader mail uses: lettre writes a message's data
//! and its terminating `.` in two writes and then waits for the answer. With Nagle's algorithm
//! on (lettre's default socket) the small second write waits for the acknowledgement of the
//! first, which the server delays (40 ms on Linux) because it has nothing to answer yet, so
//! every message on a connection cost about 45 ms however fast both ends were: the 22
//! messages a second measured before (docs/benchmarks.md). These connections are lettre's
//! own SMTP client over a socket opened here with `TCP_NODELAY`, so the terminator goes at
//! once. (SMTPS, TLS from the first byte, is lettre's connect as before: its socket cannot be
//! reached; STARTTLS upgrades this socket and keeps the setting.)

use crate::mail::{SmtpSettings, SmtpTls};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long connecting (TCP, greeting, EHLO, STARTTLS, AUTH) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one message's SMTP transaction may take before it counts as unanswered.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// A connection idle longer than this is checked with a NOOP before it carries a message, so
/// one the server closed meanwhile is not mistaken for a message without an answer.
const IDLE_CHECK: Duration = Duration::from_secs(5);

/// What became of one message.
#[derive(Debug)]
#[expect(
    clippy::enum_variant_names,
    reason = "NoAnswer is the SMTP outcome's name (handed over, no answer), not the enum's"
)]
pub enum Answer {
    /// The server took it (250 after the data).
    Sent,
    /// A 5xx: refused for good (or a message this server can never take).
    Refused(String),
    /// A 4xx: not taken, for now.
    Deferred(String),
    /// Handed over, then no answer (the connection broke, a timeout): it may have been taken.
    NoAnswer(String),
    /// Never handed over: no connection could be made.
    NotSent(String),
}

/// The run's connections.
pub struct Connections {
    host: String,
    port: u16,
    tls: SmtpTls,
    tls_parameters: Option<TlsParameters>,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Connections {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let tls_parameters = match settings.tls {
            SmtpTls::None => None,
            SmtpTls::Starttls | SmtpTls::Tls => Some(TlsParameters::new(settings.host.clone())?),
        };
        let credentials = settings.username.as_ref().map(|user| {
            let password = settings
                .password
                .as_ref()
                .map(|p| p.expose().clone())
                .unwrap_or_default();
            Credentials::new(user.clone(), password)
        });
        Ok(Self {
            host: settings.host.clone(),
            port: settings.port,
            tls: settings.tls,
            tls_parameters,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn connect(&self) -> anyhow::Result<AsyncSmtpConnection> {
        let mut conn = match (self.tls, &self.tls_parameters) {
            (SmtpTls::Tls, Some(params)) => {
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(CONNECT_TIMEOUT),
                    &self.hello,
                    Some(params.clone()),
                    None,
                )
                .await?
            }
            _ => {
                let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await?;
                tcp.set_nodelay(true)?;
                let mut conn =
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?;
                if let (SmtpTls::Starttls, Some(params)) = (self.tls, &self.tls_parameters) {
                    conn.starttls(params.clone(), &self.hello).await?;
                }
                conn
            }
        };
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(conn)
    }

    /// An idle connection that still answers, or a new one.
    async fn checkout(&self) -> anyhow::Result<AsyncSmtpConnection> {
        loop {
            let parked = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let Some((mut conn, since)) = parked else {
                break;
            };
            if conn.has_broken() {
                continue;
            }
            if since.elapsed() < IDLE_CHECK || conn.test_connected().await {
                return Ok(conn);
            }
            conn.abort().await;
        }
        tokio::time::timeout(CONNECT_TIMEOUT, self.connect())
            .await
            .map_err(|_| anyhow::anyhow!("connecting took over {CONNECT_TIMEOUT:?}"))?
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        if !conn.has_broken() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((conn, Instant::now()));
        }
    }

    /// Make sure the server answers before any row is taken: an error when it does not.
    pub async fn ready(&self) -> anyhow::Result<()> {
        let conn = self.checkout().await?;
        self.checkin(conn);
        Ok(())
    }

    /// One message's SMTP transaction.
    pub async fn send(&self, envelope: &Envelope, data: &[u8]) -> Answer {
        let mut conn = match self.checkout().await {
            Ok(c) => c,
            Err(e) => return Answer::NotSent(format!("{e:#}")),
        };
        match tokio::time::timeout(SEND_TIMEOUT, conn.send(envelope, data)).await {
            Ok(Ok(_)) => {
                self.checkin(conn);
                Answer::Sent
            }
            // lettre ends the connection after any refusal (QUIT); the next message opens
            // another.
            Ok(Err(e)) if e.is_permanent() || e.is_client() => Answer::Refused(e.to_string()),
            Ok(Err(e)) if e.is_transient() => Answer::Deferred(e.to_string()),
            Ok(Err(e)) => Answer::NoAnswer(e.to_string()),
            Err(_) => Answer::NoAnswer(format!("no answer within {SEND_TIMEOUT:?}")),
        }
    }

    /// End the idle connections politely.
    pub async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for (mut conn, _) in idle {
            if conn.quit().await.is_err() {
                conn.abort().await;
            }
        }
    }
}
