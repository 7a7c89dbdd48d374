//! End-to-end tests of `render` (and `render` followed by `fill`) for every feature and error of
//! the dialect, as documented for editors in `docs/writing.md`.
//!
//! Tests here must never compare against comrak's own HTML: the output shapes are ours, and
//! the theme's CSS depends on them.

use super::*;
use crate::html::is_safe_link;

fn html(src: &str) -> String {
    render(src).unwrap_or_else(|e| panic!("{src:?}: {e}")).html
}

fn err(src: &str) -> MarkupError {
    render(src).expect_err(src)
}

#[test]
fn commonmark_basics() {
    assert_eq!(
        html("Some *em*, **strong** and `code`.\nNext line.  \nHard break."),
        "<p>Some <em>em</em>, <strong>strong</strong> and <code>code</code>.\nNext line.<br>\nHard break.</p>\n"
    );
    assert_eq!(
        html("> quoted"),
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
    );
    assert_eq!(html("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
    assert_eq!(
        html("3. a\n4. b"),
        "<ol start=\"3\">\n<li>a</li>\n<li>b</li>\n</ol>\n"
    );
    assert_eq!(
        html("- a\n\n- b"),
        "<ul>\n<li><p>a</p>\n</li>\n<li><p>b</p>\n</li>\n</ul>\n"
    );
    assert_eq!(
        html("```rust\nlet x = 1 < 2;\n```"),
        "<pre><code>let x = 1 &lt; 2;\n</code></pre>\n"
    );
    assert_eq!(html("a\n\n---\n\nb"), "<p>a</p>\n<hr>\n<p>b</p>\n");
    assert_eq!(html(""), "");
}

#[test]
fn gfm_extensions() {
    assert_eq!(html("~~gone~~"), "<p><del>gone</del></p>\n");
    assert_eq!(
        html("| a | b |\n|:-:|---|\n| 1 | 2 |"),
        "<table>\n<thead>\n<tr><th align=\"center\">a</th><th>b</th></tr>\n</thead>\n<tbody>\n<tr><td align=\"center\">1</td><td>2</td></tr>\n</tbody>\n</table>\n"
    );
    assert_eq!(
        html("See https://example.com/x and www.example.org."),
        "<p>See <a href=\"https://example.com/x\" rel=\"noopener\">https://example.com/x</a> and <a href=\"http://www.example.org\" rel=\"noopener\">www.example.org</a>.</p>\n"
    );
}

#[test]
fn straight_punctuation_becomes_typographic() {
    assert_eq!(
        html("\"Quotes\" -- and... 'these' --- it's 1990s-style"),
        "<p>\u{201c}Quotes\u{201d} \u{2013} and\u{2026} \u{2018}these\u{2019} \u{2014} it\u{2019}s 1990s-style</p>\n"
    );
}

#[test]
fn a_backslash_keeps_a_straight_quote_or_two_hyphens() {
    assert_eq!(
        html("5\\' 9\\\" tall, pages 3\\-\\-4"),
        "<p>5' 9\" tall, pages 3--4</p>\n"
    );
}

#[test]
fn code_and_urls_keep_the_straight_punctuation() {
    // A code span, a code block, a link's destination and a bare URL are what the editor
    // typed, character for character: a reader copies them.
    let out = html(
        "Run `echo \"it's\" -- x` now.\n\n```\nsay \"hi\" -- 'there'...\n```\n\n\
         [a](https://example.com/it's--here) and https://example.com/a--b's\n",
    );
    assert!(out.contains("<code>echo \"it's\" -- x</code>"), "{out}");
    assert!(out.contains("say \"hi\" -- 'there'...\n</code>"), "{out}");
    assert!(
        out.contains("href=\"https://example.com/it's--here\""),
        "{out}"
    );
    assert!(out.contains("href=\"https://example.com/a--b's\""), "{out}");
}

#[test]
fn headings_shift_down_one_level() {
    assert_eq!(
        html("# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six\n\nSetext\n======"),
        "<h2>One</h2>\n<h3>Two</h3>\n<h4>Three</h4>\n<h5>Four</h5>\n<h6>Five</h6>\n<h6>Six</h6>\n<h2>Setext</h2>\n"
    );
}

#[test]
fn links() {
    assert_eq!(
        html(
            "[site](/world/2020/01/29/x/) [ext](https://example.com/a?b=1&c=2) [mail](mailto:desk@example.com)"
        ),
        "<p><a href=\"/world/2020/01/29/x/\">site</a> <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener\">ext</a> <a href=\"mailto:desk@example.com\">mail</a></p>\n"
    );
    // No target attribute, ever.
    assert!(!html("[ext](https://example.com)").contains("target"));
}

#[test]
fn javascript_links_are_removed() {
    for src in [
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](<java\tscript:alert(1)>)",
        "[click](javascript&#58;alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
    ] {
        let out = html(src);
        assert!(
            !out.to_lowercase().contains("href=\"javascript") && !out.contains("href=\"data"),
            "{src}: {out}"
        );
        assert!(
            !out.contains("<a href=\"j") && !out.contains("<a href=\"v"),
            "{src}: {out}"
        );
    }
    assert_eq!(html("[click](javascript:alert(1))"), "<p>click</p>\n");
}

#[test]
fn raw_html_is_shown_as_text() {
    assert_eq!(
        html("Some <b>bold</b> here"),
        "<p>Some &lt;b&gt;bold&lt;/b&gt; here</p>\n"
    );
    assert_eq!(
        html("<script>alert(1)</script>"),
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    );
    assert_eq!(
        html("<div onclick=\"x()\">\n*hi*\n</div>"),
        "<p>&lt;div onclick=\"x()\"&gt;\n*hi*\n&lt;/div&gt;</p>\n"
    );
    assert_eq!(
        html("<!-- note to self -->"),
        "<p>&lt;!-- note to self --&gt;</p>\n"
    );
    assert_eq!(
        html("<img src=x onerror=alert(1)>"),
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"
    );
    assert_eq!(html("a &amp; b &lt; c"), "<p>a &amp; b &lt; c</p>\n");
}

#[test]
fn read_more_placeholders() {
    let r = render(concat!(
        "READ MORE: #123\n\n",
        "read more: 77\n\n",
        "READ MORE: /section/2020/01/29/some-slug\n\n",
        "READ MORE: https://any.host/section/2020/01/29/some-slug/\n\n",
        "READ MORE: /s/abc2345\n\n",
        "READ MORE: https://host/s/abc2345\n",
    ))
    .expect("valid body");
    assert_eq!(
        r.html,
        concat!(
            "<dateline-readmore data-ref=\"id:123\"></dateline-readmore>\n",
            "<dateline-readmore data-ref=\"id:77\"></dateline-readmore>\n",
            "<dateline-readmore data-ref=\"path:/section/2020/01/29/some-slug/\"></dateline-readmore>\n",
            "<dateline-readmore data-ref=\"path:/section/2020/01/29/some-slug/\"></dateline-readmore>\n",
            "<dateline-readmore data-ref=\"short:abc2345\"></dateline-readmore>\n",
            "<dateline-readmore data-ref=\"short:abc2345\"></dateline-readmore>\n",
        )
    );
    assert_eq!(
        r.references,
        [
            Reference::Article(ArticleRef::Id(ArticleId(123))),
            Reference::Article(ArticleRef::Id(ArticleId(77))),
            Reference::Article(ArticleRef::Path("/section/2020/01/29/some-slug/".into())),
            Reference::Article(ArticleRef::Short("abc2345".into())),
        ]
    );
    assert_eq!(r.text, "", "READ MORE lines are not body text");
    assert!(r.warnings.is_empty());
}

#[test]
fn read_more_in_a_list_or_quote() {
    assert_eq!(
        html("> READ MORE: 5"),
        "<blockquote>\n<dateline-readmore data-ref=\"id:5\"></dateline-readmore>\n</blockquote>\n"
    );
    assert_eq!(
        html("- READ MORE: 5"),
        "<ul>\n<li><dateline-readmore data-ref=\"id:5\"></dateline-readmore>\n</li>\n</ul>\n"
    );
}

#[test]
fn not_read_more_stays_a_paragraph() {
    let r = render("READ MORE: the full story\n\nREAD MORE: #1 and\nmore text\n\nWe read more: 5")
        .expect("valid body");
    assert_eq!(
        r.html,
        "<p>READ MORE: the full story</p>\n<p>READ MORE: #1 and\nmore text</p>\n<p>We read more: 5</p>\n"
    );
    assert!(r.references.is_empty());
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].starts_with("line 1: "), "{:?}", r.warnings);
}

