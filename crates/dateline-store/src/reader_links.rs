//! The single-use links mailed to readers (migration `0010_reader_mail.sql`): email
//! verification and password reset. Tokens arrive already hashed (SHA-256 hex); this module
//! never sees a usable token. A link is used at most once, and never after it expires: the
//! `UPDATE … WHERE used_at IS NULL AND expires_at > now` that consumes it is the check, so two
//! requests racing with one link cannot both succeed.
//!
//! Like every reader write, none of this is announced on the change stream.

use crate::discussion::{READER_COLUMNS, reader};
use crate::rows::{get, micros};
use crate::{Store, StoreError};
use dateline_core::ReaderId;
use dateline_core::discussion::Reader;
use dateline_core::mail::LinkPurpose;
use jiff::Timestamp;

#[dateline_store_macros::timed]
impl Store {
    /// Keep a new link for `reader` (only its token's hash); forget links that expired.
    pub async fn create_reader_link(
        &self,
        reader_id: ReaderId,
        purpose: LinkPurpose,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM reader_tokens WHERE expires_at <= $1")
            .bind(micros(now))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO reader_tokens (token_hash, reader_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(reader_id.0)
        .bind(purpose.as_str())
        .bind(micros(now))
        .bind(micros(now + purpose.lifetime()))
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// The reader a link that still works belongs to, without using it up (the reset page
    /// shows its form only for a link that works). `NotFound`: unknown, used or expired.
    pub async fn reader_of_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: Timestamp,
    ) -> Result<Reader, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {READER_COLUMNS} FROM reader_tokens t JOIN readers r ON r.id = t.reader_id \
             WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL \
             AND t.expires_at > $3"
        ))
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(micros(now))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        reader(&row)
    }

    /// Use a verification link: the reader's email is verified. `NotFound`: unknown, used or
    /// expired.
    pub async fn verify_reader_by_link(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<ReaderId, StoreError> {
        let mut w = self.write().await?;
        let id = use_link(&mut w.tx, token_hash, LinkPurpose::Verify, now).await?;
        sqlx::query("UPDATE readers SET verified = 1 WHERE id = $1")
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Use a reset link: the reader gets `password_hash`, every session of theirs ends, their
    /// other reset links stop working, and their email counts as verified (the link reached
    /// it). `NotFound`: unknown, used or expired.
    pub async fn reset_reader_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<Reader, StoreError> {
        let mut w = self.write().await?;
        let id = use_link(&mut w.tx, token_hash, LinkPurpose::Reset, now).await?;
        sqlx::query("UPDATE readers SET password_hash = $1, verified = 1 WHERE id = $2")
            .bind(password_hash)
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM reader_sessions WHERE reader_id = $1")
            .bind(id.0)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "UPDATE reader_tokens SET used_at = $1 \
             WHERE reader_id = $2 AND purpose = $3 AND used_at IS NULL",
        )
        .bind(micros(now))
        .bind(id.0)
        .bind(LinkPurpose::Reset.as_str())
        .execute(&mut *w.tx)
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {READER_COLUMNS} FROM readers r WHERE r.id = $1"
        ))
        .bind(id.0)
        .fetch_one(&mut *w.tx)
        .await?;
        let r = reader(&row)?;
        w.commit().await?;
        Ok(r)
    }
}

async fn use_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    token_hash: &str,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<ReaderId, StoreError> {
    let row = sqlx::query(
        "UPDATE reader_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING reader_id",
    )
    .bind(micros(now))
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(ReaderId(get(&row, "reader_id")?))
}
