//! The change stream across nodes: several `dateline serve` processes on one PostgreSQL
//! database hear each other's writes.
//!
//! A write's [`crate::Writer`] sends each change it announces with `pg_notify` on
//! [`CHANNEL`] inside its transaction, so PostgreSQL delivers it only once the write has
//! committed, and in commit order. [`Store::follow_other_nodes`] holds a `LISTEN` on its own
//! connection and announces every other node's change in this process exactly as a local write
//! would (the generation moves and the change is logged for the page cache when readers can
//! see it; the search indexer and the other listeners hear it on the broadcast).
//!
//! A node that is not listening cannot know what it missed, so it is not *in step*
//! ([`Store::in_step`]): from the moment the connection is found broken until it listens again
//! the page cache keeps and serves nothing, and a [`Change::Gap`] is announced when it breaks
//! and again once it listens (every cached page dropped, the search index caught up from the
//! store). SQLite is one node: it sends nothing and is always in step.
//!
//! Never sends a payload of 8,000 bytes or more (PostgreSQL's limit): a long list of related
//! lists is split over several notifications.

use crate::{Backend, Change, Sent, Shared, Store};
use dateline_core::{ArticleId, MediaId, SectionId, TagId};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// The PostgreSQL notification channel every node sends on and listens to.
pub(crate) const CHANNEL: &str = "dateline_changes";

/// The `application_name` of the listening connection, so an operator (or a test) can find it
/// in `pg_stat_activity`.
pub const LISTENER_APPLICATION_NAME: &str = "dateline change stream";

/// Ids per notification of a related-list change: at most 20 bytes each, so a payload stays
/// far under PostgreSQL's 8,000-byte limit whatever the ids.
const RELATED_PER_PAYLOAD: usize = 200;

/// The first wait before listening again after a failure; doubled per failure up to
/// [`RETRY_AT_MOST`].
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_AT_MOST: Duration = Duration::from_secs(5);

/// This process among the nodes: a random id (so it ignores its own notifications), the URL
/// to listen on, and whether it is in step with the other nodes.
pub(crate) struct Node {
    id: String,
    /// The database URL; None on SQLite, where there are no other nodes. Never logged.
    url: Option<String>,
    in_step: AtomicBool,
    /// The same as `in_step`, for those who wait for it to change.
    in_step_watch: watch::Sender<bool>,
    /// Times this node fell out of step (a listening connection broke).
    breaks: AtomicU64,
}

impl Node {
    pub(crate) fn new(url: &str, backend: Backend) -> Self {
        let mut bytes = [0u8; 8];
        // Without randomness, the clock and the process id still make two nodes differ.
        if getrandom::fill(&mut bytes).is_err() {
            let nanos = std::time::SystemTime::UNIX_EPOCH
                .elapsed()
                .map_or(0, |d| d.as_nanos() as u64);
            bytes = (nanos ^ u64::from(std::process::id()).rotate_left(32)).to_le_bytes();
        }
        let id = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let postgres = backend == Backend::Postgres;
        Self {
            id,
            url: postgres.then(|| url.to_owned()),
            // SQLite is one node, always in step; a PostgreSQL node is in step once it listens.
            in_step: AtomicBool::new(!postgres),
            in_step_watch: watch::Sender::new(!postgres),
            breaks: AtomicU64::new(0),
        }
    }

    /// The notifications that tell the other nodes of `sent`: usually one, several for a long
    /// related-list change, none for a [`Change::Gap`] (which only this node can know).
    pub(crate) fn payloads(&self, sent: &Sent) -> Vec<String> {
        let lag = sent.may_lag_from.map(|t| t.as_microsecond());
        let one = |change: Wire| Payload {
            node: self.id.clone(),
            change,
            seen: sent.seen,
            lag,
        };
        let payloads = match &sent.change {
            Change::Related(ids) => ids
                .chunks(RELATED_PER_PAYLOAD)
                .map(|ids| one(Wire::Related(ids.iter().map(|i| i.0).collect())))
                .collect(),
            Change::Gap => Vec::new(),
            other => wire(other).map(one).into_iter().collect(),
        };
        payloads
            .iter()
            .filter_map(|p| serde_json::to_string(p).ok())
            .collect()
    }

    fn set_in_step(&self, yes: bool) {
        self.in_step.store(yes, Ordering::Release);
        self.in_step_watch.send_replace(yes);
    }
}

