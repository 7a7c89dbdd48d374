//! `dateline export` and `dateline import dateline` as an operator runs them (issue 16, moving
//! out): the demo site, with accounts, readers, a comment, a live mount and a newsletter's
//! subscriber added, exported and imported into an empty site serves every public page
//! byte-identical (on SQLite, and imported into PostgreSQL); no password hash, session, token
//! digest or signing key is anywhere in the archive; each bad archive is refused with a
//! sentence naming the problem and the member, writing nothing; an export with fewer columns
//! (an older Dateline's) still imports; and the allow-list accounts for every table and column
//! of the schema, each one documented in docs/export.md.

use super::served::{
    Served, drop_database, fresh_database, http, ok, postgres_admin, refused, register_reader, run,
    s, same_page,
};
use anyhow::{Context, ensure};
use dateline_store::{EXPORTED, Store, WITHHELD_COLUMNS, WITHHELD_TABLES};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BASE: &str = "http://news.example";
const EDITOR: &str = "ed@example.com";

/// `dateline ARGS` with `input` on standard input.
fn run_with(args: &[&str], input: &str) -> anyhow::Result<std::process::Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(args)
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    Ok(child.wait_with_output()?)
}

/// The demo site in `DIR/site` with an editor (a password and an API token), a reader who
/// commented, a live mount and a confirmed newsletter subscriber, every related list ranked;
/// served, and exported to `DIR/site.tar.gz`.
async fn demo_exported(http: &reqwest::Client, d: &Path) -> anyhow::Result<(Served, PathBuf)> {
    let data = d.join("site");
    let first = Served::start(http, &data, &["--demo"], d.join("demo.log")).await?;
    drop(first);
    ok(&run_with(
        &[
            "user",
            "add",
            "--data",
            s(&data),
            "--email",
            EDITOR,
            "--name",
            "Ed Itor",
            "--role",
            "editor",
        ],
        "a long editor password\n",
    )?)?;
    ok(&run(&[
        "token",
        "create",
        "--data",
        s(&data),
        "--email",
        EDITOR,
    ])?)?;
    ok(&run(&[
        "mount",
        "add",
        "--data",
        s(&data),
        "--path",
        "/live/night",
        "--password",
        "source-secret-1",
        "--name",
        "Night shift",
        "--relay-from",
        "http://relay:relay-secret-2@127.0.0.1:9/up",
    ])?)?;
    let store = Store::open(&dateline::config::sqlite_url(&data.join("dateline.db"))).await?;
    let now = dateline_web::Clock::System.now();
    let letter = store
        .create_newsletter(
            &dateline_store::NewsletterInput {
                slug: "morning".to_owned(),
                name: "The Morning".to_owned(),
                description: "The day's first stories.".to_owned(),
                kind: dateline_core::newsletter::NewsletterKind::Letter,
                section_id: None,
                schedule: String::new(),
            },
            now,
        )
        .await?;
    store
        .subscribe(
            "sub@readers.example",
            &[letter.id],
            &dateline_store::Consent {
                at: now,
                address: "Sub@Readers.example".to_owned(),
                form: "newsletters".to_owned(),
                ip: "192.0.2.7".to_owned(),
            },
            None,
        )
        .await?;
    store.newsletter_key("signing-key-secret-3").await?;
    store.close().await;
    ok(&run(&["reindex", "--data", s(&data)])?)?;
    let node = Served::start(http, &data, &[], d.join("site.log")).await?;
    let jar = register_reader(http, &node).await?;
    let story = first_story_id(http, &node).await?;
    comment(http, &node, &jar, story).await?;
    // The demo's own start left rankings queued (its stories' change events), which this node
    // runs now: export once they are done, or the site moves on after its export and the two
    // differ by a related list ranked a second later.
    quiet(&data).await?;
    let archive = d.join("site.tar.gz");
    let out = run(&["export", "--data", s(&data), "--out", s(&archive)])?;
    let said = ok(&out)?;
    ensure!(said.starts_with("exported "), "{said}");
    let progress = String::from_utf8_lossy(&out.stderr);
    ensure!(progress.contains("articles:"), "no progress: {progress}");
    Ok((node, archive))
}

