//! Unit tests: view-time filling of placeholders that are present, missing, hostile or malformed.
//!
//! Tests here must never rely on a resolver being well-behaved; the stubs here are deliberately
//! hostile.

use super::*;
use crate::{ArticleRef, Photo, ReadMoreTarget};
use dateline_core::ArticleId;
use dateline_core::media::Credit;

/// Knows article 1 / `short:k2m` and photo 9; everything else is missing.
struct Stub {
    headline: String,
    url: String,
    photo: Photo,
}

impl Default for Stub {
    fn default() -> Self {
        Self {
            headline: "Talks resume in Riyadh".into(),
            url: "/world/2020/01/29/talks/".into(),
            photo: Photo {
                src: "/media/abc-1024.jpg".into(),
                srcset: "/media/abc-320.jpg 320w, /media/abc-1024.jpg 1024w".into(),
                sources: Vec::new(),
                width: 1024,
                height: 683,
                alt: "Library alt".into(),
                caption: "Library caption".into(),
                credit: Credit::new("Reuters", "Bandar Algaloud", "Saudi Royal Court"),
            },
        }
    }
}

impl Resolver for Stub {
    fn read_more(&self, r: &ArticleRef) -> Option<ReadMoreTarget> {
        matches!(r, ArticleRef::Id(ArticleId(1))).then(|| ReadMoreTarget {
            headline: self.headline.clone(),
            url: self.url.clone(),
        })
    }
    fn photo(&self, id: MediaId) -> Option<Photo> {
        (id == MediaId(9)).then(|| self.photo.clone())
    }
}

#[test]
fn read_more_present() {
    let html = "<p>a</p>\n<dateline-readmore data-ref=\"id:1\"></dateline-readmore>\n<p>b</p>";
    assert_eq!(
        fill(html, &Stub::default()),
        "<p>a</p>\n<aside class=\"read-more\"><a href=\"/world/2020/01/29/talks/\"><span class=\"read-more-label\">READ MORE:</span> Talks resume in Riyadh</a></aside>\n<p>b</p>"
    );
}

#[test]
fn read_more_missing_disappears() {
    let html = "<p>a</p><dateline-readmore data-ref=\"id:2\"></dateline-readmore><p>b</p>";
    assert_eq!(fill(html, &Stub::default()), "<p>a</p><p>b</p>");
    let html = "<dateline-readmore data-ref=\"nonsense\"></dateline-readmore>";
    assert_eq!(fill(html, &Stub::default()), "");
}

#[test]
fn read_more_escapes_headline_and_url() {
    let stub = Stub {
        headline: "<script>alert(\"x\")</script> & 'more'".into(),
        url: "/a?b=1&c=\"><script>".into(),
        ..Stub::default()
    };
    let out = fill(
        "<dateline-readmore data-ref=\"id:1\"></dateline-readmore>",
        &stub,
    );
    assert_eq!(
        out,
        "<aside class=\"read-more\"><a href=\"/a?b=1&amp;c=&quot;&gt;&lt;script&gt;\"><span class=\"read-more-label\">READ MORE:</span> &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'more'</a></aside>"
    );
}

#[test]
fn read_more_with_unsafe_url_disappears() {
    for url in [
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "",
    ] {
        let stub = Stub {
            url: url.into(),
            ..Stub::default()
        };
        assert_eq!(
            fill(
                "<dateline-readmore data-ref=\"id:1\"></dateline-readmore>",
                &stub
            ),
            "",
            "{url}"
        );
    }
}

#[test]
fn photo_from_library() {
    let out = fill(
        "<dateline-photo data-media=\"9\"></dateline-photo>",
        &Stub::default(),
    );
    assert_eq!(
        out,
        "<figure class=\"photo\"><img src=\"/media/abc-1024.jpg\" srcset=\"/media/abc-320.jpg 320w, /media/abc-1024.jpg 1024w\" sizes=\"(min-width: 48rem) 46rem, calc(100vw - 2rem)\" width=\"1024\" height=\"683\" alt=\"Library alt\" loading=\"lazy\" decoding=\"async\"><figcaption><span class=\"caption\">Library caption</span> <span class=\"credit\">© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court</span></figcaption></figure>"
    );
}

