//! Moving in from a real Ghost (issue 16): `data/ghost/` holds an export written by Ghost 5's
//! own exporter (`GET /ghost/api/admin/db/`) and the image files Ghost stored, made by
//! `scripts/make-ghost-fixture` (see `data/ghost/README.md`), never by hand and never in CI.
//! Imported as `main` runs it (from the zip Ghost's importer takes: the JSON at its root, the
//! images under `content/images/`; Ghost 5 exports JSON only, so the zip is put together here
//! from those same files), then checked over HTTP as a migrating publisher would: each
//! published post's page, its authors in order, its primary tag as section, members-only,
//! draft and scheduled posts held back, the page a static page, every Ghost URL one 301 to a
//! 200, photos with their captions and credits, and the cards with no equivalent listed.

use crate::*;
use anyhow::Context;
use dateline_core::article::Status;
use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/data/ghost");

/// The export Ghost wrote (the one `.json` file of the fixture).
fn export_file() -> anyhow::Result<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(FIXTURE)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "json") {
            found.push(p);
        }
    }
    anyhow::ensure!(found.len() == 1, "one export in {FIXTURE}: {found:?}");
    found.pop().context("the export")
}

/// Every file under `dir`, with its path relative to `root`.
fn files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            files(root, &p, out)?;
        } else {
            let rel = p.strip_prefix(root)?.to_str().context("utf-8 path")?;
            out.push((rel.replace('\\', "/"), p));
        }
    }
    Ok(())
}

/// The zip Ghost's importer takes, from the fixture's files: the JSON at its root, the images
/// under `content/images/YYYY/MM/`.
fn zip_of_fixture(to: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let export = export_file()?;
    let mut entries = vec![(
        export
            .file_name()
            .and_then(|n| n.to_str())
            .context("a name")?
            .to_owned(),
        export.clone(),
    )];
    let root = Path::new(FIXTURE);
    files(root, &root.join("content"), &mut entries)?;
    let mut z = zip::ZipWriter::new(std::fs::File::create(to)?);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in entries {
        z.start_file(name, deflated)?;
        z.write_all(&std::fs::read(path)?)?;
    }
    z.finish()?;
    Ok(())
}

