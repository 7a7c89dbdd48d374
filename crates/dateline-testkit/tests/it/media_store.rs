//! Media on S3-compatible storage (issue 20): uploads, variants and `/media/…` answers against a
//! real moto server (the bucket inspected through the S3 API, never through Dateline's code),
//! conditional answers on both stores, `dateline media move` to a bucket (resumable, a second
//! run a no-op), and start-up refusing a bad `--media-store` or an unreachable endpoint with a
//! sentence. The S3 tests run on SQLite: the store under test is the media store, not the
//! database.

use super::*;
use clap::Parser;
use dateline::config::{Cli, Command};
use dateline_core::permissions::Role;
use dateline_testkit::{S3Server, TestBackend};
use image::{DynamicImage, ImageFormat, RgbImage};
use std::io::Cursor;

/// A photo-like JPEG `w`×`h`.
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    }));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).expect("encodes");
    out.into_inner()
}

/// Upload a photo through the newsroom and wait for its variants.
async fn upload(app: &TestApp, w: u32, h: u32) -> anyhow::Result<dateline_core::media::Media> {
    let b = app.login_as(Role::Contributor).await?;
    upload_as(app, &b, w, h).await
}

/// How many files a photo has once its variants are made: its original, and each width in its
/// own format (JPEG here), AVIF and WebP.
fn files_of(m: &dateline_core::media::Media) -> usize {
    assert_eq!(m.formats.len(), 2, "AVIF and WebP made: {:?}", m.formats);
    1 + 3 * m.variants.len()
}

/// The same, by this signed-in browser.
async fn upload_as(
    app: &TestApp,
    b: &dateline_testkit::Browser,
    w: u32,
    h: u32,
) -> anyhow::Result<dateline_core::media::Media> {
    let res = b
        .upload(
            "/newsroom/media",
            &[("alt", "A test pattern")],
            ("pattern.jpg", "image/jpeg", &jpeg(w, h)),
        )
        .await?;
    anyhow::ensure!(res.status() == 303, "{}", res.text().await?);
    app.state.variants.settled().await;
    let photos = app.store.media_library(None, 0, 10).await?;
    photos
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no photo in the library"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_go_to_the_bucket_and_are_served_from_it() -> anyhow::Result<()> {
    let app = TestApp::start_on_s3(TestBackend::Sqlite).await?;
    let s3 = app.s3.as_ref().expect("started on S3");
    let m = upload(&app, 1200, 600).await?;
    assert_eq!(m.variants, vec![320, 640, 1024]);
    // Every file is in the bucket under the site's prefix, as S3 itself lists it.
    let mut expected = vec![format!("site/originals/{}.jpg", m.hash)];
    for w in &m.variants {
        for ext in ["jpg", "webp", "avif"] {
            expected.push(format!("site/{}-{w}.{ext}", m.hash));
        }
    }
    expected.sort();
    assert_eq!(s3.keys(TestApp::BUCKET).await?, expected);
    // Nothing was written to the node's own folder.
    assert!(
        std::fs::read_dir(app.data_dir().join("media"))?
            .next()
            .is_none(),
        "the local media folder stays empty"
    );
    // Served from the bucket with the same headers as local files.
    let path = format!("/media/{}-640.jpg", m.hash);
    let res = app.get(&path).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = res.headers()["etag"].to_str()?.to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert!(res.headers().contains_key("last-modified"));
    let in_bucket = s3
        .object(TestApp::BUCKET, &format!("site/{}-640.jpg", m.hash))
        .await?;
    assert_eq!(
        res.headers()["content-length"].to_str()?,
        in_bucket.len().to_string()
    );
    assert_eq!(res.bytes().await?.to_vec(), in_bucket);
    let img = image::load_from_memory(&in_bucket)?;
    assert_eq!((img.width(), img.height()), (640, 320));
    // A current copy is answered 304, with no body.
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &etag)
        .send()
        .await?;
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str()?, etag);
    assert!(res.bytes().await?.is_empty());
    // Another tag gets the file.
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    // HEAD answers the headers alone.
    let res = app.client.head(app.url(&path)).send().await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    // Missing files, bad names and originals are 404s, as from a folder.
    for bad in [
        format!("/media/{}-999.jpg", m.hash),
        format!("/media/originals/{}.jpg", m.hash),
        "/media/..%2Fsite%2Foriginals".to_owned(),
        "/media/zz-320.jpg".to_owned(),
    ] {
        assert_eq!(app.get(&bad).await?.status(), 404, "{bad}");
    }
    // The article page links the variants as before; the feed's enclosure length is the
    // object's size.
    let news = app.section("news", "News").await?;
    app.article("Pattern found")
        .section(&news)
        .lead(&m)
        .publish()
        .await?;
    let feed = app.get("/feed.xml").await?.text().await?;
    let size = s3
        .object(TestApp::BUCKET, &format!("site/{}-1024.jpg", m.hash))
        .await?
        .len();
    assert!(
        feed.contains(&format!("length=\"{size}\"")),
        "the enclosure has the object's size: {feed}"
    );
    Ok(())
}