#[test]
fn photo_with_avif_and_webp_is_a_picture() {
    let mut stub = Stub::default();
    stub.photo.sources = vec![
        (
            "image/avif".into(),
            "/media/abc-320.avif 320w, /media/abc-1024.avif 1024w".into(),
        ),
        ("image/webp".into(), "/media/abc-320.webp 320w".into()),
        // Neither a type the page offers nor a safe srcset: left out.
        ("text/html".into(), "/media/abc-320.html 320w".into()),
        ("image/webp".into(), "javascript:alert(1) 320w".into()),
    ];
    let out = fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub);
    let sizes = "sizes=\"(min-width: 48rem) 46rem, calc(100vw - 2rem)\"";
    assert!(
        out.starts_with(&format!(
            "<figure class=\"photo\"><picture><source type=\"image/avif\" srcset=\"/media/abc-320.avif 320w, /media/abc-1024.avif 1024w\" {sizes}><source type=\"image/webp\" srcset=\"/media/abc-320.webp 320w\" {sizes}><img src=\"/media/abc-1024.jpg\" srcset=\"/media/abc-320.jpg 320w, /media/abc-1024.jpg 1024w\" {sizes} width=\"1024\" height=\"683\""
        )),
        "{out}"
    );
    assert!(
        out.contains("decoding=\"async\"></picture><figcaption>"),
        "{out}"
    );
    assert!(
        !out.contains("text/html") && !out.contains("javascript"),
        "{out}"
    );
    // With no usable srcset there is no picture either: the plain src alone.
    stub.photo.srcset = "javascript:alert(1) 1w".into();
    let out = fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub);
    assert!(!out.contains("<picture>") && !out.contains("avif"), "{out}");
}

#[test]
fn photo_overrides_from_the_placeholder() {
    let out = fill(
        "<dateline-photo data-media=\"9\" data-alt=\"Own &quot;alt&quot;\" data-caption=\"Own &lt;caption&gt; &amp; more\"></dateline-photo>",
        &Stub::default(),
    );
    assert!(out.contains("alt=\"Own &quot;alt&quot;\""), "{out}");
    assert!(
        out.contains("<span class=\"caption\">Own &lt;caption&gt; &amp; more</span>"),
        "{out}"
    );
}

#[test]
fn photo_missing_disappears() {
    let html = "<p>a</p><dateline-photo data-media=\"10\"></dateline-photo><dateline-photo data-media=\"x\"></dateline-photo><p>b</p>";
    assert_eq!(fill(html, &Stub::default()), "<p>a</p><p>b</p>");
}

#[test]
fn photo_escapes_hostile_library_fields() {
    let mut stub = Stub::default();
    stub.photo.alt = "\" onerror=\"alert(1)".into();
    stub.photo.caption = "<script>alert(1)</script>".into();
    stub.photo.credit.agency = "<img src=x onerror=alert(1)>".into();
    let out = fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub);
    assert!(
        out.contains("alt=\"&quot; onerror=&quot;alert(1)\""),
        "{out}"
    );
    assert!(
        out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{out}"
    );
    assert!(
        out.contains("© &lt;IMG SRC=X ONERROR=ALERT(1)&gt;"),
        "{out}"
    );
    assert_eq!(out.matches('<').count(), 9, "{out}");
}

#[test]
fn photo_with_unsafe_sources() {
    let mut stub = Stub::default();
    stub.photo.srcset = "/a.jpg 320w, javascript:alert(1) 640w".into();
    let out = fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub);
    assert!(!out.contains("srcset") && !out.contains("sizes"), "{out}");
    assert!(out.contains("src=\"/media/abc-1024.jpg\""), "{out}");

    stub.photo.src = "javascript:alert(1)".into();
    assert_eq!(
        fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub),
        ""
    );
}

#[test]
fn figcaption_parts_are_omitted_when_empty() {
    let mut stub = Stub::default();
    stub.photo.srcset.clear();
    stub.photo.caption.clear();
    let out = fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub);
    assert!(!out.contains("srcset") && !out.contains("sizes"), "{out}");
    assert!(out.contains("<figcaption><span class=\"credit\">"), "{out}");

    stub.photo.credit = Credit::default();
    let out = fill("<dateline-photo data-media=\"9\"></dateline-photo>", &stub);
    assert!(!out.contains("figcaption"), "{out}");
    assert!(out.ends_with("decoding=\"async\"></figure>"), "{out}");

    // An empty caption override hides the library caption.
    let stub = Stub::default();
    let out = fill(
        "<dateline-photo data-media=\"9\" data-caption=\"\"></dateline-photo>",
        &stub,
    );
    assert!(out.contains("<figcaption><span class=\"credit\">"), "{out}");
}

