//! The publishing workflow: which status changes exist, who may make them (through the
//! permission table), and the rules they keep (a schedule is in the future; a withdrawn story
//! comes back only by being restored; a contributor's words reach readers only through an
//! editor, so a contributor cannot change a story once it is scheduled, published or
//! withdrawn: [`may_edit`]). Pure: the caller supplies `now` and persists the result.
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
    /// A contributor's change to a story an editor has already let out (or withdrawn).
    #[error("this story is {}; ask an editor to change it", from.as_str())]
    NeedsEditor { from: Status },
}

/// Whether `role` may change a story in `status` (its words, bylines, anything a save writes),
/// given its `ownership`. A contributor's changes are reviewed before readers see them; once
/// an editor has scheduled or published a story, a contributor's save would go out unreviewed
/// (with the next scheduled run, or at once), so it is refused; so is a save to a withdrawn
/// story, which an editor may restore. Everyone else follows the permission table
/// ([`Action::EditStory`]).
pub fn may_edit(status: Status, role: Role, ownership: Ownership) -> Result<(), TransitionError> {
    if !allows(role, Action::EditStory, ownership) {
        return Err(TransitionError::Forbidden {
            role,
            transition: "edit",
        });
    }
    if role == Role::Contributor
        && matches!(
            status,
            Status::Scheduled | Status::Published | Status::Withdrawn
        )
    {
        return Err(TransitionError::NeedsEditor { from: status });
    }
    Ok(())
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
    if t == Transition::Update {
        may_edit(from, role, ownership)?;
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
