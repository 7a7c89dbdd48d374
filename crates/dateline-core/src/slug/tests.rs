use super::*;
use proptest::prelude::*;

#[test]
fn headlines_become_slugs() {
    let s =
        Slug::from_text("Talks resume over Gulf shipping lanes — after 3 weeks!").expect("slug");
    assert_eq!(
        s.as_str(),
        "talks-resume-over-gulf-shipping-lanes-after-3-weeks"
    );
    assert_eq!(
        Slug::from_text("Zürich café rises").expect("slug").as_str(),
        "zurich-cafe-rises"
    );
}

#[test]
fn long_text_is_cut_at_a_word() {
    let s = Slug::from_text(&"word ".repeat(40)).expect("slug");
    assert!(s.as_str().len() <= MAX_LEN);
    assert!(!s.as_str().ends_with('-'));
}

#[test]
fn issue_22_a_suffix_keeps_a_long_slug_within_the_limit() {
    let long = Slug::from_text(&"b".repeat(79)).expect("slug");
    let next = long.with_suffix(2);
    assert_eq!(next.as_str(), format!("{}-2", "b".repeat(78)));
    assert_eq!(Slug::parse(next.as_str()), Ok(next.clone()));
    // A cut that would end on a hyphen drops it, so the slug stays valid.
    let words = Slug::parse(&format!("{}-{}", "a".repeat(76), "bcd")).expect("slug");
    let next = words.with_suffix(10);
    assert_eq!(next.as_str(), format!("{}-10", "a".repeat(76)));
    assert_eq!(Slug::parse(next.as_str()), Ok(next.clone()));
    assert_eq!(
        Slug::parse("short").expect("slug").with_suffix(3).as_str(),
        "short-3"
    );
}

proptest! {
    #[test]
    fn a_suffixed_slug_is_always_valid(text in "[a-z0-9 ]{1,200}", n in 2u64..100_000) {
        if let Ok(s) = Slug::from_text(&text) {
            let next = s.with_suffix(n);
            prop_assert_eq!(Slug::parse(next.as_str()), Ok(next.clone()));
        }
    }
}

#[test]
fn bad_slugs_are_refused() {
    assert_eq!(Slug::parse(""), Err(SlugError::Empty));
    assert_eq!(Slug::parse("Upper"), Err(SlugError::Invalid));
    assert_eq!(Slug::parse("a--b"), Err(SlugError::Invalid));
    assert_eq!(Slug::parse("-a"), Err(SlugError::Invalid));
    assert_eq!(Slug::parse("a/b"), Err(SlugError::Invalid));
    assert_eq!(Slug::from_text("!!!"), Err(SlugError::Empty));
}

proptest! {
    #[test]
    fn any_text_gives_a_valid_slug_or_empty(text in ".{0,200}") {
        if let Ok(s) = Slug::from_text(&text) {
            prop_assert_eq!(Slug::parse(s.as_str()), Ok(s.clone()));
        }
    }
}
