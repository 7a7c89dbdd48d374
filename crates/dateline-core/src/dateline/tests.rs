use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp in test")
}

#[test]
fn london_winter_is_gmt() {
    let tz = time_zone("Europe/London").expect("tz");
    assert_eq!(
        format(ts("2020-01-29T12:03:00Z"), &tz),
        "12:03 GMT 29 January 2020"
    );
}

#[test]
fn london_summer_is_bst_an_hour_ahead() {
    let tz = time_zone("Europe/London").expect("tz");
    assert_eq!(
        format(ts("2020-07-01T08:05:00Z"), &tz),
        "09:05 BST 1 July 2020"
    );
    assert_eq!(
        iso(ts("2020-07-01T08:05:00Z"), &tz),
        "2020-07-01T09:05:00+01:00"
    );
}

#[test]
fn dst_switch_in_london_is_exact() {
    let tz = time_zone("Europe/London").expect("tz");
    // Clocks go forward at 01:00 UTC on 29 March 2020.
    assert_eq!(
        format(ts("2020-03-29T00:59:00Z"), &tz),
        "00:59 GMT 29 March 2020"
    );
    assert_eq!(
        format(ts("2020-03-29T01:00:00Z"), &tz),
        "02:00 BST 29 March 2020"
    );
}

#[test]
fn moscow_is_msk_and_crosses_midnight() {
    let tz = time_zone("Europe/Moscow").expect("tz");
    assert_eq!(
        format(ts("2020-01-29T22:30:00Z"), &tz),
        "01:30 MSK 30 January 2020"
    );
    assert_eq!(
        format_date(ts("2020-01-29T22:30:00Z"), &tz),
        "30 January 2020"
    );
}

#[test]
fn new_york_shows_est_and_edt() {
    let tz = time_zone("America/New_York").expect("tz");
    assert_eq!(
        format(ts("2020-01-29T12:03:00Z"), &tz),
        "07:03 EST 29 January 2020"
    );
    assert_eq!(
        format(ts("2020-07-29T12:03:00Z"), &tz),
        "08:03 EDT 29 July 2020"
    );
}

#[test]
fn utc_is_utc() {
    assert_eq!(
        format(ts("2020-01-29T12:03:00Z"), &TimeZone::UTC),
        "12:03 UTC 29 January 2020"
    );
}

#[test]
fn unknown_zone_is_a_clear_error() {
    let err = time_zone("Mars/Olympus").expect_err("must fail");
    assert!(err.to_string().contains("Mars/Olympus"));
}
