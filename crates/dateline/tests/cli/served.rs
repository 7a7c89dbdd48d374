//! The served-site harness the CLI tests share: `dateline` run to completion, `dateline serve`
//! processes on 127.0.0.1 ([`Served`], killed when dropped), an HTTP client that never follows
//! redirects, cookies and form tokens as a browser keeps them, a read-only look at a SQLite
//! file, and throwaway databases on `TEST_DATABASE_URL`'s PostgreSQL server. It only starts
//! and talks to processes; what a test checks stays in the test's own module.

use anyhow::{Context, bail, ensure};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(super) const BASE: &str = "http://news.example";
/// Run `dateline ARGS` (no `--data` added) to completion.
pub(super) fn run(args: &[&str]) -> anyhow::Result<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(args)
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::null())
        .output()?)
}

pub(super) fn ok(out: &Output) -> anyhow::Result<String> {
    ensure!(
        out.status.success(),
        "failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout.clone())?)
}

pub(super) fn refused(out: &Output) -> anyhow::Result<String> {
    ensure!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    ensure!(out.status.code() == Some(1), "exit code {:?}", out.status);
    Ok(String::from_utf8(out.stderr.clone())?)
}

pub(super) fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// One `dateline serve` process, killed when dropped.
pub(super) struct Served {
    pub(super) child: Child,
    pub(super) port: u16,
    log: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    pub(super) async fn start(
        http: &reqwest::Client,
        data: &Path,
        extra: &[&str],
        log: PathBuf,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let out = std::fs::File::create(&log)?;
        let child = Command::new(env!("CARGO_BIN_EXE_dateline"))
            .arg("serve")
            .args(["--data", s(data)])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--base-url", BASE, "--shutdown-grace", "0"])
            .args(extra)
            .env("DATELINE_LOG", "warn")
            // These nodes are compared page by page with their copies: the background worker
            // making AVIF and WebP files (seconds a photo) would change a page between the two
            // reads. The formats are the worker's tests' business (tests/it/photo_formats.rs).
            .env("DATELINE_MEDIA_FORMATS", "none")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let mut served = Self { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = served.child.try_wait()? {
                bail!("dateline serve exited ({status}):\n{}", served.log_text());
            }
            if let Ok(r) = http.get(served.url("/readyz")).send().await
                && r.status() == 200
            {
                return Ok(served);
            }
            ensure!(
                Instant::now() < deadline,
                "dateline serve was not ready within 120 s:\n{}",
                served.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(super) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stop it (SIGKILL is fine: SQLite's WAL keeps every committed write).
    pub(super) fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn http() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// The value of attribute `name` on the first element matching `css`.
pub(super) fn attr(html: &str, css: &str, name: &str) -> anyhow::Result<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).map_err(|e| anyhow::anyhow!("{css}: {e}"))?;
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
        .with_context(|| format!("no {css}[{name}] on the page"))
}

/// The `name=value` pairs of a response's cookies, joined for a `Cookie` header.
pub(super) fn cookies(res: &reqwest::Response, jar: &mut Vec<(String, String)>) {
    for c in res.headers().get_all(reqwest::header::SET_COOKIE) {
        let Ok(c) = c.to_str() else { continue };
        if let Some((k, v)) = c.split(';').next().and_then(|f| f.split_once('=')) {
            jar.retain(|(name, _)| name != k.trim());
            jar.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
}

pub(super) fn cookie_header(jar: &[(String, String)]) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A reader registered through the form; their cookies.
pub(super) async fn register_reader(
    http: &reqwest::Client,
    node: &Served,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut jar = Vec::new();
    let form = http.get(node.url("/readers/register")).send().await?;
    cookies(&form, &mut jar);
    let token = attr(&form.text().await?, "input[name=form_token]", "value")?;
    let res = http
        .post(node.url("/readers/register"))
        .header(reqwest::header::COOKIE, cookie_header(&jar))
        .form(&[
            ("name", "Rosa Reader"),
            ("email", "rosa@readers.example"),
            ("password", "a long reader password"),
            ("form_token", &token),
        ])
        .send()
        .await?;
    cookies(&res, &mut jar);
    ensure!(
        res.status() == 303,
        "registering a reader: {}",
        res.status()
    );
    Ok(jar)
}

pub(super) async fn sqlite(path: &Path) -> anyhow::Result<sqlx::SqliteConnection> {
    use sqlx::Connection;
    Ok(sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display())).await?)
}

/// GET `path` from both nodes: the same status and the very same bytes.
pub(super) async fn same_page(
    http: &reqwest::Client,
    a: &Served,
    b: &Served,
    path: &str,
) -> anyhow::Result<()> {
    let get = |n: &Served| {
        let url = n.url(path);
        let http = http.clone();
        async move {
            let res = http
                .get(&url)
                .send()
                .await
                .with_context(|| format!("GET {url}"))?;
            let status = res.status();
            anyhow::Ok((status, res.bytes().await?))
        }
    };
    let (sa, ba) = get(a).await?;
    let (sb, bb) = get(b).await?;
    if sa == sb && ba == bb {
        return Ok(());
    }
    let at = ba
        .iter()
        .zip(bb.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(ba.len().min(bb.len()));
    let window = |b: &[u8]| {
        let from = at.saturating_sub(300);
        String::from_utf8_lossy(&b[from..(at + 300).min(b.len())]).into_owned()
    };
    bail!(
        "{path} differs: {sa} ({} bytes) against {sb} ({} bytes), from byte {at}:\n--- original ---\n{}\n--- copy ---\n{}",
        ba.len(),
        bb.len(),
        window(&ba),
        window(&bb)
    );
}

/// The PostgreSQL server tests use: `TEST_DATABASE_URL`.
#[expect(
    clippy::disallowed_methods,
    reason = "a test reads its own environment"
)]
pub(super) fn postgres_admin() -> anyhow::Result<String> {
    std::env::var("TEST_DATABASE_URL")
        .context("TEST_DATABASE_URL is not set: the migrate test needs a PostgreSQL server")
}

/// A new, empty database on `admin`'s server; its URL.
pub(super) async fn fresh_database(admin: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!(
        "dateline_migrate_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await.ok();
    let (head, query) = match admin.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (admin, None),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(slash) => &head[..scheme_end + slash],
        None => head,
    };
    Ok(match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    })
}

/// Drop the database `url` names from `admin`'s server.
pub(super) async fn drop_database(admin: &str, url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let name = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .unwrap_or_default();
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await.ok();
    Ok(())
}
