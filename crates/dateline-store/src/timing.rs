//! How long the store's calls take, for whoever watches (the web layer's
//! `dateline_store_query_duration_seconds`). Every public `async fn (&self, …)` of [`Store`]
//! starts with a [`Timed`] guard (`#[dateline_store_macros::timed]` on each `impl Store`
//! block adds it); when the guard drops, at the call's end, it tells the store's
//! [`QueryObserver`] the method's name and the time it took.
//!
//! This must stay cheap and must never reach beyond the store: without an observer (the CLI
//! commands) a call pays one atomic load; with one, two clock reads and the observer's call.
//! Nothing here knows of Prometheus, and nothing here may fail or log.

use crate::Store;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// One store method, as a `static` in its body: its name, and its number among the methods
/// called so far in this process (given at its first call), so an observer can keep each
/// method's histogram in a slot instead of looking its label up on every call.
#[derive(Debug)]
pub struct Query {
    name: &'static str,
    index: OnceLock<usize>,
}

/// The methods numbered so far, in the order of their first calls.
static NUMBERED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

impl Query {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            index: OnceLock::new(),
        }
    }

    /// The method's name, e.g. `article_page`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The method's number, from 0, unique in the process.
    pub fn index(&self) -> usize {
        *self.index.get_or_init(|| {
            let mut numbered = NUMBERED.lock().unwrap_or_else(|e| e.into_inner());
            numbered.push(self.name);
            numbered.len() - 1
        })
    }
}

/// Whoever wants the store's call times: told of each call as it ends.
pub trait QueryObserver: Send + Sync {
    /// `query` took `elapsed`: from the call to its answer (a call given up half way, its
    /// future dropped, counts too, up to that moment).
    fn observe(&self, query: &Query, elapsed: Duration);
}

/// A running call's timer: reports to the observer when dropped.
pub struct Timed<'a> {
    started: Instant,
    query: &'static Query,
    observer: &'a dyn QueryObserver,
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        self.observer.observe(self.query, self.started.elapsed());
    }
}

#[dateline_store_macros::timed]
impl Store {
    /// Tell `observer` how long each of this store's calls takes, from now on (and each
    /// clone's: they share it). Only the first observer set is kept.
    pub fn observe_queries(&self, observer: std::sync::Arc<dyn QueryObserver>) {
        let _ = self.observer.set(observer);
    }

    /// Start timing a call of `query` (the `#[timed]` attribute's guard); None when nobody
    /// watches.
    #[doc(hidden)]
    pub fn time_query(&self, query: &'static Query) -> Option<Timed<'_>> {
        self.observer.get().map(|observer| Timed {
            started: Instant::now(),
            query,
            observer: &**observer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Query;

    #[test]
    fn each_method_keeps_its_own_number() {
        static A: Query = Query::new("a");
        static B: Query = Query::new("b");
        let a = A.index();
        let b = B.index();
        assert_ne!(a, b);
        assert_eq!(A.index(), a);
        assert_eq!((A.name(), B.name()), ("a", "b"));
    }

    /// Every `impl Store` block is timed: one without the attribute (a file added by a
    /// merge, say) would leave its methods out of the metrics without anyone noticing.
    #[test]
    fn every_store_impl_is_timed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut blocks = 0;
        for entry in std::fs::read_dir(&dir).expect("the store's src folder is readable") {
            let path = entry.expect("a readable folder entry").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            let mut previous = "";
            for line in text.lines() {
                if line.starts_with("impl Store {") {
                    blocks += 1;
                    assert_eq!(
                        previous.trim(),
                        "#[dateline_store_macros::timed]",
                        "{}: an `impl Store` block without #[dateline_store_macros::timed]",
                        path.display()
                    );
                }
                previous = line;
            }
        }
        assert!(blocks > 20, "only {blocks} impl Store blocks found");
    }
}