#[test]
fn library_photo_placeholder() {
    let r = render("Before.\n::: photo 42\nalt: Text for \"screen\" readers\ncaption: <b>What</b> & why\n:::\nAfter.").expect("valid body");
    assert_eq!(
        r.html,
        concat!(
            "<p>Before.</p>\n",
            "<dateline-photo data-media=\"42\" data-alt=\"Text for &quot;screen&quot; readers\" data-caption=\"&lt;b&gt;What&lt;/b&gt; &amp; why\"></dateline-photo>\n",
            "<p>After.</p>\n"
        )
    );
    assert_eq!(r.references, [Reference::Media(MediaId(42))]);
    assert_eq!(r.text, "Before. After.");
}

#[test]
fn library_photo_without_overrides() {
    assert_eq!(
        html("::: photo media:7\n:::"),
        "<dateline-photo data-media=\"7\"></dateline-photo>\n"
    );
}

#[test]
fn photo_ends_a_list_or_quote() {
    assert_eq!(
        html("- item\n::: photo 1\n:::\n- item"),
        "<ul>\n<li>item</li>\n</ul>\n<dateline-photo data-media=\"1\"></dateline-photo>\n<ul>\n<li>item</li>\n</ul>\n"
    );
}

#[test]
fn file_photo_is_rendered_at_save_time() {
    let r = render(concat!(
        "::: photo https://cdn.example.com/x.jpg\n",
        "alt: Crowds \"gather\"\n",
        "caption: Crowds in <Riyadh>\n",
        "agency: Reuters\n",
        "photographer: Bandar Algaloud\n",
        "courtesy: Saudi Royal Court\n",
        "size: 1600x900\n",
        ":::\n",
    ))
    .expect("valid body");
    assert_eq!(
        r.html,
        "<figure class=\"photo\"><img src=\"https://cdn.example.com/x.jpg\" width=\"1600\" height=\"900\" alt=\"Crowds &quot;gather&quot;\" loading=\"lazy\" decoding=\"async\"><figcaption><span class=\"caption\">Crowds in &lt;Riyadh&gt;</span> <span class=\"credit\">© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court</span></figcaption></figure>\n"
    );
    assert!(r.references.is_empty());
}

