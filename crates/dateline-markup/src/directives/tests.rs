//! Unit tests: `::: photo` block parsing, and every error with its line.
//!
//! Tests here must never accept an error message that does not name the line the editor must fix.

use super::*;

fn one_photo(src: &str) -> PhotoDirective {
    let p = prepare(src).expect("valid body");
    assert_eq!(p.photos.len(), 1, "{src}");
    p.photos[0].clone()
}

fn err(src: &str) -> MarkupError {
    prepare(src).expect_err("should fail")
}

#[test]
fn library_photo_with_overrides() {
    let p = one_photo(
        "Intro\n\n::: photo 42\nalt: Text for screen readers\ncaption: What it shows\n:::\n",
    );
    assert_eq!(p.line, 3);
    assert_eq!(p.source, PhotoSource::Library(MediaId(42)));
    assert_eq!(p.alt.as_deref(), Some("Text for screen readers"));
    assert_eq!(p.caption.as_deref(), Some("What it shows"));
}

#[test]
fn library_photo_forms() {
    for opening in [
        "::: photo 42",
        ":::photo 42",
        "::: PHOTO media:42",
        "   :::  photo   MEDIA:42  ",
    ] {
        let p = one_photo(&format!("{opening}\n:::"));
        assert_eq!(p.source, PhotoSource::Library(MediaId(42)), "{opening}");
        assert_eq!(p.alt, None);
        assert_eq!(p.caption, None);
    }
}

#[test]
fn empty_override_is_kept_as_a_deliberate_blank() {
    let p = one_photo("::: photo 7\ncaption:\n:::");
    assert_eq!(p.caption.as_deref(), Some(""));
}

#[test]
fn file_photo_with_every_key() {
    let p = one_photo(
        "::: photo https://cdn.example.com/x.jpg\nalt: A\ncaption: C\nagency: Reuters\nphotographer: P\ncourtesy: Q\nsize: 1600 x 900\n:::",
    );
    assert_eq!(
        p.source,
        PhotoSource::File {
            src: "https://cdn.example.com/x.jpg".into(),
            width: 1600,
            height: 900,
            credit: Credit::new("Reuters", "P", "Q"),
        }
    );
    assert_eq!(p.alt.as_deref(), Some("A"));
}

#[test]
fn file_photo_by_site_path_and_blank_lines_inside() {
    let p = one_photo("::: photo /media/abc-1600.jpg\n\nALT: A\n\nSize: 10X20\n:::");
    assert!(matches!(
        p.source,
        PhotoSource::File {
            width: 10,
            height: 20,
            ..
        }
    ));
}

#[test]
fn token_replaces_block_and_lines_map_back() {
    let p = prepare("a\n::: photo 1\n:::\nb").expect("valid body");
    assert_eq!(p.source, format!("a\n\n{TOKEN}0\n\nb\n"));
    assert_eq!(p.original_line(1), 1);
    assert_eq!(p.original_line(3), 2);
    assert_eq!(p.original_line(5), 4);
    // Past the end (comrak may report the last line + 1): the last line.
    assert_eq!(p.original_line(99), 4);
}

#[test]
fn not_directives() {
    for src in [
        "::: photos 1\n:::",
        "    ::: photo 1\n    :::",
        "> ::: photo 1\n:::",
        ":::: photo 1",
        "::: video 1\n:::",
        "text ::: photo 1",
    ] {
        assert!(prepare(src).expect("valid body").photos.is_empty(), "{src}");
    }
}

#[test]
fn photo_inside_code_stays_code() {
    for src in [
        "```\n::: photo 1\n:::\n```",
        "~~~~ text\n::: photo 1\n```\n::: photo 2\n~~~~",
        "- ```\n::: photo 1\n  ```",
        "> ```\n> ::: photo 1",
    ] {
        assert!(prepare(src).expect("valid body").photos.is_empty(), "{src}");
    }
    // After the fence closes, photos count again; an inline code span is not a fence.
    assert_eq!(
        prepare("```\nx\n```\n::: photo 1\n:::")
            .expect("valid body")
            .photos
            .len(),
        1
    );
    assert_eq!(
        prepare("``` a`b\n::: photo 1\n:::")
            .expect("valid body")
            .photos
            .len(),
        1
    );
}

