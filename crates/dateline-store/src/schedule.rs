//! The station's weekly schedule of programmes (`live_programmes`), which `/live/` shows with
//! what is on air now. Written by `dateline schedule …` (and the newsroom, when it has a page
//! for it); the rules (days, times, overnight programmes) are `dateline_core::schedule`'s.
//! A programme may name a playlist to air from (migration `0024_named_playlists.sql`).

use crate::rows::{get, micros};
use crate::{Change, Store, StoreError, Writer};
use dateline_core::live::PlaylistName;
use dateline_core::schedule::{Days, Programme, format_time, overlapping, parse_time};
use jiff::Timestamp;
use jiff::civil::Time;
use sqlx::any::AnyRow;

/// A programme to add, already checked with [`Programme::check`].
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub title: String,
    pub presenter: String,
    pub description: String,
    pub days: Days,
    pub starts: Time,
    pub ends: Time,
    /// The playlist it airs from, by id (see [`Store::playlist_named`]).
    pub playlist_id: Option<i64>,
}

/// A programme's columns with its playlist's name, from `live_programmes p LEFT JOIN
/// live_playlists l`.
const COLUMNS: &str = "p.id, p.title, p.presenter, p.description, p.days, p.starts, p.ends, \
                       l.name AS playlist";
const FROM: &str = "live_programmes p LEFT JOIN live_playlists l ON l.id = p.playlist_id";

fn clock_time(row: &AnyRow, col: &str) -> Result<Time, StoreError> {
    let s: String = get(row, col)?;
    parse_time(&s).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

fn programme(row: &AnyRow) -> Result<Programme, StoreError> {
    let days: i64 = get(row, "days")?;
    let days = u8::try_from(days)
        .ok()
        .map(Days::from_bits)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| StoreError::Corrupt(format!("column days: {days} is no set of days")))?;
    Ok(Programme {
        id: get(row, "id")?,
        title: get(row, "title")?,
        presenter: get(row, "presenter")?,
        description: get(row, "description")?,
        days,
        starts: clock_time(row, "starts")?,
        ends: clock_time(row, "ends")?,
        playlist: get::<Option<String>>(row, "playlist")?
            .map(|n| {
                PlaylistName::parse(&n)
                    .map_err(|e| StoreError::Corrupt(format!("column playlist: {e}")))
            })
            .transpose()?,
    })
}

/// Read programme `id` back inside the write that changed it, announce the change and commit:
/// the end of every write of a programme.
async fn written(mut w: Writer, id: i64) -> Result<Programme, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
    let p = programme(&row)?;
    w.announce(Change::Content);
    w.commit().await?;
    Ok(p)
}

/// Refuse `new` (replacing programme `except`, when editing) when it overlaps another
/// programme: read under the transaction's lock, so the answer holds until it commits.
async fn check_overlap(
    store: &Store,
    w: &mut Writer,
    new: &NewProgramme,
    except: Option<i64>,
) -> Result<(), StoreError> {
    if let Some(lock) = store.backend.write_lock("live_programmes") {
        sqlx::query(&lock).execute(&mut *w.tx).await?;
    }
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} ORDER BY p.starts, p.id"
    ))
    .fetch_all(&mut *w.tx)
    .await?;
    let schedule = rows.iter().map(programme).collect::<Result<Vec<_>, _>>()?;
    let clashes = overlapping(&schedule, except, new.days, new.starts, new.ends);
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Overlaps(clashes.into_iter().cloned().collect()))
    }
}

/// The programmes that air from playlist `playlist`, by start time, read in `w`'s transaction.
pub(crate) async fn airing_from(
    w: &mut Writer,
    playlist: i64,
) -> Result<Vec<Programme>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE p.playlist_id = $1 ORDER BY p.starts, p.id"
    ))
    .bind(playlist)
    .fetch_all(&mut *w.tx)
    .await?;
    rows.iter().map(programme).collect()
}

#[dateline_store_macros::timed]
impl Store {
    /// The whole schedule, by start time.
    pub async fn programmes(&self) -> Result<Vec<Programme>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} ORDER BY p.starts, p.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(programme).collect()
    }

    /// The programme `id`; `NotFound` when there is none.
    pub async fn programme(&self, id: i64) -> Result<Programme, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        programme(&row)
    }

    /// Add a programme; `Overlaps` (naming them) when it would share air time with others.
    pub async fn create_programme(
        &self,
        new: NewProgramme,
        now: Timestamp,
    ) -> Result<Programme, StoreError> {
        let mut w = self.write().await?;
        check_overlap(self, &mut w, &new, None).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO live_programmes (title, presenter, description, days, starts, ends, \
             created_at, playlist_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.title.trim())
        .bind(new.presenter.trim())
        .bind(new.description.trim())
        .bind(i64::from(new.days.bits()))
        .bind(format_time(new.starts))
        .bind(format_time(new.ends))
        .bind(micros(now))
        .bind(new.playlist_id)
        .fetch_one(&mut *w.tx)
        .await?;
        written(w, id).await
    }

    /// Replace programme `id`'s title, presenter, description, days, times and playlist;
    /// `NotFound` when there is no such programme, `Overlaps` when the new times would share
    /// air time with another.
    pub async fn update_programme(
        &self,
        id: i64,
        new: NewProgramme,
    ) -> Result<Programme, StoreError> {
        let mut w = self.write().await?;
        check_overlap(self, &mut w, &new, Some(id)).await?;
        let done = sqlx::query(
            "UPDATE live_programmes SET title = $1, presenter = $2, description = $3, \
             days = $4, starts = $5, ends = $6, playlist_id = $7 WHERE id = $8",
        )
        .bind(new.title.trim())
        .bind(new.presenter.trim())
        .bind(new.description.trim())
        .bind(i64::from(new.days.bits()))
        .bind(format_time(new.starts))
        .bind(format_time(new.ends))
        .bind(new.playlist_id)
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        written(w, id).await
    }

    /// Have programme `id` air from playlist `playlist` (`None`: from none); `NotFound` when
    /// there is no such programme.
    pub async fn set_programme_playlist(
        &self,
        id: i64,
        playlist: Option<i64>,
    ) -> Result<Programme, StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query("UPDATE live_programmes SET playlist_id = $1 WHERE id = $2")
            .bind(playlist)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        written(w, id).await
    }

    /// Remove programme `id`; `NotFound` when there is none.
    pub async fn delete_programme(&self, id: i64) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let done = sqlx::query("DELETE FROM live_programmes WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        w.announce(Change::Content);
        w.commit().await?;
        Ok(())
    }
}
