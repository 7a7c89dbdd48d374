//! The `dateline` binary as an operator runs it: `dateline user …`, `dateline token create` and
//! `dateline provider …`, `dateline import wordpress` and `dateline redirects export`
//! against a temporary data folder, checking exit codes, the sentences printed and what the
//! database holds afterwards. One integration binary. Most of it needs no PostgreSQL (the
//! commands share `serve`'s `--data`/`--database` handling, which the store tests cover on
//! both); `backup` (backup, restore and migrate against served sites) and `export` (export and
//! `import dateline` against served sites) move a site into a fresh database on
//! `TEST_DATABASE_URL`'s server.
//! `newsletter_crash` kills `serve` mid-send and starts it again (slow: `scripts/test` runs it).
//! `served` is the harness they share: `serve` processes, an HTTP client, cookies, databases.

mod backup;
mod export;
mod import;
mod newsletter_crash;
mod served;
mod shutdown;
mod station;

use dateline_core::account::Email;
use dateline_core::permissions::Role;
use dateline_core::secret::Secret;
use dateline_store::Store;
use dateline_web::newsroom::credentials;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Run `dateline ARGS --data DIR` with `stdin` piped in.
fn dateline(dir: &Path, args: &[&str], stdin: &str) -> anyhow::Result<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(args)
        .arg("--data")
        .arg(dir)
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes())?;
    }
    Ok(child.wait_with_output()?)
}

fn ok(out: &Output) -> anyhow::Result<String> {
    anyhow::ensure!(
        out.status.success(),
        "failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout.clone())?)
}

fn failed(out: &Output) -> anyhow::Result<String> {
    anyhow::ensure!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(1));
    Ok(String::from_utf8(out.stderr.clone())?)
}

async fn store(dir: &Path) -> anyhow::Result<Store> {
    Ok(Store::open(&dateline::config::sqlite_url(&dir.join("dateline.db"))).await?)
}

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn users_are_added_listed_and_changed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let empty = ok(&dateline(d, &["user", "list"], "")?)?;
    assert!(empty.contains("no accounts; add an admin"), "{empty}");

    let added = ok(&dateline(
        d,
        &[
            "user",
            "add",
            "--email",
            "Amira@Example.com",
            "--name",
            "Amira Haddad",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
    )?)?;
    assert_eq!(
        added.trim(),
        "added amira@example.com (Amira Haddad, admin)"
    );
    assert!(!added.contains(PASSWORD));
    ok(&dateline(
        d,
        &[
            "user",
            "add",
            "--email",
            "sam@example.com",
            "--name",
            "Sam Reed",
            "--role",
            "author",
            "--password-stdin",
        ],
        "another long password\n",
    )?)?;

    let listed = ok(&dateline(d, &["user", "list"], "")?)?;
    let lines: Vec<&str> = listed.lines().collect();
    assert!(lines[0].starts_with("EMAIL"), "{listed}");
    assert!(lines[1].starts_with("amira@example.com") && lines[1].contains("admin"));
    assert!(lines[2].starts_with("sam@example.com") && lines[2].contains("author"));
    assert!(lines[2].contains("active"));

    let changed = ok(&dateline(
        d,
        &[
            "user",
            "set-role",
            "--email",
            "SAM@example.com",
            "--role",
            "Editor",
        ],
        "",
    )?)?;
    assert_eq!(changed.trim(), "sam@example.com is now editor");

    // The stored password is an Argon2id hash of what was typed.
    let s = store(d).await?;
    let (sam, hash) = s
        .account_for_sign_in(&Email::parse("sam@example.com")?)
        .await?;
    assert_eq!(sam.role, Role::Editor);
    let hash = hash.expect("a password hash");
    assert!(hash.starts_with("$argon2id$"));
    assert!(credentials::verify_password(
        Some(&hash),
        &Secret::new("another long password".to_owned())
    ));
    let now = dateline_web::Clock::System.now();
    s.create_session(
        sam.id,
        "h1",
        "c",
        now,
        now + jiff::SignedDuration::from_hours(1),
    )
    .await?;
    s.close().await;

    let reset = ok(&dateline(
        d,
        &["user", "reset-password", "--email", "sam@example.com"],
        "a brand new password\n",
    )?)?;
    assert!(
        reset.contains("changed the password of sam@example.com"),
        "{reset}"
    );
    let s = store(d).await?;
    let (_, hash) = s
        .account_for_sign_in(&Email::parse("sam@example.com")?)
        .await?;
    assert!(credentials::verify_password(
        hash.as_deref(),
        &Secret::new("a brand new password".to_owned())
    ));
    assert!(
        s.sessions_of(sam.id, now).await?.is_empty(),
        "sessions survived a reset"
    );
    s.create_session(
        sam.id,
        "h2",
        "c",
        now,
        now + jiff::SignedDuration::from_hours(1),
    )
    .await?;
    s.close().await;

    let disabled = ok(&dateline(
        d,
        &["user", "disable", "--email", "sam@example.com"],
        "",
    )?)?;
    assert!(disabled.contains("disabled sam@example.com"), "{disabled}");
    let s = store(d).await?;
    assert!(
        s.sessions_of(sam.id, now).await?.is_empty(),
        "sessions survived disabling"
    );
    assert!(s.account(sam.id).await?.disabled);
    s.close().await;
    let listed = ok(&dateline(d, &["user", "list"], "")?)?;
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("sam@example.com") && l.contains("disabled"))
    );
    ok(&dateline(
        d,
        &["user", "enable", "--email", "sam@example.com"],
        "",
    )?)?;
    assert!(!store(d).await?.account(sam.id).await?.disabled);
    Ok(())
}

