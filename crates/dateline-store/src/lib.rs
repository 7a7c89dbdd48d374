//! Dateline's persistence: one [`Store`] over SQLite (the embedded default) and PostgreSQL.
//!
//! Both backends run the same SQL through sqlx's `Any` driver: the schema keeps to the common
//! subset (BIGINT times in microseconds, TEXT dates, `$N` parameters, `RETURNING`), so every
//! query is written once and every test runs on both. What differs per backend lives in
//! [`backend`]: connection set-up, the migrations folder and how a bound list of ids is
//! unpacked for `IN (…)`. Callers never see sqlx: they get
//! domain types from `dateline-core` and a [`StoreError`].
//!
//! Every write announces itself on [`Store::changes`], so caches and the search index follow the
//! store without polling. On PostgreSQL the announcement also reaches every other node sharing
//! the database ([`stream`]): it is sent with `pg_notify` inside the writing transaction, and
//! [`Store::follow_other_nodes`] turns other nodes' notifications into local announcements.

mod accounts;
mod article_page;
mod articles;
mod backend;
mod corrections;
mod desk;
mod discussion;
mod error;
mod exported;
pub mod feeds;
mod imports;
mod jobs;
mod listings;
mod live;
mod mail_events;
mod media;
mod moderation;
mod newsletters;
mod pages;
mod people;
mod playlists;
mod presence;
mod providers;
mod reader_links;
mod related_lists;
mod reply_mail;
mod revisions;
mod rows;
mod schedule;
mod search;
mod sections;
mod sessions;
mod settings;
mod stream;
mod tables;
mod tags;
pub mod timing;

pub use accounts::{ApiTokens, NewAccount};
pub use article_page::ArticlePageData;
pub use articles::{ArticleInput, LinkRef, LinkTarget};
pub use backend::Backend;
pub use corrections::Correction;
pub use desk::{DeskFilter, DeskItem, DeskSearch};
pub use discussion::{
    LogEntry, NewComment, NewReader, OWN_COMMENTS_SHOWN, OwnComment, PostingHistory, QueueItem,
    ReaderSession,
};
pub use error::StoreError;
pub use exported::{EXPORTED, Exported, WITHHELD_COLUMNS, WITHHELD_TABLES};
pub use imports::{Imported, ImportedComment, ImportedStory, OldUrl};
pub use jobs::{Job, JobCounts, JobFilter, NewJob};
pub use listings::{ArticleSummary, Filter, FrontPage, Link};
pub use live::{NewMount, SourceNode};
pub use mail_events::{Bounce, BounceOutcome, MAIL_EVENTS_SCOPE, NewSuppression, Suppression};
pub use media::NewMedia;
pub use moderation::{
    Batch, CommentChange, DeskQuery, DeskTab, Moderated, ModerationItem, ReaderChange,
    ReaderHistory, TabCounts,
};
pub use newsletters::{
    Consent, DeliveryOutcome, DeliveryTarget, DigestReader, Issue, IssueInput, Newsletter,
    NewsletterInput, Progress, Subscribed, Subscriber, SubscriptionView, story_text,
};
pub use pages::{FooterLink, ImportedPage, PageInput, PageRevision};
pub use people::{BylinePerson, NewPerson};
pub use playlists::{NamedPlaylist, NewPlaylistItem, PlaylistEntries, PlaylistItem};
pub use presence::{PRESENCE_KEPT, PRESENCE_WINDOW, Present};
pub use providers::Provider;
pub use reply_mail::ReplyMail;
pub use revisions::{Named, Revision, RevisionStory};
pub use schedule::NewProgramme;
pub use search::{Modified, SearchSource};
pub use sections::NewSection;
pub use sessions::{ApiToken, Session};
pub use stream::LISTENER_APPLICATION_NAME;
pub use tables::{Cell, Column, Loader, Snapshot, Table, TableSum, parents_first, tables_at};

use dateline_core::{ArticleId, MediaId, SectionId, TagId};
use sqlx::AnyPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, broadcast};

/// What changed, announced after the write commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Anything a reader can see other than one article's own row and join rows: sections,
    /// tags, people, photos, settings, mounts.
    Content,
    /// One article was created, edited, published or withdrawn (its text, status, bylines,
    /// tags or photos may have changed). Readers of the change stream that only care whether
    /// anything changed treat it as `Content`; the search indexer reindexes that article.
    Article(ArticleId),
    /// Something many stories show changed (a photo's words or variants, a section's or a
    /// tag's name): `Content` to everyone but the search indexer, which reindexes the stories
    /// showing it (`Store::stories_showing`), as those names and captions are searchable and
    /// the index keeps each story's result card (lead photo included).
    Shared(Shared),
    /// The kept related lists of these stories changed (the related-list worker ranked them
    /// again): only each story's own page shows its list. The search indexer has nothing to do.
    Related(Vec<ArticleId>),
    /// A story's discussion changed (a comment written, edited, moderated, or the story's
    /// discussion mode); None: every discussion (the rules, the providers' buttons). Never
    /// moves the generation: only the discussion cache heeds it, so comments never empty the
    /// page cache.
    Discussion(Option<ArticleId>),
    /// Changes may have been missed: this node's link to the other nodes broke or came back
    /// ([`Store::follow_other_nodes`]). Anything may have changed: the page cache drops
    /// everything, the search indexer catches up from the store, the discussion cache empties.
    /// Never sent to other nodes.
    Gap,
}

