use super::*;

#[test]
fn issue_22_documents_never_carry_c0_controls() {
    let raw = "<t a=\"x\u{1}y\">A\u{0}B\u{8}C\u{b}D\u{c}E\u{1b}F\u{1f}G\t\n\r é 漢 \u{7f}</t>";
    assert!(roxmltree::Document::parse(raw).is_err());
    let out = document(raw.as_bytes().to_vec(), "a test").expect("valid UTF-8");
    assert_eq!(out, "<t a=\"xy\">ABCDEFG\t\n\r é 漢 \u{7f}</t>");
    let doc = roxmltree::Document::parse(&out).expect("well-formed once cleaned");
    assert_eq!(doc.root_element().attribute("a"), Some("xy"));
    for c in (0u8..0x20).map(char::from) {
        let kept = strip_controls(&format!("a{c}b")).into_owned();
        if matches!(c, '\t' | '\n' | '\r') {
            assert_eq!(kept, format!("a{c}b"));
        } else {
            assert_eq!(kept, "ab", "{c:?}");
        }
    }
    // Nothing to drop: nothing copied.
    assert!(matches!(
        strip_controls("plain"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert!(document(vec![0xff, 0xfe], "bad bytes").is_err());
}
