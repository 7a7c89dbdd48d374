//! Media in the WordPress import (issue 16): attachments' files from a copy of
//! `wp-content/uploads` (`--uploads`) or downloaded from the old site (`--fetch-media`, served
//! here by a real HTTP server on 127.0.0.1) come into the media library through the upload's
//! own code (so their variants are made), with alt text, caption and credit; the featured image
//! is the lead photo; `[caption]`, Gutenberg image blocks and `[gallery]` become library photo
//! blocks; a missing file is listed, not fatal; a second run brings in nothing new.

use crate::*;
use anyhow::Context;
use image::{DynamicImage, ImageFormat, RgbImage};
use std::io::Cursor;

pub fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8])
    }));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("a picture encodes");
    out.into_inner()
}

const WXR: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>The Old Gazette</title>
	<link>BASE</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>BASE</wp:base_site_url>
	<wp:base_blog_url>BASE</wp:base_blog_url>
	<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email><![CDATA[ann@old.example]]></wp:author_email><wp:author_display_name><![CDATA[Ann Lee]]></wp:author_display_name></wp:author>
	<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name></wp:category>
	<item>
		<title><![CDATA[Ferry returns]]></title>
		<link>BASE/2019/03/11/ferry-returns/</link>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<content:encoded><![CDATA[<!-- wp:paragraph -->
<p>The ferry is back.</p>
<!-- /wp:paragraph -->

[caption id="attachment_20" align="alignnone" width="1024"]<img class="size-large wp-image-20" src="BASE/wp-content/uploads/2019/03/ferry-1024x768.jpg" alt="Ferry" width="1024" height="768" /> Arriving[/caption]

<!-- wp:image {"id":21} -->
<figure class="wp-block-image"><img src="BASE/wp-content/uploads/2019/03/pier.png" alt="The pier" class="wp-image-21"/><figcaption>The new pier © AFP / Léa Dubois</figcaption></figure>
<!-- /wp:image -->

[gallery ids="20,21,22"]]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>10</wp:post_id>
		<wp:post_date_gmt><![CDATA[2019-03-11 09:30:00]]></wp:post_date_gmt>
		<wp:post_modified_gmt><![CDATA[2019-03-11 09:30:00]]></wp:post_modified_gmt>
		<wp:comment_status><![CDATA[open]]></wp:comment_status>
		<wp:post_name><![CDATA[ferry-returns]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<category domain="category" nicename="news"><![CDATA[News]]></category>
		<wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[20]]></wp:meta_value></wp:postmeta>
	</item>
	<item>
		<title><![CDATA[ferry]]></title>
		<link>BASE/2019/03/11/ferry-returns/ferry/</link>
		<excerpt:encoded><![CDATA[The ferry at dawn © Reuters / Ann Lee]]></excerpt:encoded>
		<wp:post_id>20</wp:post_id>
		<wp:post_date_gmt><![CDATA[2019-03-11 09:00:00]]></wp:post_date_gmt>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>10</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:post_mime_type><![CDATA[image/jpeg]]></wp:post_mime_type>
		<wp:attachment_url><![CDATA[BASE/wp-content/uploads/2019/03/ferry.jpg]]></wp:attachment_url>
		<wp:postmeta><wp:meta_key><![CDATA[_wp_attached_file]]></wp:meta_key><wp:meta_value><![CDATA[2019/03/ferry.jpg]]></wp:meta_value></wp:postmeta>
		<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key><wp:meta_value><![CDATA[The ferry at the pier]]></wp:meta_value></wp:postmeta>
	</item>
	<item>
		<title><![CDATA[pier]]></title>
		<link>BASE/2019/03/11/ferry-returns/pier/</link>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>21</wp:post_id>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>10</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:post_mime_type><![CDATA[image/png]]></wp:post_mime_type>
		<wp:attachment_url><![CDATA[BASE/wp-content/uploads/2019/03/pier.png]]></wp:attachment_url>
		<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key><wp:meta_value><![CDATA[A concrete pier]]></wp:meta_value></wp:postmeta>
	</item>
	<item>
		<title><![CDATA[gone]]></title>
		<wp:post_id>22</wp:post_id>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>10</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:post_mime_type><![CDATA[image/jpeg]]></wp:post_mime_type>
		<wp:attachment_url><![CDATA[BASE/wp-content/uploads/2019/03/gone.jpg]]></wp:attachment_url>
	</item>
	<item>
		<title><![CDATA[timetable]]></title>
		<wp:post_id>23</wp:post_id>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>10</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:post_mime_type><![CDATA[application/pdf]]></wp:post_mime_type>
		<wp:attachment_url><![CDATA[BASE/wp-content/uploads/2019/03/timetable.pdf]]></wp:attachment_url>
	</item>
</channel>
</rss>
"#;

/// The two photo files of the export: (path under `uploads/`, bytes).
fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("2019/03/ferry.jpg", picture(480, 360, ImageFormat::Jpeg)),
        ("2019/03/pier.png", picture(400, 300, ImageFormat::Png)),
    ]
}

