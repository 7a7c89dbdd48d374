use super::*;
use crate::dateline::time_zone;

#[test]
fn path_date_uses_the_site_zone() {
    let tz = time_zone("Europe/Moscow").expect("tz");
    let at: Timestamp = "2020-01-29T22:30:00Z".parse().expect("ts");
    let d = path_date(at, &tz);
    assert_eq!(
        canonical_path("middle-east", d, "talks-resume"),
        "/middle-east/2020/01/30/talks-resume/"
    );
}

#[test]
fn article_paths_parse_only_real_dates() {
    let p = ArticlePath::parse("world", "2020", "02", "29", "leap").expect("leap day");
    assert_eq!(p.to_path(), "/world/2020/02/29/leap/");
    assert!(ArticlePath::parse("world", "2021", "02", "29", "x").is_none());
    assert!(ArticlePath::parse("world", "20", "02", "01", "x").is_none());
    assert!(ArticlePath::parse("world", "2020", "2", "01", "x").is_none());
    assert!(ArticlePath::parse("world", "abcd", "02", "01", "x").is_none());
}

#[test]
fn statuses_round_trip() {
    for s in Status::ALL {
        assert_eq!(s.as_str().parse::<Status>(), Ok(s));
    }
    assert!("live".parse::<Status>().is_err());
    assert_eq!(
        "closed".parse::<DiscussionMode>(),
        Ok(DiscussionMode::Closed)
    );
}
