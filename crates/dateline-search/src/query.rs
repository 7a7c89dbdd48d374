//! Readers' queries, parsed leniently: words and `"quoted phrases"`, nothing else. There is no
//! operator syntax to get wrong (`AND OR (` are words, `*` and a lone `"` are nothing), so any
//! string parses; what cannot be searched for is dropped, never an error.
//!
//! Turning the parts into a tantivy query (stemming, typo tolerance, field weights) happens in
//! `lib.rs`, where the index's analyser is at hand. This module must never panic on any input.

/// Longest query the site accepts, in characters; the web layer answers 400 beyond it.
pub const MAX_QUERY_CHARS: usize = 1000;

/// Words searched for at most; further words are ignored, so a pasted page costs no more than
/// a long sentence.
pub const MAX_WORDS: usize = 32;

/// Words at least this long (in characters) also match words one edit away.
pub const FUZZY_MIN_CHARS: usize = 5;

/// One part of a query: a word every result must contain (in any form the stemmer maps to the
/// same stem), or a phrase whose words must appear together in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Word(String),
    Phrase(Vec<String>),
}

/// A query split into its parts, at most [`MAX_WORDS`] words in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub parts: Vec<Part>,
}

impl Parsed {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}' | '\u{201e}')
}

/// Whether a word has anything searchable in it (letters or digits).
fn searchable(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
}

/// Split `text` into words and phrases. An unclosed quote runs to the end; a phrase of one
/// word is a word; words without letters or digits are dropped.
pub fn parse(text: &str) -> Parsed {
    let mut parts = Vec::new();
    let mut words = 0usize;
    let mut in_phrase = false;
    let mut buf = String::new();
    let flush = |buf: &mut String, phrase: bool, parts: &mut Vec<Part>, words: &mut usize| {
        let taken: Vec<String> = buf
            .split_whitespace()
            .filter(|w| searchable(w))
            .take(MAX_WORDS.saturating_sub(*words))
            .map(str::to_owned)
            .collect();
        buf.clear();
        *words += taken.len();
        if phrase && taken.len() > 1 {
            parts.push(Part::Phrase(taken));
        } else {
            parts.extend(taken.into_iter().map(Part::Word));
        }
    };
    for c in text.chars() {
        if is_quote(c) {
            flush(&mut buf, in_phrase, &mut parts, &mut words);
            in_phrase = !in_phrase;
        } else {
            buf.push(c);
        }
    }
    flush(&mut buf, in_phrase, &mut parts, &mut words);
    Parsed { parts }
}
