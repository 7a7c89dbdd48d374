//! Source passwords: Argon2id hashes made by `dateline mount add`, checked on every source
//! connect and metadata call. Checking costs tens of milliseconds of CPU and memory, so it
//! runs on the blocking pool, a few at a time.
//!
//! [`authenticate`] is the one way in. Failures are counted per mount and client address in
//! the store's failed sign-ins (as the newsroom's sign-in counts them, so every node sees the
//! same ones): past [`SOURCE_THROTTLE`] a try is refused with 429 before any Argon2 work, so a
//! guesser gets a handful of tries instead of hundreds a minute, and a flood of wrong
//! passwords cannot queue the real source behind it for seconds. After one successful Argon2
//! check the mount remembers a keyed SHA-256 of the accepted password ([`Accepted`]): the
//! source reconnecting with it is let in without Argon2, never waiting behind wrong ones.
//!
//! Never logs, returns or keeps a clear-text password; the remembered digest is keyed with a
//! per-process random key and bound to the stored hash, so changing a mount's password
//! forgets it.

use super::Live;
use super::head::Refusal;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use dateline_core::account::minutes_text;
use dateline_core::live::{MountPath, SOURCE_THROTTLE};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

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

/// Passwords accepted by a full Argon2 check, per mount, as digests keyed with a random
/// per-process key over the stored hash and the password. A fast hash is enough here: the
/// digest never leaves memory, and guessing through it is what the throttle prevents.
pub(crate) struct Accepted {
    /// None when the system had no randomness: then nothing is remembered.
    key: Option<[u8; 32]>,
    by_mount: Mutex<HashMap<MountPath, [u8; 32]>>,
}

impl Accepted {
    pub(crate) fn new() -> Self {
        let mut key = [0u8; 32];
        let key = getrandom::fill(&mut key).ok().map(|()| key);
        if key.is_none() {
            tracing::warn!(
                "no randomness for the source password cache; every connect is checked in full"
            );
        }
        Self {
            key,
            by_mount: Mutex::new(HashMap::new()),
        }
    }

    fn digest(&self, hash: &str, password: &str) -> Option<[u8; 32]> {
        let key = self.key.as_ref()?;
        let mut d = Sha256::new();
        d.update(key);
        // Length-prefixed, so no hash/password pair can run into another.
        d.update((hash.len() as u64).to_le_bytes());
        d.update(hash.as_bytes());
        d.update(password.as_bytes());
        Some(d.finalize().into())
    }

    /// Whether `password` is the one last accepted for `mount` while its hash was `hash`.
    fn matches(&self, mount: &MountPath, hash: &str, password: &str) -> bool {
        let Some(presented) = self.digest(hash, password) else {
            return false;
        };
        let map = self.by_mount.lock().unwrap_or_else(|e| e.into_inner());
        map.get(mount).is_some_and(|kept| {
            // Compared in constant time, as tokens are.
            kept.iter()
                .zip(presented.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        })
    }

    fn remember(&self, mount: &MountPath, hash: &str, password: &str) {
        if let Some(d) = self.digest(hash, password) {
            self.by_mount
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(mount.clone(), d);
        }
    }
}

/// Check a source's credentials for `mount` (whose stored hash is `hash`), coming from `ip`:
/// refused unchecked while throttled, accepted at once when the password is the one last
/// accepted, else checked with Argon2 and the failure counted. `what` names the call in logs.
pub(crate) async fn authenticate(
    state: &AppState,
    mount: &MountPath,
    hash: &str,
    ip: Option<IpAddr>,
    (user, password): (String, String),
    what: &str,
) -> Result<(), Refusal> {
    let now = state.clock.now();
    let subject = format!(
        "source:{mount}:{}",
        ip.map_or("unknown".to_owned(), |i| i.to_string())
    );
    let store_failed = |e: dateline_store::StoreError| {
        tracing::error!(%mount, error = %e, "reading or writing source failures failed");
        Refusal::internal()
    };
    let (failures, oldest) = state
        .store
        .login_failures(&subject, SOURCE_THROTTLE.since(now))
        .await
        .map_err(store_failed)?;
    if let Some(wait) = SOURCE_THROTTLE.wait(failures, oldest, now) {
        tracing::warn!(%mount, "{what} refused unchecked: too many wrong passwords");
        return Err(Refusal::throttled(
            &format!(
                "Too many wrong passwords; try again in {}.",
                minutes_text(wait)
            ),
            wait.as_secs().max(1).unsigned_abs(),
        ));
    }
    let live = &state.live;
    let accepted = user == "source"
        && (live.accepted.matches(mount, hash, &password)
            || (check(live, hash.to_owned(), password.clone()).await && {
                live.accepted.remember(mount, hash, &password);
                true
            }));
    if accepted {
        if failures > 0 {
            state
                .store
                .clear_login_failures(&subject)
                .await
                .map_err(store_failed)?;
        }
        return Ok(());
    }
    state
        .store
        .record_login_failure(&[subject.as_str()], now, SOURCE_THROTTLE.since(now))
        .await
        .map_err(store_failed)?;
    tracing::warn!(%mount, "{what} refused: wrong user or password");
    Err(Refusal::unauthorized("Wrong user or password."))
}
