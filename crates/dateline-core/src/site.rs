//! Per-site settings (stored in the `settings` table): name, time zone, language, community
//! standards, live stream, what feeds carry. Per-node settings (listen address, database) live
//! in the binary's configuration, not here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteSettings {
    pub name: String,
    pub tagline: String,
    /// tz database name, e.g. `Europe/London`.
    pub time_zone: String,
    /// BCP 47 language tag for `<html lang>`, e.g. `en-GB`.
    pub language: String,
    /// Public origin used in canonical URLs, feeds and short links, without trailing slash.
    pub base_url: String,
    /// Markdown shown at `/community-standards/`.
    pub community_standards: String,
    /// External live stream played by Listen Live; empty means no Listen Live control.
    pub live_stream_url: String,
    /// The station's name shown by the player.
    pub live_stream_name: String,
    /// A media-library photo shown in the masthead beside the site's name.
    pub logo_media_id: Option<crate::ids::MediaId>,
    /// Whether feeds carry each story's whole body or only its summary. Settings stored before
    /// this existed load with the default (the struct-level `serde(default)`).
    pub feed_content: FeedContent,
}

/// What RSS, Atom and JSON Feed items carry besides the headline, link and summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedContent {
    /// The whole body, as the article page shows it.
    #[default]
    Full,
    /// Only the standfirst: readers follow the link for the story.
    Summary,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            name: "Dateline".to_owned(),
            tagline: String::new(),
            time_zone: "UTC".to_owned(),
            language: "en".to_owned(),
            base_url: "http://127.0.0.1:8080".to_owned(),
            community_standards: String::new(),
            live_stream_url: String::new(),
            live_stream_name: String::new(),
            logo_media_id: None,
            feed_content: FeedContent::default(),
        }
    }
}

impl SiteSettings {
    pub fn has_live_stream(&self) -> bool {
        !self.live_stream_url.trim().is_empty()
    }
}

#[cfg(test)]
mod tests;
