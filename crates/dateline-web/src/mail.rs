//! Mail to readers over SMTP (lettre, tokio + rustls): [`SmtpSettings`] from the node's
//! configuration, and [`Mailer`], the one task that sends off the request path.
//!
//! Handlers only queue a message; the task sends it, and when the server does not take it,
//! tries again after 2, 4, 8, 16 and 32 seconds, logging each failure and, at the end, an error
//! an operator can act on. Nothing waits on a send: a registration is complete (the account
//! exists) before its mail is even tried, and a reader whose mail never came asks for the link
//! again. Never logs a password, a token or a message body (which holds a link that works).

use anyhow::Context;
use dateline_core::mail::MailText;
use dateline_core::secret::Secret;
use lettre::message::header::ContentType;
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same machine or network.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::Starttls),
            "tls" => Ok(SmtpTls::Tls),
            other => Err(format!(
                "SMTP TLS mode must be none, starttls or tls, not {other:?}"
            )),
        }
    }
}

impl SmtpTls {
    /// The usual port for the mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// Where and how to send mail. `Debug` shows `***` for the password.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// The From address, e.g. `The Herald <news@herald.example>`.
    pub from: String,
}

/// The sending attempts after the first, and the wait before each.
const RETRIES: [Duration; 5] = [
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
    Duration::from_secs(32),
];

struct Envelope {
    to: Mailbox,
    text: MailText,
    /// Attempts made so far.
    attempts: usize,
}

/// The handle: cheap to clone; queues messages for the one sending task.
#[derive(Clone)]
pub struct Mailer {
    tx: mpsc::UnboundedSender<Envelope>,
    /// Messages the server accepted so far (tests wait on it).
    sent: Arc<watch::Sender<u64>>,
    _task: Arc<Owned>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("sent", &*self.sent.borrow())
            .finish()
    }
}

/// Aborts the task when the last handle is dropped.
struct Owned(JoinHandle<()>);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Mailer {
    /// Check the settings and start the sending task (on the current tokio runtime). Connects
    /// to nothing yet: a server that is down at start only delays the first message.
    pub fn start(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("the SMTP from address {:?} is not valid", settings.from))?;
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(
                TlsParameters::new(settings.host.clone()).context("setting up TLS for SMTP")?,
            ),
            SmtpTls::Tls => Tls::Wrapper(
                TlsParameters::new(settings.host.clone()).context("setting up TLS for SMTP")?,
            ),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if let Some(user) = &settings.username {
            let password = settings
                .password
                .as_ref()
                .map(|p| p.expose().clone())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let transport = builder.build();
        let (tx, rx) = mpsc::unbounded_channel();
        let sent = Arc::new(watch::Sender::new(0u64));
        let task = tokio::spawn(run(transport, from, rx, tx.clone(), sent.clone()));
        Ok(Self {
            tx,
            sent,
            _task: Arc::new(Owned(task)),
        })
    }

    /// Queue a message to `to` (an address already checked as an `Email`).
    pub fn queue(&self, to: &str, text: MailText) {
        let to = match to.parse::<Mailbox>() {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "a reader's address is not one SMTP takes; no mail sent");
                return;
            }
        };
        if self
            .tx
            .send(Envelope {
                to,
                text,
                attempts: 0,
            })
            .is_err()
        {
            tracing::error!("the mail task has stopped; a message was not queued");
        }
    }

    /// Messages the server has accepted since start.
    pub fn sent(&self) -> u64 {
        *self.sent.borrow()
    }

    /// Wait until at least `n` messages were accepted, for at most `within`; whether they were.
    pub async fn delivered(&self, n: u64, within: Duration) -> bool {
        let mut rx = self.sent.subscribe();
        tokio::time::timeout(within, rx.wait_for(|sent| *sent >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

fn message(from: &Mailbox, env: &Envelope) -> anyhow::Result<Message> {
    // Plain 7-bit text when the body is ASCII, so a link arrives on one line exactly as written
    // (lettre would choose quoted-printable for any line over 78 characters, and a link with its
    // token is longer; RFC 5322 allows lines of up to 998). Otherwise lettre picks an encoding.
    let text = &env.text.body;
    let body = if text.is_ascii() && text.lines().all(|l| l.len() <= 998) && !text.contains('\0') {
        let crlf = text.lines().collect::<Vec<_>>().join("\r\n") + "\r\n";
        Body::dangerous_pre_encoded(
            crlf.into_bytes(),
            lettre::message::header::ContentTransferEncoding::SevenBit,
        )
    } else {
        Body::new(text.clone())
    };
    Message::builder()
        .from(from.clone())
        .to(env.to.clone())
        .subject(env.text.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .context("building the message")
}

async fn run(
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    mut rx: mpsc::UnboundedReceiver<Envelope>,
    again: mpsc::UnboundedSender<Envelope>,
    sent: Arc<watch::Sender<u64>>,
) {
    // Messages waiting for their next attempt: each a task that sleeps, then queues it again.
    let mut waiting = JoinSet::new();
    loop {
        let mut env = tokio::select! {
            Some(env) = rx.recv() => env,
            Some(_) = waiting.join_next(), if !waiting.is_empty() => continue,
            else => return,
        };
        let result = match message(&from, &env) {
            Ok(m) => transport
                .send(m)
                .await
                .map(|_| ())
                .map_err(anyhow::Error::from),
            Err(e) => {
                tracing::error!(error = %e, "a mail could not be built; not sent");
                continue;
            }
        };
        env.attempts += 1;
        match result {
            Ok(()) => {
                sent.send_modify(|n| *n += 1);
                tracing::info!(subject = %env.text.subject, "mail sent");
            }
            Err(e) => match RETRIES.get(env.attempts - 1) {
                Some(wait) => {
                    tracing::warn!(error = %e, attempt = env.attempts, retry_in_secs = wait.as_secs(),
                        "sending mail failed; will try again");
                    let wait = *wait;
                    let again = again.clone();
                    waiting.spawn(async move {
                        tokio::time::sleep(wait).await;
                        // The task has stopped only if the server is stopping.
                        let _ = again.send(env);
                    });
                }
                None => {
                    tracing::error!(error = %e, attempts = env.attempts, subject = %env.text.subject,
                        "sending mail failed for good; check the [smtp] settings and the server \
                         (the reader can ask for the link again)");
                }
            },
        }
    }
}
