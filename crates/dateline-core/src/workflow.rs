//! The publishing workflow: which status changes exist, who may make them (through the
//! permission table), and the rules they keep (a schedule is in the future; a withdrawn story
//! comes back only by being restored). Pure: the caller supplies `now` and persists the result.
//!
//! ```text
//! draft ──submit──► in_review ──return──► draft
//!   │ ╲                │
//!   │  schedule     publish / schedule
//!   │    ╲             ▼
//!   │     ► scheduled ──(due, or publish now)──► published ──withdraw──► withdrawn
//!   │        │  ▲ reschedule                      ▲   │ update              │
//!   │        └──┘ unschedule ► draft              │   └─────┘             │
//!   └──publish────────────────────────────────────┘◄──────restore─────────┘
//! ```

use crate::article::Status;
use crate::permissions::{Action, Ownership, Role, allows};
use jiff::Timestamp;

/// A status change someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    ReturnToDraft,
    PublishNow,
    Schedule(Timestamp),
    Unschedule,
    /// A change to a published story (the public "Updated" time unless a minor fix).
    Update,
    Withdraw,
    Restore,
}

impl Transition {
    /// The permission the transition needs.
    pub fn action(self) -> Action {
        match self {
            Transition::Submit => Action::SubmitForReview,
            Transition::ReturnToDraft | Transition::Update => Action::EditStory,
            Transition::PublishNow | Transition::Schedule(_) | Transition::Unschedule => {
                Action::PublishStory
            }
            Transition::Withdraw => Action::WithdrawStory,
            Transition::Restore => Action::RestoreStory,
        }
    }

    /// "a draft story cannot be …"
    fn participle(self) -> &'static str {
        match self {
            Transition::Submit => "submitted for review",
            Transition::ReturnToDraft => "returned to draft",
            Transition::PublishNow => "published",
            Transition::Schedule(_) => "scheduled",
            Transition::Unschedule => "unscheduled",
            Transition::Update => "updated",
            Transition::Withdraw => "withdrawn",
            Transition::Restore => "restored",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Transition::Submit => "submit for review",
            Transition::ReturnToDraft => "return to draft",
            Transition::PublishNow => "publish",
            Transition::Schedule(_) => "schedule",
            Transition::Unschedule => "unschedule",
            Transition::Update => "update",
            Transition::Withdraw => "withdraw",
            Transition::Restore => "restore",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransitionError {
    #[error("a {} cannot be {participle}", from.story_phrase())]
    Illegal {
        from: Status,
        participle: &'static str,
    },
    #[error("your role ({role}) may not {transition} this story")]
    Forbidden {
        role: Role,
        transition: &'static str,
    },
    #[error("the scheduled time must be in the future")]
    ScheduleInPast,
}

/// The status after `t`, or why not.
pub fn next(
    from: Status,
    t: Transition,
    role: Role,
    ownership: Ownership,
    now: Timestamp,
) -> Result<Status, TransitionError> {
    use Status::*;
    let to = match (from, t) {
        (Draft, Transition::Submit) => InReview,
        (InReview, Transition::ReturnToDraft) => Draft,
        (Draft | InReview | Scheduled, Transition::PublishNow) => Published,
        (Draft | InReview | Scheduled, Transition::Schedule(_)) => Scheduled,
        (Scheduled, Transition::Unschedule) => Draft,
        (Published, Transition::Update) => Published,
        (Published, Transition::Withdraw) => Withdrawn,
        (Withdrawn, Transition::Restore) => Published,
        _ => {
            return Err(TransitionError::Illegal {
                from,
                participle: t.participle(),
            });
        }
    };
    if !allows(role, t.action(), ownership) {
        return Err(TransitionError::Forbidden {
            role,
            transition: t.name(),
        });
    }
    if let Transition::Schedule(at) = t
        && at <= now
    {
        return Err(TransitionError::ScheduleInPast);
    }
    Ok(to)
}

/// Whether a scheduled story's time has come (the scheduler publishes it; no role involved).
pub fn is_due(status: Status, scheduled_for: Option<Timestamp>, now: Timestamp) -> bool {
    status == Status::Scheduled && scheduled_for.is_some_and(|at| at <= now)
}

#[cfg(test)]
mod tests;
