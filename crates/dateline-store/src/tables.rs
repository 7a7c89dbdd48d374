//! Whole tables as data, for `dateline backup`, `restore` and `migrate`: which tables a database
//! holds, a row count and a checksum per table read inside one snapshot, and the copy of every
//! row from one database into another (SQLite into PostgreSQL).
//!
//! A table's checksum ([`TableSum`]) is made the same way on both backends, so a site copied
//! from SQLite to PostgreSQL, or restored from a backup, can be compared table by table: each
//! row's values (columns in name order, as NULL, a 64-bit integer or text: the only column types
//! the schema uses) hashed with SHA-256, the row hashes sorted (so neither the order rows come
//! back in nor a collation matters), and those hashed again.
//!
//! The copy goes through a [`Loader`]: one transaction that takes rows table by table in
//! batched INSERTs and moves identity sequences past the copied ids. `copy_from` feeds it from a
//! [`Snapshot`]; `dateline import dateline` feeds it from an export's JSON lines, reading
//! [`Snapshot::each_row`] on the other side (the columns an export names, never `*`).
//!
//! Nothing here announces a change: backups only read, and a migration or an import writes into
//! a database no node serves yet. The sqlx types never leave this module.

use crate::{Backend, Store, StoreError, backend};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};

/// sqlx's own bookkeeping: every database gets it from the migrations, never from a copy.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// One table as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    /// In name order: the order rows are hashed and copied in, whatever order the columns were
    /// added in on each backend.
    pub columns: Vec<Column>,
    /// The tables its foreign keys point at (itself left out): they are copied first.
    pub parents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// An integer column (BIGINT); otherwise text.
    pub integer: bool,
    /// A PostgreSQL identity column, whose sequence a copy must move past the copied ids.
    pub identity: bool,
}

/// A table's row count and checksum (see the module's comment), the same on both backends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableSum {
    pub rows: u64,
    pub sha256: String,
}

/// A value as the schema stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Integer(i64),
    Text(String),
}

/// A read transaction held on one connection: everything read through it is the database at one
/// instant (a SQLite read transaction in WAL mode; a PostgreSQL REPEATABLE READ transaction,
/// whose snapshot `pg_dump` can share through [`Snapshot::export`]).
pub struct Snapshot {
    conn: Option<PoolConnection<Any>>,
    backend: Backend,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // Dropped without `finish` (an error on the way): close the connection rather than
        // hand a connection inside a transaction back to the pool.
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

#[dateline_store_macros::timed]
impl Store {
    /// Begin a [`Snapshot`] of the whole database.
    pub async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        sqlx::raw_sql(begin).execute(&mut *conn).await?;
        let mut snap = Snapshot {
            conn: Some(conn),
            backend: self.backend,
        };
        // SQLite takes its snapshot at the first read, not at BEGIN: read now, so the instant
        // is this call's.
        snap.table_names().await?;
        Ok(snap)
    }

