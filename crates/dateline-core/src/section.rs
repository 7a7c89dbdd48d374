//! Sections (World, Middle East, Business…): each has a front page at `/{slug}/`.

use crate::ids::SectionId;
use crate::slug::Slug;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: SectionId,
    pub slug: Slug,
    pub name: String,
    pub description: String,
    /// Order in navigation, ascending.
    pub position: i64,
    pub parent_id: Option<SectionId>,
}

impl Section {
    pub fn path(&self) -> String {
        format!("/{}/", self.slug)
    }
}

/// Slugs that can never be section or static page slugs because the site uses them for its own
/// pages (every first path segment the router answers).
pub const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "assets",
    "authors",
    "community-standards",
    "discussion",
    "feeds",
    "live",
    "livez",
    "media",
    "metrics",
    "newsletters",
    "newsroom",
    "readers",
    "readyz",
    "robots.txt",
    "s",
    "search",
    "sitemap.xml",
    "tags",
    "favicon.ico",
    "sitemaps",
    "news-sitemap.xml",
    "feed.xml",
    "atom.xml",
    "feed.json",
];

pub fn is_reserved(slug: &str) -> bool {
    RESERVED_SLUGS.contains(&slug)
}
