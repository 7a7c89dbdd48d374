//! Dateline's full-text index of published stories (tantivy): searching with highlighted
//! snippets, filters and two orders, and finding stories similar to one (by their most
//! distinctive words).
//!
//! The index is a per-node cache of the database: it holds published stories only, and can be
//! rebuilt from the store at any time. This crate knows nothing of the store or of HTTP; the web
//! layer feeds it [`Document`]s as the store announces changes and turns [`Results`] into
//! pages. Every call here is synchronous and may take milliseconds (commits longer): callers
//! run them on a blocking thread, never on the async request path.
//!
//! Searching must never fail because of what a reader typed: [`query::parse`] accepts any
//! string, and only index or I/O faults become a [`SearchError`].
//!
//! Searching must also stay fast when a query matches most of the archive: the best stories are
//! found by block-max WAND over a flat disjunction of the words' terms wherever the query
//! allows it (each word one term of the combined field, see `schema.rs`), and totals past [`EXACT_COUNT_UP_TO`] matches are estimates
//! ([`Results::total_is_estimate`]) rather than a count of every match.

mod card;
mod checksum;
pub mod query;
mod schema;
mod snippet;
mod stored;

pub use card::{Byline, Card};
pub use query::{MAX_QUERY_CHARS, Parsed, Part};
pub use schema::language_for;

use dateline_core::{ArticleId, SectionId, TagId};
use jiff::Timestamp;
use schema::Fields;
use snippet::ForSearch;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use stored::Stored;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::merge_policy::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring,
    FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Schema, Value};
use tantivy::tokenizer::{Language, PreTokenizedString, TextAnalyzer, Token};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TERMINATED,
    TantivyDocument, Term,
};

/// Bytes of memory the writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 50_000_000;

/// Results deeper than this are not fetched: nobody reads page 500 of a search, and a deep
/// offset makes every query keep that many hits in memory.
pub const MAX_OFFSET: usize = 10_000;

/// Matches counted one by one at most. Past this many, [`Results::total`] is an estimate
/// extrapolated from how far into the index the last counted match lay: counting every one of
/// 70,000 matches costs more than finding the best ten, and no reader needs the exact number.
pub const EXACT_COUNT_UP_TO: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder {path}: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the search index in {path} is in use by another process (a `dateline serve` or \
         `dateline reindex` on the same data folder)"
    )]
    InUse { path: String },
}

/// A published story as the index needs it.
#[derive(Debug, Clone)]
pub struct Document {
    pub id: ArticleId,
    pub published_at: Timestamp,
    pub section_id: SectionId,
    pub section_slug: String,
    pub section_name: String,
    pub headline: String,
    pub standfirst: String,
    /// Plain text of the body, as the markup renderer made it at save time.
    pub body: String,
    /// Captions of the lead photo and of the photos in the body.
    pub captions: Vec<String>,
    pub tags: Vec<(TagId, String)>,
    /// Bylines as (slug, name).
    pub authors: Vec<(String, String)>,
    /// What a result shows of the story, stored with it and handed back in its [`Hit`].
    pub card: Card,
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// What a reader asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub text: String,
    /// A section slug.
    pub section: Option<String>,
    /// An author slug.
    pub author: Option<String>,
    /// Published at or after.
    pub from: Option<Timestamp>,
    /// Published before.
    pub until: Option<Timestamp>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

impl Request {
    fn has_filters(&self) -> bool {
        self.section.is_some()
            || self.author.is_some()
            || self.from.is_some()
            || self.until.is_some()
    }
}

/// One matching story.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: ArticleId,
    pub score: f32,
    /// Safe HTML: escaped text with the matched words in `<mark>`; empty when nothing in the
    /// body or standfirst matched.
    pub snippet: String,
    /// The story's card as it was indexed; None when the index holds none it can read.
    pub card: Option<Card>,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Matches in all, for pagination: exact up to [`EXACT_COUNT_UP_TO`], beyond that an
    /// estimate rounded to two significant figures (see `total_is_estimate`).
    pub total: usize,
    /// Whether `total` is an estimate ("about 71,000"): the real number may be a little
    /// higher or lower, so a page past the real end can come back empty.
    pub total_is_estimate: bool,
    /// What was searched for, after lenient parsing (empty: nothing searchable was typed).
    pub parsed: Parsed,
}

/// A story similar to another, with what related-story ranking needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub id: ArticleId,
    /// The similarity score divided by the best one's: 1.0 for the most similar story.
    pub similarity: f64,
    pub section_id: SectionId,
    pub published_at: Timestamp,
    pub tags: Vec<TagId>,
}

/// How [`SearchIndex::open`] found the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// An index that can be searched and brought up to date.
    Existing,
    /// A new, empty index, with why the old one (if any) could not be used: the caller must
    /// fill it from the database.
    Created(String),
}

