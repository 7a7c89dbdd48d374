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
//!
//! Where in a body to look comes from the index too: the body's postings give the word
//! position of each hit's first searched word (`first_positions`), and only about 600 bytes
//! around where that position falls are cut into fragments ([`ForSearch::html`]).

use crate::SearchError;
use dateline_core::html::push_escaped;
use std::collections::HashMap;
use std::ops::Range;
use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocSet, Searcher, TERMINATED, Term};

/// Words at least this long (in bytes) are not words to the index's analyser (its
/// `RemoveLongFilter`), so they neither match nor count in a fragment's length.
const LONGEST_WORD: usize = 40;

/// Stems searched for in one field, each with its weight (rarer words weigh more).
pub(crate) type Weights = Vec<(String, f32)>;

/// Bytes of text a snippet shows at most (as many characters of most English text).
const CHARS: usize = 220;

/// Bytes of the body a snippet is looked for in first: around where the first word searched
/// for lies by its position. Making a snippet tokenises the text it is made from, and a whole
/// 600-word body costs more than the search; the whole body is read only when the estimate of
/// where the word lies misses.
const WINDOW: usize = 600;

/// A search's snippets: the maker, the weights of the stems searched for in the body and the
/// standfirst, and where each hit's body first has one of them.
pub(crate) struct ForSearch {
    snippets: Snippets,
    body_field: Field,
    body: Weights,
    standfirst: Weights,
    firsts: HashMap<DocAddress, u32>,
}

impl ForSearch {
    /// The snippets of a search for `stems` (analysed by the index's `analyzer`) in the
    /// `(body, standfirst)` fields of the stories at `hits`.
    pub(crate) fn new(
        searcher: &Searcher,
        analyzer: &TextAnalyzer,
        stems: &[String],
        (body_field, standfirst_field): (Field, Field),
        hits: &[DocAddress],
    ) -> Result<Self, SearchError> {
        Ok(ForSearch {
            snippets: Snippets::new(analyzer, stems, CHARS),
            body_field,
            body: weights(searcher, stems, body_field)?,
            standfirst: weights(searcher, stems, standfirst_field)?,
            firsts: first_positions(searcher, body_field, stems, hits)?,
        })
    }

    /// The snippet of the hit at `address`, whose stored body and standfirst are given, as
    /// HTML; empty when nothing matched in them (only the headline or a tag). The body's
    /// postings say whether any word is in it at all (a story found by its headline alone is
    /// not read through for nothing) and at which word: the snippet is looked for in the
    /// stretch where that word lies if words are of even length (the lead when it is early)
    /// and, should that estimate miss, in the whole body; failing the body, in the standfirst.
    pub(crate) fn html(
        &mut self,
        searcher: &Searcher,
        address: DocAddress,
        body: &str,
        standfirst: &str,
    ) -> Result<String, SearchError> {
        let mut s = Snippet::default();
        if let Some(&word) = self.firsts.get(&address) {
            let words = searcher
                .segment_reader(address.segment_ord)
                .get_fieldnorms_reader(self.body_field)?
                .fieldnorm(address.doc_id);
            let stretch = around(body, word, words, WINDOW);
            s = self.snippets.make(stretch, &self.body);
            if s.is_empty() && stretch.len() < body.len() {
                s = self.snippets.make(body, &self.body);
            }
        }
        if s.is_empty() {
            s = self.snippets.make(standfirst, &self.standfirst);
        }
        Ok(s.html())
    }
}

/// Makes the snippets of one search: remembers the stem of every word it had to analyse.
pub(crate) struct Snippets {
    analyzer: TextAnalyzer,
    /// Whether an ASCII letter or digit (lower-cased) starts any stem searched for.
    firsts: [bool; 128],
    /// Words met so far that may match, with their stems.
    stems: HashMap<String, String>,
    /// Bytes a snippet spans at most.
    max_bytes: usize,
    /// Where the words of the text being cut are (kept to be reused).
    map: WordMap,
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

