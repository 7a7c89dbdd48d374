//! Reader discussion: reader accounts and sessions, comments, recommendations, reports, the
//! moderation queue and log, and the discussion rules (a `settings` row).
//!
//! None of these writes is announced on the change stream: a comment never changes the article
//! page, so posting or moderating must not empty the page cache. Session tokens arrive already
//! hashed; a password hash is returned only by [`Store::reader_for_sign_in`].

use crate::rows::{get, micros, opt_micros, opt_time, parsed, time};
use crate::{Store, StoreError};
use dateline_core::account::Email;
use dateline_core::discussion::{Ban, Comment, CommentStatus, DiscussionRules, Reader};
use dateline_core::{ArticleId, CommentId, PersonId, ReaderId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// A reader account to create.
#[derive(Debug, Clone)]
pub struct NewReader {
    pub display_name: String,
    pub email: Option<Email>,
    /// An Argon2id PHC string; None for an outside identity only.
    pub password_hash: Option<String>,
}

/// A comment to add.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub reader_id: ReaderId,
    pub parent_id: Option<CommentId>,
    pub body: String,
    pub status: CommentStatus,
    pub flag: String,
    /// The client address, for per-address rate limits ('' when unknown).
    pub ip: String,
}

/// A live reader session.
#[derive(Debug, Clone)]
pub struct ReaderSession {
    pub reader: Reader,
    pub csrf_token: String,
}

/// A comment in the moderation queue, with its open reports.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub comment: Comment,
    pub article_headline: String,
    pub reports: i64,
    /// The open reports' reasons.
    pub reasons: Vec<String>,
}

/// One recorded moderation action.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: i64,
    pub person_name: String,
    pub action: String,
    pub comment_id: Option<CommentId>,
    pub reader_id: Option<ReaderId>,
    pub detail: String,
    pub at: Timestamp,
}

pub(crate) const READER_COLUMNS: &str =
    "r.id, r.display_name, r.email, r.verified, r.banned_until, r.banned_forever, r.created_at";

pub(crate) fn reader(row: &AnyRow) -> Result<Reader, StoreError> {
    Ok(Reader {
        id: ReaderId(get(row, "id")?),
        display_name: get(row, "display_name")?,
        email: get(row, "email")?,
        verified: get::<i64>(row, "verified")? != 0,
        ban: Ban {
            until: opt_time(get(row, "banned_until")?)?,
            forever: get::<i64>(row, "banned_forever")? != 0,
        },
        created_at: time(get(row, "created_at")?)?,
    })
}

pub(crate) const COMMENT_SELECT: &str = "SELECT c.id, c.article_id, c.reader_id, r.display_name AS reader_name, \
     c.parent_id, c.body, c.status, c.flag, c.standard, c.recommends, c.created_at, c.edited_at, \
     c.featured, c.moderated FROM comments c JOIN readers r ON r.id = c.reader_id";

pub(crate) fn comment(row: &AnyRow) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: CommentId(get(row, "id")?),
        article_id: ArticleId(get(row, "article_id")?),
        reader_id: ReaderId(get(row, "reader_id")?),
        reader_name: get(row, "reader_name")?,
        parent_id: get::<Option<i64>>(row, "parent_id")?.map(CommentId),
        body: get(row, "body")?,
        status: parsed(row, "status")?,
        flag: get(row, "flag")?,
        standard: get(row, "standard")?,
        recommends: get(row, "recommends")?,
        created_at: time(get(row, "created_at")?)?,
        edited_at: opt_time(get(row, "edited_at")?)?,
        featured: get::<i64>(row, "featured")? != 0,
        moderated: get::<i64>(row, "moderated")? != 0,
    })
}

fn email_taken(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Taken(_) => StoreError::Taken("email".to_owned()),
        other => other,
    }
}

