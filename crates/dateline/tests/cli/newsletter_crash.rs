//! Issue 21's promise for newsletters, against the real binary: `kill -9` of `dateline serve`
//! in the middle of an issue's send, then `serve` again on the same data, sends the rest and
//! never a message twice.
//!
//! What the code guarantees, and so what this checks (docs/newsletters.md, "Sending, exactly
//! once"): a batch's rows are taken `queued → sending` in one commit before any of its
//! messages goes, and recorded in one commit after the last answer. The process is killed
//! while a batch is on the wire, so the dead process leaves exactly that batch `sending`,
//! every earlier batch `sent` and the rest `queued`. The next start waits out the dead
//! process's job lease, marks the batch `uncertain` and sends only the `queued` rows. So:
//! nobody gets two messages (by recipient and by Message-ID); every row never taken is sent;
//! the interrupted batch's readers got one message if the SMTP server had taken theirs before
//! the kill and none otherwise (counted as unknown, never sent again: the price of never
//! sending twice); and the issue ends `sent`.
//!
//! The SMTP server is the testkit's real aiosmtpd keeping a Maildir
//! (`MailSink::start_slow`), which answers each message 40 ms after storing it, as a busy relay
//! might. That spreads the send over a few seconds, and it
//! makes the moment of the kill certain: when the Maildir holds a number of messages that is
//! not a whole number of batches, a batch is on the wire and at least `HALF` more of its
//! messages (each held 40 ms) stand between it and its commit.
//!
//! Subscribers come in as readers do: the subscribe form, the confirmation mail read from the
//! Maildir, its link followed. The database is only read, to check the rows.
//!
//! It waits out a 30-second job lease, so plain `cargo test` skips it; `scripts/test` runs it
//! (`cargo test --workspace --test cli -- --ignored newsletter_crash`). Every wait is bounded.

use crate::served::{Served, attr, cookie_header, cookies, http, ok, s, sqlite};
use anyhow::{Context, bail, ensure};
use dateline_testkit::MailSink;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EDITOR: &str = "ed@example.com";
const PASSWORD: &str = "a long editor password";
/// Confirmed subscribers.
const READERS: usize = 200;
/// `[newsletters] batch`: rows taken and recorded at a time.
const BATCH: usize = 20;
/// The kill comes while at most this many of a batch's messages are in the Maildir.
const HALF: usize = 8;

/// The editor's session: cookies and the newsroom's form token.
struct Session {
    jar: Vec<(String, String)>,
    csrf: String,
}

async fn sign_in(http: &reqwest::Client, node: &Served) -> anyhow::Result<Session> {
    let mut jar = Vec::new();
    let form = http.get(node.url("/newsroom/sign-in")).send().await?;
    cookies(&form, &mut jar);
    let token = attr(&form.text().await?, "input[name=form_token]", "value")?;
    let res = http
        .post(node.url("/newsroom/sign-in"))
        .header(reqwest::header::COOKIE, cookie_header(&jar))
        .form(&[
            ("email", EDITOR),
            ("password", PASSWORD),
            ("form_token", &token),
        ])
        .send()
        .await?;
    cookies(&res, &mut jar);
    ensure!(res.status() == 303, "signing in: {}", res.status());
    let page = http
        .get(node.url("/newsroom/newsletters"))
        .header(reqwest::header::COOKIE, cookie_header(&jar))
        .send()
        .await?;
    ensure!(
        page.status() == 200,
        "the newsletters page: {}",
        page.status()
    );
    let csrf = attr(&page.text().await?, "input[name=csrf]", "value")?;
    Ok(Session { jar, csrf })
}

impl Session {
    /// POST a newsroom form; where it redirected to.
    async fn post(
        &self,
        http: &reqwest::Client,
        node: &Served,
        path: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let res = http
            .post(node.url(path))
            .header(reqwest::header::COOKIE, cookie_header(&self.jar))
            .form(&form)
            .send()
            .await?;
        let status = res.status();
        let to = res
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        match to {
            Some(to) if status == 303 => Ok(to),
            _ => bail!("POST {path}: {status}\n{}", res.text().await?),
        }
    }

    async fn get(
        &self,
        http: &reqwest::Client,
        node: &Served,
        path: &str,
    ) -> anyhow::Result<String> {
        let res = http
            .get(node.url(path))
            .header(reqwest::header::COOKIE, cookie_header(&self.jar))
            .send()
            .await?;
        ensure!(res.status() == 200, "GET {path}: {}", res.status());
        Ok(res.text().await?)
    }
}

