//! Snippets as safe HTML: the fragment's text escaped, the matched words wrapped in `<mark>`.
//! This is the only HTML the search crate makes; it must never let stored text through
//! unescaped (a headline or body may contain `<script>` typed by anyone).

use tantivy::snippet::Snippet;

/// Append `s` to `out` with `& < > " '` escaped.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The snippet as HTML. Highlight ranges that overlap, run past the fragment or split a
/// character are skipped rather than trusted.
pub fn html(snippet: &Snippet) -> String {
    let fragment = snippet.fragment();
    let mut out = String::with_capacity(fragment.len() + 32);
    let mut pos = 0;
    for r in snippet.highlighted() {
        let (Some(before), Some(word)) = (fragment.get(pos..r.start), fragment.get(r.clone()))
        else {
            continue;
        };
        escape_into(&mut out, before);
        out.push_str("<mark>");
        escape_into(&mut out, word);
        out.push_str("</mark>");
        pos = r.end;
    }
    escape_into(&mut out, fragment.get(pos..).unwrap_or(""));
    out
}