/// The index: one writer (behind a lock), a reader refreshed after each commit.
pub struct SearchIndex {
    index: Index,
    /// The index's folder (None in memory): the checksum pass opens its own view of it.
    dir: Option<std::path::PathBuf>,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
    language: Language,
    /// Matches counted one by one at most ([`EXACT_COUNT_UP_TO`] unless a test lowers it).
    exact_up_to: AtomicUsize,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Open the index in `dir` for a site in `language` (a BCP 47 tag), creating the folder and
    /// the index as needed. A missing, unreadable or differently shaped index (another version,
    /// another language) is replaced by an empty one, and the answer says why.
    pub fn open(dir: &Path, language: &str) -> Result<(Self, Opened), SearchError> {
        let language = language_for(language);
        let folder = |source| SearchError::Folder {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(folder)?;
        // The folder of an index another process writes to is theirs: replacing it below (as
        // unreadable, or for want of the writer lock) would pull their index from under them.
        refuse_if_in_use(dir)?;
        let (schema, fields) = schema::build(language);
        let reason = if dir.join("meta.json").exists() {
            match Index::open_in_dir(dir) {
                Ok(index) if !same_schema(&index.schema(), &schema) => {
                    "the index was built for another version or language".to_owned()
                }
                // Searchable as it is, but every result would pay for the older format.
                Ok(index) if !same_store(index.settings()) => {
                    "the index keeps its stories in an older format".to_owned()
                }
                Ok(index) => {
                    match Self::assemble(index, fields, language) {
                        Ok(mut me) => {
                            me.dir = Some(dir.to_owned());
                            me.remove_orphans();
                            return Ok((me, Opened::Existing));
                        }
                        // Taken since the check above.
                        Err(SearchError::Index(tantivy::TantivyError::LockFailure(
                            LockError::LockBusy,
                            _,
                        ))) => return Err(in_use(dir)),
                        Err(e) => format!("the index could not be opened ({e})"),
                    }
                }
                Err(e) => format!("the index could not be read ({e})"),
            }
        } else {
            "there was no index yet".to_owned()
        };
        // Everything in the folder is ours and can be rebuilt from the database.
        std::fs::remove_dir_all(dir).map_err(folder)?;
        std::fs::create_dir_all(dir).map_err(folder)?;
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_dir(dir)?;
        let mut me = Self::assemble(index, fields, language)?;
        me.dir = Some(dir.to_owned());
        Ok((me, Opened::Created(reason)))
    }

    /// An index in memory (tests, tools).
    pub fn in_memory(language: &str) -> Result<Self, SearchError> {
        let language = language_for(language);
        let (schema, fields) = schema::build(language);
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_ram()?;
        Self::assemble(index, fields, language)
    }

    fn assemble(index: Index, fields: Fields, language: Language) -> Result<Self, SearchError> {
        let analyzer = schema::analyzer(language);
        index
            .tokenizers()
            .register(&schema::analyzer_name(language), analyzer.clone());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(Self {
            index,
            dir: None,
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer,
            language,
            exact_up_to: AtomicUsize::new(EXACT_COUNT_UP_TO),
        })
    }

    /// Delete the files a commit cut short left behind (a process killed after tantivy wrote a
    /// commit's segments and `.del` files, before `meta.json`). They would be in the way: the
    /// next process counts operations from the last `meta.json` again, so redoing the same work
    /// reaches the same opstamp and its commit fails with `FileAlreadyExists(SEGMENT.N.del)`.
    /// tantivy registers every file it manages before writing it, and its garbage collection
    /// deletes the registered ones no commit references; it only runs after a commit that
    /// succeeds, so it is run here, holding the writer (so nothing is being written), before
    /// the first commit. A failure is logged: the index is still usable.
    fn remove_orphans(&self) {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        match writer.garbage_collect_files().wait() {
            Ok(gc) if !gc.deleted_files.is_empty() => {
                tracing::info!(
                    files = gc.deleted_files.len(),
                    "removed search index files left by an unfinished commit"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "search index files left by an unfinished commit could not be removed");
            }
        }
    }

    /// How many of the index's files fail their checksum (a damaged disk, a copy cut short).
    /// Reads every file once: the indexer asks at start, in the background, so a big index
    /// does not hold up the port opening, and rebuilds when the answer is not 0.
    ///
    /// The files are listed through a second, short-lived view of the folder and read in small
    /// chunks ([`checksum`]), not through memory maps: maps shared with the searcher would leave
    /// the whole index resident in this process (379 MB on the 100,000-story site), and even a
    /// map per file makes each file resident while it is checked. Call it before this process
    /// commits anything (a commit may remove files).
    pub fn damaged_files(&self) -> Result<usize, SearchError> {
        let damaged = match &self.dir {
            Some(dir) => checksum::damaged_files(&Index::open_in_dir(dir)?, dir)?,
            None => self.index.validate_checksum()?.len(),
        };
        Ok(damaged)
    }

    /// Count at most `n` matches one by one, and estimate totals past that, instead of
    /// [`EXACT_COUNT_UP_TO`]: for tests of estimated totals on a handful of stories.
    pub fn set_exact_count_up_to(&self, n: usize) {
        self.exact_up_to.store(n.max(1), Ordering::Relaxed);
    }

    /// Stories in the index (as of the last commit).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add or replace stories. Seen by searches after the next [`commit`](Self::commit).
    pub fn upsert(&self, docs: &[Document]) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for d in docs {
            writer.delete_term(self.id_term(d.id));
            writer.add_document(self.to_tantivy(d))?;
        }
        Ok(())
    }

    /// Remove stories (withdrawn, unpublished); unknown ids are fine. Answers how many of
    /// them the last commit may hold: removing the others changes nothing a search sees, so a
    /// caller with nothing else to do need not commit (a draft saved and published at once
    /// otherwise cost a commit, and the publication waited out the commit interval). The
    /// count errs high, never low: it counts a story deleted but not yet merged away.
    pub fn remove(&self, ids: &[ArticleId]) -> Result<usize, SearchError> {
        // Commits reload the reader at once (`ReloadPolicy::Manual`), and only the writer's
        // owner commits, so this searcher is the last commit.
        let searcher = self.reader.searcher();
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut held = 0;
        for id in ids {
            let term = self.id_term(*id);
            if searcher.doc_freq(&term)? > 0 {
                held += 1;
            }
            writer.delete_term(term);
        }
        Ok(held)
    }

