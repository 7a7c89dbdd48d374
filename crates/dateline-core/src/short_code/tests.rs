use super::*;
use proptest::prelude::*;

#[test]
fn codes_are_seven_unambiguous_characters() {
    for id in [1, 2, 3, 42, 100_000, 999_999_999] {
        let c = ShortCode::for_article(ArticleId(id)).expect("in range");
        assert_eq!(c.as_str().len(), 7);
        assert!(!c.as_str().contains(['0', 'o', '1', 'l', 'i', 'O', 'I']));
    }
}

#[test]
fn neighbouring_ids_do_not_give_neighbouring_codes() {
    let a = ShortCode::for_article(ArticleId(1)).expect("in range");
    let b = ShortCode::for_article(ArticleId(2)).expect("in range");
    assert_ne!(a.as_str()[..5], b.as_str()[..5]);
}

#[test]
fn parse_rejects_bad_codes_with_reasons() {
    assert_eq!(ShortCode::parse(""), Err(ShortCodeError::Length));
    assert_eq!(ShortCode::parse("abcdefgh"), Err(ShortCodeError::Length));
    assert_eq!(ShortCode::parse("abc0"), Err(ShortCodeError::Alphabet));
    assert_eq!(ShortCode::parse("héllo"), Err(ShortCodeError::Alphabet));
    assert!(ShortCode::parse("ABCD").is_ok());
    assert_eq!(
        ShortCode::for_article(ArticleId(-1)),
        Err(ShortCodeError::OutOfRange(-1))
    );
}

proptest! {
    #[test]
    fn codes_round_trip(id in 0i64..27_512_614_111) {
        let code = ShortCode::for_article(ArticleId(id)).expect("in range");
        let parsed = ShortCode::parse(&code.to_string().to_uppercase()).expect("parses");
        prop_assert_eq!(parsed.article(), Some(ArticleId(id)));
    }

    #[test]
    fn distinct_ids_give_distinct_codes(a in 0i64..1_000_000_000, b in 0i64..1_000_000_000) {
        prop_assume!(a != b);
        prop_assert_ne!(
            ShortCode::for_article(ArticleId(a)).expect("in range"),
            ShortCode::for_article(ArticleId(b)).expect("in range")
        );
    }
}
