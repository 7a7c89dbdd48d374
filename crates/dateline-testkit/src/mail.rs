//! [`MailSink`]: a real SMTP server on 127.0.0.1 for the mail tests: Debian's `aiosmtpd`
//! (`python3-aiosmtpd`, installed by `scripts/install-deps`) with its `Mailbox` handler, which
//! keeps every message it accepts in a Maildir. Dateline's mailer (lettre) holds a whole SMTP
//! conversation with it (EHLO, MAIL, RCPT, DATA, QUIT), so the tests check what really goes
//! over the wire rather than a stand-in's idea of it.
//!
//! [`MailSink::start_picky`] is the same server answering as real ones sometimes do, by the
//! recipient's local part: `refuse…` gets a 550 at RCPT, `defer…` a 451 the first time, and
//! `drop…` the first time has its message stored and the connection cut before the answer
//! (the sender cannot know the message arrived). [`MailSink::start_slow`] answers each
//! message a while after keeping it, as a busy relay does, which spreads a send out in time.
//!
//! The server process belongs to the sink and is killed when the sink is dropped.

use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;

/// Debian's interpreter, which is the one `python3-aiosmtpd` installs into (a `python3`
/// earlier on the PATH, such as a pyenv one, does not have it).
const PYTHON: &str = "/usr/bin/python3";

pub struct MailSink {
    pub port: u16,
    dir: tempfile::TempDir,
    _server: tokio::process::Child,
}

/// One message as received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The whole message, headers and body, with `\r\n` line ends made `\n`.
    pub raw: String,
}

impl Mail {
    /// A header's value, continuation lines unfolded (RFC 5322 folding).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\n\n").next().unwrap_or("");
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = unfolded.last_mut() {
                    last.push(' ');
                    last.push_str(line.trim());
                }
            } else {
                unfolded.push(line.to_owned());
            }
        }
        unfolded.iter().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The body, decoded when it was sent quoted-printable; of a multipart message, its
    /// `text/plain` part.
    pub fn body(&self) -> String {
        if let Some(text) = self.part("text/plain") {
            return text;
        }
        let body = self.raw.split_once("\n\n").map_or("", |(_, b)| b);
        let qp = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        if qp {
            quoted_printable(body)
        } else {
            body.to_owned()
        }
    }

    /// The decoded part of a multipart message whose type is `content_type` (7bit,
    /// quoted-printable or base64); None for a single-part message or no such part.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let ct = self.header("Content-Type")?;
        let boundary = ct.split(';').find_map(|p| {
            p.trim()
                .strip_prefix("boundary=")
                .map(|b| b.trim_matches('"').to_owned())
        })?;
        let marker = format!("--{boundary}");
        for chunk in self.raw.split(&marker).skip(1) {
            let part = Mail {
                raw: chunk.trim_start_matches('\n').to_owned(),
            };
            let is_it = part
                .header("Content-Type")
                .is_some_and(|t| t.to_ascii_lowercase().starts_with(content_type));
            if !is_it {
                continue;
            }
            let body = part.raw.split_once("\n\n").map_or("", |(_, b)| b);
            let encoding = part
                .header("Content-Transfer-Encoding")
                .unwrap_or_default()
                .to_ascii_lowercase();
            return Some(match encoding.as_str() {
                "quoted-printable" => quoted_printable(body),
                "base64" => {
                    use base64::Engine;
                    let joined: String = body.split_whitespace().collect();
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(joined)
                        .unwrap_or_default();
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                _ => body.to_owned(),
            });
        }
        None
    }

    /// The first link in the body starting with `prefix` (a whole line of its own).
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.body()
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(str::to_owned)
    }

    /// Check the message's DKIM signature with dkimpy (installed by `scripts/install-deps`
    /// into `.venv-tools/`), an implementation independent of the signer, with `records`
    /// standing in for DNS (`selector._domainkey.domain` → the TXT record). Ok when it
    /// verifies; the error carries dkimpy's account otherwise.
    pub async fn verify_dkim(&self, records: &[(&str, &str)]) -> anyhow::Result<()> {
        use tokio::io::AsyncWriteExt;
        let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-tools/bin/python");
        let dns: std::collections::HashMap<&str, &str> = records.iter().copied().collect();
        let script = r#"
import json, sys, logging, dkim
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
records = json.loads(sys.argv[1])
def dnsfunc(name, timeout=5):
    key = name.decode() if isinstance(name, bytes) else name
    return records.get(key.rstrip('.'), '').encode()
msg = sys.stdin.buffer.read()
ok = dkim.verify(msg, dnsfunc=dnsfunc, logger=logging.getLogger('dkim'))
print('pass' if ok else 'fail')
sys.exit(0 if ok else 1)
"#;
        let mut child = tokio::process::Command::new(&python)
            .arg("-c")
            .arg(script)
            .arg(serde_json::to_string(&dns)?)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (scripts/install-deps installs dkimpy into .venv-tools/)",
                    python.display()
                )
            })?;
        let mut stdin = child.stdin.take().context("dkimpy's stdin")?;
        stdin
            .write_all(self.raw.replace('\n', "\r\n").as_bytes())
            .await?;
        drop(stdin);
        let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .context("dkimpy did not answer within 30 s")??;
        anyhow::ensure!(
            out.status.success(),
            "dkimpy did not verify the signature: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }
}

