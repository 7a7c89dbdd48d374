//! Unit tests: lenient parsing of any string, and the ranking rules on a small in-memory index.

use super::*;
use crate::snippet::{Snippets, Weights};
use proptest::prelude::*;
use tantivy::snippet::SnippetGenerator;

fn doc(id: i64, headline: &str, body: &str) -> Document {
    let published_at = Timestamp::from_second(1_700_000_000 + id * 3600).expect("valid time");
    Document {
        id: ArticleId(id),
        published_at,
        section_id: SectionId(1),
        section_slug: "world".to_owned(),
        section_name: "World".to_owned(),
        headline: headline.to_owned(),
        standfirst: String::new(),
        body: body.to_owned(),
        captions: Vec::new(),
        tags: Vec::new(),
        authors: Vec::new(),
        card: Card {
            id: ArticleId(id),
            headline: headline.to_owned(),
            standfirst: String::new(),
            slug: format!("story-{id}"),
            path_date: jiff::civil::date(2026, 3, 1),
            short_code: format!("s{id}"),
            section_id: SectionId(1),
            published_at,
            updated_at: None,
            lead: None,
            authors: Vec::new(),
        },
    }
}

#[test]
fn merging_segments_keeps_every_story_and_the_watermark() {
    let index = SearchIndex::in_memory("en-GB").expect("an index in memory");
    let at = Timestamp::from_second(1_700_000_000).expect("valid time");
    for id in 1..=3 {
        index
            .upsert(&[doc(id, &format!("Harbour story {id}"), "Text.")])
            .expect("indexing");
        index.commit(Some(at)).expect("committing");
    }
    assert_eq!(index.reader.searcher().segment_readers().len(), 3);
    index.merge_segments().expect("merging");
    assert_eq!(index.reader.searcher().segment_readers().len(), 1);
    assert_eq!(index.len(), 3);
    assert_eq!(index.watermark(), Some(at));
    let found = index
        .search(&Request {
            text: "harbour".to_owned(),
            limit: 10,
            ..Request::default()
        })
        .expect("searching");
    assert_eq!(found.total, 3);
}

#[test]
fn hits_carry_their_stories_cards_back() {
    use dateline_core::media::{Credit, Media};
    use dateline_core::{MediaId, PersonId};
    let mut d = doc(7, "Harbour strike ends", "Crews return.");
    d.card.updated_at = Some(d.published_at + jiff::SignedDuration::from_hours(2));
    d.card.lead = Some(Media {
        id: MediaId(3),
        hash: "c0ffee".to_owned(),
        mime: "image/jpeg".to_owned(),
        width: 1600,
        height: 900,
        alt: "Boats".to_owned(),
        caption: "Boats at rest.".to_owned(),
        credit: Credit {
            agency: "Wire".to_owned(),
            ..Credit::default()
        },
        variants: vec![320, 640],
        formats: vec![
            dateline_core::media::Extra::Avif,
            dateline_core::media::Extra::Webp,
        ],
        file_name: Some("harbour.jpg".to_owned()),
    });
    d.card.authors = vec![Byline {
        id: PersonId(4),
        slug: dateline_core::slug::Slug::parse("amira-haddad").expect("a slug"),
        name: "Amira Haddad".to_owned(),
    }];
    let index = index(&[d.clone(), doc(8, "Weather", "Cold.")]);
    let found = index
        .search(&Request {
            text: "strike".to_owned(),
            limit: 10,
            ..Request::default()
        })
        .expect("searching");
    assert_eq!(found.hits.len(), 1);
    assert_eq!(found.hits[0].card.as_ref(), Some(&d.card));
}

#[test]
fn a_rebuild_ends_in_one_segment_however_many_it_wrote() {
    let index = SearchIndex::in_memory("en-GB").expect("an index in memory");
    index.clear().expect("clearing");
    // More segments than the writer's merge policy lets stand: on its own it would start
    // merging some of them, and the final merge of all could then not take those.
    for id in 1..=24 {
        index
            .upsert(&[doc(id, &format!("Harbour story {id}"), "Text.")])
            .expect("indexing");
        index.commit(None).expect("committing");
    }
    assert_eq!(
        index.reader.searcher().segment_readers().len(),
        24,
        "no merge of the writer's own during a rebuild"
    );
    index.merge_segments().expect("merging");
    assert_eq!(index.reader.searcher().segment_readers().len(), 1);
    assert_eq!(index.len(), 24);
}

