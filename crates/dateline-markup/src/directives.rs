//! `::: photo` blocks. They are cut out of the body before the Markdown parser sees it (their
//! lines are `key: value` data, not Markdown) and replaced by a one-line token paragraph that the
//! renderer swaps for the photo's markup.
//!
//! This module must never guess: an unknown key, a missing required key, an unclosed block, a bad
//! size or an address that is not plain http(s) or a site path is an error with the line number,
//! never silently ignored.

use crate::error::MarkupError;
use crate::html::is_safe_image_src;
use dateline_core::MediaId;
use dateline_core::media::Credit;

/// Marks a photo token paragraph. Editors' own U+FFFC characters are replaced before parsing (it
/// is an invisible "object replacement" character with no use in prose), so a token can only
/// come from here.
pub(crate) const TOKEN: char = '\u{FFFC}';

/// Where a photo's pixels come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhotoSource {
    /// A media-library photo; resolved at view time.
    Library(MediaId),
    /// A file by address, rendered in full at save time.
    File {
        src: String,
        width: u32,
        height: u32,
        credit: Credit,
    },
}

/// One parsed `::: photo` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhotoDirective {
    /// 1-based line of the `::: photo` line in the body as typed.
    pub line: usize,
    pub source: PhotoSource,
    /// Overrides (library) or the values (file); `Some("")` is a deliberate empty override.
    pub alt: Option<String>,
    pub caption: Option<String>,
}

/// The body with photo blocks replaced by tokens, ready for the Markdown parser.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub source: String,
    /// `line_map[i]` is the original line of prepared line `i + 1`.
    line_map: Vec<usize>,
    pub photos: Vec<PhotoDirective>,
}

impl Prepared {
    /// The original 1-based line for a 1-based line of the prepared source.
    pub fn original_line(&self, prepared_line: usize) -> usize {
        let idx = prepared_line.saturating_sub(1);
        self.line_map
            .get(idx)
            .or(self.line_map.last())
            .copied()
            .unwrap_or(1)
    }
}

const LIBRARY_KEYS: &str = "`alt:` and `caption:` (the credit comes from the media library)";
const FILE_KEYS: &str = "`alt:`, `caption:`, `agency:`, `photographer:`, `courtesy:` and `size:`";

/// Cuts the photo blocks out of `source` (line endings already normalised to `\n`).
pub(crate) fn prepare(source: &str) -> Result<Prepared, MarkupError> {
    let lines: Vec<&str> = source.split('\n').collect();
    let mut out = String::with_capacity(source.len() + 16);
    let mut line_map = Vec::with_capacity(lines.len() + 4);
    let mut photos = Vec::new();
    let mut fence: Option<Fence> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let number = i + 1;
        if let Some(open) = fence {
            if open.closed_by(line) {
                fence = None;
            }
        } else if let Some(reference) = photo_opening(line) {
            let (photo, end) = parse_block(&lines, i, reference)?;
            // Blank lines around the token end any paragraph, list or quote before it and keep
            // the next line from joining the token's paragraph.
            let token = format!("{TOKEN}{}", photos.len());
            for l in ["", token.as_str(), ""] {
                out.push_str(l);
                out.push('\n');
                line_map.push(number);
            }
            photos.push(photo);
            i = end + 1;
            continue;
        } else {
            fence = Fence::opened_by(line);
        }
        out.push_str(line);
        out.push('\n');
        line_map.push(number);
        i += 1;
    }
    Ok(Prepared {
        source: out,
        line_map,
        photos,
    })
}

/// A fenced code block being skipped, so `::: photo` inside code stays code.
#[derive(Debug, Clone, Copy)]
struct Fence {
    ch: u8,
    len: usize,
}

impl Fence {
    fn opened_by(line: &str) -> Option<Self> {
        let t = strip_container_markers(line);
        let ch = *t.as_bytes().first()?;
        if ch != b'`' && ch != b'~' {
            return None;
        }
        let len = t.bytes().take_while(|b| *b == ch).count();
        // A backtick fence's info string cannot contain backticks (CommonMark); otherwise the
        // line is inline code, not a fence.
        if len < 3 || (ch == b'`' && t[len..].contains('`')) {
            return None;
        }
        Some(Self { ch, len })
    }

    fn closed_by(self, line: &str) -> bool {
        let t = strip_container_markers(line);
        let run = t.bytes().take_while(|b| *b == self.ch).count();
        run >= self.len && t[run..].trim().is_empty()
    }
}

/// Leading indentation, `>` quote markers and list markers, so fences inside quotes and list
/// items are noticed too.
fn strip_container_markers(line: &str) -> &str {
    let mut t = line.trim_start();
    loop {
        if let Some(rest) = t.strip_prefix('>') {
            t = rest.trim_start();
            continue;
        }
        if let Some(rest) = t
            .strip_prefix(['-', '+', '*'])
            .filter(|r| r.starts_with([' ', '\t']))
        {
            t = rest.trim_start();
            continue;
        }
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=9).contains(&digits)
            && let Some(rest) = t[digits..]
                .strip_prefix(['.', ')'])
                .filter(|r| r.starts_with([' ', '\t']))
        {
            t = rest.trim_start();
            continue;
        }
        return t;
    }
}

/// For a `::: photo …` line (up to three spaces of indentation, as for any Markdown block), the
/// text after `photo`, trimmed (possibly empty).
fn photo_opening(line: &str) -> Option<&str> {
    let indent = line.bytes().take_while(|b| *b == b' ').count();
    if indent > 3 {
        return None;
    }
    let rest = line[indent..].strip_prefix(":::")?.trim_start();
    let word = rest.get(..5)?;
    if !word.eq_ignore_ascii_case("photo") {
        return None;
    }
    let after = &rest[5..];
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(after.trim())
}

