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

pub mod query;
mod schema;
mod snippet;

pub use query::{MAX_QUERY_CHARS, Parsed, Part};
pub use schema::language_for;

use dateline_core::{ArticleId, SectionId, TagId};
use jiff::Timestamp;
use schema::Fields;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{IndexRecordOption, Schema, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{Language, TextAnalyzer};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};

/// Bytes of memory the writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 50_000_000;

/// Results deeper than this are not fetched: nobody reads page 500 of a search, and a deep
/// offset makes every query keep that many hits in memory.
pub const MAX_OFFSET: usize = 10_000;

/// Characters of body text a snippet shows at most.
const SNIPPET_CHARS: usize = 220;

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
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Matches in all, for pagination.
    pub total: usize,
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
        let (schema, fields) = schema::build(language);
        let reason = if dir.join("meta.json").exists() {
            match Index::open_in_dir(dir) {
                Ok(index) if same_schema(&index.schema(), &schema) => {
                    match Self::assemble(index, fields, language) {
                        Ok(mut me) => {
                            me.dir = Some(dir.to_owned());
                            return Ok((me, Opened::Existing));
                        }
                        Err(e) => format!("the index could not be opened ({e})"),
                    }
                }
                Ok(_) => "the index was built for another version or language".to_owned(),
                Err(e) => format!("the index could not be read ({e})"),
            }
        } else {
            "there was no index yet".to_owned()
        };
        // Everything in the folder is ours and can be rebuilt from the database.
        std::fs::remove_dir_all(dir).map_err(folder)?;
        std::fs::create_dir_all(dir).map_err(folder)?;
        let index = Index::create_in_dir(dir, schema)?;
        let mut me = Self::assemble(index, fields, language)?;
        me.dir = Some(dir.to_owned());
        Ok((me, Opened::Created(reason)))
    }

    /// An index in memory (tests, tools).
    pub fn in_memory(language: &str) -> Result<Self, SearchError> {
        let language = language_for(language);
        let (schema, fields) = schema::build(language);
        Self::assemble(Index::create_in_ram(schema), fields, language)
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
        })
    }

    /// How many of the index's files fail their checksum (a damaged disk, a copy cut short).
    /// Reads every file once: the indexer asks at start, in the background, so a big index
    /// does not hold up the port opening, and rebuilds when the answer is not 0.
    ///
    /// The files are read through a second, short-lived view of the folder: tantivy reads them
    /// through memory maps, and maps shared with the searcher would leave the whole index
    /// resident in this process (286 MB on the 100,000-story site) though searches touch little
    /// of it. Call it before this process commits anything (a commit may remove files).
    pub fn damaged_files(&self) -> Result<usize, SearchError> {
        let damaged = match &self.dir {
            Some(dir) => Index::open_in_dir(dir)?.validate_checksum()?.len(),
            None => self.index.validate_checksum()?.len(),
        };
        Ok(damaged)
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

    /// Remove stories (withdrawn, unpublished); unknown ids are fine.
    pub fn remove(&self, ids: &[ArticleId]) {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            writer.delete_term(self.id_term(*id));
        }
    }

    /// Remove every story (before a rebuild).
    pub fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
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
        doc
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
    /// always rank higher.
    ///
    /// A word that many stories contain is taken as typed, as a spelling checker takes a word
    /// in its dictionary: readers misspell into rare words and non-words, and each fuzzy
    /// clause walks a field's whole term dictionary (milliseconds on a large archive, the
    /// bulk of a query's time), so skipping it for common words keeps most queries fast.
    fn word_query(
        &self,
        searcher: &tantivy::Searcher,
        stem: &str,
        original_chars: usize,
    ) -> Result<Box<dyn Query>, SearchError> {
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
        for (field, weight) in schema::weighted(f) {
            let term = Term::from_field_text(field, stem);
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    weight,
                )),
            ));
            if fuzzy && fuzzy_fields.contains(&field) {
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(term, 1, true)),
                        weight * 0.2,
                    )),
                ));
            }
        }
        Ok(Box::new(BooleanQuery::new(should)))
    }

    /// The query for words that must appear together, in order, in one field.
    fn phrase_query(&self, stems: &[String]) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in schema::weighted(&self.fields) {
            let terms = stems
                .iter()
                .map(|s| Term::from_field_text(field, s))
                .collect();
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), weight)),
            ));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// The text part of a query: every word and phrase must match. None when nothing
    /// searchable was typed.
    fn text_query(
        &self,
        searcher: &tantivy::Searcher,
        parsed: &Parsed,
    ) -> Result<Option<Box<dyn Query>>, SearchError> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
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
                    must.push((Occur::Must, self.word_query(searcher, stem, chars)?));
                }
                // A word the analyser splits (`covid-19`, `U.S.`) is a phrase too.
                many => {
                    let stems: Vec<String> = many.iter().map(|(s, _)| s.clone()).collect();
                    must.push((Occur::Must, self.phrase_query(&stems)));
                }
            }
        }
        Ok((!must.is_empty()).then(|| Box::new(BooleanQuery::new(must)) as Box<dyn Query>))
    }

    /// Search. Nothing searchable and no filter gives no results (not every story).
    pub fn search(&self, req: &Request) -> Result<Results, SearchError> {
        let f = &self.fields;
        let parsed = query::parse(&req.text);
        let searcher = self.reader.searcher();
        let text = self.text_query(&searcher, &parsed)?;
        if text.is_none() && !req.has_filters() {
            return Ok(Results {
                parsed,
                ..Results::default()
            });
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match &text {
            Some(q) => clauses.push((Occur::Must, q.box_clone())),
            None => clauses.push((Occur::Must, Box::new(AllQuery))),
        }
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
        let query = BooleanQuery::new(clauses);
        let limit = req.limit.max(1);
        if req.offset > MAX_OFFSET {
            let total = searcher.search(&query, &Count)?;
            return Ok(Results {
                hits: Vec::new(),
                total,
                parsed,
            });
        }
        let top = TopDocs::with_limit(limit).and_offset(req.offset);
        let (found, total): (Vec<(f32, DocAddress)>, usize) =
            if req.sort == Sort::Newest || text.is_none() {
                let (docs, total) = searcher.search(
                    &query,
                    &(
                        top.order_by_fast_field::<i64>("published", Order::Desc),
                        Count,
                    ),
                )?;
                (docs.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
            } else {
                searcher.search(&query, &(top, Count))?
            };
        let generators = match &text {
            Some(q) => {
                let mut body = SnippetGenerator::create(&searcher, q.as_ref(), f.body)?;
                body.set_max_num_chars(SNIPPET_CHARS);
                let mut standfirst = SnippetGenerator::create(&searcher, q.as_ref(), f.standfirst)?;
                standfirst.set_max_num_chars(SNIPPET_CHARS);
                Some((body, standfirst))
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let snippet = match &generators {
                Some((body, standfirst)) => {
                    let s = body.snippet_from_doc(&doc);
                    if s.highlighted().is_empty() {
                        snippet::html(&standfirst.snippet_from_doc(&doc))
                    } else {
                        snippet::html(&s)
                    }
                }
                None => String::new(),
            };
            hits.push(Hit {
                id: ArticleId(id as i64),
                score,
                snippet,
            });
        }
        Ok(Results {
            hits,
            total,
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