#[test]
fn file_photo_without_caption_or_credit() {
    assert_eq!(
        html("::: photo /media/abc-1600.jpg\nalt: A\nsize: 4x3\n:::"),
        "<figure class=\"photo\"><img src=\"/media/abc-1600.jpg\" width=\"4\" height=\"3\" alt=\"A\" loading=\"lazy\" decoding=\"async\"></figure>\n"
    );
}

#[test]
fn photo_errors_carry_the_line() {
    let cases: [(&str, usize); 8] = [
        ("Intro\n\n::: photo javascript:alert(1)\n:::", 3),
        ("Intro\n\n::: photo\n:::", 3),
        ("Intro\n\n::: photo 4\nalt: x", 3),
        ("::: photo 4\nagency: x\n:::", 2),
        ("::: photo /x.jpg\nsize: 1x1\n:::", 1),
        ("::: photo /x.jpg\nalt: a\nsize: big\n:::", 3),
        ("::: photo /x.jpg\nalt: a\n:::", 1),
        ("::: photo 1\nnonsense\n:::", 2),
    ];
    for (src, line) in cases {
        let e = err(src);
        assert_eq!(e.line(), line, "{src}: {e}");
        assert!(e.to_string().starts_with(&format!("line {line}: ")), "{e}");
    }
}