#[tokio::test]
async fn bad_input_is_refused_with_a_sentence() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let add = |email: &'static str, role: &'static str| {
        [
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Amira Haddad",
            "--role",
            role,
        ]
    };
    ok(&dateline(
        d,
        &add("amira@example.com", "author"),
        &format!("{PASSWORD}\n"),
    )?)?;

    let dup = failed(&dateline(
        d,
        &add("AMIRA@example.com", "author"),
        &format!("{PASSWORD}\n"),
    )?)?;
    assert!(
        dup.contains("an account with the email amira@example.com already exists"),
        "{dup}"
    );
    let role = failed(&dateline(
        d,
        &add("new@example.com", "boss"),
        &format!("{PASSWORD}\n"),
    )?)?;
    assert!(role.contains("unknown role \"boss\""), "{role}");
    let email = failed(&dateline(
        d,
        &add("not-an-email", "author"),
        &format!("{PASSWORD}\n"),
    )?)?;
    assert!(email.contains("is not an email address"), "{email}");
    let short = failed(&dateline(d, &add("new@example.com", "author"), "short\n")?)?;
    assert!(short.contains("at least 10 characters"), "{short}");
    let none = failed(&dateline(d, &add("new@example.com", "author"), "")?)?;
    assert!(none.contains("no password on standard input"), "{none}");
    for args in [
        &[
            "user",
            "set-role",
            "--email",
            "ghost@example.com",
            "--role",
            "editor",
        ][..],
        &["user", "disable", "--email", "ghost@example.com"][..],
        &["user", "reset-password", "--email", "ghost@example.com"][..],
        &["token", "create", "--email", "ghost@example.com"][..],
    ] {
        let unknown = failed(&dateline(d, args, &format!("{PASSWORD}\n"))?)?;
        assert!(
            unknown.contains("there is no account with the email ghost@example.com"),
            "{args:?}: {unknown}"
        );
    }
    let role = failed(&dateline(
        d,
        &[
            "user",
            "set-role",
            "--email",
            "amira@example.com",
            "--role",
            "boss",
        ],
        "",
    )?)?;
    assert!(role.contains("unknown role"), "{role}");
    // Nothing above changed the one account.
    let listed = ok(&dateline(d, &["user", "list"], "")?)?;
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("author"));
    Ok(())
}