backend_test!(issue_16_real_ghost_export_moves_in_whole, |app| {
    let file = app.data_dir().join("the-old-harbour.ghost.zip");
    zip_of_fixture(&file)?;

    let dry = crate::import_media::run_import(&app, "ghost", &file, &["--dry-run"]).await?;
    assert_eq!(app.store.article_ids().await?.len(), 0, "{dry}");
    let report = crate::import_media::run_import(&app, "ghost", &file, &[]).await?;
    // The dry run told what the run did.
    assert_eq!(
        dry.replace(" (dry run: nothing written)", "")
            .replace("would import", "imported"),
        report,
        "{dry}\n---\n{report}"
    );
    assert!(
        report.contains("imported 7 posts (7 new, 0 updated; 4 published, 2 drafts, 1 scheduled)"),
        "{report}"
    );
    assert!(report.contains("7 photos (7 new, 0 already"), "{report}");
    assert!(
        report.contains("static pages: imported 2 (2 new, 0 updated; 2 published, 0 drafts)"),
        "{report}"
    );
    assert!(report.contains("skipped 1: internal #tags"), "{report}");
    assert!(
            report.contains("kept as a draft: post members-briefing (Members briefing: the harbour budget) (members-only"),
            "{report}"
        );
    // What has no equivalent is listed with its post, never dropped silently.
    for listed in [
        "no equivalent in post harbour-reopens (Harbour reopens after the storm): a Ghost HTML card",
        "no equivalent in post ferry-timetable (The new ferry timetable): a Ghost bookmark card",
        "no equivalent in post ferry-timetable (The new ferry timetable): <iframe>",
    ] {
        assert!(report.contains(listed), "{listed}\n{report}");
    }
    assert!(!report.contains("missing media"), "{report}");
    app.state.variants.settled().await;

    // Boats is one post's primary tag and another's second: a section and a tag.
    assert!(report.contains("3 sections, 2 tags, 3 people"), "{report}");

    // Each published post: its page with its title, authors in Ghost's order, its primary
    // tag as section, its other public tags as tags.
    let published = [
        (
            "harbour-reopens",
            "/news/2024/03/04/harbour-reopens/",
            "Harbour reopens after the storm",
            vec!["Sam Roe", "Ann Lee"],
            "News",
            vec!["Boats"],
        ),
        (
            "storm-night-in-pictures",
            "/weather/2024/03/01/storm-night-in-pictures/",
            "Storm night in pictures",
            vec!["Priya Shah"],
            "Weather",
            vec![],
        ),
        (
            "ferry-timetable",
            "/news/2024/03/05/ferry-timetable/",
            "The new ferry timetable",
            vec!["Ann Lee", "Priya Shah", "Sam Roe"],
            "News",
            vec!["Ferries"],
        ),
    ];
    for (slug, path, title, authors, section, tags) in &published {
        let page = app.page(path, 200).await?;
        assert_eq!(page.text("h1"), *title, "{slug}");
        assert_eq!(page.texts(".byline a[rel=author]"), *authors, "{slug}");
        assert_eq!(page.text(".story-section"), *section, "{slug}");
        assert_eq!(page.texts("nav.tags a"), *tags, "{slug}");
        let res = app.get(&format!("/{slug}/")).await?;
        assert_eq!(res.status(), 301, "/{slug}/");
        assert_eq!(location(&res), *path, "/{slug}/");
    }
    // A post without tags goes to the fallback section, and still answers.
    let quay = app.store.article_by_slug("notes-from-the-quay").await?;
    assert_eq!(quay.status, Status::Published);
    let res = app.get("/notes-from-the-quay/").await?;
    assert_eq!(res.status(), 301);
    assert_eq!(app.get(&location(&res)).await?.status(), 200);

    // Members-only and draft posts are drafts, the scheduled one scheduled: none public.
    for (slug, status) in [
        ("members-briefing", Status::Draft),
        ("dredging-plan", Status::Draft),
        ("regatta-preview", Status::Scheduled),
    ] {
        assert_eq!(
            app.store.article_by_slug(slug).await?.status,
            status,
            "{slug}"
        );
        assert_eq!(app.get(&format!("/{slug}/")).await?.status(), 404, "{slug}");
    }
    let regatta = app.store.article_by_slug("regatta-preview").await?;
    assert_eq!(regatta.scheduled_for, Some(ts("2035-06-01T09:00:00Z")));

    // The pages: static pages at their Ghost paths; Ghost's own About page (mobiledoc)
    // and a Lexical one with its photo.
    assert!(app.store.article_by_slug("about").await.is_err());
    let about = app.page("/about/", 200).await?;
    assert_eq!(about.text("h1"), "About this site");
    assert!(about.text(".prose").contains("Access all areas"));
    let contact = app.page("/contact/", 200).await?;
    assert_eq!(contact.text("h1"), "Contact us");
    assert!(
        contact
            .text(".prose")
            .contains("covered the harbour since 1898")
    );
    assert_eq!(contact.text(".prose figure.photo .caption"), "Our office");

    // Photos: the feature image the lead, captions with the credit split off.
    let harbour = app.page("/news/2024/03/04/harbour-reopens/", 200).await?;
    assert_eq!(
        harbour.text("figure.story-lead .caption"),
        "The harbour at dawn"
    );
    assert_eq!(
        harbour.text("figure.story-lead .credit"),
        "© AFP / Léa Dubois"
    );
    assert_eq!(
        harbour.attr("figure.story-lead img", "alt"),
        "The harbour at dawn"
    );
    assert_eq!(
        harbour.text(".prose figure.photo .caption"),
        "Boats at the quay"
    );
    assert_eq!(
        harbour.text(".prose figure.photo .credit"),
        "© REUTERS / Bandar Algaloud"
    );
    let prose = harbour.text(".prose");
    assert!(prose.contains("The harbour is open again"), "{prose}");
    assert!(prose.contains("High tide at 12:04"), "{prose}");
    for src in harbour.attrs("figure img", "src") {
        assert_eq!(app.get(&src).await?.status(), 200, "{src}");
    }
    // The gallery: three photos, then its caption; its credit goes to each photo.
    let storm = app
        .page("/weather/2024/03/01/storm-night-in-pictures/", 200)
        .await?;
    assert_eq!(storm.attrs(".prose figure.photo img", "alt").len(), 3);
    assert_eq!(
        storm.texts(".prose figure.photo .credit"),
        vec!["© AP / Jon Mar"; 3]
    );
    // The bookmark card: a link to what it showed.
    let ferry = app.page("/news/2024/03/05/ferry-timetable/", 200).await?;
    assert!(
        ferry
            .attrs(".prose a", "href")
            .contains(&"https://ferries.example.org/timetable".to_owned()),
        "{}",
        ferry.text(".prose")
    );

    // Every Ghost archive URL: one 301 to a page that answers 200.
    for (old, new) in [
        ("/tag/news/", "/news/"),
        ("/tag/weather/", "/weather/"),
        ("/tag/boats/", "/boats/"),
        ("/tag/ferries/", "/tags/ferries/"),
        ("/tag/news/rss/", "/news/feed.xml"),
        ("/author/ann/", "/authors/ann/"),
        ("/author/sam/", "/authors/sam/"),
        ("/author/priya/", "/authors/priya/"),
        ("/author/priya/rss/", "/authors/priya/feed.xml"),
        ("/rss/", "/feed.xml"),
    ] {
        let res = app.get(old).await?;
        assert_eq!(res.status(), 301, "{old}");
        assert_eq!(location(&res), new, "{old}");
        assert_eq!(app.get(new).await?.status(), 200, "{old} → {new}");
    }
    // The internal #tag came in as nothing.
    assert_eq!(app.get("/tag/hash-import/").await?.status(), 404);

    // Again: updated in place, nothing added.
    let again = crate::import_media::run_import(&app, "ghost", &file, &[]).await?;
    assert!(
        again.contains("imported 7 posts (0 new, 7 updated"),
        "{again}"
    );
    assert!(again.contains("7 photos (0 new, 7 already"), "{again}");
    assert_eq!(app.store.article_ids().await?.len(), 7);
    Ok(())
});
