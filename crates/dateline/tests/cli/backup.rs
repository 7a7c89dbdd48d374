//! `dateline backup`, `backup --verify`, `restore` and `migrate` as an operator runs them,
//! against real `dateline serve` processes on 127.0.0.1: a backup taken while stories,
//! comments and photos are written through HTTP restores to one instant of the database; a
//! restored site serves byte-identical pages; a damaged archive is caught; a non-empty target
//! is refused; and the demo site moved to PostgreSQL serves identical pages and API answers.

use super::served::{
    BASE, Served, attr, cookie_header, drop_database, fresh_database, http, ok, postgres_admin,
    refused, register_reader, run, s, same_page, sqlite,
};
use anyhow::{Context, ensure};
use dateline_store::Store;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const EDITOR: &str = "ed@example.com";

async fn api(
    http: &reqwest::Client,
    token: &str,
    url: String,
    body: Value,
) -> anyhow::Result<Value> {
    let res = http
        .post(&url)
        .header("authorization", format!("Bearer {token}"))
        .json(&body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = res.status();
    let text = res.text().await?;
    ensure!(status.is_success(), "POST {url}: {status} {text}");
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A PNG unlike any other (its colours come from `seed`).
fn photo_png(seed: u8) -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

async fn upload(
    http: &reqwest::Client,
    token: &str,
    url: String,
    caption: &str,
    seed: u8,
) -> anyhow::Result<()> {
    const B: &str = "----dateline-backup-boundary-7Hq";
    let mut body = Vec::new();
    for (name, value) in [("alt", "A test pattern"), ("caption", caption)] {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&photo_png(seed)?);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    let res = http
        .post(&url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", format!("multipart/form-data; boundary={B}"))
        .body(body)
        .send()
        .await?;
    let status = res.status();
    ensure!(
        status == 201,
        "uploading {caption}: {status} {}",
        res.text().await?
    );
    Ok(())
}

async fn comment(
    http: &reqwest::Client,
    node: &Served,
    jar: &[(String, String)],
    story: i64,
    text: &str,
) -> anyhow::Result<()> {
    let page = http
        .get(node.url(&format!("/discussion/{story}/")))
        .header(reqwest::header::COOKIE, cookie_header(jar))
        .send()
        .await?
        .text()
        .await?;
    let csrf = attr(&page, "form.reader-sign-out input[name=csrf]", "value")?;
    let res = http
        .post(node.url(&format!("/discussion/{story}/comments")))
        .header(reqwest::header::COOKIE, cookie_header(jar))
        .form(&[("body", text), ("parent", ""), ("csrf", &csrf)])
        .send()
        .await?;
    ensure!(res.status() == 303, "posting {text:?}: {}", res.status());
    Ok(())
}

/// A site with an editor, their API token and a `load` section, served: its data folder is
/// `DIR/site`, its database SQLite in it or `database` (a PostgreSQL URL) when given.
async fn editor_site(
    http: &reqwest::Client,
    dir: &Path,
    database: Option<&str>,
) -> anyhow::Result<(Served, String)> {
    let data = dir.join("site");
    let on_db: Vec<&str> = database.map_or(vec![], |url| vec!["--database", url]);
    // `user add` reads the password from standard input.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["user", "add", "--data", s(&data), "--email", EDITOR])
        .args(["--name", "Ed Itor", "--role", "editor", "--password-stdin"])
        .args(&on_db)
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        use std::io::Write;
        input.write_all(b"a long editor password\n")?;
    }
    let added = child.wait_with_output()?;
    let mut list = vec!["user", "list", "--data", s(&data)];
    list.extend(&on_db);
    let listed = ok(&run(&list)?)?;
    ensure!(listed.contains(EDITOR), "no editor: {listed} {added:?}");
    // The load's one reader comments faster than a person: lift the rate limits.
    let url = match database {
        Some(url) => url.to_owned(),
        None => dateline::config::sqlite_url(&data.join("dateline.db")),
    };
    let store = Store::open(&url).await?;
    let mut rules = store.discussion_rules().await?;
    rules.per_reader_per_minute = 100_000;
    rules.per_address_per_minute = 100_000;
    store.save_discussion_rules(&rules).await?;
    store.close().await;
    let mut create = vec![
        "token",
        "create",
        "--data",
        s(&data),
        "--email",
        EDITOR,
        "--label",
        "load",
    ];
    create.extend(&on_db);
    let out = ok(&run(&create)?)?;
    let token = out.lines().last().unwrap_or_default().trim().to_owned();
    ensure!(token.len() > 20, "no API token in {out:?}");
    let node = Served::start(http, &data, &on_db, dir.join("site.log")).await?;
    api(
        http,
        &token,
        node.url("/api/v1/sections"),
        json!({"name": "Load", "slug": "load"}),
    )
    .await?;
    Ok((node, token))
}

/// The writes of the load, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Write {
    Created(u32),
    Published(u32),
    Commented(u32),
    Photo(u32),
}

/// Write stories, comments and photos one after another until `stop` (or a bound); each
/// write is pushed to `done` once it was answered.
async fn load(
    http: reqwest::Client,
    node_url: String,
    token: String,
    jar: Vec<(String, String)>,
    node: Arc<Served>,
    stop: Arc<AtomicBool>,
    done: Arc<std::sync::Mutex<Vec<(Write, String)>>>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for i in 0..150u32 {
        if stop.load(Ordering::Acquire) || started.elapsed() > Duration::from_secs(150) {
            break;
        }
        let push = |w: Write, path: String| {
            done.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((w, path));
        };
        let made = api(
            &http,
            &token,
            format!("{node_url}/api/v1/articles"),
            json!({
                "headline": format!("Load story {i}"),
                "standfirst": format!("Story {i} of the load."),
                "section": "load",
                "body": format!("The words of load story {i}, long enough to read."),
                "discussion_mode": "open",
            }),
        )
        .await?;
        let id = made["id"].as_i64().context("no id in the created story")?;
        push(Write::Created(i), String::new());
        let published = api(
            &http,
            &token,
            format!("{node_url}/api/v1/articles/{id}/publish"),
            json!({"confirm": true}),
        )
        .await?;
        let path = published["path"].as_str().unwrap_or_default().to_owned();
        push(Write::Published(i), path);
        comment(&http, &node, &jar, id, &format!("Load comment #{i} ends.")).await?;
        push(Write::Commented(i), format!("/discussion/{id}/"));
        if i % 3 == 0 {
            upload(
                &http,
                &token,
                format!("{node_url}/api/v1/media"),
                &format!("Load photo {i}"),
                (i % 251) as u8,
            )
            .await?;
            push(Write::Photo(i), String::new());
        }
    }
    Ok(())
}

/// A query counting the rows that show `w` was made, and its one parameter (`$1`, which
/// both SQLite and PostgreSQL read).
fn evidence(w: &Write) -> (&'static str, String) {
    match w {
        Write::Created(i) => (
            "SELECT COUNT(*) FROM articles WHERE headline = $1",
            format!("Load story {i}"),
        ),
        Write::Published(i) => (
            "SELECT COUNT(*) FROM articles WHERE headline = $1 AND status = 'published'",
            format!("Load story {i}"),
        ),
        Write::Commented(i) => (
            "SELECT COUNT(*) FROM comments WHERE body LIKE $1",
            format!("%Load comment #{i} ends.%"),
        ),
        Write::Photo(i) => (
            "SELECT COUNT(*) FROM media WHERE caption = $1",
            format!("Load photo {i}"),
        ),
    }
}

/// Whether `w` is in the SQLite database at `db`.
async fn holds(db: &mut sqlx::SqliteConnection, w: &Write) -> anyhow::Result<bool> {
    let (sql, param) = evidence(w);
    let n: i64 = sqlx::query_scalar(sql)
        .bind(param)
        .fetch_one(&mut *db)
        .await?;
    Ok(n > 0)
}

/// Whether `w` is in the PostgreSQL database `db` is connected to.
async fn holds_pg(db: &mut sqlx::PgConnection, w: &Write) -> anyhow::Result<bool> {
    let (sql, param) = evidence(w);
    let n: i64 = sqlx::query_scalar(sql)
        .bind(param)
        .fetch_one(&mut *db)
        .await?;
    Ok(n > 0)
}

/// The writes' evidence in a restored database, checked to be one instant: a prefix of the
/// writes made, in order, with at least the first `before` and none after the first
/// `after` (the count when the backup finished).
fn one_instant(
    writes: &[(Write, String)],
    held: &[bool],
    before: usize,
    after: usize,
) -> anyhow::Result<()> {
    let first_missing = held.iter().position(|h| !h).unwrap_or(held.len());
    ensure!(
        held[first_missing..].iter().all(|h| !h),
        "the restored database holds writes after one it misses: {:?}",
        writes
            .iter()
            .zip(held)
            .map(|((w, _), h)| (w.clone(), *h))
            .collect::<Vec<_>>()
    );
    ensure!(
        first_missing >= before,
        "the backup holds only {first_missing} of the writes made before it"
    );
    ensure!(
        first_missing <= after,
        "the backup holds writes made after it finished ({first_missing} > {after})"
    );
    Ok(())
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            if e.file_type()?.is_dir() {
                walk(root, &e.path(), out)?;
            } else {
                out.push(e.path().strip_prefix(root)?.to_owned());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_one_instant() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let http = http()?;
    let (node, token) = editor_site(&http, d, None).await?;
    let node = Arc::new(node);
    let jar = register_reader(&http, &node).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(std::sync::Mutex::new(Vec::new()));
    let writer = tokio::spawn(load(
        http.clone(),
        node.url(""),
        token.clone(),
        jar,
        node.clone(),
        stop.clone(),
        done.clone(),
    ));
    let count = || done.lock().unwrap_or_else(|e| e.into_inner()).len();
    let wait_for = |n: usize| async move {
        let deadline = Instant::now() + Duration::from_secs(90);
        while count() < n {
            ensure!(
                Instant::now() < deadline,
                "the load made only {} writes",
                count()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::Ok(())
    };
    wait_for(6).await?;

    let archive = d.join("site.tar.gz");
    let data = d.join("site");
    let args = ["backup", "--data", s(&data), "--out", s(&archive)].map(str::to_owned);
    let made = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    })
    .await??;
    let said = ok(&made)?;
    ensure!(said.starts_with("backed up "), "{said}");
    let after_backup = count();
    wait_for(after_backup + 6).await?;
    stop.store(true, Ordering::Release);
    writer.await??;
    let writes: Vec<(Write, String)> = done.lock().unwrap_or_else(|e| e.into_inner()).clone();

    let verified = ok(&run(&["backup", "--verify", s(&archive)])?)?;
    ensure!(verified.contains("is a good backup"), "{verified}");

    // A non-empty target is refused, and left as it was.
    let occupied = d.join("occupied");
    std::fs::create_dir_all(&occupied)?;
    std::fs::write(occupied.join("notes.txt"), "mine")?;
    let no = refused(&run(&["restore", s(&archive), "--data", s(&occupied)])?)?;
    ensure!(
        no.contains("is not empty") && no.contains("--force"),
        "{no}"
    );
    ensure!(
        files(&occupied)? == vec![PathBuf::from("notes.txt")]
            && std::fs::read_to_string(occupied.join("notes.txt"))? == "mine",
        "a refused restore changed the target"
    );

    let restored = d.join("restored");
    let said = ok(&run(&["restore", s(&archive), "--data", s(&restored)])?)?;
    ensure!(said.starts_with("restored "), "{said}");
    ensure!(
        restored.join("search").is_dir(),
        "no search index was rebuilt"
    );

    // One instant: the restored writes are a prefix of the writes made, in order, missing
    // (at least) those made after the backup finished.
    let mut copy = sqlite(&restored.join("dateline.db")).await?;
    let mut held = Vec::new();
    for (w, _) in &writes {
        held.push(holds(&mut copy, w).await?);
    }
    one_instant(&writes, &held, 6, after_backup)?;

    // Every restored comment, story and photo row is the original's, column for column.
    sqlx::query("ATTACH DATABASE ? AS src")
        .bind(data.join("dateline.db").display().to_string())
        .execute(&mut copy)
        .await?;
    for (table, cols) in [
        ("comments", "*"),
        (
            "articles",
            "id, slug, headline, standfirst, section_id, body_source, body_html, created_at",
        ),
        (
            "media",
            "id, hash, mime, width, height, alt, caption, created_at",
        ),
    ] {
        let differ: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT {cols} FROM main.{table} EXCEPT SELECT {cols} FROM src.{table})"
        ))
        .fetch_one(&mut copy)
        .await?;
        ensure!(
            differ == 0,
            "{differ} restored {table} rows differ from the original's"
        );
    }
    // Every photo file restored is the original's, byte for byte, and every photo row's
    // original upload is there.
    let restored_files = files(&restored.join("media"))?;
    for f in &restored_files {
        let a = std::fs::read(data.join("media").join(f))?;
        let b = std::fs::read(restored.join("media").join(f))?;
        ensure!(a == b, "media/{} differs from the original", f.display());
    }
    let hashes: Vec<String> = sqlx::query_scalar("SELECT hash FROM main.media")
        .fetch_all(&mut copy)
        .await?;
    for h in &hashes {
        ensure!(
            restored_files
                .iter()
                .any(|f| f.starts_with("originals") && f.to_string_lossy().contains(h.as_str())),
            "the photo {h} has no original file in the restored media"
        );
    }
    drop(copy);

    // Every table of the restored database counts and sums as the manifest says.
    let store = Store::open(&dateline::config::sqlite_url(&restored.join("dateline.db"))).await?;
    let mut snap = store.snapshot().await?;
    let sums = snap.sums().await?;
    snap.finish().await?;
    store.close().await;
    let manifest = dateline::backup::verify(&archive).await?;
    dateline::backup::compare(&manifest.tables, &sums, "the restored database")?;
    ensure!(manifest.tables.get("comments").is_some_and(|t| t.rows > 0));

    // A damaged archive is caught: one byte of a photo changed, repacked with the manifest.
    let damaged = d.join("damaged.tar.gz");
    repack_damaged(&archive, &damaged)?;
    let caught = refused(&run(&["backup", "--verify", s(&damaged)])?)?;
    ensure!(
        caught.contains("media/") && caught.contains("is damaged"),
        "{caught}"
    );
    let no = refused(&run(&[
        "restore",
        s(&damaged),
        "--data",
        s(&d.join("never")),
    ])?)?;
    ensure!(no.contains("is damaged"), "{no}");
    ensure!(
        !d.join("never").exists(),
        "a damaged restore left a folder behind"
    );
    // And a cut-short one.
    let bytes = std::fs::read(&archive)?;
    let cut = d.join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2])?;
    let caught = refused(&run(&["backup", "--verify", s(&cut)])?)?;
    ensure!(
        caught.contains("cut short") || caught.contains("no manifest"),
        "{caught}"
    );

    // Quiet now: a second backup restored serves the very same public pages.
    let settle = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = ok(&run(&["jobs", "list", "--data", s(&data)])?)?;
        if jobs.lines().filter(|l| !l.trim().is_empty()).count() <= 2 || Instant::now() > settle {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let second = d.join("second.tar.gz");
    ok(&run(&["backup", "--data", s(&data), "--out", s(&second)])?)?;
    let again = d.join("again");
    ok(&run(&["restore", s(&second), "--data", s(&again)])?)?;
    let copy_node = Served::start(&http, &again, &[], d.join("again.log")).await?;
    let mut paths: Vec<String> = vec![
        "/".into(),
        "/load/".into(),
        "/feed.xml".into(),
        "/load/feed.json".into(),
        "/sitemap.xml".into(),
        "/api/v1/articles".into(),
    ];
    paths.extend(
        writes
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(_, p)| p.clone())
            .take(12),
    );
    for p in &paths {
        same_page(&http, &node, &copy_node, p).await?;
    }
    copy_node.stop();
    drop(node);
    Ok(())
}