/// Wait (at most a minute) until the site at `data` has no related list waiting to be ranked.
async fn quiet(data: &Path) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = ok(&run(&["jobs", "list", "--data", s(data)])?)?;
        if !jobs.contains("related.rank") {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "related lists were still being ranked after a minute:\n{jobs}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn first_story_id(http: &reqwest::Client, node: &Served) -> anyhow::Result<i64> {
    let list: Value = http
        .get(node.url("/api/v1/articles"))
        .send()
        .await?
        .json()
        .await?;
    items(&list)
        .iter()
        .find_map(|a| a["id"].as_i64())
        .context("the demo lists no story")
}

fn items(list: &Value) -> Vec<Value> {
    list.get("articles")
        .or(list.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

async fn comment(
    http: &reqwest::Client,
    node: &Served,
    jar: &[(String, String)],
    story: i64,
) -> anyhow::Result<()> {
    let cookie = jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let page = http
        .get(node.url(&format!("/discussion/{story}/")))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await?
        .text()
        .await?;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("form.reader-sign-out input[name=csrf]")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let csrf = doc
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .context("no csrf field")?
        .to_owned();
    let res = http
        .post(node.url(&format!("/discussion/{story}/comments")))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[
            ("body", "A reader's thought that moves with the site."),
            ("parent", ""),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await?;
    ensure!(res.status() == 303, "commenting: {}", res.status());
    Ok(())
}

/// Every public page a reader can reach on `node`: fronts, sections, every story, tags,
/// authors, static pages, feeds, sitemaps, a search, `/live/` and the newsletters page.
async fn public_paths(http: &reqwest::Client, node: &Served) -> anyhow::Result<Vec<String>> {
    let mut paths: Vec<String> = [
        "/",
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/robots.txt",
        "/live/",
        "/newsletters/",
        "/community-standards/",
        "/api/v1/articles",
        "/api/v1/sections",
        "/api/v1/tags",
    ]
    .map(str::to_owned)
    .to_vec();
    let get = |p: &str| {
        let url = node.url(p);
        async move {
            let v: Value = http.get(&url).send().await?.json().await?;
            anyhow::Ok(v)
        }
    };
    let stories = get("/api/v1/articles").await?;
    let list = items(&stories);
    ensure!(list.len() > 3, "the demo lists too few stories: {stories}");
    let mut word = None;
    for a in &list {
        for key in ["path", "url"] {
            if let Some(p) = a[key].as_str() {
                let p = p.strip_prefix(BASE).unwrap_or(p);
                if p.starts_with('/') {
                    paths.push(p.to_owned());
                }
            }
        }
        if word.is_none() {
            word = a["headline"]
                .as_str()
                .and_then(|h| h.split_whitespace().find(|w| w.len() > 5))
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned());
        }
    }
    let word = word.context("no headline word to search for")?;
    paths.push(format!("/search?q={word}"));
    let sections = get("/api/v1/sections").await?;
    for sec in sections
        .get("sections")
        .or(sections.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        if let Some(slug) = sec["slug"].as_str() {
            paths.push(format!("/{slug}/"));
            paths.push(format!("/{slug}/feed.xml"));
        }
    }
    let tags = get("/api/v1/tags").await?;
    for tag in tags
        .get("tags")
        .or(tags.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        if let Some(slug) = tag["slug"].as_str() {
            paths.push(format!("/tags/{slug}/"));
        }
    }
    // Authors, from the story pages' byline links.
    let mut authors = std::collections::BTreeSet::new();
    for p in paths.clone() {
        if !p.ends_with('/') || p.matches('/').count() < 6 {
            continue;
        }
        let html = http.get(node.url(&p)).send().await?.text().await?;
        let doc = scraper::Html::parse_document(&html);
        let sel =
            scraper::Selector::parse("a[href^='/authors/']").map_err(|e| anyhow::anyhow!("{e}"))?;
        for a in doc.select(&sel) {
            if let Some(href) = a.value().attr("href") {
                authors.insert(href.to_owned());
            }
        }
    }
    ensure!(!authors.is_empty(), "no author links on the story pages");
    paths.extend(authors);
    // The static pages, from the front page's footer.
    let front = http.get(node.url("/")).send().await?.text().await?;
    let doc = scraper::Html::parse_document(&front);
    let sel = scraper::Selector::parse("ul.footer-pages a[href^='/']")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let pages: Vec<String> = doc
        .select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    ensure!(
        pages.len() >= 4,
        "the demo's footer lists too few pages: {pages:?}"
    );
    paths.extend(pages);
    Ok(paths)
}

/// GET `path` from both nodes: the very same bytes, but on `/live/` the title now playing,
/// which follows each station's own clock (the playlist started when each node did), not the
/// site's data.
async fn same_public_page(
    http: &reqwest::Client,
    a: &Served,
    b: &Served,
    path: &str,
) -> anyhow::Result<()> {
    if path != "/live/" {
        return same_page(http, a, b, path).await;
    }
    let page = |n: &Served| {
        let url = n.url(path);
        async move {
            let res = http.get(&url).send().await?;
            let status = res.status();
            let text = res.text().await?;
            let open = "<span class=\"now-playing-title\">";
            let masked = match text.find(open) {
                Some(at) => {
                    let from = at + open.len();
                    let to = text[from..].find("</span>").map_or(from, |e| from + e);
                    format!("{}…{}", &text[..from], &text[to..])
                }
                None => text,
            };
            anyhow::Ok((status, masked))
        }
    };
    let (sa, ta) = page(a).await?;
    let (sb, tb) = page(b).await?;
    ensure!(
        sa == sb && ta == tb,
        "{path} differs: {sa} against {sb}:\n--- original ---\n{ta}\n--- copy ---\n{tb}"
    );
    Ok(())
}

/// The archive's members, decompressed, by name.
fn members(archive: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        out.push((name, bytes));
    }
    Ok(out)
}

/// Write `members` as an export archive; with `resum`, the manifest's sizes and checksums are
/// made to match the members again (so only what was changed on purpose is wrong).
fn pack(to: &Path, members: &[(String, Vec<u8>)], resum: bool) -> anyhow::Result<()> {
    let mut list: Vec<(String, Vec<u8>)> = members.to_vec();
    if resum {
        let i = list
            .iter()
            .position(|(n, _)| n == "manifest.json")
            .context("no manifest")?;
        let mut manifest: Value = serde_json::from_slice(&list[i].1)?;
        let mut sums = Vec::new();
        for (name, bytes) in &list {
            if name != "manifest.json" {
                let sha: String = Sha256::digest(bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                sums.push(serde_json::json!({"path": name, "size": bytes.len(), "sha256": sha}));
            }
        }
        manifest["members"] = Value::Array(sums);
        list[i].1 = serde_json::to_vec_pretty(&manifest)?;
    }
    let out = std::fs::File::create(to)?;
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        out,
        flate2::Compression::fast(),
    ));
    for (name, bytes) in &list {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, name, bytes.as_slice())?;
    }
    tar.into_inner()?.finish()?;
    Ok(())
}

