//! Newsletters (migration `0017_newsletters.sql`, docs/newsletters.md): the lists, their
//! subscribers with the proof of consent, subscriptions (double opt-in, per newsletter),
//! issues, one delivery row per (issue, subscriber), and suppressed addresses.
//!
//! Sending exactly once rests on the delivery rows: an issue is queued by inserting one
//! `queued` row per active, unsuppressed subscriber (unique per issue and subscriber, in the
//! same transaction as the send job), and the sender moves a batch's rows `queued → sending`
//! before any of their SMTP transactions ([`Store::take_deliveries`], one commit) and records
//! the answers after the last ([`Store::record_deliveries`], one commit), all as conditional
//! UPDATEs, so two senders can never both take a row. A row a dead process left `sending` is
//! made `uncertain` by the next run and never sent again. This module never sends, renders or
//! signs anything, and never logs an address.
//!
//! Only newsletter definitions are announced (`Change::Content`: pages show their subscribe
//! forms); subscribers, issues and deliveries are never announced, so a send never empties
//! the page cache.

use crate::jobs::{NewJob, insert_job};
use crate::rows::{get, micros, opt_time, parsed, time};
use crate::{Change, Store, StoreError};
use dateline_core::newsletter::{DeliveryState, DigestHistory, NewsletterKind};
use dateline_core::{ArticleId, ReaderId, SectionId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// A newsletter as defined in the newsroom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Newsletter {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: NewsletterKind,
    /// The section a digest lists; None: the whole site.
    pub section_id: Option<SectionId>,
    /// `daily HH:MM` / `weekly DAY HH:MM` for a digest; empty otherwise.
    pub schedule: String,
    pub created_at: Timestamp,
}

/// What the newsroom defines (checked by the web layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsletterInput {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: NewsletterKind,
    pub section_id: Option<SectionId>,
    pub schedule: String,
}

/// One address that asked for newsletters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub reader_id: Option<ReaderId>,
    pub created_at: Timestamp,
    pub confirmed_at: Option<Timestamp>,
    pub consent: Consent,
}

/// The proof of consent: when, the address as typed, which form, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub at: Timestamp,
    pub address: String,
    /// Where the form was: `newsletters`, `article:42`, `section:world`, `reader-account`.
    pub form: String,
    /// The client's IP address, as text; empty when unknown.
    pub ip: String,
}

/// A subscriber's standing with one newsletter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionView {
    pub newsletter: Newsletter,
    /// Confirmed and not unsubscribed since.
    pub active: bool,
    /// Asked for, waiting for the confirmation link.
    pub pending: bool,
}

/// What [`Store::subscribe`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribed {
    pub subscriber: Subscriber,
    /// The newsletters that now wait for this address's confirmation (none when every one
    /// asked for was already active).
    pub pending: Vec<i64>,
}

/// One issue of a newsletter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub id: i64,
    pub newsletter_id: i64,
    pub subject: String,
    pub markdown: String,
    pub body_html: String,
    pub body_text: String,
    pub article_id: Option<ArticleId>,
    /// `draft`, `sending` or `sent`.
    pub state: String,
    pub created_at: Timestamp,
    pub queued_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// A digest's issue: the scheduled time it was made for (its stories were published up
    /// to then). None for letters and alerts.
    pub slot: Option<Timestamp>,
}

/// A new issue's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueInput {
    pub subject: String,
    pub markdown: String,
    pub body_html: String,
    pub body_text: String,
    pub article_id: Option<ArticleId>,
}

/// A message to send: its delivery row and recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryTarget {
    pub id: i64,
    pub subscriber_id: i64,
    pub email: String,
    /// The address was suppressed after the row was queued: the sender must not send it
    /// ([`Store::bounce_delivery`] instead).
    pub suppressed: bool,
    /// A digest's message: the stories this subscriber's copy lists. Empty otherwise.
    pub stories: Vec<ArticleId>,
}

/// What became of one taken delivery ([`Store::record_deliveries`]): the server's answer, or
/// the lack of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The server took it (a 250 after the data): `sent`.
    Sent,
    /// The server refused it for good (a 5xx), or it could never be sent (an address SMTP
    /// does not take, a message that cannot be built): `failed`, with the reason.
    Failed(String),
    /// It certainly did not go: a 4xx answer, or never handed over (no connection, or the
    /// batch stopped before it): `queued` again.
    Requeued,
    /// Handed over without an answer (the connection broke, a timeout): the server may have
    /// taken it, so it is never sent again.
    Uncertain,
}

