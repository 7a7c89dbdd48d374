//! The cluster the several-nodes test runs: a fresh PostgreSQL database, a `moto` S3 server,
//! three real `dateline serve` processes and nginx in front of them, all on 127.0.0.1 and all
//! real processes. Every process is held by a [`Proc`] guard that kills it when dropped, so a
//! failing or panicking test leaves no `dateline`, `nginx`, `moto_server` or `ffmpeg` behind.
//!
//! Children stay in the test's own process group on purpose: when `scripts/test`'s timeout (or
//! a Ctrl-C) kills the test's group, it kills them too, where a group of their own would
//! survive it. Each child is one process (nginx runs with `master_process off`, so it has no
//! workers that could outlive a killed master), so killing the child is killing all it runs.
//!
//! A missing dependency (nginx, ffmpeg, moto, `TEST_DATABASE_URL`) is an error naming it and
//! how to get it, never a skip.

use anyhow::{Context, bail, ensure};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The editor every scenario acts as (created with the CLI before any node starts).
pub const EDITOR_EMAIL: &str = "nodes-editor@example.com";
pub const EDITOR_PASSWORD: &str = "a long password for the nodes test";
/// The live mount the live scenario streams to, and its source password.
pub const MOUNT: &str = "/live/nodes.mp3";
pub const MOUNT_PASSWORD: &str = "source-password-for-nodes";
/// What one node sends another to relay a mount.
pub const RELAY_PASSWORD: &str = "relay-secret-for-the-nodes-test";
/// The S3 bucket media go to.
pub const BUCKET: &str = "dateline-nodes";

/// A child process killed (SIGKILL) and reaped when dropped. Its stdout and stderr go to a log
/// file that a failure message quotes.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    pub log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> anyhow::Result<Self> {
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", cmd.get_program()))?;
        Ok(Self {
            name: name.to_owned(),
            child: Some(child),
            log: log.to_owned(),
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `kill -9`, then reap it. Safe to call twice.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGKILL: the process gets no chance to say goodbye, as when a machine dies.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// An error if the process has exited (with the end of its log).
    pub fn still_running(&mut self) -> anyhow::Result<()> {
        if let Some(child) = self.child.as_mut()
            && let Some(status) = child.try_wait()?
        {
            bail!(
                "{} exited ({status}); the end of its log:\n{}",
                self.name,
                tail(&self.log, 30)
            );
        }
        Ok(())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last `n` lines of a log file (or a note that it cannot be read).
pub fn tail(path: &Path, n: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = strip_ansi(&String::from_utf8_lossy(&bytes));
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// Text without terminal colour codes (`ESC [ … m`), which tracing adds around field names.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A port nobody listens on right now (the kernel's pick, released at once).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The repository's root (two folders above this crate).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An executable by absolute path if it exists there, else the first on `PATH`.
fn find_program(candidates: &[PathBuf], on_path: &str) -> Option<PathBuf> {
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        return Some(p.clone());
    }
    #[expect(
        clippy::disallowed_methods,
        reason = "the test harness looks for its tools itself"
    )]
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(on_path))
        .find(|p| p.is_file())
}

/// The tools the test needs, each found or named as missing.
pub struct Tools {
    pub nginx: PathBuf,
    pub ffmpeg: PathBuf,
    pub moto: PathBuf,
    pub database_url: String,
}

impl Tools {
    pub fn find() -> anyhow::Result<Self> {
        let mut missing = Vec::new();
        let nginx = find_program(&[PathBuf::from("/usr/sbin/nginx")], "nginx");
        if nginx.is_none() {
            missing.push("nginx (Debian's nginx package; scripts/install-deps installs it)");
        }
        let ffmpeg = find_program(&[], "ffmpeg");
        if ffmpeg.is_none() {
            missing.push("ffmpeg (scripts/install-deps installs it)");
        }
        let moto = find_program(
            &[workspace_root().join(".venv-tools/bin/moto_server")],
            "moto_server",
        );
        if moto.is_none() {
            missing.push(
                "moto_server (moto[server] from PyPI; scripts/install-deps puts it in \
                 .venv-tools/bin)",
            );
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "the test harness reads its own variable"
        )]
        let database_url = std::env::var("TEST_DATABASE_URL").ok();
        if database_url.is_none() {
            missing.push(
                "TEST_DATABASE_URL (scripts/test starts a throwaway PostgreSQL and sets it; or \
                 point it at a server whose role may CREATE DATABASE)",
            );
        }
        match (nginx, ffmpeg, moto, database_url) {
            (Some(nginx), Some(ffmpeg), Some(moto), Some(database_url)) => Ok(Self {
                nginx,
                ffmpeg,
                moto,
                database_url,
            }),
            _ => bail!(
                "the several-nodes test cannot run; missing:\n  - {}",
                missing.join("\n  - ")
            ),
        }
    }
}

