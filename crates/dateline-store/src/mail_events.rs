//! What comes back from sent mail (migration `0020_mail_events.sql`, docs/newsletters.md):
//! bounces and complaints, the suppressions they make, the soft-bounce count per address, and
//! the API tokens scoped to posting them.
//!
//! A hard bounce or a complaint suppresses the address at once, for every newsletter; soft
//! bounces are counted and suppress it at the limit the caller passes. Suppressing turns the
//! address's queued deliveries into `bounced` in the same transaction, so no sender can take
//! one afterwards, and a bounce that names its message (the Message-ID the sender made) marks
//! that delivery `bounced`. Releasing a suppression forgets its soft bounces too. Parsing
//! reports and webhooks is the web layer's; this module never sees a raw message and never
//! logs an address.

use crate::rows::{get, micros, time};
use crate::{Store, StoreError};
use dateline_core::PersonId;
use dateline_core::newsletter::BounceKind;
use jiff::Timestamp;

/// The scope of an API token that may only post mail events.
pub const MAIL_EVENTS_SCOPE: &str = "mail-events";

/// An address to suppress and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewSuppression<'a> {
    /// Lower-cased.
    pub email: &'a str,
    /// `hard-bounce`, `complaint`, `soft-bounces` or an operator's words.
    pub reason: &'a str,
    /// `webhook`, `ses`, `dsn` or `newsroom`.
    pub source: &'a str,
    /// The receiving server's words, or empty.
    pub detail: &'a str,
}

/// A suppressed address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub email: String,
    pub reason: String,
    pub source: String,
    pub detail: String,
    pub created_at: Timestamp,
}

/// A bounce or complaint to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounce<'a> {
    /// The address the report names, lower-cased (ignored when `delivery` is found: the
    /// address that message went to is the one that bounced).
    pub email: &'a str,
    pub kind: BounceKind,
    pub source: &'a str,
    pub detail: &'a str,
    /// The (issue, subscriber) the report's Message-ID names, if it names one of ours.
    pub delivery: Option<(i64, i64)>,
}

/// What [`Store::record_bounce`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceOutcome {
    /// The address is suppressed now (it was not before).
    Suppressed,
    /// It was suppressed already.
    AlreadySuppressed,
    /// A soft bounce, counted: this many so far, under the limit.
    Counted(u32),
    /// Neither an address nor a known message: nothing recorded.
    Unknown,
}

fn suppression(r: &sqlx::any::AnyRow) -> Result<Suppression, StoreError> {
    Ok(Suppression {
        email: get(r, "email")?,
        reason: get(r, "reason")?,
        source: get(r, "source")?,
        detail: get(r, "detail")?,
        created_at: time(get(r, "created_at")?)?,
    })
}

/// `text` for a LIKE pattern with `\` as its escape: `%` and `_` match themselves.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The longest detail kept: a server's diagnostic is a line, not a novel.
const MAX_DETAIL: usize = 500;

fn short(detail: &str) -> String {
    detail.chars().take(MAX_DETAIL).collect()
}

#[dateline_store_macros::timed]
impl Store {
    /// Suppress an address (no newsletter mails it again) unless it is already; its queued
    /// deliveries become `bounced`. Whether it was new.
    pub async fn suppress_address(
        &self,
        s: &NewSuppression<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        insert_suppression(&mut w.tx, s, now).await?;
        w.commit().await
    }

