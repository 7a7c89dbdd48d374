//! The `<figure>` markup for a photo, shared by photos from a file (written at save time) and
//! library photos (written by `fill` at view time), so both look the same to the theme's CSS.
//!
//! This module only assembles markup from values it escapes itself; it must never decide whether
//! a URL is safe (callers check before calling) and never emit a `srcset` without `sizes`.
//! With `sources` (AVIF, WebP), the image is a `<picture>`: the browser takes the first source
//! whose type it decodes, and the `<img>` (the upload's own format) otherwise.

use crate::html::{push_attr, push_text};

/// What a figure shows; every field is plain text (unescaped).
pub(crate) struct Figure<'a> {
    pub src: &'a str,
    /// Empty for a single file: then neither `srcset` nor `sizes` is written.
    pub srcset: &'a str,
    /// `<source>`s before the image: (MIME type, `srcset`), both already checked.
    pub sources: &'a [(&'a str, &'a str)],
    pub width: u32,
    pub height: u32,
    pub alt: &'a str,
    pub caption: &'a str,
    /// The composed credit line (`© AGENCY / Photographer`), or empty.
    pub credit: &'a str,
}

/// The layout the article column gives photos: full width of the page's padded wrap (1rem a
/// side) on phones, 46rem from 48rem up.
const SIZES: &str = "(min-width: 48rem) 46rem, calc(100vw - 2rem)";

pub(crate) fn push_figure(out: &mut String, f: &Figure<'_>) {
    out.push_str("<figure class=\"photo\">");
    let picture = !f.srcset.is_empty() && !f.sources.is_empty();
    if picture {
        out.push_str("<picture>");
        for (mime, srcset) in f.sources {
            out.push_str("<source type=\"");
            push_attr(out, mime);
            out.push_str("\" srcset=\"");
            push_attr(out, srcset);
            out.push_str("\" sizes=\"");
            out.push_str(SIZES);
            out.push_str("\">");
        }
    }
    out.push_str("<img src=\"");
    push_attr(out, f.src);
    out.push('"');
    if !f.srcset.is_empty() {
        out.push_str(" srcset=\"");
        push_attr(out, f.srcset);
        out.push_str("\" sizes=\"");
        out.push_str(SIZES);
        out.push('"');
    }
    out.push_str(&format!(
        " width=\"{}\" height=\"{}\" alt=\"",
        f.width, f.height
    ));
    push_attr(out, f.alt);
    out.push_str("\" loading=\"lazy\" decoding=\"async\">");
    if picture {
        out.push_str("</picture>");
    }
    let caption = f.caption.trim();
    let credit = f.credit.trim();
    if !caption.is_empty() || !credit.is_empty() {
        out.push_str("<figcaption>");
        if !caption.is_empty() {
            out.push_str("<span class=\"caption\">");
            push_text(out, caption);
            out.push_str("</span>");
        }
        if !caption.is_empty() && !credit.is_empty() {
            out.push(' ');
        }
        if !credit.is_empty() {
            out.push_str("<span class=\"credit\">");
            push_text(out, credit);
            out.push_str("</span>");
        }
        out.push_str("</figcaption>");
    }
    out.push_str("</figure>");
}
