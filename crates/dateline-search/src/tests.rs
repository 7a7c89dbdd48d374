//! Unit tests: lenient parsing of any string, and the ranking rules on a small in-memory index.

use super::*;
use proptest::prelude::*;

fn doc(id: i64, headline: &str, body: &str) -> Document {
    Document {
        id: ArticleId(id),
        published_at: Timestamp::from_second(1_700_000_000 + id * 3600).expect("valid time"),
        section_id: SectionId(1),
        section_slug: "world".to_owned(),
        section_name: "World".to_owned(),
        headline: headline.to_owned(),
        standfirst: String::new(),
        body: body.to_owned(),
        captions: Vec::new(),
        tags: Vec::new(),
        authors: Vec::new(),
    }
}

fn index(docs: &[Document]) -> SearchIndex {
    let index = SearchIndex::in_memory("en-GB").expect("an index in memory");
    index.upsert(docs).expect("indexing");
    index.commit(None).expect("committing");
    index
}

fn ids(index: &SearchIndex, text: &str) -> Vec<i64> {
    index
        .search(&Request {
            text: text.to_owned(),
            limit: 10,
            ..Request::default()
        })
        .expect("searching")
        .hits
        .iter()
        .map(|h| h.id.0)
        .collect()
}

#[test]
fn parsing_keeps_words_and_phrases_and_drops_the_rest() {
    assert_eq!(
        query::parse(r#"nuclear "peace deal" * AND ( "#).parts,
        [
            Part::Word("nuclear".to_owned()),
            Part::Phrase(vec!["peace".to_owned(), "deal".to_owned()]),
            Part::Word("AND".to_owned()),
        ]
    );
    assert!(query::parse("").is_empty());
    assert!(query::parse("\"").is_empty());
    assert!(query::parse("* ( ) -- ").is_empty());
    assert_eq!(
        query::parse("\"unclosed phrase here").parts,
        [Part::Phrase(vec![
            "unclosed".to_owned(),
            "phrase".to_owned(),
            "here".to_owned()
        ])]
    );
    let long = "word ".repeat(1000);
    assert_eq!(query::parse(&long).parts.len(), query::MAX_WORDS);
}

#[test]
fn headline_matches_rank_first_and_stems_match() {
    let index = index(&[
        doc(1, "Markets rally", "The election result surprised traders."),
        doc(2, "Election called for May", "Parties prepare."),
    ]);
    assert_eq!(ids(&index, "election"), [2, 1]);
    assert_eq!(ids(&index, "elections"), [2, 1]);
}

#[test]
fn long_words_forgive_one_typo_but_exact_matches_rank_higher() {
    let index = index(&[
        doc(1, "Parliament sits late", "Votes."),
        doc(2, "Parliment typo in the headline", "Votes."),
    ]);
    assert_eq!(ids(&index, "parliament"), [1, 2]);
    assert_eq!(ids(&index, "parliment"), [2, 1]);
    // Short words must match exactly.
    let short = super::tests::index(&[doc(3, "A cat", "x"), doc(4, "A cap", "x")]);
    assert_eq!(ids(&short, "cat"), [3]);
}

#[test]
fn phrases_need_their_words_together() {
    let index = index(&[
        doc(1, "A nuclear deal is signed", "."),
        doc(2, "A deal on nuclear power", "."),
    ]);
    assert_eq!(ids(&index, "\"nuclear deal\""), [1]);
    let mut both = ids(&index, "nuclear deal");
    both.sort_unstable();
    assert_eq!(both, [1, 2]);
}

#[test]
fn snippets_mark_matches_and_escape_everything_else() {
    let index = index(&[doc(
        1,
        "<script>alert(1)</script>",
        "Before <b>bold</b> the elections & after",
    )]);
    let r = index
        .search(&Request {
            text: "election".to_owned(),
            limit: 10,
            ..Request::default()
        })
        .expect("searching");
    let s = &r.hits[0].snippet;
    assert!(s.contains("<mark>elections</mark>"), "{s}");
    assert!(
        s.contains("&lt;b&gt;bold&lt;/b&gt;") && s.contains("&amp;"),
        "{s}"
    );
    assert!(!s.contains("<b>"), "{s}");
}

#[test]
fn similar_stories_leave_out_the_story_itself() {
    let index = index(&[
        doc(
            1,
            "Drought hits wheat harvest",
            "Farmers report wheat drought losses across the plains.",
        ),
        doc(
            2,
            "Wheat prices climb after drought",
            "The drought cut the wheat harvest.",
        ),
        doc(3, "Football final tonight", "Two teams meet in the final."),
    ]);
    let similar = index
        .similar(ArticleId(1), 5)
        .expect("similar")
        .expect("story 1 is indexed");
    assert_eq!(similar.first().map(|s| s.id), Some(ArticleId(2)));
    assert!(similar.iter().all(|s| s.id != ArticleId(1)));
    assert!(index.similar(ArticleId(99), 5).expect("similar").is_none());
}

#[test]
fn similar_stories_survive_removed_stories_that_are_not_merged_away() {
    // tantivy's MoreLikeThisQuery panicked here: a removed story still counts in document
    // frequencies until its segment is merged, but not in the live document count.
    let index = index(&[
        doc(1, "Drought hits wheat harvest", "Wheat drought."),
        doc(2, "Wheat drought deepens", "Wheat drought."),
        doc(3, "Wheat drought spreads", "Wheat drought."),
    ]);
    index.remove(&[ArticleId(2), ArticleId(3)]);
    index.commit(None).expect("committing");
    assert_eq!(
        index.similar(ArticleId(1), 5).expect("similar"),
        Some(Vec::new())
    );
}

#[test]
fn reopening_a_folder_keeps_the_index_and_a_broken_one_is_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("search");
    {
        let (index, opened) = SearchIndex::open(&path, "en").expect("open");
        assert!(matches!(opened, Opened::Created(_)));
        index.upsert(&[doc(1, "Kept", "x")]).expect("upsert");
        let t = Timestamp::from_second(1_800_000_000).expect("time");
        index.commit(Some(t)).expect("commit");
    }
    let (index, opened) = SearchIndex::open(&path, "en").expect("reopen");
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.len(), 1);
    assert_eq!(
        index.watermark().map(|t| t.as_second()),
        Some(1_800_000_000)
    );
    drop(index);
    // Another language's index is not searched with the wrong stemmer.
    let (index, opened) = SearchIndex::open(&path, "fr").expect("reopen in French");
    assert!(matches!(opened, Opened::Created(_)));
    assert!(index.is_empty());
    drop(index);
    // A damaged segment file is found by its checksum (the indexer then rebuilds).
    let (index, _) = SearchIndex::open(&path, "fr").expect("reopen");
    assert_eq!(index.damaged_files().expect("checking"), 0);
    index.upsert(&[doc(2, "Abîmé", "x")]).expect("upsert");
    index.commit(None).expect("commit");
    drop(index);
    let store = std::fs::read_dir(&path)
        .expect("listing")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "store"))
        .expect("a segment's doc store");
    let mut bytes = std::fs::read(&store).expect("reading");
    bytes[0] ^= 0xff;
    std::fs::write(&store, bytes).expect("damaging");
    let (index, opened) = SearchIndex::open(&path, "fr").expect("reopen damaged");
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.damaged_files().expect("checking"), 1);
    drop(index);
    std::fs::write(path.join("meta.json"), "not json").expect("breaking the index");
    let (_, opened) = SearchIndex::open(&path, "fr").expect("reopen broken");
    assert!(matches!(opened, Opened::Created(_)));
}