#[test]
fn only_one_word_or_pair_by_relevance_is_a_quick_search() {
    let index = index(&[
        doc(
            1,
            "Harbour strike",
            "Ferry workers walk out at the harbour.",
        ),
        doc(2, "Parliament votes", "Votes."),
    ]);
    let quick = |text: &str, section: Option<&str>, sort: Sort, offset: usize| {
        let req = Request {
            text: text.to_owned(),
            section: section.map(str::to_owned),
            sort,
            offset,
            limit: 10,
            ..Request::default()
        };
        let prepared = index.prepare(&req).expect("preparing");
        let quick = prepared.is_quick();
        // Prepared and run, or searched in one go: the same answer.
        let run = index.run(prepared).expect("running");
        let whole = index.search(&req).expect("searching");
        assert_eq!(run.hits, whole.hits, "{text}");
        assert_eq!(run.total, whole.total, "{text}");
        quick
    };
    // Words shorter than five letters are taken as typed.
    assert!(quick("walk", None, Sort::Relevance, 0));
    assert!(quick("\"harbour strike\"", None, Sort::Relevance, 0));
    assert!(quick("walk", Some("world"), Sort::Relevance, 0));
    assert!(!quick("walk out", None, Sort::Relevance, 0));
    assert!(!quick("\"ferry workers walk\"", None, Sort::Relevance, 0));
    // A long word few stories contain gets typo clauses.
    assert!(!quick("harbour", None, Sort::Relevance, 0));
    assert!(!quick("walk", None, Sort::Newest, 0));
    assert!(!quick("walk", None, Sort::Relevance, 45));
    assert!(!quick("", Some("world"), Sort::Relevance, 0));
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
fn phrases_match_in_any_text_but_not_across_texts() {
    let mut in_caption = doc(3, "Harbour", "Boats.");
    in_caption.captions = vec!["The night ferry crossing at dawn".to_owned()];
    let mut across = doc(4, "Late night", "Ferry crossing.");
    across.standfirst = "Crossing the strait.".to_owned();
    let index = index(&[
        doc(
            1,
            "Storm",
            "Passengers waited for the night ferry crossing.",
        ),
        doc(2, "Night ferries crossing", "Stems match in phrases too."),
        in_caption,
        across,
    ]);
    let mut found = ids(&index, "\"night ferry crossing\"");
    found.sort_unstable();
    assert_eq!(found, [1, 2, 3]);
    let r = search(&index, "\"night ferry\"", 0);
    assert_eq!((r.total, r.total_is_estimate), (3, false));
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
fn snippets_come_from_wherever_in_the_text_the_words_are() {
    let filler = "Council officers met on Tuesday to agree the budget. ".repeat(40);
    let mut standfirst_only = doc(3, "Ferry news", "Nothing about it here.");
    standfirst_only.standfirst = "Crews join the harbour walkout.".to_owned();
    // Short words before the match and long ones after it: where the word's position says it
    // lies in the text is far from where it is.
    let uneven = format!(
        "{} harbour walkout begins. {}",
        "a ".repeat(400),
        "extraordinarily ".repeat(300)
    );
    let index = index(&[
        doc(1, "Harbour strike", "Nothing in the body matches at all."),
        doc(
            2,
            "Deep story",
            &format!("{filler}The harbour walkout began. {filler}"),
        ),
        standfirst_only,
        doc(4, "Uneven story", &uneven),
    ]);
    let r = index
        .search(&Request {
            text: "harbour".to_owned(),
            limit: 10,
            ..Request::default()
        })
        .expect("searching");
    let snippet = |id: i64| {
        r.hits
            .iter()
            .find(|h| h.id == ArticleId(id))
            .map(|h| h.snippet.clone())
            .expect("a hit")
    };
    assert_eq!(snippet(1), "", "a headline match has no snippet");
    for id in [2, 3, 4] {
        let s = snippet(id);
        assert!(s.contains("<mark>harbour</mark> walkout"), "{id}: {s}");
    }
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
    index
        .remove(&[ArticleId(2), ArticleId(3)])
        .expect("removing");
    index.commit(None).expect("committing");
    assert_eq!(
        index.similar(ArticleId(1), 5).expect("similar"),
        Some(Vec::new())
    );
}

#[test]
fn removing_says_how_many_removed_stories_the_index_held() {
    // The indexer commits only when a search could see the difference: removing a story the
    // index never held (a draft's change) must count nothing, one it holds must count.
    let index = index(&[doc(1, "Drought hits wheat harvest", "Wheat drought.")]);
    assert_eq!(
        index
            .remove(&[ArticleId(7), ArticleId(8)])
            .expect("removing"),
        0
    );
    assert_eq!(
        index
            .remove(&[ArticleId(1), ArticleId(9)])
            .expect("removing"),
        1
    );
    index.commit(None).expect("committing");
    assert_eq!(index.len(), 0, "the removed story is gone");
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

#[test]
fn estimates_count_live_stories_not_the_deleted_versions_of_edited_ones() {
    let docs: Vec<Document> = (1..=12)
        .map(|i| doc(i, &format!("Harbour report {i}"), "x"))
        .collect();
    let index = index(&docs);
    // Eight stories edited: their old versions stay in the first segment, deleted, before the
    // four live ones; the new versions make a second segment.
    index.upsert(&docs[..8]).expect("upsert");
    index.commit(None).expect("commit");
    index.set_exact_count_up_to(5);
    let r = search(&index, "harbour", 0);
    assert!(r.total_is_estimate);
    // Counted by slots, the fifth match found at slot 13 of 20 made "about 7".
    assert_eq!(r.total, 12);
}

#[test]
fn an_index_in_the_older_compressed_format_is_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("search");
    std::fs::create_dir_all(&path).expect("folder");
    let (schema, _) = schema::build(Language::English);
    let old = tantivy::IndexSettings {
        docstore_compression: tantivy::store::Compressor::Lz4,
        ..crate::settings()
    };
    tantivy::Index::builder()
        .schema(schema)
        .settings(old)
        .create_in_dir(&path)
        .expect("an index as an older version made it");
    let (index, opened) = SearchIndex::open(&path, "en").expect("open");
    assert_eq!(
        opened,
        Opened::Created("the index keeps its stories in an older format".to_owned())
    );
    index.upsert(&[doc(1, "Kept", "x")]).expect("upsert");
    index.commit(None).expect("commit");
    drop(index);
    let (index, opened) = SearchIndex::open(&path, "en").expect("reopen");
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.len(), 1);
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

fn search(index: &SearchIndex, text: &str, offset: usize) -> Results {
    index
        .search(&Request {
            text: text.to_owned(),
            offset,
            limit: 10,
            ..Request::default()
        })
        .expect("searching")
}

#[test]
fn big_result_sets_have_an_estimated_total_and_small_ones_an_exact_one() {
    let docs: Vec<Document> = (1..=3000)
        .map(|i| {
            let headline = if i % 2 == 0 {
                "Harbour news"
            } else {
                "Other news"
            };
            let body = if i % 100 == 0 {
                "A rare lighthouse."
            } else {
                "Text."
            };
            doc(i, headline, body)
        })
        .collect();
    let index = index(&docs);
    // 1,500 matches: past the exact count, estimated and rounded to two figures.
    let r = search(&index, "harbour", 0);
    assert!(r.total_is_estimate);
    assert!((1300..=1700).contains(&r.total), "{}", r.total);
    assert_eq!(r.total % 100, 0, "{}", r.total);
    assert_eq!(r.hits.len(), 10);
    let r = search(&index, "news", 0);
    assert!(r.total_is_estimate);
    assert!((2700..=3000).contains(&r.total), "{}", r.total);
    // 30 matches: counted exactly.
    let r = search(&index, "lighthouse", 0);
    assert!(!r.total_is_estimate);
    assert_eq!(r.total, 30);
    // Exactly the limit is still exact.
    index.set_exact_count_up_to(30);
    let r = search(&index, "lighthouse", 0);
    assert_eq!((r.total, r.total_is_estimate), (30, false));
    index.set_exact_count_up_to(29);
    let r = search(&index, "lighthouse", 0);
    assert!(r.total_is_estimate);
    index.set_exact_count_up_to(EXACT_COUNT_UP_TO);
    // A page past the real end of an estimate is empty, not an error.
    let r = search(&index, "harbour", 1495);
    assert_eq!(r.hits.len(), 5);
    let r = search(&index, "harbour", 1500);
    assert!(r.hits.is_empty() && r.total_is_estimate);
}

/// A story of words drawn from a small vocabulary (the same for the same id), so that words
/// match many stories with different frequencies in texts of different lengths.
fn varied(id: i64) -> Document {
    const WORDS: [&str; 12] = [
        "harbour", "strike", "budget", "council", "river", "school", "storm", "market", "police",
        "ferry", "bridge", "festival",
    ];
    let mut x = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut words = |n: u64| {
        (0..n)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let headline = words(3);
    let standfirst = words(6);
    let body = words(5 + id as u64 % 40);
    let mut d = doc(id, &headline, &body);
    d.standfirst = standfirst;
    d.section_slug = if id % 3 == 0 { "sport" } else { "world" }.to_owned();
    d
}

#[test]
fn the_top_found_by_skipping_is_the_top_of_scoring_every_match() {
    let docs: Vec<Document> = (1..=3000).map(varied).collect();
    let index = index(&docs);
    // Removed stories linger in their segment until a merge: they must not be found.
    index
        .remove(&(1..=3000).step_by(7).map(ArticleId).collect::<Vec<_>>())
        .expect("removing");
    index.commit(None).expect("committing");
    let searcher = index.reader.searcher();
    let id_of = |a: DocAddress| {
        let d: TantivyDocument = searcher.doc(a).expect("stored story");
        d.get_first(index.fields.id)
            .and_then(|v| v.as_u64())
            .expect("an id")
    };
    for (text, section, offset) in [
        ("harbour", None, 0),
        ("harbour strike", None, 0),
        ("storm", Some("sport"), 0),
        ("river ferry bridge", None, 0),
        ("market", None, 25),
        ("budget council", Some("world"), 7),
        ("\"harbour strike\"", None, 0),
        ("\"river ferry\" budget", Some("sport"), 3),
        ("\"river ferry bridge\"", None, 0),
    ] {
        let req = Request {
            text: text.to_owned(),
            section: section.map(str::to_owned),
            offset,
            limit: 10,
            ..Request::default()
        };
        let text_query = index
            .text_query(&searcher, &query::parse(text))
            .expect("a query")
            .expect("words");
        // Phrases of three words or more are scored in one plain pass.
        assert_eq!(
            text_query.flat.is_some(),
            !text.contains("\"river ferry bridge\""),
            "{text}: the skipping path"
        );
        // As before skipping: every match scored by the nested query.
        let mut clauses = vec![(Occur::Must, text_query.matching)];
        clauses.extend(index.filter_clauses(&req));
        let every: Vec<(f32, DocAddress)> = searcher
            .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(3000))
            .expect("scoring every match");
        let scores: std::collections::HashMap<u64, f32> =
            every.iter().map(|(s, a)| (id_of(*a), *s)).collect();
        let got = index.search(&req).expect("searching").hits;
        assert_eq!(got.len(), 10, "{text}");
        for (i, hit) in got.iter().enumerate() {
            let (want, _) = every[offset + i];
            assert!(
                (hit.score - want).abs() < 1e-4,
                "{text} #{i}: {} vs {want}",
                hit.score
            );
            let own = scores[&(hit.id.0 as u64)];
            assert!(
                (hit.score - own).abs() < 1e-4,
                "{text} #{i}: not its own score"
            );
        }
    }
}

#[test]
fn checksums_are_read_from_tantivys_footer_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("file");
    // tantivy's layout: body, JSON footer with the body's CRC-32, footer length, magic 1337.
    let write = |body: &[u8], crc: u32, magic: u32| {
        let json = format!(r#"{{"version":{{"major":0,"minor":25,"patch":0}},"crc":{crc}}}"#);
        let mut bytes = body.to_vec();
        bytes.extend_from_slice(json.as_bytes());
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&magic.to_le_bytes());
        std::fs::write(&path, bytes).expect("writing");
    };
    let body = b"the body of a segment file".repeat(100_000);
    let crc = crc32fast::hash(&body);
    write(&body, crc, 1337);
    assert!(crate::checksum::file_ok(&path).expect("reading"));
    write(&body, crc ^ 1, 1337);
    assert!(!crate::checksum::file_ok(&path).expect("reading"));
    write(&body, crc, 1338);
    assert!(!crate::checksum::file_ok(&path).expect("reading"));
    std::fs::write(&path, b"short").expect("writing");
    assert!(!crate::checksum::file_ok(&path).expect("reading"));
    std::fs::write(&path, [0u8, 0, 1, 0, 57, 5, 0, 0]).expect("writing");
    assert!(!crate::checksum::file_ok(&path).expect("reading"));
}

/// The snippet module's own fragment choice against tantivy's `SnippetGenerator`, whose
/// algorithm it keeps: the same fragment and the same marked words for any text.
fn assert_snippet_as_tantivys(text: &str, query: &[&str], max_bytes: usize) {
    let mut analyzer = schema::analyzer(Language::English);
    let stems: Vec<String> = query
        .iter()
        .filter_map(|w| {
            let mut stream = analyzer.token_stream(w);
            stream.advance().then(|| stream.token().text.clone())
        })
        .collect();
    let weights: Weights = stems
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), 1.0 / (2.0 + i as f32)))
        .collect();
    let theirs = SnippetGenerator::new(
        weights.iter().cloned().collect(),
        analyzer.clone(),
        Schema::builder().add_text_field("body", tantivy::schema::TEXT),
        max_bytes,
    )
    .snippet(text);
    let ours = Snippets::new(&analyzer, &stems, max_bytes).make(text, &weights);
    assert_eq!(ours.fragment, theirs.fragment(), "{text:?} for {query:?}");
    assert_eq!(
        ours.highlighted,
        theirs.highlighted(),
        "{text:?} for {query:?}"
    );
}

