//! What a search result shows of a story ([`Card`]), kept in the index beside its searchable
//! text and handed back with each hit, so a page of results needs nothing but the index.
//!
//! It is stored only, never searched, as JSON in one text field (times and dates in jiff's own
//! serde form, RFC 3339 and ISO dates). A text field, not a bytes field: tantivy reads a stored
//! string back in one copy but a stored byte string one byte at a time, which made reading ten
//! cards a tenth of a one-word search. Its format is versioned by that
//! field's name (`schema.rs`): any change to the shapes here must bump it, so an index holding
//! the old format is rebuilt rather than read wrongly. A card that cannot be read is left out of
//! its hit (`Hit::card` is None), never an error: callers then read the story elsewhere.

use dateline_core::media::Media;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, PersonId, SectionId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A story as a result card and the search API show it. The section is kept as its id only:
/// callers name it (and build the story's path) from their own list of sections, so a renamed
/// section shows its new name whatever the index holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub id: ArticleId,
    pub headline: String,
    pub standfirst: String,
    pub slug: String,
    /// The date in the story's path (fixed at first publication).
    pub path_date: Date,
    pub short_code: String,
    pub section_id: SectionId,
    pub published_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    /// The lead photo with its variants, alt text, caption and credit.
    pub lead: Option<Media>,
    /// The bylines, in order.
    pub authors: Vec<Byline>,
}

/// An author as a card names and links them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Byline {
    pub id: PersonId,
    pub slug: Slug,
    pub name: String,
}

impl Card {
    pub(crate) fn to_json(&self) -> String {
        // Only strings, numbers and lists: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub(crate) fn from_json(json: &str) -> Option<Self> {
        match serde_json::from_str(json) {
            Ok(card) => Some(card),
            Err(e) => {
                tracing::debug!(error = %e, "a stored search card could not be read");
                None
            }
        }
    }
}