#[test]
fn missing_reference() {
    assert_eq!(
        err("x\n::: photo\n:::"),
        MarkupError::PhotoMissingRef { line: 2 }
    );
}

#[test]
fn bad_references() {
    for reference in [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//evil.example/x.jpg",
        "ftp://x/y.jpg",
        "media:abc",
        "media:",
        "0",
        "99999999999999999999",
        "x.jpg",
        "42 43",
    ] {
        let e = err(&format!("::: photo {reference}\nalt: a\nsize: 1x1\n:::"));
        assert!(
            matches!(e, MarkupError::PhotoBadRef { line: 1, .. }),
            "{reference}: {e:?}"
        );
    }
}

#[test]
fn bad_reference_is_shortened_in_the_message() {
    let long = format!("javascript:{}", "a".repeat(200));
    let e = err(&format!("::: photo {long}\n:::"));
    assert!(e.to_string().len() < 200, "{e}");
}

#[test]
fn unclosed_blocks() {
    assert_eq!(
        err("a\n\n::: photo 1\nalt: x"),
        MarkupError::PhotoUnclosed { line: 3 }
    );
    assert_eq!(
        err("::: photo 1\nalt: x\n::: photo 2\n:::"),
        MarkupError::PhotoUnclosed { line: 1 }
    );
}

#[test]
fn lines_that_are_not_key_value() {
    assert_eq!(
        err("::: photo 1\njust words\n:::"),
        MarkupError::PhotoBadLine { line: 2 }
    );
    assert_eq!(
        err("::: photo 1\n: value\n:::"),
        MarkupError::PhotoBadLine { line: 2 }
    );
    assert_eq!(
        err("::: photo 1\nal t: x\n:::"),
        MarkupError::PhotoBadLine { line: 2 }
    );
}

#[test]
fn unknown_keys() {
    let e = err("::: photo 1\nagency: Reuters\n:::");
    assert!(matches!(&e, MarkupError::PhotoUnknownKey { line: 2, key, .. } if key == "agency"));
    assert!(e.to_string().contains("media library"), "{e}");
    let e = err("::: photo 1\nsize: 1x1\n:::");
    assert!(matches!(e, MarkupError::PhotoUnknownKey { line: 2, .. }));
    let e = err("::: photo /x.jpg\nalt: a\nsize: 1x1\ncolour: red\n:::");
    assert!(matches!(&e, MarkupError::PhotoUnknownKey { line: 4, key, .. } if key == "colour"));
}

#[test]
fn duplicate_keys() {
    let e = err("::: photo 1\nalt: a\nALT: b\n:::");
    assert!(matches!(&e, MarkupError::PhotoDuplicateKey { line: 3, key } if key == "alt"));
}

#[test]
fn file_photo_needs_alt_and_size() {
    assert_eq!(
        err("\n::: photo /x.jpg\nsize: 1x1\n:::"),
        MarkupError::PhotoNeedsAlt { line: 2 }
    );
    assert_eq!(
        err("::: photo /x.jpg\nsize: 1x1\nalt:   \n:::"),
        MarkupError::PhotoEmptyAlt { line: 3 }
    );
    assert_eq!(
        err("::: photo /x.jpg\nalt: a\n:::"),
        MarkupError::PhotoNeedsSize { line: 1 }
    );
}

#[test]
fn bad_sizes() {
    for size in [
        "", "1600", "1600x", "x900", "0x900", "1600x0", "-1x2", "1.5x2", "30000x10", "axb", "1x2x3",
    ] {
        let e = err(&format!("::: photo /x.jpg\nalt: a\nsize: {size}\n:::"));
        assert!(
            matches!(e, MarkupError::PhotoBadSize { line: 3, .. }),
            "{size}: {e:?}"
        );
    }
    assert_eq!(parse_size("1600×900"), Some((1600, 900)));
    assert_eq!(parse_size(" 20000 X 1 "), Some((20000, 1)));
}

#[test]
fn the_message_an_editor_sees() {
    assert_eq!(
        err("\n\n\n\n\n\n\n\n\n\n\n::: photo /x.jpg\nsize: 1x1\n:::").to_string(),
        "line 12: a photo needs an `alt:` line"
    );
}
