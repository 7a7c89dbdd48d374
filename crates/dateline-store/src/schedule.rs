//! The station's weekly schedule of programmes (`live_programmes`), which `/live/` shows with
//! what is on air now. Written by `dateline schedule …` (and the newsroom, when it has a page
//! for it); the rules (days, times, overnight programmes) are `dateline_core::schedule`'s.
//! A programme may name a playlist to air from (migration `0024_named_playlists.sql`).

use crate::rows::{get, micros};
use crate::{Change, Store, StoreError};
use dateline_core::live::PlaylistName;
use dateline_core::schedule::{Days, Programme, format_time, parse_time};
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

    pub async fn create_programme(
        &self,
        new: NewProgramme,
        now: Timestamp,
    ) -> Result<Programme, StoreError> {
        let mut w = self.write().await?;
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
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = $1"))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let p = programme(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(p)
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
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = $1"))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let p = programme(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(p)
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