/// A change readers can see, as the page cache hears of it ([`Store::changes_since`]): with
/// the generation it moved the store to, and whether pages that list stories may go on
/// showing the old lists for a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub generation: u64,
    pub change: Change,
    /// Set only for a story becoming published, to the time of the publication (the writer's
    /// clock): lists that do not show it yet are merely late, never wrong, and may be served
    /// for a moment after it. Edits, withdrawals and corrections are never set (a story
    /// withdrawn for legal reasons must not be shown a moment longer).
    pub may_lag_from: Option<jiff::Timestamp>,
}

/// Changes kept for [`Store::changes_since`]; a cache further behind drops everything.
const ANNOUNCED_KEPT: usize = 4096;

/// A thing many stories show, whose text is part of each one's searchable text or result
/// card. People are not among them because their names and slugs cannot be changed yet: a
/// write that changes them must announce a shared change too (the index keeps bylines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shared {
    Media(MediaId),
    Section(SectionId),
    Tag(TagId),
}

/// The handle every other crate uses for persistence. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    changes: broadcast::Sender<Change>,
    /// SQLite allows one writer at a time and answers a second one with SQLITE_BUSY when a read
    /// transaction tries to upgrade; queueing writers here avoids that without retries.
    /// PostgreSQL never takes it.
    writer: Arc<Mutex<()>>,
    /// Bumped by every committed write before it is announced: caches compare it to know, at
    /// once and without a listener, whether what they hold is still current.
    generation: Arc<AtomicU64>,
    /// The latest changes readers can see, oldest first, each with its generation: pushed
    /// under the lock in the same step as the generation moves, so whoever reads generation N
    /// and then takes the lock finds every change up to N.
    announced: Arc<std::sync::Mutex<std::collections::VecDeque<Announced>>>,
    /// This process's place among the nodes sharing the database ([`stream`]).
    node: Arc<stream::Node>,
    /// Who is told how long each call took ([`timing`]); shared by every clone.
    observer: Arc<std::sync::OnceLock<Arc<dyn timing::QueryObserver>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

