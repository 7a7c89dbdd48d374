//! Reply mail (issue 18, migration `0021_reply_mail.sql`): which readers asked to be mailed
//! when someone replies to one of their comments, what such a mail needs to say, and which
//! replies were already taken for mailing, so that each reply mails its parent's author once
//! at most. None of these writes is announced: nothing a reader sees on a page changes.

use crate::rows::{get, micros, opt_time};
use crate::{Store, StoreError};
use dateline_core::discussion::Ban;
use dateline_core::{ArticleId, CommentId, ReaderId};
use jiff::Timestamp;

/// What the mail about one reply says, and to whom: read when the mail is sent, so a reply
/// deleted or a reader who changed their mind in between sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyMail {
    pub reply_id: CommentId,
    pub article_id: ArticleId,
    pub headline: String,
    /// Who replied, as the discussion shows them.
    pub replier_name: String,
    pub reply_body: String,
    /// The author of the comment replied to, who asked for these mails.
    pub reader_id: ReaderId,
    pub reader_name: String,
    pub email: String,
}

#[dateline_store_macros::timed]
impl Store {
    /// Whether this reader asked for reply mail.
    pub async fn reply_mail_wanted(&self, reader: ReaderId) -> Result<bool, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reader_reply_mail WHERE reader_id = $1")
                .bind(reader.0)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    /// Ask for reply mail (`on`) or stop it. Asking twice keeps the first time asked.
    pub async fn set_reply_mail(
        &self,
        reader: ReaderId,
        on: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        if on {
            sqlx::query(
                "INSERT INTO reader_reply_mail (reader_id, since) VALUES ($1, $2) \
                 ON CONFLICT (reader_id) DO NOTHING",
            )
            .bind(reader.0)
            .bind(micros(now))
            .execute(&mut *w.tx)
            .await?;
        } else {
            sqlx::query("DELETE FROM reader_reply_mail WHERE reader_id = $1")
                .bind(reader.0)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await
    }

    /// The mail a published reply should make, if it should make one at `now`: the reply is
    /// published, its parent's author asked for reply mail, has a verified address, is not
    /// banned, and is not the one who replied. None otherwise (including a comment that is
    /// gone).
    pub async fn reply_mail(
        &self,
        reply: CommentId,
        now: Timestamp,
    ) -> Result<Option<ReplyMail>, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.article_id, a.headline, rr.display_name AS replier_name, c.body, \
             p.reader_id, pr.display_name AS reader_name, pr.email, pr.banned_until, \
             pr.banned_forever \
             FROM comments c \
             JOIN comments p ON p.id = c.parent_id \
             JOIN readers rr ON rr.id = c.reader_id \
             JOIN readers pr ON pr.id = p.reader_id \
             JOIN reader_reply_mail w ON w.reader_id = p.reader_id \
             JOIN articles a ON a.id = c.article_id \
             WHERE c.id = $1 AND c.status = 'published' AND p.reader_id <> c.reader_id \
               AND pr.verified = 1 AND pr.email IS NOT NULL",
        )
        .bind(reply.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let ban = Ban {
            until: opt_time(get(&row, "banned_until")?)?,
            forever: get::<i64>(&row, "banned_forever")? != 0,
        };
        if ban.active(now) {
            return Ok(None);
        }
        Ok(Some(ReplyMail {
            reply_id: CommentId(get(&row, "id")?),
            article_id: ArticleId(get(&row, "article_id")?),
            headline: get(&row, "headline")?,
            replier_name: get(&row, "replier_name")?,
            reply_body: get(&row, "body")?,
            reader_id: ReaderId(get(&row, "reader_id")?),
            reader_name: get(&row, "reader_name")?,
            email: get(&row, "email")?,
        }))
    }

    /// Take a reply for mailing: true the first time only, so a reply mails once at most.
    pub async fn take_reply_mail(
        &self,
        reply: CommentId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query(
            "INSERT INTO reply_mails_sent (comment_id, sent_at) VALUES ($1, $2) \
             ON CONFLICT (comment_id) DO NOTHING",
        )
        .bind(reply.0)
        .bind(micros(now))
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// Give a taken reply back when its mail was not sent (the server did not take it), so
    /// the job's next attempt may send it.
    pub async fn release_reply_mail(&self, reply: CommentId) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM reply_mails_sent WHERE comment_id = $1")
            .bind(reply.0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }
}
