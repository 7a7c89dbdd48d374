//! Shared test helpers: a resolver that behaves like a small newsroom database, and a checker
//! that HTML contains nothing that could run script.
//!
//! The checker must never be weakened to make a test pass: it is the security property.

use dateline_core::media::Credit;
use dateline_core::{ArticleId, MediaId};
use dateline_markup::{ArticleRef, Photo, ReadMoreTarget, Resolver};

/// Knows articles 101 and 102 (by id, path or short code) and photos 7 and 8; article 103 is
/// withdrawn and photo 9 deleted (both resolve to None).
pub struct Newsroom;

impl Resolver for Newsroom {
    fn read_more(&self, r: &ArticleRef) -> Option<ReadMoreTarget> {
        const STORIES: [(&str, &str); 2] = [
            (
                "Saudi and Iranian ministers meet in Beijing",
                "/middle-east/2023/03/10/saudi-iran-beijing/",
            ),
            (
                "Oil prices fall as demand \"weakens\" <analysis>",
                "/business/2020/01/29/oil-prices-fall/",
            ),
        ];
        let (headline, url) = match r {
            ArticleRef::Id(ArticleId(101)) => STORIES[0],
            ArticleRef::Short(s) if s == "k2m7x9q" => STORIES[0],
            ArticleRef::Id(ArticleId(102)) => STORIES[1],
            ArticleRef::Path(p) if p == STORIES[1].1 => STORIES[1],
            _ => return None,
        };
        Some(ReadMoreTarget {
            headline: headline.to_owned(),
            url: url.to_owned(),
        })
    }

    fn photo(&self, id: MediaId) -> Option<Photo> {
        let hash = match id.0 {
            7 => "3f9a0c1b2d4e5f60",
            8 => "aa00bb11cc22dd33",
            _ => return None,
        };
        let srcset = [320, 640, 1024, 1600]
            .iter()
            .map(|w| format!("/media/{hash}-{w}.jpg {w}w"))
            .collect::<Vec<_>>()
            .join(", ");
        // Photo 7 has AVIF and WebP variants; photo 8 (kept before them) has none.
        let sources = if id.0 == 7 {
            ["avif", "webp"]
                .iter()
                .map(|ext| {
                    (
                        format!("image/{ext}"),
                        srcset.replace(".jpg", &format!(".{ext}")),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(Photo {
            src: format!("/media/{hash}-1024.jpg"),
            srcset,
            sources,
            width: 1024,
            height: 683,
            alt: format!("Library alt text for photo {}", id.0),
            caption: if id.0 == 7 {
                "Delegations at the talks in Beijing".to_owned()
            } else {
                String::new()
            },
            credit: Credit::new(
                "Reuters",
                "Bandar Algaloud",
                if id.0 == 7 { "Saudi Royal Court" } else { "" },
            ),
        })
    }
}

/// Tags the renderer and `fill` may produce.
const TAGS: &[&str] = &[
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "aside",
    "figure",
    "figcaption",
    "picture",
    "source",
    "img",
    "span",
    "dateline-readmore",
    "dateline-photo",
];

/// Panics unless `html` is free of active content: every `<` opens a known tag, there is no
/// script, no event-handler attribute, and every URL attribute is http(s), mailto or relative.
/// Text may harmlessly *mention* `onerror=` or `javascript:`; only tags are judged.
pub fn assert_safe(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "script in {html}");
    for tag in html.split('<').skip(1) {
        let end = tag
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {html}"));
        let tag = &tag[..end];
        let name_end = tag.find(' ').unwrap_or(tag.len());
        let name = tag[..name_end].trim_start_matches('/');
        assert!(TAGS.contains(&name), "unexpected tag <{tag}> in {html}");
        let mut rest = &tag[name_end..];
        while let Some(eq) = rest.find('=') {
            let attr = rest[..eq].trim().to_ascii_lowercase();
            assert!(!attr.starts_with("on"), "event handler in <{tag}>");
            assert!(
                !attr.contains(|c: char| c.is_whitespace() || c == '"'),
                "malformed attribute in <{tag}>"
            );
            let value = rest[eq + 1..]
                .strip_prefix('"')
                .unwrap_or_else(|| panic!("unquoted attribute in <{tag}>"));
            let close = value
                .find('"')
                .unwrap_or_else(|| panic!("unterminated attribute in <{tag}>"));
            let decoded = decode(&value[..close]);
            if matches!(attr.as_str(), "href" | "src" | "srcset") {
                // As a browser reads it: tabs and newlines anywhere and leading spaces and
                // controls do not count.
                let squashed: String = decoded
                    .trim_start_matches(|c: char| c <= ' ')
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .to_ascii_lowercase();
                // Script schemes are refused anywhere in a URL (think redirect parameters)…
                for bad in ["javascript:", "vbscript:"] {
                    assert!(!squashed.contains(bad), "{bad} in <{tag}>");
                }
                // …other dangerous schemes as the scheme.
                for bad in ["data:", "file:"] {
                    assert!(!squashed.starts_with(bad), "{bad} URL in <{tag}>");
                }
            }
            rest = &value[close + 1..];
        }
        assert!(rest.trim().is_empty(), "stray text in <{tag}>");
    }
}

/// Enough entity decoding to see through an attempt to hide a scheme.
fn decode(s: &str) -> String {
    let mut out = s
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ");
    for (i, c) in [(58, ':'), (106, 'j')] {
        out = out.replace(&format!("&#{i};"), &c.to_string());
    }
    out.replace("&amp;", "&")
}