    /// Write a consistent copy of this SQLite database to `path` (`VACUUM INTO`: a read
    /// transaction of its own, so writers carry on meanwhile). Never a copy of the files, which
    /// in WAL mode may be caught between a write and its checkpoint.
    pub async fn vacuum_into(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Invalid(
                "VACUUM INTO is for SQLite databases".to_owned(),
            ));
        }
        let path = path.to_str().ok_or_else(|| {
            StoreError::Invalid(format!("{} is not a UTF-8 path", path.display()))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Copy every row of `from` (a snapshot of another database with the same schema) into
    /// this one, in one transaction: rows already here (what the migrations seed) are deleted
    /// first, parents are copied before the tables that point at them, and identity sequences
    /// are moved past the copied ids. `progress(table, copied, total)` is called as it goes.
    /// On any error nothing is kept.
    pub async fn copy_from(
        &self,
        from: &mut Snapshot,
        mut progress: impl FnMut(&str, u64, u64),
    ) -> Result<(), StoreError> {
        let mut load = self.loader().await?;
        let theirs = from.tables().await?;
        let names = |t: &[Table]| t.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        if names(load.tables()) != names(&theirs) {
            return Err(StoreError::Invalid(format!(
                "the two databases have different tables: {:?} and {:?}",
                names(&theirs),
                names(load.tables())
            )));
        }
        let order = parents_first(&theirs)?;
        for table in order.iter().rev() {
            load.clear(&table.name, None).await?;
        }
        for table in &order {
            let cols: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            let mine = load.table(&table.name)?;
            let mine_cols: Vec<&str> = mine.columns.iter().map(|c| c.name.as_str()).collect();
            if cols != mine_cols {
                return Err(StoreError::Invalid(format!(
                    "table {} has columns {cols:?} in the source and {mine_cols:?} here",
                    table.name
                )));
            }
            let total = from.count(table).await?;
            progress(&table.name, 0, total);
            load.begin_table(&table.name, &cols)?;
            let conn = from.conn()?;
            let sql = select_sql(table, true);
            let mut rows = sqlx::query(&sql).fetch(&mut **conn);
            while let Some(row) = rows.try_next().await? {
                if load.push(cells(table, &row)?).await? {
                    progress(&table.name, load.written(), total);
                }
            }
            drop(rows);
            let copied = load.end_table().await?;
            progress(&table.name, copied, total);
        }
        load.commit().await
    }

    /// A [`Loader`] into this database: one transaction, committed by [`Loader::commit`]
    /// (dropped without it, nothing is kept).
    pub async fn loader(&self) -> Result<Loader, StoreError> {
        let mut here = self.snapshot().await?;
        let tables = here.tables().await?;
        here.finish().await?;
        let tx = self.pool.begin().await?;
        Ok(Loader {
            tx,
            backend: self.backend,
            tables,
            current: None,
        })
    }
}

/// Rows written into a database table by table, in one transaction: each table's rows in
/// batched INSERTs of the columns named (the others take their defaults), ids as given, and
/// on PostgreSQL its identity sequences moved past them when the table ends.
pub struct Loader {
    tx: sqlx::Transaction<'static, Any>,
    backend: Backend,
    tables: Vec<Table>,
    current: Option<Load>,
}

/// The table a [`Loader`] is writing.
struct Load {
    table: String,
    columns: Vec<Column>,
    list: String,
    per_statement: usize,
    batch: Vec<Vec<Cell>>,
    written: u64,
}

impl Loader {
    /// This database's tables, as its catalogue describes them.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The table `name`, or an error naming it.
    pub fn table(&self, name: &str) -> Result<&Table, StoreError> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| StoreError::Invalid(format!("there is no table {name}")))
    }

    /// Delete `table`'s rows (those matching `rows`, an SQL condition the caller writes).
    pub async fn clear(&mut self, table: &str, rows: Option<&str>) -> Result<(), StoreError> {
        let table = quote(&self.table(table)?.name);
        let sql = match rows {
            Some(cond) => format!("DELETE FROM {table} WHERE {cond}"),
            None => format!("DELETE FROM {table}"),
        };
        sqlx::query(&sql).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Start writing rows of `columns` (in this order) into `table`.
    pub fn begin_table(&mut self, table: &str, columns: &[&str]) -> Result<(), StoreError> {
        if let Some(open) = &self.current {
            return Err(StoreError::Invalid(format!(
                "the rows of {} are not finished",
                open.table
            )));
        }
        let t = self.table(table)?;
        let columns = columns
            .iter()
            .map(|name| {
                t.columns
                    .iter()
                    .find(|c| c.name == *name)
                    .cloned()
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("table {table} has no column {name}"))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let list = columns
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ");
        self.current = Some(Load {
            table: t.name.clone(),
            per_statement: (2000 / columns.len().max(1)).max(1),
            batch: Vec::new(),
            columns,
            list,
            written: 0,
        });
        Ok(())
    }

    /// One row of the table begun, its cells in the columns' order. True when this row
    /// filled a batch, which was written.
    pub async fn push(&mut self, row: Vec<Cell>) -> Result<bool, StoreError> {
        let load = self
            .current
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("no table is begun".to_owned()))?;
        if row.len() != load.columns.len() {
            return Err(StoreError::Invalid(format!(
                "a row of {} has {} values for {} columns",
                load.table,
                row.len(),
                load.columns.len()
            )));
        }
        load.batch.push(row);
        if load.batch.len() < load.per_statement {
            return Ok(false);
        }
        insert(
            &mut self.tx,
            &load.table,
            &load.list,
            &load.columns,
            &load.batch,
        )
        .await?;
        load.written += load.batch.len() as u64;
        load.batch.clear();
        Ok(true)
    }

    /// Rows of the table begun written so far.
    pub fn written(&self) -> u64 {
        self.current.as_ref().map_or(0, |l| l.written)
    }

    /// Write what is left of the table begun and, on PostgreSQL, move its identity sequences
    /// past the largest ids; the rows written.
    pub async fn end_table(&mut self) -> Result<u64, StoreError> {
        let Some(mut load) = self.current.take() else {
            return Err(StoreError::Invalid("no table is begun".to_owned()));
        };
        if !load.batch.is_empty() {
            insert(
                &mut self.tx,
                &load.table,
                &load.list,
                &load.columns,
                &load.batch,
            )
            .await?;
            load.written += load.batch.len() as u64;
        }
        if self.backend == Backend::Postgres {
            let t = self.table(&load.table)?;
            let identities: Vec<String> = t
                .columns
                .iter()
                .filter(|c| c.identity)
                .map(|c| c.name.clone())
                .collect();
            for col in identities {
                // The next id is one past the largest copied (1 on an empty table).
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence($1, $2), \
                     COALESCE(MAX({c}), 0) + 1, false) FROM {t}",
                    c = quote(&col),
                    t = quote(&load.table)
                );
                sqlx::query(&sql)
                    .bind(load.table.clone())
                    .bind(col)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        Ok(load.written)
    }

    /// Keep everything written.
    pub async fn commit(self) -> Result<(), StoreError> {
        if let Some(open) = &self.current {
            return Err(StoreError::Invalid(format!(
                "the rows of {} are not finished",
                open.table
            )));
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// The user tables of the database at `url`, without bringing its schema up to date (so a
/// command can see whether a database is empty before it creates anything in it).
pub async fn tables_at(url: &str) -> Result<Vec<String>, StoreError> {
    let (pool, backend) = backend::connect(url).await?;
    let mut conn = pool.acquire().await?;
    let names = table_names(&mut conn, backend, true).await;
    drop(conn);
    pool.close().await;
    names
}

impl Snapshot {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn conn(&mut self) -> Result<&mut PoolConnection<Any>, StoreError> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("the snapshot is finished".to_owned()))
    }

    /// End the read transaction and give the connection back.
    pub async fn finish(mut self) -> Result<(), StoreError> {
        if let Some(mut conn) = self.conn.take() {
            sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// PostgreSQL: the snapshot's id, for `pg_dump --snapshot` (valid while this transaction
    /// is open). None on SQLite.
    pub async fn export(&mut self) -> Result<Option<String>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut **self.conn()?)
            .await?;
        Ok(Some(id))
    }

    async fn table_names(&mut self) -> Result<Vec<String>, StoreError> {
        let backend = self.backend;
        table_names(self.conn()?, backend, false).await
    }

    /// Every table but sqlx's bookkeeping, in name order, with its columns and parents.
    pub async fn tables(&mut self) -> Result<Vec<Table>, StoreError> {
        let mut out = Vec::new();
        for name in self.table_names().await? {
            let (columns_sql, parents_sql) = match self.backend {
                Backend::Sqlite => (
                    "SELECT name, type, 'NO' FROM pragma_table_info($1)",
                    "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
                ),
                Backend::Postgres => (
                    "SELECT column_name::text, data_type::text, is_identity::text \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1",
                    "SELECT DISTINCT ccu.table_name::text \
                     FROM information_schema.table_constraints tc \
                     JOIN information_schema.constraint_column_usage ccu \
                       ON ccu.constraint_name = tc.constraint_name \
                      AND ccu.constraint_schema = tc.constraint_schema \
                     WHERE tc.constraint_type = 'FOREIGN KEY' \
                       AND tc.table_schema = current_schema() AND tc.table_name = $1",
                ),
            };
            let conn = self.conn()?;
            let mut columns: Vec<Column> = sqlx::query(columns_sql)
                .bind(name.clone())
                .fetch_all(&mut **conn)
                .await?
                .iter()
                .map(|r| {
                    let ty: String = r.try_get(1)?;
                    let identity: String = r.try_get(2)?;
                    Ok(Column {
                        name: r.try_get(0)?,
                        integer: ty.to_ascii_uppercase().contains("INT"),
                        identity: identity == "YES",
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
            columns.sort_by(|a, b| a.name.cmp(&b.name));
            let mut parents: Vec<String> = sqlx::query_scalar(parents_sql)
                .bind(name.clone())
                .fetch_all(&mut **conn)
                .await?;
            parents.retain(|p| *p != name);
            parents.sort();
            out.push(Table {
                name,
                columns,
                parents,
            });
        }
        Ok(out)
    }

    /// Every row of `columns` of `table` whose values match `rows` (an SQL condition the
    /// caller writes), in `id` order when the table has one (so a reply comes after the
    /// comment it answers) and otherwise by the columns named, handed to `each` one at a time:
    /// never the whole table in memory. The rows handed over.
    pub async fn each_row(
        &mut self,
        table: &Table,
        columns: &[&str],
        rows: Option<&str>,
        mut each: impl FnMut(&[Cell]) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let chosen = Table {
            name: table.name.clone(),
            columns: columns
                .iter()
                .map(|name| {
                    table
                        .columns
                        .iter()
                        .find(|c| c.name == *name)
                        .cloned()
                        .ok_or_else(|| {
                            StoreError::Invalid(format!(
                                "table {} has no column {name}",
                                table.name
                            ))
                        })
                })
                .collect::<Result<_, _>>()?,
            parents: table.parents.clone(),
        };
        let list = chosen
            .columns
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let order = if table.columns.iter().any(|c| c.name == "id") {
            "\"id\"".to_owned()
        } else {
            (1..=chosen.columns.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let filter = rows.map(|c| format!(" WHERE {c}")).unwrap_or_default();
        let sql = format!(
            "SELECT {list} FROM {}{filter} ORDER BY {order}",
            quote(&table.name)
        );
        let conn = self.conn()?;
        let mut stream = sqlx::query(&sql).fetch(&mut **conn);
        let mut n = 0u64;
        while let Some(row) = stream.try_next().await? {
            each(&cells(&chosen, &row)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// How many rows `table` has.
    pub async fn count(&mut self, table: &Table) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(&table.name)))
            .fetch_one(&mut **self.conn()?)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// `table`'s row count and checksum (see the module's comment).
    pub async fn sum(&mut self, table: &Table) -> Result<TableSum, StoreError> {
        let sql = select_sql(table, false);
        let mut hashes: Vec<[u8; 32]> = Vec::new();
        let conn = self.conn()?;
        let mut rows = sqlx::query(&sql).fetch(&mut **conn);
        while let Some(row) = rows.try_next().await? {
            let mut h = Sha256::new();
            for cell in cells(table, &row)? {
                match cell {
                    Cell::Null => h.update([0u8]),
                    Cell::Integer(i) => {
                        h.update([1u8]);
                        h.update(i.to_be_bytes());
                    }
                    Cell::Text(t) => {
                        h.update([2u8]);
                        h.update((t.len() as u64).to_be_bytes());
                        h.update(t.as_bytes());
                    }
                }
            }
            hashes.push(h.finalize().into());
        }
        hashes.sort_unstable();
        let mut all = Sha256::new();
        for h in &hashes {
            all.update(h);
        }
        Ok(TableSum {
            rows: hashes.len() as u64,
            sha256: hex(&all.finalize()),
        })
    }

    /// Every table's [`TableSum`], by name.
    pub async fn sums(
        &mut self,
    ) -> Result<std::collections::BTreeMap<String, TableSum>, StoreError> {
        let mut out = std::collections::BTreeMap::new();
        for t in self.tables().await? {
            let sum = self.sum(&t).await?;
            out.insert(t.name, sum);
        }
        Ok(out)
    }
}

async fn table_names(
    conn: &mut PoolConnection<Any>,
    backend: Backend,
    with_migrations: bool,
) -> Result<Vec<String>, StoreError> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    let mut names: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut **conn).await?;
    if !with_migrations {
        names.retain(|n| n != MIGRATIONS_TABLE);
    }
    Ok(names)
}

/// The tables in an order where every table comes after the tables its foreign keys point at
/// (among those given: a parent left out is taken as there already).
pub fn parents_first(tables: &[Table]) -> Result<Vec<Table>, StoreError> {
    let mut done: Vec<Table> = Vec::with_capacity(tables.len());
    let mut left: Vec<&Table> = tables.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        let mut i = 0;
        while i < left.len() {
            let ready = left[i]
                .parents
                .iter()
                .all(|p| done.iter().any(|d| &d.name == p) || !tables.iter().any(|t| &t.name == p));
            if ready {
                done.push(left.remove(i).clone());
            } else {
                i += 1;
            }
        }
        if left.len() == before {
            let stuck: Vec<&str> = left.iter().map(|t| t.name.as_str()).collect();
            return Err(StoreError::Invalid(format!(
                "the foreign keys between these tables form a cycle: {stuck:?}"
            )));
        }
    }
    Ok(done)
}

/// `SELECT` of every column in name order; `in_order`: in the order rows were written (rowid
/// on SQLite), so a table whose rows point at earlier rows of its own (replies) copies parents
/// first.
fn select_sql(table: &Table, in_order: bool) -> String {
    let list = table
        .columns
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let order = if in_order { " ORDER BY rowid" } else { "" };
    format!("SELECT {list} FROM {}{order}", quote(&table.name))
}

fn cells(table: &Table, row: &sqlx::any::AnyRow) -> Result<Vec<Cell>, StoreError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cell = if c.integer {
                row.try_get::<Option<i64>, _>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Integer))
            } else {
                row.try_get::<Option<String>, _>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Text))
            };
            cell.map_err(|e| StoreError::Corrupt(format!("reading {}.{}: {e}", table.name, c.name)))
        })
        .collect()
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, Any>,
    table: &str,
    list: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
) -> Result<(), StoreError> {
    let width = columns.len();
    let mut sql = format!("INSERT INTO {} ({list}) ", quote(table));
    if columns.iter().any(|c| c.identity) {
        // Ids are copied as they are, not drawn from the sequence.
        sql.push_str("OVERRIDING SYSTEM VALUE ");
    }
    sql.push_str("VALUES ");
    for r in 0..rows.len() {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * width + c + 1));
        }
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for row in rows {
        for (cell, column) in row.iter().zip(columns) {
            q = match cell {
                // A NULL is bound with its column's type: PostgreSQL will not put a text NULL
                // into a BIGINT column.
                Cell::Null if column.integer => q.bind(None::<i64>),
                Cell::Null => q.bind(None::<String>),
                Cell::Integer(i) => q.bind(*i),
                Cell::Text(t) => q.bind(t.clone()),
            };
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// A table or column name in double quotes (they come from the database's own catalogue, but
/// quoting keeps a keyword-named column working).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
