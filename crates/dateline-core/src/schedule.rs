//! The station's weekly schedule of programmes: which days a programme airs, from when until
//! when in the site's local time, and which one is on air at a given moment.
//!
//! Times are wall-clock times in the site's time zone (a breakfast show starts at 07:00 in
//! summer and in winter), so the schedule is evaluated by converting `now` into that zone,
//! never by storing UTC instants. A programme may run past midnight (`22:00`–`01:00`); it then
//! belongs to the day it starts on. Pure: time arrives as a parameter.

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use std::fmt;

/// The days of the week a programme airs: a set, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Days(u8);

const NAMES: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// Full day names, Monday first, for pages.
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "{0:?} is not a list of days: use day names such as mon,wed,fri, ranges such as mon-fri, or daily"
    )]
    Days(String),
    #[error("{0:?} is not a time of day: use 24-hour HH:MM, such as 07:00 or 18:30")]
    Time(String),
    #[error("a programme cannot start and end at the same time ({0})")]
    Empty(String),
    #[error("a programme needs a title")]
    Title,
}

fn index(w: Weekday) -> u8 {
    // Monday is 1 … Sunday is 7 in jiff.
    (w.to_monday_one_offset() - 1) as u8
}

impl Days {
    pub const ALL: Days = Days(0b111_1111);

    pub fn contains(self, w: Weekday) -> bool {
        self.0 & (1 << index(w)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The stored form: the bits, Monday the lowest.
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(bits: u8) -> Self {
        Days(bits & 0b111_1111)
    }

    /// `mon-fri`, `sat,sun`, `mon,wed-fri`, `daily`, `weekdays`, `weekends` (any case).
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::Days(s.to_owned());
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "daily" | "every day" | "all" => return Ok(Days::ALL),
            "weekdays" => return Ok(Days(0b001_1111)),
            "weekends" => return Ok(Days(0b110_0000)),
            _ => {}
        }
        // A day is its name or any start of it of three letters or more: mon, tues, wednesday.
        let day = |name: &str| -> Result<u8, ScheduleError> {
            let name = name.trim();
            if name.len() < 3 {
                return Err(bad());
            }
            DAY_NAMES
                .iter()
                .position(|d| d.to_ascii_lowercase().starts_with(name))
                .map(|i| i as u8)
                .ok_or_else(bad)
        };
        let mut bits = 0u8;
        for part in lower.split(',') {
            match part.split_once('-') {
                Some((from, to)) => {
                    let (a, b) = (day(from)?, day(to)?);
                    // mon-fri, and also fri-mon across the week's end.
                    let mut i = a;
                    loop {
                        bits |= 1 << i;
                        if i == b {
                            break;
                        }
                        i = (i + 1) % 7;
                    }
                }
                None => bits |= 1 << day(part)?,
            }
        }
        if bits == 0 {
            return Err(bad());
        }
        Ok(Days(bits))
    }
}

impl fmt::Display for Days {
    /// The shortest spelling: `daily`, `mon-fri`, `sat,sun`, `mon,wed,fri`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Days::ALL {
            return f.write_str("daily");
        }
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            if self.0 & (1 << i) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < 7 && self.0 & (1 << (i + 1)) != 0 {
                i += 1;
            }
            parts.push(if i - start >= 2 {
                format!("{}-{}", NAMES[start].0, NAMES[i].0)
            } else if i > start {
                format!("{},{}", NAMES[start].0, NAMES[i].0)
            } else {
                NAMES[start].0.to_owned()
            });
            i += 1;
        }
        f.write_str(&parts.join(","))
    }
}

/// `HH:MM`, 24-hour.
pub fn parse_time(s: &str) -> Result<Time, ScheduleError> {
    let bad = || ScheduleError::Time(s.to_owned());
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

/// `07:00`
pub fn format_time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A programme in the weekly schedule, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub id: i64,
    pub title: String,
    pub presenter: String,
    pub description: String,
    pub days: Days,
    pub starts: Time,
    pub ends: Time,
    /// The playlist it airs from (a pre-recorded programme), by name: mounts of its format
    /// with no source connected play it for the programme's length.
    pub playlist: Option<crate::live::PlaylistName>,
}

impl Programme {
    /// Check a programme's parts as typed by a person.
    pub fn check(title: &str, days: Days, starts: Time, ends: Time) -> Result<(), ScheduleError> {
        if title.trim().is_empty() {
            return Err(ScheduleError::Title);
        }
        if days.is_empty() {
            return Err(ScheduleError::Days(String::new()));
        }
        if starts == ends {
            return Err(ScheduleError::Empty(format_time(starts)));
        }
        Ok(())
    }

    /// Whether it runs past midnight into the next day.
    pub fn overnight(&self) -> bool {
        self.ends <= self.starts
    }

