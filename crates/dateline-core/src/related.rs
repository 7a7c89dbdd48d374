//! Related-article ranking: editor picks first, then automatic picks scored by text similarity
//! (from the search index), shared tags, same section and recency. Never the article itself;
//! the store and the index only offer published candidates. Without similarity figures (an
//! empty or missing index) the ranking is the tags-section-recency one, unchanged.
//!
//! The weights live here, in one place.

use crate::ids::{ArticleId, SectionId};
use jiff::Timestamp;

/// How many related stories an article page shows.
pub const LIMIT: usize = 4;

/// What ranking needs to know about the story being read.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: ArticleId,
    pub section_id: SectionId,
}

/// A published story that might be related.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: ArticleId,
    pub section_id: SectionId,
    pub published_at: Timestamp,
    /// Tags it shares with the subject.
    pub shared_tags: u32,
    /// Text similarity to the subject, 0.0 (none known) to 1.0 (the most similar story).
    pub similarity: f64,
}

/// Editor picks (already filtered to published stories, in the editor's order) followed by the
/// best automatic candidates, at most [`LIMIT`], with no duplicates and never the subject.
pub fn rank(
    subject: &Subject,
    picks: &[ArticleId],
    candidates: &[Candidate],
    now: Timestamp,
) -> Vec<ArticleId> {
    // Picks may also be among the best candidates: ask for enough to fill up after them.
    let best = automatic(subject, candidates, now, LIMIT + picks.len());
    let mut out = merge(subject, picks, &best);
    out.truncate(LIMIT);
    out
}

/// The best `limit` automatic candidates, best first, never the subject nor a duplicate: the
/// list the related-list worker keeps per story, so pages need not rank per view.
pub fn automatic(
    subject: &Subject,
    candidates: &[Candidate],
    now: Timestamp,
    limit: usize,
) -> Vec<ArticleId> {
    let mut scored: Vec<(f64, &Candidate)> = candidates
        .iter()
        .filter(|c| c.id != subject.id)
        .map(|c| (score(subject, c, now), c))
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.published_at.cmp(&a.1.published_at))
            .then(b.1.id.cmp(&a.1.id))
    });
    let mut out: Vec<ArticleId> = Vec::with_capacity(limit);
    for (_, c) in scored {
        if out.len() >= limit {
            break;
        }
        if !out.contains(&c.id) {
            out.push(c.id);
        }
    }
    out
}

/// Editor picks first, in their order, then the automatic list: no duplicates, never the
/// subject, no limit (the caller drops stories readers can no longer see, then keeps
/// [`LIMIT`]).
pub fn merge(subject: &Subject, picks: &[ArticleId], automatic: &[ArticleId]) -> Vec<ArticleId> {
    let mut out: Vec<ArticleId> = Vec::with_capacity(picks.len() + automatic.len());
    for id in picks.iter().chain(automatic) {
        if *id != subject.id && !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// Shared tags weigh most; text similarity next (the most similar story counts almost as much as
/// a shared tag, more than the same section, so a story on the same subject elsewhere beats an
/// unrelated one next door); the same section helps; recency decays with a 30-day half-life so a
/// fresh story on the same topic beats an old one with equal tags.
fn score(subject: &Subject, c: &Candidate, now: Timestamp) -> f64 {
    let tags = f64::from(c.shared_tags) * 10.0;
    let similar = c.similarity.clamp(0.0, 1.0) * 8.0;
    let section = if c.section_id == subject.section_id {
        4.0
    } else {
        0.0
    };
    let age_days = (now.as_second() - c.published_at.as_second()).max(0) as f64 / 86_400.0;
    let recency = 3.0 * 0.5f64.powf(age_days / 30.0);
    tags + similar + section + recency
}

#[cfg(test)]
mod tests;
