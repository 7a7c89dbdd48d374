use super::*;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([9, 99, 199])));
    encode(&img, Format::Png).expect("encodes")
}

#[test]
fn the_first_bytes_decide_and_claims_must_agree() {
    let bytes = png(40, 30);
    let ok = check(&bytes, Some("image/png"), Some("a.PNG")).expect("a png is a png");
    assert_eq!(ok.format, Format::Png);
    assert_eq!((ok.image.width(), ok.image.height()), (40, 30));
    assert!(check(&bytes, Some("application/octet-stream"), None).is_ok());
    assert!(matches!(
        check(&bytes, None, Some("photo.jpg")),
        Err(Refusal::Mismatch {
            claimed: "JPEG",
            actual: "PNG"
        })
    ));
    assert!(matches!(
        check(&bytes, Some("image/gif"), Some("photo.png")),
        Err(Refusal::Mismatch { .. })
    ));
    assert_eq!(
        check(b"%PDF-1.7\n", Some("image/jpeg"), Some("x.jpg")).err(),
        Some(Refusal::NotAnImage)
    );
    assert_eq!(check(b"", None, None).err(), Some(Refusal::Empty));
}

#[test]
fn truncated_files_are_damaged() {
    let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 64, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 4) as u8, 7])
    }));
    for format in [Format::Jpeg, Format::Png, Format::WebP, Format::Gif] {
        let bytes = encode(&img, format).expect("encodes");
        assert!(check(&bytes, None, None).is_ok(), "{format:?} whole");
        let cut = &bytes[..bytes.len() * 2 / 3];
        assert!(
            matches!(check(cut, None, None), Err(Refusal::Damaged(_))),
            "{format:?} cut: {:?}",
            check(cut, None, None).err()
        );
    }
}

#[test]
fn variants_are_never_upscaled() {
    assert_eq!(widths_for(2000), vec![320, 640, 1024, 1600]);
    assert_eq!(widths_for(700), vec![320, 640]);
    assert_eq!(widths_for(100), vec![100]);
    let img = DynamicImage::ImageRgb8(image::RgbImage::new(700, 350));
    let v = variants(&img, Format::Jpeg, true, &Extra::ALL).expect("variants");
    let names: Vec<String> = v
        .iter()
        .map(|v| format!("{}.{}", v.width, v.extension))
        .collect();
    assert_eq!(
        names,
        [
            "320.jpg", "320.avif", "320.webp", "640.jpg", "640.avif", "640.webp"
        ]
    );
}

/// A photo-like picture: smooth gradients and some detail, so lossy encoders have work to do.
fn photo(w: u32, h: u32, alpha: bool) -> DynamicImage {
    let rgb = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            // Soft blocks rather than noise: a photo's detail, not a worst case that would
            // make every AVIF test take seconds in a debug build.
            (((x / 16 + y / 16) % 4) * 40) as u8,
        ])
    });
    if alpha {
        let mut rgba = DynamicImage::ImageRgb8(rgb).to_rgba8();
        for (x, _, p) in rgba.enumerate_pixels_mut() {
            p[3] = if x < w / 2 { 255 } else { 128 };
        }
        DynamicImage::ImageRgba8(rgba)
    } else {
        DynamicImage::ImageRgb8(rgb)
    }
}

/// The width and height an AVIF file's `ispe` (image spatial extents) box declares, and
/// whether its `ftyp` box names the `avif` brand. No AVIF decoder is linked (dav1d is C and
/// not here); the browser test has Chromium decode the files for real.
fn avif_extents(bytes: &[u8]) -> (bool, u32, u32) {
    let brand = bytes.len() > 12 && &bytes[4..8] == b"ftyp" && &bytes[8..12] == b"avif";
    let at = bytes
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("an ispe box");
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    // After the type: 4 bytes of version and flags, then width and height.
    (brand, word(at + 8), word(at + 12))
}

#[test]
fn lossy_webp_decodes_at_its_size_and_is_smaller_than_lossless() {
    for alpha in [false, true] {
        let img = photo(300, 200, alpha);
        let bytes = encode_extra(&img, Extra::Webp).expect("encodes");
        let back = image::load_from_memory_with_format(&bytes, ImageFormat::WebP)
            .expect("the WebP decodes");
        assert_eq!((back.width(), back.height()), (300, 200));
        assert_eq!(back.color().has_alpha(), alpha, "alpha kept: {alpha}");
        // libwebp's lossy bitstream is VP8 (`VP8 ` chunk, or `VP8X` with alpha), not `VP8L`.
        assert_ne!(&bytes[12..16], b"VP8L", "lossy, not lossless");
        assert_eq!(
            check(&bytes, Some("image/webp"), None).map(|c| c.format),
            Ok(Format::WebP)
        );
    }
}

#[test]
fn avif_is_an_avif_file_of_the_right_size() {
    for alpha in [false, true] {
        let img = photo(160, 90, alpha);
        let bytes = encode_extra(&img, Extra::Avif).expect("encodes");
        assert_eq!(avif_extents(&bytes), (true, 160, 90), "alpha: {alpha}");
        // An opaque picture has no alpha plane (an auxiliary item of the alpha type).
        let urn = b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha";
        let has_alpha = bytes.windows(urn.len()).any(|w| w == urn);
        assert_eq!(has_alpha, alpha, "alpha: {alpha}");
    }
}

#[test]
fn a_backfill_makes_only_the_missing_formats() {
    let img = photo(700, 350, false);
    let v = variants(&img, Format::Jpeg, false, &[Extra::Avif]).expect("variants");
    let names: Vec<String> = v
        .iter()
        .map(|v| format!("{}.{}", v.width, v.extension))
        .collect();
    assert_eq!(names, ["320.avif", "640.avif"]);
    for v in &v {
        let (_, w, h) = avif_extents(&v.bytes);
        assert_eq!((w, h), (v.width, height_for(700, 350, v.width)));
    }
    // A WebP upload's own files are WebP: no second WebP is made.
    let v = variants(&img, Format::WebP, true, &Extra::ALL).expect("variants");
    let exts: Vec<&str> = v.iter().map(|v| v.extension).collect();
    assert_eq!(exts, ["webp", "avif", "webp", "avif"]);
}
