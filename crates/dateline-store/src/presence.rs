//! Who has a story's editor open (issue 17, migration `0025_editor_presence.sql`): one row per
//! person and story, touched when the editor page is shown and by its script's ping. Kept in
//! the database rather than a node's memory, because several nodes serve one newsroom and two
//! people on one story may be on different nodes.
//!
//! A row seen within [`PRESENCE_WINDOW`] counts as "open"; the ping deletes every row older
//! than [`PRESENCE_KEPT`] as it goes, so no background job is needed and the table stays as
//! small as the newsroom. None of these writes is announced: nothing readers see changes, and
//! announcing would empty the page cache every 20 seconds.

use crate::rows::{get, micros, time};
use crate::{Store, StoreError};
use dateline_core::{ArticleId, PersonId};
use jiff::{SignedDuration, Timestamp};

/// How recently a person must have been seen on a story to be listed as having it open: three
/// missed pings (the script pings every 20 s).
pub const PRESENCE_WINDOW: SignedDuration = SignedDuration::from_secs(60);

/// How long a row is kept after it was last seen; older rows are deleted by the next touch.
pub const PRESENCE_KEPT: SignedDuration = SignedDuration::from_secs(10 * 60);

/// Someone else who has the story open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    pub person_id: PersonId,
    pub name: String,
    /// When this visit began.
    pub since: Timestamp,
}

#[dateline_store_macros::timed]
impl Store {
    /// Record that `person` has `article`'s editor open at `now`, delete rows older than
    /// [`PRESENCE_KEPT`], and answer the others seen on the article within
    /// [`PRESENCE_WINDOW`], earliest first. A visit's `since` is kept while the touches keep
    /// coming and starts again after a gap longer than the window.
    pub async fn touch_presence(
        &self,
        person: PersonId,
        article: ArticleId,
        now: Timestamp,
    ) -> Result<Vec<Present>, StoreError> {
        let now_us = micros(now);
        let fresh_from = micros(now - PRESENCE_WINDOW);
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM editor_presence WHERE seen_at < $1")
            .bind(micros(now - PRESENCE_KEPT))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO editor_presence (person_id, article_id, since, seen_at) \
             VALUES ($1, $2, $3, $3) \
             ON CONFLICT (article_id, person_id) DO UPDATE SET \
             since = CASE WHEN editor_presence.seen_at < $4 THEN excluded.since \
             ELSE editor_presence.since END, \
             seen_at = excluded.seen_at",
        )
        .bind(person.0)
        .bind(article.0)
        .bind(now_us)
        .bind(fresh_from)
        .execute(&mut *w.tx)
        .await?;
        let rows = sqlx::query(
            "SELECT e.person_id, p.name, e.since FROM editor_presence e \
             JOIN people p ON p.id = e.person_id \
             WHERE e.article_id = $1 AND e.person_id <> $2 AND e.seen_at >= $3 \
             ORDER BY e.since, p.name",
        )
        .bind(article.0)
        .bind(person.0)
        .bind(fresh_from)
        .fetch_all(&mut *w.tx)
        .await?;
        w.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(Present {
                    person_id: PersonId(get(r, "person_id")?),
                    name: get(r, "name")?,
                    since: time(get(r, "since")?)?,
                })
            })
            .collect()
    }

    /// Forget that `person` has `article` open (the editor page was closed). Nothing to forget
    /// is no error.
    pub async fn leave_presence(
        &self,
        person: PersonId,
        article: ArticleId,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM editor_presence WHERE article_id = $1 AND person_id = $2")
            .bind(article.0)
            .bind(person.0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }
}
