//! Reader discussion on the reading site: reader accounts (`readers`), a reader's own page and
//! its erasure (`account`), mail about replies (`replies`), sign-in through OpenID Connect providers (`oidc`), a story's
//! discussion and
//! the readers' actions on comments (`comments`), and [`DiscussionCache`], which keeps what
//! anonymous readers see of each discussion.
//!
//! These routes sit outside the page cache (a discussion changes far more often than a story,
//! and a signed-in reader's view is their own), behind the newsroom's `guard` (no-store answers,
//! cross-site POSTs refused). Comment writes are never announced on the store's change stream,
//! so they never empty the page cache: [`crate::AppState::discussion_changed`] drops one
//! article's discussion instead, on this node and (through the store's change stream, as a
//! `Change::Discussion` that only this cache heeds) on every other node.
//!
//! The story page shows its discussion's first page too (so it reads without script), yet
//! stays in the page cache: it records [`DiscussionCache::ticket`] as it renders, and the page
//! cache asks [`DiscussionCache::changed_since`] before each hit, so a comment drops that one
//! story page and never the front or the lists.

mod account;
mod comments;
pub use comments::first_page;
pub mod oidc;
mod reader_mail;
pub mod readers;
pub mod replies;

use crate::state::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of rendered discussions kept in memory.
const BUDGET: u64 = 32 * 1024 * 1024;

/// Stories whose last discussion change [`Epochs`] remembers before starting afresh.
const EPOCHS_KEPT: usize = 65_536;

/// When each story's discussion last changed, as a count of drops: what the page cache asks
/// of a story page before answering from it.
#[derive(Debug, Default)]
struct Epochs {
    /// The last drop of every discussion (or of the record itself when it grew too big).
    all: u64,
    per_article: HashMap<i64, u64>,
}

/// Entries weigh what their HTML weighs, so a few huge discussions cannot take the memory.
#[derive(Clone)]
struct ByBytes;

impl Weighter<(i64, String), (u64, String)> for ByBytes {
    fn weight(&self, key: &(i64, String), val: &(u64, String)) -> u64 {
        (key.1.len() + val.1.len() + 64) as u64
    }
}

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(readers::routes())
        .merge(account::routes())
        .merge(reader_mail::routes())
        .merge(replies::routes())
        .merge(comments::routes())
        .merge(oidc::routes())
        .layer(from_fn_with_state(state.clone(), crate::newsroom::guard))
}

/// Rendered anonymous discussions, per article and view (sort, page, fragment or page), tagged
/// with the store generation they were rendered at (a withdrawn story or a settings change
/// moves it). Per node: another node's comment reaches it as a `Change::Discussion` on the
/// store's change stream ([`crate::stream`]), which drops that article's entries here too.
pub struct DiscussionCache {
    entries: Cache<(i64, String), (u64, String), ByBytes>,
    /// Bumped by every drop: a discussion rendered before a drop (from comments read before
    /// the write that caused it) is not kept ([`DiscussionCache::ticket`]).
    drops: AtomicU64,
    /// Which drop last touched each story's discussion, for the pages that embed one.
    epochs: RwLock<Epochs>,
}

impl std::fmt::Debug for DiscussionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscussionCache")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Default for DiscussionCache {
    fn default() -> Self {
        Self {
            entries: Cache::with_weighter(4096, BUDGET, ByBytes),
            drops: AtomicU64::new(0),
            epochs: RwLock::new(Epochs::default()),
        }
    }
}

impl DiscussionCache {
    pub fn get(&self, article: i64, view: &str, generation: u64) -> Option<String> {
        self.entries
            .get(&(article, view.to_owned()))
            .filter(|(g, _)| *g == generation)
            .map(|(_, body)| body)
    }

    /// What to hand to [`DiscussionCache::put`]: read before the discussion's comments are.
    pub fn ticket(&self) -> u64 {
        self.drops.load(Ordering::Acquire)
    }

    /// Keep a rendered discussion, unless something was dropped since `ticket` was taken (it
    /// may predate that change).
    pub fn put(&self, article: i64, view: String, generation: u64, ticket: u64, body: String) {
        if self.ticket() == ticket {
            self.entries.insert((article, view), (generation, body));
        }
    }

    /// Something every discussion shows changed (the providers' buttons, the rules): drop
    /// them all.
    pub fn clear(&self) {
        // The epoch is recorded before the count moves: whoever takes a ticket after the
        // move is sure to see the drop in `changed_since` (never answered a page from before).
        let mut epochs = self.epochs.write().unwrap_or_else(|e| e.into_inner());
        let n = self.drops.fetch_add(1, Ordering::AcqRel) + 1;
        epochs.all = n;
        epochs.per_article.clear();
        drop(epochs);
        self.entries.clear();
    }

    /// One of the article's comments changed: drop its discussion, and nothing else.
    pub fn changed(&self, article: i64) {
        let mut epochs = self.epochs.write().unwrap_or_else(|e| e.into_inner());
        let n = self.drops.fetch_add(1, Ordering::AcqRel) + 1;
        if epochs.per_article.len() >= EPOCHS_KEPT {
            // Bounded: forgetting which story changed means assuming every one did.
            epochs.per_article.clear();
            epochs.all = n;
        } else {
            epochs.per_article.insert(article, n);
        }
        drop(epochs);
        self.entries.retain(|(a, _), _| *a != article);
    }

    /// Whether the article's discussion changed after `ticket` ([`DiscussionCache::ticket`],
    /// taken before the page showing it read its comments).
    pub fn changed_since(&self, article: i64, ticket: u64) -> bool {
        let epochs = self.epochs.read().unwrap_or_else(|e| e.into_inner());
        epochs.all > ticket
            || epochs
                .per_article
                .get(&article)
                .is_some_and(|&n| n > ticket)
    }

    #[cfg(test)]
    fn per_article_len(&self) -> usize {
        self.epochs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .per_article
            .len()
    }
}

#[cfg(test)]
mod tests;