/// A port nothing listens on now: bind, note it, let it go (a server binds it a moment later).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Undo quoted-printable: soft line breaks and `=XX` bytes (RFC 2045).
fn quoted_printable(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && let Some(v) = joined
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The picky server: aiosmtpd's `Mailbox` handler (so [`MailSink::messages`] reads what it
/// kept), answering by the recipient's local part.
const PICKY: &str = r#"
import sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

class Picky(Mailbox):
    def __init__(self, path):
        super().__init__(path)
        self.deferred = set()
        self.dropped = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@')[0]
        if local.startswith('refuse'):
            return '550 5.1.1 No such mailbox here'
        if local.startswith('defer') and address not in self.deferred:
            self.deferred.add(address)
            return '451 4.2.0 Greylisted, try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        for address in envelope.rcpt_tos:
            if address.split('@')[0].startswith('drop') and address not in self.dropped:
                # Kept, then the connection cut before the answer: the sender cannot tell.
                self.dropped.add(address)
                server.transport.abort()
        return answer

port, maildir = int(sys.argv[1]), sys.argv[2]
controller = Controller(Picky(maildir), hostname='127.0.0.1', port=port)
controller.start()
threading.Event().wait()
"#;

/// The slow server: aiosmtpd's `Mailbox` handler answering each message `DELAY` (its third
/// argument, in seconds) after it stored it.
const SLOW: &str = r#"
import asyncio, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

port, maildir, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])

