//! Newsletters (docs/newsletters.md): the sending side. [`Newsletters`] is started with the
//! SMTP settings (no SMTP, no newsletters) and adds three job kinds to the runner:
//! `newsletter.confirm` (the double opt-in mail, whose signed link is made when it is sent),
//! `newsletter.digest` (a digest's issue at each slot of its schedule: `digest.rs`)
//! and `newsletter.send` (one per issue: its delivery rows sent in batches, each batch's
//! messages over up to `[newsletters] concurrency` SMTP connections at once: `bulk.rs`).
//! Pages live in `pages.rs` (readers) and `newsroom/newsletters.rs` (editors).
//!
//! Exactly once: a batch's delivery rows go `queued → sending` in one conditional UPDATE (one
//! commit) before any of its messages is handed over, and the server's answers are recorded
//! in one transaction after the last (`sent`; `failed` on a 5xx; `queued` again on a 4xx or
//! when never handed over; `uncertain` when handed over without an answer). A run that takes
//! the issue over after a crash or a lease expiry never sends a row already taken, and marks
//! the rows a dead run left `sending` as `uncertain` instead of sending them again. The one
//! window is between the server's 250 and the batch's commit: at most one batch
//! (`[newsletters] batch`) per dying process, reported as `uncertain`, never duplicated.
//!
//! Links in the mail are signed with HMAC-SHA256 under a key kept in the store
//! (`newsletter_keys`, made on first start) so every node checks every other's links: a
//! confirmation link (subscriber, newsletters, expiry), a preference link (subscriber) and a
//! one-click unsubscribe link (subscriber, newsletter). Never logs an address or a token.

mod bulk;
pub mod digest;
pub mod events;
pub mod inbound;
pub mod links;
pub mod message;
pub mod pages;