    /// Remove every story (before a rebuild). Until [`merge_segments`](Self::merge_segments),
    /// the writer merges nothing by itself: a merge it started on its own would hold segments
    /// that the rebuild's final merge into one then could not take.
    pub fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.set_merge_policy(Box::new(NoMergePolicy));
        writer.delete_all_documents()?;
        Ok(())
    }

    /// Make the changes so far visible to searches, atomically, and record `watermark` (the
    /// newest modification time of the stories the index has caught up with).
    pub fn commit(&self, watermark: Option<Timestamp>) -> Result<(), SearchError> {
        {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut prepared = writer.prepare_commit()?;
            if let Some(w) = watermark {
                prepared.set_payload(&w.as_microsecond().to_string());
            }
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Merge every segment into one and wait for it. A search visits each segment in turn,
    /// paying per segment for its term lookups and its scorers, and a rebuild leaves several
    /// (one per writer buffer): on the 100,000-story site, eight. Call after a rebuild's commit;
    /// searches see the merged index when this returns (and the old segments until then).
    /// Later edits add small segments that the writer's merge policy folds in as usual.
    pub fn merge_segments(&self) -> Result<(), SearchError> {
        let ids = self.index.searchable_segment_ids()?;
        // The merge runs on the writer's threads: hold the lock only to start it, so changes
        // arriving meanwhile are not held up.
        let merging = {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let merging = (ids.len() >= 2).then(|| writer.merge(&ids));
            // Later edits' small segments are folded in as usual (see `clear`).
            writer.set_merge_policy(Box::<LogMergePolicy>::default());
            merging
        };
        if let Some(merging) = merging {
            merging.wait()?;
            self.reader.reload()?;
        }
        Ok(())
    }

    /// The watermark of the last commit.
    pub fn watermark(&self) -> Option<Timestamp> {
        let payload = self.index.load_metas().ok()?.payload?;
        Timestamp::from_microsecond(payload.parse().ok()?).ok()
    }

    fn id_term(&self, id: ArticleId) -> Term {
        Term::from_field_u64(self.fields.id, id.0.max(0) as u64)
    }

    fn to_tantivy(&self, d: &Document) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id.0.max(0) as u64);
        doc.add_i64(f.published, d.published_at.as_microsecond());
        doc.add_u64(f.section_id, d.section_id.0.max(0) as u64);
        doc.add_text(f.section, &d.section_slug);
        doc.add_text(f.section_name, &d.section_name);
        doc.add_text(f.headline, &d.headline);
        doc.add_text(f.standfirst, &d.standfirst);
        doc.add_text(f.body, &d.body);
        for c in &d.captions {
            doc.add_text(f.captions, c);
        }
        for (id, name) in &d.tags {
            doc.add_u64(f.tag_id, id.0.max(0) as u64);
            doc.add_text(f.tags, name);
        }
        for (slug, name) in &d.authors {
            doc.add_text(f.author, slug);
            doc.add_text(f.authors, name);
        }
        let mut pairs = Vec::new();
        let texts = [
            (f.section_name, &d.section_name),
            (f.headline, &d.headline),
            (f.standfirst, &d.standfirst),
            (f.body, &d.body),
        ]
        .into_iter()
        .chain(d.captions.iter().map(|c| (f.captions, c)))
        .chain(d.tags.iter().map(|(_, name)| (f.tags, name)))
        .chain(d.authors.iter().map(|(_, name)| (f.authors, name)));
        let weights = schema::weighted(f);
        let mut combined = Vec::new();
        for (field, text) in texts {
            let copies = weights
                .iter()
                .find(|(weighted, _)| *weighted == field)
                .map_or(1, |(_, weight)| schema::copies(*weight));
            self.add_stems(field, text, copies, &mut pairs, &mut combined);
        }
        for pair in pairs {
            doc.add_text(f.pairs, pair);
        }
        // Stems already made, so the texts are not analysed again.
        doc.add_pre_tokenized_text(
            f.combined,
            PreTokenizedString {
                text: String::new(),
                tokens: combined,
            },
        );
        doc.add_text(f.card, d.card.to_json());
        doc
    }

    /// Every two neighbouring stems of `text` (of `field`), once for each time they occur (see
    /// [`pair`]), into `pairs`, and also `copies` times as pairs of the combined field; the
    /// stems themselves `copies` times into `combined` (see [`Fields::combined`]).
    fn add_stems(
        &self,
        field: Field,
        text: &str,
        copies: usize,
        pairs: &mut Vec<String>,
        combined: &mut Vec<Token>,
    ) {
        let combined_field = self.fields.combined;
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut tokens: Vec<Token> = Vec::new();
        while let Some(t) = stream.next() {
            if let Some(p) = tokens.last() {
                pairs.push(pair(field, &p.text, &t.text));
                let both = pair(combined_field, &p.text, &t.text);
                pairs.extend(std::iter::repeat_n(both, copies));
            }
            tokens.push(t.clone());
        }
        for _ in 0..copies {
            combined.extend(tokens.iter().cloned());
        }
    }

    /// The stems of `text` with each one's length in the original text, in characters.
    fn stems(&self, text: &str) -> Vec<(String, usize)> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            let original = text
                .get(t.offset_from..t.offset_to)
                .map_or(0, |s| s.chars().count());
            out.push((t.text.clone(), original));
        }
        out
    }

    /// The query for one word: its stem in any text field (weighted), plus, for long words that
    /// few stories contain, any term one edit away. A fuzzy match scores a constant below what
    /// an exact match adds, and an exact match also matches the fuzzy clause, so exact matches
    /// always rank higher. Returns the query and whether it has fuzzy clauses.
    ///
    /// A word that many stories contain is taken as typed, as a spelling checker takes a word
    /// in its dictionary: readers misspell into rare words and non-words, and each fuzzy
    /// clause walks a field's whole term dictionary (milliseconds on a large archive, the
    /// bulk of a query's time), so skipping it for common words keeps most queries fast.
    fn word_query(
        &self,
        searcher: &Searcher,
        stem: &str,
        original_chars: usize,
    ) -> Result<(Clauses, bool), SearchError> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let f = &self.fields;
        // Typos are looked for in the long texts only: names, tags and sections are typed
        // from a list.
        let fuzzy_fields = [f.headline, f.standfirst, f.body];
        let fuzzy = original_chars >= query::FUZZY_MIN_CHARS && {
            let mut containing = 0;
            for field in fuzzy_fields {
                containing += searcher.doc_freq(&Term::from_field_text(field, stem))?;
            }
            containing <= common_from(searcher.num_docs())
        };
        if !fuzzy {
            // Matches what the fields' terms together match, scored BM25F-style.
            should.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.combined, stem),
                    IndexRecordOption::WithFreqs,
                )),
            ));
            return Ok((should, false));
        }
        for (field, weight) in schema::weighted(f) {
            let term = Term::from_field_text(field, stem);
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    weight,
                )),
            ));
            if fuzzy_fields.contains(&field) {
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(term, 1, true)),
                        weight * 0.2,
                    )),
                ));
            }
        }
        Ok((should, true))
    }

    /// What a word taken as typed is scored by: its stem in the combined field.
    fn combined_term(&self, stem: &str) -> Term {
        Term::from_field_text(self.fields.combined, stem)
    }

    /// The query for words that must appear together, in order, in one field, and for a
    /// two-word phrase the term it is scored by (the pair in the combined field, see [`pair`]:
    /// a pair is in it when it is in some field). A longer phrase is checked for positions
    /// only in stories with all its neighbouring pairs in one field: without that, a phrase of
    /// common words read the positions of every story that had them all (10 ms on the
    /// 100,000-story site).
    fn phrase_query(&self, stems: &[String]) -> (Box<dyn Query>, Option<Term>) {
        let pairs = |field: Field| -> Vec<Term> {
            stems
                .windows(2)
                .map(|w| Term::from_field_text(self.fields.pairs, &pair(field, &w[0], &w[1])))
                .collect()
        };
        let weighted = schema::weighted(&self.fields);
        if let [first, second] = stems {
            let term = Term::from_field_text(
                self.fields.pairs,
                &pair(self.fields.combined, first, second),
            );
            let query = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
            return (Box::new(query), Some(term));
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in weighted {
            let mut must: Vec<(Occur, Box<dyn Query>)> = pairs(field)
                .into_iter()
                .map(|t| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                    (Occur::Must, q)
                })
                .collect();
            // The pairs add nothing to the score.
            let candidates = ConstScoreQuery::new(Box::new(BooleanQuery::new(must)), 0.0);
            let terms = stems
                .iter()
                .map(|s| Term::from_field_text(field, s))
                .collect();
            must = vec![
                (Occur::Must, Box::new(candidates)),
                (Occur::Must, Box::new(PhraseQuery::new(terms))),
            ];
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(BooleanQuery::new(must)), weight)),
            ));
        }
        (Box::new(BooleanQuery::new(should)), None)
    }

    /// The text part of a query: every word and phrase must match. None when nothing
    /// searchable was typed.
    fn text_query(
        &self,
        searcher: &Searcher,
        parsed: &Parsed,
    ) -> Result<Option<TextQuery>, SearchError> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Every word's term clauses, side by side, while no part needs another kind of clause.
        let mut flat: Option<Vec<Term>> = Some(Vec::new());
        let mut phrases = 0;
        let mut highlight = Vec::new();
        for part in &parsed.parts {
            let (text, phrase) = match part {
                Part::Word(w) => (w.clone(), false),
                Part::Phrase(ws) => (ws.join(" "), true),
            };
            let stems = self.stems(&text);
            match stems.as_slice() {
                [] => {}
                [(stem, chars)] => {
                    // A quoted single word is matched exactly, as the reader asked.
                    let chars = if phrase { 0 } else { *chars };
                    let (should, fuzzy) = self.word_query(searcher, stem, chars)?;
                    highlight.push(stem.clone());
                    match &mut flat {
                        Some(terms) if !fuzzy => terms.push(self.combined_term(stem)),
                        _ => flat = None,
                    }
                    must.push((Occur::Must, Box::new(BooleanQuery::new(should))));
                }
                // A word the analyser splits (`covid-19`, `U.S.`) is a phrase too.
                many => {
                    let stems: Vec<String> = many.iter().map(|(s, _)| s.clone()).collect();
                    let (query, term) = self.phrase_query(&stems);
                    must.push((Occur::Must, query));
                    match (&mut flat, term) {
                        (Some(flat), Some(term)) => flat.push(term),
                        _ => flat = None,
                    }
                    if many.len() > 2 {
                        phrases += 1;
                    }
                    highlight.extend(stems);
                }
            }
        }
        if must.is_empty() {
            return Ok(None);
        }
        let words = must.len();
        Ok(Some(TextQuery {
            matching: Box::new(BooleanQuery::new(must)),
            flat,
            flat_matches: words == 1 && phrases == 0,
            phrases: phrases > 0,
            highlight,
        }))
    }

    /// The filters of a request (section, author, dates) as required clauses that add nothing
    /// to a story's score (so a filtered search ranks and scores as the words alone do).
    fn filter_clauses(&self, req: &Request) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(s) = &req.section {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.section, s),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(a) = &req.author {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.author, a),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if req.from.is_some() || req.until.is_some() {
            let bound = |t: Option<Timestamp>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_i64(f.published, t.as_microsecond());
                    if inclusive {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(req.from, true),
                    bound(req.until, false),
                )),
            ));
        }
        clauses
            .into_iter()
            .map(|(occur, q)| {
                let q: Box<dyn Query> = Box::new(ConstScoreQuery::new(q, 0.0));
                (occur, q)
            })
            .collect()
    }

    /// Search. Nothing searchable and no filter gives no results (not every story).
    pub fn search(&self, req: &Request) -> Result<Results, SearchError> {
        self.run(self.prepare(req)?)
    }

    /// The first half of [`search`](Self::search): the words parsed and looked up in the
    /// index's dictionaries (microseconds), so [`Prepared::is_quick`] can tell the caller what
    /// the rest will cost before [`run`](Self::run) does it.
    pub fn prepare(&self, req: &Request) -> Result<Prepared, SearchError> {
        let parsed = query::parse(&req.text);
        let searcher = self.reader.searcher();
        let text = self.text_query(&searcher, &parsed)?;
        Ok(Prepared {
            req: req.clone(),
            parsed,
            searcher,
            text,
        })
    }

    /// The second half of [`search`](Self::search).
    pub fn run(&self, prepared: Prepared) -> Result<Results, SearchError> {
        let Prepared {
            req,
            parsed,
            searcher,
            text,
        } = prepared;
        let req = &req;
        if text.is_none() && !req.has_filters() {
            return Ok(Results {
                parsed,
                ..Results::default()
            });
        }
        let filters = self.filter_clauses(req);
        let has_filters = !filters.is_empty();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match &text {
            Some(t) => clauses.push((Occur::Must, t.matching.box_clone())),
            None => clauses.push((Occur::Must, Box::new(AllQuery))),
        }
        clauses.extend(filters);
        let query = BooleanQuery::new(clauses);
        let limit = req.limit.max(1);
        let top = TopDocs::with_limit(limit).and_offset(req.offset.min(MAX_OFFSET));
        // A search for a longer phrase by relevance visits every story with the phrase's word
        // pairs to check positions: it counts them exactly on the way.
        let one_pass = req.sort == Sort::Relevance
            && req.offset <= MAX_OFFSET
            && text.as_ref().is_some_and(|t| t.phrases);
        if one_pass {
            let (found, total) = searcher.search(&query, &(top, Count))?;
            return self.results(&searcher, text.as_ref(), found, total, false, parsed);
        }
        let exact_up_to = self.exact_up_to.load(Ordering::Relaxed);
        let (total, total_is_estimate) = count(&searcher, &query, exact_up_to)?;
        if req.offset > MAX_OFFSET || (!total_is_estimate && req.offset >= total) {
            return Ok(Results {
                hits: Vec::new(),
                total,
                total_is_estimate,
                parsed,
            });
        }
        let found: Vec<(f32, DocAddress)> = match &text {
            Some(t) if req.sort == Sort::Relevance => match &t.flat {
                // The flat disjunction scores as the query does and matches what one word
                // does: what is left to check of the candidates it lets through is that they
                // have the other words (the whole query) or else pass the filters.
                Some(flat) => {
                    let filters_only;
                    let check: Option<&dyn Query> = if !t.flat_matches {
                        Some(&query)
                    } else if has_filters {
                        filters_only = BooleanQuery::new(self.filter_clauses(req));
                        Some(&filters_only)
                    } else {
                        None
                    };
                    top_pruned(&searcher, flat, check, req.offset, limit)?
                }
                None => searcher.search(&query, &top)?,
            },
            _ => searcher
                .search(
                    &query,
                    &top.order_by_fast_field::<i64>("published", Order::Desc),
                )?
                .into_iter()
                .map(|(_, a)| (0.0, a))
                .collect(),
        };
        self.results(
            &searcher,
            text.as_ref(),
            found,
            total,
            total_is_estimate,
            parsed,
        )
    }

    /// The results page for the stories `found`: their ids and snippets.
    fn results(
        &self,
        searcher: &Searcher,
        text: Option<&TextQuery>,
        found: Vec<(f32, DocAddress)>,
        total: usize,
        total_is_estimate: bool,
        parsed: Parsed,
    ) -> Result<Results, SearchError> {
        let f = &self.fields;
        let mut snippets = match text {
            Some(t) => {
                let addresses: Vec<DocAddress> = found.iter().map(|(_, a)| *a).collect();
                let fields = (f.body, f.standfirst);
                Some(ForSearch::new(
                    searcher,
                    &self.analyzer,
                    &t.highlight,
                    fields,
                    &addresses,
                )?)
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: Stored = searcher.doc(address)?;
            let Some(id) = doc.u64(f.id) else {
                continue;
            };
            let snippet = match &mut snippets {
                Some(snippets) => snippets.html(
                    searcher,
                    address,
                    doc.text(f.body).unwrap_or(""),
                    doc.text(f.standfirst).unwrap_or(""),
                )?,
                None => String::new(),
            };
            let card = doc.text(f.card).and_then(Card::from_json);
            hits.push(Hit {
                id: ArticleId(id as i64),
                score,
                snippet,
                card,
            });
        }
        Ok(Results {
            hits,
            total,
            total_is_estimate,
            parsed,
        })
    }

    /// Up to `limit` published stories most like story `id` by their words (headline,
    /// standfirst, body, tags), never `id` itself. None when `id` is not in the index (not yet
    /// indexed, or not published): then the index cannot say.
    pub fn similar(
        &self,
        id: ArticleId,
        limit: usize,
    ) -> Result<Option<Vec<Similar>>, SearchError> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let me = TermQuery::new(self.id_term(id), IndexRecordOption::Basic);
        let Some((_, address)) = searcher
            .search(&me, &TopDocs::with_limit(1))?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        let Some(like) = self.like_query(&searcher, &doc)? else {
            return Ok(Some(Vec::new()));
        };
        // The story itself is dropped from the answers rather than excluded in the query: an
        // exclusion would rule out block-max WAND for the disjunction.
        let top: Vec<(f32, DocAddress)> = searcher
            .search(&like, &TopDocs::with_limit(limit.max(1) + 1))?
            .into_iter()
            .filter(|(_, a)| *a != address)
            .take(limit.max(1))
            .collect();
        let best = top
            .first()
            .map_or(1.0, |(s, _)| f64::from(*s))
            .max(f64::EPSILON);
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let d: TantivyDocument = searcher.doc(address)?;
            let Some(other) = d.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let published = d
                .get_first(f.published)
                .and_then(|v| v.as_i64())
                .and_then(|m| Timestamp::from_microsecond(m).ok())
                .unwrap_or_default();
            out.push(Similar {
                id: ArticleId(other as i64),
                similarity: f64::from(score) / best,
                section_id: SectionId(
                    d.get_first(f.section_id)
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0) as i64,
                ),
                published_at: published,
                tags: d
                    .get_all(f.tag_id)
                    .filter_map(|v| v.as_u64())
                    .map(|t| TagId(t as i64))
                    .collect(),
            });
        }
        Ok(Some(out))
    }
}

