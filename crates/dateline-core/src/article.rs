//! Articles: their fields, publication status, discussion mode, and the canonical URL rule
//! `/{section}/{yyyy}/{mm}/{dd}/{slug}/`.
//!
//! The path date is fixed when a story is first published (in the site's time zone then), so a
//! later change of time zone never moves a published URL.

use crate::ids::{ArticleId, MediaId, SectionId};
use crate::slug::Slug;
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a story is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    InReview,
    Scheduled,
    Published,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::InReview,
        Status::Scheduled,
        Status::Published,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// "draft story", "story in review", …: the status as it reads after "a" in a sentence
    /// ("A story in review cannot be restored."), never the code `in_review`.
    pub fn story_phrase(self) -> &'static str {
        match self {
            Status::Draft => "draft story",
            Status::InReview => "story in review",
            Status::Scheduled => "scheduled story",
            Status::Published => "published story",
            Status::Withdrawn => "withdrawn story",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

impl FromStr for Status {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Status::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// Whether readers may comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DiscussionMode {
    #[default]
    Open,
    PreModerated,
    Closed,
}

impl DiscussionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscussionMode::Open => "open",
            DiscussionMode::PreModerated => "pre_moderated",
            DiscussionMode::Closed => "closed",
        }
    }
}

impl FromStr for DiscussionMode {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        [
            DiscussionMode::Open,
            DiscussionMode::PreModerated,
            DiscussionMode::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// A story as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: ArticleId,
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    pub section_id: SectionId,
    pub status: Status,
    /// What the editor wrote, in the dialect of `docs/writing.md`.
    pub body_source: String,
    /// Sanitised HTML rendered from `body_source` at save time, with READ MORE and photo
    /// placeholders filled at view time.
    pub body_html: String,
    /// Plain text of the body (descriptions, search).
    pub body_text: String,
    pub published_at: Option<Timestamp>,
    /// The public "Updated" time: set when a published story changes in substance.
    pub updated_at: Option<Timestamp>,
    /// Any change at all (caches, sitemaps).
    pub modified_at: Timestamp,
    pub created_at: Timestamp,
    pub scheduled_for: Option<Timestamp>,
    /// The date in the canonical path, fixed at first publication.
    pub path_date: Option<Date>,
    pub short_code: String,
    pub lead_media_id: Option<MediaId>,
    pub discussion_mode: DiscussionMode,
    pub seo_title: String,
    pub seo_description: String,
    /// Shown on the 410 page of a withdrawn story.
    pub withdrawn_note: String,
    /// Optimistic-locking version; the store refuses a save whose version is stale.
    pub version: i64,
}

impl Article {
    /// Whether readers may see it.
    pub fn is_public(&self) -> bool {
        self.status == Status::Published
    }

    /// The canonical path given the slug of its section, or None before first publication.
    pub fn canonical_path(&self, section_slug: &str) -> Option<String> {
        self.path_date
            .map(|d| canonical_path(section_slug, d, self.slug.as_str()))
    }

    /// The title for `<title>` and social cards.
    pub fn display_title(&self) -> &str {
        if self.seo_title.trim().is_empty() {
            &self.headline
        } else {
            &self.seo_title
        }
    }

    /// The description for search engines and social cards.
    pub fn description(&self) -> &str {
        if !self.seo_description.trim().is_empty() {
            &self.seo_description
        } else {
            &self.standfirst
        }
    }
}

/// `/{section}/{yyyy}/{mm}/{dd}/{slug}/`.
pub fn canonical_path(section_slug: &str, date: Date, slug: &str) -> String {
    format!(
        "/{}/{:04}/{:02}/{:02}/{}/",
        section_slug,
        date.year(),
        date.month(),
        date.day(),
        slug
    )
}

/// The path date for a story first published at `at`, in the site's time zone.
pub fn path_date(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned(tz.clone()).date()
}

/// The parts of an article path, parsed from a request without touching the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticlePath {
    pub section: String,
    pub date: Date,
    pub slug: String,
}

impl ArticlePath {
    /// Parse `section/yyyy/mm/dd/slug` segments. None when the shape is not an article path.
    pub fn parse(section: &str, y: &str, m: &str, d: &str, slug: &str) -> Option<Self> {
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?;
        Some(Self {
            section: section.to_owned(),
            date,
            slug: slug.to_owned(),
        })
    }

    pub fn to_path(&self) -> String {
        canonical_path(&self.section, self.date, &self.slug)
    }
}

#[cfg(test)]
mod tests;