#[test]
fn line_numbers_count_windows_line_endings_once() {
    let e = err("a\r\n\r\nb\r\n::: photo\r\n:::");
    assert_eq!(e.line(), 4);
    let e = err("a\r\r::: photo\r:::");
    assert_eq!(e.line(), 3);
}

#[test]
fn photo_swallowed_by_unclosed_html_is_an_error() {
    assert_eq!(
        err("<!-- never closed\n\n::: photo 1\n:::"),
        MarkupError::PhotoSwallowed { line: 3 }
    );
}

#[test]
fn typed_object_replacement_characters_are_not_tokens() {
    assert_eq!(html("\u{FFFC}0"), "<p>\u{FFFD}0</p>\n");
    assert_eq!(
        html("::: photo 1\n:::\n\n\u{FFFC}0"),
        "<dateline-photo data-media=\"1\"></dateline-photo>\n<p>\u{FFFD}0</p>\n"
    );
}

const NOTE_AT_END: &str = "Daesh[^daesh] is mentioned.\n\n[^daesh]: Daesh (IS) is a terrorist group banned in many countries\n";

#[test]
fn footnote_marker_and_note() {
    assert_eq!(
        html(NOTE_AT_END),
        concat!(
            "<p>Daesh<sup class=\"fn-ref\"><a href=\"#fn-daesh\" id=\"fnref-daesh\" aria-describedby=\"footnotes-label\">*</a></sup> is mentioned.</p>\n",
            "<aside class=\"footnotes\" aria-labelledby=\"footnotes-label\"><h2 id=\"footnotes-label\" class=\"visually-hidden\">Notes</h2>",
            "<p id=\"fn-daesh\" class=\"footnote\"><span class=\"fn-mark\">*</span>Daesh (IS) is a terrorist group banned in many countries <a href=\"#fnref-daesh\" class=\"fn-back\" aria-label=\"Back to text\">↩</a></p></aside>\n",
        )
    );
}

#[test]
fn footnote_markers_follow_first_reference_order() {
    let labels = ["g", "f", "e", "d", "c", "b", "a"];
    let mut src = String::new();
    for l in labels {
        src.push_str(&format!("x[^{l}] "));
    }
    src.push_str("and g again[^g].\n\n");
    // Defined in the opposite order to their use.
    for l in labels.iter().rev() {
        src.push_str(&format!("[^{l}]: Note {l}\n"));
    }
    let out = html(&src);
    let markers: Vec<&str> = out
        .split("aria-describedby=\"footnotes-label\">")
        .skip(1)
        .map(|s| &s[..s.find('<').expect("closing tag")])
        .collect();
    assert_eq!(markers, ["*", "**", "***", "†", "‡", "§", "7", "*"]);
    let notes: Vec<&str> = out
        .match_indices("<p id=\"fn-")
        .map(|(i, _)| &out[i + 10..i + 11])
        .collect();
    assert_eq!(notes, labels);
    assert!(
        out.contains("<span class=\"fn-mark\">7</span>Note a"),
        "{out}"
    );
    // The second reference to g has its own id but the same target.
    assert!(out.contains("<a href=\"#fn-g\" id=\"fnref-g-2\""), "{out}");
    assert_eq!(out.matches("id=\"fnref-g\"").count(), 1);
}

#[test]
fn footnote_labels_become_safe_ids() {
    let out = html("a[^Foo_Bar] b[^x&y]\n\n[^Foo_Bar]: one\n[^x&y]: two");
    assert!(
        out.contains("href=\"#fn-foo-bar\" id=\"fnref-foo-bar\""),
        "{out}"
    );
    assert!(out.contains("href=\"#fn-x-y\" id=\"fnref-x-y\""), "{out}");
    assert!(
        out.contains("<p id=\"fn-x-y\" class=\"footnote\">"),
        "{out}"
    );
}

#[test]
fn a_note_label_with_quotes_is_refused_by_name() {
    let err = render("a[^\"x\"]\n\n[^\"x\"]: two").expect_err("quotes in a label");
    assert_eq!(
        err.to_string(),
        "line 1: the note label `[^\"x\"]` has quotation marks or apostrophes in it; use letters, digits and hyphens, as in `[^un-report]`"
    );
}