/// `dateline import KIND FILE --data … --database … EXTRA…` as `main` runs it: the report, or
/// the error `main` would print (exit 1).
pub async fn run_import(
    app: &TestApp,
    kind: &str,
    file: &std::path::Path,
    extra: &[&str],
) -> anyhow::Result<String> {
    use clap::Parser;
    use dateline::config::{Cli, Command as Cmd};
    use dateline::import::ImportCommand;
    let data = app.data_dir().to_str().context("utf-8 path")?.to_owned();
    let mut argv = vec![
        "dateline".to_owned(),
        "import".to_owned(),
        kind.to_owned(),
        file.to_str().context("utf-8 path")?.to_owned(),
        "--data".to_owned(),
        data,
        "--database".to_owned(),
        app.database_url.clone(),
    ];
    argv.extend(extra.iter().map(|s| (*s).to_owned()));
    let dry = extra.contains(&"--dry-run");
    let cli = Cli::try_parse_from(argv)?;
    let Cmd::Import(cmd) = cli.command else {
        anyhow::bail!("not the import command");
    };
    let report = match cmd {
        ImportCommand::Wordpress(args) => dateline::import::wordpress(&args).await?,
        ImportCommand::Ghost(args) => dateline::import::ghost::ghost(&args).await?,
        // A Dateline export is tested through the real binary (tests/cli/export.rs).
        ImportCommand::Dateline(_) => anyhow::bail!("not an import with a report"),
    };
    Ok(report.render(dry))
}

async fn library_size(app: &TestApp) -> anyhow::Result<usize> {
    Ok(app.store.media_library(None, 0, 1000).await?.len())
}

/// What the import made of the export, checked after a restart (the variants made by the
/// restarted node's job runner).
async fn check_imported(app: &TestApp) -> anyhow::Result<()> {
    app.state.variants.settled().await;
    let ferry = app.store.article_by_slug("ferry-returns").await?;
    let lead = ferry
        .lead_media_id
        .context("the featured image is the lead")?;
    let photo = app.store.media(lead).await?;
    assert_eq!(photo.alt, "The ferry at the pier");
    assert_eq!(photo.caption, "The ferry at dawn");
    // The caption's credit, kept as printed (composed, it would read "© REUTERS / Ann Lee").
    assert_eq!(photo.credit.agency, "Reuters");
    assert_eq!(photo.credit.to_string(), "© Reuters / Ann Lee");
    assert!(!photo.variants.is_empty(), "its variants were made");
    // The name of the file it came from, for the library's search.
    assert_eq!(photo.file_name.as_deref(), Some("ferry.jpg"));
    let library = app.store.media_library(None, 0, 100).await?;
    assert_eq!(library.len(), 2, "{library:?}");
    let pier = library
        .iter()
        .find(|m| m.id != lead)
        .context("the pier photo")?;
    assert_eq!(pier.alt, "A concrete pier");
    assert_eq!(pier.file_name.as_deref(), Some("pier.png"));
    // A credit given in a body's caption goes to the library photo that had none.
    assert_eq!(pier.credit.to_string(), "© AFP / Léa Dubois");
    let body = &ferry.body_source;
    assert!(
        body.contains(&format!(
            "::: photo {}\nalt: Ferry\ncaption: Arriving\n:::",
            lead.0
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "::: photo {}\nalt: The pier\ncaption: The new pier\n:::",
            pier.id.0
        )),
        "{body}"
    );
    // The gallery: its two library photos, in order.
    assert!(
        body.contains(&format!(
            "::: photo {}\n:::\n\n::: photo {}\n:::",
            lead.0, pier.id.0
        )),
        "{body}"
    );
    let page = app.page("/news/2019/03/11/ferry-returns/", 200).await?;
    assert!(page.has("figure.story-lead img"));
    assert_eq!(
        page.text("figure.story-lead .credit"),
        "© Reuters / Ann Lee"
    );
    Ok(())
}

