//! Bounces, complaints and mailto unsubscribes, recorded: the one path the mail-events webhook
//! (`api/mail_events.rs`) and `dateline mail inbound` both take, so an event means the same
//! whichever way it came. A hard bounce or a complaint suppresses the address for every
//! newsletter at once; soft bounces count until `[newsletters] soft_bounce_limit`; a report
//! that names one of our messages marks that delivery bounced. Never logs an address.

use super::inbound::{self, Inbound, InboundError, MailEvent};
use super::links::{LinkSigner, Signed};
use anyhow::Context;
use dateline_store::{Bounce, BounceOutcome, Store, StoreError};
use jiff::Timestamp;
use serde::Serialize;

/// What a batch of events did: the webhook's answer, the command's report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// Events read.
    pub received: u32,
    /// Addresses suppressed now.
    pub suppressed: u32,
    /// Addresses suppressed already.
    pub already_suppressed: u32,
    /// Soft bounces counted under the limit.
    pub counted: u32,
    /// Events naming neither an address nor a message of ours.
    pub unknown: u32,
    /// Subscriptions ended by a mailto unsubscribe.
    pub unsubscribed: u32,
}

/// Record bounce and complaint events.
pub async fn record(
    store: &Store,
    events: &[MailEvent],
    soft_limit: u32,
    now: Timestamp,
) -> Result<Recorded, StoreError> {
    let mut r = Recorded::default();
    for e in events {
        r.received += 1;
        let delivery = e.message_id.as_deref().and_then(inbound::delivery_of);
        let outcome = store
            .record_bounce(
                &Bounce {
                    email: &e.email,
                    kind: e.kind,
                    source: e.source,
                    detail: &e.detail,
                    delivery,
                },
                soft_limit,
                now,
            )
            .await?;
        match outcome {
            BounceOutcome::Suppressed => r.suppressed += 1,
            BounceOutcome::AlreadySuppressed => r.already_suppressed += 1,
            BounceOutcome::Counted(_) => r.counted += 1,
            BounceOutcome::Unknown => r.unknown += 1,
        }
        tracing::info!(
            kind = %e.kind,
            source = e.source,
            ours = delivery.is_some(),
            outcome = ?outcome,
            "mail event recorded"
        );
    }
    Ok(r)
}

/// Why an inbound message was not taken.
#[derive(Debug, thiserror::Error)]
pub enum InboundFailure {
    /// The message itself is bad: telling the MTA to retry will not help.
    #[error(transparent)]
    Message(#[from] InboundError),
    /// The store failed: worth a retry.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Read one inbound message and act on it: a report's events recorded, a mailto
/// unsubscribe (its signed token checked) carried out. Anything else is ignored.
pub async fn take_inbound(
    store: &Store,
    signer: &LinkSigner,
    raw: &[u8],
    soft_limit: u32,
    now: Timestamp,
) -> Result<Recorded, InboundFailure> {
    match inbound::read(raw)? {
        Inbound::Report(events) => Ok(record(store, &events, soft_limit, now).await?),
        Inbound::Unsubscribe(token) => {
            let mut r = Recorded {
                received: 1,
                ..Recorded::default()
            };
            match signer.verify(&token, now) {
                Some(Signed::Unsubscribe {
                    subscriber,
                    newsletter,
                }) => {
                    match store.unsubscribe(subscriber, newsletter, now).await {
                        Ok(()) => {
                            r.unsubscribed = 1;
                            tracing::info!(newsletter, "unsubscribed by mail");
                        }
                        // The subscriber was deleted meanwhile: nothing left to stop.
                        Err(StoreError::NotFound) => r.unknown = 1,
                        Err(e) => return Err(e.into()),
                    }
                }
                _ => {
                    tracing::info!("a mailto unsubscribe with a token that does not check");
                    r.unknown = 1;
                }
            }
            Ok(r)
        }
        Inbound::Other => Ok(Recorded {
            received: 1,
            unknown: 1,
            ..Recorded::default()
        }),
    }
}

/// The signer of newsletter links, from the key in the store (made now if there is none, as
/// `Newsletters::start` would): for `dateline mail inbound`, which runs without the server.
pub async fn link_signer(store: &Store) -> anyhow::Result<LinkSigner> {
    let fresh = crate::newsroom::credentials::new_token()?;
    let key = store
        .newsletter_key(fresh.expose())
        .await
        .context("loading the newsletter link key")?;
    Ok(LinkSigner::new(key.as_bytes()))
}
