//! Credentials: Argon2id password hashes (the same hashing the live relay uses for source
//! passwords), random tokens for sessions, forms and the API, and the SHA-256 digests under
//! which tokens are stored. Shared by the newsroom's handlers and `dateline user …`.
//!
//! Never logs, stores or returns a clear-text password or token except to the one caller that
//! asked for a new one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dateline_core::secret::Secret;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// An Argon2id PHC string for `password`, with a random salt. CPU-heavy: call it on the
/// blocking pool (or from a command-line tool).
pub fn hash_password(password: &Secret<String>) -> anyhow::Result<String> {
    crate::live::hash_password(password.expose())
}

/// Whether `password` matches the stored hash; `None` (an account without a password, or an
/// unknown email) runs a check against a fixed hash anyway, so an answer takes as long
/// whether or not the account exists, and then matches nothing.
pub fn verify_password(hash: Option<&str>, password: &Secret<String>) -> bool {
    match hash {
        Some(h) => crate::live::verify_password(h, password.expose()),
        None => {
            if let Some(dummy) = dummy_hash() {
                let _ = crate::live::verify_password(dummy, password.expose());
            }
            false
        }
    }
}

fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| crate::live::hash_password("not the password of anyone").ok())
        .as_deref()
}

/// Argon2 checks and hashes running at once, for staff and readers alike: a flood of sign-ins
/// or registrations queues instead of starving the server.
static CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// [`verify_password`] on the blocking pool, at most [`CHECKS`] at once.
pub async fn check_password(hash: Option<String>, password: Secret<String>) -> bool {
    // The semaphore is a static and never closed, so acquiring cannot fail.
    let _permit = CHECKS.acquire().await.ok();
    tokio::task::spawn_blocking(move || verify_password(hash.as_deref(), &password))
        .await
        .unwrap_or(false)
}

/// [`hash_password`] on the blocking pool, at most [`CHECKS`] at once.
pub async fn hash_password_off_thread(password: Secret<String>) -> anyhow::Result<String> {
    let _permit = CHECKS.acquire().await.ok();
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

/// A new random token: 256 bits from the operating system, URL-safe base64 (43 characters).
pub fn new_token() -> anyhow::Result<Secret<String>> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
}

/// A new random password for someone to change later: 20 characters of URL-safe base64
/// (120 bits).
pub fn new_password() -> anyhow::Result<Secret<String>> {
    let mut bytes = [0u8; 15];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
}

/// How a token is stored and looked up: its SHA-256, in hex. Tokens are 256 random bits, so a
/// fast hash is enough (nothing to guess), and a database copy yields no usable token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compare two tokens in time that depends only on their lengths.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().expect("randomness");
        let b = new_token().expect("randomness");
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert_eq!(token_hash(a.expose()).len(), 64);
        assert_ne!(token_hash(a.expose()), token_hash(b.expose()));
        assert!(same_token(a.expose(), &a.expose().clone()));
        assert!(!same_token(a.expose(), b.expose()));
        assert!(!same_token("abc", "ab"));
    }
}