impl SearchIndex {
    /// A query for stories like `doc`: its most distinctive words (term frequency in the story
    /// times inverse document frequency in the index). tantivy's
    /// `MoreLikeThisQuery` does the same but counts live documents against document
    /// frequencies that still include deleted ones, and panics on an index with withdrawn
    /// stories not yet merged away; this counts both the same way.
    fn like_query(
        &self,
        searcher: &tantivy::Searcher,
        doc: &TantivyDocument,
    ) -> Result<Option<BooleanQuery>, SearchError> {
        let f = &self.fields;
        let stop = stop_words(self.language);
        let mut frequency: std::collections::HashMap<Term, usize> =
            std::collections::HashMap::new();
        for field in [f.headline, f.standfirst, f.body, f.tags] {
            for value in doc.get_all(field) {
                let Some(text) = value.as_str() else {
                    continue;
                };
                for (stem, chars) in self.stems(text) {
                    if chars < 3 || stop.contains(&stem.as_str()) {
                        continue;
                    }
                    *frequency
                        .entry(Term::from_field_text(field, &stem))
                        .or_default() += 1;
                }
            }
        }
        let docs: u64 = searcher
            .segment_readers()
            .iter()
            .map(|r| u64::from(r.max_doc()))
            .sum();
        let mut scored: Vec<(f32, Term)> = Vec::with_capacity(frequency.len());
        for (term, tf) in frequency {
            let df = searcher.doc_freq(&term)?;
            // Words in more than a fifth of a sizeable archive say little about a story and
            // cost the most to look up (long posting lists).
            if df == 0 || (docs >= COMMON_AFTER && df > docs / 5) {
                continue;
            }
            let idf = ((docs.max(df) - df) as f32 + 0.5) / (df as f32 + 0.5);
            scored.push((tf as f32 * idf.ln_1p(), term));
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(SIMILAR_TERMS);
        if scored.is_empty() {
            return Ok(None);
        }
        // Plain term clauses, unboosted (BM25 weighs rare words up anyway): a disjunction of
        // bare term queries lets tantivy skip blocks that cannot reach the top (block-max
        // WAND), which boosted clauses would prevent. On the 100,000-story site that is the
        // difference between scoring every story and a few.
        let clauses: Vec<(Occur, Box<dyn Query>)> = scored
            .into_iter()
            .map(|(_, term)| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, q)
            })
            .collect();
        Ok(Some(BooleanQuery::new(clauses)))
    }
}