#[tokio::test]
async fn tokens_are_printed_once_and_stored_hashed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    ok(&dateline(
        d,
        &[
            "user",
            "add",
            "--email",
            "bot@example.com",
            "--name",
            "Wire Bot",
            "--role",
            "author",
        ],
        &format!("{PASSWORD}\n"),
    )?)?;
    let created = dateline(
        d,
        &[
            "token",
            "create",
            "--email",
            "bot@example.com",
            "--label",
            "wire import",
        ],
        "",
    )?;
    let out = ok(&created)?;
    // Issue 16: the token alone on standard output (`TOKEN=$(dateline token create …)`), the
    // sentence on standard error.
    let token = out.strip_suffix('\n').unwrap_or(&out).to_owned();
    assert_eq!(token.len(), 43, "{out:?}");
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{out:?}"
    );
    let said = String::from_utf8(created.stderr.clone())?;
    assert!(
        said.contains("API token for bot@example.com (author), shown once"),
        "{said}"
    );
    let s = store(d).await?;
    let owner = s
        .account_by_email(&Email::parse("bot@example.com")?)
        .await?;
    let tokens = s.api_tokens_of(owner.id).await?;
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].label, "wire import");
    s.close().await;
    let db = std::fs::read(d.join("dateline.db"))?;
    let wal = std::fs::read(d.join("dateline.db-wal")).unwrap_or_default();
    let haystack = [db, wal].concat();
    assert!(
        !haystack.windows(token.len()).any(|w| w == token.as_bytes()),
        "the clear token is in the database"
    );
    assert!(
        haystack
            .windows(64)
            .any(|w| w == credentials::token_hash(&token).as_bytes()),
        "the token's hash is not in the database"
    );
    Ok(())
}

#[tokio::test]
async fn providers_are_added_listed_and_removed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    assert_eq!(
        ok(&dateline(d, &["provider", "list"], "")?)?.trim(),
        "no providers"
    );
    let add = |label: &str, issuer: &str, secret: &str| {
        dateline(
            d,
            &[
                "provider",
                "add",
                "--label",
                label,
                "--issuer",
                issuer,
                "--client-id",
                "dateline-site",
            ],
            secret,
        )
    };
    let added = ok(&add("Facebook", "https://id.example/", "s3cret value\n")?)?;
    assert_eq!(added.trim(), "added provider Facebook (https://id.example)");
    let listed = ok(&dateline(d, &["provider", "list"], "")?)?;
    assert_eq!(listed.trim(), "Facebook\thttps://id.example\tdateline-site");
    assert!(!listed.contains("s3cret"));
    // The secret is stored for the site to present, exactly as typed.
    let s = store(d).await?;
    assert_eq!(
        s.provider_by_label("Facebook")
            .await?
            .client_secret
            .expose(),
        "s3cret value"
    );
    s.close().await;
    // Refusals, each with a sentence.
    assert!(failed(&add("Facebook", "https://other.example", "x\n")?)?.contains("already"));
    assert!(failed(&add("Google", "http://id.example", "x\n")?)?.contains("https://"));
    assert!(failed(&add("Google", "https://id.example", "\n")?)?.contains("secret"));
    assert!(failed(&add("a/b", "https://id.example", "x\n")?)?.contains("label"));
    ok(&add("Local", "http://127.0.0.1:9999", "x\n")?)?;
    assert_eq!(
        ok(&dateline(
            d,
            &["provider", "remove", "--label", "Facebook"],
            ""
        )?)?
        .trim(),
        "removed provider Facebook"
    );
    assert!(
        failed(&dateline(
            d,
            &["provider", "remove", "--label", "Facebook"],
            ""
        )?)?
        .contains("no provider")
    );
    let listed = ok(&dateline(d, &["provider", "list"], "")?)?;
    assert_eq!(listed.trim(), "Local\thttp://127.0.0.1:9999\tdateline-site");
    Ok(())
}

/// Whether `token` still lets its owner in (the store's own check, as the API makes it).
async fn token_works(d: &Path, token: &str) -> anyhow::Result<bool> {
    let s = store(d).await?;
    let works = s
        .account_for_api_token(
            &credentials::token_hash(token),
            dateline_web::Clock::System.now(),
        )
        .await
        .is_ok();
    s.close().await;
    Ok(works)
}

fn new_token(d: &Path) -> anyhow::Result<String> {
    let out = ok(&dateline(
        d,
        &["token", "create", "--email", "bot@example.com"],
        "",
    )?)?;
    Ok(out.lines().last().unwrap_or("").trim().to_owned())
}

