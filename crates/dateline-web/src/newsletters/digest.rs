//! Digests (docs/newsletters.md, "Digests"): the `newsletter.digest` job that, at each slot of
//! a digest's schedule in the site's time zone, makes the issue listing the stories published
//! since the last one, personalised per subscriber, and hands it to the exactly-once sender
//! (`newsletter.send`, in `mod.rs`). It never sends mail itself.
//!
//! Once per slot across nodes: one live job per digest (dedupe key `digest:ID`), and the
//! store's unique (newsletter, slot) index, so a second node, or a run repeated after a crash,
//! finds the slot's issue made and makes none. The job runs at the slot, makes the issue of
//! the latest slot not after now, and queues itself for the first slot after now: a node down
//! for days makes one issue when it comes back (listing everything since the last), never
//! one per missed slot. Nothing new for anyone: no issue and no mail.
//!
//! No story twice: each delivery row keeps the stories its message lists, and a subscriber's
//! next digest leaves out every story a message that reached them (or may have) listed; who
//! joined since the last issue gets the issue's stories, whose delivery failed gets the
//! missed ones as well (`dateline_core::newsletter::digest_stories`).

use super::{Inner, Newsletters, send_job};
use crate::jobs::Kind;
use anyhow::Context;
use dateline_core::ArticleId;
use dateline_core::html::escape;
use dateline_core::newsletter::{DigestSchedule, NewsletterKind, digest_stories};
use dateline_store::{ArticleSummary, IssueInput, Job, Newsletter, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// One digest's making: retried, since a slot left unmade is made by the next run anyway.
pub const DIGEST: Kind = Kind {
    name: "newsletter.digest",
    max_attempts: 10,
    backoff: &[
        Duration::from_secs(30),
        Duration::from_secs(120),
        Duration::from_secs(600),
    ],
};

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct DigestPayload {
    newsletter_id: i64,
}

fn dedupe_key(newsletter_id: i64) -> String {
    format!("digest:{newsletter_id}")
}

impl Newsletters {
    /// Queue every digest's job for its next slot (at start: a job left due while the site
    /// was down keeps its earlier time and runs at once).
    pub async fn schedule_digests(&self) -> anyhow::Result<()> {
        for n in self.inner.store.newsletters().await? {
            self.inner.schedule_next(&n).await?;
        }
        Ok(())
    }

    /// Queue a digest's job for its next slot (the newsroom defined or changed it); nothing
    /// for other kinds.
    pub async fn schedule_digest(&self, n: &Newsletter) -> anyhow::Result<()> {
        self.inner.schedule_next(n).await
    }
}

impl Inner {
    async fn site_zone(&self) -> anyhow::Result<(dateline_core::site::SiteSettings, TimeZone)> {
        let site = self.store.site_settings().await?;
        let tz = dateline_core::dateline::time_zone(&site.time_zone).unwrap_or(TimeZone::UTC);
        Ok((site, tz))
    }

    async fn schedule_next(&self, n: &Newsletter) -> anyhow::Result<()> {
        if n.kind != NewsletterKind::Digest {
            return Ok(());
        }
        let Ok(schedule) = DigestSchedule::parse(&n.schedule) else {
            tracing::warn!(
                newsletter_id = n.id,
                "a digest without a schedule: not sent"
            );
            return Ok(());
        };
        let (_, tz) = self.site_zone().await?;
        let Some(next) = schedule.next_slot(self.clock.now(), &tz) else {
            return Ok(());
        };
        self.queue
            .enqueue(
                &DIGEST,
                &DigestPayload {
                    newsletter_id: n.id,
                },
                Some(dedupe_key(n.id)),
                Some(next),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn run_digest(&self, job: &Job) -> anyhow::Result<()> {
        let p: DigestPayload =
            serde_json::from_str(&job.payload).context("reading the job's payload")?;
        let n = match self.store.newsletter(p.newsletter_id).await {
            Ok(n) => n,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if n.kind != NewsletterKind::Digest {
            return Ok(());
        }
        let Ok(schedule) = DigestSchedule::parse(&n.schedule) else {
            return Ok(());
        };
        let (site, tz) = self.site_zone().await?;
        let now = self.clock.now();
        if let Some(slot) = schedule.latest_slot(now, &tz) {
            let last = self.store.last_digest_slot(n.id).await?;
            if last.is_none_or(|l| l < slot) {
                self.make_issue(&n, schedule, slot, last, &site, &tz)
                    .await?;
            }
        }
        // Queued while this job runs under the same key: it runs again at the next slot.
        self.schedule_next(&n).await
    }

    /// The issue of `slot`, when anyone has anything new.
    async fn make_issue(
        &self,
        n: &Newsletter,
        schedule: DigestSchedule,
        slot: Timestamp,
        last: Option<Timestamp>,
        site: &dateline_core::site::SiteSettings,
        tz: &TimeZone,
    ) -> anyhow::Result<()> {
        let window = last.unwrap_or(slot - schedule.period());
        let limit = schedule.make_up_limit();
        let from = window.min(slot - limit);
        let candidates = self
            .store
            .digest_candidates(n.section_id, from, slot)
            .await?;
        let mut deliveries: Vec<(i64, Vec<ArticleId>)> = Vec::new();
        let mut listed: HashSet<ArticleId> = HashSet::new();
        if !candidates.is_empty() {
            // History reaches one limit further back than the stories: a story listed before
            // `from` was published before it, unless it was withdrawn and published again.
            for r in self.store.digest_readers(n.id, from - limit).await? {
                let stories = digest_stories(&candidates, slot, window, &r.history);
                if !stories.is_empty() {
                    listed.extend(stories.iter().copied());
                    deliveries.push((r.subscriber_id, stories));
                }
            }
        }
        if deliveries.is_empty() {
            tracing::info!(
                newsletter_id = n.id,
                "nothing new for any subscriber: no digest"
            );
            return Ok(());
        }
        // The archive page lists every story anyone's copy lists, oldest first.
        let ids: Vec<ArticleId> = candidates
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| listed.contains(id))
            .collect();
        let stories = self.store.summaries(&ids).await?;
        let base = site.base_url.trim_end_matches('/');
        let refs: Vec<&ArticleSummary> = stories.iter().collect();
        let line = issue_line(refs.len());
        let input = IssueInput {
            subject: format!(
                "{}: {}",
                n.name,
                dateline_core::dateline::format_date(slot, tz)
            ),
            markdown: String::new(),
            body_html: body_html(base, &line, &refs),
            body_text: body_text(base, &line, &refs),
            article_id: None,
        };
        let now = self.clock.now();
        match self
            .store
            .queue_digest(n.id, slot, &input, &deliveries, |id| send_job(id, now), now)
            .await?
        {
            Some((issue, messages)) => {
                self.queue.wake();
                tracing::info!(issue_id = issue.id, messages, "digest issue queued");
            }
            None => tracing::info!(newsletter_id = n.id, "the slot's digest was made already"),
        }
        Ok(())
    }
}

/// Per-subscriber copies: the stories' summaries, fetched once per send run.
#[derive(Default)]
pub(super) struct Stories(HashMap<ArticleId, ArticleSummary>);

impl Stories {
    /// Fetch the summaries of these ids not fetched yet (stories withdrawn since the issue
    /// was made are left out of the copies).
    pub(super) async fn load(
        &mut self,
        store: &dateline_store::Store,
        ids: impl Iterator<Item = ArticleId>,
    ) -> Result<(), StoreError> {
        let missing: Vec<ArticleId> = ids
            .filter(|id| !self.0.contains_key(id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for s in store.summaries(&missing).await? {
            self.0.insert(s.id, s);
        }
        Ok(())
    }

    /// The issue as one subscriber gets it: the stories their row lists.
    pub(super) fn copy_of(
        &self,
        issue: &dateline_store::Issue,
        base: &str,
        ids: &[ArticleId],
    ) -> dateline_store::Issue {
        let list: Vec<&ArticleSummary> = ids.iter().filter_map(|id| self.0.get(id)).collect();
        let mut copy = issue.clone();
        let line = copy_line(list.len());
        copy.body_html = body_html(base, &line, &list);
        copy.body_text = body_text(base, &line, &list);
        copy
    }
}

/// The line above a subscriber's list.
fn copy_line(n: usize) -> String {
    match n {
        0 => "The stories of this issue are no longer published.".to_owned(),
        1 => "One new story since your last digest.".to_owned(),
        n => format!("{n} new stories since your last digest."),
    }
}

/// The line above the archive page's list (every story of the issue).
fn issue_line(n: usize) -> String {
    match n {
        1 => "One story in this issue.".to_owned(),
        n => format!("{n} stories in this issue."),
    }
}

/// The list as HTML for the mail's body (inline styles: see `message.rs` on why).
pub fn body_html(base: &str, line: &str, stories: &[&ArticleSummary]) -> String {
    let mut out = format!(
        "<p style=\"margin:0 0 8px;font-family:Arial,Helvetica,sans-serif;font-size:14px;\
         color:#333333;\">{}</p>\n",
        escape(line)
    );
    for s in stories {
        out.push_str(&format!(
            "<p style=\"margin:24px 0 0;font-family:Arial,Helvetica,sans-serif;font-size:13px;\
             color:#555555;\">{section}</p>\n\
             <h2 style=\"font-size:21px;line-height:1.3;margin:2px 0 4px;\">\
             <a href=\"{url}\" style=\"color:#052962;\">{headline}</a></h2>\n\
             <p style=\"margin:0;\">{standfirst}</p>\n",
            section = escape(&s.section_name),
            url = escape(&format!("{base}{}", s.path)),
            headline = escape(&s.headline),
            standfirst = escape(&s.standfirst),
        ));
    }
    out
}

/// The list as plain text: each story's headline, standfirst and link on lines of their own.
pub fn body_text(base: &str, line: &str, stories: &[&ArticleSummary]) -> String {
    let mut out = line.to_owned();
    out.push('\n');
    for s in stories {
        out.push_str(&format!(
            "\n{headline}\n{standfirst}\n{base}{path}\n",
            headline = s.headline,
            standfirst = s.standfirst,
            path = s.path,
        ));
    }
    out
}
