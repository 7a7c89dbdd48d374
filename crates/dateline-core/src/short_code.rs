//! Short codes for `/s/{code}` links: at most 7 characters from an alphabet without look-alikes
//! (no 0/O, 1/l/I), derived from the article id by a bijection so a code never collides, never
//! changes for the life of the article, and needs no retry loop.
//!
//! The bijection is an affine map modulo 31^7, so consecutive ids give unrelated-looking codes
//! (a reader cannot guess the next story's link from today's).

use crate::ids::ArticleId;
use std::fmt;

/// 31 characters: digits 2–9 and lowercase letters without i, l, o.
pub const ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";
const BASE: u64 = 31;
const LEN: usize = 7;
/// 31^7: the number of distinct 7-character codes.
const SPACE: u64 = 27_512_614_111;
/// Multiplier and offset of the affine map; MULT is coprime with 31, INVERSE is its inverse.
const MULT: u64 = 9_973_213_457;
const OFFSET: u64 = 11_437_000_009;

/// A checked short code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShortCode(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShortCodeError {
    #[error("a short code has 1 to 7 characters")]
    Length,
    #[error("a short code uses only 2-9 and the letters a-z without i, l and o")]
    Alphabet,
    #[error("article id {0} is outside the range short codes can name")]
    OutOfRange(i64),
}

impl ShortCode {
    /// The code for an article id.
    pub fn for_article(id: ArticleId) -> Result<Self, ShortCodeError> {
        let n = u64::try_from(id.0).map_err(|_| ShortCodeError::OutOfRange(id.0))?;
        if n >= SPACE {
            return Err(ShortCodeError::OutOfRange(id.0));
        }
        let mut v = mulmod(n, MULT) + OFFSET;
        if v >= SPACE {
            v -= SPACE;
        }
        let mut out = [b'2'; LEN];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(v % BASE) as usize];
            v /= BASE;
        }
        Ok(Self(String::from_utf8_lossy(&out).into_owned()))
    }

    /// Parse a code typed by a reader. Upper case is accepted and folded.
    pub fn parse(s: &str) -> Result<Self, ShortCodeError> {
        if s.is_empty() || s.len() > LEN {
            return Err(ShortCodeError::Length);
        }
        let lower = s.to_ascii_lowercase();
        if !lower.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(ShortCodeError::Alphabet);
        }
        Ok(Self(lower))
    }

    /// The article id this code names, if the code was produced by [`ShortCode::for_article`].
    pub fn article(&self) -> Option<ArticleId> {
        let mut v: u64 = 0;
        for b in self.0.bytes() {
            let d = ALPHABET.iter().position(|a| *a == b)? as u64;
            v = v * BASE + d;
        }
        if v >= SPACE {
            return None;
        }
        let shifted = (v + SPACE - OFFSET) % SPACE;
        let n = mulmod(shifted, inverse());
        i64::try_from(n).ok().map(ArticleId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn mulmod(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(SPACE)) as u64
}

/// Modular inverse of MULT by the extended Euclidean algorithm (computed, not hard-coded, so the
/// constants above can change safely).
fn inverse() -> u64 {
    let (mut t, mut new_t) = (0i128, 1i128);
    let (mut r, mut new_r) = (i128::from(SPACE), i128::from(MULT));
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    if t < 0 {
        t += i128::from(SPACE);
    }
    t as u64
}

#[cfg(test)]
mod tests;