/// Copy `from` to `to` with one byte of its first photo file changed and the manifest kept.
fn repack_damaged(from: &Path, to: &Path) -> anyhow::Result<()> {
    use std::io::Read;
    let file = std::fs::File::open(from)?;
    let mut input = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let out = std::fs::File::create(to)?;
    let mut output = tar::Builder::new(flate2::write::GzEncoder::new(
        out,
        flate2::Compression::fast(),
    ));
    let mut changed = false;
    for entry in input.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        if !changed && name.starts_with("media/") && !bytes.is_empty() {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x55;
            changed = true;
        }
        let mut header = entry.header().clone();
        output.append_data(&mut header, &name, bytes.as_slice())?;
    }
    ensure!(changed, "the archive has no photo file to damage");
    output.into_inner()?.finish()?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for f in files(from)? {
        let dest = to.join(&f);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::copy(from.join(&f), dest)?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_site_moves_to_postgres_unchanged() -> anyhow::Result<()> {
    let admin = postgres_admin()?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let http = http()?;
    let data = d.join("site");
    // The demo newsroom, loaded by a first start.
    let first = Served::start(&http, &data, &["--demo"], d.join("demo.log")).await?;
    first.stop();
    // Every story's related list ranked now (a first start ranks them in the background), so
    // neither node ranks one while the pages are compared.
    ok(&run(&["reindex", "--data", s(&data)])?)?;

    let url = fresh_database(&admin).await?;
    let moved = run(&["migrate", "--from", s(&data), "--to", &url])?;
    let said = ok(&moved)?;
    ensure!(
        said.contains("every table's row count and checksum match"),
        "{said}"
    );
    let progress = String::from_utf8_lossy(&moved.stderr);
    ensure!(
        progress.contains("articles:"),
        "no progress on stderr: {progress}"
    );
    // Into a database that now has tables: refused, naming why.
    let again = refused(&run(&["migrate", "--from", s(&data), "--to", &url])?)?;
    ensure!(again.contains("is not empty"), "{again}");
    ensure!(
        !again.contains(&url),
        "the URL (with any password) was printed: {again}"
    );

    // The PostgreSQL node gets its own data folder (two nodes cannot share one search index)
    // with the same photo files and index, as the moved site keeps its data folder: a node
    // that had to build its index afresh would rank related lists again while it did.
    let pg_data = d.join("pg");
    copy_dir(&data.join("media"), &pg_data.join("media"))?;
    copy_dir(&data.join("search"), &pg_data.join("search"))?;
    let sqlite_node = Served::start(&http, &data, &[], d.join("sqlite.log")).await?;
    let pg_node = Served::start(&http, &pg_data, &["--database", &url], d.join("pg.log")).await?;

    let list: Value = http
        .get(sqlite_node.url("/api/v1/articles"))
        .send()
        .await?
        .json()
        .await?;
    let mut paths: Vec<String> = vec![
        "/".into(),
        "/feed.xml".into(),
        "/atom.xml".into(),
        "/feed.json".into(),
        "/sitemap.xml".into(),
        "/news-sitemap.xml".into(),
        "/robots.txt".into(),
        "/api/v1/articles".into(),
        "/api/v1/sections".into(),
        "/api/v1/tags".into(),
    ];
    let items = list
        .get("articles")
        .or(list.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ensure!(!items.is_empty(), "the demo API lists no stories: {list}");
    for a in &items {
        if let Some(id) = a["id"].as_i64() {
            paths.push(format!("/api/v1/articles/{id}"));
        }
        for key in ["path", "url"] {
            if let Some(p) = a[key].as_str() {
                let p = p.strip_prefix(BASE).unwrap_or(p);
                if p.starts_with('/') {
                    paths.push(p.to_owned());
                }
            }
        }
    }
    for p in &paths {
        same_page(&http, &sqlite_node, &pg_node, p).await?;
    }
    pg_node.stop();
    sqlite_node.stop();
    {
        use sqlx::Connection;
        let name = url
            .rsplit('/')
            .next()
            .and_then(|s| s.split('?').next())
            .unwrap_or_default();
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

/// Each row of `SELECT cols FROM table` (`*`: every column) as JSON text, sorted.
async fn pg_rows(
    db: &mut sqlx::PgConnection,
    table: &str,
    cols: &str,
) -> anyhow::Result<Vec<String>> {
    let row = if cols == "*" {
        "row_to_json(t)".to_owned()
    } else {
        format!("json_build_array({cols})")
    };
    let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row}::text FROM {table} t"))
        .fetch_all(&mut *db)
        .await?;
    rows.sort();
    Ok(rows)
}

/// `dateline ARGS` with `PATH` set to `path`.
fn run_with_path(args: &[String], path: &Path) -> anyhow::Result<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(args)
        .env("DATELINE_LOG", "warn")
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_backup_under_load_restores_one_instant() -> anyhow::Result<()> {
    use sqlx::Connection;
    let admin = postgres_admin()?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let http = http()?;
    let source = fresh_database(&admin).await?;
    let (node, token) = editor_site(&http, d, Some(&source)).await?;
    let node = Arc::new(node);
    let jar = register_reader(&http, &node).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(std::sync::Mutex::new(Vec::new()));
    let writer = tokio::spawn(load(
        http.clone(),
        node.url(""),
        token.clone(),
        jar,
        node.clone(),
        stop.clone(),
        done.clone(),
    ));
    let count = || done.lock().unwrap_or_else(|e| e.into_inner()).len();
    let wait_for = |n: usize| async move {
        let deadline = Instant::now() + Duration::from_secs(90);
        while count() < n {
            ensure!(
                Instant::now() < deadline,
                "the load made only {} writes",
                count()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::Ok(())
    };
    wait_for(6).await?;

    // The backup runs with a PATH that has no pg_dump: it finds PostgreSQL's own under
    // /usr/lib/postgresql/*/bin, where the server packages put it.
    let no_tools = d.join("no-tools");
    std::fs::create_dir_all(&no_tools)?;
    let archive = d.join("site.tar.gz");
    let data = d.join("site");
    let args: Vec<String> = [
        "backup",
        "--data",
        s(&data),
        "--database",
        &source,
        "--out",
        s(&archive),
    ]
    .map(str::to_owned)
    .to_vec();
    let path = no_tools.clone();
    let made = tokio::task::spawn_blocking(move || run_with_path(&args, &path)).await??;
    let said = ok(&made)?;
    ensure!(said.starts_with("backed up "), "{said}");
    let after_backup = count();
    wait_for(after_backup + 6).await?;
    stop.store(true, Ordering::Release);
    writer.await??;
    let writes: Vec<(Write, String)> = done.lock().unwrap_or_else(|e| e.into_inner()).clone();

    let verified = ok(&run(&["backup", "--verify", s(&archive)])?)?;
    ensure!(
        verified.contains("is a good backup") && verified.contains("from a postgres site"),
        "{verified}"
    );

    // Named tool folders without the tools: a sentence naming the missing tool, and nothing
    // written (no archive; the target database still empty).
    let never = d.join("never.tar.gz");
    let no = refused(&run(&[
        "backup",
        "--data",
        s(&data),
        "--database",
        &source,
        "--out",
        s(&never),
        "--pg-bin",
        s(&no_tools),
    ])?)?;
    ensure!(
        no.contains("pg_dump is not installed") && no.contains("--pg-bin"),
        "{no}"
    );
    ensure!(!never.exists(), "a failed backup left {}", never.display());
    let target = fresh_database(&admin).await?;
    let no = refused(&run(&[
        "restore",
        s(&archive),
        "--data",
        s(&d.join("not-restored")),
        "--database",
        &target,
        "--pg-bin",
        s(&no_tools),
    ])?)?;
    ensure!(no.contains("pg_restore is not installed"), "{no}");
    ensure!(
        dateline_store::tables_at(&target).await?.is_empty(),
        "a restore without pg_restore wrote tables"
    );

    let restored = d.join("restored");
    let said = ok(&run(&[
        "restore",
        s(&archive),
        "--data",
        s(&restored),
        "--database",
        &target,
    ])?)?;
    ensure!(said.starts_with("restored "), "{said}");
    ensure!(
        restored.join("search").is_dir(),
        "no search index was rebuilt"
    );
    // Now it has tables: a second restore into it is refused.
    let no = refused(&run(&[
        "restore",
        s(&archive),
        "--data",
        s(&d.join("other")),
        "--database",
        &target,
    ])?)?;
    ensure!(
        no.contains("is not empty") && no.contains("--force"),
        "{no}"
    );

    // One instant, as on SQLite.
    let mut copy = sqlx::PgConnection::connect(&target).await?;
    let mut held = Vec::new();
    for (w, _) in &writes {
        held.push(holds_pg(&mut copy, w).await?);
    }
    one_instant(&writes, &held, 6, after_backup)?;

    // Every restored comment, story and photo row is one of the original's, column for
    // column (the original has more: the writes made after the backup).
    let mut original = sqlx::PgConnection::connect(&source).await?;
    for (table, cols) in [
        ("comments", "*"),
        (
            "articles",
            "id, slug, headline, standfirst, section_id, body_source, body_html, created_at",
        ),
        (
            "media",
            "id, hash, mime, width, height, alt, caption, created_at",
        ),
    ] {
        let got = pg_rows(&mut copy, table, cols).await?;
        let had = pg_rows(&mut original, table, cols).await?;
        ensure!(!got.is_empty(), "no {table} rows were restored");
        let missing: Vec<&String> = got
            .iter()
            .filter(|r| had.binary_search(r).is_err())
            .collect();
        ensure!(
            missing.is_empty(),
            "restored {table} rows differ from the original's: {missing:?}"
        );
    }
    let hashes: Vec<String> = sqlx::query_scalar("SELECT hash FROM media")
        .fetch_all(&mut copy)
        .await?;
    copy.close().await.ok();
    original.close().await.ok();
    // Every table of the restored database counts and sums as the manifest says (the sums
    // were read in the very snapshot pg_dump dumped).
    let store = Store::open(&target).await?;
    let mut snap = store.snapshot().await?;
    let sums = snap.sums().await?;
    snap.finish().await?;
    store.close().await;
    let manifest = dateline::backup::verify(&archive).await?;
    ensure!(manifest.backend == "postgres", "{}", manifest.backend);
    dateline::backup::compare(&manifest.tables, &sums, "the restored database")?;
    ensure!(manifest.tables.get("comments").is_some_and(|t| t.rows > 0));
    // Every photo file restored is the original's, byte for byte, and every photo row's
    // original upload is there.
    let restored_files = files(&restored.join("media"))?;
    for f in &restored_files {
        let a = std::fs::read(data.join("media").join(f))?;
        let b = std::fs::read(restored.join("media").join(f))?;
        ensure!(a == b, "media/{} differs from the original", f.display());
    }
    ensure!(!hashes.is_empty(), "no photo was restored");
    for h in &hashes {
        ensure!(
            restored_files
                .iter()
                .any(|f| f.starts_with("originals") && f.to_string_lossy().contains(h.as_str())),
            "the photo {h} has no original file in the restored media"
        );
    }

    // Quiet now: a second backup restored into another database serves the very same
    // public pages.
    let settle = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = ok(&run(&[
            "jobs",
            "list",
            "--data",
            s(&data),
            "--database",
            &source,
        ])?)?;
        if jobs.lines().filter(|l| !l.trim().is_empty()).count() <= 2 || Instant::now() > settle {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let second = d.join("second.tar.gz");
    ok(&run(&[
        "backup",
        "--data",
        s(&data),
        "--database",
        &source,
        "--out",
        s(&second),
    ])?)?;
    let again_db = fresh_database(&admin).await?;
    let again = d.join("again");
    ok(&run(&[
        "restore",
        s(&second),
        "--data",
        s(&again),
        "--database",
        &again_db,
    ])?)?;
    let copy_node = Served::start(
        &http,
        &again,
        &["--database", &again_db],
        d.join("again.log"),
    )
    .await?;
    let mut paths: Vec<String> = vec![
        "/".into(),
        "/load/".into(),
        "/feed.xml".into(),
        "/load/feed.json".into(),
        "/sitemap.xml".into(),
        "/api/v1/articles".into(),
    ];
    paths.extend(
        writes
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(_, p)| p.clone())
            .take(12),
    );
    for p in &paths {
        same_page(&http, &node, &copy_node, p).await?;
    }
    copy_node.stop();
    drop(node);
    for db in [&source, &target, &again_db] {
        drop_database(&admin, db).await?;
    }
    Ok(())
}
