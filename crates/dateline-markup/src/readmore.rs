//! READ MORE lines: recognising `READ MORE: <ref>` and reducing the reference to the canonical
//! form stored in the placeholder (`id:123`, `path:/section/yyyy/mm/dd/slug/`, `short:abc2345`).
//!
//! Recognition must never be fuzzy: a line that is not exactly one of the documented forms stays
//! an ordinary paragraph (with a warning when it looks like an attempt), and hosts of absolute
//! URLs are never kept, so a READ MORE block can only ever link inside this site.

use crate::ArticleRef;
use dateline_core::ArticleId;

/// What a paragraph's text says, as far as READ MORE is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadMore {
    /// Not a READ MORE line at all.
    No,
    /// Starts with `READ MORE:` but the rest is not a reference we understand.
    Unrecognised,
    Yes(ArticleRef),
}

/// Classifies the text of a one-line paragraph.
pub(crate) fn parse(line: &str) -> ReadMore {
    let Some(rest) = strip_label(line.trim()) else {
        return ReadMore::No;
    };
    let rest = rest.trim();
    // `<https://…>` is Markdown's way of writing a bare link; accept it too.
    let rest = rest
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(rest);
    match parse_ref(rest) {
        Some(r) => ReadMore::Yes(r),
        None => ReadMore::Unrecognised,
    }
}

/// The text after `read more:` (any case, any whitespace around the words and the colon).
fn strip_label(s: &str) -> Option<&str> {
    let rest = strip_word(s, "read")?.trim_start();
    let rest = strip_word(rest, "more")?.trim_start();
    rest.strip_prefix(':')
}

fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let head = s.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &s[word.len()..])
}

/// The data-ref value for a reference: `id:123`, `path:/…/`, `short:abc2345`.
pub(crate) fn to_data_ref(r: &ArticleRef) -> String {
    match r {
        ArticleRef::Id(id) => format!("id:{}", id.0),
        ArticleRef::Path(p) => format!("path:{p}"),
        ArticleRef::Short(s) => format!("short:{s}"),
    }
}

/// The inverse of [`to_data_ref`], for `fill`. Re-checks the shape rather than trusting stored
/// HTML.
pub(crate) fn from_data_ref(s: &str) -> Option<ArticleRef> {
    if let Some(id) = s.strip_prefix("id:") {
        return parse_id(id);
    }
    if let Some(path) = s.strip_prefix("path:") {
        return parse_site_path(path);
    }
    if let Some(code) = s.strip_prefix("short:") {
        return parse_short_code(code);
    }
    None
}

fn parse_ref(s: &str) -> Option<ArticleRef> {
    if s.is_empty() || s.contains(char::is_whitespace) {
        return None;
    }
    if let Some(r) = parse_id(s.strip_prefix('#').unwrap_or(s)) {
        return Some(r);
    }
    let path = match strip_scheme(s) {
        Some(after_scheme) => {
            let slash = after_scheme.find('/')?;
            let host = &after_scheme[..slash];
            if host.is_empty() {
                return None;
            }
            &after_scheme[slash..]
        }
        None => s,
    };
    // Only the path names the article; a query or fragment (tracking codes) is dropped.
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if let Some(code) = path.strip_prefix("/s/") {
        return parse_short_code(code.strip_suffix('/').unwrap_or(code));
    }
    parse_site_path(path)
}

fn strip_scheme(s: &str) -> Option<&str> {
    strip_word(s, "https://").or_else(|| strip_word(s, "http://"))
}

fn parse_id(s: &str) -> Option<ArticleRef> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    (n > 0).then_some(ArticleRef::Id(ArticleId(n)))
}

/// Short codes are 1 to 7 letters and digits (the store knows the exact alphabet and answers
/// "missing" for a code it never issued); stored lowercase, as codes are case-insensitive.
fn parse_short_code(s: &str) -> Option<ArticleRef> {
    let ok = (1..=7).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| ArticleRef::Short(s.to_ascii_lowercase()))
}

/// `/section/yyyy/mm/dd/slug` with or without the trailing slash, returned in canonical form
/// (lowercase, trailing slash), the form article paths are generated in.
fn parse_site_path(s: &str) -> Option<ArticleRef> {
    let inner = s.strip_prefix('/')?;
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let parts: Vec<&str> = inner.split('/').collect();
    let [section, y, m, d, slug] = parts.as_slice() else {
        return None;
    };
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let slug_like = |p: &str| {
        !p.is_empty() && p.len() <= 120 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !(slug_like(section) && digits(y, 4) && digits(m, 2) && digits(d, 2) && slug_like(slug)) {
        return None;
    }
    Some(ArticleRef::Path(
        format!("/{section}/{y}/{m}/{d}/{slug}/").to_ascii_lowercase(),
    ))
}

#[cfg(test)]
mod tests;
