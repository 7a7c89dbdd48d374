//! The scenarios of the several-nodes test, run in order on one cluster. Each returns its own
//! error; `run_all` collects them so one stale cache does not hide a lost write.

use crate::cluster::{self, Cluster, EDITOR_EMAIL, EDITOR_PASSWORD, MOUNT, MOUNT_PASSWORD, Proc};
use crate::web::{self, Browser, api, api_ok, eventually};
use anyhow::{Context, bail, ensure};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a change made on one node may take to show on another before a check fails. The
/// change stream's target is 500 ms at p99; the rest is slack for a loaded 2-core machine.
const FOLLOW: Duration = Duration::from_secs(10);

/// A published story: id, canonical path, version.
struct Story {
    id: i64,
    path: String,
    headline: String,
}

/// Everything the scenarios share: the cluster, a client, the token, the seeded stories.
struct Site<'a> {
    c: &'a Cluster,
    http: &'a reqwest::Client,
    db: sqlx::PgPool,
    seeds: Vec<Story>,
}

impl Site<'_> {
    fn node(&self, i: usize) -> String {
        self.c.nodes[i].url("")
    }

    async fn call(
        &self,
        node: usize,
        method: Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        api_ok(
            self.http,
            &self.c.token,
            method,
            &format!("{}{path}", self.node(node)),
            Some(body),
        )
        .await
    }

    /// Create and publish a story in the `nodes` section through `node`.
    async fn publish(&self, node: usize, headline: &str, extra: Value) -> anyhow::Result<Story> {
        let mut body = json!({
            "headline": headline,
            "standfirst": format!("{headline}: the standfirst."),
            "section": "nodes",
            "body": format!("{headline}. The words of the story, long enough to index."),
            "discussion_mode": "open",
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let made = self
            .call(node, Method::POST, "/api/v1/articles", body)
            .await?;
        let id = made["id"].as_i64().context("no id in the created story")?;
        let done = self
            .call(
                node,
                Method::POST,
                &format!("/api/v1/articles/{id}/publish"),
                json!({"confirm": true}),
            )
            .await?;
        let path = done["path"]
            .as_str()
            .with_context(|| format!("no path in the published story: {done}"))?
            .to_owned();
        Ok(Story {
            id,
            path,
            headline: headline.to_owned(),
        })
    }

    /// GET `path` on node `i` directly: status and body.
    async fn get(&self, i: usize, path: &str) -> anyhow::Result<(u16, String)> {
        let res = self
            .http
            .get(format!("{}{path}", self.node(i)))
            .send()
            .await
            .with_context(|| format!("{}: GET {path}", self.c.nodes[i].name))?;
        Ok((res.status().as_u16(), res.text().await?))
    }

    /// Node `i` answers `path` with 200 and a body holding `want` (and not `gone`), within
    /// what is left of `deadline`.
    async fn shows(
        &self,
        i: usize,
        path: &str,
        want: &str,
        gone: Option<&str>,
        deadline: Instant,
        after: &str,
    ) -> anyhow::Result<()> {
        let name = &self.c.nodes[i].name;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(300));
        eventually(
            &format!("{name}: {path} should show {want:?} after {after}"),
            left,
            || async {
                let (status, body) = self.get(i, path).await?;
                Ok(if status != 200 {
                    Some(format!("it answered {status}"))
                } else if !body.contains(want) {
                    Some(format!("{want:?} is missing (stale or not there)"))
                } else {
                    gone.filter(|g| body.contains(*g))
                        .map(|old| format!("it still shows the old {old:?}"))
                })
            },
        )
        .await
    }
}

/// A scenario's outcome, collected.
async fn step(
    failures: &mut Vec<String>,
    name: &str,
    f: impl std::future::Future<Output = anyhow::Result<()>>,
) {
    let started = Instant::now();
    match f.await {
        Ok(()) => eprintln!("nodes test: {name}: passed in {:?}", started.elapsed()),
        Err(e) => {
            eprintln!("nodes test: {name}: FAILED in {:?}", started.elapsed());
            failures.push(format!("{name}:\n{e:#}"));
        }
    }
}

