//! What differs between SQLite and PostgreSQL: how to connect (SQLite gets WAL, foreign keys and
//! a busy timeout), which migrations folder applies, how SQL unpacks a bound list of ids, and
//! how a job claim locks its rows. Everything else is shared SQL.

use crate::StoreError;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Invalid(
                "the database URL must start with sqlite: or postgres:".to_owned(),
            ))
        }
    }

    /// A subquery for the ids in a JSON array bound at `param` as text (made by
    /// [`crate::rows::ids_json`]), for `WHERE id IN (…)`. A bound list keeps one statement text
    /// whatever the ids, so sqlx's cache reuses the prepared statement; ids spliced into the SQL
    /// made every call a new statement to parse and plan (on an article page that was most of
    /// the time spent inside SQLite). The `Any` driver binds no arrays, and the two databases
    /// unpack a JSON array differently.
    pub(crate) fn id_set(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
            Backend::Postgres => {
                format!("SELECT value::bigint FROM json_array_elements_text({param}::json)")
            }
        }
    }

    /// A scalar subquery giving the rows `SELECT cols FROM from_where ORDER BY order` as one
    /// JSON text value, an array of arrays (`[[1,"a"],[2,"b"]]`; `[]` when there are none),
    /// read with [`crate::rows::json_rows`]. A page's small lists (bylines, tags, photos…)
    /// travel as such columns of the page's one statement instead of one statement each: each
    /// statement costs two thread hand-offs in sqlx's SQLite driver and a round trip to
    /// PostgreSQL, which cost more than SQLite's work on the rows themselves.
    pub(crate) fn json_rows(self, cols: &str, from_where: &str, order: &str) -> String {
        match self {
            // Aggregate ORDER BY: SQLite 3.44 and later (the bundled one is newer).
            Backend::Sqlite => format!(
                "(SELECT json_group_array(json_array({cols}) ORDER BY {order}) FROM {from_where})"
            ),
            Backend::Postgres => format!(
                "(SELECT COALESCE(json_agg(json_build_array({cols}) ORDER BY {order}), '[]')::text \
                 FROM {from_where})"
            ),
        }
    }

    /// [`Backend::json_rows`] as a value to nest inside another JSON array (a JSON value on
    /// both backends, not text).
    pub(crate) fn json_rows_nested(self, cols: &str, from_where: &str, order: &str) -> String {
        match self {
            Backend::Sqlite => format!(
                "json((SELECT json_group_array(json_array({cols}) ORDER BY {order}) \
                 FROM {from_where}))"
            ),
            Backend::Postgres => format!(
                "(SELECT COALESCE(json_agg(json_build_array({cols}) ORDER BY {order}), '[]'::json) \
                 FROM {from_where})"
            ),
        }
    }

    /// One row's values as a JSON array, to nest inside [`Backend::json_rows`].
    pub(crate) fn json_row(self, cols: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_array({cols})"),
            Backend::Postgres => format!("json_build_array({cols})"),
        }
    }

    /// A FROM item `alias` over the ids in comma-separated text (`3,7,12`, as
    /// `related_lists.related` keeps them): `alias.value` each id (as text), `alias.key` its
    /// place in the list, rising.
    pub(crate) fn comma_ids(self, text: &str, alias: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_each('[' || {text} || ']') {alias}"),
            Backend::Postgres => format!(
                "json_array_elements_text(('[' || {text} || ']')::json) \
                 WITH ORDINALITY AS {alias}(value, key)"
            ),
        }
    }

    /// A subquery for the strings in a JSON array of strings bound at `param` as text, for
    /// `WHERE kind IN (…)`: [`Backend::id_set`] for text.
    pub(crate) fn text_set(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
            Backend::Postgres => format!("SELECT json_array_elements_text({param}::json)"),
        }
    }

    /// What ends the subquery choosing the jobs a claim takes (`store/src/jobs.rs`). On
    /// PostgreSQL several nodes claim at once: `FOR UPDATE SKIP LOCKED` makes each pass over
    /// rows another claim holds instead of waiting for it (and then finding them taken), so
    /// two claims never take one job and never queue behind each other. SQLite has one writer
    /// at a time (the store's writer lock, and the database's own), so the claim's UPDATE is
    /// already alone and needs nothing more.
    pub(crate) fn claim_lock(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// A statement that serialises the transaction's writers of `table` with each other's
    /// checks (the schedule's overlap rule reads every programme, then writes one), readers
    /// unhindered. SQLite needs none: the store's writer lock and `BEGIN IMMEDIATE` already
    /// make each write transaction alone.
    pub(crate) fn write_lock(self, table: &str) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")),
        }
    }

    /// The newest migration this build knows of: what `_sqlx_migrations` must reach.
    pub(crate) fn newest_migration(self) -> i64 {
        let migrator = match self {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    pub async fn migrate(self, pool: &AnyPool) -> Result<(), StoreError> {
        match self {
            Backend::Sqlite => SQLITE.run(pool).await?,
            Backend::Postgres => POSTGRES.run(pool).await?,
        }
        Ok(())
    }
}

pub(crate) async fn connect(url: &str) -> Result<(AnyPool, Backend), StoreError> {
    install_default_drivers();
    let backend = Backend::from_url(url)?;
    let pool = match backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                .max_connections(8)
                .min_connections(1)
                // A pooled SQLite connection is a file handle in this process: it cannot drop
                // like a network connection. sqlx's default pings every connection it hands out,
                // one more trip to the connection's worker thread per statement, which doubled
                // the cost of a page's short queries.
                .test_before_acquire(false)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?
        }
        Backend::Postgres => {
            AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?
        }
    };
    Ok((pool, backend))
}
