//! `dateline-bench startup`: how long `dateline serve` takes, from spawning the process until
//! `GET /` answers 200 (so the front page's first, uncached render is included), on the seeded
//! database. Each run spawns the release binary, polls the port every 2 ms with a one-shot
//! HTTP/1.1 request, records when it first accepted a connection and when it first answered
//! 200, then stops the server with SIGTERM (SIGKILL after 10 s). One untimed run comes first so
//! that a base-URL change in the stored settings is written once, not in the timed runs.

use crate::stats;
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, clap::Args)]
pub struct StartupArgs {
    /// The `dateline` binary (release build).
    #[arg(long)]
    pub bin: PathBuf,
    /// Seeded data folder.
    #[arg(long)]
    pub data: PathBuf,
    /// Timed runs.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Port on 127.0.0.1 (0: pick a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Give up on a run after this many seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct StartupRun {
    /// Until the port accepted a connection.
    pub listening_ms: f64,
    /// Until `GET /` answered 200.
    pub ready_ms: f64,
}

/// A free port on 127.0.0.1 (free when asked: another process may take it before use).
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// When the connection was made, and the status code of `GET path`; None when nothing listens.
pub async fn status_of(addr: SocketAddr, path: &str) -> Option<(Instant, Result<u16, String>)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let connected = Instant::now();
    let ask = async {
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(req.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut head = Vec::with_capacity(256);
        let mut buf = [0u8; 4096];
        while !head.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&head);
        line.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("no status line in {line:?}"))
    };
    let answer = tokio::time::timeout(Duration::from_secs(30), ask)
        .await
        .unwrap_or_else(|_| Err("no answer within 30 s".to_owned()));
    Some((connected, answer))
}

/// SIGTERM, then wait up to 10 s, then SIGKILL. Only ever our own child, by its id.
pub async fn stop(child: &mut Child) -> anyhow::Result<()> {
    if child.try_wait()?.is_some() {
        return Ok(());
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill()?;
    child.wait()?;
    Ok(())
}

async fn one(args: &StartupArgs, addr: SocketAddr) -> anyhow::Result<StartupRun> {
    let started = Instant::now();
    let mut child = Command::new(&args.bin)
        .args(["--log", "warn", "serve", "--data"])
        .arg(&args.data)
        .args(["--listen", &addr.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", args.bin.display()))?;
    let result = poll(args, addr, started, &mut child).await;
    stop(&mut child).await?;
    result
}

async fn poll(
    args: &StartupArgs,
    addr: SocketAddr,
    started: Instant,
    child: &mut Child,
) -> anyhow::Result<StartupRun> {
    let limit = Duration::from_secs(args.timeout);
    let mut listening = None;
    loop {
        if started.elapsed() > limit {
            bail!("the server did not answer GET / with 200 within {limit:?}");
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server exited early: {status}");
        }
        match status_of(addr, "/").await {
            None => {}
            Some((connected, answer)) => {
                let at = listening.get_or_insert(connected.duration_since(started));
                match answer {
                    Ok(200) => {
                        return Ok(StartupRun {
                            listening_ms: at.as_secs_f64() * 1e3,
                            ready_ms: started.elapsed().as_secs_f64() * 1e3,
                        });
                    }
                    Ok(code) => bail!("GET / answered {code}"),
                    Err(e) => bail!("GET /: {e}"),
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

pub async fn run(args: &StartupArgs) -> anyhow::Result<Vec<StartupRun>> {
    let port = if args.port == 0 {
        free_port()?
    } else {
        args.port
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    one(args, addr).await.context("the untimed first start")?;
    let mut runs = Vec::with_capacity(args.runs);
    for i in 0..args.runs {
        let r = one(args, addr).await?;
        eprintln!(
            "startup: run {}: listening after {:.1} ms, GET / 200 after {:.1} ms",
            i + 1,
            r.listening_ms,
            r.ready_ms
        );
        runs.push(r);
    }
    let ready: Vec<f64> = runs.iter().map(|r| r.ready_ms).collect();
    eprintln!("startup: median {:.1} ms", stats::median(&ready));
    Ok(runs)
}
