//! Photos in AVIF and WebP beside the upload's own format (issue 18, "Photos"): the worker
//! makes them for an upload and backfills them for a photo kept before they existed; reader
//! pages offer them in a `<picture>` with the JPEG `<img>` as the fallback; feeds and Open
//! Graph keep the JPEG.

use crate::*;
use dateline_core::media::Extra;
use dateline_core::permissions::Role;
use image::{DynamicImage, ImageFormat, RgbImage};
use std::io::Cursor;

/// A photo-like picture (smooth gradients and some detail).
pub(crate) fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            (((x / 16 + y / 16) % 4) * 40) as u8,
        ])
    }));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).expect("encodes");
    out.into_inner()
}

/// Whether `bytes` is an AVIF file (`ftyp` brand `avif`) and the size its `ispe` box gives.
fn avif_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 12 || &bytes[4..12] != b"ftypavif" {
        return None;
    }
    let at = bytes.windows(4).position(|w| w == b"ispe")?;
    let word = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    Some((word(at + 8)?, word(at + 12)?))
}

backend_test!(an_upload_is_served_as_avif_and_webp_too, |app| {
    let b = app.login_as(Role::Author).await?;
    let original = jpeg(900, 450);
    let res = b
        .upload(
            "/newsroom/media",
            &[("alt", "A gradient")],
            ("gradient.jpg", "image/jpeg", &original),
        )
        .await?;
    assert_eq!(res.status(), 303, "{}", res.text().await?);
    app.state.variants.settled().await;
    let m = app.store.media_library(None, 0, 10).await?.remove(0);
    assert_eq!(m.variants, vec![320, 640]);
    assert_eq!(m.formats, vec![Extra::Avif, Extra::Webp]);
    for &w in &m.variants {
        let jpg = app.get(&format!("/media/{}-{w}.jpg", m.hash)).await?;
        assert_eq!(jpg.headers()["content-type"], "image/jpeg");
        let jpg = jpg.bytes().await?.len();

        let path = format!("/media/{}-{w}.avif", m.hash);
        let res = app.get(&path).await?;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "image/avif", "{path}");
        assert!(
            res.headers()["cache-control"]
                .to_str()?
                .contains("immutable")
        );
        let avif = res.bytes().await?;
        assert_eq!(avif_size(&avif), Some((w, w / 2)), "{path}");
        assert!(avif.len() < jpg, "{path}: {} bytes, JPEG {jpg}", avif.len());

        let path = format!("/media/{}-{w}.webp", m.hash);
        let res = app.get(&path).await?;
        assert_eq!(res.headers()["content-type"], "image/webp", "{path}");
        let webp = res.bytes().await?;
        let img = image::load_from_memory_with_format(&webp, ImageFormat::WebP)?;
        assert_eq!((img.width(), img.height()), (w, w / 2), "{path}");
        assert_ne!(&webp[12..16], b"VP8L", "{path} is lossy");
    }
    Ok(())
});

backend_test!(a_photo_kept_before_avif_is_backfilled, |app| {
    // A photo as the previous version left it: an original and JPEG and lossless WebP
    // variants, `formats` empty.
    let original = jpeg(700, 350);
    let hash = "00000000000000cd";
    let dir = app.data_dir().join("media");
    tokio::fs::create_dir_all(dir.join("originals")).await?;
    tokio::fs::write(dir.join(format!("originals/{hash}.jpg")), &original).await?;
    for w in [320, 640] {
        tokio::fs::write(dir.join(format!("{hash}-{w}.jpg")), &original).await?;
    }
    let m = app
        .store
        .create_media(
            dateline_store::NewMedia {
                hash: hash.to_owned(),
                mime: "image/jpeg".to_owned(),
                width: 700,
                height: 350,
                alt: "Old".to_owned(),
                caption: String::new(),
                credit: Credit::default(),
                variants: vec![320, 640],
                file_name: None,
            },
            app.clock.now(),
        )
        .await?;
    assert!(m.formats.is_empty());
    assert_eq!(
        app.get(&format!("/media/{hash}-320.avif")).await?.status(),
        404
    );
    // Resumed as at start: the photo is queued once, and only its missing files are made.
    assert_eq!(app.state.variants.resume(&app.store).await?, 1);
    app.state.variants.settled().await;
    let m = app.store.media(m.id).await?;
    assert_eq!(m.formats, vec![Extra::Avif, Extra::Webp]);
    assert_eq!(m.variants, vec![320, 640]);
    for w in [320, 640] {
        let res = app.get(&format!("/media/{hash}-{w}.avif")).await?;
        assert_eq!(res.headers()["content-type"], "image/avif");
        assert_eq!(avif_size(&res.bytes().await?), Some((w, w / 2)));
        // The JPEG variant was left as it was.
        let res = app.get(&format!("/media/{hash}-{w}.jpg")).await?;
        assert_eq!(res.bytes().await?.as_ref(), original.as_slice());
    }
    assert_eq!(
        app.state.variants.resume(&app.store).await?,
        0,
        "nothing left"
    );

    // A photo with no original kept (the demo's) is backfilled from its widest variant.
    let hash = "00000000000000ce";
    tokio::fs::write(dir.join(format!("{hash}-320.jpg")), jpeg(320, 160)).await?;
    let m = app
        .store
        .create_media(
            dateline_store::NewMedia {
                hash: hash.to_owned(),
                mime: "image/jpeg".to_owned(),
                width: 320,
                height: 160,
                alt: "Demo".to_owned(),
                caption: String::new(),
                credit: Credit::default(),
                variants: vec![320],
                file_name: None,
            },
            app.clock.now(),
        )
        .await?;
    assert_eq!(app.state.variants.resume(&app.store).await?, 1);
    app.state.variants.settled().await;
    assert_eq!(
        app.store.media(m.id).await?.formats,
        vec![Extra::Avif, Extra::Webp]
    );
    let res = app.get(&format!("/media/{hash}-320.avif")).await?;
    assert_eq!(avif_size(&res.bytes().await?), Some((320, 160)));
    Ok(())
});

