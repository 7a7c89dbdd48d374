//! `dateline-bench listeners`: a live-audio listener load generator, for Dateline and Icecast 2
//! alike. It opens `--count` listener connections to one stream URL (paced, since Icecast's
//! listen backlog is small), reads every byte continuously, and after a warm-up counts what
//! each listener received over a fixed window. A listener is **on time** when it received at
//! least 95% of the stream's bytes for that window (bitrate × window); a refused or dropped
//! listener is not.
//!
//! With `--server-pid` it also reports the server's CPU time during the window and its resident
//! memory at the end (from `/proc`), and always its own CPU time, so a figure limited by the
//! generator rather than the server shows as such. Talks to 127.0.0.1 only (the URL is checked),
//! and every phase is bounded in time.

use anyhow::{Context, bail, ensure};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

#[derive(Debug, clap::Args)]
pub struct ListenersArgs {
    /// The stream: http://127.0.0.1:PORT/MOUNT (loopback only).
    #[arg(long)]
    pub url: String,
    /// Listeners to open.
    #[arg(long)]
    pub count: usize,
    /// New connections per second.
    #[arg(long, default_value_t = 1_000)]
    pub connect_rate: u32,
    /// Seconds after the last connection before counting starts.
    #[arg(long, default_value_t = 5)]
    pub warmup: u64,
    /// Seconds over which each listener's bytes are counted.
    #[arg(long, default_value_t = 30)]
    pub window: u64,
    /// The stream's bitrate in kbit/s.
    #[arg(long, default_value_t = 128)]
    pub bitrate: u64,
    /// The server's process id, to report its CPU time and memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

pub struct ListenersReport {
    pub count: usize,
    pub connected: usize,
    pub on_time: usize,
    /// Median bytes received per listener over the window, as a share of the stream's.
    pub median_share: f64,
    pub server_cpu_s: Option<f64>,
    pub server_rss_mib: Option<f64>,
    pub client_cpu_s: f64,
    pub window_s: f64,
}

/// Host, port and path of a loopback `http://` URL.
fn parse_url(url: &str) -> anyhow::Result<(String, u16, String)> {
    let rest = url
        .strip_prefix("http://")
        .context("the URL must start with http://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = authority
        .rsplit_once(':')
        .context("the URL must name a port")?;
    ensure!(
        host == "127.0.0.1" || host == "localhost",
        "listeners only connect to 127.0.0.1, not {host}"
    );
    let port: u16 = port.parse().context("the port is not a number")?;
    let path = if path.is_empty() { "/" } else { path };
    Ok(("127.0.0.1".to_owned(), port, path.to_owned()))
}

/// (user + system) CPU seconds of a process, from `/proc/PID/stat` (clock ticks of 1/100 s,
/// Linux's fixed `USER_HZ`).
fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let after = stat
        .rsplit_once(')')
        .map(|(_, a)| a)
        .context("malformed stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3 of the file, so utime (14) and stime (15) are at 11, 12.
    let utime: f64 = fields.get(11).context("no utime")?.parse()?;
    let stime: f64 = fields.get(12).context("no stime")?.parse()?;
    Ok((utime + stime) / 100.0)
}

fn rss_mib(pid: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("no VmRSS")?
        .parse()?;
    Ok(kb / 1024.0)
}

/// One listener: connect, ask, check the status line, then count bytes until it is aborted.
async fn listen(
    port: u16,
    request: Arc<Vec<u8>>,
    received: Arc<AtomicU64>,
    connected: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(&request).await?;
    let mut buf = vec![0u8; 4 * 1024];
    let mut head = Vec::with_capacity(1024);
    // The head, bounded: then only audio bytes are counted.
    let body_start = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            bail!("closed before the answer");
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(at) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        ensure!(head.len() < 16 * 1024, "answer head too long");
    };
    let status_ok = head.starts_with(b"HTTP/1.0 200") || head.starts_with(b"HTTP/1.1 200");
    ensure!(
        status_ok,
        "refused: {}",
        String::from_utf8_lossy(&head[..head.len().min(40)])
    );
    connected.fetch_add(1, Ordering::Relaxed);
    received.fetch_add((head.len() - body_start) as u64, Ordering::Relaxed);
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            bail!("the server closed the stream");
        }
        received.fetch_add(n as u64, Ordering::Relaxed);
    }
}

pub async fn run(args: &ListenersArgs) -> anyhow::Result<ListenersReport> {
    let (host, port, path) = parse_url(&args.url)?;
    ensure!(args.count > 0, "--count must be at least 1");
    ensure!(args.window > 0, "--window must be at least 1 second");
    let request = Arc::new(
        format!(
            "GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: dateline-bench\r\n\
             Icy-MetaData: 0\r\n\r\n"
        )
        .into_bytes(),
    );
    let connected = Arc::new(AtomicU64::new(0));
    let counters: Vec<Arc<AtomicU64>> = (0..args.count)
        .map(|_| Arc::new(AtomicU64::new(0)))
        .collect();
    let mut tasks = JoinSet::new();
    let pace = Duration::from_secs_f64(1.0 / f64::from(args.connect_rate.max(1)));
    let started = Instant::now();
    for (i, counter) in counters.iter().enumerate() {
        tasks.spawn(listen(
            port,
            request.clone(),
            counter.clone(),
            connected.clone(),
        ));
        // Pace by the clock rather than sleeping per connection, so timer granularity does not
        // slow the ramp.
        let due = pace * (i as u32 + 1);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        if i % 1000 == 999 {
            eprintln!(
                "listeners: {} opened, {} answered",
                i + 1,
                connected.load(Ordering::Relaxed)
            );
        }
    }
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    let pid = args.server_pid.map(|p| p.to_string());
    let server_before = pid.as_deref().map(cpu_seconds).transpose()?;
    let client_before = cpu_seconds("self")?;
    let before: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let window_start = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.window)).await;
    let after: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let window_s = window_start.elapsed().as_secs_f64();
    let client_cpu_s = cpu_seconds("self")? - client_before;
    let server_cpu_s = match (pid.as_deref(), server_before) {
        (Some(p), Some(b)) => Some(cpu_seconds(p)? - b),
        _ => None,
    };
    let server_rss_mib = pid.as_deref().map(rss_mib).transpose()?;
    let connected_now = connected.load(Ordering::Relaxed) as usize;
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}

    let expected = (args.bitrate * 1000 / 8) as f64 * window_s;
    let mut shares: Vec<f64> = before
        .iter()
        .zip(&after)
        .map(|(b, a)| (a - b) as f64 / expected)
        .collect();
    let on_time = shares.iter().filter(|s| **s >= 0.95).count();
    shares.sort_by(f64::total_cmp);
    Ok(ListenersReport {
        count: args.count,
        connected: connected_now,
        on_time,
        median_share: crate::stats::median(&shares),
        server_cpu_s,
        server_rss_mib,
        client_cpu_s,
        window_s,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn only_loopback_urls_are_accepted() {
        let (h, p, path) = parse_url("http://127.0.0.1:8000/live/radio.mp3").expect("valid");
        assert_eq!(
            (h.as_str(), p, path.as_str()),
            ("127.0.0.1", 8000, "/live/radio.mp3")
        );
        assert!(parse_url("http://10.0.0.1:8000/x").is_err());
        assert!(parse_url("https://127.0.0.1:8000/x").is_err());
        assert!(parse_url("http://127.0.0.1/x").is_err());
    }
}
