//! Mail to readers over SMTP (lettre, tokio + rustls): [`SmtpSettings`] from the node's
//! configuration, and [`Mailer`], which queues mail as durable `mail.send` jobs
//! (`web/src/jobs.rs`) and sends them off the request path, on whichever node claims them.
//!
//! Handlers only queue a message: its recipient, reader and purpose. The job makes the link
//! when it sends (a fresh token, stored only as a digest), so a job row never holds a working
//! link; it holds the reader's address until the mail is sent, when the row is deleted. When
//! the server does not take a message, the job is tried again after 2, 4, 8, 16 and 32 seconds,
//! each failure logged, then kept as failed with an error an operator can act on (`dateline
//! jobs list`). A queued mail survives a stop of the node. Nothing waits on a send: a
//! registration is complete (the account exists) before its mail is even tried, and a reader
//! whose mail never came asks for the link again. Never logs a password, a token, an address
//! or a message body (which holds a link that works).

use crate::clock::Clock;
use crate::jobs::{Handlers, JobQueue, Kind};
use crate::newsroom::credentials::{new_token, token_hash};
use anyhow::Context;
use dateline_core::mail::{LinkPurpose, MailText, ReplyText, reply_mail, reset_mail, verify_mail};
use dateline_core::secret::Secret;
use dateline_core::{CommentId, ReaderId};
use dateline_store::{Job, Store, StoreError};
use lettre::message::header::ContentType;
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

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
    /// Signs every message when set (`[mail] dkim_selector`, `dkim_key`).
    pub dkim: Option<Arc<Dkim>>,
}

/// A DKIM signer: the selector, the From address's domain and the private key (RSA or
/// Ed25519). Signs with relaxed/relaxed canonicalisation, which survives the header folding
/// and trailing-space changes relays make, over the headers a receiver judges a message by
/// and both `List-Unsubscribe` headers (RFC 8058 asks for them to be signed).
pub struct Dkim {
    config: lettre::message::dkim::DkimConfig,
    pub selector: String,
    pub domain: String,
}

impl std::fmt::Debug for Dkim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dkim")
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

/// The Ed25519 PKCS#8 prefix (`openssl genpkey -algorithm ed25519`) before the 32-byte seed.
const ED25519_PKCS8: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

impl Dkim {
    /// A signer for `domain` from a key file's text: an RSA key in PKCS#1 PEM (`BEGIN RSA
    /// PRIVATE KEY`, `openssl genrsa -traditional 2048`), an Ed25519 key in PKCS#8 PEM
    /// (`BEGIN PRIVATE KEY`, `openssl genpkey -algorithm ed25519`) or an Ed25519 seed as
    /// base64. The error names what was wrong, never the key.
    pub fn new(selector: &str, domain: &str, key: &str) -> anyhow::Result<Self> {
        use base64::Engine;
        use lettre::message::dkim::{
            DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
            DkimSigningKey,
        };
        use lettre::message::header::HeaderName;
        let key = key.trim();
        let signing = if key.contains("BEGIN RSA PRIVATE KEY") {
            DkimSigningKey::new(key, DkimSigningAlgorithm::Rsa)
                .map_err(|_| anyhow::anyhow!("the DKIM key is not a valid RSA private key"))?
        } else if key.contains("BEGIN PRIVATE KEY") {
            let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(body.trim())
                .context("the DKIM key's PEM is not base64")?;
            let seed = der
                .strip_prefix(&ED25519_PKCS8[..])
                .filter(|s| s.len() == 32)
                .context(
                    "the DKIM key in PKCS#8 is not an Ed25519 key (an RSA key must be PKCS#1: \
                     BEGIN RSA PRIVATE KEY)",
                )?;
            let seed = base64::engine::general_purpose::STANDARD.encode(seed);
            DkimSigningKey::new(&seed, DkimSigningAlgorithm::Ed25519)
                .map_err(|_| anyhow::anyhow!("the DKIM key is not a valid Ed25519 key"))?
        } else {
            DkimSigningKey::new(key, DkimSigningAlgorithm::Ed25519).map_err(|_| {
                anyhow::anyhow!(
                    "the DKIM key is neither an RSA PEM, an Ed25519 PEM nor an Ed25519 seed"
                )
            })?
        };
        let headers = [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
        ]
        .into_iter()
        .map(HeaderName::new_from_ascii_str)
        .collect();
        let config = DkimConfig::new(
            selector.to_owned(),
            domain.to_owned(),
            signing,
            headers,
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            },
        );
        Ok(Self {
            config,
            selector: selector.to_owned(),
            domain: domain.to_owned(),
        })
    }

    /// Add the `DKIM-Signature` header.
    pub fn sign(&self, m: &mut Message) {
        m.sign(&self.config);
    }
}

