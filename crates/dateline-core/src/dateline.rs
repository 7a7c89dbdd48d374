//! Dateline formatting: `12:03 GMT 29 January 2020` in the site's time zone, with the zone's
//! abbreviation from the tz database, and the ISO 8601 form for `<time datetime>`.
//!
//! Never reads the clock: the instant to format is always given.

use jiff::{Timestamp, tz::TimeZone};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The human dateline, `12:03 GMT 29 January 2020`, in `tz`.
pub fn format(at: Timestamp, tz: &TimeZone) -> String {
    let zoned = at.to_zoned(tz.clone());
    let abbrev = tz.to_offset_info(at).abbreviation().to_owned();
    let month = MONTHS[usize::from(zoned.month().unsigned_abs()).saturating_sub(1) % 12];
    format!(
        "{:02}:{:02} {} {} {} {}",
        zoned.hour(),
        zoned.minute(),
        abbrev,
        zoned.day(),
        month,
        zoned.year()
    )
}

/// The date only, `29 January 2020`, in `tz` (for lists and archive headings).
pub fn format_date(at: Timestamp, tz: &TimeZone) -> String {
    let zoned = at.to_zoned(tz.clone());
    let month = MONTHS[usize::from(zoned.month().unsigned_abs()).saturating_sub(1) % 12];
    format!("{} {} {}", zoned.day(), month, zoned.year())
}

/// ISO 8601 with the zone's offset, e.g. `2020-01-29T12:03:00+00:00`, for `datetime` attributes,
/// JSON-LD and feeds.
pub fn iso(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Parse a time zone name from the tz database (`Europe/London`).
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    TimeZone::get(name).map_err(|_| UnknownTimeZone(name.to_owned()))
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown time zone {0:?}: use a tz database name such as Europe/London")]
pub struct UnknownTimeZone(pub String);

#[cfg(test)]
mod tests;