#[test]
fn snippets_are_the_ones_tantivy_would_make() {
    let long = "a".repeat(39) + " " + &"b".repeat(40) + " strike";
    // A word of 40 bytes is too long to be one: the fragment ends before it.
    let long_last = "strike ".to_owned() + &"b".repeat(40);
    // Words are found 64 bytes at a time: a character across the 64th byte, a word up to it.
    let across = "ab ".repeat(21) + "éstrike strike";
    let to_the_end = "ab ".repeat(19) + "strikes";
    let texts = [
        "",
        "Nothing here matches.",
        "Dock workers went on strike today; the strikes spread to the harbour by noon.",
        "STRIKE! Strikers and striking crews, Striker's pay: the harbour's strike fund.",
        "Harbour harbour harbour. Then a long stretch of words that do not match at all, \
         and then the harbour again with a strike beside it at the very end: strike.",
        "Café owners in Zürich joined the strike; the naïve façade of ΑΘΗΝΑ strikes back.",
        "Numbers 1999 and 2026 strike3 strike 3strike, under_scores strike-breaking.",
        long.as_str(),
        long_last.as_str(),
        across.as_str(),
        to_the_end.as_str(),
        "strike",
        "   leading spaces, then strike, then trailing spaces   ",
    ];
    let queries: [&[&str]; 4] = [
        &["strike"],
        &["strike", "harbour"],
        &["café", "zürich", "αθηνα"],
        &["nothing"],
    ];
    for text in texts {
        for query in queries {
            for max in [10, 40, 220] {
                assert_snippet_as_tantivys(text, query, max);
            }
        }
    }
}

