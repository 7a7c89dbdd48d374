//! The display name kept for a photo's file.

use super::display_name;

#[test]
fn file_names_are_tidied_for_display() {
    for (raw, shown) in [
        ("harbour-at-dawn.jpg", Some("harbour-at-dawn.jpg")),
        ("Harbour at Dawn (1).JPG", Some("harbour-at-dawn-1.jpg")),
        (
            "C:\\Users\\ana\\Pictures\\IMG_0042.jpeg",
            Some("img_0042.jpeg"),
        ),
        (
            "https://cdn.example.com/2024/05/Quay%20side.png?w=1200#top",
            Some("quay-side.png"),
        ),
        ("../../etc/passwd", Some("passwd")),
        ("café–crème.webp", Some("café-crème.webp")),
        (".hidden.gif", Some("hidden.gif")),
        ("a\u{0}b\nc.jpg", Some("a-b-c.jpg")),
        ("%ff%fe.jpg", Some("ff-fe.jpg")),
        ("", None),
        ("/", None),
        ("?x=1", None),
        ("---", None),
    ] {
        assert_eq!(display_name(raw).as_deref(), shown, "{raw:?}");
    }
}

#[test]
fn a_long_name_is_cut_and_keeps_its_extension() {
    let long = format!("{}.jpg", "a".repeat(300));
    let shown = display_name(&long).expect("a name");
    assert_eq!(shown.chars().count(), 120);
    assert!(shown.ends_with("aaa.jpg"), "{shown}");
}
