//! Slugs: the lowercase, hyphenated words in URLs. A `Slug` is always valid; it is built from a
//! headline or name with [`Slug::from_text`] or checked with [`Slug::parse`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest slug we make or accept; long enough for a headline, short enough for a URL.
pub const MAX_LEN: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug has at most {MAX_LEN} characters")]
    TooLong,
    #[error("a slug uses only a-z, 0-9 and single hyphens between words")]
    Invalid,
}

impl Slug {
    /// A slug from free text: transliterated to ASCII, lowercased, words joined by hyphens, cut
    /// at a word boundary to [`MAX_LEN`].
    pub fn from_text(text: &str) -> Result<Self, SlugError> {
        let mut s = slug::slugify(text);
        if s.len() > MAX_LEN {
            let cut = s[..MAX_LEN].rfind('-').unwrap_or(MAX_LEN);
            s.truncate(cut);
        }
        Self::parse(&s)
    }

    /// Check a slug typed by someone.
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > MAX_LEN {
            return Err(SlugError::TooLong);
        }
        let ok = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !ok {
            return Err(SlugError::Invalid);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This slug with `-{n}` added to tell it from a taken one, the base cut (at a hyphen when
    /// there is one near the end) so the whole stays within [`MAX_LEN`]: a name whose slug is
    /// already 80 characters long still gets a free one, rather than an invalid one.
    pub fn with_suffix(&self, n: u64) -> Slug {
        let suffix = format!("-{n}");
        let room = MAX_LEN.saturating_sub(suffix.len());
        let mut base = self.0.as_str();
        if base.len() > room {
            // Slugs are ASCII, so any byte index is a character boundary.
            base = &base[..room];
            base = base.trim_end_matches('-');
        }
        Slug(format!("{base}{suffix}"))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, SlugError> {
        Self::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests;
