//! `dateline mail inbound < message.eml`: one message that came back to the site's From
//! address, read from standard input and acted on (docs/newsletters.md, "Returned mail"): a
//! delivery report (RFC 3464) or complaint report (RFC 5965) suppresses or counts the address
//! it names, a mailto unsubscribe ends that subscription. Made for an MTA's pipe transport
//! (Postfix `pipe`, Exim `pipe`), so it answers with the exit codes those read
//! (sysexits.h): 0 taken (or nothing to do), 65 (`EX_DATAERR`) for a message that cannot be
//! read, 75 (`EX_TEMPFAIL`) when the database failed, so the MTA keeps the message and tries
//! again. Never prints an address or a token.

use crate::config::{self, StoreArgs};
use anyhow::Context;
use clap::{Args, Subcommand};
use dateline_web::Clock;
use dateline_web::newsletters::events::{self, InboundFailure, Recorded};
use std::io::Read;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Take one returned message from standard input: a delivery report, a complaint report
    /// or a mailto unsubscribe (exit 0 taken, 65 unreadable, 75 try again later).
    Inbound(InboundArgs),
}

#[derive(Debug, Args)]
pub struct InboundArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Largest message read: a report with the returned message attached fits many times over.
const MAX_MESSAGE: u64 = 10 * 1024 * 1024;

/// An exit code of its own for the command's failure (main prints the sentence).
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// sysexits.h: the input data was incorrect.
pub const EX_DATAERR: u8 = 65;
/// sysexits.h: a temporary failure; the MTA retries.
pub const EX_TEMPFAIL: u8 = 75;

pub async fn run(command: MailCommand) -> anyhow::Result<()> {
    match command {
        MailCommand::Inbound(args) => inbound(args).await,
    }
}

fn tempfail(e: anyhow::Error) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code: EX_TEMPFAIL,
        message: format!("{e:#}; the message was not taken, try again later"),
    })
}

async fn inbound(args: InboundArgs) -> anyhow::Result<()> {
    let mut raw = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_MESSAGE + 1)
        .read_to_end(&mut raw)
        .context("reading the message from standard input")
        .map_err(tempfail)?;
    if raw.len() as u64 > MAX_MESSAGE {
        return Err(Exit {
            code: EX_DATAERR,
            message: format!(
                "the message on standard input is larger than {} MB",
                MAX_MESSAGE / 1024 / 1024
            ),
        }
        .into());
    }
    let r = take(&args, &raw).await?;
    eprintln!(
        "dateline: mail inbound: {} event(s): {} address(es) suppressed, {} already \
         suppressed, {} soft bounce(s) counted, {} unsubscribed, {} with nothing to do",
        r.received, r.suppressed, r.already_suppressed, r.counted, r.unsubscribed, r.unknown
    );
    Ok(())
}

/// Act on one raw message (what `inbound` read from standard input). The error is an
/// [`Exit`] with the code the MTA reads.
pub async fn take(args: &InboundArgs, raw: &[u8]) -> anyhow::Result<Recorded> {
    let options = config::newsletter_options(&args.store).map_err(tempfail)?;
    let store = crate::mounts::open(&args.store).await.map_err(tempfail)?;
    let out = match events::link_signer(&store).await {
        Ok(signer) => {
            events::take_inbound(
                &store,
                &signer,
                raw,
                options.soft_bounce_limit,
                Clock::System.now(),
            )
            .await
        }
        Err(e) => {
            store.close().await;
            return Err(tempfail(e));
        }
    };
    store.close().await;
    match out {
        Ok(r) => Ok(r),
        Err(InboundFailure::Message(e)) => Err(Exit {
            code: EX_DATAERR,
            message: format!("the message on standard input: {e}"),
        }
        .into()),
        Err(InboundFailure::Store(e)) => Err(tempfail(
            anyhow::Error::new(e).context("recording the message"),
        )),
    }
}
