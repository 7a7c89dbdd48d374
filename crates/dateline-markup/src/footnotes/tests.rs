//! Unit tests: footnote markers, ids and the notes' markup.
//!
//! Tests here must never change the markup shapes without the theme's CSS changing too.

use super::*;

#[test]
fn marker_sequence() {
    let got: Vec<String> = (1..=9).map(marker).collect();
    assert_eq!(got, ["*", "**", "***", "†", "‡", "§", "7", "8", "9"]);
}

#[test]
fn ids_are_safe_slugs() {
    let mut ids = IdMaker::default();
    assert_eq!(ids.make("daesh"), "daesh");
    assert_eq!(ids.make("Two Words"), "two-words");
    assert_eq!(ids.make("\"><script>"), "script");
    assert_eq!(ids.make("дайш"), "note");
    assert_eq!(ids.make("---"), "note-2");
    assert_eq!(ids.make("two_words"), "two-words-2");
    let long = ids.make(&"a-".repeat(100));
    assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
}

#[test]
fn reference_markup() {
    let mut out = String::new();
    push_reference(&mut out, "daesh", "*", 1);
    assert_eq!(
        out,
        r##"<sup class="fn-ref"><a href="#fn-daesh" id="fnref-daesh" aria-describedby="footnotes-label">*</a></sup>"##
    );
    out.clear();
    push_reference(&mut out, "daesh", "*", 2);
    assert!(out.contains(r#"id="fnref-daesh-2""#), "{out}");
    assert!(out.contains("href=\"#fn-daesh\""), "{out}");
}

#[test]
fn aside_markup() {
    let mut out = String::new();
    push_aside(&mut out, &[]);
    assert_eq!(out, "");
    push_aside(
        &mut out,
        &[RenderedNote {
            id: "daesh".into(),
            marker: "*".into(),
            html: "Daesh (IS) is a terrorist group banned in many countries\n".into(),
        }],
    );
    assert_eq!(
        out,
        concat!(
            r#"<aside class="footnotes" aria-labelledby="footnotes-label"><h2 id="footnotes-label" class="visually-hidden">Notes</h2>"#,
            r##"<p id="fn-daesh" class="footnote"><span class="fn-mark">*</span>Daesh (IS) is a terrorist group banned in many countries <a href="#fnref-daesh" class="fn-back" aria-label="Back to text">↩</a></p></aside>"##,
            "\n"
        )
    );
}
