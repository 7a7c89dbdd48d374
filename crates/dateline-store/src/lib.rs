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
//! store without polling.

mod accounts;
mod article_page;
mod articles;
mod backend;
mod corrections;
mod desk;
mod discussion;
mod error;
pub mod feeds;
mod listings;
mod live;
mod media;
mod people;
mod providers;
mod reader_links;
mod related_lists;
mod revisions;
mod rows;
mod schedule;
mod search;
mod sections;
mod sessions;
mod settings;
mod tags;

pub use accounts::{ApiTokens, NewAccount};
pub use article_page::ArticlePageData;
pub use articles::{ArticleInput, LinkRef, LinkTarget};
pub use backend::Backend;
pub use corrections::Correction;
pub use desk::{DeskFilter, DeskItem, DeskSearch};
pub use discussion::{LogEntry, NewComment, NewReader, PostingHistory, QueueItem, ReaderSession};
pub use error::StoreError;
pub use listings::{ArticleSummary, Filter, FrontPage, Link};
pub use live::NewMount;
pub use media::NewMedia;
pub use people::NewPerson;
pub use providers::Provider;
pub use revisions::{Named, Revision, RevisionStory};
pub use schedule::NewProgramme;
pub use search::{Modified, SearchSource};
pub use sections::NewSection;
pub use sessions::{ApiToken, Session};

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
}

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
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

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
        let tx = self.pool.begin().await?;
        Ok(Writer { tx, _guard: guard })
    }

    /// The content generation: changes whenever anything a reader can see changes.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn announce(&self, change: Change) {
        // Sent before the generation moves: whoever reads generation N and then drains the
        // stream (the search indexer, to say what it has caught up with) has every change up
        // to N. The other order left a moment where the generation counted a change not yet
        // sent, and "caught up" could be said of a story not indexed.
        // No subscriber is fine: nothing caches yet.
        let _ = self.changes.send(change);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Announce a change readers cannot see (a draft saved, a story submitted or scheduled):
    /// listeners hear of it, but the generation stays, so the page cache is kept.
    fn announce_unseen(&self, change: Change) {
        let _ = self.changes.send(change);
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

/// A write transaction plus, on SQLite, the writer's place in the queue.
pub(crate) struct Writer {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Writer {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
