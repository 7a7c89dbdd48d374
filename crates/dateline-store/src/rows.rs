//! Conversions between stored columns and domain types: times as microseconds, dates as text,
//! enums as their snake_case names. A value that does not convert is `StoreError::Corrupt`,
//! never a panic.

use crate::StoreError;
use jiff::{Timestamp, civil::Date};
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn opt_micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(micros)
}

pub(crate) fn time(v: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt(format!("time {v}: {e}")))
}

pub(crate) fn opt_time(v: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    v.map(time).transpose()
}

pub(crate) fn date_text(d: Date) -> String {
    d.to_string()
}

pub(crate) fn opt_date(v: Option<String>) -> Result<Option<Date>, StoreError> {
    v.map(|s| {
        s.parse::<Date>()
            .map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
    })
    .transpose()
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col)
        .map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

pub(crate) fn parsed<T: std::str::FromStr>(row: &AnyRow, col: &str) -> Result<T, StoreError> {
    let s: String = get(row, col)?;
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("column {col}: unexpected value {s:?}")))
}

pub(crate) fn slug(row: &AnyRow, col: &str) -> Result<dateline_core::slug::Slug, StoreError> {
    let s: String = get(row, col)?;
    dateline_core::slug::Slug::parse(&s)
        .map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

/// Ids as a JSON array (`[3,7]`), bound as text where SQL reads them through
/// [`crate::Backend::id_set`]. An empty list is `[]`, which matches nothing.
pub(crate) fn ids_json(ids: impl IntoIterator<Item = i64>) -> String {
    let mut out = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out.push(']');
    out
}

/// The JSON text of a [`crate::Backend::json_rows`] column as rows of type `T` (a tuple of the
/// columns, in order). Text that does not parse is `StoreError::Corrupt`.
pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    col: &str,
) -> Result<Vec<T>, StoreError> {
    let text: String = get(row, col)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}
