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
