//! Snippets as safe HTML: the fragment's text escaped, the matched words wrapped in `<mark>`.
//! This is the only HTML the search crate makes; it must never let stored text through
//! unescaped (a headline or body may contain `<script>` typed by anyone).
//!
//! Also the analyser snippets are made with: the index's own, except that it stems only the
//! words that may stem to a word searched for, and each such word once per search. Stemming is
//! most of what a snippet costs, and a word can only match when it does.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use tantivy::snippet::Snippet;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// The index's analyser (`schema::analyzer`) for snippets of a search for `stems`: a word
/// made of ASCII letters and digits whose first letter starts none of the stems is left as it
/// is, since the Snowball stemmers change only the ends of such words; any other word is
/// stemmed by `full`, the index's analyser, and its stem remembered for the rest of the
/// search (the analyser is cloned for every snippet; the memory is shared by the clones).
/// Either way, a word that matches gets the stem the index gave it.
pub(crate) fn analyzer<'a>(
    full: &TextAnalyzer,
    stems: impl Iterator<Item = &'a str>,
) -> TextAnalyzer {
    let firsts: BTreeSet<u8> = stems.filter_map(|s| s.bytes().next()).collect();
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StemCandidates {
            full: full.clone(),
            firsts,
            stems: Arc::default(),
        })
        .build()
}

/// See [`analyzer`].
#[derive(Clone)]
struct StemCandidates {
    full: TextAnalyzer,
    firsts: BTreeSet<u8>,
    /// Words stemmed so far in this search, with their stems.
    stems: Arc<Mutex<HashMap<String, String>>>,
}

impl TokenFilter for StemCandidates {
    type Tokenizer<T: Tokenizer> = StemCandidatesFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        StemCandidatesFilter {
            inner: tokenizer,
            filter: self,
        }
    }
}

#[derive(Clone)]
pub(crate) struct StemCandidatesFilter<T> {
    inner: T,
    filter: StemCandidates,
}

impl<T: Tokenizer> Tokenizer for StemCandidatesFilter<T> {
    type TokenStream<'a> = StemCandidatesStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemCandidatesStream {
            tail: self.inner.token_stream(text),
            filter: &mut self.filter,
        }
    }
}

pub(crate) struct StemCandidatesStream<'a, T> {
    tail: T,
    filter: &'a mut StemCandidates,
}

impl<T: TokenStream> TokenStream for StemCandidatesStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let plain = token.text.bytes().all(|b| b.is_ascii_alphanumeric());
        let first = token.text.bytes().next();
        if plain && first.is_some_and(|b| !self.filter.firsts.contains(&b)) {
            return true;
        }
        let word = std::mem::take(&mut token.text);
        let mut stems = self.filter.stems.lock().unwrap_or_else(|e| e.into_inner());
        let stem = match stems.get(&word) {
            Some(stem) => stem.clone(),
            None => {
                let mut stream = self.filter.full.token_stream(&word);
                let stem = if stream.advance() {
                    stream.token().text.clone()
                } else {
                    word.clone()
                };
                drop(stream);
                stems.insert(word, stem.clone());
                stem
            }
        };
        drop(stems);
        self.tail.token_mut().text = stem;
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

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