/// A notification's payload: small JSON with one-letter keys.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    /// The sending node's id.
    #[serde(rename = "n")]
    node: String,
    #[serde(rename = "c")]
    change: Wire,
    /// Whether readers can see the change.
    #[serde(rename = "s")]
    seen: bool,
    /// [`crate::Announced::may_lag_from`] in microseconds.
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    lag: Option<i64>,
}

/// A [`Change`] as it travels.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "k", content = "v")]
enum Wire {
    #[serde(rename = "content")]
    Content,
    #[serde(rename = "article")]
    Article(i64),
    #[serde(rename = "media")]
    Media(i64),
    #[serde(rename = "section")]
    Section(i64),
    #[serde(rename = "tag")]
    Tag(i64),
    #[serde(rename = "related")]
    Related(Vec<i64>),
    #[serde(rename = "discussion")]
    Discussion(Option<i64>),
}

fn wire(change: &Change) -> Option<Wire> {
    Some(match change {
        Change::Content => Wire::Content,
        Change::Article(id) => Wire::Article(id.0),
        Change::Shared(Shared::Media(id)) => Wire::Media(id.0),
        Change::Shared(Shared::Section(id)) => Wire::Section(id.0),
        Change::Shared(Shared::Tag(id)) => Wire::Tag(id.0),
        Change::Related(ids) => Wire::Related(ids.iter().map(|i| i.0).collect()),
        Change::Discussion(id) => Wire::Discussion(id.map(|i| i.0)),
        Change::Gap => return None,
    })
}

fn unwire(w: Wire) -> Change {
    match w {
        Wire::Content => Change::Content,
        Wire::Article(id) => Change::Article(ArticleId(id)),
        Wire::Media(id) => Change::Shared(Shared::Media(MediaId(id))),
        Wire::Section(id) => Change::Shared(Shared::Section(SectionId(id))),
        Wire::Tag(id) => Change::Shared(Shared::Tag(TagId(id))),
        Wire::Related(ids) => Change::Related(ids.into_iter().map(ArticleId).collect()),
        Wire::Discussion(id) => Change::Discussion(id.map(ArticleId)),
    }
}

/// Another node's change from a notification's payload; None for this node's own (already
/// announced here by its write) and for a payload this build cannot read, which is taken as
/// [`Change::Content`] (everything may have changed) rather than ignored.
fn decode(own: &str, payload: &str) -> Option<Sent> {
    match serde_json::from_str::<Payload>(payload) {
        Ok(p) if p.node == own => None,
        Ok(p) => Some(Sent {
            change: unwire(p.change),
            seen: p.seen,
            may_lag_from: p
                .lag
                .and_then(|m| jiff::Timestamp::from_microsecond(m).ok()),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "a change notification could not be read; dropping every cached page");
            Some(Sent {
                change: Change::Content,
                seen: true,
                may_lag_from: None,
            })
        }
    }
}

/// How [`listen`] ended.
enum Ended {
    Stopped,
    Broken(String),
}

#[dateline_store_macros::timed]
impl Store {
    /// Whether this node hears every other node's writes: always on SQLite; on PostgreSQL
    /// while [`Store::follow_other_nodes`] listens. While it is not, nothing read before may be
    /// kept: the page cache neither keeps nor serves pages.
    pub fn in_step(&self) -> bool {
        self.node.in_step.load(Ordering::Acquire)
    }

    /// How many times this node fell out of step since it started (for tests and status).
    pub fn times_out_of_step(&self) -> u64 {
        self.node.breaks.load(Ordering::Acquire)
    }