/// A boolean query's clauses.
type Clauses = Vec<(Occur, Box<dyn Query>)>;

/// Results at most this deep make a quick search (see [`Prepared::is_quick`]).
const QUICK_UP_TO: usize = 50;

/// A search ready to run (see [`SearchIndex::prepare`]), on the index as it was when prepared.
pub struct Prepared {
    req: Request,
    parsed: Parsed,
    searcher: Searcher,
    text: Option<TextQuery>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("req", &self.req)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Whether the search is of the kind that costs well under a millisecond whatever the
    /// archive's size: by relevance, for one word taken as typed or one two-word phrase (one
    /// posting list, read only where its blocks can reach the top), with or without filters,
    /// at most [`QUICK_UP_TO`] results deep. On the 100,000-story bench site these take
    /// 0.3-0.5 ms, about what handing them to another thread and back costs; words with typo
    /// clauses, several words, longer phrases and newest-first order take milliseconds.
    pub fn is_quick(&self) -> bool {
        self.req.sort == Sort::Relevance
            && self.req.offset.saturating_add(self.req.limit) <= QUICK_UP_TO
            && self.text.as_ref().is_some_and(|t| {
                t.flat_matches && t.flat.as_ref().is_some_and(|terms| terms.len() == 1)
            })
    }
}