/// The domain of a From address (`The Herald <news@herald.example>` → `herald.example`): the
/// domain DKIM signs for.
pub fn from_domain(from: &str) -> anyhow::Result<String> {
    let m: Mailbox = from
        .parse()
        .with_context(|| format!("the SMTP from address {from:?} is not valid"))?;
    Ok(m.email.domain().to_owned())
}

/// The pooled transport and the From mailbox for these settings. Connects to nothing yet.
pub(crate) fn transport(
    settings: &SmtpSettings,
) -> anyhow::Result<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)> {
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
    Ok((builder.build(), from))
}

/// Sending one message: five retries after the first attempt, waiting 2, 4, 8, 16 and 32
/// seconds.
pub const MAIL: Kind = Kind {
    name: "mail.send",
    max_attempts: 6,
    backoff: &[
        Duration::from_secs(2),
        Duration::from_secs(4),
        Duration::from_secs(8),
        Duration::from_secs(16),
        Duration::from_secs(32),
    ],
};

/// Mailing a reader about a reply to their comment (`discussion/replies.rs`): tried like
/// [`MAIL`].
pub const REPLY: Kind = Kind {
    name: "mail.reply",
    ..MAIL
};

/// What a `mail.reply` job carries: only the reply's id; everything else is read when it is
/// sent, so a reply deleted or a reader who stopped these mails meanwhile sends nothing.
#[derive(Debug, Serialize, Deserialize)]
struct ReplyPayload {
    comment_id: i64,
}

/// What a `mail.send` job carries: no token, no body.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    to: String,
    reader_id: i64,
    /// `verify` or `reset`.
    purpose: String,
}

/// The handle: cheap to clone; queues mail as jobs.
#[derive(Clone)]
pub struct Mailer {
    queue: JobQueue,
    /// Messages this node's SMTP server accepted so far (tests wait on it).
    sent: Arc<watch::Sender<u64>>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("sent", &*self.sent.borrow())
            .finish()
    }
}

impl Mailer {
    /// Check the settings and add the sending job's handler to `handlers`. Connects to nothing
    /// yet: a server that is down at start only delays the first message.
    pub fn start(
        settings: &SmtpSettings,
        queue: JobQueue,
        handlers: &mut Handlers,
    ) -> anyhow::Result<Self> {
        let (transport, from) = transport(settings)?;
        let sender = Arc::new(Sender {
            transport,
            dkim: settings.dkim.clone(),
            from,
            store: queue.store().clone(),
            clock: queue.clock().clone(),
            sent: Arc::new(watch::Sender::new(0u64)),
        });
        let sent = sender.sent.clone();
        let replies = sender.clone();
        handlers.add(MAIL, move |job| {
            let sender = sender.clone();
            async move { sender.send(&job).await }
        });
        handlers.add(REPLY, move |job| {
            let sender = replies.clone();
            async move { sender.send_reply(&job).await }
        });
        Ok(Self { queue, sent })
    }

    /// Queue a mail with a single-use link for `purpose` to reader `reader` at `to` (an
    /// address already checked as an `Email`). The link is made when the mail is sent.
    pub async fn queue_link(
        &self,
        to: &str,
        reader: ReaderId,
        purpose: LinkPurpose,
    ) -> Result<(), StoreError> {
        self.queue
            .enqueue(
                &MAIL,
                &Payload {
                    to: to.to_owned(),
                    reader_id: reader.0,
                    purpose: purpose.as_str().to_owned(),
                },
                None,
                None,
            )
            .await?;
        Ok(())
    }

    /// Queue the mail about a published reply to its parent's author, who may or may not have
    /// asked for it: the job decides when it runs. Queued once per reply (the dedupe key) while
    /// the first is waiting; the store's record of replies taken makes it mail once at most.
    pub async fn queue_reply(&self, reply: CommentId) -> Result<(), StoreError> {
        self.queue
            .enqueue(
                &REPLY,
                &ReplyPayload {
                    comment_id: reply.0,
                },
                Some(format!("reply:{}", reply.0)),
                None,
            )
            .await?;
        Ok(())
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

/// What the job's handler sends with.
struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    dkim: Option<Arc<Dkim>>,
    from: Mailbox,
    store: Store,
    clock: Clock,
    sent: Arc<watch::Sender<u64>>,
}

impl Sender {
    /// Make the link and send the message; an error when the server did not take it (the job
    /// is tried again). Mail that can never be sent (an address SMTP refuses, a reader deleted
    /// since) is logged and done with.
    async fn send(&self, job: &Job) -> anyhow::Result<()> {
        let p: Payload = serde_json::from_str(&job.payload).context("reading the job's payload")?;
        let to = match p.to.parse::<Mailbox>() {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(job_id = job.id, error = %e,
                    "a reader's address is not one SMTP takes; no mail sent");
                return Ok(());
            }
        };
        let (purpose, path) = match p.purpose.as_str() {
            "verify" => (LinkPurpose::Verify, "/readers/verify"),
            "reset" => (LinkPurpose::Reset, "/readers/reset"),
            other => anyhow::bail!("unknown mail purpose {other:?}"),
        };
        let reader = match self.store.reader(ReaderId(p.reader_id)).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                tracing::info!(job_id = job.id, "the reader is gone; no mail sent");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        if purpose == LinkPurpose::Verify && reader.verified {
            return Ok(());
        }
        let site = self.store.site_settings().await?;
        // The token exists only here and in the message: the store keeps its digest.
        let token = new_token()?;
        self.store
            .create_reader_link(
                reader.id,
                purpose,
                &token_hash(token.expose()),
                self.clock.now(),
            )
            .await?;
        let link = format!(
            "{}{path}?token={}",
            site.base_url.trim_end_matches('/'),
            token.expose()
        );
        let text = match purpose {
            LinkPurpose::Verify => verify_mail(&site.name, &reader.display_name, &link),
            LinkPurpose::Reset => reset_mail(&site.name, &reader.display_name, &link),
        };
        let mut message = plain_message(&self.from, &to, &text)?;
        if let Some(d) = &self.dkim {
            d.sign(&mut message);
        }
        self.transport
            .send(message)
            .await
            .context("the SMTP server did not take the message")?;
        self.sent.send_modify(|n| *n += 1);
        tracing::info!(job_id = job.id, subject = %text.subject, "mail sent");
        Ok(())
    }
}

