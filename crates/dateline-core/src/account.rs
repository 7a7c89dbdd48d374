//! Newsroom accounts: the checked [`Email`] that signs a person in, the password rules and the
//! sign-in throttling rule. An account is a person (the same row gives the byline) with an
//! email, a role and a password hash; the hash itself never reaches this crate.
//!
//! Pure rules only: hashing, tokens and the clock belong to the callers.

use crate::ids::PersonId;
use crate::permissions::Role;
use crate::slug::Slug;
use jiff::{SignedDuration, Timestamp};
use std::fmt;

/// Longest email accepted (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// Shortest password accepted: long enough to resist guessing once throttled.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted: Argon2 hashes any length, but a megabyte "password" is an attack.
pub const MAX_PASSWORD: usize = 1024;

/// An email address, trimmed and lower-cased, so `Amira@Example.com` and `amira@example.com`
/// are one account. Checked only for shape: one `@`, something on both sides, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an email address")]
pub struct EmailError(pub String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        let e = s.trim().to_lowercase();
        let ok = e.len() <= MAX_EMAIL
            && !e.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(e.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if ok {
            Ok(Self(e))
        } else {
            Err(EmailError(s.trim().to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, EmailError> {
        Email::parse(s)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_PASSWORD} characters")]
    TooShort,
    #[error("the password must have at most {MAX_PASSWORD} characters")]
    TooLong,
}

/// Whether a new password may be used. Length is the rule that matters (NIST SP 800-63B):
/// no composition rules, which only make passwords harder to remember.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Err(PasswordError::TooShort)
    } else if n > MAX_PASSWORD {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// A newsroom account as everyone but the password check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The person row: the same id is the byline.
    pub id: PersonId,
    pub email: Email,
    pub name: String,
    pub slug: Slug,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
}

/// How long a session lasts from sign-in (the cookie's `Max-Age` too).
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The sign-in throttle: at most `max_failures` failed attempts per `window`, counted per
/// account and, separately and more loosely, per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub max_failures: u32,
    pub window: SignedDuration,
}

impl Throttle {
    /// Per account: five wrong passwords, then a quarter of an hour's pause.
    pub const ACCOUNT: Throttle = Throttle {
        max_failures: 5,
        window: SignedDuration::from_mins(15),
    };
    /// Per client address: looser, since an office or a proxy shares one.
    pub const ADDRESS: Throttle = Throttle {
        max_failures: 30,
        window: SignedDuration::from_mins(15),
    };

    /// Where failures are counted from.
    pub fn since(self, now: Timestamp) -> Timestamp {
        now - self.window
    }

    /// Given the failures inside the window (their count and the oldest time), how long until
    /// another attempt is allowed; `None` when one is allowed now.
    pub fn wait(
        self,
        failures: u64,
        oldest: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<SignedDuration> {
        if failures < u64::from(self.max_failures) {
            return None;
        }
        let oldest = oldest?;
        let until = oldest + self.window;
        (until > now).then(|| until.duration_since(now))
    }
}

/// "N minutes", rounded up, for "try again in N minutes".
pub fn minutes_text(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let mins = ((secs + 59) / 60).max(1);
    if mins == 1 {
        "1 minute".to_owned()
    } else {
        format!("{mins} minutes")
    }
}

#[cfg(test)]
mod tests;
