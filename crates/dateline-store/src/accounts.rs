//! Newsroom accounts: people with an email, a role and a password hash. Creating, listing,
//! changing roles and passwords, disabling; and the one lookup that returns a password hash,
//! for the sign-in check.
//!
//! Never hashes or checks a password itself (that is CPU work for the caller's blocking pool)
//! and never returns a hash except from [`Store::account_for_sign_in`].

use crate::rows::{get, micros, parsed, slug, time};
use crate::{Store, StoreError};
use dateline_core::PersonId;
use dateline_core::account::{Account, Email};
use dateline_core::permissions::Role;
use dateline_core::slug::Slug;
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// What a password change or disabling does to the account's API tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTokens {
    /// Revoke every live one, as of this time (the default everywhere).
    RevokeAt(Timestamp),
    /// Keep them: only when an administrator asks for it explicitly.
    Keep,
}

/// An account to create. The person row it makes is also the byline.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub name: String,
    pub role: Role,
    /// An Argon2id PHC string.
    pub password_hash: String,
}

const COLUMNS: &str = "id, email, name, slug, role, disabled, created_at";

fn account(row: &AnyRow) -> Result<Account, StoreError> {
    account_with(row, "created_at")
}

/// An account from a row holding the account columns, its creation time in `created_col`
/// (joined rows name it apart from the other table's own `created_at`).
pub(crate) fn account_with(row: &AnyRow, created_col: &str) -> Result<Account, StoreError> {
    let email: String = get(row, "email")?;
    Ok(Account {
        id: PersonId(get(row, "id")?),
        email: Email::parse(&email)
            .map_err(|e| StoreError::Corrupt(format!("column email: {e}")))?,
        name: get(row, "name")?,
        slug: slug(row, "slug")?,
        role: parsed(row, "role")?,
        disabled: get::<i64>(row, "disabled")? != 0,
        created_at: time(get(row, created_col)?)?,
    })
}

fn email_taken(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        // Email is the one unique value an account adds (the slug is made free below).
        StoreError::Taken(_) => StoreError::Taken("email".to_owned()),
        other => other,
    }
}

#[dateline_store_macros::timed]
impl Store {
    /// Create an account; `Taken("email")` when the address (in any case) has one.
    pub async fn create_account(
        &self,
        new: NewAccount,
        now: Timestamp,
    ) -> Result<Account, StoreError> {
        let mut w = self.write().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE lower(email) = $1")
                .bind(new.email.as_str())
                .fetch_optional(&mut *w.tx)
                .await?;
        if exists.is_some() {
            return Err(StoreError::Taken("email".to_owned()));
        }
        // The byline slug: from the name, with a number added when someone has it already.
        let base = Slug::from_text(&new.name)
            .or_else(|_| Slug::from_text(new.email.as_str().split('@').next().unwrap_or("")))
            .or_else(|_| Slug::parse("person"))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut candidate = base.clone();
        for n in 2.. {
            let used: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE slug = $1")
                .bind(candidate.as_str())
                .fetch_optional(&mut *w.tx)
                .await?;
            if used.is_none() {
                break;
            }
            // The base is cut to leave room for the number: a name whose slug is already the
            // longest allowed still gets a free one.
            candidate = base.with_suffix(n);
        }
        let row = sqlx::query(&format!(
            "INSERT INTO people (slug, name, email, password_hash, role, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING {COLUMNS}"
        ))
        .bind(candidate.as_str())
        .bind(new.name.trim())
        .bind(new.email.as_str())
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(email_taken)?;
        let a = account(&row)?;
        w.commit().await?;
        // A new person has no public page until a story of theirs is published, so readers'
        // pages do not change: no announcement.
        Ok(a)
    }

    /// Every account (people with an email), by name.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM people WHERE email IS NOT NULL ORDER BY name, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account).collect()
    }

    pub async fn account(&self, id: PersonId) -> Result<Account, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM people WHERE id = $1 AND email IS NOT NULL"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        account(&row)
    }

    pub async fn account_by_email(&self, email: &Email) -> Result<Account, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM people WHERE lower(email) = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        account(&row)
    }

    /// The account and its password hash, for checking a sign-in or a password change. An
    /// account without a hash cannot sign in (the caller treats `None` as a wrong password).
    pub async fn account_for_sign_in(
        &self,
        email: &Email,
    ) -> Result<(Account, Option<String>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, password_hash FROM people WHERE lower(email) = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((account(&row)?, get(&row, "password_hash")?))
    }

    /// Accounts with the admin role that are not disabled.
    pub async fn active_admins(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM people WHERE email IS NOT NULL AND role = 'admin' \
             AND disabled = 0",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub async fn set_role(&self, id: PersonId, role: Role) -> Result<Account, StoreError> {
        self.update_account(
            "UPDATE people SET role = $1 WHERE id = $2 AND email IS NOT NULL",
            Some(role.as_str().to_owned()),
            id,
            None,
        )
        .await
    }

    /// Replace the password hash and end every session of the account (whoever held one must
    /// sign in again with the new password), and revoke its API tokens unless `tokens` keeps
    /// them: a token is as good as the password, so whoever took one must not outlive a reset.
    /// The caller signs the changer back in if wanted.
    pub async fn set_password_hash(
        &self,
        id: PersonId,
        password_hash: String,
        tokens: ApiTokens,
    ) -> Result<Account, StoreError> {
        self.update_account(
            "UPDATE people SET password_hash = $1 WHERE id = $2 AND email IS NOT NULL",
            Some(password_hash),
            id,
            Some(tokens),
        )
        .await
    }

    /// Disable (ending its sessions at once and revoking its API tokens unless `tokens` keeps
    /// them) or enable an account. Enabling brings back no revoked token.
    pub async fn set_disabled(
        &self,
        id: PersonId,
        disabled: bool,
        tokens: ApiTokens,
    ) -> Result<Account, StoreError> {
        let sql = if disabled {
            "UPDATE people SET disabled = 1 WHERE id = $1 AND email IS NOT NULL"
        } else {
            "UPDATE people SET disabled = 0 WHERE id = $1 AND email IS NOT NULL"
        };
        self.update_account(sql, None, id, disabled.then_some(tokens))
            .await
    }

    /// One account update (`$1` is `value` when given, the id is the last parameter), plus
    /// ending the account's sessions (and, as `end` says, its API tokens) when `end` is given,
    /// in one transaction.
    async fn update_account(
        &self,
        sql: &str,
        value: Option<String>,
        id: PersonId,
        end: Option<ApiTokens>,
    ) -> Result<Account, StoreError> {
        let mut w = self.write().await?;
        let mut q = sqlx::query(sql);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let changed = q.bind(id.0).execute(&mut *w.tx).await?.rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        if let Some(tokens) = end {
            sqlx::query("DELETE FROM sessions WHERE person_id = $1")
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            if let ApiTokens::RevokeAt(now) = tokens {
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 \
                     AND revoked_at IS NULL",
                )
                .bind(micros(now))
                .bind(id.0)
                .execute(&mut *w.tx)
                .await?;
            }
        }
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM people WHERE id = $1"))
            .bind(id.0)
            .fetch_one(&mut *w.tx)
            .await?;
        let a = account(&row)?;
        w.commit().await?;
        Ok(a)
    }
}
