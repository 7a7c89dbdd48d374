//! Each published story's kept list of automatic related stories (`related_lists`): written by
//! the web layer's related-list worker, read by the article page in one statement. Derived data:
//! a missing or stale list is recomputed by the worker, never an error for a reader.

use crate::rows::micros;
use crate::{Store, StoreError};
use dateline_core::ArticleId;
use jiff::Timestamp;

#[dateline_store_macros::timed]
impl Store {
    /// The kept automatic list of `id`, best first; None when none was computed yet. Stories
    /// in it may since have been withdrawn: the page's summaries leave those out.
    pub async fn related_list(&self, id: ArticleId) -> Result<Option<Vec<ArticleId>>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT related FROM related_lists WHERE article_id = $1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        text.map(|t| parse_ids(&t)).transpose()
    }

    /// Published stories, newest first (to rank them): every one, or with `without_list` only
    /// those that have no kept list yet.
    pub async fn published_ids(&self, without_list: bool) -> Result<Vec<ArticleId>, StoreError> {
        let sql = if without_list {
            "SELECT a.id FROM articles a WHERE a.status = 'published' \
             AND NOT EXISTS (SELECT 1 FROM related_lists r WHERE r.article_id = a.id) \
             ORDER BY a.published_at DESC, a.id DESC"
        } else {
            "SELECT id FROM articles WHERE status = 'published' ORDER BY published_at DESC, id DESC"
        };
        let ids: Vec<i64> = sqlx::query_scalar(sql).fetch_all(&self.pool).await?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }

    /// Keep `related` (best first) as story `id`'s list, computed at `at`. Not announced:
    /// pages pick it up at their next render, and the worker announces a batch of lists
    /// that follow a publication at once ([`Store::related_lists_changed`]).
    pub async fn save_related_list(
        &self,
        id: ArticleId,
        related: &[ArticleId],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let text = related
            .iter()
            .map(|i| i.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // The story may have been deleted meanwhile: insert only while it exists, so the
        // foreign key never fails a background write. Through the writer queue like every
        // write: on SQLite a second writer would fail another's transaction with "locked".
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO related_lists (article_id, related, computed_at) \
             SELECT id, $2, $3 FROM articles WHERE id = $1 \
             ON CONFLICT (article_id) DO UPDATE \
             SET related = excluded.related, computed_at = excluded.computed_at",
        )
        .bind(id.0)
        .bind(text)
        .bind(micros(at))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// The kept lists of `ids` changed (after a publication's neighbours were ranked again):
    /// their pages are rendered afresh, as after any change readers can see, on every node.
    pub async fn related_lists_changed(&self, ids: Vec<ArticleId>) -> Result<(), StoreError> {
        self.announce_after(crate::Change::Related(ids), true).await
    }

    /// Up to `limit` published stories whose list is due, most urgent first: those with no
    /// list (newest stories first), then those computed before
    /// `older_than` (oldest computation first).
    pub async fn related_due(
        &self,
        older_than: Timestamp,
        limit: u32,
    ) -> Result<Vec<ArticleId>, StoreError> {
        let limit = i64::from(limit);
        let mut due: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM articles a \
             WHERE a.status = 'published' \
             AND NOT EXISTS (SELECT 1 FROM related_lists r WHERE r.article_id = a.id) \
             ORDER BY a.published_at DESC, a.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let room = limit - due.len() as i64;
        if room > 0 {
            let old: Vec<i64> = sqlx::query_scalar(
                "SELECT r.article_id FROM related_lists r JOIN articles a ON a.id = r.article_id \
                 WHERE r.computed_at < $2 AND a.status = 'published' \
                 ORDER BY r.computed_at LIMIT $1",
            )
            .bind(room)
            .bind(micros(older_than))
            .fetch_all(&self.pool)
            .await?;
            due.extend(old);
        }
        Ok(due.into_iter().map(ArticleId).collect())
    }
}

pub(crate) fn parse_ids(text: &str) -> Result<Vec<ArticleId>, StoreError> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map(ArticleId)
                .map_err(|e| StoreError::Corrupt(format!("related list {text:?}: {e}")))
        })
        .collect()
}
