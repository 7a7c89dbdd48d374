//! Unit tests: READ MORE recognition; every accepted form and the near misses that must stay text.
//!
//! Tests here must never turn a near miss into a match without updating the editors' guide.

use super::*;

fn yes(line: &str) -> ArticleRef {
    match parse(line) {
        ReadMore::Yes(r) => r,
        other => panic!("{line:?} gave {other:?}"),
    }
}

fn path(p: &str) -> ArticleRef {
    ArticleRef::Path(p.to_owned())
}

#[test]
fn article_ids() {
    assert_eq!(yes("READ MORE: #123"), ArticleRef::Id(ArticleId(123)));
    assert_eq!(yes("READ MORE: 123"), ArticleRef::Id(ArticleId(123)));
    assert_eq!(yes("read more:#7"), ArticleRef::Id(ArticleId(7)));
    assert_eq!(
        yes("  Read   More  :   42  "),
        ArticleRef::Id(ArticleId(42))
    );
}

#[test]
fn site_paths_are_canonicalised() {
    let want = path("/section/2020/01/29/some-slug/");
    assert_eq!(yes("READ MORE: /section/2020/01/29/some-slug/"), want);
    assert_eq!(yes("READ MORE: /section/2020/01/29/some-slug"), want);
    assert_eq!(yes("READ MORE: /Section/2020/01/29/Some-Slug/"), want);
    assert_eq!(
        yes("READ MORE: /section/2020/01/29/some-slug/?utm_source=x#top"),
        want
    );
}

#[test]
fn absolute_urls_keep_only_the_path() {
    let want = path("/section/2020/01/29/some-slug/");
    assert_eq!(
        yes("READ MORE: https://any.host/section/2020/01/29/some-slug/"),
        want
    );
    assert_eq!(
        yes("READ MORE: http://other.example:8080/section/2020/01/29/some-slug"),
        want
    );
    assert_eq!(
        yes("READ MORE: <https://any.host/section/2020/01/29/some-slug/>"),
        want
    );
    assert_eq!(
        yes("READ MORE: HTTPS://any.host/section/2020/01/29/some-slug/"),
        want
    );
}

#[test]
fn short_links() {
    let want = ArticleRef::Short("abc2345".to_owned());
    assert_eq!(yes("READ MORE: /s/abc2345"), want);
    assert_eq!(yes("READ MORE: /s/ABC2345/"), want);
    assert_eq!(yes("READ MORE: https://host/s/abc2345"), want);
}

#[test]
fn not_read_more_at_all() {
    for line in [
        "Read the rest: 123",
        "READ MORE 123",
        "MORE: 123",
        "Reading more: 1",
        "",
    ] {
        assert_eq!(parse(line), ReadMore::No, "{line:?}");
    }
}

#[test]
fn read_more_with_something_else_after_it() {
    for line in [
        "READ MORE:",
        "READ MORE: the other story",
        "READ MORE: #0",
        "READ MORE: -5",
        "READ MORE: 123abc",
        "READ MORE: 99999999999999999999",
        "READ MORE: /section/2020/1/29/slug/",
        "READ MORE: /section/20/01/29/slug/",
        "READ MORE: /section/2020/01/29/",
        "READ MORE: /a/section/2020/01/29/slug/",
        "READ MORE: /section/2020/01/29/bad_slug/",
        "READ MORE: https:///section/2020/01/29/slug/",
        "READ MORE: https://host",
        "READ MORE: javascript:alert(1)",
        "READ MORE: /s/",
        "READ MORE: /s/abcdefgh",
        "READ MORE: /s/ab-cd",
        "READ MORE: #123 and more",
    ] {
        assert_eq!(parse(line), ReadMore::Unrecognised, "{line:?}");
    }
}

#[test]
fn data_ref_round_trip() {
    for r in [
        ArticleRef::Id(ArticleId(5)),
        path("/world/2021/02/03/x-y/"),
        ArticleRef::Short("k2m".to_owned()),
    ] {
        assert_eq!(from_data_ref(&to_data_ref(&r)), Some(r));
    }
    assert_eq!(to_data_ref(&ArticleRef::Id(ArticleId(123))), "id:123");
    for bad in [
        "",
        "id:",
        "id:x",
        "path:/etc/passwd",
        "short:<x>",
        "url:https://x",
        "javascript:x",
    ] {
        assert_eq!(from_data_ref(bad), None, "{bad}");
    }
}