#[dateline_store_macros::timed]
impl Store {
    /// The discussion rules (defaults until someone saves some).
    pub async fn discussion_rules(&self) -> Result<DiscussionRules, StoreError> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'discussion'")
                .fetch_optional(&self.pool)
                .await?;
        match value {
            None => Ok(DiscussionRules::default()),
            Some(v) => serde_json::from_str(&v)
                .map_err(|e| StoreError::Corrupt(format!("discussion rules: {e}"))),
        }
    }

    /// Save the discussion rules (not announced: no page shows them).
    pub async fn save_discussion_rules(&self, r: &DiscussionRules) -> Result<(), StoreError> {
        let json = serde_json::to_string(r)
            .map_err(|e| StoreError::Corrupt(format!("discussion rules: {e}")))?;
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('discussion', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(json)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// Create a reader; `Taken("email")` when the address (in any case) has one.
    pub async fn create_reader(
        &self,
        new: NewReader,
        now: Timestamp,
    ) -> Result<Reader, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO readers (display_name, email, password_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&new.display_name)
        .bind(new.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(new.password_hash)
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(email_taken)?;
        let id: i64 = get(&row, "id")?;
        let row = sqlx::query(&format!(
            "SELECT {READER_COLUMNS} FROM readers r WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
        let r = reader(&row)?;
        w.commit().await?;
        Ok(r)
    }

    pub async fn reader(&self, id: ReaderId) -> Result<Reader, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {READER_COLUMNS} FROM readers r WHERE r.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        reader(&row)
    }

    /// The reader with this email and their password hash (None: no password set).
    pub async fn reader_for_sign_in(
        &self,
        email: &Email,
    ) -> Result<(Reader, Option<String>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {READER_COLUMNS}, r.password_hash FROM readers r WHERE lower(r.email) = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((reader(&row)?, get(&row, "password_hash")?))
    }

    /// Mark a reader's email as verified (or not).
    pub async fn set_reader_verified(
        &self,
        id: ReaderId,
        verified: bool,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query("UPDATE readers SET verified = $1 WHERE id = $2")
            .bind(i64::from(verified))
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }

    /// Ban a reader until a time or for good (`ban` inactive: lift it); ends their sessions.
    /// Outside identities are linked to the reader row, so the ban covers them too.
    pub async fn ban_reader(&self, id: ReaderId, ban: Ban) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n =
            sqlx::query("UPDATE readers SET banned_until = $1, banned_forever = $2 WHERE id = $3")
                .bind(opt_micros(ban.until))
                .bind(i64::from(ban.forever))
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?
                .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM reader_sessions WHERE reader_id = $1")
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn create_reader_session(
        &self,
        reader_id: ReaderId,
        token_hash: &str,
        csrf_token: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM reader_sessions WHERE expires_at <= $1")
            .bind(micros(now))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO reader_sessions (token_hash, reader_id, csrf_token, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(reader_id.0)
        .bind(csrf_token)
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// The live reader session with this token hash.
    pub async fn reader_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<ReaderSession, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {READER_COLUMNS}, s.csrf_token FROM reader_sessions s \
             JOIN readers r ON r.id = s.reader_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(ReaderSession {
            reader: reader(&row)?,
            csrf_token: get(&row, "csrf_token")?,
        })
    }

    pub async fn end_reader_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM reader_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Add a comment. A reply's parent must be a comment of the same article.
    pub async fn add_comment(
        &self,
        new: NewComment,
        now: Timestamp,
    ) -> Result<Comment, StoreError> {
        let mut w = self.write().await?;
        if let Some(parent) = new.parent_id {
            let article: Option<i64> =
                sqlx::query_scalar("SELECT article_id FROM comments WHERE id = $1")
                    .bind(parent.0)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if article != Some(new.article_id.0) {
                return Err(StoreError::Invalid(
                    "the comment replied to is not part of this discussion".to_owned(),
                ));
            }
        }
        let row = sqlx::query(
            "INSERT INTO comments (article_id, reader_id, parent_id, body, status, flag, ip, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.article_id.0)
        .bind(new.reader_id.0)
        .bind(new.parent_id.map(|p| p.0))
        .bind(&new.body)
        .bind(new.status.as_str())
        .bind(&new.flag)
        .bind(&new.ip)
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = get(&row, "id")?;
        let row = sqlx::query(&format!("{COMMENT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
        let c = comment(&row)?;
        w.commit().await?;
        Ok(c)
    }

    pub async fn comment(&self, id: CommentId) -> Result<Comment, StoreError> {
        let row = sqlx::query(&format!("{COMMENT_SELECT} WHERE c.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        comment(&row)
    }

    /// An article's comments a viewer may see: published and deleted ones (a deleted comment
    /// keeps its place for its replies), plus the viewer's own held or refused ones. Oldest
    /// first; the web layer threads, sorts and pages them.
    pub async fn comments_of(
        &self,
        article: ArticleId,
        viewer: Option<ReaderId>,
    ) -> Result<Vec<Comment>, StoreError> {
        let rows = sqlx::query(&format!(
            "{COMMENT_SELECT} WHERE c.article_id = $1 AND (c.status IN ('published', 'deleted') \
             OR c.reader_id = $2) ORDER BY c.created_at, c.id"
        ))
        .bind(article.0)
        .bind(viewer.map_or(-1, |v| v.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment).collect()
    }

    /// The number of published comments of an article.
    pub async fn comment_count(&self, article: ArticleId) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM comments WHERE article_id = $1 AND status = 'published'",
        )
        .bind(article.0)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Whether an article's discussion has a published featured comment (its readers then see
    /// the Featured tab first).
    pub async fn has_featured_comments(&self, article: ArticleId) -> Result<bool, StoreError> {
        // The first match answers; a long discussion is not counted to learn that.
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM comments WHERE article_id = $1 AND featured = 1 \
             AND status = 'published' LIMIT 1",
        )
        .bind(article.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// What the rules need about a reader's and an address's recent posting: the reader's
    /// comments ever, theirs since `since`, the address's since `since`, and whether the reader
    /// posted `body` since `duplicate_since`.
    pub async fn posting_history(
        &self,
        reader_id: ReaderId,
        ip: &str,
        body: &str,
        since: Timestamp,
        duplicate_since: Timestamp,
    ) -> Result<PostingHistory, StoreError> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM comments WHERE reader_id = $1) AS ever, \
             (SELECT COUNT(*) FROM comments WHERE reader_id = $1 AND created_at >= $2) AS recent, \
             (SELECT COUNT(*) FROM comments WHERE ip = $3 AND ip <> '' AND created_at >= $2) \
             AS from_address, \
             (SELECT COUNT(*) FROM comments WHERE reader_id = $1 AND body = $4 \
             AND created_at >= $5 AND status <> 'deleted') AS duplicates",
        )
        .bind(reader_id.0)
        .bind(micros(since))
        .bind(ip)
        .bind(body)
        .bind(micros(duplicate_since))
        .fetch_one(&self.pool)
        .await?;
        let n = |c: &str| -> Result<u64, StoreError> {
            Ok(u64::try_from(get::<i64>(&row, c)?).unwrap_or(0))
        };
        Ok(PostingHistory {
            ever: n("ever")?,
            recent: n("recent")?,
            from_address: n("from_address")?,
            duplicate: n("duplicates")? > 0,
        })
    }

    /// Change a comment's text (its author, inside the edit window: the caller checks).
    pub async fn edit_comment(
        &self,
        id: CommentId,
        body: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query("UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3")
            .bind(body)
            .bind(micros(now))
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }

    /// Set a comment's status (and the standard a rejection cites); resolves its open reports
    /// when a moderator acts (`by` is Some), recording the action in the log in the same
    /// transaction.
    pub async fn set_comment_status(
        &self,
        id: CommentId,
        status: CommentStatus,
        standard: &str,
        by: Option<(PersonId, &str)>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        // A moderator's action marks the comment as seen (the desk's Unmoderated tab).
        let n = sqlx::query(
            "UPDATE comments SET status = $1, standard = $2, moderated = moderated + $4 - \
             moderated * $4 WHERE id = $3",
        )
        .bind(status.as_str())
        .bind(standard)
        .bind(id.0)
        .bind(i64::from(by.is_some()))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        if let Some((person, action)) = by {
            sqlx::query("UPDATE comment_reports SET resolved = 1 WHERE comment_id = $1")
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            let reader: i64 = sqlx::query_scalar("SELECT reader_id FROM comments WHERE id = $1")
                .bind(id.0)
                .fetch_one(&mut *w.tx)
                .await?;
            sqlx::query(
                "INSERT INTO moderation_log (person_id, action, comment_id, reader_id, detail, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(person.0)
            .bind(action)
            .bind(id.0)
            .bind(reader)
            .bind(standard)
            .bind(micros(now))
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    /// Record a moderation action that is not a comment's status change (a ban, a verification).
    pub async fn log_moderation(
        &self,
        person: PersonId,
        action: &str,
        reader: Option<ReaderId>,
        detail: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO moderation_log (person_id, action, reader_id, detail, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(person.0)
        .bind(action)
        .bind(reader.map(|r| r.0))
        .bind(detail)
        .bind(micros(now))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// Recommend a comment once per reader; whether this was new.
    pub async fn recommend_comment(
        &self,
        id: CommentId,
        reader_id: ReaderId,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query(
            "INSERT INTO comment_recommendations (comment_id, reader_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id.0)
        .bind(reader_id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 1 {
            sqlx::query("UPDATE comments SET recommends = recommends + 1 WHERE id = $1")
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await?;
        Ok(n == 1)
    }

    /// Report a comment (once per reader: a second report replaces the reason).
    pub async fn report_comment(
        &self,
        id: CommentId,
        reader_id: ReaderId,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO comment_reports (comment_id, reader_id, reason, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (comment_id, reader_id) \
             DO UPDATE SET reason = excluded.reason, resolved = 0",
        )
        .bind(id.0)
        .bind(reader_id.0)
        .bind(reason)
        .bind(micros(now))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// The moderation queue: held comments and comments with open reports, oldest first.
    pub async fn moderation_queue(&self) -> Result<Vec<QueueItem>, StoreError> {
        let rows = sqlx::query(&format!(
            "{COMMENT_SELECT} WHERE c.status = 'pending' OR (c.status = 'published' AND \
             EXISTS (SELECT 1 FROM comment_reports p WHERE p.comment_id = c.id AND \
             p.resolved = 0)) ORDER BY c.created_at, c.id LIMIT 500"
        ))
        .fetch_all(&self.pool)
        .await?;
        let comments: Vec<Comment> = rows.iter().map(comment).collect::<Result<_, _>>()?;
        let reports = sqlx::query(&format!(
            "SELECT comment_id, reason FROM comment_reports WHERE resolved = 0 AND comment_id \
             IN ({}) ORDER BY id",
            self.backend.id_set("$1")
        ))
        .bind(crate::rows::ids_json(comments.iter().map(|c| c.id.0)))
        .fetch_all(&self.pool)
        .await?;
        let headlines = sqlx::query(&format!(
            "SELECT id, headline FROM articles WHERE id IN ({})",
            self.backend.id_set("$1")
        ))
        .bind(crate::rows::ids_json(
            comments.iter().map(|c| c.article_id.0),
        ))
        .fetch_all(&self.pool)
        .await?;
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
            out.push(QueueItem {
                reports: reasons.len() as i64,
                reasons,
                article_headline,
                comment: c,
            });
        }
        Ok(out)
    }

    /// Counts for the dashboard: held comments, reported comments.
    pub async fn moderation_counts(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM comments WHERE status = 'pending') AS pending, \
             (SELECT COUNT(DISTINCT comment_id) FROM comment_reports WHERE resolved = 0) \
             AS reported",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((get(&row, "pending")?, get(&row, "reported")?))
    }

    /// Comments posted at or after `since`, whatever became of them (the dashboard's notice).
    pub async fn comments_since(&self, since: jiff::Timestamp) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE created_at >= $1")
            .bind(crate::rows::micros(since))
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// The moderation log, newest first.
    pub async fn moderation_log(&self, limit: i64) -> Result<Vec<LogEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, p.name AS person_name, m.action, m.comment_id, m.reader_id, m.detail, \
             m.created_at FROM moderation_log m JOIN people p ON p.id = m.person_id \
             ORDER BY m.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LogEntry {
                    id: get(row, "id")?,
                    person_name: get(row, "person_name")?,
                    action: get(row, "action")?,
                    comment_id: get::<Option<i64>>(row, "comment_id")?.map(CommentId),
                    reader_id: get::<Option<i64>>(row, "reader_id")?.map(ReaderId),
                    detail: get(row, "detail")?,
                    at: time(get(row, "created_at")?)?,
                })
            })
            .collect()
    }
}

/// A reader's and an address's recent posting, for rate limits and duplicate detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostingHistory {
    pub ever: u64,
    pub recent: u64,
    pub from_address: u64,
    pub duplicate: bool,
}

#[dateline_store_macros::timed]
impl Store {
    /// Set a story's discussion mode. Not announced: the article page does not show it (its
    /// discussion does), and the story's version is left alone so an editor's open form can
    /// still be saved (that save writes the mode it loaded).
    pub async fn set_discussion_mode(
        &self,
        article: ArticleId,
        mode: dateline_core::article::DiscussionMode,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query("UPDATE articles SET discussion_mode = $1 WHERE id = $2")
            .bind(mode.as_str())
            .bind(article.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }
}

/// One of a reader's own comments, for their account page.
#[derive(Debug, Clone)]
pub struct OwnComment {
    pub comment: Comment,
    pub article_headline: String,
}

/// How many comments a reader's account page lists at most (newest first).
pub const OWN_COMMENTS_SHOWN: i64 = 200;

#[dateline_store_macros::timed]
impl Store {
    /// A reader's own comments, newest first, at most [`OWN_COMMENTS_SHOWN`], with their
    /// stories' headlines; deleted ones are left out (nothing of them is theirs to see).
    pub async fn comments_by_reader(&self, id: ReaderId) -> Result<Vec<OwnComment>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT x.*, a.headline AS article_headline FROM ({COMMENT_SELECT} \
             WHERE c.reader_id = $1 AND c.status <> 'deleted') x \
             JOIN articles a ON a.id = x.article_id \
             ORDER BY x.created_at DESC, x.id DESC LIMIT $2"
        ))
        .bind(id.0)
        .bind(OWN_COMMENTS_SHOWN)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OwnComment {
                    comment: comment(row)?,
                    article_headline: get(row, "article_headline")?,
                })
            })
            .collect()
    }

    /// Erase a reader's account at their request, in one transaction: their comments go
    /// (one that others replied to stays as an empty "deleted" placeholder holding the
    /// replies, with no text, address or author shown), their recommendations are taken back,
    /// their sessions, sign-in links, outside identities and reports end, and the account
    /// row goes, or, while placeholders still point at it, keeps no name, address or
    /// password. Their newsletter subscriptions stay: those were given by address, with
    /// their own consent and one-click way out. Returns the stories whose discussions
    /// changed.
    pub async fn erase_reader(&self, id: ReaderId) -> Result<Vec<ArticleId>, StoreError> {
        let mut w = self.write().await?;
        let stories: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT article_id FROM comments WHERE reader_id = $1 ORDER BY article_id",
        )
        .bind(id.0)
        .fetch_all(&mut *w.tx)
        .await?;
        sqlx::query(
            "UPDATE comments SET recommends = recommends - 1 WHERE recommends > 0 AND id IN \
             (SELECT comment_id FROM comment_recommendations WHERE reader_id = $1)",
        )
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?;
        // Leaves first, again and again: a reply of theirs under their own comment goes, and
        // then that comment may have no replies left. Bounded: each round removes a level.
        for _ in 0..256 {
            let gone = sqlx::query(
                "DELETE FROM comments WHERE reader_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM comments r WHERE r.parent_id = comments.id)",
            )
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if gone == 0 {
                break;
            }
        }
        let kept = sqlx::query(
            "UPDATE comments SET status = 'deleted', body = '', ip = '', flag = '', \
             standard = '', edited_at = NULL WHERE reader_id = $1",
        )
        .bind(id.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if kept == 0 {
            // Sessions, sign-in links, identities, recommendations and reports follow the
            // row (ON DELETE CASCADE); a subscription by address loses only its link to it.
            sqlx::query("DELETE FROM readers WHERE id = $1")
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
        } else {
            for table in [
                "reader_sessions",
                "reader_tokens",
                "reader_identities",
                "comment_recommendations",
                "comment_reports",
                "reader_reply_mail",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE reader_id = $1"))
                    .bind(id.0)
                    .execute(&mut *w.tx)
                    .await?;
            }
            sqlx::query("UPDATE subscribers SET reader_id = NULL WHERE reader_id = $1")
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            sqlx::query(
                "UPDATE readers SET display_name = 'Deleted reader', email = NULL, \
                 password_hash = NULL, verified = 0 WHERE id = $1",
            )
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await?;
        Ok(stories.into_iter().map(ArticleId).collect())
    }
}
