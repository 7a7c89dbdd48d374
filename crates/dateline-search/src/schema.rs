//! The index's shape: which fields a story becomes, how their text is analysed (lower-cased,
//! stemmed in the site's language), and the language table from BCP 47 tags to stemmers.
//!
//! The analyser's name carries the language (`dateline_en`), so an index built for another
//! language does not match the expected schema and is rebuilt rather than searched with the
//! wrong stemmer. Changing a field here changes the schema the same way; so does a change to the
//! stored [`Card`](crate::Card)'s format, whose version is in its field's name.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};

/// The fields of a story in the index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    /// Microseconds since the epoch, for date filters and newest-first order.
    pub published: Field,
    pub section_id: Field,
    /// Section slug, untokenised (the section filter).
    pub section: Field,
    /// Author slugs, untokenised (the author filter).
    pub author: Field,
    pub tag_id: Field,
    pub headline: Field,
    pub standfirst: Field,
    pub body: Field,
    pub captions: Field,
    pub tags: Field,
    pub section_name: Field,
    pub authors: Field,
    /// Every two neighbouring stems of each weighted text, with the text's field, untokenised
    /// and counted: two-word phrases as terms (see `pair` in `lib.rs`).
    pub pairs: Field,
    /// The story's [`Card`](crate::Card) as JSON, stored only: what a result shows.
    pub card: Field,
    /// Every weighted text of the story in one field, each as many times as its field's
    /// [`copies`]: a word's matches in all fields as one term, scored BM25F-style (term
    /// frequencies and lengths summed with the fields' weights before BM25 saturates them).
    /// Its two-word phrases are in `pairs` under this field's id.
    pub combined: Field,
}

/// The text fields a query searches, with the weight of a match in each. A headline match counts
/// three times a body match; tags and bylines are short and deliberate, so they weigh more too.
/// Words taken as typed and two-word phrases are scored in [`Fields::combined`], with these
/// weights rounded ([`copies`]); words with typo clauses and longer phrases field by field.
pub(crate) fn weighted(f: &Fields) -> [(Field, f32); 7] {
    [
        (f.headline, 3.0),
        (f.standfirst, 1.5),
        (f.tags, 2.0),
        (f.authors, 1.5),
        (f.section_name, 1.0),
        (f.body, 1.0),
        (f.captions, 0.8),
    ]
}

/// How many times a text of a field with `weight` is put in [`Fields::combined`]: the weight
/// rounded, at least once (headline 3, standfirst 2, tags 2, bylines 2, the others 1).
///
/// One word is then one posting list instead of one per field. tantivy finds the best ten
/// stories of a single term by skipping whole blocks that cannot reach them; over seven
/// fields' lists (block-max WAND) it had to line the lists up story by story, and a common
/// word's search spent half its time there (0.35 ms of 0.65 on the 100,000-story site).
pub(crate) fn copies(weight: f32) -> usize {
    (weight.round() as usize).max(1)
}

/// The stemmer language for a BCP 47 tag (`en-GB` → English); English when tantivy has no
/// stemmer for it.
pub fn language_for(tag: &str) -> Language {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match primary.as_str() {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => Language::English,
    }
}

/// A short stable code for the analyser's name.
fn code(language: Language) -> &'static str {
    match language {
        Language::Arabic => "ar",
        Language::Danish => "da",
        Language::Dutch => "nl",
        Language::English => "en",
        Language::Finnish => "fi",
        Language::French => "fr",
        Language::German => "de",
        Language::Greek => "el",
        Language::Hungarian => "hu",
        Language::Italian => "it",
        Language::Norwegian => "no",
        Language::Portuguese => "pt",
        Language::Romanian => "ro",
        Language::Russian => "ru",
        Language::Spanish => "es",
        Language::Swedish => "sv",
        Language::Tamil => "ta",
        Language::Turkish => "tr",
    }
}

/// The name under which the analyser for `language` is registered.
pub(crate) fn analyzer_name(language: Language) -> String {
    format!("dateline_{}", code(language))
}

/// Words split on anything that is not a letter or digit, very long tokens dropped (they are
/// noise such as URLs or base64, and blow up the term dictionary), lower-cased, stemmed.
pub(crate) fn analyzer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(language))
        .build()
}

/// The name of the stored card field, with the version of [`Card`](crate::Card)'s format.
const CARD_FIELD: &str = "card_v3";

pub(crate) fn build(language: Language) -> (Schema, Fields) {
    let name = analyzer_name(language);
    let text = |stored: bool| {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&name)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { opts.set_stored() } else { opts }
    };
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | FAST | STORED),
        published: b.add_i64_field("published", INDEXED | FAST | STORED),
        section_id: b.add_u64_field("section_id", STORED),
        section: b.add_text_field("section", STRING | STORED),
        author: b.add_text_field("author", STRING),
        tag_id: b.add_u64_field("tag_id", STORED),
        // Stored: snippets and similar-story queries read them back.
        headline: b.add_text_field("headline", text(true)),
        standfirst: b.add_text_field("standfirst", text(true)),
        body: b.add_text_field("body", text(true)),
        captions: b.add_text_field("captions", text(false)),
        tags: b.add_text_field("tags", text(true)),
        section_name: b.add_text_field("section_name", text(false)),
        authors: b.add_text_field("authors", text(false)),
        pairs: b.add_text_field(
            "pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        // The name carries the card's format: a change to `Card` renames it, so an index with
        // the old format is rebuilt (see the module doc).
        card: b.add_text_field(CARD_FIELD, STORED),
        combined: b.add_text_field(
            "combined",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(&name)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
    };
    (b.build(), fields)
}
