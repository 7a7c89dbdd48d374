//! Snippets: the stretch of a result's text that best shows the words searched for, as safe
//! HTML (the fragment's text escaped, the matched words wrapped in `<mark>`). This is the only
//! HTML the search crate makes; it must never let stored text through unescaped (a headline or
//! body may contain `<script>` typed by anyone).
//!
//! Written here rather than with tantivy's `SnippetGenerator`, whose choice of fragment this
//! keeps exactly (the test `snippets_are_the_ones_tantivy_would_make` holds the two together):
//! the generator copies, lower-cases (a new string each) and looks up in a map every word of
//! the text, and a page of twenty results made that a third of a search's time. Here a word
//! is only looked at when it may match: one made of ASCII letters and digits whose first
//! letter (lower-cased) starts none of the stems searched for cannot, since the Snowball
//! stemmers change only the ends of such words; any other word is analysed by the index's own
//! analyser, once per search.

use std::collections::HashMap;
use std::ops::Range;
use tantivy::tokenizer::TextAnalyzer;

/// Words at least this long (in bytes) are not words to the index's analyser (its
/// `RemoveLongFilter`), so they neither match nor count in a fragment's length.
const LONGEST_WORD: usize = 40;

/// Stems searched for in one field, each with its weight (rarer words weigh more).
pub(crate) type Weights = Vec<(String, f32)>;

/// Makes the snippets of one search: remembers the stem of every word it had to analyse.
pub(crate) struct Snippets {
    analyzer: TextAnalyzer,
    /// Whether an ASCII letter or digit (lower-cased) starts any stem searched for.
    firsts: [bool; 128],
    /// Words met so far that may match, with their stems.
    stems: HashMap<String, String>,
    /// Bytes a snippet spans at most.
    max_bytes: usize,
}

/// A snippet: a stretch of a text and the ranges (relative to it) of the words that matched.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Snippet<'t> {
    pub fragment: &'t str,
    pub highlighted: Vec<Range<usize>>,
}

/// A fragment being measured: its span in the text, its score, its matches.
struct Candidate {
    start: usize,
    stop: usize,
    score: f32,
    highlighted: Vec<Range<usize>>,
}

impl Candidate {
    fn at(start: usize) -> Self {
        Candidate {
            start,
            stop: start,
            score: 0.0,
            highlighted: Vec::new(),
        }
    }
}

impl Snippets {
    /// Snippets for a search for `stems`, analysed by the index's `analyzer`, each spanning
    /// at most `max_bytes`.
    pub(crate) fn new(analyzer: &TextAnalyzer, stems: &[String], max_bytes: usize) -> Self {
        let mut firsts = [false; 128];
        for b in stems.iter().filter_map(|s| s.bytes().next()) {
            if b.is_ascii() {
                firsts[usize::from(b.to_ascii_lowercase())] = true;
            }
        }
        Snippets {
            analyzer: analyzer.clone(),
            firsts,
            stems: HashMap::new(),
            max_bytes,
        }
    }

    /// The best snippet of `text` for `weights`: the text cut into fragments of at most
    /// `max_bytes` at word boundaries, from its start, and the one whose matched words weigh
    /// most (the first among equals). Empty when no word of the text matches.
    pub(crate) fn make<'t>(&mut self, text: &'t str, weights: &[(String, f32)]) -> Snippet<'t> {
        if weights.is_empty() {
            return Snippet::default();
        }
        let mut best: Option<Candidate> = None;
        let mut current = Candidate::at(0);
        for word in words(text) {
            if word.end - current.start > self.max_bytes {
                let done = std::mem::replace(&mut current, Candidate::at(word.start));
                if done.score > 0.0 && best.as_ref().is_none_or(|b| done.score > b.score) {
                    best = Some(done);
                }
            }
            current.stop = word.end;
            if let Some(weight) = self.weight(&text[word.clone()], weights) {
                current.score += weight;
                current.highlighted.push(word);
            }
        }
        if current.score > 0.0 && best.as_ref().is_none_or(|b| current.score > b.score) {
            best = Some(current);
        }
        match best {
            Some(b) => Snippet {
                fragment: &text[b.start..b.stop],
                highlighted: b
                    .highlighted
                    .into_iter()
                    .map(|r| r.start - b.start..r.end - b.start)
                    .collect(),
            },
            None => Snippet::default(),
        }
    }

    /// The weight of `word` if its stem is one searched for.
    fn weight(&mut self, word: &str, weights: &[(String, f32)]) -> Option<f32> {
        let first = word.as_bytes()[0];
        if first.is_ascii()
            && !self.firsts[usize::from(first.to_ascii_lowercase())]
            && word.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        let weight_of = |stem: &str| weights.iter().find(|(s, _)| s == stem).map(|(_, w)| *w);
        if let Some(stem) = self.stems.get(word) {
            return weight_of(stem);
        }
        let mut stream = self.analyzer.token_stream(word);
        let stem = if stream.advance() {
            stream.token().text.clone()
        } else {
            String::new()
        };
        drop(stream);
        let weight = weight_of(&stem);
        self.stems.insert(word.to_owned(), stem);
        weight
    }
}

/// The words of `text` as the index's tokenizer cuts them (runs of letters and digits),
/// without those its analyser drops for their length.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at + next_boundary(&text[at..], false)?;
            let end = start + next_boundary(&text[start..], true).unwrap_or(text.len() - start);
            at = end;
            if end - start < LONGEST_WORD {
                return Some(start..end);
            }
        }
    })
}

/// The offset in `text` of its first character that is not (`in_word`) or is (`!in_word`) a
/// letter or digit; ASCII is told apart byte by byte, the rest by its character.
fn next_boundary(text: &str, in_word: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (alphanumeric, len) = if b.is_ascii() {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let c = text[i..].chars().next()?;
            (c.is_alphanumeric(), c.len_utf8())
        };
        if alphanumeric != in_word {
            return Some(i);
        }
        i += len;
    }
    None
}

/// Append `s` to `out` with `& < > " '` escaped (the runs between them copied whole).
fn escape_into(out: &mut String, s: &str) {
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
        out.push_str(&s[from..i]);
        out.push_str(escaped);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

impl Snippet<'_> {
    /// Whether no word matched (then there is nothing to show).
    pub(crate) fn is_empty(&self) -> bool {
        self.highlighted.is_empty()
    }

    /// The snippet as HTML. Highlight ranges that overlap, run past the fragment or split a
    /// character are skipped rather than trusted.
    pub(crate) fn html(&self) -> String {
        let fragment = self.fragment;
        let mut out = String::with_capacity(fragment.len() + 32);
        let mut pos = 0;
        for r in &self.highlighted {
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
}
