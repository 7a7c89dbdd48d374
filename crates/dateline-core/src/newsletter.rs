//! Newsletters (docs/newsletters.md): their kinds, the checks on what the newsroom defines,
//! the words of the confirmation mail, and the states of one delivery. Pure: sending, signing
//! links and storing live in `dateline-web` and `dateline-store`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::fmt;
use std::str::FromStr;

/// What a newsletter sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NewsletterKind {
    /// A section's (or the whole site's) new stories on a schedule.
    Digest,
    /// One story, sent by an editor now: breaking news.
    Alerts,
    /// Written in the newsroom, previewed, tested, then sent.
    Letter,
}

impl NewsletterKind {
    pub const ALL: [NewsletterKind; 3] = [
        NewsletterKind::Digest,
        NewsletterKind::Alerts,
        NewsletterKind::Letter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NewsletterKind::Digest => "digest",
            NewsletterKind::Alerts => "alerts",
            NewsletterKind::Letter => "letter",
        }
    }
}

impl fmt::Display for NewsletterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the kind must be digest, alerts or letter, not {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for NewsletterKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        NewsletterKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// When a digest goes out, in the site's time zone: `daily HH:MM` or `weekly DAY HH:MM`
/// (DAY: mon … sun). Other kinds have none (the empty text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestSchedule {
    Daily {
        hour: i8,
        minute: i8,
    },
    Weekly {
        weekday: jiff::civil::Weekday,
        hour: i8,
        minute: i8,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "the schedule must look like \"daily 07:00\" or \"weekly mon 07:00\" (a time of day in the \
     site's time zone), not {0:?}"
)]
pub struct BadSchedule(pub String);

impl DigestSchedule {
    pub fn parse(s: &str) -> Result<Self, BadSchedule> {
        let bad = || BadSchedule(s.to_owned());
        let words: Vec<String> = s.split_whitespace().map(str::to_ascii_lowercase).collect();
        let time = |t: &str| -> Result<(i8, i8), BadSchedule> {
            let (h, m) = t.split_once(':').ok_or_else(bad)?;
            let h: i8 = h.parse().map_err(|_| bad())?;
            let m: i8 = m.parse().map_err(|_| bad())?;
            if (0..24).contains(&h) && (0..60).contains(&m) {
                Ok((h, m))
            } else {
                Err(bad())
            }
        };
        match words.as_slice() {
            [d, t] if d == "daily" => {
                let (hour, minute) = time(t)?;
                Ok(DigestSchedule::Daily { hour, minute })
            }
            [w, day, t] if w == "weekly" => {
                use jiff::civil::Weekday::*;
                let weekday = match day.get(..3).unwrap_or("") {
                    "mon" => Monday,
                    "tue" => Tuesday,
                    "wed" => Wednesday,
                    "thu" => Thursday,
                    "fri" => Friday,
                    "sat" => Saturday,
                    "sun" => Sunday,
                    _ => return Err(bad()),
                };
                let (hour, minute) = time(t)?;
                Ok(DigestSchedule::Weekly {
                    weekday,
                    hour,
                    minute,
                })
            }
            _ => Err(bad()),
        }
    }
}

impl DigestSchedule {
    /// The time between two slots (a day or a week of civil time; a DST change makes one
    /// slot an hour nearer or further in absolute time, not in the clock on the wall).
    fn step(self) -> jiff::Span {
        match self {
            DigestSchedule::Daily { .. } => jiff::Span::new().days(1),
            DigestSchedule::Weekly { .. } => jiff::Span::new().weeks(1),
        }
    }

    /// The slot on the civil day `date` (or the week ending on it), at the wall-clock time
    /// in `tz`. A time the DST change skips is taken after the gap (02:30 on the morning
    /// clocks go from 02:00 to 03:00 is 03:30), one it repeats is the first of the two.
    fn slot_on_or_before(self, date: jiff::civil::Date, tz: &TimeZone) -> Option<Timestamp> {
        let (date, hour, minute) = match self {
            DigestSchedule::Daily { hour, minute } => (date, hour, minute),
            DigestSchedule::Weekly {
                weekday,
                hour,
                minute,
            } => {
                let back = (date.weekday().to_monday_zero_offset()
                    - weekday.to_monday_zero_offset())
                .rem_euclid(7);
                (
                    date.checked_sub(jiff::Span::new().days(back)).ok()?,
                    hour,
                    minute,
                )
            }
        };
        let at = date.at(hour, minute, 0, 0);
        tz.to_ambiguous_zoned(at)
            .compatible()
            .ok()
            .map(|z| z.timestamp())
    }

