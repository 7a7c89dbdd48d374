//! Unit tests of the editor's pure parts: reading a submitted form, the line diff, schedule
//! times in the site's time zone.

use super::{StoryForm, diff_lines};

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_form_keeps_byline_order_and_drops_empty_slots() {
    let (f, csrf, action) = StoryForm::from_pairs(&pairs(&[
        ("csrf", "t"),
        ("author", "7"),
        ("author", ""),
        ("author", "3"),
        ("body", "a\r\nb"),
        ("version", "4"),
        ("action", "publish"),
        ("minor", "1"),
    ]));
    assert_eq!(f.authors, ["7", "3"]);
    assert_eq!(f.body, "a\nb");
    assert_eq!(f.version, 4);
    assert!(f.minor && !f.confirm);
    assert_eq!((csrf.as_str(), action.as_str()), ("t", "publish"));
}

#[test]
fn a_missing_or_bad_version_never_matches_a_stored_one() {
    let (f, _, action) = StoryForm::from_pairs(&pairs(&[("version", "x")]));
    assert_eq!(f.version, -1);
    assert_eq!(action, "save");
}

#[test]
fn diffs_mark_added_and_removed_lines() {
    let d = diff_lines("one\ntwo\n", "one\nthree\n");
    let kinds: Vec<(&str, &str)> = d.iter().map(|l| (l.kind, l.text.as_str())).collect();
    assert_eq!(
        kinds,
        [("same", "one"), ("removed", "two"), ("added", "three")]
    );
}

#[test]
fn schedule_times_are_read_in_the_site_time_zone() {
    let site = crate::state::SiteContext {
        newsletters: Vec::new(),
        generation: 0,
        settings: dateline_core::site::SiteSettings::default(),
        tz: jiff::tz::TimeZone::get("Europe/London").expect("tz database"),
        sections: Vec::new(),
        footer: Vec::new(),
        csp: String::new(),
        logo: None,
        authors: Default::default(),
        latest: Default::default(),
    };
    // Summer time: 09:30 BST is 08:30 UTC; winter: GMT is UTC.
    let at = super::parse_local("2026-07-01T09:30", &site).expect("a time");
    assert_eq!(at.to_string(), "2026-07-01T08:30:00Z");
    let at = super::parse_local("2026-01-05T09:30", &site).expect("a time");
    assert_eq!(at.to_string(), "2026-01-05T09:30:00Z");
    assert!(super::parse_local("soon", &site).is_err());
}
