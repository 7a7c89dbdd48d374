//! Newsroom sessions, failed sign-ins (for throttling) and API tokens.
//!
//! Tokens arrive here already hashed (SHA-256 hex, made by the web layer): the store never
//! sees a cookie or a token and cannot leak one. A session of a disabled account is never
//! returned, so disabling takes effect on the very next request even before its sessions are
//! deleted. None of these writes changes what readers see, so none is announced (signing in
//! must not empty the page cache).

use crate::rows::{get, micros, opt_time, time};
use crate::{Store, StoreError};
use dateline_core::PersonId;
use dateline_core::account::Account;
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// A signed-in session and its account.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub account: Account,
    /// The form token every state-changing form of this session must carry.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An API token as its owner sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub person_id: PersonId,
    pub label: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// The account columns of a joined row (`person_created_at` for its creation time).
fn account_of(row: &AnyRow) -> Result<Account, StoreError> {
    crate::accounts::account_with(row, "person_created_at")
}

fn session(row: &AnyRow) -> Result<Session, StoreError> {
    Ok(Session {
        id: get(row, "session_id")?,
        account: account_of(row)?,
        csrf_token: get(row, "csrf_token")?,
        created_at: time(get(row, "created_at")?)?,
        last_seen_at: time(get(row, "last_seen_at")?)?,
        expires_at: time(get(row, "expires_at")?)?,
    })
}

const SESSION_SELECT: &str = "SELECT s.id AS session_id, s.csrf_token, s.created_at, \
     s.last_seen_at, s.expires_at, p.id, p.email, p.name, p.slug, p.role, p.disabled, \
     p.created_at AS person_created_at \
     FROM sessions s JOIN people p ON p.id = s.person_id";

fn api_token(row: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: get(row, "id")?,
        person_id: PersonId(get(row, "person_id")?),
        label: get(row, "label")?,
        created_at: time(get(row, "created_at")?)?,
        last_used_at: opt_time(get(row, "last_used_at")?)?,
        revoked_at: opt_time(get(row, "revoked_at")?)?,
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// Start a session for an account.
    pub async fn create_session(
        &self,
        person: PersonId,
        token_hash: &str,
        csrf_token: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Session, StoreError> {
        let mut w = self.write().await?;
        // Expired sessions go as new ones arrive: no sweeper task needed.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(micros(now))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, person_id, csrf_token, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(person.0)
        .bind(csrf_token)
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(&mut *w.tx)
        .await?;
        let row = sqlx::query(&format!("{SESSION_SELECT} WHERE s.token_hash = $1"))
            .bind(token_hash)
            .fetch_one(&mut *w.tx)
            .await?;
        let s = session(&row)?;
        w.commit().await?;
        Ok(s)
    }

    /// The live session with this token hash: not expired, its account not disabled.
    pub async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Session, StoreError> {
        let row = sqlx::query(&format!(
            "{SESSION_SELECT} WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.disabled = 0 \
             AND p.email IS NOT NULL"
        ))
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        session(&row)
    }

    /// Note that a session was used (callers do it at most once a minute or so).
    pub async fn touch_session(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(micros(now))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// End one session (signing out). Ending one that is gone is not an error.
    pub async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// End every session of an account; how many there were.
    pub async fn end_sessions_of(&self, person: PersonId) -> Result<u64, StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n)
    }

    /// Live sessions of an account.
    pub async fn sessions_of(
        &self,
        person: PersonId,
        now: Timestamp,
    ) -> Result<Vec<Session>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SESSION_SELECT} WHERE s.person_id = $1 AND s.expires_at > $2 ORDER BY s.id"
        ))
        .bind(person.0)
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(session).collect()
    }

    /// Record a failed sign-in against each subject (`account:…`, `address:…`), forgetting
    /// failures older than `forget_before`.
    pub async fn record_login_failure(
        &self,
        subjects: &[&str],
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
            .bind(micros(forget_before))
            .execute(&mut *w.tx)
            .await?;
        for subject in subjects {
            sqlx::query("INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)")
                .bind(*subject)
                .bind(micros(now))
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await
    }

    /// Failed sign-ins of `subject` since `since`: how many, and the oldest.
    pub async fn login_failures(
        &self,
        subject: &str,
        since: Timestamp,
    ) -> Result<(u64, Option<Timestamp>), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures \
             WHERE subject = $1 AND failed_at >= $2",
        )
        .bind(subject)
        .bind(micros(since))
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = get(&row, "n")?;
        Ok((
            u64::try_from(n).unwrap_or(0),
            opt_time(get(&row, "oldest")?)?,
        ))
    }

    /// Forget the failures of `subject` (after a successful sign-in).
    pub async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Keep a new API token's hash for its owner.
    pub async fn create_api_token(
        &self,
        person: PersonId,
        token_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> Result<ApiToken, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (token_hash, person_id, label, created_at) \
             VALUES ($1, $2, $3, $4) \
             RETURNING id, person_id, label, created_at, last_used_at, revoked_at",
        )
        .bind(token_hash)
        .bind(person.0)
        .bind(label)
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let t = api_token(&row)?;
        w.commit().await?;
        Ok(t)
    }

    /// The account an API token acts as: the token not revoked, the account not disabled,
    /// and the token not scoped to less (a mail-events token acts as nobody).
    /// Notes the token's use (at most once a minute, to spare the writer).
    pub async fn account_for_api_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Account, StoreError> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.last_used_at, p.id, p.email, p.name, p.slug, p.role, \
             p.disabled, p.created_at AS person_created_at FROM api_tokens t \
             JOIN people p ON p.id = t.person_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND p.disabled = 0 \
             AND p.email IS NOT NULL AND t.scope = ''",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let last: Option<i64> = get(&row, "last_used_at")?;
        if last.is_none_or(|l| micros(now) - l >= 60_000_000) {
            let mut w = self.write().await?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(micros(now))
                .bind(get::<i64>(&row, "token_id")?)
                .execute(&mut *w.tx)
                .await?;
            w.commit().await?;
        }
        account_of(&row)
    }

    /// Revoke one of an account's tokens; `NotFound` unless it is theirs and live.
    pub async fn revoke_api_token(
        &self,
        person: PersonId,
        id: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(micros(now))
        .bind(id)
        .bind(person.0)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        w.commit().await
    }

    /// An account's API tokens, newest first.
    pub async fn api_tokens_of(&self, person: PersonId) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, person_id, label, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE person_id = $1 ORDER BY id DESC",
        )
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(api_token).collect()
    }
}
