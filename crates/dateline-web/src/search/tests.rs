//! Unit tests of the indexer's catch-up bookkeeping ([`Swept`]); the indexer itself is tested
//! through a running site in the integration tests (`tests/it/search.rs`).

use super::{CATCH_UP_MARGIN, Swept};
use dateline_core::ArticleId;
use dateline_store::Modified;
use jiff::Timestamp;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + secs).expect("a valid time")
}

fn modified(id: i64, secs: i64) -> Modified {
    Modified {
        id: ArticleId(id),
        modified_at: at(secs),
    }
}

#[test]
fn a_catch_up_skips_what_an_earlier_one_reindexed_as_it_is_now() {
    let mut swept = Swept::from(None);
    let listed = [modified(1, 0), modified(2, 10)];
    assert_eq!(swept.unseen(&listed), [ArticleId(1), ArticleId(2)]);
    swept.advance(&listed, Some(at(10)));
    assert_eq!(swept.since(), Some(at(10) - CATCH_UP_MARGIN));

    // The next one lists both again (inside the margin): nothing to do.
    assert!(swept.unseen(&listed).is_empty());
    // Story 2 changed again, story 3 is new: only they are reindexed.
    let listed = [modified(1, 0), modified(2, 20), modified(3, 15)];
    assert_eq!(swept.unseen(&listed), [ArticleId(2), ArticleId(3)]);
}

#[test]
fn what_cannot_be_listed_again_is_forgotten() {
    let mut swept = Swept::from(Some(at(0)));
    let margin = CATCH_UP_MARGIN.as_secs();
    swept.advance(&[modified(1, 0), modified(2, 100)], Some(at(100)));
    assert_eq!(swept.reindexed.len(), 2);
    // The watermark moves a margin past story 1: it is older than any catch-up reads now.
    swept.advance(&[modified(3, margin + 50)], Some(at(margin + 50)));
    let mut kept: Vec<_> = swept.reindexed.keys().copied().collect();
    kept.sort();
    assert_eq!(kept, [ArticleId(2), ArticleId(3)]);
    assert_eq!(swept.since(), Some(at(50)));
}