#[tokio::test]
async fn issue_22_a_reset_or_disabling_revokes_api_tokens_unless_kept() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    ok(&dateline(
        d,
        &[
            "user",
            "add",
            "--email",
            "bot@example.com",
            "--name",
            "Wire Bot",
            "--role",
            "author",
        ],
        &format!("{PASSWORD}\n"),
    )?)?;
    let reset = ["user", "reset-password", "--email", "bot@example.com"];

    // Kept when the operator says so, and the answer says which.
    let token = new_token(d)?;
    let out = ok(&dateline(
        d,
        &[&reset[..], &["--keep-tokens"]].concat(),
        "a brand new password\n",
    )?)?;
    assert!(out.contains("their API tokens were kept"), "{out}");
    assert!(token_works(d, &token).await?);

    // Revoked by default.
    let out = ok(&dateline(d, &reset, "another new password\n")?)?;
    assert!(out.contains("their API tokens have been revoked"), "{out}");
    assert!(!token_works(d, &token).await?, "a token survived a reset");

    // Disabling: kept tokens come back with the account; revoked ones never do.
    let token = new_token(d)?;
    let disable = ["user", "disable", "--email", "bot@example.com"];
    let enable = ["user", "enable", "--email", "bot@example.com"];
    ok(&dateline(
        d,
        &[&disable[..], &["--keep-tokens"]].concat(),
        "",
    )?)?;
    assert!(!token_works(d, &token).await?, "a disabled account's token");
    ok(&dateline(d, &enable, "")?)?;
    assert!(token_works(d, &token).await?);
    let out = ok(&dateline(d, &disable, "")?)?;
    assert!(out.contains("their API tokens have been revoked"), "{out}");
    ok(&dateline(d, &enable, "")?)?;
    assert!(!token_works(d, &token).await?, "a token survived disabling");
    let s = store(d).await?;
    let owner = s
        .account_by_email(&Email::parse("bot@example.com")?)
        .await?;
    let tokens = s.api_tokens_of(owner.id).await?;
    assert_eq!(tokens.len(), 2);
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()), "{tokens:?}");
    s.close().await;
    Ok(())
}

/// Issue 22: two people whose long names make the same 80-character slug were a 500 ("a slug
/// has at most 80 characters") for the second; the number added now fits.
#[tokio::test]
async fn issue_22_long_names_that_collide_get_numbered_slugs() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let name = "B".repeat(79);
    for email in ["b1@example.com", "b2@example.com"] {
        ok(&dateline(
            d,
            &[
                "user", "add", "--email", email, "--name", &name, "--role", "author",
            ],
            &format!("{PASSWORD}\n"),
        )?)?;
    }
    let store = store(d).await?;
    let mut slugs: Vec<String> = store
        .accounts()
        .await?
        .into_iter()
        .map(|a| a.slug.as_str().to_owned())
        .collect();
    slugs.sort();
    let mut want = vec!["b".repeat(79), format!("{}-2", "b".repeat(78))];
    want.sort();
    assert_eq!(slugs, want);
    Ok(())
}

