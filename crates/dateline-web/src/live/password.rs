//! Source passwords: Argon2id hashes made by `dateline mount add`, checked on every source
//! connect and metadata call. Checking costs tens of milliseconds of CPU and memory, so it
//! runs on the blocking pool, a few at a time (a flood of wrong passwords queues rather than
//! starving the server).
//!
//! Never logs, returns or keeps a clear-text password.

use super::Live;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// An Argon2id PHC string (`$argon2id$v=19$…`) for `password`, with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches `hash` (a malformed hash matches nothing).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`verify_password`] off the async threads, a few checks at a time.
pub(crate) async fn check(live: &Live, hash: String, password: String) -> bool {
    let Ok(_permit) = live.checks.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}
