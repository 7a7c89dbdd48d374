//! This node's end of the change stream across nodes: the task that listens to the other
//! nodes' writes (`Store::follow_other_nodes`, which announces each here as a local write would,
//! so the page cache, the site context and the search indexer follow them as they follow
//! local ones), and the task that applies the changes only the discussion cache heeds.
//!
//! Owned by [`crate::AppState`]; [`Stream::shutdown`] ends both. It never decides what a
//! change drops: the page cache and the indexer do, from the store's announcements. It never
//! touches sqlx: the listening connection is the store's.

use crate::discussion::DiscussionCache;
use dateline_store::{Change, Store};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

/// The two tasks and their stop signal.
pub struct Stream {
    stop: watch::Sender<bool>,
    tasks: Mutex<Option<JoinSet<()>>>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl Stream {
    /// Start listening to the other nodes (on SQLite, only the discussion task runs: there
    /// are none).
    pub fn start(store: &Store, discussion: Arc<DiscussionCache>) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        // Subscribed here, before anything can be announced from another node.
        let changes = store.changes();
        tasks.spawn(follow_discussions(changes, discussion, stop_rx.clone()));
        let listening = store.clone();
        tasks.spawn(async move { listening.follow_other_nodes(stop_rx).await });
        Self {
            stop,
            tasks: Mutex::new(Some(tasks)),
        }
    }

    /// Tell both tasks to stop, without waiting (the listening connection closes as the
    /// task ends).
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Stop both tasks and wait for them.
    pub async fn shutdown(&self) {
        self.stop();
        let tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut tasks) = tasks {
            while let Some(done) = tasks.join_next().await {
                if let Err(e) = done {
                    tracing::warn!(error = %e, "a change stream task ended badly");
                }
            }
        }
    }
}

/// Drop the discussions the store's changes say changed: another node's comment
/// (`Change::Discussion`), or anything after a gap in what this node heard.
async fn follow_discussions(
    mut changes: broadcast::Receiver<Change>,
    discussion: Arc<DiscussionCache>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let next = tokio::select! {
            c = changes.recv() => c,
            _ = stop.changed() => return,
        };
        match next {
            Ok(Change::Discussion(Some(id))) => discussion.changed(id.0),
            Ok(Change::Discussion(None) | Change::Gap) => discussion.clear(),
            Ok(_) => {}
            // Some changes were missed, discussions among them perhaps.
            Err(broadcast::error::RecvError::Lagged(_)) => discussion.clear(),
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