/// A reader's words as tantivy queries.
struct TextQuery {
    /// Every word and phrase must match: each word in any weighted field (or one edit away),
    /// each phrase in one field.
    matching: Box<dyn Query>,
    /// Every word's term in the combined field (a two-word phrase's pair there), as one flat
    /// disjunction, when there are no typo clauses or longer phrases. It gives each story
    /// that `matching` matches the same score (a sum of the same terms' scores), and tantivy
    /// can skip its blocks that cannot reach the top (block-max WAND), which it cannot do for
    /// nested or required clauses.
    flat: Option<Vec<Term>>,
    /// Whether `flat` matches exactly what `matching` does (one word or two-word phrase).
    flat_matches: bool,
    /// Whether there is a phrase of three words or more: then every story with all its word
    /// pairs is visited to check positions anyway, and counting them on the way costs little
    /// more.
    phrases: bool,
    /// The stems of the words and phrases, for snippets.
    highlight: Vec<String>,
}

/// A candidate for the top of the results: ordered by score, then earlier stories first (as
/// tantivy's `TopDocs` breaks ties), so the heap's smallest is the one to drop.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked {
    score: f32,
    address: DocAddress,
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.address.cmp(&self.address))
    }
}

/// The best `limit` stories after `offset` by `scoring`'s score among those `check` matches too
/// (all when None), best first. `scoring` is a disjunction of terms: tantivy hands
/// over only the stories whose score may beat the current top (block-max WAND), and `check`
/// (not scored) is asked only about those.
///
/// tantivy skips blocks only when every clause has postings in the segment (a term missing
/// from it makes it read every match), so each segment gets a disjunction of the terms it
/// has, scored with the statistics of the whole index as usual.
fn top_pruned(
    searcher: &Searcher,
    scoring: &[Term],
    check: Option<&dyn Query>,
    offset: usize,
    limit: usize,
) -> Result<Vec<(f32, DocAddress)>, SearchError> {
    let want = offset + limit;
    let stats = Stats::new(searcher, scoring)?;
    let check = match check {
        Some(q) => Some(q.weight(EnableScoring::disabled_from_searcher(searcher))?),
        None => None,
    };
    let mut best: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(want + 1);
    // The score a story must beat to get in: the lowest kept once there are enough.
    let floor = |best: &BinaryHeap<Reverse<Ranked>>| match best.peek() {
        Some(Reverse(r)) if best.len() >= want => r.score,
        _ => f32::MIN,
    };
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(scoring.len());
        for term in scoring {
            if reader
                .inverted_index(term.field())?
                .get_term_info(term)
                .map_err(tantivy::TantivyError::from)?
                .is_some()
            {
                let q = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(q)));
            }
        }
        let scoring = EnableScoring::enabled_from_statistics_provider(&stats, searcher);
        let weight = match clauses.len() {
            // No story here has any of the words.
            0 => continue,
            // One term skips by its own blocks' best scores: as a boolean query of one clause,
            // tantivy would score every story that has it.
            1 => clauses.remove(0).1.weight(scoring)?,
            _ => BooleanQuery::new(clauses).weight(scoring)?,
        };
        let mut must = match &check {
            Some(w) => Some(w.scorer(reader, 1.0)?),
            None => None,
        };
        let alive = reader.alive_bitset();
        let segment = ord as u32;
        weight.for_each_pruning(floor(&best), reader, &mut |doc, score| {
            if !alive.is_none_or(|a| a.is_alive(doc)) {
                return floor(&best);
            }
            if let Some(m) = must.as_mut() {
                // Candidates come in increasing order, so the check only moves forward.
                if m.doc() < doc {
                    m.seek(doc);
                }
                if m.doc() != doc {
                    return floor(&best);
                }
            }
            // Equal scores keep the earlier story, as tantivy's `TopDocs` does.
            if best.len() < want || score > floor(&best) {
                best.push(Reverse(Ranked {
                    score,
                    address: DocAddress::new(segment, doc),
                }));
                if best.len() > want {
                    best.pop();
                }
            }
            floor(&best)
        })?;
    }
    let mut ranked: Vec<Ranked> = best.into_iter().map(|Reverse(r)| r).collect();
    ranked.sort_by(|a, b| b.cmp(a));
    Ok(ranked
        .into_iter()
        .skip(offset)
        .map(|r| (r.score, r.address))
        .collect())
}

