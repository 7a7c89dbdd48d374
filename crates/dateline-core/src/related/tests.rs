use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("ts")
}

fn cand(id: i64, section: i64, at: &str, shared: u32) -> Candidate {
    Candidate {
        id: ArticleId(id),
        section_id: SectionId(section),
        published_at: ts(at),
        shared_tags: shared,
        similarity: 0.0,
    }
}

#[test]
fn picks_come_first_then_tags_then_section_then_recency() {
    let subject = Subject {
        id: ArticleId(1),
        section_id: SectionId(1),
    };
    let now = ts("2026-01-10T00:00:00Z");
    let cands = vec![
        cand(2, 2, "2026-01-09T00:00:00Z", 0),
        cand(3, 1, "2026-01-09T00:00:00Z", 0),
        cand(4, 2, "2025-06-01T00:00:00Z", 2),
        cand(5, 2, "2026-01-01T00:00:00Z", 1),
        cand(1, 1, "2026-01-09T00:00:00Z", 5),
    ];
    let got = rank(&subject, &[ArticleId(9)], &cands, now);
    assert_eq!(
        got,
        vec![ArticleId(9), ArticleId(4), ArticleId(5), ArticleId(3)]
    );
}

#[test]
fn never_itself_never_twice_never_more_than_four() {
    let subject = Subject {
        id: ArticleId(1),
        section_id: SectionId(1),
    };
    let now = ts("2026-01-10T00:00:00Z");
    let picks = [ArticleId(1), ArticleId(2), ArticleId(2)];
    let cands: Vec<_> = (1..20)
        .map(|i| cand(i, 1, "2026-01-01T00:00:00Z", 1))
        .collect();
    let got = rank(&subject, &picks, &cands, now);
    assert_eq!(got.len(), LIMIT);
    assert!(!got.contains(&ArticleId(1)));
    assert_eq!(got[0], ArticleId(2));
    let mut dedup = got.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), got.len());
}

#[test]
fn a_similar_story_elsewhere_beats_an_unrelated_one_next_door() {
    let subject = Subject {
        id: ArticleId(1),
        section_id: SectionId(1),
    };
    let now = ts("2026-01-10T00:00:00Z");
    let mut similar = cand(2, 2, "2026-01-01T00:00:00Z", 0);
    similar.similarity = 1.0;
    let cands = vec![cand(3, 1, "2026-01-09T00:00:00Z", 0), similar];
    assert_eq!(
        rank(&subject, &[], &cands, now),
        vec![ArticleId(2), ArticleId(3)]
    );
    // A shared tag still counts for more than similarity alone.
    let mut tagged = cand(4, 2, "2026-01-01T00:00:00Z", 1);
    tagged.similarity = 0.0;
    let mut cands = cands;
    cands.push(tagged);
    assert_eq!(rank(&subject, &[], &cands, now)[0], ArticleId(4));
}

#[test]
fn the_kept_list_is_ranked_without_picks_and_merged_behind_them() {
    let subject = Subject {
        id: ArticleId(1),
        section_id: SectionId(1),
    };
    let now = ts("2026-01-10T00:00:00Z");
    let cands: Vec<_> = (1..12)
        .map(|i| cand(i, 1, "2026-01-01T00:00:00Z", (i % 3) as u32))
        .collect();
    let kept = automatic(&subject, &cands, now, 8);
    assert_eq!(kept.len(), 8);
    assert!(!kept.contains(&ArticleId(1)));
    // Two shared tags first (ids 2, 5, 8, 11: newest-id first on equal scores).
    assert_eq!(
        &kept[..4],
        &[ArticleId(11), ArticleId(8), ArticleId(5), ArticleId(2)]
    );
    // The page: picks first, then the kept list without repeating a pick or the subject.
    let merged = merge(&subject, &[ArticleId(8), ArticleId(1)], &kept);
    assert_eq!(merged[0], ArticleId(8));
    assert_eq!(merged.iter().filter(|i| **i == ArticleId(8)).count(), 1);
    assert!(!merged.contains(&ArticleId(1)));
    assert_eq!(merged.len(), 8);
    // Same answer as ranking at once.
    let mut first = merged.clone();
    first.truncate(LIMIT);
    assert_eq!(first, rank(&subject, &[ArticleId(8)], &cands, now));
}