/// One active subscriber of a digest, with what earlier issues brought them
/// ([`Store::digest_readers`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestReader {
    pub subscriber_id: i64,
    pub history: DigestHistory,
}

/// An issue's deliveries by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub uncertain: u64,
    /// Bounced back, or skipped because the address was suppressed.
    pub bounced: u64,
}

impl Progress {
    pub fn total(&self) -> u64 {
        self.queued + self.sending + self.sent + self.failed + self.uncertain + self.bounced
    }
}

const NEWSLETTER: &str = "id, slug, name, description, kind, section_id, schedule, created_at";
const SUBSCRIBER: &str = "id, email, reader_id, created_at, confirmed_at, consent_at, \
                          consent_address, consent_form, consent_ip";
const ISSUE: &str = "id, newsletter_id, subject, markdown, body_html, body_text, article_id, \
                     state, created_at, queued_at, finished_at, slot";

/// Delivery states whose message reached, or may have reached, the subscriber (or will: a
/// queued one is on its way). A digest never lists again a story such a message listed; a
/// `failed` message (and any state added later for mail that did not arrive) did not count.
const RECEIVED: &str = "('queued', 'sending', 'sent', 'uncertain')";

/// Rows per INSERT when a digest's deliveries are written (three values each, well under
/// either database's limit on bound values).
const INSERT_CHUNK: usize = 500;

/// `3,7,12` → the ids; anything else in the text is skipped (the column is ours).
fn story_ids(text: &str) -> Vec<ArticleId> {
    text.split(',')
        .filter_map(|s| s.trim().parse::<i64>().ok())
        .map(ArticleId)
        .collect()
}