class Slow(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(delay)
        return answer

controller = Controller(Slow(maildir), hostname='127.0.0.1', port=port)
controller.start()
threading.Event().wait()
"#;

impl MailSink {
    /// Start the server on a free port and wait until it answers.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_on(free_port()?).await
    }

    /// Start the server on `port` (from [`free_port`]) and wait until it answers.
    pub async fn start_on(port: u16) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating the maildir folder")?;
        let maildir = dir.path().join("maildir");
        let mut command = tokio::process::Command::new(PYTHON);
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir);
        Self::spawn(command, port, dir).await
    }

    /// A server that refuses, defers and drops some recipients (see the module's note).
    pub async fn start_picky() -> anyhow::Result<Self> {
        Self::start_script(PICKY, &[]).await
    }

    /// A server answering each message `delay` after it kept it: a message is in the Maildir
    /// (and so counted by [`MailSink::count`]) while its sender still waits for the answer.
    pub async fn start_slow(delay: Duration) -> anyhow::Result<Self> {
        Self::start_script(SLOW, &[delay.as_secs_f64().to_string()]).await
    }

    /// One of this module's Python servers (`script` takes the port, the Maildir and then
    /// `extra`) on a free port.
    async fn start_script(script: &str, extra: &[String]) -> anyhow::Result<Self> {
        let port = free_port()?;
        let dir = tempfile::tempdir().context("creating the maildir folder")?;
        let maildir = dir.path().join("maildir");
        let mut command = tokio::process::Command::new(PYTHON);
        command
            .arg("-c")
            .arg(script)
            .arg(port.to_string())
            .arg(&maildir)
            .args(extra);
        Self::spawn(command, port, dir).await
    }

    async fn spawn(
        mut command: tokio::process::Command,
        port: u16,
        dir: tempfile::TempDir,
    ) -> anyhow::Result<Self> {
        let server = command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context(
                "starting aiosmtpd (Debian's python3-aiosmtpd; scripts/install-deps installs it)",
            )?;
        let sink = Self {
            port,
            dir,
            _server: server,
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                use tokio::io::AsyncReadExt;
                let mut greeting = [0u8; 3];
                if s.read_exact(&mut greeting).await.is_ok() && &greeting == b"220" {
                    return Ok(sink);
                }
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "aiosmtpd did not answer on 127.0.0.1:{port} within 15 s (is python3-aiosmtpd \
                 installed? scripts/install-deps installs it)"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn new_dir(&self) -> PathBuf {
        self.dir.path().join("maildir").join("new")
    }

    /// How many messages the Maildir holds now: one directory listing, cheap enough to poll
    /// in a tight loop (and callable where no `.await` can be).
    pub fn count(&self) -> anyhow::Result<usize> {
        match std::fs::read_dir(self.new_dir()) {
            Ok(entries) => Ok(entries.count()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e).context("reading the maildir"),
        }
    }

    /// Every message received so far, oldest first.
    pub async fn messages(&self) -> anyhow::Result<Vec<Mail>> {
        Ok(self.files().await?.into_iter().map(|(_, m)| m).collect())
    }

    /// Every message received so far, oldest first, taken out of the Maildir: what
    /// [`MailSink::messages`] reads afterwards is only what arrived since.
    pub async fn take(&self) -> anyhow::Result<Vec<Mail>> {
        let mut taken = Vec::new();
        for (path, mail) in self.files().await? {
            tokio::fs::remove_file(&path)
                .await
                .with_context(|| format!("taking {} out of the maildir", path.display()))?;
            taken.push(mail);
        }
        Ok(taken)
    }

    /// Each message's file and text, oldest first.
    async fn files(&self) -> anyhow::Result<Vec<(PathBuf, Mail)>> {
        let mut found = Vec::new();
        let mut entries = match tokio::fs::read_dir(self.new_dir()).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).context("reading the maildir"),
        };
        while let Some(e) = entries.next_entry().await? {
            // Python's Maildir names a message `SECS.MMICROSPPIDQCOUNT.HOST`, COUNT rising by
            // one per message of the one server process: the order received.
            let name = e.file_name().to_string_lossy().into_owned();
            let count = name
                .split('.')
                .nth(1)
                .and_then(|p| p.rsplit_once('Q'))
                .and_then(|(_, n)| n.parse::<u64>().ok())
                .unwrap_or(u64::MAX);
            let raw = tokio::fs::read_to_string(e.path()).await?;
            found.push((count, name, e.path(), raw.replace("\r\n", "\n")));
        }
        found.sort();
        Ok(found
            .into_iter()
            .map(|(_, _, path, raw)| (path, Mail { raw }))
            .collect())
    }

    /// The messages sent to `to` so far.
    pub async fn to(&self, to: &str) -> anyhow::Result<Vec<Mail>> {
        Ok(self
            .messages()
            .await?
            .into_iter()
            .filter(|m| {
                m.header("To")
                    .is_some_and(|t| t.to_lowercase().contains(&to.to_lowercase()))
            })
            .collect())
    }
}
