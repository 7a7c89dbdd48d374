//! The moderation desk (issue 17): its tabs (pending, reported, unmoderated, approved,
//! rejected) with counts, filtered by story, reader and text and paged; each comment's context
//! (the comment it replies to) and its reader's history; actions on many comments at once
//! (approve, reject, spam, feature, unfeature) and on a reader (ban, verify), each written to
//! the moderation log with what it changed, so the desk can undo it; and a newsroom person's
//! own preferences (the desk's keyboard shortcuts on or off).
//!
//! Like the rest of the discussion, nothing here is announced on the change stream as a content
//! change: the web layer drops the affected stories' discussions itself. An action on several
//! comments is one transaction: all of them change, or none does.

use crate::discussion::{COMMENT_SELECT, comment};
use crate::rows::{get, ids_json, micros, opt_time, time};
use crate::{Store, StoreError};
use dateline_core::discussion::{Ban, Comment, CommentStatus};
use dateline_core::{ArticleId, CommentId, PersonId, ReaderId};
use jiff::Timestamp;
use serde_json::{Value, json};

/// The desk's tabs, in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeskTab {
    /// Held for a moderator (pre-moderation or a rule).
    #[default]
    Pending,
    /// Held or published, with reports no moderator has answered.
    Reported,
    /// Published and never acted on by a moderator.
    Unmoderated,
    /// Published and approved (or featured) by a moderator.
    Approved,
    /// Rejected or marked as spam, by a moderator or a rule.
    Rejected,
}

impl DeskTab {
    pub const ALL: [DeskTab; 5] = [
        DeskTab::Pending,
        DeskTab::Reported,
        DeskTab::Unmoderated,
        DeskTab::Approved,
        DeskTab::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeskTab::Pending => "pending",
            DeskTab::Reported => "reported",
            DeskTab::Unmoderated => "unmoderated",
            DeskTab::Approved => "approved",
            DeskTab::Rejected => "rejected",
        }
    }

    /// `?tab=` as typed: None for anything else.
    pub fn parse(s: &str) -> Option<DeskTab> {
        DeskTab::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The comments of this tab, as SQL over `comments c`.
    fn condition(self) -> &'static str {
        match self {
            DeskTab::Pending => "c.status = 'pending'",
            DeskTab::Reported => {
                "c.status IN ('published', 'pending') AND EXISTS (SELECT 1 FROM comment_reports \
                 p WHERE p.comment_id = c.id AND p.resolved = 0)"
            }
            DeskTab::Unmoderated => "c.status = 'published' AND c.moderated = 0",
            DeskTab::Approved => "c.status = 'published' AND c.moderated = 1",
            DeskTab::Rejected => "c.status IN ('rejected', 'spam')",
        }
    }
}

/// What the desk shows: a tab, an order, filters and a page.
#[derive(Debug, Clone, Default)]
pub struct DeskQuery {
    pub tab: DeskTab,
    pub newest_first: bool,
    pub story: Option<ArticleId>,
    pub reader: Option<ReaderId>,
    /// Words the comment's text contains ('' for any), matched without regard to case.
    pub text: String,
    pub offset: i64,
    pub limit: i64,
}

/// What one moderator action did: [`Store::moderate_comments`].
#[derive(Debug)]
pub struct Moderated {
    /// The batch id (its first log entry's), which undo takes.
    pub batch: i64,
    /// The stories whose discussions changed.
    pub stories: Vec<ArticleId>,
    /// The comments it published, with the comment each replies to.
    pub published: Vec<(CommentId, Option<CommentId>)>,
}

/// The filters every desk query shares, binding `$1` (story), `$2` (reader), `$3` (pattern).
const FILTERS: &str = "($1 = 0 OR c.article_id = $1) AND ($2 = 0 OR c.reader_id = $2) AND \
     ($3 = '' OR lower(c.body) LIKE $3 ESCAPE '\\')";

