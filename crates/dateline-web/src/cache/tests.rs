//! The page cache's drop rule and its stale bound, on the bookkeeping alone (the integration
//! tests in `dateline-testkit` drive the same through HTTP).

use super::*;

fn at(s: &str) -> jiff::Timestamp {
    s.parse().expect("valid timestamp literal")
}

fn article(generation: u64, id: i64, published_at: Option<&str>) -> Announced {
    Announced {
        generation,
        change: Change::Article(ArticleId(id)),
        may_lag_from: published_at.map(at),
    }
}

fn story_page(ids: &[i64]) -> Shows {
    Shows::articles(ids.iter().map(|&i| ArticleId(i)))
}

#[test]
fn a_story_change_drops_pages_naming_it_and_lists_only() {
    let mut d = Dropped::default();
    d.apply(&article(2, 7, None));
    // Rendered before the change.
    assert!(!d.current(1, Some(&story_page(&[7]))));
    assert!(!d.current(1, Some(&story_page(&[3, 7]))));
    assert!(!d.current(1, Some(&Shows::lists())));
    assert!(!d.current(1, None));
    assert!(d.current(1, Some(&story_page(&[3]))));
    assert!(d.current(1, Some(&Shows::default())));
    // Rendered after it.
    assert!(d.current(2, Some(&story_page(&[7]))));
    assert!(d.current(2, Some(&Shows::lists())));
    assert!(d.current(2, None));
}

#[test]
fn a_related_list_change_drops_only_pages_naming_the_story() {
    let mut d = Dropped::default();
    d.apply(&Announced {
        generation: 2,
        change: Change::Related(vec![ArticleId(7)]),
        may_lag_from: None,
    });
    assert!(!d.current(1, Some(&story_page(&[7]))));
    assert!(d.current(1, Some(&Shows::lists())));
    assert!(d.current(1, Some(&story_page(&[3]))));
}

#[test]
fn anything_else_drops_everything() {
    for change in [
        Change::Content,
        Change::Shared(dateline_store::Shared::Section(dateline_core::SectionId(1))),
    ] {
        let mut d = Dropped::default();
        d.apply(&Announced {
            generation: 2,
            change,
            may_lag_from: None,
        });
        assert!(!d.current(1, Some(&Shows::default())));
        assert!(!d.current(1, Some(&story_page(&[3]))));
        assert!(d.current(2, Some(&story_page(&[3]))));
    }
}

#[test]
fn only_lists_behind_publications_alone_may_be_stale_and_only_for_the_bound() {
    let mut d = Dropped::default();
    d.apply(&article(2, 7, Some("2026-03-10T12:00:00Z")));
    d.apply(&article(3, 8, Some("2026-03-10T12:00:03Z")));
    // From the first publication since the page was rendered.
    assert_eq!(
        d.stale_until(1, Some(&Shows::lists())),
        Some(at("2026-03-10T12:00:05Z"))
    );
    assert_eq!(
        d.stale_until(2, Some(&Shows::lists())),
        Some(at("2026-03-10T12:00:08Z"))
    );
    // Never a story's own page, nor a page naming a story that changed.
    assert_eq!(d.stale_until(1, Some(&story_page(&[7]))), None);
    let mut named = Shows::lists();
    named.articles.push(ArticleId(8));
    assert_eq!(d.stale_until(1, Some(&named)), None);
    assert_eq!(d.stale_until(1, None), None);
    // An edit or a withdrawal (no publication time) since: never.
    d.apply(&article(4, 9, None));
    assert_eq!(d.stale_until(1, Some(&Shows::lists())), None);
    assert_eq!(d.stale_until(3, Some(&Shows::lists())), None);
    // Anything else since: never.
    d.apply(&article(5, 10, Some("2026-03-10T12:00:09Z")));
    assert!(d.stale_until(4, Some(&Shows::lists())).is_some());
    d.apply(&Announced {
        generation: 6,
        change: Change::Content,
        may_lag_from: None,
    });
    assert_eq!(d.stale_until(4, Some(&Shows::lists())), None);
}

#[test]
fn a_page_older_than_the_kept_record_is_never_stale() {
    let mut d = Dropped::default();
    let n = RECENT_KEPT as u64 + 10;
    for g in 2..=n {
        d.apply(&article(g, g as i64, Some("2026-03-10T12:00:00Z")));
    }
    assert_eq!(d.stale_until(1, Some(&Shows::lists())), None);
    assert!(d.stale_until(n - 1, Some(&Shows::lists())).is_some());
}