proptest! {
    #[test]
    fn snippets_of_any_text_are_the_ones_tantivy_would_make(
        words in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(&[
                    "strike", "Strikes", "harbour", "the", "a", "Zürich", "ÉCOLE", "naïve", "x1",
                    "supercalifragilisticexpialidocious-and-then-some-more",
                    "fortybytesisjustonebytetoolongxxxxxxxxxx", "thirtyninebytesisawordstillxxxxxxxxxxxx",
                ][..]).prop_map(str::to_owned),
                "[a-zé]{1,12}",
            ],
            0..60,
        ),
        separators in proptest::collection::vec(prop_oneof![Just(" "), Just(", "), Just(". "), Just("—"), Just("\n\n")], 60),
        max in 5usize..300,
    ) {
        let text: String = words
            .iter()
            .zip(&separators)
            .flat_map(|(w, s)| [w.as_str(), s])
            .collect();
        assert_snippet_as_tantivys(&text, &["strike", "harbour", "zürich", "école"], max);
    }
}

#[test]
fn snippet_html_escapes_every_special_character_and_marks_only_whole_ranges() {
    let fragment = "«a<b & 'c' \"d\" >é» end";
    let s = snippet::Snippet {
        fragment,
        // The last range splits `é`: skipped rather than trusted.
        highlighted: vec![0..2, 4..5, 18..19],
    };
    assert_eq!(
        s.html(),
        "<mark>«</mark>a&lt;<mark>b</mark> &amp; &#39;c&#39; &quot;d&quot; &gt;é» end"
    );
}