    /// The latest slot at or before `now`: the issue a digest job running at `now` makes.
    /// Jobs that ran late, or a node down for days, get this one slot, never the missed ones.
    pub fn latest_slot(self, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let today = now.to_zoned(tz.clone()).date();
        let mut date = today;
        // Today's (or this week's) slot, else the one a step before; a third try only
        // guards against a zone whose rules move a slot across midnight.
        for _ in 0..3 {
            let slot = self.slot_on_or_before(date, tz)?;
            if slot <= now {
                return Some(slot);
            }
            date = date.checked_sub(self.step()).ok()?;
        }
        None
    }

    /// The first slot after `now`: when the digest job is due next.
    pub fn next_slot(self, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let latest = self.latest_slot(now, tz)?;
        let mut date = latest.to_zoned(tz.clone()).date();
        for _ in 0..3 {
            date = date.checked_add(self.step()).ok()?;
            let slot = self.slot_on_or_before(date, tz)?;
            if slot > now {
                return Some(slot);
            }
        }
        None
    }

    /// How far back the first issue looks (one period before its slot).
    pub fn period(self) -> jiff::SignedDuration {
        match self {
            DigestSchedule::Daily { .. } => jiff::SignedDuration::from_hours(24),
            DigestSchedule::Weekly { .. } => jiff::SignedDuration::from_hours(24 * 7),
        }
    }

    /// The longest a subscriber's missed stories (a failed delivery) are made up for: a week
    /// for a daily digest, four weeks for a weekly one.
    pub fn make_up_limit(self) -> jiff::SignedDuration {
        match self {
            DigestSchedule::Daily { .. } => jiff::SignedDuration::from_hours(24 * 7),
            DigestSchedule::Weekly { .. } => jiff::SignedDuration::from_hours(24 * 28),
        }
    }
}

/// The most stories one digest message lists (the newest; the rest stay owed and come in the
/// next issue while they are recent enough).
pub const MAX_DIGEST_STORIES: usize = 40;

/// What earlier issues of a digest brought one subscriber, for [`digest_stories`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestHistory {
    /// Every story listed in a message that reached them or may have (sent, on its way, or
    /// of unknown fate).
    pub got: std::collections::HashSet<crate::ArticleId>,
    /// Stories listed in messages that did not reach them (the server refused them).
    pub missed: std::collections::HashSet<crate::ArticleId>,
}

/// One subscriber's digest for the issue of slot `slot`, from `candidates` (the digest's
/// published stories, oldest first, with their publication times, up to the slot and back
/// to the make-up limit).
///
/// The issue lists the stories published after `window_start` (the previous issue's slot, or
/// one period before the first) up to the slot, so a subscriber who joined since the last
/// issue gets the whole issue. A subscriber whose earlier message failed also gets the
/// stories it listed, while they are still among the candidates. Any story in `history.got`
/// is left out whatever its time: **nobody ever gets a story twice** from one digest. The
/// newest [`MAX_DIGEST_STORIES`], oldest first.
pub fn digest_stories(
    candidates: &[(crate::ArticleId, Timestamp)],
    slot: Timestamp,
    window_start: Timestamp,
    history: &DigestHistory,
) -> Vec<crate::ArticleId> {
    let mut chosen: Vec<crate::ArticleId> = candidates
        .iter()
        .filter(|(id, at)| {
            *at <= slot
                && (*at > window_start || history.missed.contains(id))
                && !history.got.contains(id)
        })
        .map(|(id, _)| *id)
        .collect();
    if chosen.len() > MAX_DIGEST_STORIES {
        chosen.drain(..chosen.len() - MAX_DIGEST_STORIES);
    }
    chosen
}

/// The longest name, description and subject the newsroom takes.
pub const MAX_NAME: usize = 120;
pub const MAX_DESCRIPTION: usize = 1000;
pub const MAX_SUBJECT: usize = 200;

/// The states of one message of an issue (`deliveries.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeliveryState {
    /// Not sent yet.
    Queued,
    /// Handed to the SMTP server now (or by a process that died doing so).
    Sending,
    /// The SMTP server took it.
    Sent,
    /// The SMTP server refused the recipient for good.
    Failed,
    /// Left `Sending` by a process that died: it may or may not have gone, and is never sent
    /// again (a duplicate is worse than one lost message).
    Uncertain,
    /// Never arrived: the receiving side bounced it (a delivery report or a mail-events
    /// webhook named this message), or the address was suppressed before it was sent, in
    /// which case the sender skipped it.
    Bounced,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 6] = [
        DeliveryState::Queued,
        DeliveryState::Sending,
        DeliveryState::Sent,
        DeliveryState::Failed,
        DeliveryState::Uncertain,
        DeliveryState::Bounced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Uncertain => "uncertain",
            DeliveryState::Bounced => "bounced",
        }
    }
}

