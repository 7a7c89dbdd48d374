use super::*;

#[test]
fn controls_are_found_but_not_tab_newline_or_return() {
    assert_eq!(control_char("a\u{0}b"), Some('\u{0}'));
    assert_eq!(control_char("bell\u{7}"), Some('\u{7}'));
    assert_eq!(control_char("tab\tline\r\nend"), None);
    assert_eq!(control_char("plain café"), None);
}

#[test]
fn numbers_read_with_thousands() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(2000), "2,000");
    assert_eq!(thousands(2_097_152), "2,097,152");
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "only the errors are looked at")]
struct Body {
    headline: String,
    #[serde(default)]
    authors: Vec<i64>,
    #[serde(default)]
    minor: bool,
}

fn message(body: &str) -> String {
    let ct = header::HeaderValue::from_static("application/json");
    match json::<Body>(Some(&ct), &Bytes::from(body.to_owned())) {
        Ok(_) => String::new(),
        Err(e) => e.message(),
    }
}

#[test]
fn json_refusals_are_sentences_naming_the_field() {
    assert_eq!(message("{}"), "The field `headline` is required.");
    assert_eq!(
        message(r#"{"headline": 3}"#),
        "The field `headline` must be a string."
    );
    assert!(
        message(r#"{"headline": "a", "authors": ["x"]}"#)
            .starts_with("The field `authors[0]` must be a whole number between")
    );
    assert_eq!(
        message(r#"{"headline": "a", "minor": "yes"}"#),
        "The field `minor` must be true or false."
    );
    assert_eq!(
        message(r#"{"headline": "a", "colour": 1}"#),
        "There is no field `colour`. The fields are headline, authors, minor."
    );
    assert_eq!(message("[]"), "The request body must be a JSON object.");
    assert_eq!(
        message(""),
        "The request body is empty: send a JSON object."
    );
    assert_eq!(
        message("{"),
        "The request body is not valid JSON (line 1, column 1)."
    );
    assert_eq!(
        message(r#"{"headline": "a\u0000b"}"#),
        "The field `headline` contains a control character (U+0000)."
    );
}

#[test]
fn json_needs_a_json_content_type() {
    let ct = header::HeaderValue::from_static("text/plain");
    let e = json::<Body>(Some(&ct), &Bytes::from_static(b"{}")).expect_err("refused");
    assert_eq!(e.status(), axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn path_ids_name_what_they_number() {
    assert_eq!(id_noun("/api/v1/articles/999999999999999999999"), "article");
    assert_eq!(id_noun("/newsroom/stories/x/correction"), "story");
    assert_eq!(id_noun("/newsroom/media/1e9"), "photo");
}
