//! View-time completion of stored HTML: each `<dateline-readmore>` and `<dateline-photo>`
//! placeholder is replaced by the current markup for its target, or removed when the target is
//! gone. Runs on every uncached page view, so it is one linear scan with no HTML parsing: stored
//! HTML comes from `render`, where every `<` in text or attribute values is escaped, so a literal
//! `<dateline-` can only be one of our placeholders.
//!
//! It must never insert a resolver's string unescaped, nor a URL that is not http(s) or a site
//! path: a resolver reads the database, and the database is not trusted more than editors.

use crate::figure::{Figure, push_figure};
use crate::html::{
    is_safe_image_src, is_safe_link, is_safe_srcset, push_attr, push_text, unescape,
};
use crate::readmore::from_data_ref;
use crate::{Photo, Resolver};
use dateline_core::MediaId;
use std::borrow::Cow;

const OPEN: &str = "<dateline-";

/// Replaces the placeholders in `stored_html` using `resolver`.
pub fn fill(stored_html: &str, resolver: &dyn Resolver) -> String {
    let mut out = String::with_capacity(stored_html.len() + stored_html.len() / 4);
    let mut rest = stored_html;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        match Placeholder::parse(tag) {
            Some((placeholder, len)) => {
                placeholder.write(&mut out, resolver);
                rest = &tag[len..];
            }
            None => {
                // Not a placeholder we understand: keep it as it is (an unknown custom element
                // is inert) and look further on.
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The library photo of the first photo placeholder in `stored_html`, if any: what a story
/// without a lead photo shows on social cards and in its JSON-LD `image`.
pub fn first_photo(stored_html: &str) -> Option<MediaId> {
    let mut rest = stored_html;
    while let Some(at) = rest.find(OPEN) {
        let tag = &rest[at..];
        match Placeholder::parse(tag) {
            Some((Placeholder::Photo { media: Some(m), .. }, _)) => return Some(m),
            Some((_, len)) => rest = &tag[len..],
            None => rest = &tag[1..],
        }
    }
    None
}

/// `html` (a filled body) with its first image loaded at once rather than lazily: on a story
/// with no lead photo, the body's first photo is the first one a reader sees, often in the
/// first screen, and `loading="lazy"` would hold it back until layout. Only that one
/// `<img>` tag changes (its `loading` attribute goes); the rest stay lazy.
///
/// Any `<img` in a body is a tag (text escapes every `<`); attribute values are double-quoted
/// by the renderer and the sanitiser's serialiser, so the tag ends at the first `>` outside
/// quotes (a quoted value may hold a bare `>`).
pub fn first_image_eager(html: &str) -> Cow<'_, str> {
    let Some(start) = find_img(html) else {
        return Cow::Borrowed(html);
    };
    let mut quoted = false;
    let mut end = None;
    for (i, b) in html.as_bytes()[start..].iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => {
                end = Some(start + i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return Cow::Borrowed(html);
    };
    const LAZY: &str = " loading=\"lazy\"";
    match html[start..end].find(LAZY) {
        Some(at) => {
            let at = start + at;
            let mut out = String::with_capacity(html.len());
            out.push_str(&html[..at]);
            out.push_str(&html[at + LAZY.len()..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(html),
    }
}

/// Where the first `<img` tag in `html` starts.
fn find_img(html: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = html[from..].find("<img") {
        let at = from + at;
        match html.as_bytes().get(at + 4) {
            Some(b' ' | b'\t' | b'\n' | b'>' | b'/') => return Some(at),
            _ => from = at + 4,
        }
    }
    None
}

/// The text of the first paragraph of `stored_html` with words in it, tags dropped and
/// entities decoded, cut to about `max` characters at a word (with an ellipsis): the
/// description of a story whose editors wrote no standfirst.
pub fn first_paragraph(stored_html: &str, max: usize) -> Option<String> {
    let mut rest = stored_html;
    while let Some(at) = rest.find("<p>") {
        let inner = &rest[at + 3..];
        let end = inner.find("</p>").unwrap_or(inner.len());
        let mut text = String::new();
        let mut outside = &inner[..end];
        // Stored HTML escapes every `<` in text, so each `<` opens a tag.
        while let Some(open) = outside.find('<') {
            text.push_str(&outside[..open]);
            match outside[open..].find('>') {
                Some(close) => outside = &outside[open + close + 1..],
                None => outside = "",
            }
        }
        text.push_str(outside);
        let text = unescape(&text)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() {
            return Some(cut(&text, max));
        }
        rest = &inner[end..];
    }
    None
}

/// `text` cut to at most `max` characters at a word boundary, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max).collect();
    }
    out.push('…');
    out
}

/// A placeholder's decoded attributes.
enum Placeholder<'a> {
    ReadMore {
        data_ref: Cow<'a, str>,
    },
    Photo {
        media: Option<MediaId>,
        alt: Option<Cow<'a, str>>,
        caption: Option<Cow<'a, str>>,
    },
}

impl<'a> Placeholder<'a> {
    /// Parses `<dateline-NAME attr="…"…></dateline-NAME>` at the start of `s`; returns the
    /// placeholder and how many bytes it spans.
    fn parse(s: &'a str) -> Option<(Self, usize)> {
        let after = &s[OPEN.len()..];
        let name_len = after.find(|c: char| !(c.is_ascii_lowercase() || c == '-'))?;
        let name = &after[..name_len];
        let mut pos = OPEN.len() + name_len;

        let mut data_ref = None;
        let mut media = None;
        let mut alt = None;
        let mut caption = None;
        loop {
            let tail = &s[pos..];
            let trimmed = tail.trim_start_matches([' ', '\t', '\n']);
            pos += tail.len() - trimmed.len();
            if trimmed.starts_with('>') {
                pos += 1;
                break;
            }
            let eq = trimmed.find('=')?;
            let attr = &trimmed[..eq];
            let value_start = trimmed[eq + 1..].strip_prefix('"')?;
            let value_len = value_start.find('"')?;
            let value = unescape(&value_start[..value_len]);
            // name, `="`, value, closing quote
            pos += eq + 2 + value_len + 1;
            match attr {
                "data-ref" => data_ref = Some(value),
                "data-media" => media = value.parse::<i64>().ok().map(MediaId),
                "data-alt" => alt = Some(value),
                "data-caption" => caption = Some(value),
                _ => {}
            }
        }
        let close = format!("</dateline-{name}>");
        if s[pos..].starts_with(&close) {
            pos += close.len();
        }
        let placeholder = match name {
            "readmore" => Self::ReadMore {
                data_ref: data_ref?,
            },
            "photo" => Self::Photo {
                media,
                alt,
                caption,
            },
            _ => return None,
        };
        Some((placeholder, pos))
    }

    fn write(&self, out: &mut String, resolver: &dyn Resolver) {
        match self {
            Self::ReadMore { data_ref } => {
                let Some(target) = from_data_ref(data_ref).and_then(|r| resolver.read_more(&r))
                else {
                    return;
                };
                if !is_safe_link(&target.url) || target.url.trim().is_empty() {
                    return;
                }
                out.push_str("<aside class=\"read-more\"><a href=\"");
                push_attr(out, target.url.trim());
                out.push_str("\"><span class=\"read-more-label\">READ MORE:</span> ");
                push_text(out, &target.headline);
                out.push_str("</a></aside>");
            }
            Self::Photo {
                media,
                alt,
                caption,
            } => {
                let Some(photo) = media.and_then(|id| resolver.photo(id)) else {
                    return;
                };
                write_photo(out, &photo, alt.as_deref(), caption.as_deref());
            }
        }
    }
}

fn write_photo(out: &mut String, photo: &Photo, alt: Option<&str>, caption: Option<&str>) {
    if !is_safe_image_src(&photo.src) {
        return;
    }
    // A bad srcset costs only the responsive sizes; the plain src still works.
    let srcset = if is_safe_srcset(&photo.srcset) {
        photo.srcset.as_str()
    } else {
        ""
    };
    // Sources only beside a good srcset, each of them checked the same way.
    let sources: Vec<(&str, &str)> = if srcset.is_empty() {
        Vec::new()
    } else {
        photo
            .sources
            .iter()
            .filter(|(mime, set)| {
                matches!(mime.as_str(), "image/avif" | "image/webp") && is_safe_srcset(set)
            })
            .map(|(mime, set)| (mime.as_str(), set.as_str()))
            .collect()
    };
    let credit = photo.credit.to_string();
    push_figure(
        out,
        &Figure {
            src: &photo.src,
            srcset,
            sources: &sources,
            width: photo.width,
            height: photo.height,
            alt: alt.unwrap_or(&photo.alt),
            caption: caption.unwrap_or(&photo.caption),
            credit: &credit,
        },
    );
}

#[cfg(test)]
mod tests;
