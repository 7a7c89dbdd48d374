//! The one way feed and sitemap XML leaves this module as text: [`document`], which every RSS,
//! Atom and sitemap writer hands its bytes to. It must never let through a character XML 1.0
//! cannot carry at all: the C0 controls other than tab, newline and carriage return (NUL
//! included) have no escaped form either, so one in a headline, a name or a setting made the
//! whole feed unreadable to every reader ("not well-formed (invalid token)"). They are dropped
//! here, after the writers have run, so no field (today's or one added later) can bring one in.

use crate::AppError;

/// Whether XML 1.0 can carry `c` at all (tab, newline and carriage return are the only C0
/// controls it allows).
fn allowed(c: char) -> bool {
    !c.is_ascii_control() || matches!(c, '\t' | '\n' | '\r') || c == '\u{7f}'
}

/// `s` without the characters XML cannot carry; borrowed when there were none.
pub(crate) fn strip_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(allowed) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.chars().filter(|&c| allowed(c)).collect())
    }
}

/// A written XML document as the answer's text: UTF-8 checked, C0 controls dropped.
pub(super) fn document(bytes: Vec<u8>, what: &str) -> Result<String, AppError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context(format!("writing {what}")))
    })?;
    Ok(match strip_controls(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => clean,
    })
}

#[cfg(test)]
mod tests;
