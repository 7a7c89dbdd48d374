//! Editorial footnotes: the reader-facing marker sequence (`*`, `**`, `***`, `†`, `‡`, `§`, then
//! numbers), the element ids that link a marker to its note and back, and the notes' `<aside>`.
//!
//! Ids are built only from a-z, 0-9 and `-`, so an editor's label can never break out of an
//! attribute or collide with the page's own ids (they all start `fn-`/`fnref-`). This module
//! never decides which notes exist; the renderer does.

use crate::html::push_text;
use std::collections::HashSet;

/// The marker shown for the `n`th note (1-based) in order of first reference. After the six
/// symbols the note's own position is shown, so the 7th note is `7`.
pub(crate) fn marker(n: usize) -> String {
    match n {
        0 | 1 => "*".to_owned(),
        2 => "**".to_owned(),
        3 => "***".to_owned(),
        4 => "†".to_owned(),
        5 => "‡".to_owned(),
        6 => "§".to_owned(),
        n => n.to_string(),
    }
}

/// Hands out one safe id per note label: the label slugified, `note` when nothing is left, and a
/// `-2`, `-3`… suffix when two labels slugify alike.
#[derive(Default)]
pub(crate) struct IdMaker {
    used: HashSet<String>,
}

impl IdMaker {
    pub(crate) fn make(&mut self, label: &str) -> String {
        let base = slugify(label);
        let mut id = base.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }
}

fn slugify(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    // Long labels make long ids for no benefit.
    out.truncate(40);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("note");
    }
    out
}

/// The marker in the text. `nth_ref` counts references to the same note (1-based); later ones
/// get their own id so the page has no duplicate ids, and all lead to the same note.
pub(crate) fn push_reference(out: &mut String, id: &str, marker: &str, nth_ref: usize) {
    out.push_str("<sup class=\"fn-ref\"><a href=\"#fn-");
    out.push_str(id);
    out.push_str("\" id=\"fnref-");
    out.push_str(id);
    if nth_ref > 1 {
        out.push_str(&format!("-{nth_ref}"));
    }
    out.push_str("\" aria-describedby=\"footnotes-label\">");
    push_text(out, marker);
    out.push_str("</a></sup>");
}

/// One note ready for the aside: its id, marker and rendered (already escaped) content.
pub(crate) struct RenderedNote {
    pub id: String,
    pub marker: String,
    pub html: String,
}

/// The `<aside>` listing the notes, in order.
pub(crate) fn push_aside(out: &mut String, notes: &[RenderedNote]) {
    if notes.is_empty() {
        return;
    }
    out.push_str(
        "<aside class=\"footnotes\" aria-labelledby=\"footnotes-label\"><h2 id=\"footnotes-label\" class=\"visually-hidden\">Notes</h2>",
    );
    for note in notes {
        out.push_str("<p id=\"fn-");
        out.push_str(&note.id);
        out.push_str("\" class=\"footnote\"><span class=\"fn-mark\">");
        push_text(out, &note.marker);
        out.push_str("</span>");
        out.push_str(note.html.trim_end());
        out.push_str(" <a href=\"#fnref-");
        out.push_str(&note.id);
        out.push_str("\" class=\"fn-back\" aria-label=\"Back to text\">↩</a></p>");
    }
    out.push_str("</aside>\n");
}

#[cfg(test)]
mod tests;