use crate::clock::Clock;
use crate::jobs::{Handlers, JobQueue, Kind};
use crate::mail::{SmtpSettings, transport};
use anyhow::Context;
use dateline_core::newsletter::confirm_mail;
use dateline_store::{DeliveryOutcome, Issue, Job, NewJob, Newsletter, Store, StoreError};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use links::{LinkSigner, Signed};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Per-node newsletter settings (`[newsletters]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsletterOptions {
    /// Most messages sent per minute across the site; None: no limit.
    pub per_minute: Option<u32>,
    /// Most messages sent per hour across the site; None: no limit.
    pub per_hour: Option<u32>,
    /// Messages taken from the store at a time: each batch's rows are taken in one commit and
    /// its answers recorded in one, so a crash leaves at most this many `uncertain`.
    pub batch: u32,
    /// Messages in flight at once, each over its own SMTP connection.
    pub concurrency: u32,
    /// Soft bounces (a full mailbox, a server away) after which an address is suppressed.
    pub soft_bounce_limit: u32,
}

impl Default for NewsletterOptions {
    fn default() -> Self {
        Self {
            per_minute: None,
            per_hour: None,
            batch: 100,
            concurrency: 10,
            soft_bounce_limit: 3,
        }
    }
}

/// The confirmation mail: retried like reader mail.
pub const CONFIRM: Kind = Kind {
    name: "newsletter.confirm",
    max_attempts: 6,
    backoff: crate::mail::MAIL.backoff,
};

/// One issue's send: retried for a long while, since its rows keep every message's state.
pub const SEND: Kind = Kind {
    name: "newsletter.send",
    max_attempts: 20,
    backoff: &[
        Duration::from_secs(5),
        Duration::from_secs(15),
        Duration::from_secs(60),
        Duration::from_secs(300),
    ],
};

#[derive(Debug, Serialize, Deserialize)]
struct ConfirmPayload {
    subscriber_id: i64,
    newsletters: Vec<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SendPayload {
    issue_id: i64,
}

/// The handle: cheap to clone.
#[derive(Clone)]
pub struct Newsletters {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Newsletters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Newsletters").finish_non_exhaustive()
    }
}

struct Inner {
    queue: JobQueue,
    store: Store,
    clock: Clock,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// For the send runs' own connections (`bulk.rs`).
    smtp: SmtpSettings,
    from: Mailbox,
    dkim: Option<Arc<crate::mail::Dkim>>,
    signer: LinkSigner,
    options: NewsletterOptions,
    /// Newsletter messages (confirmations included) the SMTP server took: tests wait on it.
    sent: watch::Sender<u64>,
}

impl Newsletters {
    /// Load (or make) the link key and add the two job kinds to `handlers`.
    pub async fn start(
        smtp: &SmtpSettings,
        options: NewsletterOptions,
        queue: JobQueue,
        handlers: &mut Handlers,
    ) -> anyhow::Result<Self> {
        let (transport, from) = transport(smtp)?;
        let store = queue.store().clone();
        let fresh = crate::newsroom::credentials::new_token()?;
        let key = store
            .newsletter_key(fresh.expose())
            .await
            .context("loading the newsletter link key")?;
        let inner = Arc::new(Inner {
            clock: queue.clock().clone(),
            store,
            queue,
            transport,
            smtp: smtp.clone(),
            from,
            dkim: smtp.dkim.clone(),
            signer: LinkSigner::new(key.as_bytes()),
            options,
            sent: watch::Sender::new(0),
        });
        let confirm = inner.clone();
        handlers.add(CONFIRM, move |job| {
            let inner = confirm.clone();
            async move { inner.send_confirmation(&job).await }
        });
        let send = inner.clone();
        handlers.add(SEND, move |job| {
            let inner = send.clone();
            async move { inner.send_issue(&job).await }
        });
        let digest = inner.clone();
        handlers.add(digest::DIGEST, move |job| {
            let inner = digest.clone();
            async move { inner.run_digest(&job).await }
        });
        let this = Self { inner };
        this.schedule_digests()
            .await
            .context("queueing the digests' jobs")?;
        Ok(this)
    }

    pub fn signer(&self) -> &LinkSigner {
        &self.inner.signer
    }

    /// Queue the confirmation mail for these pending subscriptions.
    pub async fn queue_confirmation(
        &self,
        subscriber_id: i64,
        newsletters: Vec<i64>,
    ) -> Result<(), StoreError> {
        self.inner
            .queue
            .enqueue(
                &CONFIRM,
                &ConfirmPayload {
                    subscriber_id,
                    newsletters,
                },
                None,
                None,
            )
            .await?;
        Ok(())
    }

    /// Send a draft issue to every active subscriber: its deliveries and its send job, at
    /// once. The number of messages queued. `NotFound` unless it is a draft.
    pub async fn send_issue(&self, issue_id: i64) -> Result<u64, StoreError> {
        let now = self.inner.clock.now();
        let job = send_job(issue_id, now)?;
        let n = self.inner.store.queue_issue(issue_id, &job, now).await?;
        self.inner.queue.wake();
        Ok(n)
    }

    /// Send an issue to one address now (the editor's test send), marked as a test in its
    /// subject; not recorded as a delivery.
    pub async fn test_send(
        &self,
        issue: &Issue,
        newsletter: &Newsletter,
        to: &str,
    ) -> anyhow::Result<()> {
        let site = self.inner.store.site_settings().await?;
        let to: Mailbox = to.parse().context("the test address")?;
        let mut issue = issue.clone();
        issue.subject = format!("[Test] {}", issue.subject);
        let m = message::build(&message::Parts {
            site: &site,
            newsletter,
            issue: &issue,
            from: &self.inner.from,
            to,
            subscriber_id: 0,
            signer: &self.inner.signer,
            now: self.inner.clock.now(),
        })?;
        let m = self.inner.signed(m);
        self.inner
            .transport
            .send(m)
            .await
            .context("the SMTP server did not take the test message")?;
        self.inner.sent.send_modify(|n| *n += 1);
        Ok(())
    }

    /// Newsletter messages the SMTP server took since start.
    pub fn sent(&self) -> u64 {
        *self.inner.sent.borrow()
    }

    /// Wait until at least `n` were taken, for at most `within`; whether they were.
    pub async fn delivered(&self, n: u64, within: Duration) -> bool {
        let mut rx = self.inner.sent.subscribe();
        tokio::time::timeout(within, rx.wait_for(|s| *s >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Check a signed link.
    pub fn verify(&self, token: &str) -> Option<Signed> {
        self.inner.signer.verify(token, self.inner.clock.now())
    }
}

fn send_job(issue_id: i64, run_at: jiff::Timestamp) -> Result<NewJob, StoreError> {
    Ok(NewJob {
        kind: SEND.name.to_owned(),
        payload: serde_json::to_string(&SendPayload { issue_id })
            .map_err(|e| StoreError::Invalid(format!("a send job's payload: {e}")))?,
        dedupe_key: Some(format!("issue:{issue_id}")),
        run_at,
        max_attempts: SEND.max_attempts,
    })
}

impl Inner {
    fn signed(&self, mut m: lettre::Message) -> lettre::Message {
        if let Some(d) = &self.dkim {
            d.sign(&mut m);
        }
        m
    }

    async fn send_confirmation(&self, job: &Job) -> anyhow::Result<()> {
        let p: ConfirmPayload =
            serde_json::from_str(&job.payload).context("reading the job's payload")?;
        let sub = match self.store.subscriber(p.subscriber_id).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if self.store.is_suppressed(&sub.email).await? {
            tracing::info!(
                job_id = job.id,
                "a suppressed address: no confirmation sent"
            );
            return Ok(());
        }
        let to: Mailbox = match sub.email.parse() {
            Ok(m) => m,
            Err(_) => {
                tracing::error!(
                    job_id = job.id,
                    "an address SMTP does not take; nothing sent"
                );
                return Ok(());
            }
        };
        let site = self.store.site_settings().await?;
        let mut names = Vec::new();
        for id in &p.newsletters {
            match self.store.newsletter(*id).await {
                Ok(n) => names.push(n.name),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let now = self.clock.now();
        let token = self
            .signer
            .confirm(sub.id, &p.newsletters, now + links::CONFIRM_LIFETIME);
        let link = format!(
            "{}/newsletters/confirm?token={token}",
            site.base_url.trim_end_matches('/')
        );
        let text = confirm_mail(&site.name, &names, &link);
        let m = crate::mail::plain_message(&self.from, &to, &text)?;
        let m = self.signed(m);
        self.transport
            .send(m)
            .await
            .context("the SMTP server did not take the confirmation")?;
        self.sent.send_modify(|n| *n += 1);
        tracing::info!(job_id = job.id, "newsletter confirmation sent");
        Ok(())
    }

    /// Room left under the rate limits now; None: no limit.
    async fn room(&self) -> Result<Option<u64>, StoreError> {
        let now = self.clock.now();
        let mut room: Option<u64> = None;
        let limits = [
            (self.options.per_minute, jiff::SignedDuration::from_secs(60)),
            (self.options.per_hour, jiff::SignedDuration::from_secs(3600)),
        ];
        for (limit, window) in limits {
            if let Some(limit) = limit {
                let used = self.store.deliveries_since(now - window).await?;
                let left = u64::from(limit).saturating_sub(used);
                room = Some(room.map_or(left, |r| r.min(left)));
            }
        }
        Ok(room)
    }

    async fn send_issue(self: &Arc<Self>, job: &Job) -> anyhow::Result<()> {
        let p: SendPayload =
            serde_json::from_str(&job.payload).context("reading the job's payload")?;
        let issue = match self.store.issue(p.issue_id).await {
            Ok(i) => i,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let newsletter = Arc::new(self.store.newsletter(issue.newsletter_id).await?);
        // This run holds the issue's job: a row still `sending` was left by a run that died
        // between taking it and recording the server's answer.
        let left = self.store.settle_interrupted(issue.id).await?;
        if left > 0 {
            tracing::warn!(
                issue_id = issue.id,
                messages = left,
                "an interrupted send left messages whose fate is unknown: not sent again"
            );
        }
        let site = Arc::new(self.store.site_settings().await?);
        let base = site.base_url.trim_end_matches('/').to_owned();
        let conns = bulk::Connections::new(&self.smtp)?;
        let shared = Arc::new(issue.clone());
        let mut stories = digest::Stories::default();
        let result = loop {
            let room = self.room().await?;
            if room == Some(0) {
                // Come back when the window has moved on; the job's dedupe key makes this the
                // same job, due then.
                let later = self.clock.now() + jiff::SignedDuration::from_secs(10);
                self.queue
                    .enqueue(
                        &SEND,
                        &SendPayload { issue_id: issue.id },
                        Some(format!("issue:{}", issue.id)),
                        Some(later),
                    )
                    .await?;
                tracing::info!(
                    issue_id = issue.id,
                    "rate limit reached: sending resumes later"
                );
                conns.close().await;
                return Ok(());
            }
            let take = room.map_or(self.options.batch, |r| {
                u32::try_from(r).unwrap_or(u32::MAX).min(self.options.batch)
            });
            let batch = self.store.next_deliveries(issue.id, take).await?;
            if batch.is_empty() {
                break Ok(());
            }
            // A server that is away fails here, before any row is taken, so nothing becomes
            // uncertain for want of a connection.
            conns
                .ready()
                .await
                .context("connecting to the SMTP server")?;
            stories
                .load(
                    &self.store,
                    batch.iter().flat_map(|t| t.stories.iter().copied()),
                )
                .await?;
            let mut copies = Vec::with_capacity(batch.len());
            for target in batch {
                let copy = if target.stories.is_empty() {
                    shared.clone()
                } else {
                    // A digest: this subscriber's own copy.
                    Arc::new(stories.copy_of(&issue, &base, &target.stories))
                };
                copies.push((target, copy));
            }
            let done = self.send_batch(&site, &newsletter, copies, &conns).await?;
            if done.deferred > 0 {
                break Err(anyhow::anyhow!(
                    "the SMTP server deferred {} newsletter message(s): {}",
                    done.deferred,
                    done.first_error
                ));
            }
            if done.broken {
                break Err(anyhow::anyhow!(
                    "sending newsletters failed: {}",
                    done.first_error
                ));
            }
        };
        conns.close().await;
        result?;
        if self
            .store
            .finish_issue_if_done(issue.id, self.clock.now())
            .await?
        {
            tracing::info!(issue_id = issue.id, "issue sent");
        }
        Ok(())
    }

    /// One batch: its rows taken `sending` in one commit, its messages built, signed (on the
    /// blocking pool, so both cores sign) and sent over up to `concurrency` connections at
    /// once, and every answer recorded in one commit. A process that dies between the two
    /// commits leaves the batch's rows `sending`, which the next run makes `uncertain`: a
    /// crash costs at most one batch, never a duplicate. After the first message without an
    /// answer (the server went away) no further message of the batch is handed over; those
    /// are queued again, as they certainly did not go.
    async fn send_batch(
        self: &Arc<Self>,
        site: &Arc<dateline_core::site::SiteSettings>,
        newsletter: &Arc<Newsletter>,
        batch: Vec<(dateline_store::DeliveryTarget, Arc<Issue>)>,
        conns: &bulk::Connections,
    ) -> anyhow::Result<BatchDone> {
        use futures::StreamExt;
        let mut bounced = Vec::new();
        let mut wanted = Vec::new();
        for (target, copy) in batch {
            if target.suppressed {
                // Suppressed after the issue was queued (a bounce, a complaint): never sent,
                // and counted as bounced in the issue's progress.
                bounced.push(target.id);
            } else {
                wanted.push((target, copy));
            }
        }
        let ids: Vec<i64> = wanted.iter().map(|(t, _)| t.id).collect();
        // Taken now or never: a row another run took is sent by that run.
        let taken: std::collections::HashSet<i64> = self
            .store
            .take_deliveries(&ids)
            .await?
            .into_iter()
            .collect();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sends = wanted
            .into_iter()
            .filter(|(t, _)| taken.contains(&t.id))
            .map(|(target, copy)| {
                let stop = stop.clone();
                async move {
                    let outcome = self
                        .send_one(site, newsletter, &copy, &target, conns, &stop)
                        .await;
                    (target.id, outcome)
                }
            });
        let answers: Vec<(i64, Sent)> = futures::stream::iter(sends)
            .buffer_unordered(self.options.concurrency.max(1) as usize)
            .collect()
            .await;
        let mut done = BatchDone::default();
        let mut outcomes = Vec::with_capacity(answers.len());
        for (id, sent) in answers {
            let outcome = match sent {
                Sent::Answered(bulk::Answer::Sent) => {
                    done.sent += 1;
                    DeliveryOutcome::Sent
                }
                Sent::Answered(bulk::Answer::Refused(e)) => DeliveryOutcome::Failed(e),
                Sent::Unsendable(e) => DeliveryOutcome::Failed(e),
                Sent::Answered(bulk::Answer::Deferred(e)) => {
                    done.deferred += 1;
                    done.note(e);
                    DeliveryOutcome::Requeued
                }
                Sent::Answered(bulk::Answer::NotSent(e)) => {
                    done.broken = true;
                    done.note(e);
                    DeliveryOutcome::Requeued
                }
                Sent::Stopped => DeliveryOutcome::Requeued,
                Sent::Answered(bulk::Answer::NoAnswer(e)) => {
                    // The server may have taken it: never sent again, so never twice; the
                    // issue's progress counts it.
                    done.broken = true;
                    done.note(e);
                    DeliveryOutcome::Uncertain
                }
            };
            outcomes.push((id, outcome));
        }
        self.store
            .record_deliveries(&outcomes, &bounced, self.clock.now())
            .await?;
        self.sent.send_modify(|n| *n += done.sent);
        Ok(done)
    }

    /// Build, sign and send one taken row's message.
    async fn send_one(
        self: &Arc<Self>,
        site: &Arc<dateline_core::site::SiteSettings>,
        newsletter: &Arc<Newsletter>,
        issue: &Arc<Issue>,
        target: &dateline_store::DeliveryTarget,
        conns: &bulk::Connections,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Sent {
        use std::sync::atomic::Ordering;
        if stop.load(Ordering::Acquire) {
            return Sent::Stopped;
        }
        let Ok(to) = target.email.parse::<Mailbox>() else {
            return Sent::Unsendable("not an address SMTP takes".to_owned());
        };
        let (me, site, newsletter, issue) = (
            self.clone(),
            site.clone(),
            newsletter.clone(),
            issue.clone(),
        );
        let subscriber_id = target.subscriber_id;
        let now = self.clock.now();
        // RSA signing costs a millisecond or two: off the async threads, across the cores.
        let built = tokio::task::spawn_blocking(move || {
            let m = message::build(&message::Parts {
                site: &site,
                newsletter: &newsletter,
                issue: &issue,
                from: &me.from,
                to,
                subscriber_id,
                signer: &me.signer,
                now,
            })?;
            let m = me.signed(m);
            anyhow::Ok((m.envelope().clone(), m.formatted()))
        })
        .await;
        let (envelope, data) = match built {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => return Sent::Unsendable(format!("building the message: {e:#}")),
            Err(e) => return Sent::Unsendable(format!("building the message: {e}")),
        };
        // Checked again: another message may have lost the server while this one was built.
        if stop.load(Ordering::Acquire) {
            return Sent::Stopped;
        }
        let answer = conns.send(&envelope, &data).await;
        if matches!(answer, bulk::Answer::NoAnswer(_) | bulk::Answer::NotSent(_)) {
            stop.store(true, Ordering::Release);
        }
        Sent::Answered(answer)
    }
}

/// What one taken row's send came to, before it is recorded.
enum Sent {
    Answered(bulk::Answer),
    /// It can never be sent (an address SMTP does not take, a message that cannot be built).
    Unsendable(String),
    /// Not handed over: the batch stopped after the server went away.
    Stopped,
}

/// A batch's tally.
#[derive(Default)]
struct BatchDone {
    sent: u64,
    deferred: u64,
    /// A message went without an answer, or no connection could be made.
    broken: bool,
    first_error: String,
}

impl BatchDone {
    fn note(&mut self, e: String) {
        if self.first_error.is_empty() {
            self.first_error = e;
        }
    }
}