/// Every secret the site at `data` holds: password hashes, session, token and link digests,
/// the newsletter signing key, and the clear secrets given on the command line.
async fn secrets(data: &Path) -> anyhow::Result<Vec<String>> {
    use sqlx::Connection;
    let mut db = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}?mode=ro",
        data.join("dateline.db").display()
    ))
    .await?;
    let mut out = vec![
        "source-secret-1".to_owned(),
        "relay-secret-2".to_owned(),
        "signing-key-secret-3".to_owned(),
        "a long editor password".to_owned(),
    ];
    for sql in [
        "SELECT password_hash FROM people WHERE password_hash IS NOT NULL",
        "SELECT password_hash FROM readers WHERE password_hash IS NOT NULL",
        "SELECT token_hash FROM sessions",
        "SELECT token_hash FROM api_tokens",
        "SELECT token_hash FROM reader_sessions",
        "SELECT token_hash FROM reader_tokens",
        "SELECT csrf_token FROM reader_sessions",
        "SELECT source_password_hash FROM live_mounts",
        "SELECT relay_from FROM live_mounts WHERE relay_from IS NOT NULL",
        "SELECT key FROM newsletter_keys",
    ] {
        let found: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut db).await?;
        out.extend(found.into_iter().filter(|v| !v.is_empty()));
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_16_the_demo_site_exported_and_imported_serves_the_same_pages() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let http = http()?;
    let (node, archive) = demo_exported(&http, d).await?;

    // Nothing secret in any member: every secret the site holds, searched for in the bytes.
    let secrets = secrets(&d.join("site")).await?;
    ensure!(
        secrets.len() >= 9,
        "the site holds too few secrets to check: {secrets:?}"
    );
    let unpacked = members(&archive)?;
    let names: Vec<&str> = unpacked.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "manifest.json",
        "tables/articles.jsonl",
        "tables/people.jsonl",
        "tables/readers.jsonl",
        "tables/comments.jsonl",
        "tables/subscribers.jsonl",
        "tables/live_mounts.jsonl",
    ] {
        ensure!(names.contains(&want), "no {want} in {names:?}");
    }
    ensure!(
        names.iter().any(|n| n.starts_with("media/")),
        "no media file in {names:?}"
    );
    for (name, bytes) in &unpacked {
        for secret in &secrets {
            ensure!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{name} holds the secret {secret:?}"
            );
        }
        ensure!(
            !String::from_utf8_lossy(bytes).contains("$argon2"),
            "{name} holds a password hash"
        );
    }
    let manifest: Value = serde_json::from_slice(
        &unpacked
            .iter()
            .find(|(n, _)| n == "manifest.json")
            .context("no manifest")?
            .1,
    )?;
    ensure!(manifest["format"] == "dateline-export" && manifest["version"] == 1);
    ensure!(manifest["counts"]["comments"] == 1, "{manifest}");
    ensure!(manifest["counts"]["subscribers"] == 1, "{manifest}");

    // Into an empty site: the report says how people get back in.
    let copy = d.join("copy");
    let out = run(&["import", "dateline", s(&archive), "--data", s(&copy)])?;
    let said = ok(&out)?;
    ensure!(
        said.starts_with("imported ") && said.contains("dateline user reset-password --email"),
        "{said}"
    );
    // Into a site that is not empty (the copy now): refused, naming why, nothing changed.
    let again = refused(&run(&[
        "import",
        "dateline",
        s(&archive),
        "--data",
        s(&copy),
    ])?)?;
    ensure!(again.contains("is not empty"), "{again}");

    let copy_node = Served::start(&http, &copy, &[], d.join("copy.log")).await?;
    let paths = public_paths(&http, &node).await?;
    for p in &paths {
        same_public_page(&http, &node, &copy_node, p).await?;
    }
    // The imported people exist, without a password; the imported mount admits no source.
    let store = Store::open(&dateline::config::sqlite_url(&copy.join("dateline.db"))).await?;
    let editor = store
        .account_by_email(&dateline_core::account::Email::parse(EDITOR)?)
        .await?;
    let (_, hash) = store
        .account_for_sign_in(&dateline_core::account::Email::parse(EDITOR)?)
        .await?;
    ensure!(hash.is_none(), "the editor came with a password hash");
    ensure!(editor.name == "Ed Itor");
    store.close().await;
    {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}?mode=ro",
            copy.join("dateline.db").display()
        ))
        .await?;
        let hash: String = sqlx::query_scalar(
            "SELECT source_password_hash FROM live_mounts WHERE path = '/live/night'",
        )
        .fetch_one(&mut db)
        .await?;
        ensure!(hash.is_empty(), "the mount came with a password: {hash}");
    }
    let set = ok(&run_with(
        &[
            "mount",
            "password",
            "--data",
            s(&copy),
            "--path",
            "/live/night",
            "--password",
            "-",
        ],
        "a new source secret\n",
    )?)?;
    ensure!(set.contains("has a new source password"), "{set}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_16_the_demo_site_exported_from_sqlite_imports_into_postgres() -> anyhow::Result<()> {
    let admin = postgres_admin()?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let http = http()?;
    let (node, archive) = demo_exported(&http, d).await?;
    let url = fresh_database(&admin).await?;
    let pg_data = d.join("pg");
    let said = ok(&run(&[
        "import",
        "dateline",
        s(&archive),
        "--data",
        s(&pg_data),
        "--database",
        &url,
    ])?)?;
    ensure!(said.starts_with("imported "), "{said}");
    let pg_node = Served::start(&http, &pg_data, &["--database", &url], d.join("pg.log")).await?;
    let paths = public_paths(&http, &node).await?;
    let compared = async {
        for p in &paths {
            same_public_page(&http, &node, &pg_node, p).await?;
        }
        anyhow::Ok(())
    }
    .await;
    drop(pg_node);
    drop(node);
    drop_database(&admin, &url).await?;
    compared
}