impl DeskQuery {
    /// The `LIKE` pattern for the text filter: its own `%`, `_` and `\` match themselves.
    fn pattern(&self) -> String {
        let t = self.text.trim().to_lowercase();
        if t.is_empty() {
            return String::new();
        }
        let mut p = String::from("%");
        for ch in t.chars() {
            if matches!(ch, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(ch);
        }
        p.push('%');
        p
    }
}

/// A comment on the desk, with what a moderator needs beside it.
#[derive(Debug, Clone)]
pub struct ModerationItem {
    pub comment: Comment,
    pub article_headline: String,
    /// Its open reports' reasons (their number is the length).
    pub reasons: Vec<String>,
    /// The comment it replies to, for context.
    pub parent: Option<Comment>,
}

/// A reader's record, for the moderator deciding about one of their comments.
#[derive(Debug, Clone)]
pub struct ReaderHistory {
    pub reader_id: ReaderId,
    pub created_at: Timestamp,
    pub verified: bool,
    pub ban: Ban,
    /// Comments ever posted, in any state.
    pub comments: i64,
    /// Of those, rejected or marked as spam.
    pub rejected: i64,
    /// Bans moderators gave them (a lifted one still counts).
    pub bans: i64,
}

/// A change to comments a moderator makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentChange {
    /// A new status; for a rejection, the standard it cites ('' otherwise).
    Status {
        status: CommentStatus,
        standard: String,
    },
    /// Featured (true) or not.
    Featured(bool),
}

/// A change to a reader a moderator makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderChange {
    /// Ban (or lift a ban: an inactive `Ban`), with the log's words for it.
    Ban { ban: Ban, detail: String },
    /// Mark the reader's email as verified by hand.
    Verify,
}

/// One moderator action as the desk's banner shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub person_id: PersonId,
    pub action: String,
    /// How many comments or readers it changed.
    pub count: usize,
    pub undone: bool,
}

/// The counts of every tab under the query's filters.
pub type TabCounts = Vec<(DeskTab, i64)>;

#[dateline_store_macros::timed]
impl Store {
    /// Every tab's count under `q`'s filters (its tab, order and page are ignored).
    pub async fn desk_counts(&self, q: &DeskQuery) -> Result<TabCounts, StoreError> {
        let cols: Vec<String> = DeskTab::ALL
            .iter()
            .map(|t| {
                format!(
                    "(SELECT COUNT(*) FROM comments c WHERE {} AND {FILTERS}) AS {}",
                    t.condition(),
                    t.as_str()
                )
            })
            .collect();
        let row = sqlx::query(&format!("SELECT {}", cols.join(", ")))
            .bind(q.story.map_or(0, |a| a.0))
            .bind(q.reader.map_or(0, |r| r.0))
            .bind(q.pattern())
            .fetch_one(&self.pool)
            .await?;
        DeskTab::ALL
            .iter()
            .map(|t| Ok((*t, get::<i64>(&row, t.as_str())?)))
            .collect()
    }

