//! SIGTERM with work under way (issue 19): a live listener's stream ends cleanly (the
//! connection closed after whole data, no reset) and a background job still running is
//! stopped and given back to the queue, not lost and not failed; the process exits 0.
//! On the way, `/metrics` shows the mount's listener and source and the running job.
//! `sigterm_turns_readyz_503_drains_requests_and_exits_0` (in main.rs) covers the requests.

use crate::served::{Served, http, ok, register_reader, run, s};
use anyhow::{Context, ensure};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MOUNT: &str = "/live/shutdown.mp3";
const MOUNT_PASSWORD: &str = "a source password for the shutdown test";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_ends_live_listeners_cleanly_and_gives_running_jobs_back() -> anyhow::Result<()> {
    let bound = Instant::now() + Duration::from_secs(120);
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let data = d.join("site");
    let http = http()?;
    // The mount, added as an operator does.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["mount", "add", "--data", s(&data), "--path", MOUNT])
        .args(["--password", "-"])
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        use std::io::Write;
        input.write_all(format!("{MOUNT_PASSWORD}\n").as_bytes())?;
    }
    ok(&child.wait_with_output()?)?;

    // An SMTP server that accepts and never greets: the reader's verification mail is a job
    // that is still running when the signal comes.
    let smtp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let smtp_port = smtp.local_addr()?.port().to_string();
    let (accepted_tx, mut accepted) = tokio::sync::mpsc::channel(8);
    let stalled = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = smtp.accept().await {
            held.push(conn);
            let _ = accepted_tx.send(()).await;
        }
    });
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let node = Served::start(
        &http,
        &data,
        &[
            "--metrics-listen",
            &metrics_addr,
            "--log",
            "info,sqlx=warn,tantivy=warn",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp_port,
            "--smtp-tls",
            "none",
            "--smtp-from",
            "news@news.example",
        ],
        d.join("serve.log"),
    )
    .await?;
    register_reader(&http, &node).await?;
    tokio::time::timeout(Duration::from_secs(30), accepted.recv())
        .await
        .context("the mail job never reached the SMTP server")?;
    let jobs = ok(&run(&["jobs", "list", "--data", s(&data)])?)?;
    ensure!(
        jobs.contains("mail") && jobs.contains("running on"),
        "no mail job running: {jobs}"
    );

    // A source on the air (ffmpeg, as a broadcaster), and a listener hearing it.
    let mut source = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
        .args(["-t", "90", "-c:a", "libmp3lame", "-b:a", "128k"])
        .args(["-content_type", "audio/mpeg", "-f", "mp3"])
        .arg(format!(
            "icecast://source:{MOUNT_PASSWORD}@127.0.0.1:{}{MOUNT}",
            node.port
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting ffmpeg (scripts/install-deps installs it)")?;
    let mut listener = loop {
        ensure!(Instant::now() < bound, "the mount never went on the air");
        let res = http.get(node.url(MOUNT)).send().await?;
        if res.status() == 200 {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut heard = 0;
    while heard < 8 * 1024 {
        ensure!(
            Instant::now() < bound,
            "the listener heard only {heard} bytes"
        );
        let chunk = tokio::time::timeout(Duration::from_secs(10), listener.chunk())
            .await
            .context("the stream stalled")??
            .context("the stream ended before the signal")?;
        heard += chunk.len();
    }

    // The metrics see them: one listener and a source on the mount, the mail job running.
    let metrics = http
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    for line in [
        format!("dateline_live_listeners{{mount=\"{MOUNT}\"}} 1"),
        format!("dateline_live_sources{{mount=\"{MOUNT}\"}} 1"),
        "dateline_jobs{kind=\"mail.send\",state=\"running\"} 1".to_owned(),
    ] {
        ensure!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in the metrics:\n{metrics}"
        );
    }

    let kill = Command::new("kill")
        .args(["-TERM", &node.child.id().to_string()])
        .status()?;
    ensure!(kill.success(), "kill -TERM failed");
    // The listener's stream ends: cleanly, without an error, and soon.
    loop {
        let left = bound.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, listener.chunk()).await {
            Err(_) => anyhow::bail!("the listener's stream did not end after SIGTERM"),
            Ok(Ok(Some(chunk))) => heard += chunk.len(),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => anyhow::bail!(
                "the listener's stream broke instead of ending: {e:?}\n{}",
                node.log_text()
            ),
        }
    }
    let mut node = node;
    let status = loop {
        if let Some(status) = node.child.try_wait()? {
            break status;
        }
        ensure!(
            Instant::now() < bound,
            "the server did not exit:\n{}",
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let log = node.log_text();
    let _ = source.kill();
    let _ = source.wait();
    stalled.abort();
    ensure!(status.code() == Some(0), "exit {status}:\n{log}");
    // The job was stopped and given back, not failed: it waits for the next start.
    ensure!(
        log.contains("job given back unfinished") && log.contains("job runner stopped"),
        "{log}"
    );
    let jobs = ok(&run(&["jobs", "list", "--data", s(&data)])?)?;
    ensure!(
        jobs.contains("mail") && jobs.contains("waiting") && !jobs.contains("running on"),
        "the mail job is not back in the queue: {jobs}"
    );
    ensure!(heard >= 8 * 1024);
    Ok(())
}
