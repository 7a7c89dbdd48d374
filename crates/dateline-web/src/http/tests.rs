use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).expect("header"));
    }
    h
}

#[test]
fn negotiation_prefers_brotli_and_honours_q_zero() {
    assert_eq!(
        accepted(&headers(&[("accept-encoding", "gzip, deflate, br")])).best(),
        Encoding::Brotli
    );
    assert_eq!(
        accepted(&headers(&[("accept-encoding", "gzip")])).best(),
        Encoding::Gzip
    );
    assert_eq!(
        accepted(&headers(&[("accept-encoding", "br;q=0, gzip")])).best(),
        Encoding::Gzip
    );
    assert_eq!(
        accepted(&headers(&[("accept-encoding", "identity")])).best(),
        Encoding::Identity
    );
    assert_eq!(accepted(&headers(&[])).best(), Encoding::Identity);
    // Which ones, not only the best: a brotli-only client must never be sent gzip.
    assert_eq!(
        accepted(&headers(&[("accept-encoding", "br")])),
        Accepted {
            br: true,
            gzip: false
        }
    );
    assert_eq!(
        accepted(&headers(&[("accept-encoding", "*, gzip;q=0")])),
        Accepted {
            br: true,
            gzip: false
        }
    );
}

#[test]
fn conditional_requests_match_any_encoding_variant() {
    let lm = HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT");
    assert!(not_modified(
        &headers(&[("if-none-match", "\"abc-gz\"")]),
        "abc",
        &lm
    ));
    assert!(not_modified(
        &headers(&[("if-none-match", "W/\"abc\"")]),
        "abc",
        &lm
    ));
    assert!(!not_modified(
        &headers(&[("if-none-match", "\"abd\"")]),
        "abc",
        &lm
    ));
    assert!(not_modified(
        &headers(&[("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT")]),
        "abc",
        &lm
    ));
    assert!(!not_modified(
        &headers(&[("if-modified-since", "Wed, 21 Oct 2015 07:27:59 GMT")]),
        "abc",
        &lm
    ));
}

#[test]
fn csp_names_only_the_stream_origin() {
    let mut s = SiteSettings::default();
    assert!(content_security_policy(&s).contains("media-src 'self';"));
    s.live_stream_url = "https://radio.example.org:8443/live.mp3?x=1".into();
    assert!(
        content_security_policy(&s).contains("media-src 'self' https://radio.example.org:8443;")
    );
    s.live_stream_url = "javascript:alert(1)".into();
    assert!(content_security_policy(&s).contains("media-src 'self';"));
    s.live_stream_url = "https://evil.example; script-src *".into();
    assert!(!content_security_policy(&s).contains("script-src *"));
}

/// The usual ways past a hand-written `next` check: none may leave the site, and what stays
/// comes back as the path a browser would go to.
#[test]
fn issue_22_next_parameters_never_leave_the_site() {
    const BASE: &str = "https://news.example/";
    for bad in [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r/evil.example/",
        "\t//evil.example/",
        " //evil.example/",
        "\u{0}//evil.example/",
        "//evil.example/",
        "\\\\evil.example/",
        "/\\evil.example/",
        "\\/evil.example/",
        "\\/\\/evil.example/",
        "///evil.example/",
        "/.//evil.example/",
        "/x/..//evil.example/",
        "/%2e%2e//evil.example/",
        "//user@evil.example/",
        "//news.example@evil.example/",
        "https://evil.example/",
        "http://news.example/",
        "https://news.example:8443/",
        "//ｅｖｉｌ.example/",
        "//evil。example/",
        "//xn--e1afmkfd.example/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "\tjava\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http:evil.example",
        "https://user:pass@news.example/",
    ] {
        assert_eq!(same_site_path(BASE, bad), None, "{bad:?}");
    }
    for (good, path) in [
        ("/", "/"),
        ("/politics/2026/01/02/x/", "/politics/2026/01/02/x/"),
        ("/discussion/7/?page=2", "/discussion/7/?page=2"),
        ("/%2f%2fevil.example", "/%2f%2fevil.example"),
        ("/@evil.example", "/@evil.example"),
        ("https://news.example/a/?b=c", "/a/?b=c"),
        ("https:evil.example", "/evil.example"),
        ("/a/../b/", "/b/"),
        ("/ü/", "/%C3%BC/"),
    ] {
        assert_eq!(
            same_site_path(BASE, good).as_deref(),
            Some(path),
            "{good:?}"
        );
    }
    // Without a usable base address, paths are still paths and nothing else gets through.
    assert_eq!(same_site_path("", "/a/").as_deref(), Some("/a/"));
    assert_eq!(same_site_path("", "//evil.example/"), None);
}