    /// Wait until [`Store::in_step`], or `timeout` passes; whether it is.
    pub async fn wait_in_step(&self, timeout: Duration) -> bool {
        let mut rx = self.node.in_step_watch.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|yes| *yes))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Listen to the other nodes' changes until `stop` turns true, announcing each here. On
    /// SQLite, returns at once. A broken or refused connection is tried again with a growing
    /// pause (at most [`RETRY_AT_MOST`]), logged once per outage.
    pub async fn follow_other_nodes(&self, mut stop: watch::Receiver<bool>) {
        let Some(url) = self.node.url.clone() else {
            return;
        };
        let mut pause = RETRY_FIRST;
        // Whether the current outage was logged, and since when it lasts.
        let mut outage: Option<std::time::Instant> = None;
        loop {
            if *stop.borrow() {
                return;
            }
            match self.listen(&url, &mut stop, &mut outage).await {
                Ended::Stopped => return,
                Ended::Broken(why) => {
                    self.fall_out_of_step();
                    if outage.is_none() {
                        tracing::warn!(
                            error = %why,
                            "not hearing other nodes' writes; pages are not cached until the change stream is back"
                        );
                        outage = Some(std::time::Instant::now());
                        pause = RETRY_FIRST;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => return,
            }
            pause = (pause * 2).min(RETRY_AT_MOST);
        }
    }

    /// Out of step: nothing cached may be served, and what was kept is dropped.
    fn fall_out_of_step(&self) {
        if self.in_step() {
            self.node.set_in_step(false);
            self.here(Sent {
                change: Change::Gap,
                seen: true,
                may_lag_from: None,
            });
            self.node.breaks.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// One listening connection's life: connect, `LISTEN`, announce the gap (anything written
    /// before the `LISTEN` may have been missed), then announce every notification.
    async fn listen(
        &self,
        url: &str,
        stop: &mut watch::Receiver<bool>,
        outage: &mut Option<std::time::Instant>,
    ) -> Ended {
        let mut listener = match connect(url).await {
            Ok(l) => l,
            // sqlx's description of the failure never includes the URL or its password.
            Err(e) => return Ended::Broken(e.to_string()),
        };
        // Every write committed from here on is heard; those committed before may have been
        // missed: drop everything and catch the index up, then serve from the cache again.
        self.here(Sent {
            change: Change::Gap,
            seen: true,
            may_lag_from: None,
        });
        self.node.set_in_step(true);
        if let Some(since) = outage.take() {
            tracing::info!(
                seconds = since.elapsed().as_secs_f64(),
                "hearing other nodes' writes again; every cached page was dropped"
            );
        }
        loop {
            let next = tokio::select! {
                n = listener.try_recv() => n,
                _ = stop.changed() => return Ended::Stopped,
            };
            match next {
                Ok(Some(n)) => {
                    if let Some(sent) = decode(&self.node.id, n.payload()) {
                        self.here(sent);
                    }
                }
                Ok(None) => return Ended::Broken("the listening connection closed".to_owned()),
                Err(e) => return Ended::Broken(e.to_string()),
            }
        }
    }
}

/// A listener on its own connection (named [`LISTENER_APPLICATION_NAME`]) to `url`, listening
/// on [`CHANNEL`]. It does not reconnect by itself: a lost connection ends it, so the caller
/// knows that notifications may have been missed.
async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name(LISTENER_APPLICATION_NAME);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> Node {
        Node::new("postgres://x@127.0.0.1/db", Backend::Postgres)
    }

    #[test]
    fn a_change_travels_and_comes_back_the_same() {
        let a = node();
        let b = node();
        assert_ne!(a.id, b.id);
        let at = jiff::Timestamp::from_second(1_700_000_000).expect("valid");
        for change in [
            Change::Content,
            Change::Article(ArticleId(7)),
            Change::Shared(Shared::Media(MediaId(3))),
            Change::Shared(Shared::Section(SectionId(4))),
            Change::Shared(Shared::Tag(TagId(5))),
            Change::Related(vec![ArticleId(1), ArticleId(2)]),
            Change::Discussion(Some(ArticleId(9))),
            Change::Discussion(None),
        ] {
            let sent = Sent {
                change,
                seen: true,
                may_lag_from: Some(at),
            };
            let payloads = a.payloads(&sent);
            assert_eq!(payloads.len(), 1);
            assert_eq!(decode(&b.id, &payloads[0]), Some(sent.clone()));
            // A node ignores its own.
            assert_eq!(decode(&a.id, &payloads[0]), None);
        }
    }

    #[test]
    fn a_long_related_change_is_split_under_the_limit() {
        let ids: Vec<ArticleId> = (0..1000).map(|i| ArticleId(i64::MAX - i)).collect();
        let sent = Sent {
            change: Change::Related(ids.clone()),
            seen: true,
            may_lag_from: None,
        };
        let payloads = node().payloads(&sent);
        assert_eq!(payloads.len(), 5);
        assert!(payloads.iter().all(|p| p.len() < 8000));
        let back: Vec<ArticleId> = payloads
            .iter()
            .filter_map(|p| decode("other", p))
            .flat_map(|s| match s.change {
                Change::Related(ids) => ids,
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(back, ids);
    }

    #[test]
    fn a_gap_is_never_sent_and_an_unreadable_payload_drops_everything() {
        let sent = Sent {
            change: Change::Gap,
            seen: true,
            may_lag_from: None,
        };
        assert!(node().payloads(&sent).is_empty());
        assert_eq!(
            decode("me", "{not json").map(|s| s.change),
            Some(Change::Content)
        );
    }
}
