//! The `[mail]` table (DKIM signing of every message the site sends) and the `[newsletters]`
//! table (sending rate limits, batch size, messages in flight, soft bounces before suppression). A part of `config`; the DKIM key is read from
//! its file here, before the port opens, and a key that does not load stops the start with a
//! sentence naming the file, never the key.

use anyhow::{Context, bail};
use dateline_web::mail::{Dkim, SmtpSettings};
use dateline_web::newsletters::NewsletterOptions;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// `[mail]`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct MailFile {
    /// The DKIM selector: the key is published at `SELECTOR._domainkey.DOMAIN`.
    pub dkim_selector: Option<String>,
    /// The private key's file: RSA (PKCS#1 PEM) or Ed25519 (PKCS#8 PEM).
    pub dkim_key: Option<PathBuf>,
}

/// `[newsletters]`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct NewslettersFile {
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
    pub batch: Option<u32>,
    pub concurrency: Option<u32>,
    pub soft_bounce_limit: Option<u32>,
}

/// Add the DKIM signer to `smtp` (the domain is the From address's).
pub fn resolve_mail(
    smtp: Option<SmtpSettings>,
    file: Option<MailFile>,
) -> anyhow::Result<Option<SmtpSettings>> {
    let file = file.unwrap_or_default();
    match (file.dkim_selector, file.dkim_key) {
        (None, None) => Ok(smtp),
        (Some(_), None) | (None, Some(_)) => {
            bail!("mail: dkim_selector and dkim_key go together")
        }
        (Some(selector), Some(key_path)) => {
            let Some(mut smtp) = smtp else {
                bail!("mail: DKIM needs the SMTP settings ([smtp] host and from)");
            };
            let selector = selector.trim().to_owned();
            if selector.is_empty()
                || !selector
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                bail!(
                    "mail: dkim_selector must be letters, digits, hyphens and dots, not {selector:?}"
                );
            }
            let domain = dateline_web::mail::from_domain(&smtp.from)?;
            let key = std::fs::read_to_string(&key_path)
                .with_context(|| format!("mail: reading the DKIM key {}", key_path.display()))?;
            let dkim = Dkim::new(&selector, &domain, &key)
                .with_context(|| format!("mail: the DKIM key {}", key_path.display()))?;
            smtp.dkim = Some(Arc::new(dkim));
            Ok(Some(smtp))
        }
    }
}

/// The most messages in flight (`[newsletters] concurrency`).
pub const MAX_CONCURRENCY: u32 = 50;

pub fn resolve_newsletters(file: Option<NewslettersFile>) -> anyhow::Result<NewsletterOptions> {
    let file = file.unwrap_or_default();
    let defaults = NewsletterOptions::default();
    for (name, v) in [
        ("per_minute", file.per_minute),
        ("per_hour", file.per_hour),
        ("batch", file.batch),
        ("concurrency", file.concurrency),
        ("soft_bounce_limit", file.soft_bounce_limit),
    ] {
        if v == Some(0) {
            bail!(
                "newsletters: {name} must be at least 1 (leave it out for the default: no limit \
                 for per_minute and per_hour)"
            );
        }
    }
    // Each message in flight holds a connection to the SMTP server; relays cap a client's
    // connections (Postfix at 50 by default), and more than that buys nothing.
    if let Some(n) = file.concurrency
        && n > MAX_CONCURRENCY
    {
        bail!("newsletters: concurrency must be at most {MAX_CONCURRENCY}, not {n}");
    }
    Ok(NewsletterOptions {
        per_minute: file.per_minute,
        per_hour: file.per_hour,
        batch: file.batch.unwrap_or(defaults.batch),
        concurrency: file.concurrency.unwrap_or(defaults.concurrency),
        soft_bounce_limit: file.soft_bounce_limit.unwrap_or(defaults.soft_bounce_limit),
    })
}