#[test]
fn footnote_labels_match_case_insensitively() {
    let out = html("a[^Daesh]\n\n[^daesh]: note");
    assert!(
        out.contains("<span class=\"fn-mark\">*</span>note"),
        "{out}"
    );
}

#[test]
fn footnote_text_keeps_inline_formatting_and_is_sanitised() {
    let out = html(
        "a[^n]\n\n[^n]: See *this* and [that](https://example.com), not <b>raw</b> or [x](javascript:alert(1)).",
    );
    assert!(
        out.contains("See <em>this</em> and <a href=\"https://example.com\" rel=\"noopener\">that</a>, not &lt;b&gt;raw&lt;/b&gt; or x. <a href=\"#fnref-n\""),
        "{out}"
    );
}

#[test]
fn footnote_with_several_paragraphs() {
    let out = html("a[^n]\n\n[^n]: First.\n\n    Second.\n");
    assert!(
        out.contains("</span>First.<br>Second. <a href=\"#fnref-n\""),
        "{out}"
    );
}

#[test]
fn notes_referred_to_only_from_notes_are_kept() {
    let out = html("a[^one]\n\n[^one]: See also[^two].\n[^two]: Second.\n");
    assert!(
        out.contains(
            "<span class=\"fn-mark\">*</span>See also<sup class=\"fn-ref\"><a href=\"#fn-two\""
        ),
        "{out}"
    );
    assert!(
        out.contains("<span class=\"fn-mark\">**</span>Second."),
        "{out}"
    );
}

#[test]
fn undefined_note_is_an_error() {
    assert_eq!(
        err("Intro.\n\nDaesh[^daesh] is mentioned."),
        MarkupError::UndefinedNote {
            line: 3,
            label: "daesh".into()
        }
    );
    assert_eq!(
        err("a[^x]\n\n[^y]: y").to_string(),
        "line 1: the note `[^x]` is not defined; add a line `[^x]: …`, or write `\\[^x]` to show the brackets"
    );
    // Also inside notes, headings and list items.
    assert!(matches!(
        err("a[^y]\n\n[^y]: see [^z]"),
        MarkupError::UndefinedNote { line: 3, .. }
    ));
    assert!(matches!(
        err("# Title[^z]"),
        MarkupError::UndefinedNote { line: 1, .. }
    ));
}

#[test]
fn escaped_or_code_brackets_are_not_notes() {
    assert_eq!(html("Regex \\[^abc] here"), "<p>Regex [^abc] here</p>\n");
    assert_eq!(
        html("Regex `[^abc]` here"),
        "<p>Regex <code>[^abc]</code> here</p>\n"
    );
    assert_eq!(
        html("[^ spaced ] and [^] stay"),
        "<p>[^ spaced ] and [^] stay</p>\n"
    );
}

#[test]
fn unused_note_is_dropped_with_a_warning() {
    let r = render("Text.\n\n[^unused]: Never used.\n").expect("valid body");
    assert_eq!(r.html, "<p>Text.</p>\n");
    assert_eq!(
        r.warnings,
        ["line 3: the note [^unused] is never referred to in the text, so it is left out"]
    );
    assert_eq!(r.text, "Text.");
}

#[test]
fn duplicate_note_is_an_error() {
    assert_eq!(
        err("a[^n]\n\n[^n]: one\n\n[^N]: two"),
        MarkupError::DuplicateNote {
            line: 5,
            label: "N".into(),
            first: 3
        }
    );
}

#[test]
fn markdown_images_are_refused() {
    assert_eq!(
        err("Text\n\n![alt](https://example.com/x.jpg)"),
        MarkupError::ImageNotSupported { line: 3 }
    );
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let src = ">".repeat(5000) + " deep";
    assert!(matches!(err(&src), MarkupError::TooDeep { line: 1 }));
    let src = "- ".repeat(500) + "deep";
    assert!(matches!(err(&src), MarkupError::TooDeep { .. }));
    // Ordinary nesting is fine.
    html(&(">".repeat(20) + " fine"));
}

