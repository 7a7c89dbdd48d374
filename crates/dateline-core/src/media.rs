//! Photos in the media library: their descriptive fields and the credit line shown under them.
//! Caption and credit are separate fields; the credit line is composed here, in one place.

use crate::ids::MediaId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who a photo is credited to. Shown as `© AGENCY / Photographer / Courtesy of X`, or exactly as
/// `printed` when that is set: agencies' own lines (`© REUTERS / Bandar Algaloud/Courtesy of
/// Saudi Royal Court`) do not always follow the composed form, and a credit is a contract term
/// that must read as the agency gave it.
///
/// Built with [`Credit::new`] (the parts) and [`Credit::with_printed`], so a new part is added
/// in one place rather than at every literal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub agency: String,
    pub photographer: String,
    pub courtesy: String,
    /// The whole line as printed; empty: composed from the parts.
    #[serde(default)]
    pub printed: String,
}

impl Credit {
    /// A credit composed from its parts.
    pub fn new(
        agency: impl Into<String>,
        photographer: impl Into<String>,
        courtesy: impl Into<String>,
    ) -> Self {
        Self {
            agency: agency.into(),
            photographer: photographer.into(),
            courtesy: courtesy.into(),
            printed: String::new(),
        }
    }

    /// The same credit shown exactly as `printed` (trimmed; empty: composed again).
    pub fn with_printed(mut self, printed: impl Into<String>) -> Self {
        self.printed = printed.into().trim().to_owned();
        self
    }

    pub fn is_empty(&self) -> bool {
        self.agency.trim().is_empty()
            && self.photographer.trim().is_empty()
            && self.courtesy.trim().is_empty()
            && self.printed.trim().is_empty()
    }
}

impl fmt::Display for Credit {
    /// `© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court`; empty parts are left out, and
    /// an empty credit prints nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let printed = self.printed.trim();
        if !printed.is_empty() {
            return f.write_str(printed);
        }
        // Written part by part (every search result and card prints one).
        let mut sep = "© ";
        let agency = self.agency.trim();
        if !agency.is_empty() {
            write!(f, "{sep}{}", agency.to_uppercase())?;
            sep = " / ";
        }
        let photographer = self.photographer.trim();
        if !photographer.is_empty() {
            write!(f, "{sep}{photographer}")?;
            sep = " / ";
        }
        let courtesy = self.courtesy.trim();
        if !courtesy.is_empty() {
            write!(f, "{sep}Courtesy of {courtesy}")?;
        }
        Ok(())
    }
}

/// The widths every photo is offered at, narrowest first. A variant is never wider than its
/// original.
pub const VARIANT_WIDTHS: [u32; 4] = [320, 640, 1024, 1600];

/// A format a photo's variants are served in beside the upload's own, for browsers that take
/// it (`<picture>` sources): smaller files for the same picture. Feeds, Open Graph and the API
/// keep the upload's own format, which every reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Extra {
    Avif,
    Webp,
}

impl Extra {
    /// Every extra format, in the order a `<picture>` offers them (smallest files first).
    pub const ALL: [Extra; 2] = [Extra::Avif, Extra::Webp];

    pub fn extension(self) -> &'static str {
        match self {
            Extra::Avif => "avif",
            Extra::Webp => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Extra::Avif => "image/avif",
            Extra::Webp => "image/webp",
        }
    }
}

/// A photo in the media library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: MediaId,
    /// Hex SHA-256 of the original bytes (first 16 characters); names every served file.
    pub hash: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: String,
    pub credit: Credit,
    /// Widths that exist as served files, ascending.
    pub variants: Vec<u32>,
    /// The extra formats every one of those widths exists in ([`Extra::ALL`] order). Photos
    /// kept before these formats were made have none until the variant worker fills them in.
    #[serde(default)]
    pub formats: Vec<Extra>,
    /// The name of the file it was uploaded or imported from, sanitised for display
    /// (`harbour-at-dawn.jpg`); None for photos kept before names were stored, or sent with
    /// none.
    #[serde(default)]
    pub file_name: Option<String>,
}

