use super::*;
use proptest::prelude::*;

fn t(s: &str) -> Time {
    parse_time(s).expect("valid time")
}

fn programme(id: i64, days: &str, starts: &str, ends: &str) -> Programme {
    Programme {
        id,
        title: format!("Programme {id}"),
        presenter: String::new(),
        description: String::new(),
        days: Days::parse(days).expect("valid days"),
        starts: t(starts),
        ends: t(ends),
        playlist: None,
    }
}

fn london() -> TimeZone {
    TimeZone::get("Europe/London").expect("tzdb has London")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp")
}

#[test]
fn days_parse_names_ranges_and_words() {
    assert_eq!(
        Days::parse("mon-fri").map(|d| d.to_string()),
        Ok("mon-fri".into())
    );
    assert_eq!(
        Days::parse("Sat,Sun").map(|d| d.to_string()),
        Ok("sat,sun".into())
    );
    assert_eq!(Days::parse("daily"), Ok(Days::ALL));
    assert_eq!(Days::parse("weekdays"), Days::parse("monday-friday"));
    assert_eq!(Days::parse("weekends"), Days::parse("sat-sun"));
    assert_eq!(
        Days::parse("mon,wed,fri").map(|d| d.to_string()),
        Ok("mon,wed,fri".into())
    );
    assert_eq!(
        Days::parse("fri-mon").map(|d| d.to_string()),
        Ok("mon,fri-sun".into()),
        "a range may wrap past Sunday"
    );
    assert_eq!(
        Days::parse("tues, thurs").map(|d| d.to_string()),
        Ok("tue,thu".into())
    );
    for bad in ["", "mo", "funday", "mon-", ",", "mon;tue"] {
        assert!(
            matches!(Days::parse(bad), Err(ScheduleError::Days(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn times_are_24_hour_hh_mm() {
    assert_eq!(format_time(t("7:05")), "07:05");
    assert_eq!(format_time(t("23:59")), "23:59");
    for bad in [
        "24:00", "12:60", "noon", "12", "12:5", "-1:00", "12:00:00", "",
    ] {
        assert!(
            matches!(parse_time(bad), Err(ScheduleError::Time(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn a_programme_needs_a_title_days_and_a_length() {
    let d = Days::ALL;
    assert_eq!(
        Programme::check(" ", d, t("07:00"), t("09:00")),
        Err(ScheduleError::Title)
    );
    assert!(matches!(
        Programme::check("Breakfast", d, t("07:00"), t("07:00")),
        Err(ScheduleError::Empty(_))
    ));
    assert_eq!(
        Programme::check("Breakfast", d, t("07:00"), t("09:00")),
        Ok(())
    );
}

#[test]
fn on_air_follows_local_wall_clock_time_across_dst() {
    let breakfast = programme(1, "mon-fri", "07:00", "09:00");
    let tz = london();
    // Winter (GMT): 07:30 local is 07:30 UTC. Tuesday 14 January 2025.
    assert!(breakfast.on_air(at("2025-01-14T07:30:00Z"), &tz));
    assert!(
        !breakfast.on_air(at("2025-01-14T09:00:00Z"), &tz),
        "ends are exclusive"
    );
    // Summer (BST): 07:30 local is 06:30 UTC. Tuesday 15 July 2025.
    assert!(breakfast.on_air(at("2025-07-15T06:30:00Z"), &tz));
    assert!(
        !breakfast.on_air(at("2025-07-15T08:30:00Z"), &tz),
        "09:30 BST"
    );
    // Not at weekends. Saturday 19 July 2025.
    assert!(!breakfast.on_air(at("2025-07-19T06:30:00Z"), &tz));
}

#[test]
fn overnight_programmes_belong_to_the_day_they_start() {
    let late = programme(1, "fri", "22:00", "01:00");
    let tz = TimeZone::UTC;
    // Friday 17 January 2025, 23:00, and Saturday 00:30: on. Saturday 23:00: off.
    assert!(late.on_air(at("2025-01-17T23:00:00Z"), &tz));
    assert!(late.on_air(at("2025-01-18T00:30:00Z"), &tz));
    assert!(!late.on_air(at("2025-01-18T01:00:00Z"), &tz));
    assert!(!late.on_air(at("2025-01-18T23:00:00Z"), &tz));
    // Friday 00:30 is Thursday night's slot, which does not exist.
    assert!(!late.on_air(at("2025-01-17T00:30:00Z"), &tz));
}

#[test]
fn the_latest_started_of_overlapping_programmes_is_on_air() {
    let all_day = programme(1, "daily", "06:00", "22:00");
    let news = programme(2, "daily", "13:00", "13:30");
    let list = [all_day.clone(), news.clone()];
    let tz = TimeZone::UTC;
    assert_eq!(
        on_air_now(&list, at("2025-01-17T13:10:00Z"), &tz),
        Some(&news)
    );
    assert_eq!(
        on_air_now(&list, at("2025-01-17T14:00:00Z"), &tz),
        Some(&all_day)
    );
    assert_eq!(on_air_now(&list, at("2025-01-17T23:00:00Z"), &tz), None);
}

#[test]
fn overlapping_programmes_are_found_across_days_and_midnight() {
    let schedule = [
        programme(1, "mon-fri", "07:00", "10:00"),
        programme(2, "sat", "22:00", "01:00"),
        programme(3, "sun", "23:00", "00:30"),
    ];
    let ids = |days: &str, s: &str, e: &str, except: Option<i64>| -> Vec<i64> {
        overlapping(
            &schedule,
            except,
            Days::parse(days).expect("days"),
            t(s),
            t(e),
        )
        .iter()
        .map(|p| p.id)
        .collect()
    };
    // Back to back is no overlap; one shared minute is.
    assert_eq!(ids("mon", "10:00", "11:00", None), Vec::<i64>::new());
    assert_eq!(ids("mon", "06:00", "07:00", None), Vec::<i64>::new());
    assert_eq!(ids("wed", "09:59", "11:00", None), [1]);
    assert_eq!(ids("sat", "08:00", "09:00", None), Vec::<i64>::new());
    // Past midnight into Sunday, and Sunday's late show into Monday morning.
    assert_eq!(ids("sun", "00:30", "02:00", None), [2]);
    assert_eq!(ids("sun", "01:00", "02:00", None), Vec::<i64>::new());
    assert_eq!(ids("mon", "00:00", "00:15", None), [3]);
    assert_eq!(ids("daily", "00:00", "23:59", None), [1, 2, 3]);
    // Editing a programme never clashes with itself.
    assert_eq!(ids("mon-fri", "08:00", "11:00", Some(1)), Vec::<i64>::new());
    assert_eq!(
        describe_all(overlapping(
            &schedule,
            None,
            Days::ALL,
            t("06:00"),
            t("23:30")
        )),
        "Programme 1 (mon-fri 07:00–10:00), Programme 2 (sat 22:00–01:00) and \
         Programme 3 (sun 23:00–00:30)"
    );
}

#[test]
fn a_day_lists_its_programmes_by_start() {
    let list = [
        programme(1, "mon-fri", "09:00", "12:00"),
        programme(2, "daily", "07:00", "09:00"),
        programme(3, "sat", "10:00", "11:00"),
    ];
    let monday: Vec<i64> = for_day(&list, Weekday::Monday)
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(monday, [2, 1]);
    let saturday: Vec<i64> = for_day(&list, Weekday::Saturday)
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(saturday, [2, 3]);
    assert_eq!(day_name(Weekday::Sunday), "Sunday");
}

proptest! {
    #[test]
    fn days_round_trip_through_their_spelling(bits in 1u8..128) {
        let days = Days::from_bits(bits);
        prop_assert_eq!(Days::parse(&days.to_string()), Ok(days));
    }

    #[test]
    fn overlap_is_symmetric(a in 1u8..128, b in 1u8..128, s1 in 0i8..24, e1 in 0i8..24, s2 in 0i8..24, e2 in 0i8..24) {
        prop_assume!(s1 != e1 && s2 != e2);
        let p = |id, bits, s, e| Programme {
            id,
            title: String::new(),
            presenter: String::new(),
            description: String::new(),
            days: Days::from_bits(bits),
            starts: Time::new(s, 0, 0, 0).expect("hour"),
            ends: Time::new(e, 0, 0, 0).expect("hour"),
            playlist: None,
        };
        let (x, y) = (p(1, a, s1, e1), p(2, b, s2, e2));
        let xy = !overlapping(std::slice::from_ref(&y), None, x.days, x.starts, x.ends).is_empty();
        let yx = !overlapping(std::slice::from_ref(&x), None, y.days, y.starts, y.ends).is_empty();
        prop_assert_eq!(xy, yx);
    }

    #[test]
    fn parsing_never_panics(s in "\\PC{0,40}") {
        let _ = Days::parse(&s);
        let _ = parse_time(&s);
    }
}
