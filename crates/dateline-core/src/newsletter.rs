//! Newsletters (docs/newsletters.md): their kinds, the checks on what the newsroom defines,
//! the words of the confirmation mail, and the states of one delivery. Pure: sending, signing
//! links and storing live in `dateline-web` and `dateline-store`.

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
}