/// The number after the last `/` of a redirect.
fn last_id(location: &str) -> anyhow::Result<i64> {
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .with_context(|| format!("no id at the end of {location:?}"))
}

/// The text of the first element matching `css`.
fn text_of(html: &str, css: &str) -> anyhow::Result<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).map_err(|e| anyhow::anyhow!("{css}: {e}"))?;
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>())
        .with_context(|| format!("no {css} on the page"))
}

/// The issue's deliveries by state, read from the database.
async fn states(db: &Path, issue: i64) -> anyhow::Result<HashMap<String, usize>> {
    let mut conn = sqlite(db).await?;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM deliveries WHERE issue_id = ? GROUP BY state")
            .bind(issue)
            .fetch_all(&mut conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(state, n)| (state, usize::try_from(n).unwrap_or(0)))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "kills and restarts dateline serve and waits out its 30 s job lease: scripts/test runs it"]
async fn newsletter_crash_kill_9_mid_send_then_restart_sends_the_rest_never_twice()
-> anyhow::Result<()> {
    let bound = Instant::now() + Duration::from_secs(240);
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let data = d.join("site");
    std::fs::create_dir_all(&data)?;
    let db = data.join("dateline.db");
    let sink = MailSink::start_slow(Duration::from_millis(40)).await?;
    std::fs::write(
        data.join("dateline.toml"),
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
             from = \"The Herald <news@news.example>\"\n\n\
             [newsletters]\nbatch = {BATCH}\nconcurrency = 2\n",
            sink.port
        ),
    )?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["user", "add", "--data", s(&data), "--email", EDITOR])
        .args(["--name", "Ed Itor", "--role", "editor", "--password-stdin"])
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        use std::io::Write;
        input.write_all(format!("{PASSWORD}\n").as_bytes())?;
    }
    ok(&child.wait_with_output()?)?;

    let http = http()?;
    let mut node = Served::start(&http, &data, &[], d.join("serve-1.log")).await?;
    let editor = sign_in(&http, &node).await?;
    let made = editor
        .post(
            &http,
            &node,
            "/newsroom/newsletters",
            &[
                ("name", "The Morning"),
                ("slug", "morning"),
                ("description", "The day's news."),
                ("kind", "letter"),
                ("section_id", ""),
                ("schedule", ""),
            ],
        )
        .await?;
    let newsletter = last_id(&made)?.to_string();

    // The readers subscribe through the form, eight at a time.
    use futures::StreamExt;
    let subscribed: Vec<anyhow::Result<()>> = futures::stream::iter((0..READERS).map(|i| {
        let (http, url, newsletter) = (&http, node.url("/newsletters/subscribe"), &newsletter);
        async move {
            let email = format!("reader{i}@readers.example");
            let res = http
                .post(url)
                .form(&[
                    ("email", email.as_str()),
                    ("newsletter", newsletter.as_str()),
                    ("form", "newsletters"),
                ])
                .send()
                .await?;
            ensure!(res.status() == 200, "subscribing {email}: {}", res.status());
            Ok(())
        }
    }))
    .buffer_unordered(8)
    .collect()
    .await;
    subscribed.into_iter().collect::<anyhow::Result<()>>()?;

    // Each follows the link in their confirmation mail; the mails are then taken out of the
    // Maildir, so what is left in it is the issue.
    while sink.count()? < READERS {
        ensure!(
            Instant::now() < bound,
            "only {} of {READERS} confirmation mails arrived",
            sink.count()?
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    const CONFIRM: &str = "http://news.example/newsletters/confirm?token=";
    for mail in sink.take().await? {
        let link = mail
            .link(CONFIRM)
            .with_context(|| format!("no confirmation link in\n{}", mail.raw))?;
        let token = &link[CONFIRM.len()..];
        let res = http
            .get(node.url(&format!("/newsletters/confirm?token={token}")))
            .send()
            .await?;
        ensure!(res.status() == 200, "confirming: {}", res.status());
    }

    // The letter, sent now.
    let sent = editor
        .post(
            &http,
            &node,
            &format!("/newsroom/newsletters/{newsletter}/issues"),
            &[
                ("subject", "Harbour reopens"),
                ("markdown", "The **harbour** reopens today."),
                ("article", ""),
                ("action", "send"),
            ],
        )
        .await?;
    let issue = last_id(&sent)?;

    // kill -9 while a batch is on the wire, after two batches were recorded.
    let at_kill = loop {
        let n = sink.count()?;
        if n >= 2 * BATCH && (1..=HALF).contains(&(n % BATCH)) {
            node.child.kill()?;
            node.child.wait()?;
            break n;
        }
        ensure!(
            n < READERS - BATCH,
            "the send came near its end ({n} messages) without the moment to kill it"
        );
        if let Some(status) = node.child.try_wait()? {
            bail!("dateline serve exited ({status}):\n{}", node.log_text());
        }
        ensure!(Instant::now() < bound, "the send stalled at {n} messages");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    drop(node);

    // What the dead process left: the batches before, sent; the one on the wire, taken
    // (`sending`); the rest queued.
    let left = states(&db, issue).await?;
    let recorded = at_kill / BATCH * BATCH;
    let want: HashMap<String, usize> = [
        ("sent".to_owned(), recorded),
        ("sending".to_owned(), BATCH),
        ("queued".to_owned(), READERS - recorded - BATCH),
    ]
    .into_iter()
    .collect();
    ensure!(
        left == want,
        "killed at {at_kill} messages, the rows were {left:?}, not {want:?}"
    );

    // serve again on the same data: once the dead process's lease runs out, the rest goes.
    let node = Served::start(&http, &data, &[], d.join("serve-2.log")).await?;
    let page = loop {
        let page = editor
            .get(
                &http,
                &node,
                &format!("/newsroom/newsletters/issues/{issue}"),
            )
            .await?;
        let state = text_of(&page, "#issue-state")?;
        if state.trim_start().starts_with("sent") {
            break page;
        }
        ensure!(
            Instant::now() < bound,
            "the issue is still {state:?} after the restart:\n{}",
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    for (state, n) in [
        ("sent", READERS - BATCH),
        ("uncertain", BATCH),
        ("queued", 0),
    ] {
        let cell = text_of(&page, &format!("td[data-state={state}]"))?;
        ensure!(
            cell.trim() == n.to_string(),
            "the progress page counts {cell} {state}, not {n}"
        );
    }
    let log = node.log_text();
    ensure!(
        log.contains("an interrupted send left messages whose fate is unknown"),
        "the restarted node did not report the interrupted batch:\n{log}"
    );

    // Every message as the SMTP server kept it, by recipient and by Message-ID.
    let mut conn = sqlite(&db).await?;
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT d.subscriber_id, b.email, d.state FROM deliveries d \
         JOIN subscribers b ON b.id = d.subscriber_id WHERE d.issue_id = ?",
    )
    .bind(issue)
    .fetch_all(&mut conn)
    .await?;
    ensure!(rows.len() == READERS, "{} delivery rows", rows.len());
    let mut by_recipient: HashMap<String, usize> = HashMap::new();
    let mut ids = HashSet::new();
    let messages = sink.messages().await?;
    for mail in &messages {
        let to = mail
            .header("X-RcptTo")
            .context("a message without X-RcptTo")?;
        let id = mail
            .header("Message-ID")
            .context("a message without a Message-ID")?;
        ensure!(ids.insert(id.clone()), "Message-ID {id} arrived twice");
        let subscriber = rows
            .iter()
            .find(|(_, email, _)| *email == to)
            .with_context(|| format!("a message to {to}, who has no delivery row"))?
            .0;
        ensure!(
            id == format!("<issue-{issue}.subscriber-{subscriber}@news.example>"),
            "{to} got Message-ID {id}"
        );
        *by_recipient.entry(to).or_default() += 1;
    }
    let twice: Vec<_> = by_recipient.iter().filter(|(_, n)| **n > 1).collect();
    ensure!(twice.is_empty(), "sent twice: {twice:?}");
    let mut unknown_reached = 0;
    for (_, email, state) in &rows {
        let got = by_recipient.get(email).copied().unwrap_or(0);
        match state.as_str() {
            "sent" => ensure!(got == 1, "{email}'s row is sent but they got {got}"),
            "uncertain" => unknown_reached += got,
            other => bail!("{email}'s row ended {other}"),
        }
    }
    // The interrupted batch: the messages the server took before the kill reached their
    // readers once; the others were never sent again.
    ensure!(
        (at_kill % BATCH..=BATCH).contains(&unknown_reached),
        "{unknown_reached} of the interrupted batch arrived; the Maildir held {} of it at the kill",
        at_kill % BATCH
    );
    ensure!(messages.len() == READERS - BATCH + unknown_reached);
    Ok(())
}
