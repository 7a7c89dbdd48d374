//! Static pages (About us, Contact, Corrections policy, Privacy): written in the editors'
//! dialect like a story, served at `/{slug}/` beside the section fronts, listed in the footer in
//! the order editors give. A page has no section, byline, tags or workflow beyond draft and
//! published: it speaks for the whole site.
//!
//! This module holds the rules only: which slugs a page may take and what its public path and
//! description are. It never renders the body (that is `dateline-markup`, at save time).

use crate::PageId;
use crate::slug::Slug;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest title a page may have, as for a headline.
pub const MAX_TITLE: usize = 200;
/// Longest meta description typed by an editor (search engines show about 160 characters).
pub const MAX_DESCRIPTION: usize = 300;
/// Length a description made from the first paragraph is cut to (at a word).
pub const DESCRIPTION_FROM_BODY: usize = 160;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    /// Only the newsroom sees it; the public path answers 404.
    #[default]
    Draft,
    Published,
}

impl PageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Draft => "draft",
            PageStatus::Published => "published",
        }
    }
}

impl fmt::Display for PageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown page status {0:?}: use draft or published")]
pub struct UnknownPageStatus(pub String);

impl FromStr for PageStatus {
    type Err = UnknownPageStatus;
    fn from_str(s: &str) -> Result<Self, UnknownPageStatus> {
        match s.trim() {
            "draft" => Ok(PageStatus::Draft),
            "published" => Ok(PageStatus::Published),
            other => Err(UnknownPageStatus(other.to_owned())),
        }
    }
}

/// A stored static page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticPage {
    pub id: PageId,
    pub slug: Slug,
    pub title: String,
    /// The meta description as the editor typed it; empty: see [`StaticPage::description`].
    pub description: String,
    /// The editors' dialect, as typed.
    pub body_source: String,
    /// Sanitised HTML with placeholders, rendered at save time.
    pub body_html: String,
    /// Plain text of the body (search, descriptions).
    pub body_text: String,
    /// What the body points at, as the markup's reference keys (`media:12`, `id:34`,
    /// `path:/world/…/`, `short:abc2345`), so a view completes it without rendering again.
    pub refs: Vec<String>,
    pub status: PageStatus,
    /// Place in the footer, ascending; None: not in the footer.
    pub footer_position: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl StaticPage {
    pub fn path(&self) -> String {
        path(&self.slug)
    }

    pub fn is_public(&self) -> bool {
        self.status == PageStatus::Published
    }

    /// The meta description: the editor's, else the one made from the first paragraph
    /// (`from_body`, which the caller takes from the stored HTML).
    pub fn description(&self, from_body: Option<String>) -> String {
        if self.description.trim().is_empty() {
            from_body.unwrap_or_default()
        } else {
            self.description.trim().to_owned()
        }
    }
}

/// The public path of a page with this slug.
pub fn path(slug: &Slug) -> String {
    format!("/{slug}/")
}

/// Why a page cannot have a slug: a path the site answers itself. (A section's slug is the
/// store's to check, as sections are rows.)
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("/{0}/ is one of the site's own addresses; choose another slug")]
pub struct ReservedSlug(pub String);

pub fn check_slug(slug: &Slug) -> Result<(), ReservedSlug> {
    if crate::section::is_reserved(slug.as_str()) {
        Err(ReservedSlug(slug.as_str().to_owned()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_paths_are_refused_and_others_kept() {
        for s in [
            "newsroom",
            "api",
            "search",
            "readers",
            "newsletters",
            "live",
        ] {
            let slug = Slug::parse(s).expect("a valid slug");
            assert_eq!(check_slug(&slug), Err(ReservedSlug(s.to_owned())));
        }
        let about = Slug::parse("about-us").expect("a valid slug");
        assert_eq!(check_slug(&about), Ok(()));
        assert_eq!(path(&about), "/about-us/");
    }

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_named() {
        for s in [PageStatus::Draft, PageStatus::Published] {
            assert_eq!(s.as_str().parse::<PageStatus>(), Ok(s));
        }
        assert_eq!(
            "private".parse::<PageStatus>(),
            Err(UnknownPageStatus("private".to_owned()))
        );
    }
}