/// The whole index's BM25 statistics for some terms, looked up once per search rather than
/// once per segment's query.
struct Stats {
    docs: u64,
    tokens: HashMap<Field, u64>,
    freqs: HashMap<Term, u64>,
}

impl Stats {
    fn new(searcher: &Searcher, terms: &[Term]) -> Result<Self, SearchError> {
        let mut tokens = HashMap::new();
        let mut freqs = HashMap::new();
        for term in terms {
            if let std::collections::hash_map::Entry::Vacant(e) = tokens.entry(term.field()) {
                e.insert(searcher.total_num_tokens(term.field())?);
            }
            if !freqs.contains_key(term) {
                freqs.insert(term.clone(), searcher.doc_freq(term)?);
            }
        }
        Ok(Self {
            docs: searcher.total_num_docs()?,
            tokens,
            freqs,
        })
    }
}

impl Bm25StatisticsProvider for Stats {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self.tokens.get(&field).copied().unwrap_or(0))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(self.freqs.get(term).copied().unwrap_or(0))
    }
}

/// How many live stories `query` matches, and whether that is an estimate. Matches are
/// counted one by one up to `exact_up_to` ([`EXACT_COUNT_UP_TO`]); then the count so far is scaled by how
/// much of the index it took to find them (stories are spread evenly enough over the index
/// for that), and rounded to two significant figures, so it does not look exact. How much is
/// measured in live stories, not slots: an edited story leaves its old version deleted in
/// place until a merge, and a segment of deleted versions before the live ones made twelve
/// matches "about 7" (each segment's deletions are taken as spread evenly over it).
fn count(
    searcher: &Searcher,
    query: &dyn Query,
    exact_up_to: usize,
) -> Result<(usize, bool), SearchError> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let readers = searcher.segment_readers();
    let live = searcher.num_docs();
    let mut counted = 0usize;
    // Live stories in the segments read through.
    let mut scanned = 0u64;
    for (i, reader) in readers.iter().enumerate() {
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                counted += 1;
                if counted >= exact_up_to {
                    let last = i + 1 == readers.len();
                    if last && scorer.advance() == TERMINATED {
                        return Ok((counted, false));
                    }
                    let here = f64::from(reader.num_docs()) * (f64::from(doc) + 1.0)
                        / f64::from(reader.max_doc().max(1));
                    let seen = (scanned as f64 + here).max(1.0);
                    let estimate = (counted as f64 * live as f64 / seen) as usize;
                    let live = usize::try_from(live).unwrap_or(usize::MAX);
                    return Ok((
                        round_estimate(estimate.clamp(counted, live.max(counted))),
                        true,
                    ));
                }
            }
            doc = scorer.advance();
        }
        scanned += u64::from(reader.num_docs());
    }
    Ok((counted, false))
}