backend_test!(local_files_answer_conditional_requests, |app| {
    tokio::fs::write(
        app.data_dir().join("media/c0ffee-320.jpg"),
        b"\xff\xd8\xff fake jpeg",
    )
    .await?;
    let res = app.get("/media/c0ffee-320.jpg").await?;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str()?.to_owned();
    let modified = res.headers()["last-modified"].to_str()?.to_owned();
    assert_eq!(res.headers()["content-length"], "13");
    let get_with = |name: &'static str, value: String| {
        let req = app.client.get(app.url("/media/c0ffee-320.jpg"));
        async move { req.header(name, value).send().await }
    };
    let res = get_with("if-none-match", etag.clone()).await?;
    assert_eq!(res.status(), 304);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        get_with("if-none-match", format!("W/{etag}"))
            .await?
            .status(),
        304
    );
    assert_eq!(get_with("if-modified-since", modified).await?.status(), 304);
    let res = get_with("if-none-match", "\"other\"".to_owned()).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await?.as_ref(), b"\xff\xd8\xff fake jpeg");
    let res = get_with(
        "if-modified-since",
        "Mon, 01 Jan 2001 00:00:00 GMT".to_owned(),
    )
    .await?;
    assert_eq!(res.status(), 200);
    Ok(())
});

/// `dateline media move …` as the command line gives it, run in-process.
async fn media_move(args: &[&str]) -> anyhow::Result<dateline::media::Moved> {
    let mut full = vec!["dateline", "media", "move"];
    full.extend_from_slice(args);
    let cli = Cli::try_parse_from(full)?;
    let Command::Media(dateline::media::MediaCommand::Move(args)) = cli.command else {
        anyhow::bail!("not the media move command");
    };
    dateline::media::move_files(args).await
}

/// The flags that point at a moto server.
fn s3_flags(s3: &S3Server) -> Vec<String> {
    vec![
        "--media-store-endpoint".into(),
        s3.endpoint.clone(),
        "--media-store-access-key-id".into(),
        dateline_testkit::s3::ACCESS_KEY_ID.into(),
        "--media-store-secret-access-key".into(),
        dateline_testkit::s3::SECRET_ACCESS_KEY.into(),
        "--media-store-allow-http".into(),
        "true".into(),
    ]
}

