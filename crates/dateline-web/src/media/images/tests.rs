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
    let v = variants(&img, Format::Jpeg).expect("variants");
    let names: Vec<String> = v
        .iter()
        .map(|v| format!("{}.{}", v.width, v.extension))
        .collect();
    assert_eq!(names, ["320.jpg", "320.webp", "640.jpg", "640.webp"]);
}