fn is_closing(line: &str) -> bool {
    line.trim_start()
        .strip_prefix(":::")
        .is_some_and(|r| r.trim().is_empty())
}

/// Parses the block opened at `lines[open]`; returns it and the index of its closing line.
fn parse_block(
    lines: &[&str],
    open: usize,
    reference: &str,
) -> Result<(PhotoDirective, usize), MarkupError> {
    let line = open + 1;
    let library = parse_reference(reference, line)?;
    let allowed = if library.is_some() {
        LIBRARY_KEYS
    } else {
        FILE_KEYS
    };

    let mut fields = Fields::default();
    let mut close = None;
    for (i, l) in lines.iter().enumerate().skip(open + 1) {
        if is_closing(l) {
            close = Some(i);
            break;
        }
        // A new block before this one is closed means the closing line was forgotten.
        if photo_opening(l).is_some() {
            return Err(MarkupError::PhotoUnclosed { line });
        }
        if l.trim().is_empty() {
            continue;
        }
        fields.add(l, i + 1, library.is_some(), allowed)?;
    }
    let close = close.ok_or(MarkupError::PhotoUnclosed { line })?;

    let source = match library {
        Some(id) => PhotoSource::Library(id),
        None => {
            match &fields.alt {
                None => return Err(MarkupError::PhotoNeedsAlt { line }),
                Some((alt, alt_line)) if alt.is_empty() => {
                    return Err(MarkupError::PhotoEmptyAlt { line: *alt_line });
                }
                Some(_) => {}
            }
            let (width, height) = fields.size.ok_or(MarkupError::PhotoNeedsSize { line })?;
            PhotoSource::File {
                src: reference.to_owned(),
                width,
                height,
                credit: Credit::new(
                    fields.agency.unwrap_or_default(),
                    fields.photographer.unwrap_or_default(),
                    fields.courtesy.unwrap_or_default(),
                ),
            }
        }
    };
    let photo = PhotoDirective {
        line,
        source,
        alt: fields.alt.map(|(v, _)| v),
        caption: fields.caption,
    };
    Ok((photo, close))
}

/// `Some(id)` for a library photo (`42`, `media:42`), `None` for a checked file address.
fn parse_reference(reference: &str, line: usize) -> Result<Option<MediaId>, MarkupError> {
    if reference.is_empty() {
        return Err(MarkupError::PhotoMissingRef { line });
    }
    let bad = || MarkupError::PhotoBadRef {
        line,
        reference: shorten(reference),
    };
    let digits = match reference.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("media:") => &reference[6..],
        _ => reference,
    };
    if digits.bytes().all(|b| b.is_ascii_digit()) && !digits.is_empty() {
        return match digits.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(MediaId(n))),
            _ => Err(bad()),
        };
    }
    if digits.len() != reference.len() || !is_safe_image_src(reference) {
        return Err(bad());
    }
    Ok(None)
}

/// Enough of an editor's text to recognise it in an error message.
fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The `key: value` lines of one block.
#[derive(Default)]
struct Fields {
    /// The alt text and its line, so an empty one can be pointed at.
    alt: Option<(String, usize)>,
    caption: Option<String>,
    agency: Option<String>,
    photographer: Option<String>,
    courtesy: Option<String>,
    size: Option<(u32, u32)>,
}

impl Fields {
    fn add(
        &mut self,
        l: &str,
        line: usize,
        library: bool,
        allowed: &'static str,
    ) -> Result<(), MarkupError> {
        let (key, value) = l
            .split_once(':')
            .ok_or(MarkupError::PhotoBadLine { line })?;
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(MarkupError::PhotoBadLine { line });
        }
        let key = key.to_ascii_lowercase();
        let value = value.trim().to_owned();
        let duplicate = || MarkupError::PhotoDuplicateKey {
            line,
            key: key.clone(),
        };
        let unknown = || MarkupError::PhotoUnknownKey {
            line,
            key: key.clone(),
            allowed,
        };
        fn set<T>(slot: &mut Option<T>, v: T, dup: MarkupError) -> Result<(), MarkupError> {
            if slot.is_some() {
                return Err(dup);
            }
            *slot = Some(v);
            Ok(())
        }
        match key.as_str() {
            "alt" => set(&mut self.alt, (value, line), duplicate()),
            "caption" => set(&mut self.caption, value, duplicate()),
            _ if library => Err(unknown()),
            "agency" => set(&mut self.agency, value, duplicate()),
            "photographer" => set(&mut self.photographer, value, duplicate()),
            "courtesy" => set(&mut self.courtesy, value, duplicate()),
            "size" => {
                let size = parse_size(&value).ok_or_else(|| MarkupError::PhotoBadSize {
                    line,
                    value: shorten(&value),
                })?;
                set(&mut self.size, size, duplicate())
            }
            _ => Err(unknown()),
        }
    }
}

/// `1600x900` (also `1600 x 900`, `1600X900`, `1600×900`); each side 1 to 20000 pixels.
fn parse_size(value: &str) -> Option<(u32, u32)> {
    let (w, h) = value.split_once(['x', 'X', '×'])?;
    let side = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok().filter(|n| (1..=20_000).contains(n))
    };
    Some((side(w)?, side(h)?))
}

#[cfg(test)]
mod tests;