/// Every file under a folder, as `relative/path` → size, sorted.
fn local_files(dir: &std::path::Path) -> Vec<(String, u64)> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, u64)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let (Ok(rel), Ok(md)) = (p.strip_prefix(root), e.metadata()) {
                out.push((rel.to_string_lossy().into_owned(), md.len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A site started as `dateline serve` does, with these extra flags, on a free port.
async fn serve(
    data: &std::path::Path,
    database: &str,
    extra: &[String],
) -> anyhow::Result<(String, tokio::task::JoinHandle<anyhow::Result<()>>)> {
    let mut args: Vec<String> = vec![
        "dateline".into(),
        "serve".into(),
        "--data".into(),
        data.display().to_string(),
        "--database".into(),
        database.into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ];
    args.extend_from_slice(extra);
    let cli = Cli::try_parse_from(args)?;
    let Command::Serve(args) = cli.command else {
        anyhow::bail!("not the serve command");
    };
    let settings = dateline::config::resolve(args, None)?;
    let server = dateline::serve::start(&settings).await?;
    let base = format!("http://{}", server.local_addr()?);
    // Stopped by aborting: the test ends with it.
    let task = tokio::spawn(server.serve(std::future::pending()));
    Ok((base, task))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_move_copies_a_local_site_to_a_bucket_resumably() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let m = upload(&app, 800, 400).await?;
    let media_dir = app.data_dir().join("media");
    // A leftover that is no photo file stays behind.
    tokio::fs::write(media_dir.join("notes.txt"), b"not a photo").await?;
    let mut files = local_files(&media_dir);
    files.retain(|(name, _)| name != "notes.txt");
    assert_eq!(files.len(), files_of(&m));
    let s3 = S3Server::start().await?;
    s3.create_bucket("moved-media").await?;
    let data = app.data_dir().display().to_string();
    let flags = s3_flags(&s3);
    let run = |to: &'static str| {
        let mut args: Vec<String> = vec![
            "--data".into(),
            data.clone(),
            "--database".into(),
            app.database_url.clone(),
            "--to".into(),
            to.into(),
        ];
        args.extend(flags.iter().cloned());
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            media_move(&args).await
        }
    };
    let done = run("s3://moved-media/news").await?;
    assert_eq!(
        (done.copied, done.already, done.ignored),
        (files.len(), 0, 1)
    );
    let prefixed: Vec<(String, u64)> = files
        .iter()
        .map(|(k, n)| (format!("news/{k}"), *n))
        .collect();
    assert_eq!(s3.objects("moved-media").await?, prefixed);
    // The bytes are the same.
    let original = format!("originals/{}.jpg", m.hash);
    assert_eq!(
        s3.object("moved-media", &format!("news/{original}"))
            .await?,
        tokio::fs::read(media_dir.join(&original)).await?
    );
    // A second run finds everything there and copies nothing.
    let again = run("s3://moved-media/news").await?;
    assert_eq!((again.copied, again.already), (0, files.len()));

    // An interrupted move: one file copied whole, another cut short (a different size, as a
    // copy by another tool might have been). The next run copies the rest and redoes the bad one.
    let (first, _) = &files[0];
    let (second, _) = &files[1];
    s3.put_object(
        "moved-media",
        &format!("resumed/{first}"),
        tokio::fs::read(media_dir.join(first)).await?,
    )
    .await?;
    s3.put_object("moved-media", &format!("resumed/{second}"), b"cut".to_vec())
        .await?;
    let resumed = run("s3://moved-media/resumed").await?;
    assert_eq!((resumed.copied, resumed.already), (files.len() - 1, 1));
    let listed: Vec<(String, u64)> = s3
        .objects("moved-media")
        .await?
        .into_iter()
        .filter_map(|(k, n)| k.strip_prefix("resumed/").map(|k| (k.to_owned(), n)))
        .collect();
    assert_eq!(listed, files);

    // Moving to the store in use is refused with a sentence.
    let media = media_dir.display().to_string();
    let err = media_move(&["--data", &data, "--to", &media])
        .await
        .expect_err("the same store");
    assert!(
        format!("{err:#}").contains("is already the media store"),
        "{err:#}"
    );

    // The site restarted on the bucket serves the moved photo.
    let mut extra = vec![
        "--media-store".to_owned(),
        "s3://moved-media/news".to_owned(),
    ];
    extra.extend(flags.iter().cloned());
    // Another node's data folder: the test's own server holds this one's search index.
    let node = app.data_dir().join("node");
    let (base, task) = serve(&node, &app.database_url, &extra).await?;
    let name = format!("{}-320.webp", m.hash);
    let res = reqwest::get(format!("{base}/media/{name}")).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/webp");
    assert_eq!(
        res.bytes().await?.to_vec(),
        tokio::fs::read(media_dir.join(&name)).await?
    );
    task.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_media_move_that_cannot_write_names_the_file() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let m = upload(&app, 400, 200).await?;
    let s3 = S3Server::start().await?;
    s3.create_bucket("some-bucket").await?;
    let data = app.data_dir().display().to_string();
    let mut args = vec![
        "--data".to_owned(),
        data,
        "--to".to_owned(),
        "s3://no-such-bucket/x".to_owned(),
    ];
    args.extend(s3_flags(&s3));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = media_move(&args).await.expect_err("no bucket");
    let text = format!("{err:#}");
    assert!(
        text.contains("s3://no-such-bucket/x cannot be listed"),
        "{text}"
    );
    // A target folder that cannot be written: the file is named.
    let blocked = app.data_dir().join("blocked");
    tokio::fs::create_dir_all(blocked.join("originals")).await?;
    // A folder where the original should go makes its write fail.
    let original = format!("originals/{}.jpg", m.hash);
    tokio::fs::create_dir_all(blocked.join(&original)).await?;
    let blocked_text = blocked.display().to_string();
    let data = app.data_dir().display().to_string();
    let err = media_move(&["--data", &data, "--to", &blocked_text])
        .await
        .expect_err("a folder in the way");
    let text = format!("{err:#}");
    assert!(text.contains(&original), "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_media_stores_stop_the_start_with_a_sentence() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let db = app.fresh_database_url().await?;
    let data = app.data_dir().join("node");
    let err_of = |extra: Vec<String>| {
        let data = data.clone();
        let db = db.clone();
        async move {
            match serve(&data, &db, &extra).await {
                Ok((_, task)) => {
                    task.abort();
                    anyhow::bail!("started with {extra:?}")
                }
                Err(e) => Ok(format!("{e:#}")),
            }
        }
    };
    for (value, words) in [
        ("gs://bucket/x", "scheme gs://"),
        ("s3:///x", "names no bucket"),
        ("s3://Not_A_Bucket", "not a valid S3 bucket name"),
    ] {
        let text = err_of(vec!["--media-store".into(), value.into()]).await?;
        assert!(text.contains(words), "{value}: {text}");
    }
    // A plain-http endpoint without AWS_ALLOW_HTTP.
    let text = err_of(vec![
        "--media-store".into(),
        "s3://bucket".into(),
        "--media-store-endpoint".into(),
        "http://127.0.0.1:9".into(),
    ])
    .await?;
    assert!(text.contains("AWS_ALLOW_HTTP"), "{text}");
    // An endpoint nothing listens on: a port that was free a moment ago.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let text = err_of(vec![
        "--media-store".into(),
        "s3://bucket/site".into(),
        "--media-store-endpoint".into(),
        format!("http://127.0.0.1:{closed}"),
        "--media-store-allow-http".into(),
        "true".into(),
        "--media-store-access-key-id".into(),
        "id".into(),
        "--media-store-secret-access-key".into(),
        "very-secret-key".into(),
    ])
    .await?;
    assert!(
        text.contains("the media store s3://bucket/site cannot be listed"),
        "{text}"
    );
    assert!(!text.contains("very-secret-key"), "{text}");
    // A bucket that does not exist on a server that answers.
    let s3 = S3Server::start().await?;
    let mut extra = vec!["--media-store".to_owned(), "s3://missing-bucket".to_owned()];
    extra.extend(s3_flags(&s3));
    let text = err_of(extra).await?;
    assert!(
        text.contains("the media store s3://missing-bucket cannot be listed"),
        "{text}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_base_url_redirects_media_requests() -> anyhow::Result<()> {
    let app = TestApp::start(TestBackend::Sqlite).await?;
    let db = app.fresh_database_url().await?;
    let data = app.data_dir().join("node");
    let config = data.join("dateline.toml");
    tokio::fs::create_dir_all(&data).await?;
    tokio::fs::write(
        &config,
        "[media_store]\npublic_base_url = \"https://cdn.example.net/media/\"\n",
    )
    .await?;
    let (base, task) = serve(&data, &db, &[]).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let res = client
        .get(format!("{base}/media/c0ffee-320.jpg"))
        .send()
        .await?;
    assert_eq!(res.status(), 302);
    assert_eq!(
        location(&res),
        "https://cdn.example.net/media/c0ffee-320.jpg"
    );
    // Bad names are still 404s, never redirected.
    let res = client
        .get(format!("{base}/media/zz-320.jpg"))
        .send()
        .await?;
    assert_eq!(res.status(), 404);
    task.abort();
    Ok(())
}

/// The keys a photo has in a bucket, as S3 lists them.
async fn keys_of(s3: &S3Server, hash: &str) -> anyhow::Result<Vec<String>> {
    Ok(s3
        .keys(TestApp::BUCKET)
        .await?
        .into_iter()
        .filter(|k| k.contains(hash))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_photo_deletes_its_objects() -> anyhow::Result<()> {
    let app = TestApp::start_on_s3(TestBackend::Sqlite).await?;
    let s3 = app.s3.as_ref().expect("started on S3");
    let m = upload(&app, 700, 350).await?;
    assert_eq!(keys_of(s3, &m.hash).await?.len(), files_of(&m));
    let editor = app.login_as(Role::Editor).await?;
    let path = format!("/newsroom/media/{}/delete", m.id.0);
    let page = editor
        .page(&format!("/newsroom/media/{}", m.id.0), 200)
        .await?;
    assert!(page.has(&format!("form[action='{path}'] button.nr-danger")));
    // Unticked, nothing happens.
    let res = editor.submit(&path, &[]).await?;
    assert_eq!(res.status(), 400);
    assert!(res.text().await?.contains("to confirm"));
    assert_eq!(keys_of(s3, &m.hash).await?.len(), files_of(&m));
    let res = editor.submit(&path, &[("confirm", "1")]).await?;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/newsroom/media?done=deleted");
    assert!(
        keys_of(s3, &m.hash).await?.is_empty(),
        "every object is gone"
    );
    assert!(app.store.media_library(None, 0, 10).await?.is_empty());
    assert_eq!(
        app.get(&format!("/media/{}-320.jpg", m.hash))
            .await?
            .status(),
        404
    );
    Ok(())
}

backend_test!(a_photo_in_use_is_not_deleted, |app| {
    let m = upload(&app, 600, 300).await?;
    let files = local_files(&app.data_dir().join("media"));
    assert_eq!(files.len(), files_of(&m));
    let path = format!("/newsroom/media/{}/delete", m.id.0);
    // Authors edit photos but do not delete them.
    let author = app.login_as(Role::Author).await?;
    assert_eq!(
        author.submit(&path, &[("confirm", "1")]).await?.status(),
        403
    );
    let news = app.section("news", "News").await?;
    let story = app
        .article("Pictured")
        .section(&news)
        .lead(&m)
        .publish()
        .await?;
    let editor = app.login_as(Role::Editor).await?;
    let res = editor.submit(&path, &[("confirm", "1")]).await?;
    assert_eq!(res.status(), 409);
    assert!(res.text().await?.contains("used by a story"));
    assert_eq!(local_files(&app.data_dir().join("media")), files);
    let page = app.path_of(&story).await?;
    app.page(&page, 200).await?;
    // Unused again, it goes, files and all.
    let unused = upload_as(&app, &editor, 500, 250).await?;
    assert_ne!(unused.id, m.id);
    let res = editor
        .submit(
            &format!("/newsroom/media/{}/delete", unused.id.0),
            &[("confirm", "1")],
        )
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(local_files(&app.data_dir().join("media")), files);
    Ok(())
});