    /// How many comments of `q`'s tab, under its filters, arrived after comment `after`
    /// (the desk's "3 new" badge).
    pub async fn desk_newer(&self, q: &DeskQuery, after: CommentId) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM comments c WHERE {} AND {FILTERS} AND c.id > $4",
            q.tab.condition()
        ))
        .bind(q.story.map_or(0, |a| a.0))
        .bind(q.reader.map_or(0, |r| r.0))
        .bind(q.pattern())
        .bind(after.0)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The newest comment's id (0 when there is none): the desk counts what arrives after it.
    pub async fn latest_comment_id(&self) -> Result<CommentId, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM comments")
            .fetch_one(&self.pool)
            .await?;
        Ok(CommentId(id.unwrap_or(0)))
    }

    /// One page of `q`'s tab, with each comment's headline, open reports and parent.
    pub async fn desk_page(&self, q: &DeskQuery) -> Result<Vec<ModerationItem>, StoreError> {
        let order = if q.newest_first { "DESC" } else { "ASC" };
        let rows = sqlx::query(&format!(
            "{COMMENT_SELECT} WHERE {} AND {FILTERS} ORDER BY c.created_at {order}, c.id {order} \
             LIMIT $4 OFFSET $5",
            q.tab.condition()
        ))
        .bind(q.story.map_or(0, |a| a.0))
        .bind(q.reader.map_or(0, |r| r.0))
        .bind(q.pattern())
        .bind(q.limit.clamp(1, 200))
        .bind(q.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        let comments: Vec<Comment> = rows.iter().map(comment).collect::<Result<_, _>>()?;
        let reports = sqlx::query(&format!(
            "SELECT comment_id, reason FROM comment_reports WHERE resolved = 0 AND comment_id \
             IN ({}) ORDER BY id",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(comments.iter().map(|c| c.id.0)))
        .fetch_all(&self.pool)
        .await?;
        let headlines = sqlx::query(&format!(
            "SELECT id, headline FROM articles WHERE id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(comments.iter().map(|c| c.article_id.0)))
        .fetch_all(&self.pool)
        .await?;
        let parents = sqlx::query(&format!(
            "{COMMENT_SELECT} WHERE c.id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(
            comments.iter().filter_map(|c| c.parent_id.map(|p| p.0)),
        ))
        .fetch_all(&self.pool)
        .await?;
        let parents: Vec<Comment> = parents.iter().map(comment).collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(comments.len());
        for c in comments {
            let mut reasons = Vec::new();
            for r in &reports {
                if get::<i64>(r, "comment_id")? == c.id.0 {
                    reasons.push(get::<String>(r, "reason")?);
                }
            }
            let mut article_headline = String::new();
            for h in &headlines {
                if get::<i64>(h, "id")? == c.article_id.0 {
                    article_headline = get(h, "headline")?;
                }
            }
            let parent = c
                .parent_id
                .and_then(|p| parents.iter().find(|x| x.id == p).cloned());
            out.push(ModerationItem {
                comment: c,
                article_headline,
                reasons,
                parent,
            });
        }
        Ok(out)
    }

    /// The records of these readers (unknown ids are left out).
    pub async fn reader_histories(
        &self,
        ids: &[ReaderId],
    ) -> Result<Vec<ReaderHistory>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.created_at, r.verified, r.banned_until, r.banned_forever, \
             (SELECT COUNT(*) FROM comments c WHERE c.reader_id = r.id) AS comments, \
             (SELECT COUNT(*) FROM comments c WHERE c.reader_id = r.id AND \
             c.status IN ('rejected', 'spam')) AS rejected, \
             (SELECT COUNT(*) FROM moderation_log m WHERE m.reader_id = r.id AND \
             m.action = 'ban') AS bans \
             FROM readers r WHERE r.id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(ids_json(ids.iter().map(|r| r.0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ReaderHistory {
                    reader_id: ReaderId(get(row, "id")?),
                    created_at: time(get(row, "created_at")?)?,
                    verified: get::<i64>(row, "verified")? != 0,
                    ban: Ban {
                        until: opt_time(get(row, "banned_until")?)?,
                        forever: get::<i64>(row, "banned_forever")? != 0,
                    },
                    comments: get(row, "comments")?,
                    rejected: get(row, "rejected")?,
                    bans: get(row, "bans")?,
                })
            })
            .collect()
    }

    /// Apply one moderator action to several comments in one transaction, logging each with
    /// what it changed; the batch id (the first log entry's), the stories touched and the
    /// comments it published (for reply mail). An
    /// unknown comment fails the whole action (`NotFound`); featuring a comment that is not
    /// published is `Invalid`. A status change marks the comments as seen by a moderator and
    /// resolves their open reports (undo reopens those).
    pub async fn moderate_comments(
        &self,
        person: PersonId,
        ids: &[CommentId],
        change: &CommentChange,
        action: &str,
        now: Timestamp,
    ) -> Result<Moderated, StoreError> {
        if ids.is_empty() {
            return Err(StoreError::Invalid("no comment was chosen".to_owned()));
        }
        let mut w = self.write().await?;
        let mut batch: Option<i64> = None;
        let mut stories: Vec<ArticleId> = Vec::new();
        let mut published = Vec::new();
        for id in ids {
            let row = sqlx::query(
                "SELECT article_id, reader_id, parent_id, status, standard, moderated, featured \
                 FROM comments WHERE id = $1",
            )
            .bind(id.0)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let article = ArticleId(get(&row, "article_id")?);
            let reader: i64 = get(&row, "reader_id")?;
            let status: String = get(&row, "status")?;
            let prior = json!({
                "status": status,
                "standard": get::<String>(&row, "standard")?,
                "moderated": get::<i64>(&row, "moderated")?,
                "featured": get::<i64>(&row, "featured")?,
            });
            let detail = match change {
                CommentChange::Status { status, standard } => {
                    sqlx::query(
                        "UPDATE comments SET status = $1, standard = $2, moderated = 1, \
                         featured = CASE WHEN $1 = 'published' THEN featured ELSE 0 END \
                         WHERE id = $3",
                    )
                    .bind(status.as_str())
                    .bind(standard)
                    .bind(id.0)
                    .execute(&mut *w.tx)
                    .await?;
                    if *status == CommentStatus::Published {
                        let parent = get::<Option<i64>>(&row, "parent_id")?.map(CommentId);
                        published.push((*id, parent));
                    }
                    standard.clone()
                }
                CommentChange::Featured(on) => {
                    if status != CommentStatus::Published.as_str() {
                        return Err(StoreError::Invalid(format!(
                            "comment {id} is not published, so it cannot be featured"
                        )));
                    }
                    sqlx::query("UPDATE comments SET featured = $1, moderated = 1 WHERE id = $2")
                        .bind(i64::from(*on))
                        .bind(id.0)
                        .execute(&mut *w.tx)
                        .await?;
                    String::new()
                }
            };
            let log_id: i64 = get(
                &sqlx::query(
                    "INSERT INTO moderation_log (person_id, action, comment_id, reader_id, \
                     detail, created_at, batch, prior) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     RETURNING id",
                )
                .bind(person.0)
                .bind(action)
                .bind(id.0)
                .bind(reader)
                .bind(&detail)
                .bind(micros(now))
                .bind(batch)
                .bind(prior.to_string())
                .fetch_one(&mut *w.tx)
                .await?,
                "id",
            )?;
            if batch.is_none() {
                batch = Some(log_id);
                sqlx::query("UPDATE moderation_log SET batch = id WHERE id = $1")
                    .bind(log_id)
                    .execute(&mut *w.tx)
                    .await?;
            }
            if matches!(change, CommentChange::Status { .. }) {
                // The report is answered by this entry; undo reopens exactly these.
                sqlx::query(
                    "UPDATE comment_reports SET resolved = $1 WHERE comment_id = $2 AND \
                     resolved = 0",
                )
                .bind(log_id)
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            }
            if !stories.contains(&article) {
                stories.push(article);
            }
        }
        w.commit().await?;
        Ok(Moderated {
            batch: batch.unwrap_or_default(),
            stories,
            published,
        })
    }

    /// Ban or verify a reader, logging what it changed; the batch id.
    pub async fn moderate_reader(
        &self,
        person: PersonId,
        id: ReaderId,
        change: &ReaderChange,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut w = self.write().await?;
        let row =
            sqlx::query("SELECT banned_until, banned_forever, verified FROM readers WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *w.tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let prior = json!({
            "banned_until": get::<Option<i64>>(&row, "banned_until")?,
            "banned_forever": get::<i64>(&row, "banned_forever")?,
            "verified": get::<i64>(&row, "verified")?,
        });
        let (action, detail) = match change {
            ReaderChange::Ban { ban, detail } => {
                sqlx::query(
                    "UPDATE readers SET banned_until = $1, banned_forever = $2 WHERE id = $3",
                )
                .bind(ban.until.map(micros))
                .bind(i64::from(ban.forever))
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
                // A ban ends the reader's sessions at once.
                if ban.forever || ban.until.is_some() {
                    sqlx::query("DELETE FROM reader_sessions WHERE reader_id = $1")
                        .bind(id.0)
                        .execute(&mut *w.tx)
                        .await?;
                    ("ban", detail.as_str())
                } else {
                    ("unban", detail.as_str())
                }
            }
            ReaderChange::Verify => {
                sqlx::query("UPDATE readers SET verified = 1 WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *w.tx)
                    .await?;
                ("verify", "verified by hand")
            }
        };
        let log_id: i64 = get(
            &sqlx::query(
                "INSERT INTO moderation_log (person_id, action, reader_id, detail, created_at, \
                 prior) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(person.0)
            .bind(action)
            .bind(id.0)
            .bind(detail)
            .bind(micros(now))
            .bind(prior.to_string())
            .fetch_one(&mut *w.tx)
            .await?,
            "id",
        )?;
        sqlx::query("UPDATE moderation_log SET batch = id WHERE id = $1")
            .bind(log_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(log_id)
    }

    /// A batch as the desk's banner describes it; `NotFound` when there is none.
    pub async fn moderation_batch(&self, batch: i64) -> Result<Batch, StoreError> {
        let rows = sqlx::query(
            "SELECT person_id, action, undone FROM moderation_log WHERE batch = $1 ORDER BY id",
        )
        .bind(batch)
        .fetch_all(&self.pool)
        .await?;
        let first = rows.first().ok_or(StoreError::NotFound)?;
        Ok(Batch {
            person_id: PersonId(get(first, "person_id")?),
            action: get(first, "action")?,
            count: rows.len(),
            undone: get::<i64>(first, "undone")? != 0,
        })
    }

    /// Undo one of `person`'s batches: put back what each entry changed, reopen the reports it
    /// resolved, mark it undone and log the undo, in one transaction; the stories touched.
    /// `NotFound` when the batch is not theirs or already undone; `Invalid` when a comment or
    /// reader in it was acted on since (undoing would overwrite that later action).
    pub async fn undo_moderation(
        &self,
        person: PersonId,
        batch: i64,
        now: Timestamp,
    ) -> Result<Vec<ArticleId>, StoreError> {
        let mut w = self.write().await?;
        let rows = sqlx::query(
            "SELECT m.id, m.action, m.comment_id, m.reader_id, m.prior, \
             (SELECT COUNT(*) FROM moderation_log l WHERE l.id > m.id AND l.action <> 'undo' \
             AND l.undone = 0 AND ((m.comment_id IS NOT NULL AND l.comment_id = m.comment_id) \
             OR (m.comment_id IS NULL AND l.comment_id IS NULL AND \
             l.reader_id = m.reader_id))) AS later \
             FROM moderation_log m WHERE m.batch = $1 AND m.person_id = $2 AND m.undone = 0 \
             AND m.prior <> '' ORDER BY m.id",
        )
        .bind(batch)
        .bind(person.0)
        .fetch_all(&mut *w.tx)
        .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut stories: Vec<ArticleId> = Vec::new();
        for row in &rows {
            let log_id: i64 = get(row, "id")?;
            let action: String = get(row, "action")?;
            if get::<i64>(row, "later")? > 0 {
                return Err(StoreError::Invalid(
                    "a moderator acted on it since; undo that first".to_owned(),
                ));
            }
            let prior: Value = serde_json::from_str(&get::<String>(row, "prior")?)
                .map_err(|e| StoreError::Corrupt(format!("moderation log {log_id}: {e}")))?;
            let int = |k: &str| prior.get(k).and_then(Value::as_i64).unwrap_or(0);
            let comment_id: Option<i64> = get(row, "comment_id")?;
            let reader_id: Option<i64> = get(row, "reader_id")?;
            match comment_id {
                Some(c) => {
                    let status = prior.get("status").and_then(Value::as_str).unwrap_or("");
                    status.parse::<CommentStatus>().map_err(|_| {
                        StoreError::Corrupt(format!("moderation log {log_id}: status {status:?}"))
                    })?;
                    sqlx::query(
                        "UPDATE comments SET status = $1, standard = $2, moderated = $3, \
                         featured = $4 WHERE id = $5",
                    )
                    .bind(status)
                    .bind(prior.get("standard").and_then(Value::as_str).unwrap_or(""))
                    .bind(int("moderated"))
                    .bind(int("featured"))
                    .bind(c)
                    .execute(&mut *w.tx)
                    .await?;
                    sqlx::query("UPDATE comment_reports SET resolved = 0 WHERE resolved = $1")
                        .bind(log_id)
                        .execute(&mut *w.tx)
                        .await?;
                    let article: Option<i64> =
                        sqlx::query_scalar("SELECT article_id FROM comments WHERE id = $1")
                            .bind(c)
                            .fetch_optional(&mut *w.tx)
                            .await?;
                    if let Some(a) = article.map(ArticleId)
                        && !stories.contains(&a)
                    {
                        stories.push(a);
                    }
                }
                None => {
                    sqlx::query(
                        "UPDATE readers SET banned_until = $1, banned_forever = $2, \
                         verified = $3 WHERE id = $4",
                    )
                    .bind(prior.get("banned_until").and_then(Value::as_i64))
                    .bind(int("banned_forever"))
                    .bind(int("verified"))
                    .bind(reader_id)
                    .execute(&mut *w.tx)
                    .await?;
                }
            }
            sqlx::query("UPDATE moderation_log SET undone = 1 WHERE id = $1")
                .bind(log_id)
                .execute(&mut *w.tx)
                .await?;
            sqlx::query(
                "INSERT INTO moderation_log (person_id, action, comment_id, reader_id, detail, \
                 created_at) VALUES ($1, 'undo', $2, $3, $4, $5)",
            )
            .bind(person.0)
            .bind(comment_id)
            .bind(reader_id)
            .bind(format!("undid {action}"))
            .bind(micros(now))
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await?;
        Ok(stories)
    }

    /// A newsroom person's preference (None: never set).
    pub async fn preference(
        &self,
        person: PersonId,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT value FROM person_preferences WHERE person_id = $1 AND key = $2",
        )
        .bind(person.0)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Set a newsroom person's preference.
    pub async fn set_preference(
        &self,
        person: PersonId,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO person_preferences (person_id, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id, key) DO UPDATE SET value = excluded.value",
        )
        .bind(person.0)
        .bind(key)
        .bind(value)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }
}