/// Seed the site, then run every scenario; the failures, each named.
pub async fn run_all(c: &Cluster, http: &reqwest::Client) -> anyhow::Result<Vec<String>> {
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&c.database_url)
        .await
        .context("connecting to the nodes' database")?;
    let mut site = Site {
        c,
        http,
        db,
        seeds: Vec::new(),
    };
    for (i, h) in [
        "Ferry timetable changes",
        "Council votes on harbour",
        "Lighthouse reopens",
    ]
    .iter()
    .enumerate()
    {
        site.seeds.push(site.publish(i % 3, h, json!({})).await?);
    }

    let mut failures = Vec::new();
    step(
        &mut failures,
        "a. publish on one node, read on the others",
        reads_follow(&site),
    )
    .await;
    step(
        &mut failures,
        "b. photo uploaded on one node, served by the others",
        media(&site),
    )
    .await;
    step(
        &mut failures,
        "c. a scheduled story is published exactly once",
        scheduled_once(&site),
    )
    .await;
    step(
        &mut failures,
        "e. live source on one node, played on the others",
        live(&site),
    )
    .await;
    step(
        &mut failures,
        "f. sign-in, edit and comment round-robin",
        round_robin(&site),
    )
    .await;
    step(
        &mut failures,
        "d. kill -9 one node under read and write load",
        kill_under_load(&site),
    )
    .await;
    site.db.close().await;
    Ok(failures)
}