#[test]
fn plain_text_is_collapsed_and_skips_markup() {
    let r = render(concat!(
        "# Talks  resume\n\n",
        "Officials *met* in   Riyadh[^n] on\nMonday.\n\n",
        "- one\n- two\n\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n",
        "READ MORE: 5\n\n",
        "::: photo 3\ncaption: Not text\n:::\n\n",
        "[^n]: Not text either.\n",
    ))
    .expect("valid body");
    assert_eq!(
        r.text,
        "Talks resume Officials met in Riyadh on Monday. one two a b 1 2"
    );
}

#[test]
fn references_are_listed_once_in_order() {
    let r = render(
        "READ MORE: 2\n\n::: photo 9\n:::\n\nREAD MORE: #2\n\n::: photo 9\n:::\n\nREAD MORE: 1",
    )
    .expect("valid body");
    assert_eq!(
        r.references,
        [
            Reference::Article(ArticleRef::Id(ArticleId(2))),
            Reference::Media(MediaId(9)),
            Reference::Article(ArticleRef::Id(ArticleId(1))),
        ]
    );
}

/// Answers every lookup with hostile strings.
struct Hostile;

impl Resolver for Hostile {
    fn read_more(&self, _: &ArticleRef) -> Option<ReadMoreTarget> {
        Some(ReadMoreTarget {
            headline: "</a><script>alert(1)</script>\" onmouseover=\"x".into(),
            url: "/ok/\"><script>alert(2)</script>".into(),
        })
    }
    fn photo(&self, _: MediaId) -> Option<Photo> {
        Some(Photo {
            src: "/m/x.jpg\" onerror=\"alert(1)".into(),
            srcset: "/m/x.jpg 1w".into(),
            sources: vec![
                (
                    "image/avif\" onload=\"alert(5)".into(),
                    "/m/x.avif 1w".into(),
                ),
                (
                    "image/webp".into(),
                    "/m/x.webp 1w\" onload=\"alert(6)".into(),
                ),
            ],
            width: 1,
            height: 1,
            alt: "\"><script>alert(3)</script>".into(),
            caption: "<script>alert(4)</script>".into(),
            credit: dateline_core::media::Credit::new("<script>", "'\"", "&"),
        })
    }
}

#[test]
fn render_then_fill_escapes_hostile_resolver_strings() {
    let stored = html("READ MORE: 1\n\n::: photo 2\nalt: \"><script>alert(5)</script>\n:::");
    let out = fill(&stored, &Hostile);
    assert_no_active_content(&out);
    assert!(out.contains("<aside class=\"read-more\">"), "{out}");
    // The photo's src is not a clean address, so the figure is left out.
    assert!(!out.contains("<figure"), "{out}");
}

/// No script element, no event-handler attribute, no URL attribute with a scheme other than
/// http(s)/mailto, judged tag by tag (text may mention `onerror=` harmlessly).
fn assert_no_active_content(html: &str) {
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    for tag in html.split('<').skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        let mut rest = tag.trim_start_matches(|c: char| c != ' ');
        while let Some(eq) = rest.find('=') {
            let name = rest[..eq].trim().to_ascii_lowercase();
            assert!(!name.starts_with("on"), "event handler in {tag}");
            let after = &rest[eq + 1..];
            let value = after.strip_prefix('"').expect(tag);
            let end = value.find('"').expect(tag);
            let decoded = crate::html::unescape(&value[..end]);
            if matches!(name.as_str(), "href" | "src" | "srcset") {
                assert!(is_safe_link(&decoded), "unsafe URL in {tag}");
            }
            rest = &value[end + 1..];
        }
    }
}

struct Missing;

impl Resolver for Missing {
    fn read_more(&self, _: &ArticleRef) -> Option<ReadMoreTarget> {
        None
    }
    fn photo(&self, _: MediaId) -> Option<Photo> {
        None
    }
}

#[test]
fn render_then_fill_with_missing_targets() {
    let stored = html("Before.\n\nREAD MORE: 1\n\n::: photo 2\n:::\n\nAfter.");
    assert_eq!(
        fill(&stored, &Missing),
        "<p>Before.</p>\n\n\n<p>After.</p>\n"
    );
}