#[dateline_store_macros::timed]
impl Store {
    /// Connect to `url` (`sqlite://path` or `postgres://…`) and bring the schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let (pool, backend) = backend::connect(url).await?;
        backend.migrate(&pool).await?;
        let (changes, _) = broadcast::channel(256);
        Ok(Self {
            pool,
            backend,
            changes,
            writer: Arc::new(Mutex::new(())),
            generation: Arc::new(AtomicU64::new(1)),
            announced: Arc::default(),
            node: Arc::new(stream::Node::new(url, backend)),
            observer: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Subscribe to change announcements.
    pub fn changes(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Begin a write transaction (queued behind other writers on SQLite).
    async fn write(&self) -> Result<Writer, StoreError> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = match self.backend {
            // IMMEDIATE takes SQLite's write lock at BEGIN. Another process writing the same
            // file (an import beside a running server) then makes this wait out the busy
            // timeout, where a deferred BEGIN whose first read came before that process's
            // commit fails at its first write with SQLITE_BUSY_SNAPSHOT, which no timeout
            // retries.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Writer {
            tx,
            _guard: guard,
            store: self.clone(),
            announced: Vec::new(),
        })
    }

    /// The content generation: changes whenever anything a reader can see changes.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Announce, in this process only, a change readers can see; `may_lag_from`: see
    /// [`Announced::may_lag_from`]. Writes announce through their [`Writer`], which also tells
    /// the other nodes.
    fn announce_here(&self, change: Change, may_lag_from: Option<jiff::Timestamp>) {
        // Sent before the generation moves: whoever reads generation N and then drains the
        // stream (the search indexer, to say what it has caught up with) has every change up
        // to N. The other order left a moment where the generation counted a change not yet
        // sent, and "caught up" could be said of a story not indexed.
        // No subscriber is fine: nothing caches yet.
        let _ = self.changes.send(change.clone());
        let mut log = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        if log.len() == ANNOUNCED_KEPT {
            log.pop_front();
        }
        log.push_back(Announced {
            generation,
            change,
            may_lag_from,
        });
    }

    /// Every change readers can see announced after generation `since`, oldest first; None
    /// when some of them are no longer kept (the caller must assume anything changed).
    pub fn changes_since(&self, since: u64) -> Option<Vec<Announced>> {
        let log = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.generation();
        if current <= since {
            return Some(Vec::new());
        }
        // Complete when the log holds the change that moved the store past `since`.
        let first = log.iter().position(|a| a.generation == since + 1)?;
        Some(log.iter().skip(first).cloned().collect())
    }

    /// Announce, in this process only, a change readers cannot see (a draft saved, a story
    /// submitted or scheduled): listeners hear of it, but the generation stays, so the page
    /// cache is kept.
    fn announce_unseen_here(&self, change: Change) {
        let _ = self.changes.send(change);
    }

    /// Announce a change made outside any write transaction (after the writes it follows have
    /// committed): to the other nodes, then here. `seen`: whether readers can see it. Announced
    /// here even when telling the other nodes failed (the error is returned), so this node
    /// never keeps what it knows to be stale.
    async fn announce_after(&self, change: Change, seen: bool) -> Result<(), StoreError> {
        let sent = Sent {
            change,
            seen,
            may_lag_from: None,
        };
        let mut told = Ok(());
        if self.backend == Backend::Postgres {
            for payload in self.node.payloads(&sent) {
                if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(stream::CHANNEL)
                    .bind(payload)
                    .execute(&self.pool)
                    .await
                {
                    told = Err(e.into());
                    break;
                }
            }
        }
        self.here(sent);
        told
    }

    /// Announce `sent` in this process.
    fn here(&self, sent: Sent) {
        if sent.seen {
            self.announce_here(sent.change, sent.may_lag_from);
        } else {
            self.announce_unseen_here(sent.change);
        }
    }

    /// One story's discussion changed (`None`: every discussion): the discussion caches of
    /// this node and, on PostgreSQL, of every other node drop it. Comment writes are not
    /// announced by the store itself because most of them do not know their story; the web
    /// layer calls this after each one.
    pub async fn discussion_changed(&self, article: Option<ArticleId>) -> Result<(), StoreError> {
        self.announce_after(Change::Discussion(article), false)
            .await
    }

    /// Close every connection (at shutdown, so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers and its schema is the one this build migrates to: one
    /// cheap read (the readiness check asks it on every probe). `Ok(None)` when ready,
    /// `Ok(Some(sentence))` when the schema is behind (or ahead, after a newer node migrated),
    /// an error when the database cannot be reached.
    pub async fn schema_check(&self) -> Result<Option<String>, StoreError> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        let applied = applied.unwrap_or(0);
        let expected = self.backend.newest_migration();
        Ok((applied != expected).then(|| {
            format!("database schema is at migration {applied}, this build expects {expected}")
        }))
    }

    /// Whether the database has no article yet (the demo loads only into an empty site).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }
}

/// A change as a write announces it: to this process after the commit and, on PostgreSQL, to
/// the other nodes with the commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) change: Change,
    /// Whether readers can see it (the generation moves and the page cache hears of it).
    pub(crate) seen: bool,
    pub(crate) may_lag_from: Option<jiff::Timestamp>,
}

/// A write transaction plus, on SQLite, the writer's place in the queue, and the changes the
/// write announces. [`Writer::commit`] sends them to the other nodes inside the transaction
/// (so they hear of the write only once it is committed, and of every committed write) and
/// announces them in this process after it: no write can do one and forget the other.
pub(crate) struct Writer {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    store: Store,
    announced: Vec<Sent>,
}

impl Writer {
    /// Announce a change readers can see, once this write commits.
    pub(crate) fn announce(&mut self, change: Change) {
        self.announce_as(change, None);
    }

    /// [`Writer::announce`] with [`Announced::may_lag_from`].
    pub(crate) fn announce_as(&mut self, change: Change, may_lag_from: Option<jiff::Timestamp>) {
        self.announced.push(Sent {
            change,
            seen: true,
            may_lag_from,
        });
    }

    /// Announce a change readers cannot see, once this write commits.
    pub(crate) fn announce_unseen(&mut self, change: Change) {
        self.announced.push(Sent {
            change,
            seen: false,
            may_lag_from: None,
        });
    }

    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        if self.store.backend == Backend::Postgres {
            for sent in &self.announced {
                for payload in self.store.node.payloads(sent) {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(stream::CHANNEL)
                        .bind(payload)
                        .execute(&mut *self.tx)
                        .await?;
                }
            }
        }
        self.tx.commit().await?;
        for sent in self.announced {
            self.store.here(sent);
        }
        Ok(())
    }
}