/// A small site (one person with a password) and its export, for the refusals.
fn small_export(d: &Path) -> anyhow::Result<PathBuf> {
    let data = d.join("small");
    ok(&run_with(
        &[
            "user",
            "add",
            "--data",
            s(&data),
            "--email",
            EDITOR,
            "--name",
            "Ed Itor",
            "--role",
            "editor",
        ],
        "a long editor password\n",
    )?)?;
    let store_dir = data.clone();
    let archive = d.join("small.tar.gz");
    ok(&run(&[
        "export",
        "--data",
        s(&store_dir),
        "--out",
        s(&archive),
    ])?)?;
    Ok(archive)
}

#[tokio::test]
async fn issue_16_bad_archives_are_refused_naming_the_member_and_writing_nothing()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let archive = small_export(d)?;
    let good = members(&archive)?;
    let target = d.join("target");
    let import = |file: &Path| run(&["import", "dateline", s(file), "--data", s(&target)]);
    let untouched = || {
        ensure!(
            !target.exists(),
            "a refused import left {}",
            target.display()
        );
        anyhow::Ok(())
    };

    // Not an archive at all.
    let text = d.join("notes.txt");
    std::fs::write(&text, "these are not the droids")?;
    let no = refused(&import(&text)?)?;
    ensure!(no.contains("is not a Dateline export"), "{no}");
    untouched()?;

    // A wrong format version.
    let mut newer = good.clone();
    for (name, bytes) in &mut newer {
        if name == "manifest.json" {
            let mut m: Value = serde_json::from_slice(bytes)?;
            m["version"] = Value::from(99);
            *bytes = serde_json::to_vec(&m)?;
        }
    }
    let file = d.join("newer.tar.gz");
    pack(&file, &newer, false)?;
    let no = refused(&import(&file)?)?;
    ensure!(no.contains("export format version 99"), "{no}");
    untouched()?;

    // A changed member: one byte of the people's lines, the manifest as it was.
    let mut changed = good.clone();
    for (name, bytes) in &mut changed {
        if name == "tables/people.jsonl" {
            let at = bytes
                .windows(7)
                .position(|w| w == b"Ed Itor")
                .context("no name in people")?;
            bytes[at] = b'X';
        }
    }
    let file = d.join("changed.tar.gz");
    pack(&file, &changed, false)?;
    let no = refused(&import(&file)?)?;
    ensure!(
        no.contains("tables/people.jsonl has changed since the export"),
        "{no}"
    );
    untouched()?;

    // A truncated file.
    let bytes = std::fs::read(&archive)?;
    let file = d.join("cut.tar.gz");
    std::fs::write(&file, &bytes[..bytes.len() * 2 / 3])?;
    let no = refused(&import(&file)?)?;
    ensure!(no.contains("cut short"), "{no}");
    untouched()?;

    // A column this Dateline does not know (checksums made right again).
    let mut unknown = good.clone();
    for (name, bytes) in &mut unknown {
        if name == "manifest.json" {
            let mut m: Value = serde_json::from_slice(bytes)?;
            for t in m["tables"].as_array_mut().context("tables")? {
                if t["name"] == "people" {
                    t["columns"]
                        .as_array_mut()
                        .context("columns")?
                        .push(Value::from("shoe_size"));
                }
            }
            *bytes = serde_json::to_vec(&m)?;
        }
    }
    let file = d.join("unknown.tar.gz");
    pack(&file, &unknown, true)?;
    let no = refused(&import(&file)?)?;
    ensure!(
        no.contains("tables/people.jsonl has columns this Dateline does not know: shoe_size"),
        "{no}"
    );
    untouched()?;

    // A bad row (a number where text belongs): refused by line, nothing kept.
    let mut bad = good.clone();
    for (name, bytes) in &mut bad {
        if name == "tables/people.jsonl" {
            let text = String::from_utf8(bytes.clone())?.replace("\"Ed Itor\"", "42");
            *bytes = text.into_bytes();
        }
    }
    let file = d.join("bad.tar.gz");
    pack(&file, &bad, true)?;
    let no = refused(&import(&file)?)?;
    ensure!(
        no.contains("tables/people.jsonl, line 1") && no.contains("\"name\" is 42"),
        "{no}"
    );
    untouched()?;

    // An older Dateline's export, without a column (the people's titles): imported, the
    // column taking its default.
    let mut older = good.clone();
    for (name, bytes) in &mut older {
        if name == "manifest.json" {
            let mut m: Value = serde_json::from_slice(bytes)?;
            for t in m["tables"].as_array_mut().context("tables")? {
                if t["name"] == "people" {
                    t["columns"]
                        .as_array_mut()
                        .context("columns")?
                        .retain(|c| c != "title");
                }
            }
            *bytes = serde_json::to_vec(&m)?;
        } else if name == "tables/people.jsonl" {
            let mut out = Vec::new();
            for line in String::from_utf8(bytes.clone())?.lines() {
                let mut row: serde_json::Map<String, Value> = serde_json::from_str(line)?;
                row.remove("title");
                out.extend(serde_json::to_vec(&row)?);
                out.push(b'\n');
            }
            *bytes = out;
        }
    }
    let file = d.join("older.tar.gz");
    pack(&file, &older, true)?;
    let said = ok(&import(&file)?)?;
    ensure!(said.starts_with("imported "), "{said}");
    let listed = ok(&run(&["user", "list", "--data", s(&target)])?)?;
    ensure!(listed.contains(EDITOR), "{listed}");
    Ok(())
}

