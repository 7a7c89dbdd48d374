use super::*;

#[test]
fn settings_stored_before_feed_content_existed_still_load_as_full_text() {
    let old = r#"{"name":"Herald","tagline":"","time_zone":"UTC","language":"en",
        "base_url":"https://news.example","community_standards":"","live_stream_url":"",
        "live_stream_name":""}"#;
    let s: SiteSettings = serde_json::from_str(old).expect("old settings load");
    assert_eq!(s.name, "Herald");
    assert_eq!(s.feed_content, FeedContent::Full);
}

#[test]
fn feed_content_is_stored_by_name() {
    let s = SiteSettings {
        feed_content: FeedContent::Summary,
        ..SiteSettings::default()
    };
    let json = serde_json::to_string(&s).expect("serialises");
    assert!(json.contains(r#""feed_content":"summary""#), "{json}");
    let back: SiteSettings = serde_json::from_str(&json).expect("round-trips");
    assert_eq!(back, s);
}