/// A new, empty PostgreSQL database beside the one `admin` names; its URL.
pub async fn fresh_database(admin: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!(
        "dateline_nodes_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .context("connecting to TEST_DATABASE_URL")?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .context("creating the nodes test's database")?;
    conn.close().await.ok();
    Ok(with_database(admin, &name))
}

/// Drop the test's database (after every node has stopped).
pub async fn drop_database(admin: &str, url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let name = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .unwrap_or_default();
    ensure!(name.starts_with("dateline_nodes_"), "not a test database");
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await.ok();
    Ok(())
}

/// `admin` with its database name replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    let (head, query) = match admin.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (admin, None),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(slash) => &head[..scheme_end + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// One `dateline serve` process.
pub struct Node {
    pub name: String,
    pub port: u16,
    pub proc: Proc,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// What the binary under test offers: the flags other parts of issue 20 add. The test passes
/// them when the binary has them; a scenario that needs a missing one fails saying so.
pub struct Features {
    pub media_store: bool,
    pub relay: bool,
}

pub struct Cluster {
    // Processes first: fields drop in order, so they are killed before the folder goes.
    pub nginx: Proc,
    pub nodes: Vec<Node>,
    pub moto: Proc,
    pub nginx_port: u16,
    pub database_url: String,
    pub admin_url: String,
    pub token: String,
    pub features: Features,
    pub tools: Tools,
    pub dir: tempfile::TempDir,
}

/// Wait until `url` answers 200, or fail naming `proc` with the end of its log.
async fn wait_ready(
    http: &reqwest::Client,
    url: &str,
    proc: &mut Proc,
    within: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        proc.still_running()?;
        if let Ok(res) = http.get(url).send().await
            && res.status() == 200
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{} did not answer 200 at {url} within {within:?}; the end of its log:\n{}",
                proc.name,
                tail(&proc.log, 30)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Run `dateline ARGS --data DIR --database URL` to completion with `stdin`; its stdout.
fn cli(dir: &Path, database: &str, args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(args)
        .arg("--data")
        .arg(dir)
        .arg("--database")
        .arg(database)
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running the dateline binary")?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "dateline {}: {}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// nginx in front of `ports`, round-robin, retrying a failed or refused upstream on the next
/// (the block docs/operations.md shows), as one process (`master_process off`).
pub fn nginx_conf(dir: &Path, listen: u16, ports: &[u16]) -> String {
    let servers: String = ports
        .iter()
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n"))
        .collect();
    let d = dir.display();
    format!(
        "daemon off;
master_process off;
pid {d}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream dateline {{
{servers}        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size 30m;
        location / {{
            proxy_pass http://dateline;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 10s;
            # Which node answered: the round-robin scenario checks the flow moved around.
            add_header X-Dateline-Upstream $upstream_addr always;
        }}
        location /live/ {{
            proxy_pass http://dateline;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
    }}
}}
"
    )
}

impl Cluster {
    /// Start everything; the first node alone (it finds the schema the CLI made and is the
    /// one the others follow), then the other two together, then nginx.
    pub async fn start(http: &reqwest::Client) -> anyhow::Result<Self> {
        let tools = Tools::find()?;
        let dir = tempfile::tempdir()?;
        let admin_url = tools.database_url.clone();
        let database_url = fresh_database(&admin_url).await?;

        // The help text tells which of the other branches' flags this binary has.
        let help = Command::new(env!("CARGO_BIN_EXE_dateline"))
            .args(["serve", "--help"])
            .output()
            .context("running dateline serve --help")?;
        let help = String::from_utf8_lossy(&help.stdout);
        let features = Features {
            media_store: help.contains("--media-store"),
            relay: help.contains("--node-url") && help.contains("--relay-password"),
        };

        // The schema, the editor, their API token and the live mount exist before any node
        // starts: nodes read mounts at start, and the CLI applies the migrations.
        let cli_dir = dir.path().join("cli");
        std::fs::create_dir_all(&cli_dir)?;
        cli(
            &cli_dir,
            &database_url,
            &[
                "user",
                "add",
                "--email",
                EDITOR_EMAIL,
                "--name",
                "Nadia Node",
                "--role",
                "editor",
                "--password-stdin",
            ],
            &format!("{EDITOR_PASSWORD}\n"),
        )?;
        let out = cli(
            &cli_dir,
            &database_url,
            &[
                "token",
                "create",
                "--email",
                EDITOR_EMAIL,
                "--label",
                "nodes",
            ],
            "",
        )?;
        let token = out.lines().last().unwrap_or_default().trim().to_owned();
        ensure!(token.len() > 20, "no API token in {out:?}");
        cli(
            &cli_dir,
            &database_url,
            &["mount", "add", "--path", MOUNT, "--password", "-"],
            &format!("{MOUNT_PASSWORD}\n"),
        )?;

        let moto_port = free_port()?;
        let mut moto = Proc::spawn(
            "moto_server",
            Command::new(&tools.moto).args(["-H", "127.0.0.1", "-p", &moto_port.to_string()]),
            &dir.path().join("moto.log"),
        )?;
        let moto_url = format!("http://127.0.0.1:{moto_port}");
        wait_ready(
            http,
            &format!("{moto_url}/"),
            &mut moto,
            Duration::from_secs(30),
        )
        .await?;
        // moto checks no signatures, so a bare PUT makes the bucket.
        let made = http.put(format!("{moto_url}/{BUCKET}")).send().await?;
        ensure!(
            made.status().is_success(),
            "creating the S3 bucket: {}",
            made.status()
        );

        let nginx_port = free_port()?;
        let ports = [free_port()?, free_port()?, free_port()?];
        let mut nodes = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            let name = format!("node{}", i + 1);
            let data = dir.path().join(&name);
            std::fs::create_dir_all(&data)?;
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_dateline"));
            cmd.arg("serve")
                .arg("--data")
                .arg(&data)
                .args(["--database", &database_url])
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(["--base-url", &format!("http://127.0.0.1:{nginx_port}")])
                .args(["--shutdown-grace", "0"])
                .env("DATELINE_LOG", "info,sqlx=warn,tantivy=warn")
                .env("NO_COLOR", "1")
                .env("AWS_ENDPOINT_URL", &moto_url)
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "nodes-test")
                .env("AWS_SECRET_ACCESS_KEY", "nodes-test")
                .env("AWS_ALLOW_HTTP", "true");
            if features.media_store {
                cmd.args(["--media-store", &format!("s3://{BUCKET}/media")]);
            }
            if features.relay {
                cmd.args(["--node-url", &format!("http://127.0.0.1:{port}")])
                    .args(["--relay-password", RELAY_PASSWORD]);
            }
            let proc = Proc::spawn(&name, &mut cmd, &dir.path().join(format!("{name}.log")))?;
            nodes.push(Node {
                name,
                port: *port,
                proc,
            });
            if i == 0 {
                let url = nodes[0].url("/readyz");
                wait_ready(http, &url, &mut nodes[0].proc, Duration::from_secs(60)).await?;
                // The section the scenarios write in exists before the other nodes start, so
                // the seeding does not hang on their hearing of it; scenario a checks a
                // section made while they run.
                let made = http
                    .post(nodes[0].url("/api/v1/sections"))
                    .header("authorization", format!("Bearer {token}"))
                    .json(&serde_json::json!({"name": "Nodes", "slug": "nodes"}))
                    .send()
                    .await?;
                ensure!(
                    made.status() == 201,
                    "node1: creating the section: {}",
                    made.status()
                );
            }
        }
        for node in nodes.iter_mut().skip(1) {
            let url = node.url("/readyz");
            wait_ready(http, &url, &mut node.proc, Duration::from_secs(60)).await?;
        }

        let nginx_dir = dir.path().join("nginx");
        std::fs::create_dir_all(&nginx_dir)?;
        let conf = nginx_dir.join("nginx.conf");
        std::fs::write(&conf, nginx_conf(&nginx_dir, nginx_port, &ports))?;
        let mut nginx = Proc::spawn(
            "nginx",
            Command::new(&tools.nginx)
                .arg("-p")
                .arg(&nginx_dir)
                .arg("-c")
                .arg(&conf)
                .args(["-e", "stderr"]),
            &dir.path().join("nginx.log"),
        )?;
        wait_ready(
            http,
            &format!("http://127.0.0.1:{nginx_port}/livez"),
            &mut nginx,
            Duration::from_secs(20),
        )
        .await?;

        Ok(Self {
            nginx,
            nodes,
            moto,
            nginx_port,
            database_url,
            admin_url,
            token,
            features,
            tools,
            dir,
        })
    }

    /// nginx's address with `path`.
    pub fn front(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.nginx_port)
    }

    /// The end of every process's log, for a failure report.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for p in self
            .nodes
            .iter()
            .map(|n| &n.proc)
            .chain([&self.nginx, &self.moto])
        {
            out.push_str(&format!(
                "\n--- the end of {}'s log ({}) ---\n{}\n",
                p.name,
                p.log.display(),
                tail(&p.log, 15)
            ));
        }
        out
    }

    /// Stop every process, then drop the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.nginx.kill();
        for n in &mut self.nodes {
            n.proc.kill();
        }
        self.moto.kill();
        drop_database(&self.admin_url, &self.database_url).await
    }
}
