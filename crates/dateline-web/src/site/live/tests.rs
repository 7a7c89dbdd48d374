use super::own_mount;

#[test]
fn own_mounts_are_recognised_by_path_or_on_the_base_url() {
    let base = "https://news.example";
    let found = |u: &str| own_mount(u, base).map(|m| m.to_string());
    assert_eq!(found("/live/radio.mp3").as_deref(), Some("/live/radio.mp3"));
    assert_eq!(
        found("https://news.example/live/radio.mp3").as_deref(),
        Some("/live/radio.mp3")
    );
    assert_eq!(found("https://radio.example/live/radio.mp3"), None);
    assert_eq!(found("/live/"), None);
    assert_eq!(found("/live/../etc"), None);
    assert_eq!(found(""), None);
}