/// The ids as the `stories` column keeps them.
pub fn story_text(ids: &[ArticleId]) -> String {
    ids.iter()
        .map(|i| i.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Active: confirmed and not unsubscribed.
const ACTIVE: &str = "s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL";

fn newsletter(row: &AnyRow) -> Result<Newsletter, StoreError> {
    Ok(Newsletter {
        id: get(row, "id")?,
        slug: get(row, "slug")?,
        name: get(row, "name")?,
        description: get(row, "description")?,
        kind: parsed(row, "kind")?,
        section_id: get::<Option<i64>>(row, "section_id")?.map(SectionId),
        schedule: get(row, "schedule")?,
        created_at: time(get(row, "created_at")?)?,
    })
}

fn subscriber(row: &AnyRow) -> Result<Subscriber, StoreError> {
    Ok(Subscriber {
        id: get(row, "id")?,
        email: get(row, "email")?,
        reader_id: get::<Option<i64>>(row, "reader_id")?.map(ReaderId),
        created_at: time(get(row, "created_at")?)?,
        confirmed_at: opt_time(get(row, "confirmed_at")?)?,
        consent: Consent {
            at: time(get(row, "consent_at")?)?,
            address: get(row, "consent_address")?,
            form: get(row, "consent_form")?,
            ip: get(row, "consent_ip")?,
        },
    })
}

fn issue(row: &AnyRow) -> Result<Issue, StoreError> {
    Ok(Issue {
        id: get(row, "id")?,
        newsletter_id: get(row, "newsletter_id")?,
        subject: get(row, "subject")?,
        markdown: get(row, "markdown")?,
        body_html: get(row, "body_html")?,
        body_text: get(row, "body_text")?,
        article_id: get::<Option<i64>>(row, "article_id")?.map(ArticleId),
        state: get(row, "state")?,
        created_at: time(get(row, "created_at")?)?,
        queued_at: opt_time(get(row, "queued_at")?)?,
        finished_at: opt_time(get(row, "finished_at")?)?,
        slot: opt_time(get(row, "slot")?)?,
    })
}

#[dateline_store_macros::timed]
impl Store {
    /// Every newsletter, by name.
    pub async fn newsletters(&self) -> Result<Vec<Newsletter>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {NEWSLETTER} FROM newsletters ORDER BY name, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(newsletter).collect()
    }

    pub async fn newsletter(&self, id: i64) -> Result<Newsletter, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {NEWSLETTER} FROM newsletters WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        newsletter(&row)
    }

    /// Define a newsletter. `Taken("slug")` when another has the slug.
    pub async fn create_newsletter(
        &self,
        input: &NewsletterInput,
        now: Timestamp,
    ) -> Result<Newsletter, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO newsletters (slug, name, description, kind, section_id, schedule, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {NEWSLETTER}"
        ))
        .bind(&input.slug)
        .bind(&input.name)
        .bind(&input.description)
        .bind(input.kind.as_str())
        .bind(input.section_id.map(|s| s.0))
        .bind(&input.schedule)
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let n = newsletter(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(n)
    }

    /// Change a newsletter's definition. `NotFound`, or `Taken("slug")`.
    pub async fn update_newsletter(
        &self,
        id: i64,
        input: &NewsletterInput,
    ) -> Result<Newsletter, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "UPDATE newsletters SET slug = $1, name = $2, description = $3, kind = $4, \
             section_id = $5, schedule = $6 WHERE id = $7 RETURNING {NEWSLETTER}"
        ))
        .bind(&input.slug)
        .bind(&input.name)
        .bind(&input.description)
        .bind(input.kind.as_str())
        .bind(input.section_id.map(|s| s.0))
        .bind(&input.schedule)
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let n = newsletter(&row)?;
        w.announce(Change::Content);
        w.commit().await?;
        Ok(n)
    }

    /// Active subscribers per newsletter id.
    pub async fn subscriber_counts(&self) -> Result<Vec<(i64, u64)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT s.newsletter_id, COUNT(*) AS n FROM subscriptions s WHERE {ACTIVE} \
             GROUP BY s.newsletter_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = get(r, "n")?;
                Ok((get(r, "newsletter_id")?, n.max(0) as u64))
            })
            .collect()
    }

    /// Confirmed subscribers of a newsletter at each of `at` (the ends of the days a chart
    /// shows), in one pass over its subscriptions: those confirmed by then and not
    /// unsubscribed by then. Computed from the subscription rows, which keep a reader's latest
    /// confirmation and unsubscription: a reader who left and came back counts from their
    /// return, not for the time before they left.
    pub async fn subscribers_over_time(
        &self,
        newsletter_id: i64,
        at: &[Timestamp],
    ) -> Result<Vec<u64>, StoreError> {
        if at.is_empty() {
            return Ok(Vec::new());
        }
        let columns = (0..at.len())
            .map(|i| {
                let p = i + 2;
                format!(
                    "COALESCE(SUM(CASE WHEN confirmed_at <= ${p} AND (unsubscribed_at IS NULL \
                     OR unsubscribed_at > ${p}) THEN 1 ELSE 0 END), 0) AS d{i}"
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM subscriptions WHERE newsletter_id = $1 \
             AND confirmed_at IS NOT NULL"
        );
        let mut q = sqlx::query(&sql).bind(newsletter_id);
        for t in at {
            q = q.bind(micros(*t));
        }
        let row = q.fetch_one(&self.pool).await?;
        (0..at.len())
            .map(|i| {
                let n: i64 = get(&row, &format!("d{i}"))?;
                Ok(n.max(0) as u64)
            })
            .collect()
    }

    /// How many of an issue's recipients left the newsletter after it: their subscription
    /// ended after this message reached them and before any later issue did (the last issue
    /// a reader got before leaving is the one that counts).
    pub async fn issue_unsubscribes(&self, issue_id: i64) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries d \
             JOIN newsletter_issues i ON i.id = d.issue_id \
             JOIN subscriptions s ON s.subscriber_id = d.subscriber_id \
               AND s.newsletter_id = i.newsletter_id \
             WHERE d.issue_id = $1 AND d.state = 'sent' AND s.unsubscribed_at >= d.sent_at \
               AND NOT EXISTS (SELECT 1 FROM deliveries e \
                 JOIN newsletter_issues j ON j.id = e.issue_id \
                 WHERE j.newsletter_id = i.newsletter_id AND e.subscriber_id = d.subscriber_id \
                   AND e.state = 'sent' AND e.sent_at > d.sent_at \
                   AND e.sent_at <= s.unsubscribed_at)",
        )
        .bind(issue_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n.max(0) as u64)
    }

    /// Ask for `newsletters` at `email` (already checked and lower-cased): the subscriber row
    /// (made on first use; the consent proof replaced by this one when anything is asked
    /// for) and a pending subscription for each newsletter not already active. Unknown
    /// newsletter ids are `Invalid`.
    pub async fn subscribe(
        &self,
        email: &str,
        newsletters: &[i64],
        consent: &Consent,
        reader: Option<ReaderId>,
    ) -> Result<Subscribed, StoreError> {
        let now = micros(consent.at);
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO subscribers (email, reader_id, created_at, consent_at, consent_address, \
             consent_form, consent_ip) VALUES ($1, $2, $3, $3, $4, $5, $6) \
             ON CONFLICT (email) DO UPDATE SET reader_id = COALESCE(subscribers.reader_id, \
             excluded.reader_id) RETURNING {SUBSCRIBER}"
        ))
        .bind(email)
        .bind(reader.map(|r| r.0))
        .bind(now)
        .bind(&consent.address)
        .bind(&consent.form)
        .bind(&consent.ip)
        .fetch_one(&mut *w.tx)
        .await?;
        let mut sub = subscriber(&row)?;
        let mut pending = Vec::new();
        for &id in newsletters {
            // Active stays active; anything else (new, pending, unsubscribed) waits for a
            // confirmation of its own.
            let changed = sqlx::query(
                "INSERT INTO subscriptions (subscriber_id, newsletter_id, created_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET \
                 confirmed_at = NULL, unsubscribed_at = NULL, created_at = excluded.created_at \
                 WHERE subscriptions.confirmed_at IS NULL \
                    OR subscriptions.unsubscribed_at IS NOT NULL",
            )
            .bind(sub.id)
            .bind(id)
            .bind(now)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if changed == 1 {
                pending.push(id);
            }
        }
        if !pending.is_empty() {
            sqlx::query(
                "UPDATE subscribers SET consent_at = $1, consent_address = $2, \
                 consent_form = $3, consent_ip = $4 WHERE id = $5",
            )
            .bind(now)
            .bind(&consent.address)
            .bind(&consent.form)
            .bind(&consent.ip)
            .bind(sub.id)
            .execute(&mut *w.tx)
            .await?;
            sub.consent = consent.clone();
        }
        w.commit().await?;
        Ok(Subscribed {
            subscriber: sub,
            pending,
        })
    }

    /// Follow a confirmation link: the subscriber's pending subscriptions to `newsletters`
    /// (the ones the link was made for) become active, and the address counts as confirmed.
    /// The newsletters confirmed now. `NotFound` for an unknown subscriber.
    pub async fn confirm_subscriptions(
        &self,
        subscriber_id: i64,
        newsletters: &[i64],
        now: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let mut w = self.write().await?;
        let found = sqlx::query(
            "UPDATE subscribers SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2",
        )
        .bind(micros(now))
        .bind(subscriber_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        let mut confirmed = Vec::new();
        for &id in newsletters {
            let n = sqlx::query(
                "UPDATE subscriptions SET confirmed_at = $1 WHERE subscriber_id = $2 \
                 AND newsletter_id = $3 AND confirmed_at IS NULL AND unsubscribed_at IS NULL",
            )
            .bind(micros(now))
            .bind(subscriber_id)
            .bind(id)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if n == 1 {
                confirmed.push(id);
            }
        }
        w.commit().await?;
        Ok(confirmed)
    }

    /// Stop `newsletter` for the subscriber at once (its queued deliveries are dropped too).
    /// Unsubscribing twice is not an error.
    pub async fn unsubscribe(
        &self,
        subscriber_id: i64,
        newsletter_id: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "UPDATE subscriptions SET unsubscribed_at = $1 WHERE subscriber_id = $2 \
             AND newsletter_id = $3 AND unsubscribed_at IS NULL",
        )
        .bind(micros(now))
        .bind(subscriber_id)
        .bind(newsletter_id)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "DELETE FROM deliveries WHERE subscriber_id = $1 AND state = 'queued' AND issue_id \
             IN (SELECT id FROM newsletter_issues WHERE newsletter_id = $2)",
        )
        .bind(subscriber_id)
        .bind(newsletter_id)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    pub async fn subscriber(&self, id: i64) -> Result<Subscriber, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIBER} FROM subscribers WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        subscriber(&row)
    }

    pub async fn subscriber_by_email(&self, email: &str) -> Result<Subscriber, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIBER} FROM subscribers WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        subscriber(&row)
    }

    /// Every newsletter with this subscriber's standing in it.
    pub async fn subscriptions_of(
        &self,
        subscriber_id: i64,
    ) -> Result<Vec<SubscriptionView>, StoreError> {
        let all = self.newsletters().await?;
        let rows = sqlx::query(
            "SELECT newsletter_id, confirmed_at, unsubscribed_at FROM subscriptions \
             WHERE subscriber_id = $1",
        )
        .bind(subscriber_id)
        .fetch_all(&self.pool)
        .await?;
        let mut states = std::collections::HashMap::new();
        for r in &rows {
            let id: i64 = get(r, "newsletter_id")?;
            let confirmed: Option<i64> = get(r, "confirmed_at")?;
            let gone: Option<i64> = get(r, "unsubscribed_at")?;
            states.insert(id, (confirmed.is_some(), gone.is_some()));
        }
        Ok(all
            .into_iter()
            .map(|n| {
                let (confirmed, gone) = states.get(&n.id).copied().unwrap_or((false, true));
                SubscriptionView {
                    active: confirmed && !gone,
                    pending: !confirmed && !gone,
                    newsletter: n,
                }
            })
            .collect())
    }

    /// Write an issue (a draft until [`Store::queue_issue`]).
    pub async fn create_issue(
        &self,
        newsletter_id: i64,
        input: &IssueInput,
        now: Timestamp,
    ) -> Result<Issue, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO newsletter_issues (newsletter_id, subject, markdown, body_html, \
             body_text, article_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING {ISSUE}"
        ))
        .bind(newsletter_id)
        .bind(&input.subject)
        .bind(&input.markdown)
        .bind(&input.body_html)
        .bind(&input.body_text)
        .bind(input.article_id.map(|a| a.0))
        .bind(micros(now))
        .fetch_one(&mut *w.tx)
        .await?;
        let i = issue(&row)?;
        w.commit().await?;
        Ok(i)
    }

    pub async fn issue(&self, id: i64) -> Result<Issue, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ISSUE} FROM newsletter_issues WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        issue(&row)
    }

    /// A newsletter's issues, newest first, at most `limit`.
    pub async fn issues_of(
        &self,
        newsletter_id: i64,
        limit: u32,
    ) -> Result<Vec<Issue>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ISSUE} FROM newsletter_issues WHERE newsletter_id = $1 \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(newsletter_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(issue).collect()
    }

    /// Send a draft: one `queued` delivery per active subscriber whose address is not
    /// suppressed, the issue `sending`, and `job` queued, in one transaction (all or
    /// nothing). The number of deliveries. `NotFound` unless the issue is a draft (an issue
    /// is sent once).
    pub async fn queue_issue(
        &self,
        issue_id: i64,
        job: &NewJob,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut w = self.write().await?;
        let started = sqlx::query(
            "UPDATE newsletter_issues SET state = 'sending', queued_at = $1 \
             WHERE id = $2 AND state = 'draft'",
        )
        .bind(micros(now))
        .bind(issue_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if started == 0 {
            return Err(StoreError::NotFound);
        }
        let made = sqlx::query(&format!(
            "INSERT INTO deliveries (issue_id, subscriber_id) \
             SELECT i.id, s.subscriber_id FROM newsletter_issues i \
             JOIN subscriptions s ON s.newsletter_id = i.newsletter_id \
             JOIN subscribers b ON b.id = s.subscriber_id \
             WHERE i.id = $1 AND {ACTIVE} \
               AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = b.email) \
             ON CONFLICT (issue_id, subscriber_id) DO NOTHING"
        ))
        .bind(issue_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        insert_job(&mut w.tx, job, now).await?;
        w.commit().await?;
        Ok(made)
    }

    /// Before a send run: rows a dead run left `sending` become `uncertain` (never sent
    /// again). Only the one run holding the issue's job calls it. How many.
    pub async fn settle_interrupted(&self, issue_id: i64) -> Result<u64, StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query(
            "UPDATE deliveries SET state = 'uncertain' WHERE issue_id = $1 AND state = 'sending'",
        )
        .bind(issue_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n)
    }

    /// The next `limit` queued deliveries of an issue, in order, with their addresses and
    /// whether each address is suppressed now (suppressed after the issue was queued).
    pub async fn next_deliveries(
        &self,
        issue_id: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryTarget>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.id, d.subscriber_id, b.email, d.stories, (SELECT COUNT(*) FROM suppressions x \
             WHERE x.email = b.email) AS suppressed FROM deliveries d \
             JOIN subscribers b ON b.id = d.subscriber_id \
             WHERE d.issue_id = $1 AND d.state = 'queued' ORDER BY d.id LIMIT $2",
        )
        .bind(issue_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryTarget {
                    id: get(r, "id")?,
                    subscriber_id: get(r, "subscriber_id")?,
                    email: get(r, "email")?,
                    stories: story_ids(&get::<String>(r, "stories")?),
                    suppressed: get::<i64>(r, "suppressed")? > 0,
                })
            })
            .collect()
    }

    /// Take these queued deliveries of one batch for sending: `queued → sending` in one
    /// UPDATE and one commit. The ids actually taken (a row another run took, or a subscriber
    /// who left, is not), in no particular order; only those may be sent.
    pub async fn take_deliveries(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids_json = serde_json::to_string(ids)
            .map_err(|e| StoreError::Invalid(format!("delivery ids: {e}")))?;
        let mut w = self.write().await?;
        let taken: Vec<i64> = sqlx::query_scalar(&format!(
            "UPDATE deliveries SET state = 'sending' WHERE state = 'queued' AND id IN ({}) \
             RETURNING id",
            self.backend.id_set("$1")
        ))
        .bind(ids_json)
        .fetch_all(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(taken)
    }

    /// Record a batch's answers in one transaction: each row moves from the state the
    /// single-row calls move it from (`sent` from `sending` or `uncertain`; the others from
    /// `sending`), so a row another run settled meanwhile is left alone. Suppressed rows in
    /// `bounced` go `queued → bounced` ([`Store::bounce_delivery`]). How many rows moved.
    pub async fn record_deliveries(
        &self,
        outcomes: &[(i64, DeliveryOutcome)],
        bounced: &[i64],
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        if outcomes.is_empty() && bounced.is_empty() {
            return Ok(0);
        }
        let mut w = self.write().await?;
        let mut moved = 0;
        // The common answers, a 250 above all, go in one statement per kind; only failures,
        // which carry their own reason, go one row at a time.
        let mut sent = Vec::new();
        let mut requeued = Vec::new();
        let mut uncertain = Vec::new();
        for (id, outcome) in outcomes {
            match outcome {
                DeliveryOutcome::Sent => sent.push(*id),
                DeliveryOutcome::Requeued => requeued.push(*id),
                DeliveryOutcome::Uncertain => uncertain.push(*id),
                DeliveryOutcome::Failed(error) => {
                    moved += sqlx::query(
                        "UPDATE deliveries SET state = 'failed', error = $1 \
                         WHERE id = $2 AND state = 'sending'",
                    )
                    .bind(error.as_str())
                    .bind(*id)
                    .execute(&mut *w.tx)
                    .await?
                    .rows_affected();
                }
            }
        }
        let sets: [(&[i64], &str, &str, Option<i64>); 4] = [
            (&sent, "sent", "('sending', 'uncertain')", Some(micros(now))),
            (&requeued, "queued", "('sending')", None),
            (&uncertain, "uncertain", "('sending')", None),
            (bounced, "bounced", "('queued')", None),
        ];
        for (ids, to, from, sent_at) in sets {
            if ids.is_empty() {
                continue;
            }
            let ids_json = serde_json::to_string(ids)
                .map_err(|e| StoreError::Invalid(format!("delivery ids: {e}")))?;
            moved += sqlx::query(&format!(
                "UPDATE deliveries SET state = $1, sent_at = COALESCE($2, sent_at) \
                 WHERE state IN {from} AND id IN ({})",
                self.backend.id_set("$3")
            ))
            .bind(to)
            .bind(sent_at)
            .bind(ids_json)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
        }
        w.commit().await?;
        Ok(moved)
    }

    /// Whether the address is suppressed.
    pub async fn is_suppressed(&self, email: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suppressions WHERE email = $1")
            .bind(email)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Take a queued delivery for sending now: false when it is no longer queued (another run
    /// took it, or the subscriber left), and then it must not be sent.
    pub async fn start_delivery(&self, id: i64) -> Result<bool, StoreError> {
        self.move_delivery(id, &["queued"], DeliveryState::Sending, None, None)
            .await
    }

    /// The SMTP server took the message: `sent` (from `sending`, or `uncertain` when a run
    /// that took over marked it so meanwhile).
    pub async fn finish_delivery(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        self.move_delivery(
            id,
            &["sending", "uncertain"],
            DeliveryState::Sent,
            Some(now),
            None,
        )
        .await
    }

    /// The address was suppressed: a queued row is never sent and counts as bounced.
    pub async fn bounce_delivery(&self, id: i64) -> Result<bool, StoreError> {
        self.move_delivery(id, &["queued"], DeliveryState::Bounced, None, None)
            .await
    }

    /// The server refused the recipient for good.
    pub async fn fail_delivery(&self, id: i64, error: &str) -> Result<bool, StoreError> {
        self.move_delivery(id, &["sending"], DeliveryState::Failed, None, Some(error))
            .await
    }

    /// The message certainly did not go (no connection, a temporary refusal): queued again.
    pub async fn requeue_delivery(&self, id: i64) -> Result<bool, StoreError> {
        self.move_delivery(id, &["sending"], DeliveryState::Queued, None, None)
            .await
    }

    /// The send failed without an answer (the connection broke): the server may have taken
    /// the message, so it is never sent again.
    pub async fn uncertain_delivery(&self, id: i64) -> Result<bool, StoreError> {
        self.move_delivery(id, &["sending"], DeliveryState::Uncertain, None, None)
            .await
    }

    async fn move_delivery(
        &self,
        id: i64,
        from: &[&str],
        to: DeliveryState,
        sent_at: Option<Timestamp>,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let from_json = serde_json::to_string(from)
            .map_err(|e| StoreError::Invalid(format!("delivery states: {e}")))?;
        let mut w = self.write().await?;
        let n = sqlx::query(&format!(
            "UPDATE deliveries SET state = $1, sent_at = COALESCE($2, sent_at), \
             error = COALESCE($3, error) WHERE id = $4 AND state IN ({})",
            self.backend.text_set("$5")
        ))
        .bind(to.as_str())
        .bind(sent_at.map(micros))
        .bind(error)
        .bind(id)
        .bind(from_json)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// Mark an issue `sent` once none of its deliveries is queued or sending; whether it is.
    pub async fn finish_issue_if_done(
        &self,
        issue_id: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.write().await?;
        let n = sqlx::query(
            "UPDATE newsletter_issues SET state = 'sent', finished_at = $1 \
             WHERE id = $2 AND state = 'sending' AND NOT EXISTS (SELECT 1 FROM deliveries \
             WHERE issue_id = $2 AND state IN ('queued', 'sending'))",
        )
        .bind(micros(now))
        .bind(issue_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }

    /// An issue's deliveries by state.
    pub async fn issue_progress(&self, issue_id: i64) -> Result<Progress, StoreError> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE issue_id = $1 GROUP BY state",
        )
        .bind(issue_id)
        .fetch_all(&self.pool)
        .await?;
        let mut p = Progress::default();
        for r in &rows {
            let n: i64 = get(r, "n")?;
            let n = n.max(0) as u64;
            match parsed::<DeliveryState>(r, "state")? {
                DeliveryState::Queued => p.queued = n,
                DeliveryState::Sending => p.sending = n,
                DeliveryState::Sent => p.sent = n,
                DeliveryState::Failed => p.failed = n,
                DeliveryState::Uncertain => p.uncertain = n,
                DeliveryState::Bounced => p.bounced = n,
            }
        }
        Ok(p)
    }

    /// Messages of any issue handed to the SMTP server since `since` (the rate limit counts
    /// them across nodes).
    pub async fn deliveries_since(&self, since: Timestamp) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE sent_at >= $1")
            .bind(micros(since))
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }

    /// No newsletter mails `email` again; its queued deliveries count as bounced. An
    /// operator's suppression: [`Store::suppress_address`] says where one came from.
    pub async fn suppress(
        &self,
        email: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.suppress_address(
            &crate::mail_events::NewSuppression {
                email,
                reason,
                source: "newsroom",
                detail: "",
            },
            now,
        )
        .await
    }

    /// The published stories a digest may list: in `section` (None: every section),
    /// published after `after` and up to `until`, oldest first, with their publication times.
    pub async fn digest_candidates(
        &self,
        section: Option<SectionId>,
        after: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<(ArticleId, Timestamp)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, published_at FROM articles WHERE status = 'published' \
             AND published_at > $1 AND published_at <= $2 \
             AND ($3 = 0 OR section_id = $3) ORDER BY published_at, id",
        )
        .bind(micros(after))
        .bind(micros(until))
        .bind(section.map_or(0, |s| s.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((ArticleId(get(r, "id")?), time(get(r, "published_at")?)?)))
            .collect()
    }

    /// The slot of a digest's newest issue; None before its first.
    pub async fn last_digest_slot(
        &self,
        newsletter_id: i64,
    ) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<i64> =
            sqlx::query_scalar("SELECT MAX(slot) FROM newsletter_issues WHERE newsletter_id = $1")
                .bind(newsletter_id)
                .fetch_one(&self.pool)
                .await?;
        opt_time(at)
    }

    /// A digest's active subscribers whose address is not suppressed, each with what the
    /// issues of slots after `since` brought them: the stories of every message that reached
    /// or may have reached them, and of those that did not.
    pub async fn digest_readers(
        &self,
        newsletter_id: i64,
        since: Timestamp,
    ) -> Result<Vec<DigestReader>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT s.subscriber_id FROM subscriptions s \
             JOIN subscribers b ON b.id = s.subscriber_id \
             WHERE s.newsletter_id = $1 AND {ACTIVE} \
               AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = b.email) \
             ORDER BY s.subscriber_id"
        ))
        .bind(newsletter_id)
        .fetch_all(&self.pool)
        .await?;
        let mut readers = Vec::with_capacity(rows.len());
        let mut at = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = get(r, "subscriber_id")?;
            at.insert(id, readers.len());
            readers.push(DigestReader {
                subscriber_id: id,
                history: DigestHistory::default(),
            });
        }
        let rows = sqlx::query(&format!(
            "SELECT d.subscriber_id, d.stories, \
               CASE WHEN d.state IN {RECEIVED} THEN 1 ELSE 0 END AS received \
             FROM deliveries d JOIN newsletter_issues i ON i.id = d.issue_id \
             WHERE i.newsletter_id = $1 AND i.slot > $2"
        ))
        .bind(newsletter_id)
        .bind(micros(since))
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = get(r, "subscriber_id")?;
            let Some(&i) = at.get(&id) else { continue };
            let h = &mut readers[i].history;
            let stories = story_ids(&get::<String>(r, "stories")?);
            if get::<i64>(r, "received")? == 1 {
                h.got.extend(stories);
            } else {
                h.missed.extend(stories);
            }
        }
        Ok(readers)
    }

    /// Make a digest's issue for `slot` and send it: the issue (`sending` at once), one
    /// `queued` delivery per `(subscriber, stories)` given, and the job `job(issue id)`
    /// makes, in one transaction. Rows for subscribers who left or were suppressed since
    /// they were read are dropped in it too. None when the slot already has its issue
    /// (another node, or an earlier run, made it): a slot sends once.
    pub async fn queue_digest(
        &self,
        newsletter_id: i64,
        slot: Timestamp,
        input: &IssueInput,
        deliveries: &[(i64, Vec<ArticleId>)],
        job: impl FnOnce(i64) -> Result<NewJob, StoreError>,
        now: Timestamp,
    ) -> Result<Option<(Issue, u64)>, StoreError> {
        let mut w = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO newsletter_issues (newsletter_id, subject, markdown, body_html, \
             body_text, article_id, state, created_at, queued_at, slot) \
             VALUES ($1, $2, '', $3, $4, NULL, 'sending', $5, $5, $6) \
             ON CONFLICT (newsletter_id, slot) DO NOTHING RETURNING {ISSUE}"
        ))
        .bind(newsletter_id)
        .bind(&input.subject)
        .bind(&input.body_html)
        .bind(&input.body_text)
        .bind(micros(now))
        .bind(micros(slot))
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let made = issue(&row)?;
        for chunk in deliveries.chunks(INSERT_CHUNK) {
            let values = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO deliveries (issue_id, subscriber_id, stories) VALUES {values} \
                 ON CONFLICT (issue_id, subscriber_id) DO NOTHING"
            );
            let mut q = sqlx::query(&sql);
            for (subscriber, stories) in chunk {
                q = q.bind(made.id).bind(*subscriber).bind(story_text(stories));
            }
            q.execute(&mut *w.tx).await?;
        }
        // Read before this transaction: anyone who unsubscribed or was suppressed meanwhile
        // gets nothing.
        sqlx::query(&format!(
            "DELETE FROM deliveries WHERE issue_id = $1 AND subscriber_id NOT IN ( \
               SELECT s.subscriber_id FROM subscriptions s \
               JOIN subscribers b ON b.id = s.subscriber_id \
               WHERE s.newsletter_id = $2 AND {ACTIVE} \
                 AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = b.email))"
        ))
        .bind(made.id)
        .bind(newsletter_id)
        .execute(&mut *w.tx)
        .await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE issue_id = $1")
            .bind(made.id)
            .fetch_one(&mut *w.tx)
            .await?;
        insert_job(&mut w.tx, &job(made.id)?, now).await?;
        w.commit().await?;
        Ok(Some((made, n.max(0) as u64)))
    }

    /// The key newsletter links are signed with: `fresh` is stored when there is none yet
    /// (the first caller on any node wins), and the stored one is returned.
    pub async fn newsletter_key(&self, fresh: &str) -> Result<String, StoreError> {
        let mut w = self.write().await?;
        sqlx::query(
            "INSERT INTO newsletter_keys (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(fresh)
        .execute(&mut *w.tx)
        .await?;
        let key: String = sqlx::query_scalar("SELECT key FROM newsletter_keys WHERE id = 1")
            .fetch_one(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(key)
    }
}