    /// Make this the `best` if it matched and beats it (an earlier fragment wins a tie).
    fn keep_if_best(self, best: &mut Option<Candidate>) {
        if self.score > 0.0 && best.as_ref().is_none_or(|b| self.score > b.score) {
            *best = Some(self);
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
            map: WordMap::default(),
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
        let mut map = std::mem::take(&mut self.map);
        map.read(text);
        for word in map.words() {
            if word.end - current.start > self.max_bytes {
                let done = std::mem::replace(&mut current, Candidate::at(word.start));
                done.keep_if_best(&mut best);
            }
            current.stop = word.end;
            if let Some(weight) = self.weight(&text[word.clone()], weights) {
                current.score += weight;
                current.highlighted.push(word);
            }
        }
        self.map = map;
        current.keep_if_best(&mut best);
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
        // A word is letters and digits: one all in ASCII is all ASCII letters and digits.
        if first.is_ascii()
            && !self.firsts[usize::from(first.to_ascii_lowercase())]
            && word.is_ascii()
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

/// The `stems` searched for that are in `field` at all, weighted for snippets as tantivy's
/// snippet generator weighs them: rarer words weigh more.
fn weights(searcher: &Searcher, stems: &[String], field: Field) -> Result<Weights, SearchError> {
    let mut weights = Weights::new();
    for stem in stems {
        let doc_freq = searcher.doc_freq(&Term::from_field_text(field, stem))?;
        if doc_freq > 0 && !weights.iter().any(|(s, _)| s == stem) {
            weights.push((stem.clone(), 1.0 / (1.0 + doc_freq as f32)));
        }
    }
    Ok(weights)
}

/// For each story of `addresses` that has any of `stems` in `field`, the first position (in
/// words) at which it does, by the field's postings. Each stem's posting list is opened once
/// per segment and walked forward through the segment's stories in order.
fn first_positions(
    searcher: &Searcher,
    field: Field,
    stems: &[String],
    addresses: &[DocAddress],
) -> Result<HashMap<DocAddress, u32>, SearchError> {
    let mut sorted = addresses.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut first: HashMap<DocAddress, u32> = HashMap::new();
    let mut positions = Vec::new();
    for segment in sorted.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
        let index = searcher
            .segment_reader(segment[0].segment_ord)
            .inverted_index(field)?;
        for stem in stems {
            let term = Term::from_field_text(field, stem);
            let postings = index
                .read_postings(&term, IndexRecordOption::WithFreqsAndPositions)
                .map_err(tantivy::TantivyError::from)?;
            let Some(mut postings) = postings else {
                continue;
            };
            for address in segment {
                // A posting list starts on its first story, which may already be past this one.
                let at = if postings.doc() < address.doc_id {
                    postings.seek(address.doc_id)
                } else {
                    postings.doc()
                };
                if at == TERMINATED {
                    break;
                }
                if at == address.doc_id {
                    postings.positions(&mut positions);
                    if let Some(&p) = positions.first() {
                        first
                            .entry(*address)
                            .and_modify(|f| *f = (*f).min(p))
                            .or_insert(p);
                    }
                }
            }
        }
    }
    Ok(first)
}

/// About `bytes` of `text` around word `word` of its `words`, cut at whitespace: where that
/// word lies if the words are of even length. Offsets into a text are not indexed, positions
/// are; a snippet of this stretch costs what one of the lead does, not one of the whole text.
fn around(text: &str, word: u32, words: u32, bytes: usize) -> &str {
    let at = (text.len() as u64 * u64::from(word) / u64::from(words.max(1))) as usize;
    let start = at.saturating_sub(bytes / 2).min(text.len());
    let mut start_at = start;
    while !text.is_char_boundary(start_at) {
        start_at -= 1;
    }
    // Begin after a whitespace, so no word is cut in two.
    let start_at = match text[start_at..].find(char::is_whitespace) {
        Some(space) if start_at > 0 => start_at + space,
        _ => start_at,
    };
    lead(&text[start_at..], bytes)
}

/// The start of `text`: at most `bytes` bytes, cut after a whole word (all of it when shorter).
fn lead(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(space) if space > 0 => &text[..space],
        _ => &text[..end],
    }
}

/// Which bytes of a text are in words (letters and digits, as the index's tokenizer cuts
/// them), one bit each, and the words read off them.
///
/// Written as a bitmap rather than by testing byte after byte where each word starts and ends,
/// which mispredicted a branch at every boundary (twice a word): filling the map branches only
/// on characters outside ASCII, and a word's start and end are then found 64 bytes at a time.
/// (Cutting snippets stays about a tenth of a twenty-result answer: most of it is per word.)
#[derive(Default)]
struct WordMap {
    bits: Vec<u64>,
    len: usize,
}

impl WordMap {
    /// Map the words of `text`, 64 bytes at a time: a stretch all in ASCII (most of English
    /// text) bit by bit in a register, any other character by character.
    fn read(&mut self, text: &str) {
        let bytes = text.as_bytes();
        self.len = bytes.len();
        self.bits.clear();
        self.bits.resize(bytes.len().div_ceil(64), 0);
        for (n, chunk) in bytes.chunks(64).enumerate() {
            if chunk.is_ascii() {
                let mut bits = 0;
                for (j, b) in chunk.iter().enumerate() {
                    bits |= u64::from(b.is_ascii_alphanumeric()) << j;
                }
                self.bits[n] |= bits;
                continue;
            }
            // The characters that start in this chunk; one that started in the chunk before
            // was mapped with it (its bytes may run into the next chunk's bits).
            let mut i = n * 64;
            while i < bytes.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            while i < (n + 1) * 64 {
                let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                    break;
                };
                let len = c.len_utf8();
                if c.is_alphanumeric() {
                    for j in i..i + len {
                        self.bits[j / 64] |= 1 << (j % 64);
                    }
                }
                i += len;
            }
        }
    }

    /// The words of the text read last, without those the index's analyser drops for their
    /// length.
    fn words(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            loop {
                let start = self.next(at, true)?;
                let end = self.next(start, false).unwrap_or(self.len).min(self.len);
                at = end;
                if end - start < LONGEST_WORD {
                    return Some(start..end);
                }
            }
        })
    }

    /// The first byte from `from` on that is (`in_word`) or is not in a word. The bits past the
    /// text's end are clear: a word running to the end stops there.
    fn next(&self, from: usize, in_word: bool) -> Option<usize> {
        let flip = if in_word { 0 } else { u64::MAX };
        let mut at = from / 64;
        let mut bits = (self.bits.get(at)? ^ flip) & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(at * 64 + bits.trailing_zeros() as usize);
            }
            at += 1;
            bits = self.bits.get(at)? ^ flip;
        }
    }
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
            push_escaped(&mut out, before);
            out.push_str("<mark>");
            push_escaped(&mut out, word);
            out.push_str("</mark>");
            pos = r.end;
        }
        push_escaped(&mut out, fragment.get(pos..).unwrap_or(""));
        out
    }
}