impl Sender {
    /// Mail a reply's parent author when they asked for it (see [`Store::reply_mail`] for
    /// when); at most once per reply. A server that does not take the message gives the reply
    /// back and fails the attempt, so the job's next attempt sends it.
    async fn send_reply(&self, job: &Job) -> anyhow::Result<()> {
        let p: ReplyPayload =
            serde_json::from_str(&job.payload).context("reading the job's payload")?;
        let reply = CommentId(p.comment_id);
        let now = self.clock.now();
        let Some(mail) = self.store.reply_mail(reply, now).await? else {
            return Ok(());
        };
        let to = match mail.email.parse::<Mailbox>() {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(job_id = job.id, error = %e,
                    "a reader's address is not one SMTP takes; no reply mail sent");
                return Ok(());
            }
        };
        if !self.store.take_reply_mail(reply, now).await? {
            return Ok(());
        }
        let site = self.store.site_settings().await?;
        let base = site.base_url.trim_end_matches('/');
        let signer = crate::newsletters::events::link_signer(&self.store).await?;
        let off = format!(
            "{base}{}?token={}",
            crate::discussion::replies::OFF_PATH,
            signer.reply_mail_off(mail.reader_id.0)
        );
        let link = format!(
            "{base}/discussion/{}/#comment-{}",
            mail.article_id.0, reply.0
        );
        let text = reply_mail(&ReplyText {
            site_name: &site.name,
            reader_name: &mail.reader_name,
            replier_name: &mail.replier_name,
            headline: &mail.headline,
            reply: &mail.reply_body,
            link: &link,
            off_link: &off,
        });
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.subject.clone())
            // RFC 8058: one POST to the link stops these mails, from the mail client's own
            // unsubscribe button, without a cookie.
            .raw_header(lettre::message::header::HeaderValue::new(
                lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{off}>"),
            ))
            .raw_header(lettre::message::header::HeaderValue::new(
                lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(text_body(&text.body))
            .context("building the reply mail")?;
        if let Some(d) = &self.dkim {
            d.sign(&mut message);
        }
        if let Err(e) = self.transport.send(message).await {
            self.store.release_reply_mail(reply).await?;
            return Err(anyhow::Error::new(e).context("the SMTP server did not take a reply mail"));
        }
        self.sent.send_modify(|n| *n += 1);
        tracing::info!(job_id = job.id, comment_id = reply.0, "reply mail sent");
        Ok(())
    }
}

/// A plain-text message (no Date: lettre adds the current one).
pub(crate) fn plain_message(
    from: &Mailbox,
    to: &Mailbox,
    text: &MailText,
) -> anyhow::Result<Message> {
    Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(text.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(text_body(&text.body))
        .context("building the message")
}

/// A text body as 7-bit lines when it is ASCII, so links arrive on one line exactly as
/// written (lettre would choose quoted-printable for any line over 78 characters, and a link
/// with its token is longer; RFC 5322 allows lines of up to 998); otherwise lettre picks.
pub(crate) fn text_body(text: &str) -> Body {
    if text.is_ascii() && text.lines().all(|l| l.len() <= 998) && !text.contains('\0') {
        let crlf = text.lines().collect::<Vec<_>>().join("\r\n") + "\r\n";
        Body::dangerous_pre_encoded(
            crlf.into_bytes(),
            lettre::message::header::ContentTransferEncoding::SevenBit,
        )
    } else {
        Body::new(text.to_owned())
    }
}