/// One index for every property case: building one per case is most of the run time.
fn shared() -> &'static SearchIndex {
    static INDEX: std::sync::OnceLock<SearchIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| index(&[doc(1, "Election night", "Results come in.")]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_query_string_searches_without_error(text in ".{0,300}") {
        let r = shared().search(&Request { text, limit: 10, ..Request::default() });
        prop_assert!(r.is_ok());
    }

    #[test]
    fn query_syntax_characters_never_fail(text in r#"[a-z "*()\-+:~^\[\]{}!\\/]{0,60}"#) {
        let r = shared().search(&Request { text, limit: 10, ..Request::default() });
        prop_assert!(r.is_ok());
    }
}

#[test]
fn a_word_many_stories_contain_is_taken_as_typed() {
    let index = index(&[
        doc(1, "Parliament sits late", "Votes."),
        doc(2, "Parliament rises", "Votes."),
        doc(3, "Parliament recalled", "Votes."),
        doc(4, "Parliment typo in the headline", "Votes."),
    ]);
    // Three stories have the word as typed: the one-edit neighbour is not looked for.
    let mut exact = ids(&index, "parliament");
    exact.sort_unstable();
    assert_eq!(exact, [1, 2, 3]);
    // The rare spelling still forgives the typo, its own story first.
    let fuzzy = ids(&index, "parliment");
    assert_eq!(fuzzy.len(), 4);
    assert_eq!(fuzzy[0], 4);
}