    /// Record a bounce or complaint: the named delivery `bounced` (for a bounce), and the
    /// address suppressed for a hard bounce or a complaint, or once `soft_limit` soft bounces
    /// have come (a limit of 0 or 1 suppresses at the first).
    pub async fn record_bounce(
        &self,
        b: &Bounce<'_>,
        soft_limit: u32,
        now: Timestamp,
    ) -> Result<BounceOutcome, StoreError> {
        let mut w = self.write().await?;
        let mut email = b.email.to_owned();
        if let Some((issue, subscriber)) = b.delivery {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT b.email FROM deliveries d JOIN subscribers b ON b.id = d.subscriber_id \
                 WHERE d.issue_id = $1 AND d.subscriber_id = $2",
            )
            .bind(issue)
            .bind(subscriber)
            .fetch_optional(&mut *w.tx)
            .await?;
            if let Some(found) = found {
                email = found;
                if b.kind != BounceKind::Complaint {
                    // The message did not arrive: whatever the sender recorded, it bounced.
                    sqlx::query(
                        "UPDATE deliveries SET state = 'bounced', error = $1 \
                         WHERE issue_id = $2 AND subscriber_id = $3",
                    )
                    .bind(short(b.detail))
                    .bind(issue)
                    .bind(subscriber)
                    .execute(&mut *w.tx)
                    .await?;
                }
            }
        }
        if email.is_empty() {
            return Ok(BounceOutcome::Unknown);
        }
        let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suppressions WHERE email = $1")
            .bind(&email)
            .fetch_one(&mut *w.tx)
            .await?;
        if already > 0 {
            w.commit().await?;
            return Ok(BounceOutcome::AlreadySuppressed);
        }
        let reason = match b.kind {
            BounceKind::Hard | BounceKind::Complaint => b.kind.as_str(),
            BounceKind::Soft => {
                sqlx::query(
                    "INSERT INTO soft_bounces (email, count, last_at) VALUES ($1, 1, $2) \
                     ON CONFLICT (email) DO UPDATE SET count = soft_bounces.count + 1, \
                     last_at = excluded.last_at",
                )
                .bind(&email)
                .bind(micros(now))
                .execute(&mut *w.tx)
                .await?;
                let count: i64 = sqlx::query_scalar(
                    "SELECT CAST(count AS BIGINT) FROM soft_bounces WHERE email = $1",
                )
                .bind(&email)
                .fetch_one(&mut *w.tx)
                .await?;
                let count = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
                if count < soft_limit {
                    w.commit().await?;
                    return Ok(BounceOutcome::Counted(count));
                }
                "soft-bounces"
            }
        };
        insert_suppression(
            &mut w.tx,
            &NewSuppression {
                email: &email,
                reason,
                source: b.source,
                detail: b.detail,
            },
            now,
        )
        .await?;
        w.commit().await?;
        Ok(BounceOutcome::Suppressed)
    }

    /// Suppressed addresses whose address contains `search` (any case; empty: all), newest
    /// first, at most `limit`.
    pub async fn suppressions(
        &self,
        search: &str,
        limit: u32,
    ) -> Result<Vec<Suppression>, StoreError> {
        let rows = sqlx::query(
            "SELECT email, reason, source, detail, created_at FROM suppressions \
             WHERE email LIKE $1 ESCAPE '\\' ORDER BY created_at DESC, email LIMIT $2",
        )
        .bind(like_escaped(&search.trim().to_lowercase()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(suppression).collect()
    }

    pub async fn suppression(&self, email: &str) -> Result<Suppression, StoreError> {
        let row = sqlx::query(
            "SELECT email, reason, source, detail, created_at FROM suppressions WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        suppression(&row)
    }

    /// Mail the address again (its soft bounces forgotten too). Deliveries already marked
    /// bounced stay so: releasing is for the next issue. `NotFound` unless suppressed.
    pub async fn release_suppression(&self, email: &str) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query("DELETE FROM suppressions WHERE email = $1")
            .bind(email)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM soft_bounces WHERE email = $1")
            .bind(email)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    /// Soft bounces counted for an address and not yet suppressing it.
    pub async fn soft_bounces(&self, email: &str) -> Result<u32, StoreError> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT CAST(count AS BIGINT) FROM soft_bounces WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        Ok(u32::try_from(n.unwrap_or(0).max(0)).unwrap_or(u32::MAX))
    }

    /// Store a token (hashed by the caller) that may only post mail events.
    pub async fn create_mail_events_token(
        &self,
        person: PersonId,
        token_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, person_id, label, created_at, scope) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(person.0)
        .bind(label)
        .bind(micros(now))
        .bind(MAIL_EVENTS_SCOPE)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// Whether the hashed token may post mail events as a scoped token: live, scoped to mail
    /// events, its owner not disabled. `NotFound` otherwise (a full token is the
    /// account's: [`Store::account_for_api_token`]).
    pub async fn mail_events_token(&self, token_hash: &str) -> Result<(), StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_tokens t JOIN people p ON p.id = t.person_id \
             WHERE t.token_hash = $1 AND t.scope = $2 AND t.revoked_at IS NULL \
             AND p.disabled = 0",
        )
        .bind(token_hash)
        .bind(MAIL_EVENTS_SCOPE)
        .fetch_one(&self.pool)
        .await?;
        if n > 0 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}

async fn insert_suppression(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    s: &NewSuppression<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO suppressions (email, reason, created_at, source, detail) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(s.email)
    .bind(s.reason)
    .bind(micros(now))
    .bind(s.source)
    .bind(short(s.detail))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE deliveries SET state = 'bounced' WHERE state = 'queued' AND subscriber_id IN \
         (SELECT id FROM subscribers WHERE email = $1)",
    )
    .bind(s.email)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