impl FromStr for DeliveryState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DeliveryState::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown delivery state {s:?}"))
    }
}

/// What the receiving side said about an address (a delivery report, a provider's webhook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BounceKind {
    /// Refused for good (`Action: failed`, `Status: 5.x.x`; SES `Permanent`): suppressed at
    /// once.
    Hard,
    /// Refused for now (`Status: 4.x.x`, `Action: delayed`; SES `Transient`): counted, and
    /// suppressed once `[newsletters] soft_bounce_limit` of them arrived.
    Soft,
    /// The reader marked a message as spam (a feedback loop report): suppressed at once,
    /// since mailing them again harms the site's standing with every receiver.
    Complaint,
}

impl BounceKind {
    pub const ALL: [BounceKind; 3] = [BounceKind::Hard, BounceKind::Soft, BounceKind::Complaint];

    pub fn as_str(self) -> &'static str {
        match self {
            BounceKind::Hard => "hard-bounce",
            BounceKind::Soft => "soft-bounce",
            BounceKind::Complaint => "complaint",
        }
    }

    /// From a delivery report's `Action` and `Status` fields (RFC 3464 §2.3.3 and RFC 3463):
    /// `failed` with a 5.x.x status is hard; a 4.x.x status, or `delayed`, is soft; anything
    /// else (`delivered`, `relayed`, `expanded`) is no bounce at all. A `failed` action with
    /// no usable status is taken as hard, since the server gave up on the message.
    pub fn from_dsn(action: &str, status: &str) -> Option<BounceKind> {
        let action = action.trim().to_ascii_lowercase();
        let class = status.trim().chars().next();
        match (action.as_str(), class) {
            ("failed", Some('4')) | ("delayed", _) => Some(BounceKind::Soft),
            ("failed", _) => Some(BounceKind::Hard),
            _ => None,
        }
    }
}

