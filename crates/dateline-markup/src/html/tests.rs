//! Unit tests: HTML escaping, entity decoding and URL checks.
//!
//! Tests here must never weaken an assertion to make a change pass; each case is an attack or a
//! real address.

use super::*;

fn text(s: &str) -> String {
    let mut out = String::new();
    push_text(&mut out, s);
    out
}

fn attr(s: &str) -> String {
    let mut out = String::new();
    push_attr(&mut out, s);
    out
}

#[test]
fn text_escapes_markup_but_not_quotes() {
    assert_eq!(
        text("a < b && \"c\" > d"),
        "a &lt; b &amp;&amp; \"c\" &gt; d"
    );
    assert_eq!(text("non\u{a0}breaking"), "non&nbsp;breaking");
    assert_eq!(text("plain"), "plain");
}

#[test]
fn attr_escapes_quotes_and_angle_brackets() {
    assert_eq!(attr("\" onerror=\"x"), "&quot; onerror=&quot;x");
    assert_eq!(attr("<script>"), "&lt;script&gt;");
}

#[test]
fn unescape_reverses_attr_escaping() {
    for s in ["a&b", "<\"x\">", "plain", "é & ü\u{a0}", "&amp;lt;"] {
        assert_eq!(unescape(&attr(s)), s);
    }
    assert_eq!(unescape("&#39;&#x41;&apos;"), "'A'");
    assert_eq!(unescape("&bogus; & &"), "&bogus; & &");
    assert_eq!(unescape("&#xFFFFFFFF;"), "&#xFFFFFFFF;");
}

#[test]
fn links_allow_web_mail_and_relative_only() {
    for ok in [
        "https://example.com/",
        "HTTP://example.com",
        "mailto:desk@example.com",
        "/world/2020/01/29/x/",
        "#fn-a",
        "page?x=a:b",
        "",
    ] {
        assert!(is_safe_link(ok), "{ok}");
    }
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\u{1}javascript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
        "https://example.com/out?to=javascript:alert(1)",
        "/redirect?next=JavaScript%0A:x&u=vbscript:y",
    ] {
        assert!(!is_safe_link(bad), "{bad:?}");
    }
}

#[test]
fn absolute_web_links_are_recognised() {
    assert!(is_absolute_web("https://example.com"));
    assert!(is_absolute_web("http://example.com"));
    assert!(!is_absolute_web("/local"));
    assert!(!is_absolute_web("mailto:a@b"));
}

#[test]
fn image_sources_are_web_or_site_paths() {
    for ok in [
        "https://cdn.example.com/x.jpg",
        "http://x.test/a.png",
        "/media/abc-1600.jpg",
    ] {
        assert!(is_safe_image_src(ok), "{ok}");
    }
    for bad in [
        "",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//evil.example/x.jpg",
        "/\\evil.example/x.jpg",
        "https://",
        "https:///x",
        "media/x.jpg",
        "/media/a b.jpg",
        "/media/x.jpg?javascript:alert(1)",
    ] {
        assert!(!is_safe_image_src(bad), "{bad:?}");
    }
}

#[test]
fn srcset_needs_every_candidate_safe() {
    assert!(is_safe_srcset("/m/a-320.jpg 320w, /m/a-640.jpg 640w"));
    assert!(!is_safe_srcset(
        "/m/a-320.jpg 320w, javascript:alert(1) 640w"
    ));
    assert!(!is_safe_srcset("/m/a-320.jpg 320w,"));
    assert!(is_safe_srcset("/m/a.jpg, /m/b.jpg 2x, /m/c.jpg 1.5x"));
    // Descriptors are checked too: nothing but a width or density may follow the address.
    assert!(!is_safe_srcset("/m/a.jpg 320w javascript:alert(1)"));
    assert!(!is_safe_srcset("/m/a.jpg onerror=x"));
    assert!(!is_safe_srcset("/m/a.jpg 3.2.1x"));
}
