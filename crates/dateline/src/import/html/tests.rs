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
    // The gallery's attachments are not in the library here: listed, not dropped silently.
    assert!(
        c.missing_media
            .contains(&"attachment 6 (its file was not imported)".to_owned()),
        "{:?}",
        c.missing_media
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

#[test]
fn images_in_the_library_become_library_photo_blocks() {
    let mut lib = Library::default();
    lib.add(
        "20",
        "https://old.example/wp-content/uploads/2019/03/ferry.jpg",
        7,
    );
    lib.add("", "__GHOST_URL__/content/images/2023/01/gulls.jpg", 8);
    // By attachment class, by a resized copy's address, by a gallery's ids.
    let c = convert_with(
        "<figure class=\"wp-block-image\"><img src=\"https://cdn.example/x.jpg\" class=\"wp-image-20\" \
         alt=\"Ferry\"><figcaption>Arriving © Reuters / Ann Lee</figcaption></figure>\n\n\
         <p><img src=\"http://old.example/wp-content/uploads/2019/03/ferry-300x200.jpg\"></p>\n\n\
         [gallery ids=\"20,99\"]",
        &lib,
    );
    assert!(
        c.markdown
            .starts_with("::: photo 7\nalt: Ferry\ncaption: Arriving\n:::\n\n::: photo 7\n:::"),
        "{}",
        c.markdown
    );
    assert_eq!(
        c.credits,
        [(
            7,
            Credit::new("Reuters", "Ann Lee", "").with_printed("© Reuters / Ann Lee")
        )]
    );
    assert_eq!(
        c.missing_media,
        ["attachment 99 (its file was not imported)"]
    );
    // Ghost's cards: an image card, a gallery card (photos, then its caption), an HTML card.
    let c = convert_with(
        "<figure class=\"kg-card kg-image-card kg-card-hascaption\"><img src=\"__GHOST_URL__/content/images/size/w600/2023/01/gulls.jpg\" \
         class=\"kg-image\" alt=\"Gulls\" width=\"2000\" height=\"1333\"><figcaption><span>Gulls © AFP</span></figcaption></figure>\
         <figure class=\"kg-card kg-gallery-card\"><div class=\"kg-gallery-container\"><div class=\"kg-gallery-row\">\
         <div class=\"kg-gallery-image\"><img src=\"__GHOST_URL__/content/images/2023/01/gulls.jpg\" alt=\"\"></div>\
         </div></div><figcaption>Two views</figcaption></figure>",
        &lib,
    );
    assert_eq!(
        c.markdown,
        "::: photo 8\nalt: Gulls\ncaption: Gulls\n:::\n\n::: photo 8\ncaption: Two views\n:::"
    );
    assert_eq!(c.credits, [(8, Credit::new("AFP", "", ""))]);
}

#[test]
fn image_addresses_match_whatever_their_host_and_size() {
    assert_eq!(
        path_key("__GHOST_URL__/content/images/size/w1000/2023/01/a.jpg?v=1").as_deref(),
        Some("/content/images/2023/01/a.jpg")
    );
    assert_eq!(
        path_key("https://old.example/wp-content/uploads/a.jpg#x").as_deref(),
        Some("/wp-content/uploads/a.jpg")
    );
    assert_eq!(without_size("/u/name-300x200.jpg"), "/u/name.jpg");
    assert_eq!(without_size("/u/name-big.jpg"), "/u/name-big.jpg");
    assert_eq!(path_key("a.jpg"), None);
}

#[test]
fn ghost_bookmark_cards_become_links_and_gallery_credits_each_photo() {
    // As Ghost 5 renders them (tests/it/data/ghost): a bookmark card's icon and thumbnail are
    // the linked site's, not photos of the post.
    let bookmark = "<figure class=\"kg-card kg-bookmark-card\"><a class=\"kg-bookmark-container\" \
         href=\"https://ferries.example.org/timetable\"><div class=\"kg-bookmark-content\">\
         <div class=\"kg-bookmark-title\">Timetable</div><div class=\"kg-bookmark-description\">\
         All crossings, all week.</div><div class=\"kg-bookmark-metadata\"><img class=\"kg-bookmark-icon\" \
         src=\"https://ferries.example.org/favicon.png\" alt=\"\"></div></div><div class=\"kg-bookmark-thumbnail\">\
         <img src=\"https://ferries.example.org/ferry.jpg\" alt=\"\"></div></a></figure>";
    assert!(image_sources(bookmark).is_empty());
    let c = convert(bookmark);
    assert_eq!(
        c.markdown,
        "[Timetable](https://ferries.example.org/timetable): All crossings, all week."
    );
    assert_eq!(c.unknown, ["a Ghost bookmark card"]);
    assert!(c.missing_media.is_empty());

    let mut lib = Library::default();
    lib.add("", "__GHOST_URL__/content/images/2026/12/a.jpg", 1);
    lib.add("", "__GHOST_URL__/content/images/2026/12/b.jpg", 2);
    let c = convert_with(
        "<figure class=\"kg-card kg-gallery-card kg-width-wide kg-card-hascaption\"><div class=\"kg-gallery-container\">\
         <div class=\"kg-gallery-row\"><div class=\"kg-gallery-image\"><img src=\"__GHOST_URL__/content/images/2026/12/a.jpg\" \
         width=\"480\" height=\"320\" alt=\"A\"></div><div class=\"kg-gallery-image\"><img \
         src=\"__GHOST_URL__/content/images/2026/12/b.jpg\" width=\"480\" height=\"320\" alt=\"B\"></div></div></div>\
         <figcaption><span style=\"white-space: pre-wrap;\">The night of the storm © AP / Jon Mar</span></figcaption></figure>",
        &lib,
    );
    assert_eq!(
        c.markdown,
        "::: photo 1\nalt: A\n:::\n\n::: photo 2\nalt: B\n:::\n\nThe night of the storm"
    );
    let ap = Credit::new("AP", "Jon Mar", "");
    assert_eq!(c.credits, [(1, ap.clone()), (2, ap)]);
}
