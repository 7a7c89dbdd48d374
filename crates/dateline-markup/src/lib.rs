//! The editors' Markdown dialect: CommonMark plus GFM strikethrough, tables and autolinks, plus
//! three newsroom extensions (READ MORE lines, `::: photo` blocks, asterisk footnotes).
//!
//! [`render`] runs once, when an article is saved: it turns the body into sanitised HTML in which
//! READ MORE lines and library photos are *placeholders* (`<dateline-readmore>`,
//! `<dateline-photo>`), because what they show (the target's current headline, the photo's
//! current file and credit) can change after the article is saved. [`fill`] runs on every page
//! view and swaps the placeholders for their current markup without re-parsing the HTML.
//!
//! This crate must never trust the editor's input: raw HTML is shown as text, every URL is
//! checked, and the output passes an allow-list sanitiser. It does no I/O; what it needs from the
//! store arrives through the [`Resolver`] trait.

use dateline_core::media::Credit;
use dateline_core::{ArticleId, MediaId};

mod directives;
mod error;
mod figure;
mod fill;
mod footnotes;
mod html;
mod readmore;
mod render;
mod sanitise;

pub use error::MarkupError;
pub use fill::{fill, first_image_eager, first_paragraph, first_photo};
pub use render::render;

/// The result of rendering one article body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    /// Sanitised HTML with placeholders, to be stored and completed by [`fill`] at view time.
    pub html: String,
    /// Articles (READ MORE) and library photos the body points at, in order of first appearance,
    /// without repeats; the store keeps them so it knows which pages to refresh when they change.
    pub references: Vec<Reference>,
    /// Things the editor probably wants to know about but that did not stop the save, each
    /// starting with `line N:`.
    pub warnings: Vec<String>,
    /// Plain text of the body (no notes, captions or READ MORE lines), whitespace collapsed, for
    /// search snippets and descriptions. It is text, not HTML: escape it before putting it in a
    /// page (it may well contain `<` typed by an editor).
    pub text: String,
}

/// Something outside the body that the body points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    Article(ArticleRef),
    Media(MediaId),
}

/// How a READ MORE line names its target article.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArticleRef {
    /// `READ MORE: #123` or `READ MORE: 123`.
    Id(ArticleId),
    /// A site path, always in the canonical form `/section/yyyy/mm/dd/slug/`.
    Path(String),
    /// A short-link code, lowercase, as in `/s/abc2345`.
    Short(String),
}

/// View-time completion of stored HTML: replaces the placeholders.
pub trait Resolver {
    /// Current headline and canonical URL of a published target; None if
    /// missing/withdrawn/unpublished (the block then disappears).
    fn read_more(&self, r: &ArticleRef) -> Option<ReadMoreTarget>;
    /// A library photo; None if missing (the figure then disappears).
    fn photo(&self, id: MediaId) -> Option<Photo>;
}

/// What a READ MORE block links to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadMoreTarget {
    pub headline: String,
    pub url: String,
}

/// A library photo as the page should show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Photo {
    pub src: String,
    /// `srcset` value (`/media/x-320.jpg 320w, …`); empty for a single file.
    pub srcset: String,
    /// `<picture>` sources offered before the plain image, best first: (MIME type, `srcset`),
    /// such as (`image/avif`, `/media/x-320.avif 320w, …`). Empty: a plain `<img>`.
    pub sources: Vec<(String, String)>,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: String,
    pub credit: Credit,
}

#[cfg(test)]
mod tests;