/// Copy every file of `from` into `to` (flat: an index folder has no subfolders), but the
/// names `skip` says to leave.
fn copy_files(from: &Path, to: &Path, skip: impl Fn(&str) -> bool) {
    std::fs::create_dir_all(to).expect("making the folder");
    for entry in std::fs::read_dir(from)
        .expect("listing")
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !skip(&name) {
            std::fs::copy(entry.path(), to.join(&name)).expect("copying");
        }
    }
}

/// Issue 22: a process killed in its catch-up commit, after tantivy wrote the commit's files
/// (new segments, and a `.del` file of the deletes in an old segment) but before `meta.json`,
/// left them behind. The next start counts operations from the last `meta.json` again, so its
/// catch-up (the same stories, the same number of operations) reached the same opstamp, and
/// its commit failed with `FileAlreadyExists(….del)`: the stories stayed unsearchable until a
/// later write moved the opstamp on. Opening the index now clears what no commit references.
#[test]
fn issue_22_a_commit_cut_short_leaves_nothing_in_the_next_ones_way() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("search");
    let first: Vec<Document> = (1..=40)
        .map(|i| doc(i, &format!("Harbour story {i}"), "x"))
        .collect();
    // The last eight stories edited: what the catch-up after the restart reindexes.
    let edited: Vec<Document> = (33..=40)
        .map(|i| doc(i, &format!("Lighthouse story {i}"), "x"))
        .collect();
    let t1 = Timestamp::from_second(1_800_000_000).expect("time");
    let t2 = Timestamp::from_second(1_800_000_600).expect("time");
    {
        let (index, _) = SearchIndex::open(&path, "en").expect("open");
        index.upsert(&first).expect("upsert");
        index.commit(Some(t1)).expect("commit");
    }
    // The folder as committed, before the catch-up: the process that will be "killed".
    let crashed = dir.path().join("crashed");
    let lock = |name: &str| name.starts_with(".tantivy");
    copy_files(&path, &crashed, lock);
    // The catch-up run to its end on the original writes exactly the files the killed
    // process wrote (the same operations from the same opstamp)...
    {
        let (index, opened) = SearchIndex::open(&path, "en").expect("open");
        assert_eq!(opened, Opened::Existing);
        index.upsert(&edited).expect("upsert");
        index.commit(Some(t2)).expect("commit");
    }
    let written: Vec<String> = std::fs::read_dir(&path)
        .expect("listing")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !crashed.join(n).exists())
        .collect();
    assert!(
        written.iter().any(|n| n.ends_with(".del")),
        "the catch-up deleted nothing in the old segment: {written:?}"
    );
    // ...and the killed process got as far as all of them (and the list of files tantivy
    // manages, which names each before it is written) but not `meta.json`.
    copy_files(&path, &crashed, |n| lock(n) || n == "meta.json");

    // The next start: the same catch-up must commit, and every story be found at once.
    let (index, opened) = SearchIndex::open(&crashed, "en").expect("open after the crash");
    assert_eq!(opened, Opened::Existing);
    assert_eq!(index.watermark(), Some(t1));
    index.upsert(&edited).expect("upsert");
    index.commit(Some(t2)).expect("the catch-up commits");
    assert_eq!(index.watermark(), Some(t2));
    let mut found = ids(&index, "lighthouse");
    found.sort_unstable();
    assert_eq!(found, (33..=40).collect::<Vec<_>>());
    assert_eq!(index.len(), 40);
}
