//! Signed newsletter links: `BASE64URL(claim).BASE64URL(HMAC-SHA256(key, claim))`, where the
//! claim is `c:SUBSCRIBER:ID,ID:EXPIRES` (confirm these subscriptions before EXPIRES, Unix
//! seconds), `p:SUBSCRIBER` (this subscriber's preference page) or `u:SUBSCRIBER:NEWSLETTER`
//! (one-click unsubscribe from one newsletter) or `r:READER` (stop this reader's reply mail,
//! `discussion/replies.rs`: the same key signs it). No password and no row per link: the
//! signature is the authority, checked in constant time. Preference and unsubscribe links do
//! not expire (a mail read a year later must still unsubscribe); a confirmation link lasts
//! [`CONFIRM_LIFETIME`]. Never logs a token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

/// How long a confirmation link works.
pub const CONFIRM_LIFETIME: SignedDuration = SignedDuration::from_hours(48);

/// What a valid link allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    Confirm {
        subscriber: i64,
        newsletters: Vec<i64>,
    },
    Preferences {
        subscriber: i64,
    },
    Unsubscribe {
        subscriber: i64,
        newsletter: i64,
    },
    /// Stop the mails about replies to this reader's comments.
    ReplyMailOff {
        reader: i64,
    },
}

/// Signs and checks links with the site's key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl LinkSigner {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    fn sign(&self, claim: &str) -> String {
        let mut mac = self.mac();
        mac.update(claim.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(claim),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn confirm(&self, subscriber: i64, newsletters: &[i64], expires: Timestamp) -> String {
        let ids = newsletters
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.sign(&format!("c:{subscriber}:{ids}:{}", expires.as_second()))
    }

    pub fn preferences(&self, subscriber: i64) -> String {
        self.sign(&format!("p:{subscriber}"))
    }

    pub fn unsubscribe(&self, subscriber: i64, newsletter: i64) -> String {
        self.sign(&format!("u:{subscriber}:{newsletter}"))
    }

    pub fn reply_mail_off(&self, reader: i64) -> String {
        self.sign(&format!("r:{reader}"))
    }

    /// What `token` allows at `now`; None when it is not one of ours, was altered, or expired.
    pub fn verify(&self, token: &str, now: Timestamp) -> Option<Signed> {
        if token.len() > 512 {
            return None;
        }
        let (claim, tag) = token.split_once('.')?;
        let claim = URL_SAFE_NO_PAD.decode(claim).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = self.mac();
        mac.update(&claim);
        mac.verify_slice(&tag).ok()?;
        let claim = String::from_utf8(claim).ok()?;
        let parts: Vec<&str> = claim.split(':').collect();
        match parts.as_slice() {
            ["c", sub, ids, expires] => {
                let expires = Timestamp::from_second(expires.parse().ok()?).ok()?;
                if expires <= now {
                    return None;
                }
                let newsletters = ids
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::parse)
                    .collect::<Result<Vec<i64>, _>>()
                    .ok()?;
                Some(Signed::Confirm {
                    subscriber: sub.parse().ok()?,
                    newsletters,
                })
            }
            ["p", sub] => Some(Signed::Preferences {
                subscriber: sub.parse().ok()?,
            }),
            ["u", sub, newsletter] => Some(Signed::Unsubscribe {
                subscriber: sub.parse().ok()?,
                newsletter: newsletter.parse().ok()?,
            }),
            ["r", reader] => Some(Signed::ReplyMailOff {
                reader: reader.parse().ok()?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("a valid time")
    }

    #[test]
    fn links_round_trip_and_refuse_tampering_and_age() {
        let s = LinkSigner::new(b"key one");
        let now = at("2026-03-10T12:00:00Z");
        let t = s.confirm(7, &[1, 2], now + CONFIRM_LIFETIME);
        assert_eq!(
            s.verify(&t, now),
            Some(Signed::Confirm {
                subscriber: 7,
                newsletters: vec![1, 2]
            })
        );
        assert_eq!(s.verify(&t, now + CONFIRM_LIFETIME), None, "expired");
        assert_eq!(LinkSigner::new(b"key two").verify(&t, now), None);
        let (claim, tag) = t.split_once('.').expect("two parts");
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode("c:8:1,2:9999999999"));
        assert_eq!(s.verify(&forged, now), None);
        assert_eq!(s.verify(claim, now), None);
        assert_eq!(
            s.verify(&s.unsubscribe(7, 3), now),
            Some(Signed::Unsubscribe {
                subscriber: 7,
                newsletter: 3
            })
        );
        assert_eq!(
            s.verify(&s.preferences(7), now),
            Some(Signed::Preferences { subscriber: 7 })
        );
        assert_eq!(
            s.verify(&s.reply_mail_off(9), now),
            Some(Signed::ReplyMailOff { reader: 9 })
        );
        assert_eq!(s.verify("", now), None);
        assert_eq!(s.verify("a.b.c", now), None);
    }
}