/// Two neighbouring stems of a text in `field` as one `pairs` term, `3:night ferri`. A
/// two-word phrase is then one term per field, scored and skipped like a word; a longer phrase
/// can only match a story that has all its neighbouring pairs in one field (a word too long to
/// index in between only adds pairs, so none is missed), and only those are checked for
/// positions.
fn pair(field: Field, first: &str, second: &str) -> String {
    format!("{}:{first} {second}", field.field_id())
}

/// A new index's settings: stored stories kept uncompressed, in blocks of 4 KB (about one
/// story each) rather than tantivy's 16 KB. A result reads its story's stored text and card,
/// and the archive is read at random: in tantivy's blocks each read decompressed three or four
/// stories for one (a tenth of a one-word search with ten results), and decompressing even one
/// story (LZ4, 5-6 KB) was a tenth of a search answer of twenty results. Uncompressed, the
/// stored stories take 70 % more disk and the whole index 38 % more (308 to 524 MB, and 542 to
/// 747 MB, on the 100,000-story bench site). An index kept the older way is rebuilt.
fn settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_blocksize: 4096,
        docstore_compression: tantivy::store::Compressor::None,
        ..tantivy::IndexSettings::default()
    }
}

/// Fails with [`SearchError::InUse`] when another process holds the writer lock of the index
/// in `dir` (an flock on a file in the folder, taken and let go again here).
fn refuse_if_in_use(dir: &Path) -> Result<(), SearchError> {
    let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
    match directory.acquire_lock(&INDEX_WRITER_LOCK) {
        Ok(_released_on_return) => Ok(()),
        Err(LockError::LockBusy) => Err(in_use(dir)),
        Err(LockError::IoError(e)) => Err(SearchError::Folder {
            path: dir.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        }),
    }
}

fn in_use(dir: &Path) -> SearchError {
    SearchError::InUse {
        path: dir.display().to_string(),
    }
}

/// `n` rounded to two significant figures (71,389 → 71,000).
fn round_estimate(n: usize) -> usize {
    let mut unit = 1usize;
    while n / unit >= 100 {
        unit *= 10;
    }
    (n + unit / 2) / unit * unit
}

/// A word in more stories than this (of `docs`) is taken as typed, without typo tolerance: one
/// in ten thousand, and never fewer than two, so a misspelling that slipped into a story or two
/// does not stop readers' typos of it from being forgiven.
fn common_from(docs: u64) -> u64 {
    (docs / 10_000).max(2)
}

/// Words a similar-story query is built from, at most.
const SIMILAR_TERMS: usize = 12;
/// From this many stories on, words in more than a fifth of them are left out of similar-story
/// queries (below it, document frequencies say too little).
const COMMON_AFTER: u64 = 1000;

/// Whether an index's stored stories are kept as [`settings`] keeps them now.
fn same_store(settings: &tantivy::IndexSettings) -> bool {
    let now = self::settings();
    settings.docstore_compression == now.docstore_compression
        && settings.docstore_blocksize == now.docstore_blocksize
}

fn same_schema(a: &Schema, b: &Schema) -> bool {
    let fa: Vec<_> = a.fields().map(|(_, e)| e).collect();
    let fb: Vec<_> = b.fields().map(|(_, e)| e).collect();
    fa == fb
}

/// Words too common to say what a story is about, for similarity (stemmed forms equal these
/// for English; other languages rely on document frequency alone).
fn stop_words(language: Language) -> &'static [&'static str] {
    if language != Language::English {
        return &[];
    }
    &[
        "the", "and", "for", "that", "with", "was", "are", "has", "have", "had", "from", "this",
        "its", "but", "not", "they", "their", "said", "say", "will", "been", "were", "which",
        "who", "his", "her", "after", "into", "than", "also", "more", "over", "about", "would",
        "there", "what", "when", "one", "two", "out", "new", "year", "our", "you",
    ]
}

#[cfg(test)]
mod tests;
