//! The WordPress body conversion: what each kind of markup becomes in the dialect.

use super::*;

#[test]
fn classic_paragraphs_headings_lists_quotes_and_emphasis() {
    let c = convert(
        "First <strong>bold</strong> and <em>soft</em> with a \
         <a href=\"https://example.com/x\">link</a>.\n\nSecond line.\n\n<h2>Heading</h2>\n\n\
         <ul><li>One</li><li>Two</li></ul>\n\n<blockquote>Said it.</blockquote>",
    );
    assert_eq!(
        c.markdown,
        "First **bold** and *soft* with a [link](https://example.com/x).\n\nSecond line.\n\n\
         # Heading\n\n- One\n- Two\n\n> Said it."
    );
    assert!(c.unknown.is_empty(), "{:?}", c.unknown);
}

#[test]
fn gutenberg_blocks_and_captions_become_photo_blocks() {
    let c = convert(
        "<!-- wp:paragraph -->\n<p>Text.</p>\n<!-- /wp:paragraph -->\n\n\
         <!-- wp:image {\"id\":7} -->\n<figure class=\"wp-block-image\"><img src=\"https://old.example/a.jpg\" \
         alt=\"A harbour\" width=\"800\" height=\"600\"/><figcaption>Boats at dawn © REUTERS / Ann Lee</figcaption></figure>\n\
         <!-- /wp:image -->\n\n<!-- wp:jetpack/slideshow -->\n<p>x</p>\n<!-- /wp:jetpack/slideshow -->",
    );
    assert!(c.markdown.starts_with("Text.\n\n::: photo https://old.example/a.jpg\nalt: A harbour\nsize: 800x600\ncaption: Boats at dawn\nagency: REUTERS\nphotographer: Ann Lee\n:::"), "{}", c.markdown);
    assert_eq!(c.unknown, ["<!-- wp:jetpack/slideshow -->"]);
}

#[test]
fn shortcodes_caption_gallery_and_unknown() {
    let c = convert(
        "[caption id=\"attachment_5\" width=\"640\"]<img src=\"https://old.example/b.jpg\" alt=\"Pier\" \
         width=\"640\" height=\"480\" /> The pier[/caption]\n\nAfter. [gallery ids=\"5,6\"] [contact-form-7 id=\"3\"]",
    );
    assert!(
        c.markdown.contains(
            "::: photo https://old.example/b.jpg\nalt: Pier\nsize: 640x480\ncaption: The pier\n:::"
        ),
        "{}",
        c.markdown
    );
    assert!(
        c.unknown.contains(&"[gallery]".to_owned()),
        "{:?}",
        c.unknown
    );
    assert!(
        c.unknown.contains(&"[contact-form-7]".to_owned()),
        "{:?}",
        c.unknown
    );
}

#[test]
fn scripts_never_come_through() {
    let c = convert(
        "<p>Hi</p><script>alert(1)</script><iframe src=\"https://video.example/1\"></iframe>",
    );
    assert!(!c.markdown.contains("alert"), "{}", c.markdown);
    assert!(
        c.markdown.contains("<https://video.example/1>"),
        "{}",
        c.markdown
    );
    assert!(c.unknown.contains(&"<script>".to_owned()));
}
