//! The discussion cache's record of which stories' discussions changed, which the page cache
//! asks before serving a story page that shows one.

use super::{DiscussionCache, EPOCHS_KEPT};

#[test]
fn a_change_marks_its_story_alone_and_clear_marks_every_story() {
    let cache = DiscussionCache::default();
    let before = cache.ticket();
    assert!(!cache.changed_since(1, before));
    cache.changed(1);
    assert!(cache.changed_since(1, before));
    assert!(
        !cache.changed_since(2, before),
        "another story's page was dropped"
    );
    let after = cache.ticket();
    assert!(
        !cache.changed_since(1, after),
        "a page rendered after the change"
    );
    cache.clear();
    assert!(cache.changed_since(2, after));
    let last = cache.ticket();
    assert!(!cache.changed_since(1, last) && !cache.changed_since(2, last));
}

#[test]
fn a_full_record_forgets_by_marking_every_story() {
    let cache = DiscussionCache::default();
    let before = cache.ticket();
    for story in 0..=EPOCHS_KEPT as i64 {
        cache.changed(story);
    }
    // Stories it no longer remembers count as changed: never a stale page.
    assert!(cache.changed_since(i64::MAX, before));
    let after = cache.ticket();
    assert!(!cache.changed_since(i64::MAX, after));
    assert!(cache.per_article_len() <= EPOCHS_KEPT);
}