impl fmt::Display for BounceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The mail that asks a new subscriber to confirm (double opt-in).
pub fn confirm_mail(site_name: &str, newsletters: &[String], link: &str) -> crate::mail::MailText {
    let list = newsletters
        .iter()
        .map(|n| format!("  - {n}"))
        .collect::<Vec<_>>()
        .join("\n");
    crate::mail::MailText {
        subject: format!("Confirm your subscription to {site_name}"),
        body: format!(
            "Someone, we hope you, asked to receive these newsletters from {site_name} at this\n\
             address:\n\n{list}\n\n\
             To confirm, open this link:\n\n\
             {link}\n\n\
             The link works for 48 hours. Until you confirm, we send you nothing more; if you\n\
             did not ask for this, ignore this message.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_round_trip() {
        for k in NewsletterKind::ALL {
            assert_eq!(k.as_str().parse::<NewsletterKind>(), Ok(k));
        }
        for s in DeliveryState::ALL {
            assert_eq!(s.as_str().parse::<DeliveryState>(), Ok(s));
        }
        assert!("weekly".parse::<NewsletterKind>().is_err());
    }

    #[test]
    fn delivery_reports_classify_as_rfc_3464_says() {
        assert_eq!(
            BounceKind::from_dsn("failed", "5.1.1"),
            Some(BounceKind::Hard)
        );
        assert_eq!(
            BounceKind::from_dsn("Failed", " 5.7.1 "),
            Some(BounceKind::Hard)
        );
        assert_eq!(BounceKind::from_dsn("failed", ""), Some(BounceKind::Hard));
        assert_eq!(
            BounceKind::from_dsn("failed", "4.2.2"),
            Some(BounceKind::Soft)
        );
        assert_eq!(
            BounceKind::from_dsn("delayed", "4.4.1"),
            Some(BounceKind::Soft)
        );
        assert_eq!(BounceKind::from_dsn("delivered", "2.0.0"), None);
        assert_eq!(BounceKind::from_dsn("relayed", "2.0.0"), None);
    }

    #[test]
    fn schedules_parse_and_refuse_nonsense() {
        assert_eq!(
            DigestSchedule::parse("daily 07:30"),
            Ok(DigestSchedule::Daily {
                hour: 7,
                minute: 30
            })
        );
        assert!(matches!(
            DigestSchedule::parse("Weekly Monday 18:00"),
            Ok(DigestSchedule::Weekly { hour: 18, .. })
        ));
        for bad in [
            "",
            "daily",
            "daily 24:00",
            "weekly xyz 07:00",
            "hourly 07:00",
        ] {
            assert!(DigestSchedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_confirmation_carries_its_link_on_a_line_of_its_own() {
        let m = confirm_mail("The Herald", &["Morning".to_owned()], "https://x/y?t=1");
        assert!(m.body.lines().any(|l| l == "https://x/y?t=1"));
        assert!(m.body.contains("  - Morning"));
    }

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").expect("the bundled tz database has Europe/London")
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("a test time")
    }

    #[test]
    fn a_daily_slot_keeps_the_wall_clock_time_across_dst() {
        let daily = DigestSchedule::parse("daily 07:00").expect("a schedule");
        let tz = london();
        // Winter: 07:00 GMT is 07:00 UTC.
        assert_eq!(
            daily.latest_slot(at("2026-03-28T09:00:00Z"), &tz),
            Some(at("2026-03-28T07:00:00Z"))
        );
        // Clocks go forward on 29 March 2026: 07:00 BST is 06:00 UTC, 23 hours later.
        assert_eq!(
            daily.next_slot(at("2026-03-28T09:00:00Z"), &tz),
            Some(at("2026-03-29T06:00:00Z"))
        );
        assert_eq!(
            daily.latest_slot(at("2026-03-29T06:30:00Z"), &tz),
            Some(at("2026-03-29T06:00:00Z"))
        );
        // Just before the slot: the day before's.
        assert_eq!(
            daily.latest_slot(at("2026-03-29T05:59:00Z"), &tz),
            Some(at("2026-03-28T07:00:00Z"))
        );
        // Back in October (25 October 2026): 07:00 GMT again, 25 hours after the day before.
        assert_eq!(
            daily.next_slot(at("2026-10-24T06:30:00Z"), &tz),
            Some(at("2026-10-25T07:00:00Z"))
        );
        // A time the change skips comes after the gap.
        let early = DigestSchedule::parse("daily 01:30").expect("a schedule");
        assert_eq!(
            early.next_slot(at("2026-03-28T12:00:00Z"), &tz),
            Some(at("2026-03-29T01:30:00Z"))
        );
    }

    #[test]
    fn a_weekly_slot_falls_on_its_day() {
        let weekly = DigestSchedule::parse("weekly fri 18:00").expect("a schedule");
        let tz = TimeZone::UTC;
        // Saturday 5 December 2026: the latest is Friday the 4th, the next the 11th.
        let now = at("2026-12-05T10:00:00Z");
        assert_eq!(
            weekly.latest_slot(now, &tz),
            Some(at("2026-12-04T18:00:00Z"))
        );
        assert_eq!(weekly.next_slot(now, &tz), Some(at("2026-12-11T18:00:00Z")));
        // On the day, before the time: last week's.
        assert_eq!(
            weekly.latest_slot(at("2026-12-11T17:00:00Z"), &tz),
            Some(at("2026-12-04T18:00:00Z"))
        );
    }

    #[test]
    fn nobody_gets_a_story_twice_and_latecomers_get_the_issue() {
        use crate::ArticleId;
        let t = |h: i64| at("2026-12-01T00:00:00Z") + jiff::SignedDuration::from_hours(h);
        let candidates: Vec<(ArticleId, Timestamp)> =
            (1..=6).map(|i| (ArticleId(i), t(i * 10))).collect();
        let ids = |v: &[i64]| v.iter().copied().map(ArticleId).collect::<Vec<_>>();
        let set = |v: &[i64]| v.iter().copied().map(ArticleId).collect();
        // The issue of slot t(60) covers (t(35), t(60)]: stories 4, 5 and 6.
        let regular = DigestHistory {
            got: set(&[1, 2, 3]),
            ..DigestHistory::default()
        };
        assert_eq!(
            digest_stories(&candidates, t(60), t(35), &regular),
            ids(&[4, 5, 6])
        );
        // Joined since the last issue: the whole issue, nothing older.
        let newcomer = DigestHistory::default();
        assert_eq!(
            digest_stories(&candidates, t(60), t(35), &newcomer),
            ids(&[4, 5, 6])
        );
        // The last message failed: its stories come now, with the new ones.
        let missed = DigestHistory {
            got: set(&[1]),
            missed: set(&[2, 3]),
        };
        assert_eq!(
            digest_stories(&candidates, t(60), t(35), &missed),
            ids(&[2, 3, 4, 5, 6])
        );
        // A story already got is left out even when its time falls in the window (it was
        // withdrawn and published again), and even when another message listing it failed.
        let republished = DigestHistory {
            got: set(&[1, 2, 3, 5]),
            missed: set(&[5]),
        };
        assert_eq!(
            digest_stories(&candidates, t(60), t(35), &republished),
            ids(&[4, 6])
        );
        // Stories published after the slot wait for the next issue.
        assert_eq!(
            digest_stories(&candidates, t(45), t(35), &regular),
            ids(&[4])
        );
    }
}