backend_test!(issue_16_wordpress_media_from_the_uploads_folder, |app| {
    let uploads = app.data_dir().join("uploads");
    for (path, bytes) in files() {
        let p = uploads.join(path);
        std::fs::create_dir_all(p.parent().context("a folder")?)?;
        std::fs::write(p, bytes)?;
    }
    let file = app.data_dir().join("export.xml");
    std::fs::write(&file, WXR.replace("BASE", "https://old.example"))?;
    let dir = uploads.to_str().context("utf-8 path")?;

    // A dry run lists the missing file and writes nothing.
    let report = run_import(&app, "wordpress", &file, &["--uploads", dir, "--dry-run"]).await?;
    assert!(report.contains("2 photos (2 new, 0 already"), "{report}");
    assert!(report.contains("gone.jpg (no file"), "{report}");
    assert!(
        report.contains("skipped 1: attachments that are not photos"),
        "{report}"
    );
    assert_eq!(library_size(&app).await?, 0);

    let report = run_import(&app, "wordpress", &file, &["--uploads", dir]).await?;
    assert!(report.contains("imported 1 posts (1 new"), "{report}");
    assert!(report.contains("2 photos (2 new, 0 already"), "{report}");
    assert!(
        report.contains("missing media in attachment 22 (gone)"),
        "{report}"
    );
    assert!(
        report.contains("attachment 22 (its file was not imported)"),
        "{report}"
    );
    // The running node makes the variants the import queued (a node stopped mid-job would
    // leave its lease to run out first).
    app.state.variants.settled().await;
    let app = app.restart(dateline_web::Options::default()).await?;
    check_imported(&app).await?;

    // Again: the same photos, nothing new, no file read again.
    for (path, _) in files() {
        std::fs::remove_file(uploads.join(path))?;
    }
    let report = run_import(&app, "wordpress", &file, &["--uploads", dir]).await?;
    assert!(report.contains("(0 new, 1 updated"), "{report}");
    assert!(report.contains("2 photos (0 new, 2 already"), "{report}");
    assert_eq!(library_size(&app).await?, 2);
    // The running node makes the variants the import queued (a node stopped mid-job would
    // leave its lease to run out first).
    app.state.variants.settled().await;
    let app = app.restart(dateline_web::Options::default()).await?;
    check_imported(&app).await?;
    Ok(())
});

/// An old site on 127.0.0.1 serving the export's photo files (and 404 for the rest).
async fn old_site() -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    use axum::extract::Path;
    use axum::http::StatusCode;
    let router = axum::Router::new().route(
        "/wp-content/uploads/{*path}",
        axum::routing::get(|Path(path): Path<String>| async move {
            match files().into_iter().find(|(p, _)| *p == path) {
                Some((_, bytes)) => (StatusCode::OK, bytes),
                None => (StatusCode::NOT_FOUND, Vec::new()),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((base, server))
}

backend_test!(issue_16_wordpress_media_fetched_from_the_old_site, |app| {
    let (base, server) = old_site().await?;
    let file = app.data_dir().join("export.xml");
    std::fs::write(&file, WXR.replace("BASE", &base))?;
    let report = run_import(&app, "wordpress", &file, &["--fetch-media", "--dry-run"]).await?;
    assert!(report.contains("2 photos (2 new"), "{report}");
    assert!(
        report.contains("gone.jpg (the old site answered 404)"),
        "{report}"
    );
    assert_eq!(library_size(&app).await?, 0);
    let report = run_import(&app, "wordpress", &file, &["--fetch-media"]).await?;
    assert!(report.contains("2 photos (2 new, 0 already"), "{report}");
    assert!(
        report.contains("gone.jpg (the old site answered 404)"),
        "{report}"
    );
    server.abort();
    // The running node makes the variants the import queued (a node stopped mid-job would
    // leave its lease to run out first).
    app.state.variants.settled().await;
    let app = app.restart(dateline_web::Options::default()).await?;
    check_imported(&app).await?;
    Ok(())
});