/// Terminal colour codes out of a log line, so its fields can be read.
fn plain_text(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What one client saw of a request.
enum Seen {
    Answered,
    /// Connection refused: the port has closed, which ends the client's loop.
    Refused,
    /// A reset, a cut answer or a 5xx on a request that had a connection.
    Failed(String),
}

async fn request(client: &reqwest::Client, url: &str) -> Seen {
    match client.get(url).send().await {
        Ok(res) if res.status().is_server_error() => {
            Seen::Failed(format!("{url}: {}", res.status()))
        }
        Ok(res) => match res.bytes().await {
            Ok(_) => Seen::Answered,
            Err(e) => Seen::Failed(format!("{url}: body: {e:?}")),
        },
        Err(e) if e.is_connect() => Seen::Refused,
        Err(e) => Seen::Failed(format!("{url}: {e:?}")),
    }
}

#[tokio::test]
async fn sigterm_turns_readyz_503_drains_requests_and_exits_0() -> anyhow::Result<()> {
    use std::io::BufRead;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    let bound = Instant::now() + Duration::from_secs(60);
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--shutdown-grace", "1"])
        .arg("--data")
        .arg(dir.path())
        .env("DATELINE_LOG", "info,sqlx=warn,tantivy=warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stderr"))?;
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(plain_text(&line)).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    // The port the server opened, from its "serving" line.
    let addr = loop {
        let left = bound.saturating_duration_since(Instant::now());
        let line = lines_rx
            .recv_timeout(left)
            .map_err(|e| anyhow::anyhow!("no `serving` line: {e}; log: {log:#?}"))?;
        log.push(line.clone());
        if line.contains("serving")
            && let Some(rest) = line.split("addr=").nth(1)
        {
            break rest.split_whitespace().next().unwrap_or("").to_owned();
        }
    };
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    assert_eq!(
        client.get(format!("{base}/readyz")).send().await?.status(),
        200
    );

    let answered = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for n in 0..4 {
        // One client each: plain HTTP keep-alive, as a load balancer's upstream pool.
        let client = reqwest::Client::new();
        let answered = answered.clone();
        let base = base.clone();
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            // The front page is kept in the page cache; search answers never are.
            let paths = ["/", "/search?q=news", "/livez"];
            for i in 0..2000 {
                if Instant::now() > bound {
                    failures.push("the loop outlasted its bound".to_owned());
                    break;
                }
                let url = format!("{base}{}", paths[(i + n) % paths.len()]);
                match request(&client, &url).await {
                    Seen::Answered => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Seen::Refused => break,
                    Seen::Failed(e) => failures.push(e),
                }
            }
            failures
        }));
    }
    // Signal in the middle of the load.
    while answered.load(Ordering::Relaxed) < 100 {
        anyhow::ensure!(Instant::now() < bound, "the clients made no progress");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before = answered.load(Ordering::Relaxed);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    anyhow::ensure!(kill.success(), "kill -TERM failed");
    // While the grace lasts, /readyz says 503 (on a fresh connection each poll).
    let mut saw_503 = false;
    while Instant::now() < bound {
        let probe = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()?;
        match probe.get(format!("{base}/readyz")).send().await {
            Ok(res) if res.status() == 503 => {
                assert_eq!(res.text().await?, "not ready: shutting down");
                saw_503 = true;
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(_) => break,
        }
    }
    assert!(saw_503, "/readyz never answered 503 during the grace");
    let mut failures = Vec::new();
    for c in clients {
        failures.extend(c.await?);
    }
    let total = answered.load(Ordering::Relaxed);
    assert!(
        total > before,
        "no request was answered after the signal ({total})"
    );
    // The process exits 0 within the bound.
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > bound {
            child.kill()?;
            anyhow::bail!("the server did not exit; log: {log:#?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    reader.join().ok();
    log.extend(lines_rx.try_iter());
    assert!(failures.is_empty(), "{failures:#?}\nlog: {log:#?}");
    assert_eq!(status.code(), Some(0), "log: {log:#?}");
    for phase in [
        "shutting down: /readyz answers 503",
        "closing the port",
        "every request in flight has finished",
        "search index committed",
        "stopped",
    ] {
        assert!(
            log.iter().any(|l| l.contains(phase)),
            "no `{phase}` line: {log:#?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn jobs_are_listed_retried_and_deleted() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let s = store(d).await?;
    let now = dateline_web::Clock::System.now();
    let job = |key: &str| dateline_store::NewJob {
        kind: "mail.send".to_owned(),
        payload: r#"{"to":"nadia@readers.example","reader_id":1,"purpose":"verify"}"#.to_owned(),
        dedupe_key: Some(key.to_owned()),
        run_at: now,
        max_attempts: 1,
    };
    let broken = s.enqueue_job(&job("a"), now).await?;
    let running = s.enqueue_job(&job("b"), now).await?;
    let claimed = s
        .claim_jobs(
            &["mail.send"],
            "web-1",
            now,
            now + jiff::SignedDuration::from_secs(30),
            1,
        )
        .await?;
    assert_eq!(claimed[0].id, broken);
    s.fail_job(&claimed[0], "connection refused\nby the server", now)
        .await?;
    s.claim_jobs(
        &["mail.send"],
        "web-2",
        now,
        now + jiff::SignedDuration::from_secs(30),
        1,
    )
    .await?;
    s.close().await;

    let all = ok(&dateline(d, &["jobs", "list"], "")?)?;
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    assert!(
        lines[1].contains("mail.send") && lines[1].contains("failed"),
        "{all}"
    );
    assert!(
        lines[1].contains("connection refused by the server"),
        "{all}"
    );
    assert!(lines[2].contains("running on web-2"), "{all}");
    // Never the payload: it holds an address.
    assert!(!all.contains("readers.example"), "{all}");
    let only_failed = ok(&dateline(d, &["jobs", "list", "--failed"], "")?)?;
    assert_eq!(only_failed.lines().count(), 2, "{only_failed}");

    // A running job is neither retried nor deleted.
    let err = failed(&dateline(
        d,
        &["jobs", "delete", "--id", &running.to_string()],
        "",
    )?)?;
    assert!(
        err.contains(&format!("there is no failed job {running}")),
        "{err}"
    );
    let err = failed(&dateline(d, &["jobs", "retry", "--id", "999"], "")?)?;
    assert!(err.contains("there is no failed job 999"), "{err}");
    let retried = ok(&dateline(
        d,
        &["jobs", "retry", "--id", &broken.to_string()],
        "",
    )?)?;
    assert!(retried.contains("waiting again"), "{retried}");
    let s = store(d).await?;
    let j = s.job(broken).await?;
    assert_eq!((j.failed_at, j.attempts), (None, 0));
    s.close().await;
    Ok(())
}

/// A small WordPress export (WXR 1.2) with one published post and its old slug.
const WXR: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
 <title>Old</title><link>https://old.example</link>
 <wp:wxr_version>1.2</wp:wxr_version>
 <wp:base_site_url>https://old.example</wp:base_site_url>
 <wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name></wp:category>
 <item>
  <title><![CDATA[Pier opens]]></title>
  <link>https://old.example/2019/03/11/pier-opens/</link>
  <content:encoded><![CDATA[<!-- wp:paragraph --><p>It opened.</p><!-- /wp:paragraph -->]]></content:encoded>
  <excerpt:encoded><![CDATA[]]></excerpt:encoded>
  <wp:post_id>10</wp:post_id>
  <wp:post_date_gmt><![CDATA[2019-03-11 09:30:00]]></wp:post_date_gmt>
  <wp:post_name><![CDATA[pier-opens]]></wp:post_name>
  <wp:status><![CDATA[publish]]></wp:status>
  <wp:post_type><![CDATA[post]]></wp:post_type>
  <category domain="category" nicename="news"><![CDATA[News]]></category>
  <wp:postmeta><wp:meta_key><![CDATA[_wp_old_slug]]></wp:meta_key><wp:meta_value><![CDATA[pier]]></wp:meta_value></wp:postmeta>
 </item>
</channel>
</rss>
"#;

#[tokio::test]
async fn issue_16_wordpress_import_and_redirects_export_as_an_operator_runs_them()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let file = d.join("export.xml");
    std::fs::write(&file, WXR)?;
    let path = file.to_str().unwrap_or_default();
    // A dry run prints the report and creates no database at all.
    let out = ok(&dateline(
        d,
        &["import", "wordpress", path, "--dry-run"],
        "",
    )?)?;
    assert!(out.contains("would import 1 posts"), "{out}");
    assert!(!d.join("dateline.db").exists());
    // A truncated file: exit 1, a sentence naming the line, nothing written.
    let cut = d.join("cut.xml");
    std::fs::write(&cut, &WXR[..WXR.find("<wp:post_type>").unwrap_or(0)])?;
    let err = failed(&dateline(
        d,
        &["import", "wordpress", cut.to_str().unwrap_or_default()],
        "",
    )?)?;
    assert!(err.contains("truncated") && err.contains("line "), "{err}");
    assert!(!d.join("dateline.db").exists());
    // The import, twice: the second run updates in place.
    let out = ok(&dateline(d, &["import", "wordpress", path], "")?)?;
    assert!(out.contains("imported 1 posts (1 new, 0 updated"), "{out}");
    let out = ok(&dateline(d, &["import", "wordpress", path], "")?)?;
    assert!(out.contains("imported 1 posts (0 new, 1 updated"), "{out}");
    let s = store(d).await?;
    assert_eq!(s.article_ids().await?.len(), 1);
    s.close().await;
    let csv = ok(&dateline(
        d,
        &["redirects", "export", "--format", "csv"],
        "",
    )?)?;
    let new = "/news/2019/03/11/pier-opens/";
    for old in ["/2019/03/11/pier-opens/", "/2019/03/11/pier/", "/?p=10"] {
        assert!(csv.contains(&format!("{old},{new}\n")), "{old}: {csv}");
    }
    let nginx = ok(&dateline(
        d,
        &["redirects", "export", "--format", "nginx"],
        "",
    )?)?;
    assert!(
        nginx.contains("map $request_uri $dateline_moved {"),
        "{nginx}"
    );
    assert!(nginx.contains(&format!("\"/?p=10\" \"{new}\";")), "{nginx}");
    Ok(())
}

/// Issue 19: `--log-format json` writes every line as one JSON object, with a line per request
/// (its id, method, route template, status, duration) and never a query string; the id a
/// trusted proxy sends is kept and sent back; `/metrics` is served on `--metrics-listen` and
/// nowhere on the public port.
#[tokio::test]
async fn json_logs_have_a_line_per_request_and_metrics_have_their_own_port() -> anyhow::Result<()> {
    use std::io::BufRead;
    use std::time::{Duration, Instant};

    let bound = Instant::now() + Duration::from_secs(60);
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--trusted-proxy",
            "127.0.0.1",
            "--shutdown-grace",
            "0",
        ])
        .arg("--data")
        .arg(dir.path())
        .env("DATELINE_LOG", "info,sqlx=warn,tantivy=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stderr"))?;
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log: Vec<String> = Vec::new();
    let json = |line: &str| -> anyhow::Result<serde_json::Value> {
        serde_json::from_str(line).map_err(|e| anyhow::anyhow!("not a JSON line: {line:?}: {e}"))
    };
    // The two addresses, from the "serving" lines.
    let (mut base, mut metrics) = (None, None);
    while base.is_none() || metrics.is_none() {
        let left = bound.saturating_duration_since(Instant::now());
        let line = lines_rx
            .recv_timeout(left)
            .map_err(|e| anyhow::anyhow!("no `serving` lines: {e}; log: {log:#?}"))?;
        let v = json(&line)?;
        let addr = v["addr"].as_str().map(str::to_owned);
        match v["message"].as_str() {
            Some("serving") => base = addr,
            Some("serving metrics at /metrics") => metrics = addr,
            _ => {}
        }
        log.push(line);
    }
    let base = format!("http://{}", base.unwrap_or_default());
    let metrics = format!("http://{}/metrics", metrics.unwrap_or_default());
    let client = reqwest::Client::new();

    let res = client
        .get(format!("{base}/"))
        .header("x-request-id", "edge-7f3a")
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("edge-7f3a")
    );
    // An id that could forge log lines is replaced, never kept.
    let res = client
        .get(format!("{base}/"))
        .header("x-request-id", "a b\"c")
        .send()
        .await?;
    let fresh = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(fresh.len(), 16, "{fresh}");
    let secret = "reset-token-5ae1c0ffee";
    let res = client
        .get(format!("{base}/search?q={secret}"))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        client.get(format!("{base}/metrics")).send().await?.status(),
        404
    );
    let scraped = client.get(&metrics).send().await?;
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await?;
    assert!(
        text.lines().any(|l| l.starts_with(
            "dateline_http_requests_total{method=\"GET\",route=\"/\",status=\"2xx\"} "
        ) && l.ends_with(" 2")),
        "{text}"
    );
    assert!(text.contains("route=\"/search\""), "{text}");
    assert!(!text.contains(secret), "{text}");

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    anyhow::ensure!(kill.success(), "kill -TERM failed");
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > bound {
            child.kill()?;
            anyhow::bail!("the server did not exit; log: {log:#?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    reader.join().ok();
    log.extend(lines_rx.try_iter());
    assert_eq!(status.code(), Some(0), "log: {log:#?}");
    let lines = log
        .iter()
        .map(|l| json(l))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let requests: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|v| v["target"] == "dateline::request")
        .collect();
    let edge = requests
        .iter()
        .find(|v| v["request_id"] == "edge-7f3a")
        .ok_or_else(|| anyhow::anyhow!("no line for the proxy's id: {log:#?}"))?;
    assert_eq!(edge["method"], "GET");
    assert_eq!(edge["route"], "/");
    assert_eq!(edge["status"], 200);
    assert_eq!(edge["level"], "INFO");
    assert!(
        edge["duration_ms"].as_f64().is_some_and(|d| d >= 0.0),
        "{edge}"
    );
    assert!(requests.iter().any(|v| v["request_id"] == fresh.as_str()));
    assert!(
        requests
            .iter()
            .any(|v| v["route"] == "/search" && v["status"] == 200)
    );
    // Public /metrics is a request like any other: no route matches it (the fallback adds
    // the final slash), and /metrics/ is a section that does not exist.
    assert!(
        requests
            .iter()
            .any(|v| v["route"] == "unmatched" && v["status"] == 301),
        "{log:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|v| v["route"] == "/{section}/" && v["status"] == 404)
    );
    for line in &log {
        assert!(!line.contains(secret), "a query string was logged: {line}");
    }
    Ok(())
}