impl Media {
    /// Whether the photo's served files exist: the variant worker has made them and recorded
    /// their widths. Until then no page, feed or API answer shows the photo at all.
    ///
    /// Why leave it out rather than fall back to another file: the only file there is then is
    /// the upload's original, which no route serves on purpose. It keeps the camera's metadata
    /// (GPS position, serial numbers: a risk to sources and photographers that the re-encoded
    /// variants drop) and can be tens of megabytes, which a phone would fetch as the page's
    /// largest paint. A grey box in its place would look like a broken page. A story reads
    /// well without its photo for the seconds the worker usually needs (the newsroom shows
    /// "processing" meanwhile), and the worker's write of the widths drops every cached page
    /// (`Shared::Media`), so the photo appears on the next view once its files exist. Extra
    /// formats follow the same rule one level down: `formats` lists only those every width
    /// exists in, so a `<source>` is never offered before its files are made.
    pub fn ready(&self) -> bool {
        !self.variants.is_empty()
    }

    /// File extension for the served variants.
    pub fn extension(&self) -> &'static str {
        match self.mime.as_str() {
            "image/png" => "png",
            "image/webp" => "webp",
            "image/gif" => "gif",
            _ => "jpg",
        }
    }

    /// Public path of one variant.
    pub fn variant_path(&self, width: u32) -> String {
        format!("/media/{}-{}.{}", self.hash, width, self.extension())
    }

    /// `srcset` listing every variant. Written into one string: a card or a search answer
    /// makes one per photo, and two strings per variant joined made it nearly half of turning
    /// a search result into JSON.
    pub fn srcset(&self) -> String {
        use std::fmt::Write as _;
        let ext = self.extension();
        let mut out = String::with_capacity(self.variants.len() * (self.hash.len() + 24));
        for (i, w) in self.variants.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            // Writing to a String cannot fail.
            let _ = write!(out, "{sep}/media/{}-{w}.{ext} {w}w", self.hash);
        }
        out
    }

    /// `srcset` listing every variant in `extra` (empty when the photo has none in it yet).
    pub fn srcset_in(&self, extra: Extra) -> String {
        use std::fmt::Write as _;
        if !self.formats.contains(&extra) {
            return String::new();
        }
        let ext = extra.extension();
        let mut out = String::with_capacity(self.variants.len() * (self.hash.len() + 24));
        for (i, w) in self.variants.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(out, "{sep}/media/{}-{w}.{ext} {w}w", self.hash);
        }
        out
    }

    /// The `<picture>` sources to offer before the plain `<img>`: (MIME type, `srcset`) for each
    /// extra format the photo has that is not its own format (a WebP upload's `<img>` is WebP).
    pub fn sources(&self) -> Vec<(&'static str, String)> {
        Extra::ALL
            .iter()
            .filter(|e| e.mime() != self.mime && self.formats.contains(e))
            .map(|e| (e.mime(), self.srcset_in(*e)))
            .collect()
    }

    /// The variant to use as the plain `src`: the widest one not over `max`, else the narrowest.
    pub fn src_for(&self, max: u32) -> String {
        self.variant_path(self.width_for(max))
    }

    /// The width of the plain `src` variant: the widest not over `max`, else the narrowest
    /// (else the original's width, for a photo with no variants).
    pub fn width_for(&self, max: u32) -> u32 {
        self.variants
            .iter()
            .copied()
            .filter(|w| *w <= max)
            .max()
            .or_else(|| self.variants.first().copied())
            .unwrap_or(self.width)
    }

    /// Height of a variant of width `w`, keeping the aspect ratio (for `width`/`height` attributes).
    pub fn height_at(&self, w: u32) -> u32 {
        if self.width == 0 {
            return 0;
        }
        ((u64::from(self.height) * u64::from(w) + u64::from(self.width) / 2)
            / u64::from(self.width)) as u32
    }
}

#[cfg(test)]
mod tests;
