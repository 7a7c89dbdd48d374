//! HTML escaping and URL checks shared by the save-time renderer and the view-time filler.
//!
//! Everything that reaches HTML from an editor or a resolver goes through these functions; they
//! must never let a string close an attribute or open a tag, and never pass a URL whose scheme
//! could run script.

use std::borrow::Cow;

/// Appends `s` escaped for an element's text. Matches what the sanitiser's serialiser writes, so
/// sanitising the renderer's output changes nothing.
pub(crate) fn push_text(out: &mut String, s: &str) {
    push_escaped(out, s, false);
}

/// Appends `s` escaped for a double-quoted attribute value. `<` and `>` are escaped too, so a
/// literal `<` never appears anywhere in the output except as the start of a real tag: `fill`
/// relies on that to find placeholders with a plain substring search.
pub(crate) fn push_attr(out: &mut String, s: &str) {
    push_escaped(out, s, true);
}

fn push_escaped(out: &mut String, s: &str, attr: bool) {
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' if attr => "&quot;",
            '\u{a0}' => "&nbsp;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + c.len_utf8();
    }
    out.push_str(&s[last..]);
}

/// Reverses the escaping the sanitiser's serialiser applies to attribute values (plus numeric
/// references, for stored HTML written by other tools). Unknown references are kept as typed.
pub(crate) fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // References are short; looking only a few bytes ahead keeps this linear.
        let semi = after.bytes().take(12).position(|b| b == b';');
        let decoded = semi.and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The scheme of a URL as a browser would see it (lowercase), or None for a relative URL.
/// Browsers drop tabs and newlines anywhere and leading control characters and spaces, so
/// `java\tscript:` is a scheme too.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = cleaned.find(['/', '?', '#']).unwrap_or(cleaned.len());
    let colon = cleaned[..end].find(':')?;
    Some(cleaned[..colon].to_ascii_lowercase())
}

/// Whether a script scheme appears anywhere in the URL, not only at the start: a
/// `?next=javascript:…` parameter is how open redirects are turned into script, and no real
/// link needs one.
pub(crate) fn mentions_script_scheme(url: &str) -> bool {
    let squashed: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    squashed.contains("javascript:") || squashed.contains("vbscript:")
}

/// A link target readers may follow: http, https, mailto, or a relative URL.
pub(crate) fn is_safe_link(url: &str) -> bool {
    if mentions_script_scheme(url) {
        return false;
    }
    match scheme(url) {
        None => true,
        Some(s) => matches!(s.as_str(), "http" | "https" | "mailto"),
    }
}

/// An absolute web link (which gets `rel="noopener"`).
pub(crate) fn is_absolute_web(url: &str) -> bool {
    matches!(scheme(url).as_deref(), Some("http" | "https"))
}

/// An image address: `http(s)://host/…` or a site path `/…`. Protocol-relative `//host`,
/// backslashes, whitespace and control characters are refused so there is exactly one way to
/// read the address.
pub(crate) fn is_safe_image_src(src: &str) -> bool {
    if src.is_empty()
        || mentions_script_scheme(src)
        || src.contains('\\')
        || src.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let lower = src.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        return !rest.is_empty() && !rest.starts_with('/');
    }
    src.starts_with('/') && !src.starts_with("//")
}

/// A `srcset` whose every candidate is a safe image address followed by at most one width
/// (`320w`) or density (`2x`) descriptor, and nothing else.
pub(crate) fn is_safe_srcset(srcset: &str) -> bool {
    srcset.split(',').all(|candidate| {
        let mut parts = candidate.split_whitespace();
        let url_ok = parts.next().is_some_and(is_safe_image_src);
        let descriptor_ok = parts.next().is_none_or(is_descriptor);
        url_ok && descriptor_ok && parts.next().is_none()
    })
}

fn is_descriptor(d: &str) -> bool {
    let number = |n: &str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && n.bytes().filter(|b| *b == b'.').count() <= 1
    };
    d.strip_suffix('w').is_some_and(number) || d.strip_suffix('x').is_some_and(number)
}

#[cfg(test)]
mod tests;