/// The allow-list names every table and column of the schema as exported or withheld, and
/// docs/export.md documents each exported one: a table or column added later fails here until
/// someone decides whether it leaves.
#[tokio::test]
async fn issue_16_every_table_and_column_is_exported_or_withheld_and_documented()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dateline::config::sqlite_url(&dir.path().join("x.db"))).await?;
    let mut snap = store.snapshot().await?;
    let tables = snap.tables().await?;
    snap.finish().await?;
    store.close().await;
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export.md"),
    )?;
    for t in &tables {
        let withheld = WITHHELD_TABLES.iter().any(|(n, _)| *n == t.name);
        let exported = EXPORTED.iter().find(|e| e.table == t.name);
        match (exported, withheld) {
            (Some(_), true) => anyhow::bail!("{} is both exported and withheld", t.name),
            (None, false) => anyhow::bail!(
                "the table {} is neither exported nor withheld: add it to EXPORTED or \
                 WITHHELD_TABLES (dateline-store/src/exported.rs) and docs/export.md",
                t.name
            ),
            (None, true) => {
                ensure!(
                    docs.contains(&format!("`{}`", t.name)),
                    "docs/export.md does not say why {} stays",
                    t.name
                );
            }
            (Some(e), false) => {
                let heading = format!("### `tables/{}.jsonl`", t.name);
                let section = docs
                    .split("\n### ")
                    .find(|s| format!("### {s}").starts_with(&heading))
                    .with_context(|| format!("docs/export.md has no section {heading}"))?;
                for c in &t.columns {
                    let out = e.columns.contains(&c.name.as_str());
                    let kept = WITHHELD_COLUMNS
                        .iter()
                        .any(|(tn, cn, _)| *tn == t.name && *cn == c.name);
                    ensure!(
                        out != kept,
                        "{}.{} must be either exported or withheld (and not both)",
                        t.name,
                        c.name
                    );
                    let needle = format!("| `{}` |", c.name);
                    ensure!(
                        section.contains(&needle)
                            || (kept && section.contains(&format!("`{}`", c.name))),
                        "docs/export.md's {heading} does not describe {}",
                        c.name
                    );
                }
            }
        }
    }
    for e in EXPORTED {
        let t = tables
            .iter()
            .find(|t| t.name == e.table)
            .with_context(|| format!("EXPORTED names a table {} the schema lacks", e.table))?;
        for c in e.columns {
            ensure!(
                t.columns.iter().any(|col| col.name == *c),
                "EXPORTED names a column {}.{c} the schema lacks",
                e.table
            );
        }
    }
    Ok(())
}