/// a. Caches warmed on nodes 2 and 3, a story published on node 1 must reach their front,
/// section page, feeds, search, story page and short link; an edit must then replace the
/// headline on their (by then cached) story pages and in search.
async fn reads_follow(s: &Site<'_>) -> anyhow::Result<()> {
    let word = "quokkatide";
    let lists = ["/", "/nodes/", "/feed.xml", "/nodes/atom.xml", "/feed.json"];
    let search = format!("/search?q={word}");
    for i in [1, 2] {
        for p in lists.iter().copied().chain([search.as_str()]) {
            s.get(i, p).await?;
        }
    }
    let story = s
        .publish(
            0,
            &format!("Harbour {word} sighted from the ferry"),
            json!({}),
        )
        .await?;
    let published = "publishing on node1";
    let deadline = Instant::now() + FOLLOW;
    let mut problems = Vec::new();
    for i in [1, 2] {
        for p in lists
            .iter()
            .copied()
            .chain([story.path.as_str(), search.as_str()])
        {
            if let Err(e) = s
                .shows(i, p, &story.headline, None, deadline, published)
                .await
            {
                problems.push(format!("{e:#}"));
            }
        }
    }
    // The short link, read from node 1's API, redirects on the others.
    let answer = api_ok(
        s.http,
        &s.c.token,
        Method::GET,
        &s.c.nodes[0].url(&format!("/api/v1/articles/{}", story.id)),
        None,
    )
    .await?;
    let short = answer["short_url"]
        .as_str()
        .context("no short_url in the API's story")?;
    let short_path = &short[short.find("/s/").context("short_url has no /s/")?..];
    for i in [1, 2] {
        let node = &s.c.nodes[i];
        let r = eventually(
            &format!(
                "{}: {short_path} should redirect to {}",
                node.name, story.path
            ),
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(300)),
            || async {
                let res = s.http.get(node.url(short_path)).send().await?;
                let to = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                Ok(
                    (!(res.status().is_redirection() && to.ends_with(&story.path)))
                        .then(|| format!("it answered {} to {to:?}", res.status())),
                )
            },
        )
        .await;
        if let Err(e) = r {
            problems.push(format!("{e:#}"));
        }
    }

    // A section made on node 1 can be written in through the others.
    s.call(
        0,
        Method::POST,
        "/api/v1/sections",
        json!({"name": "Harbours", "slug": "harbours"}),
    )
    .await?;
    for i in [1, 2] {
        let node = &s.c.nodes[i];
        let made = eventually(
            &format!("{}: a story in the section \"harbours\" made on node1", node.name),
            deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(300)),
            || async {
                let (status, v) = api(
                    s.http,
                    &s.c.token,
                    Method::POST,
                    &node.url("/api/v1/articles"),
                    Some(json!({"headline": format!("Harbour news from {}", node.name), "section": "harbours"})),
                )
                .await?;
                Ok((status != 201).then(|| format!("it answered {status} {v}")))
            },
        )
        .await;
        if let Err(e) = made {
            problems.push(format!("{e:#}"));
        }
    }

    // An edit on node 1 of a story the others now hold in their caches.
    let version: i64 = sqlx::query("SELECT version FROM articles WHERE id = $1")
        .bind(story.id)
        .fetch_one(&s.db)
        .await?
        .get(0);
    let edited = format!("Harbour {word} seen again at dawn");
    s.call(
        0,
        Method::PUT,
        &format!("/api/v1/articles/{}", story.id),
        json!({
            "headline": edited,
            "standfirst": "Seen again.",
            "section": "nodes",
            "slug": story.path.trim_end_matches('/').rsplit('/').next().unwrap_or_default(),
            "body": format!("Harbour {word} seen again. The words of the story."),
            "version": version,
        }),
    )
    .await?;
    let deadline = Instant::now() + FOLLOW;
    for i in [1, 2] {
        for p in [story.path.as_str(), search.as_str(), "/"] {
            if let Err(e) = s
                .shows(
                    i,
                    p,
                    &edited,
                    Some(&story.headline),
                    deadline,
                    "editing on node1",
                )
                .await
            {
                problems.push(format!("{e:#}"));
            }
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// A 640×480 PNG of a gradient, unlike any other photo.
fn photo_png() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// b. A photo uploaded through node 1 is the lead of a story; nodes 2 and 3 serve every size
/// the story page names, byte for byte as node 1 does.
async fn media(s: &Site<'_>) -> anyhow::Result<()> {
    let note = if s.c.features.media_store {
        ""
    } else {
        " (this dateline has no --media-store: media stay on the uploading node's disk)"
    };
    const B: &str = "----dateline-nodes-boundary-9fQ2";
    let mut body = Vec::new();
    for (name, value) in [("alt", "A gradient"), ("caption", "Test pattern")] {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pattern.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&photo_png()?);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    let res = s
        .http
        .post(s.c.nodes[0].url("/api/v1/media"))
        .header("authorization", format!("Bearer {}", s.c.token))
        .header("content-type", format!("multipart/form-data; boundary={B}"))
        .body(body)
        .send()
        .await?;
    let status = res.status();
    let text = res.text().await?;
    ensure!(status == 201, "node1: uploading a photo: {status} {text}");
    let photo: Value = serde_json::from_str(&text)?;
    let photo_id = photo["id"].as_i64().context("no id in the photo")?;
    let story = s
        .publish(
            0,
            "Test pattern over the harbour",
            json!({"lead_media_id": photo_id}),
        )
        .await?;

    // The page names its sizes once the variants exist (made in the background).
    let found_srcs = Mutex::new(Vec::<String>::new());
    eventually(
        &format!("node2: {} should show the photo's sizes{note}", story.path),
        Duration::from_secs(30),
        || async {
            let (status, page) = s.get(1, &story.path).await?;
            let doc = scraper::Html::parse_document(&page);
            let sel = scraper::Selector::parse("img[src*='/media/']")
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let found: Vec<String> = doc
                .select(&sel)
                .filter_map(|e| e.value().attr("src").map(str::to_owned))
                .collect();
            if status == 200 && !found.is_empty() {
                *found_srcs.lock().unwrap_or_else(|e| e.into_inner()) = found;
                Ok(None)
            } else {
                Ok(Some(format!("{status}, no img with a /media/ src yet")))
            }
        },
    )
    .await?;
    let srcs = found_srcs.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut problems = Vec::new();
    for src in &srcs {
        let path = &src[src.find("/media/").unwrap_or(0)..];
        // The page may name a size a moment before the variant worker has stored it.
        eventually(
            &format!("node1 (the uploading node) should serve {path}"),
            Duration::from_secs(30),
            || async {
                let (status, _, _) = fetch_bytes(s, 0, path).await?;
                Ok((status != 200).then(|| format!("it answered {status}")))
            },
        )
        .await?;
        let first = fetch_bytes(s, 0, path).await?;
        for i in [1, 2] {
            let name = &s.c.nodes[i].name;
            match fetch_bytes(s, i, path).await {
                Ok((200, ct, bytes)) if ct.starts_with("image/") && bytes == first.2 => {}
                Ok((status, ct, bytes)) => problems.push(format!(
                    "{name}: {path} answered {status} {ct:?} with {} bytes (node1: {} {} bytes){note}",
                    bytes.len(),
                    first.0,
                    first.2.len()
                )),
                Err(e) => problems.push(format!("{name}: {path}: {e:#}")),
            }
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

async fn fetch_bytes(s: &Site<'_>, i: usize, path: &str) -> anyhow::Result<(u16, String, Vec<u8>)> {
    let res = s.http.get(format!("{}{path}", s.node(i))).send().await?;
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, ct, res.bytes().await?.to_vec()))
}

/// c. Three drafts scheduled for the same second, one through each node, so every node's
/// scheduler wakes for that second and races the others for all three; each story must be
/// published once: one `published_at`, its version moved by exactly one (each publication is a
/// conditional `version = version + 1`), at most one new revision, and one "published on
/// schedule" line in all the nodes' logs together.
async fn scheduled_once(s: &Site<'_>) -> anyhow::Result<()> {
    let mut ids = Vec::new();
    for i in 0..3 {
        let made = s
            .call(
                0,
                Method::POST,
                "/api/v1/articles",
                json!({
                    "headline": format!("Scheduled story {i} for the nodes"),
                    "standfirst": "On time.",
                    "section": "nodes",
                    "body": "Published by whichever node's scheduler gets there first.",
                }),
            )
            .await?;
        ids.push(made["id"].as_i64().context("no id")?);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let at = jiff::Timestamp::from_second(now.as_secs() as i64 + 4)?;
    let mut before = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        s.call(
            i,
            Method::POST,
            &format!("/api/v1/articles/{id}/schedule"),
            json!({"at": at.to_string(), "confirm": true}),
        )
        .await
        .with_context(|| format!("scheduling through node{}", i + 1))?;
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM article_revisions WHERE article_id = $1), version \
             FROM articles WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&s.db)
        .await?;
        before.insert(*id, (row.get::<i64, _>(0), row.get::<i64, _>(1)));
    }
    eventually(
        "all three scheduled stories should be published",
        Duration::from_secs(75),
        || async {
            let rows = sqlx::query("SELECT id, status FROM articles WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(&s.db)
                .await?;
            let waiting: Vec<i64> = rows
                .iter()
                .filter(|r| r.get::<String, _>(1) != "published")
                .map(|r| r.get(0))
                .collect();
            Ok((!waiting.is_empty()).then(|| format!("still not published: {waiting:?}")))
        },
    )
    .await?;
    let mut problems = Vec::new();
    for id in &ids {
        let row = sqlx::query(
            "SELECT published_at, version, \
             (SELECT count(*) FROM article_revisions WHERE article_id = $1) \
             FROM articles WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&s.db)
        .await?;
        if row.get::<Option<i64>, _>(0).is_none() {
            problems.push(format!("story {id} is published without a published_at"));
        }
        let (revisions, version) = before[id];
        let moved = row.get::<i64, _>(1) - version;
        if moved != 1 {
            problems.push(format!(
                "story {id}: its version moved by {moved} while it was published on schedule, \
                 not 1"
            ));
        }
        let kept = row.get::<i64, _>(2) - revisions;
        if kept > 1 {
            problems.push(format!(
                "story {id}: {kept} revisions kept by one publication on schedule"
            ));
        }
    }
    // The winner logs just after its commit, so its line may trail the row by a moment.
    let expected = ids.len();
    let count_lines = || {
        let mut by_node = Vec::new();
        let mut total = 0;
        for n in &s.c.nodes {
            let log =
                cluster::strip_ansi(&std::fs::read_to_string(&n.proc.log).unwrap_or_default());
            let count = log
                .lines()
                .filter(|l| {
                    l.contains("published on schedule")
                        && ids.iter().any(|id| l.contains(&format!("article_id={id}")))
                })
                .count();
            total += count;
            by_node.push(format!("{}: {count}", n.name));
        }
        (total, by_node.join(", "))
    };
    let logged = eventually(
        "every node's log together should say \"published on schedule\" once per story",
        Duration::from_secs(3),
        || async {
            let (total, by_node) = count_lines();
            Ok((total < expected)
                .then(|| format!("{total} lines for {expected} stories ({by_node})")))
        },
    )
    .await;
    if let Err(e) = logged {
        problems.push(format!("{e:#}"));
    }
    let (total, by_node) = count_lines();
    if total > expected {
        problems.push(format!(
            "{total} \"published on schedule\" log lines for {expected} stories ({by_node}): published twice"
        ));
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// ffmpeg pushing a tone to node 1's mount in real time, as a broadcaster does.
fn ffmpeg_source(s: &Site<'_>, seconds: u32) -> anyhow::Result<Proc> {
    let url = format!(
        "icecast://source:{MOUNT_PASSWORD}@127.0.0.1:{}{MOUNT}",
        s.c.nodes[0].port
    );
    Proc::spawn(
        "ffmpeg",
        std::process::Command::new(&s.c.tools.ffmpeg)
            .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
            .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
            .args(["-t", &seconds.to_string()])
            .args(["-c:a", "libmp3lame", "-b:a", "128k"])
            .args(["-content_type", "audio/mpeg", "-f", "mp3"])
            .arg(url),
        &s.c.dir.path().join("ffmpeg.log"),
    )
}

/// Listen to the mount on `port` as a player does (raw HTTP/1.0): the status line, then at
/// least `want` bytes of audio, which must hold MP3 frames.
async fn listen(port: u16, want: usize) -> anyhow::Result<Option<String>> {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    conn.write_all(
        format!("GET {MOUNT} HTTP/1.0\r\nHost: 127.0.0.1\r\nIcy-MetaData: 0\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let body_start = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await??;
        if n == 0 {
            let head = String::from_utf8_lossy(&got).into_owned();
            return Ok(Some(format!(
                "the answer ended early: {:?}",
                head.lines().next().unwrap_or("")
            )));
        }
        got.extend_from_slice(&buf[..n]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if got.len() > 64 * 1024 {
            return Ok(Some("no end of headers".into()));
        }
    };
    let status = String::from_utf8_lossy(&got[..body_start])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    if !status.contains(" 200") {
        return Ok(Some(format!("it answered {status:?}")));
    }
    let mut audio = got[body_start..].to_vec();
    while audio.len() < want {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await??;
        if n == 0 {
            return Ok(Some(format!(
                "the stream ended after {} bytes",
                audio.len()
            )));
        }
        audio.extend_from_slice(&buf[..n]);
    }
    let frames = audio
        .windows(2)
        .filter(|w| w[0] == 0xFF && w[1] & 0xE0 == 0xE0)
        .count();
    Ok(
        (frames < 10)
            .then(|| format!("{} bytes with only {frames} MP3 frame headers", audio.len())),
    )
}

/// e. ffmpeg is the source on node 1; players on nodes 2 and 3 (and through nginx) hear it.
async fn live(s: &Site<'_>) -> anyhow::Result<()> {
    let note = if s.c.features.relay {
        ""
    } else {
        " (this dateline has no --node-url/--relay-password: a node without the source cannot relay it)"
    };
    let source = Mutex::new(ffmpeg_source(s, 60)?);
    let first = eventually(
        "node1 (the source's node) should play the mount",
        Duration::from_secs(20),
        || async {
            source
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .still_running()?;
            listen(s.c.nodes[0].port, 32 * 1024).await
        },
    )
    .await;
    let mut problems = Vec::new();
    if let Err(e) = first {
        problems.push(format!("{e:#}"));
    } else {
        for i in [1, 2] {
            let node = &s.c.nodes[i];
            if let Err(e) = eventually(
                &format!(
                    "{}: {MOUNT} should play the source on node1{note}",
                    node.name
                ),
                Duration::from_secs(15),
                || listen(node.port, 32 * 1024),
            )
            .await
            {
                problems.push(format!("{e:#}"));
            }
        }
    }
    source.lock().unwrap_or_else(|e| e.into_inner()).kill();
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// f. Through nginx, round-robin with no stickiness: an editor signs in, edits a story; a
/// reader registers and comments; then every node shows the comment.
async fn round_robin(s: &Site<'_>) -> anyhow::Result<()> {
    let story = &s.seeds[1];
    let editor = Browser::new(s.http, &s.c.front(""));
    let form = editor.get("/newsroom/sign-in").await?;
    ensure!(form.status == 200, "GET /newsroom/sign-in: {}", form.status);
    let token = web::attr(&form.body, "input[name=form_token]", "value")?;
    let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let signed = editor
        .post(
            "/newsroom/sign-in",
            &fields(&[
                ("email", EDITOR_EMAIL),
                ("password", EDITOR_PASSWORD),
                ("form_token", &token),
            ]),
        )
        .await?;
    ensure!(
        signed.status == 303,
        "signing in (GET on {:?}, POST on {:?}): {} {}",
        form.upstream,
        signed.upstream,
        signed.status,
        signed.body
    );

    let edit_path = format!("/newsroom/stories/{}", story.id);
    let page = editor.get(&edit_path).await?;
    ensure!(
        page.status == 200,
        "the editor at {edit_path} (node {:?}) answered {} after signing in",
        page.upstream,
        page.status
    );
    let mut form = web::form_fields(&page.body, "form#editor")?;
    let headline = "Lighthouse reopens after a round trip";
    web::set(&mut form, "headline", headline);
    web::set(&mut form, "discussion", "open");
    web::set(&mut form, "action", "save");
    let saved = editor.post(&edit_path, &form).await?;
    ensure!(
        saved.status == 303,
        "saving the story (form from {:?}, saved on {:?}): {} {}",
        page.upstream,
        saved.upstream,
        saved.status,
        saved.body.chars().take(500).collect::<String>()
    );
    let again = editor.get(&edit_path).await?;
    ensure!(
        again.body.contains(headline),
        "the editor on {:?} does not show the saved headline",
        again.upstream
    );

    let reader = Browser::new(s.http, &s.c.front(""));
    let form = reader.get("/readers/register").await?;
    let token = web::attr(&form.body, "input[name=form_token]", "value")?;
    let registered = reader
        .post(
            "/readers/register",
            &fields(&[
                ("name", "Rosa Reader"),
                ("email", "rosa@readers.example"),
                ("password", "a long reader password"),
                ("form_token", &token),
            ]),
        )
        .await?;
    ensure!(
        registered.status == 303,
        "registering a reader (form from {:?}, posted to {:?}): {} {}",
        form.upstream,
        registered.upstream,
        registered.status,
        registered.body.chars().take(500).collect::<String>()
    );
    let discussion = format!("/discussion/{}/", story.id);
    let page = reader.get(&discussion).await?;
    let csrf = web::attr(&page.body, "form.reader-sign-out input[name=csrf]", "value")
        .with_context(|| {
            format!(
                "the discussion on {:?} shows no signed-in reader",
                page.upstream
            )
        })?;
    let text = "Glad to see the light back on.";
    let posted = reader
        .post(
            &format!("/discussion/{}/comments", story.id),
            &fields(&[("body", text), ("parent", ""), ("csrf", &csrf)]),
        )
        .await?;
    ensure!(
        posted.status == 303,
        "posting a comment (token from {:?}, posted to {:?}): {} {}",
        page.upstream,
        posted.upstream,
        posted.status,
        posted.body.chars().take(500).collect::<String>()
    );
    for _ in 0..3 {
        let seen = reader.get(&discussion).await?;
        ensure!(
            seen.status == 200 && seen.body.contains(text),
            "the reader's discussion page on {:?} does not show their comment ({})",
            seen.upstream,
            seen.status
        );
    }
    let mut problems = Vec::new();
    let deadline = Instant::now() + FOLLOW;
    for i in 0..3 {
        if let Err(e) = s
            .shows(
                i,
                &discussion,
                text,
                None,
                deadline,
                "a comment posted through nginx",
            )
            .await
        {
            problems.push(format!("{e:#}"));
        }
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    for b in [&editor, &reader] {
        used.extend(
            b.upstreams
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
    }
    if used.len() < 3 {
        problems.push(format!(
            "nginx sent the flow to only {used:?}, not all three nodes"
        ));
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// How one write ended.
#[derive(Debug, PartialEq)]
enum Ack {
    /// 2xx.
    Done,
    /// A retry got 409 "taken" after an attempt whose answer was lost: the first one landed.
    DoneBefore,
    /// No attempt was acknowledged.
    Failed(String),
}

/// Create `slug` through nginx, retrying what failed in transit; how it ended. Each retry is
/// counted in `retries`.
async fn create_with_retry(s: &Site<'_>, i: usize, retries: &AtomicU64) -> (String, Ack) {
    let slug = format!("load-{i}");
    let body = json!({
        "headline": format!("Load story {i}"),
        "standfirst": "Written while a node dies.",
        "section": "nodes",
        "slug": slug,
        "body": "Counted once.",
    });
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            retries.fetch_add(1, Ordering::Relaxed);
        }
        match api(
            s.http,
            &s.c.token,
            Method::POST,
            &s.c.front("/api/v1/articles"),
            Some(body.clone()),
        )
        .await
        {
            Ok((201, _)) => return (slug, Ack::Done),
            Ok((409, _)) if attempt > 0 => return (slug, Ack::DoneBefore),
            Ok((status, v)) if status >= 500 => last = format!("{status} {v}"),
            Ok((status, v)) => return (slug, Ack::Failed(format!("{status} {v}"))),
            Err(e) => last = format!("{e:#}"),
        }
    }
    (slug, Ack::Failed(last))
}

/// d. Readers through nginx and a writer through the API while node 3 is killed with SIGKILL:
/// no read may fail after nginx's retry; every acknowledged create is in the database once;
/// the updates of one story (each with the version it was based on) leave its version moved by
/// exactly the number that were applied.
async fn kill_under_load(s: &Site<'_>) -> anyhow::Result<()> {
    const READERS: usize = 4;
    const MAX_READS: u64 = 20_000;
    const MAX_WRITES: usize = 60;
    let mut paths: Vec<String> = vec!["/".into(), "/nodes/".into(), "/feed.xml".into()];
    paths.extend(s.seeds.iter().map(|st| st.path.clone()));
    let paths = Arc::new(paths);
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(Mutex::new(Vec::<String>::new()));
    let writes = Arc::new(AtomicU64::new(0));
    let retries = AtomicU64::new(0);

    let mut readers = tokio::task::JoinSet::new();
    for r in 0..READERS {
        let (http, front, paths, stop, reads, failed) = (
            s.http.clone(),
            s.c.front(""),
            paths.clone(),
            stop.clone(),
            reads.clone(),
            failed.clone(),
        );
        readers.spawn(async move {
            let mut k = r;
            while !stop.load(Ordering::Relaxed) && reads.load(Ordering::Relaxed) < MAX_READS {
                let p = &paths[k % paths.len()];
                k += 1;
                let outcome = match http.get(format!("{front}{p}")).send().await {
                    Ok(res) if res.status() == 200 => {
                        res.bytes().await.err().map(|e| format!("{p}: body: {e}"))
                    }
                    Ok(res) => Some(format!(
                        "{p}: {} from {:?}",
                        res.status(),
                        res.headers().get("x-dateline-upstream")
                    )),
                    Err(e) => Some(format!("{p}: {e}")),
                };
                reads.fetch_add(1, Ordering::Relaxed);
                if let Some(f) = outcome {
                    failed.lock().unwrap_or_else(|e| e.into_inner()).push(f);
                }
            }
        });
    }

    // The writer: creates with unique slugs, and updates of one story, in turn.
    let target = &s.seeds[0];
    let v0: i64 = sqlx::query("SELECT version FROM articles WHERE id = $1")
        .bind(target.id)
        .fetch_one(&s.db)
        .await?
        .get(0);
    let revisions0: i64 =
        sqlx::query("SELECT count(*) FROM article_revisions WHERE article_id = $1")
            .bind(target.id)
            .fetch_one(&s.db)
            .await?
            .get(0);
    let writer = async {
        let mut creates = Vec::new();
        let mut applied = 0i64;
        let mut version = v0;
        let mut update_problems = Vec::new();
        let slug = target
            .path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        for i in 0..MAX_WRITES {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            creates.push(create_with_retry(s, i, &retries).await);
            let headline = format!("{} (update {i})", target.headline);
            let body = json!({
                "headline": headline,
                "standfirst": "Updated while a node dies.",
                "section": "nodes",
                "slug": slug,
                "body": format!("Update {i}."),
                "version": version,
            });
            let url = s.c.front(&format!("/api/v1/articles/{}", target.id));
            let mut done = false;
            for attempt in 0..5 {
                if attempt > 0 {
                    retries.fetch_add(1, Ordering::Relaxed);
                }
                let outcome = api(s.http, &s.c.token, Method::PUT, &url, Some(body.clone())).await;
                if let Ok((200, v)) = &outcome {
                    applied += 1;
                    version = v["version"].as_i64().unwrap_or(version + 1);
                    done = true;
                    break;
                }
                // Lost in transit, or nginx retried a PUT the dead node had applied (then the
                // retry is stale): the database says whether this update landed.
                let row = sqlx::query("SELECT headline, version FROM articles WHERE id = $1")
                    .bind(target.id)
                    .fetch_one(&s.db)
                    .await;
                let Ok(row) = row else { continue };
                let (h, v): (String, i64) = (row.get(0), row.get(1));
                if h == headline && v == version + 1 {
                    applied += 1;
                    version = v;
                    done = true;
                    break;
                }
                if v != version {
                    update_problems.push(format!(
                        "update {i}: the story is at version {v}, expected {version} or {}",
                        version + 1
                    ));
                    version = v;
                    break;
                }
            }
            if !done {
                update_problems.push(format!("update {i} was never applied"));
            }
            writes.fetch_add(1, Ordering::Relaxed);
        }
        (creates, applied, version, update_problems)
    };

    let killer = async {
        let at_least = |n: &AtomicU64, min: u64| n.load(Ordering::Relaxed) >= min;
        let r = eventually(
            "the load should get going",
            Duration::from_secs(30),
            || async {
                Ok((!(at_least(&reads, 200) && at_least(&writes, 5))).then(|| {
                    format!(
                        "{} reads, {} writes",
                        reads.load(Ordering::Relaxed),
                        writes.load(Ordering::Relaxed)
                    )
                }))
            },
        )
        .await;
        let victim = &s.c.nodes[2];
        // SAFETY of the test: the process is killed through its guard's handle (SIGKILL).
        let (reads_at, writes_at) = (
            reads.load(Ordering::Relaxed),
            writes.load(Ordering::Relaxed),
        );
        kill_node(s, 2);
        let r2 = eventually(
            "the load should go on after the kill",
            Duration::from_secs(40),
            || async {
                Ok(
                    (!(at_least(&reads, reads_at + 600) && at_least(&writes, writes_at + 10)))
                        .then(|| {
                            format!(
                                "{} reads, {} writes",
                                reads.load(Ordering::Relaxed),
                                writes.load(Ordering::Relaxed)
                            )
                        }),
                )
            },
        )
        .await;
        stop.store(true, Ordering::Relaxed);
        (r.and(r2), victim.name.clone(), reads_at, writes_at)
    };
    let ((creates, applied, version, mut problems), (load, victim, reads_at, writes_at)) =
        tokio::join!(writer, killer);
    stop.store(true, Ordering::Relaxed);
    while readers.join_next().await.is_some() {}
    load?;

    let total_reads = reads.load(Ordering::Relaxed);
    let failed = failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
    eprintln!(
        "nodes test: d: {total_reads} reads ({reads_at} before {victim} was killed), {} writes ({writes_at} before), {} writes retried",
        writes.load(Ordering::Relaxed),
        retries.load(Ordering::Relaxed)
    );
    if !failed.is_empty() {
        problems.push(format!(
            "{} of {total_reads} reads failed after nginx's retry; the first: {:?}",
            failed.len(),
            &failed[..failed.len().min(5)]
        ));
    }
    for (slug, ack) in &creates {
        if let Ack::Failed(why) = ack {
            problems.push(format!("creating {slug} never succeeded: {why}"));
        }
    }
    let rows = sqlx::query(
        "SELECT headline, count(*) FROM articles WHERE headline LIKE 'Load story %' GROUP BY headline",
    )
    .fetch_all(&s.db)
    .await?;
    let stored: BTreeMap<String, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (i, (slug, ack)) in creates.iter().enumerate() {
        let n = stored.get(&format!("Load story {i}")).copied().unwrap_or(0);
        match (ack, n) {
            (_, n) if n > 1 => problems.push(format!("{slug} is stored {n} times (doubled)")),
            (Ack::Done | Ack::DoneBefore, 0) => problems.push(format!(
                "{slug} was acknowledged ({ack:?}) but is not stored (lost)"
            )),
            _ => {}
        }
    }
    if stored.len() > creates.len() {
        problems.push(format!(
            "{} load stories stored for {} creates",
            stored.len(),
            creates.len()
        ));
    }
    let row = sqlx::query("SELECT version FROM articles WHERE id = $1")
        .bind(target.id)
        .fetch_one(&s.db)
        .await?;
    let stored_version: i64 = row.get(0);
    let revisions: i64 =
        sqlx::query("SELECT count(*) FROM article_revisions WHERE article_id = $1")
            .bind(target.id)
            .fetch_one(&s.db)
            .await?
            .get(0);
    if stored_version != v0 + applied || stored_version != version {
        problems.push(format!(
            "the updated story is at version {stored_version}: started at {v0}, {applied} updates applied"
        ));
    }
    if revisions - revisions0 != applied {
        problems.push(format!(
            "{} revisions kept for {applied} applied updates",
            revisions - revisions0
        ));
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    if creates.is_empty() {
        bail!("no writes were made");
    }
    Ok(())
}

/// `kill -9` node `i` (its guard's SIGKILL), as a machine dying would.
fn kill_node(s: &Site<'_>, i: usize) {
    // The cluster is shared read-only with the scenarios; the guard's kill needs `&mut`, so
    // send the signal by pid with the `kill` command instead.
    if let Some(pid) = s.c.nodes[i].proc.pid() {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}