    /// Whether it is on air at `now` in the zone `tz`.
    pub fn on_air(&self, now: Timestamp, tz: &TimeZone) -> bool {
        let local = now.to_zoned(tz.clone());
        let (day, time) = (local.weekday(), local.time());
        if self.overnight() {
            // Before midnight on a day it starts, or after midnight on the day after one.
            (self.days.contains(day) && time >= self.starts)
                || (self.days.contains(day.previous()) && time < self.ends)
        } else {
            self.days.contains(day) && time >= self.starts && time < self.ends
        }
    }
}

/// Minutes in a week.
const WEEK: u32 = 7 * 24 * 60;

/// The stretches of the week a programme airs, as minutes from Monday 00:00, each `[from,
/// to)` within the week (one past Sunday midnight is split in two).
fn stretches(days: Days, starts: Time, ends: Time) -> Vec<(u32, u32)> {
    let minute = |t: Time| t.hour() as u32 * 60 + t.minute() as u32;
    let (s, e) = (minute(starts), minute(ends));
    // Overnight when it ends at or before it starts; `check` refuses equal times.
    let length = if e > s { e - s } else { e + 24 * 60 - s };
    let mut out = Vec::new();
    for day in 0..7u32 {
        if days.0 & (1 << day) == 0 {
            continue;
        }
        let from = day * 24 * 60 + s;
        let to = from + length;
        if to > WEEK {
            out.push((from, WEEK));
            out.push((0, to - WEEK));
        } else {
            out.push((from, to));
        }
    }
    out
}

/// The programmes of `schedule` (other than `except`, the one being edited) that would share
/// a minute of air time with a programme on `days` from `starts` to `ends`. One may start
/// the minute another ends. The station airs one programme at a time, so the newsroom and
/// the CLI both refuse such a programme, naming these.
pub fn overlapping(
    schedule: &[Programme],
    except: Option<i64>,
    days: Days,
    starts: Time,
    ends: Time,
) -> Vec<&Programme> {
    let mine = stretches(days, starts, ends);
    schedule
        .iter()
        .filter(|p| Some(p.id) != except)
        .filter(|p| {
            let theirs = stretches(p.days, p.starts, p.ends);
            mine.iter()
                .any(|a| theirs.iter().any(|b| a.0 < b.1 && b.0 < a.1))
        })
        .collect()
}

/// "The Breakfast Show (mon-fri 07:00–10:00)": a programme named for a sentence.
pub fn describe(p: &Programme) -> String {
    format!(
        "{} ({} {}–{})",
        p.title,
        p.days,
        format_time(p.starts),
        format_time(p.ends)
    )
}

/// Programmes named for a sentence: "A", "A and B", "A, B and C".
pub fn describe_all<'a>(programmes: impl IntoIterator<Item = &'a Programme>) -> String {
    let names: Vec<String> = programmes.into_iter().map(describe).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Who still uses a playlist, for the sentence refusing to delete it: "the programme Morning
/// Tape (mon-fri 07:00–08:00) airs from it, and the mount /live/radio.mp3 plays it while no
/// one is live". Lower case, no full stop: callers frame it.
pub fn playlist_users(programmes: &[Programme], mounts: &[crate::live::MountPath]) -> String {
    let mut parts = Vec::new();
    match programmes {
        [] => {}
        [one] => parts.push(format!("the programme {} airs from it", describe(one))),
        many => parts.push(format!(
            "the programmes {} air from it",
            describe_all(many.iter())
        )),
    }
    let paths: Vec<String> = mounts.iter().map(ToString::to_string).collect();
    match paths.as_slice() {
        [] => {}
        [one] => parts.push(format!("the mount {one} plays it while no one is live")),
        [rest @ .., last] => parts.push(format!(
            "the mounts {} and {last} play it while no one is live",
            rest.join(", ")
        )),
    }
    parts.join(", and ")
}

/// The programme on air at `now`, if any (the one that started last, should two overlap).
pub fn on_air_now<'a>(
    programmes: &'a [Programme],
    now: Timestamp,
    tz: &TimeZone,
) -> Option<&'a Programme> {
    let local = now.to_zoned(tz.clone()).time();
    programmes
        .iter()
        .filter(|p| p.on_air(now, tz))
        // Minutes since it started, wrapping past midnight: the smallest is the latest start.
        .min_by_key(|p| {
            let since = (local.hour() as i32 * 60 + local.minute() as i32)
                - (p.starts.hour() as i32 * 60 + p.starts.minute() as i32);
            since.rem_euclid(24 * 60)
        })
}

/// The programmes airing on `day`, by start time.
pub fn for_day(programmes: &[Programme], day: Weekday) -> Vec<&Programme> {
    let mut on: Vec<&Programme> = programmes.iter().filter(|p| p.days.contains(day)).collect();
    on.sort_by_key(|p| (p.starts, p.id));
    on
}

/// Monday first.
pub fn weekdays() -> [Weekday; 7] {
    NAMES.map(|(_, w)| w)
}

/// The page name of `day`.
pub fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[index(day) as usize]
}

#[cfg(test)]
mod tests;
