use super::{Kind, news_language};
use dateline_store::feeds::SitemapKind;

#[test]
fn sitemap_file_names_parse_strictly() {
    assert_eq!(
        Kind::parse("articles-2.xml"),
        Some((Kind::Stored(SitemapKind::Articles), 2))
    );
    assert_eq!(Kind::parse("pages-1.xml"), Some((Kind::Pages, 1)));
    for bad in [
        "articles-0.xml",
        "articles-.xml",
        "articles-1",
        "articles-x.xml",
        "videos-1.xml",
        "articles-99999999999.xml",
        "articles--1.xml",
    ] {
        assert_eq!(Kind::parse(bad), None, "{bad}");
    }
}

#[test]
fn news_languages_are_iso_639_codes() {
    assert_eq!(news_language("en-GB"), "en");
    assert_eq!(news_language("fr"), "fr");
    assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
    assert_eq!(news_language("zh-CN"), "zh-cn");
    assert_eq!(news_language(""), "en");
}
