use super::*;

#[test]
fn escapes_the_five_characters_and_keeps_everything_else() {
    assert_eq!(
        escape("«a<b & 'c' \"d\" >é» /path"),
        "«a&lt;b &amp; &#39;c&#39; &quot;d&quot; &gt;é» /path"
    );
    assert_eq!(escape(""), "");
    assert_eq!(escape("plain"), "plain");
}