backend_test!(reader_pages_offer_avif_and_webp_in_a_picture, |app| {
    let sec = app.section("world", "World").await?;
    let lead = app
        .photo("aa11", "Boats at dawn", "", Credit::default())
        .await?;
    let body = app.photo("bb22", "A quay", "", Credit::default()).await?;
    let old = app
        .photo("cc33", "An old photo", "", Credit::default())
        .await?;
    for m in [&lead, &body] {
        app.store
            .set_media_variants(m.id, &m.variants, &Extra::ALL)
            .await?;
    }
    let other = app
        .article("An older story")
        .section(&sec)
        .lead(&old)
        .at(ts("2020-01-28T12:00:00Z"))
        .publish()
        .await?;
    let a = app
        .article("Harbour reopens")
        .section(&sec)
        .lead(&lead)
        .body(&format!("Intro.\n\n::: photo {}\n:::\n\nMore.\n", body.id))
        .related(&[other.id])
        .at(ts("2020-01-29T12:00:00Z"))
        .publish()
        .await?;
    let path = app.path_of(&a).await?;
    let page = app.page(&path, 200).await?;

    // The lead: AVIF, then WebP, then the JPEG image; sized, not lazy, fetched first.
    let types = page.attrs("figure.story-lead picture > source", "type");
    assert_eq!(types, ["image/avif", "image/webp"]);
    let avif = page.attr("figure.story-lead source[type='image/avif']", "srcset");
    assert!(avif.starts_with("/media/aa11-320.avif 320w,"), "{avif}");
    assert!(avif.ends_with("/media/aa11-1600.avif 1600w"), "{avif}");
    let sizes = page.attr("figure.story-lead source[type='image/avif']", "sizes");
    assert_eq!(sizes, page.attr("figure.story-lead picture > img", "sizes"));
    assert_eq!(sizes, "(min-width: 48rem) 46rem, calc(100vw - 2rem)");
    assert_eq!(
        page.attr("figure.story-lead picture > img", "src"),
        "/media/aa11-1024.jpg"
    );
    assert_eq!(page.attr("figure.story-lead img", "width"), "1024");
    assert_eq!(page.attr("figure.story-lead img", "height"), "576");
    assert!(!page.has("figure.story-lead img[loading]"));
    assert_eq!(page.attr("figure.story-lead img", "fetchpriority"), "high");

    // A body photo: the same, lazy.
    let types = page.attrs(".story-body figure.photo picture > source", "type");
    assert_eq!(types, ["image/avif", "image/webp"]);
    assert!(
        page.attr(".story-body source[type='image/webp']", "srcset")
            .contains("/media/bb22-640.webp 640w")
    );
    assert_eq!(page.attr(".story-body picture > img", "loading"), "lazy");
    assert!(page.has(".story-body picture > img[width][height]"));

    // A related story whose photo has no extra formats yet: a plain image, lazy and sized.
    assert!(!page.has(".related picture"));
    assert_eq!(page.attr(".related .card-photo img", "loading"), "lazy");
    assert!(
        page.attr(".related .card-photo img", "src")
            .ends_with(".jpg")
    );
    assert!(page.has(".related .card-photo img[width][height][sizes]"));

    // Open Graph keeps the JPEG.
    assert_eq!(
        page.attr("meta[property='og:image']", "content"),
        app.url("/media/aa11-1600.jpg")
    );

    // The front: the lead card's picture is not lazy; its sizes follow the layout.
    let front = app.page("/", 200).await?;
    let lead_img = ".front-lead .card-photo picture > img";
    assert!(
        !front.has(&format!("{lead_img}[loading]")),
        "the lead is eager"
    );
    assert_eq!(
        front.attr(".front-lead source[type='image/avif']", "sizes"),
        "(min-width: 64rem) 40rem, calc(100vw - 2rem)"
    );

    // The feed keeps the JPEG alone.
    let feed = app.get("/feed.xml").await?.text().await?;
    assert!(
        feed.contains("/media/bb22-"),
        "the body photo is in the feed"
    );
    assert!(
        !feed.contains(".avif") && !feed.contains("<source"),
        "{feed}"
    );
    Ok(())
});
