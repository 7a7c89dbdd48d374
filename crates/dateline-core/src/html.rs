//! Escaping text for HTML: the five characters HTML text and quoted attribute values need
//! (`& < > " '`), nothing more (minijinja's own escaper also turns every `/` into `&#x2f;`).
//! The one escaper the theme's templates, search snippets and plain-text pages share.

use std::fmt;

/// Write `s` to `out` with `& < > " '` escaped, the runs between them copied whole.
pub fn escape_into<W: fmt::Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.write_str(&s[from..i])?;
        out.write_str(escaped)?;
        from = i + 1;
    }
    out.write_str(&s[from..])
}

/// `s` with `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push_escaped(&mut out, s);
    out
}

/// Append `s` to `out` with `& < > " '` escaped.
pub fn push_escaped(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    let _ = escape_into(out, s);
}

#[cfg(test)]
mod tests;