#[test]
fn everything_else_passes_through() {
    let html = "<p>a &lt;dateline-photo&gt; b</p><figure class=\"photo\"><img src=\"/x.jpg\"></figure><dateline-other x=\"1\"></dateline-other><dateline-photo broken";
    assert_eq!(fill(html, &Stub::default()), html);
    assert_eq!(fill("", &Stub::default()), "");
    assert_eq!(fill("<dateline-", &Stub::default()), "<dateline-");
}

#[test]
fn many_placeholders_in_a_long_body() {
    let para =
        "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n";
    let mut html = String::new();
    for i in 0..100 {
        html.push_str(para);
        if i % 10 == 0 {
            html.push_str("<dateline-readmore data-ref=\"id:1\"></dateline-readmore>\n<dateline-photo data-media=\"9\"></dateline-photo>\n");
        }
    }
    let out = fill(&html, &Stub::default());
    assert_eq!(out.matches("<aside class=\"read-more\">").count(), 10);
    assert_eq!(out.matches("<figure class=\"photo\">").count(), 10);
    assert!(!out.contains("<dateline-"));
}

#[test]
fn first_photo_is_the_first_library_photo_placeholder() {
    let html = "<p>One.</p><dateline-readmore data-ref=\"id:1\"></dateline-readmore>\
                <dateline-photo data-media=\"12\"></dateline-photo>\
                <dateline-photo data-media=\"7\"></dateline-photo>";
    assert_eq!(first_photo(html), Some(MediaId(12)));
    assert_eq!(first_photo("<p>No photo.</p>"), None);
}

#[test]
fn first_paragraph_is_text_decoded_and_cut_at_a_word() {
    let html = "<h2>Head</h2><p>  </p><p>Ships &amp; <em>boats</em> returned \
                <a href=\"/x\">home</a>.</p><p>Second.</p>";
    assert_eq!(
        first_paragraph(html, 200).as_deref(),
        Some("Ships & boats returned home.")
    );
    assert_eq!(first_paragraph(html, 14).as_deref(), Some("Ships & boats…"));
    assert_eq!(first_paragraph("<h2>Only a head</h2>", 200), None);
}

#[test]
fn first_image_eager_changes_only_the_first_image() {
    let two = "<p>a &lt;img b</p><figure class=\"photo\"><picture><source type=\"image/avif\" \
               srcset=\"/x.avif 320w\" sizes=\"100vw\"><img src=\"/x.jpg\" alt=\"1 > 0\" \
               loading=\"lazy\" decoding=\"async\"></picture></figure>\
               <figure class=\"photo\"><img src=\"/y.jpg\" alt=\"\" loading=\"lazy\" \
               decoding=\"async\"></figure>";
    let out = first_image_eager(two);
    assert_eq!(
        out,
        two.replacen(" loading=\"lazy\"", "", 1),
        "the first image is eager, the second stays lazy"
    );
    assert_eq!(out.matches("loading=\"lazy\"").count(), 1);
    assert!(out.contains("<img src=\"/y.jpg\" alt=\"\" loading=\"lazy\""));
    // A first image that is eager already, an `<imgx>` element and no image: unchanged.
    let eager = "<img src=\"/a.jpg\"><img src=\"/b.jpg\" loading=\"lazy\">";
    assert_eq!(first_image_eager(eager), eager);
    assert_eq!(
        first_image_eager("<imgx loading=\"lazy\">"),
        "<imgx loading=\"lazy\">"
    );
    assert_eq!(first_image_eager("<p>text</p>"), "<p>text</p>");
    // A lazy attribute beyond the first tag is not the first image's.
    let quoted = "<img alt=\"a > b\" src=\"/a.jpg\"><img loading=\"lazy\">";
    assert_eq!(first_image_eager(quoted), quoted);
}
