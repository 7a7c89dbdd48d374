use super::*;
use proptest::prelude::*;

fn now() -> Timestamp {
    "2026-03-10T12:00:00Z".parse().expect("ts")
}

fn later() -> Timestamp {
    "2026-03-11T12:00:00Z".parse().expect("ts")
}

#[test]
fn the_happy_path_through_review() {
    let s = next(
        Status::Draft,
        Transition::Submit,
        Role::Contributor,
        Ownership::Own,
        now(),
    );
    assert_eq!(s, Ok(Status::InReview));
    let s = next(
        Status::InReview,
        Transition::Schedule(later()),
        Role::Editor,
        Ownership::Others,
        now(),
    );
    assert_eq!(s, Ok(Status::Scheduled));
    assert!(is_due(Status::Scheduled, Some(later()), later()));
    assert!(!is_due(Status::Scheduled, Some(later()), now()));
    assert!(!is_due(Status::Draft, Some(later()), later()));
    let s = next(
        Status::Published,
        Transition::Withdraw,
        Role::Editor,
        Ownership::Others,
        now(),
    );
    assert_eq!(s, Ok(Status::Withdrawn));
    let s = next(
        Status::Withdrawn,
        Transition::Restore,
        Role::Editor,
        Ownership::Others,
        now(),
    );
    assert_eq!(s, Ok(Status::Published));
}

#[test]
fn refusals_say_why() {
    let e = next(
        Status::Draft,
        Transition::PublishNow,
        Role::Contributor,
        Ownership::Own,
        now(),
    )
    .expect_err("contributors cannot publish");
    assert_eq!(
        e.to_string(),
        "your role (contributor) may not publish this story"
    );
    let e = next(
        Status::Withdrawn,
        Transition::Update,
        Role::Admin,
        Ownership::Own,
        now(),
    )
    .expect_err("illegal");
    assert_eq!(e.to_string(), "a withdrawn story cannot be updated");
    let e = next(
        Status::Draft,
        Transition::Withdraw,
        Role::Admin,
        Ownership::Own,
        now(),
    )
    .expect_err("illegal");
    assert_eq!(e.to_string(), "a draft story cannot be withdrawn");
    // issue 22: every status reads as words, not as its code.
    let e = next(
        Status::InReview,
        Transition::Restore,
        Role::Admin,
        Ownership::Own,
        now(),
    )
    .expect_err("illegal");
    assert_eq!(e.to_string(), "a story in review cannot be restored");
    let e = next(
        Status::Draft,
        Transition::Schedule(now()),
        Role::Editor,
        Ownership::Own,
        now(),
    )
    .expect_err("past");
    assert_eq!(e, TransitionError::ScheduleInPast);
    let e = next(
        Status::Draft,
        Transition::Submit,
        Role::Author,
        Ownership::Others,
        now(),
    )
    .expect_err("not theirs");
    assert!(matches!(e, TransitionError::Forbidden { .. }));
}

fn any_transition() -> impl Strategy<Value = Transition> {
    prop_oneof![
        Just(Transition::Submit),
        Just(Transition::ReturnToDraft),
        Just(Transition::PublishNow),
        Just(Transition::Schedule(later())),
        Just(Transition::Schedule(now())),
        Just(Transition::Unschedule),
        Just(Transition::Update),
        Just(Transition::Withdraw),
        Just(Transition::Restore),
    ]
}

fn any_role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

proptest! {
    /// Whatever anyone asks in whatever order, the story only ever moves along the diagram's
    /// edges, and only when the asker's role allows it.
    #[test]
    fn any_step_sequence_stays_legal(steps in prop::collection::vec((any_transition(), any_role(), any::<bool>()), 0..40)) {
        let mut status = Status::Draft;
        let mut was_published = false;
        for (t, role, own) in steps {
            let ownership = if own { Ownership::Own } else { Ownership::Others };
            if let Ok(to) = next(status, t, role, ownership, now()) {
                prop_assert!(allows(role, t.action(), ownership));
                let edge_ok = matches!(
                    (status, to),
                    (Status::Draft, Status::InReview | Status::Published | Status::Scheduled)
                        | (Status::InReview, Status::Draft | Status::Published | Status::Scheduled)
                        | (Status::Scheduled, Status::Draft | Status::Published | Status::Scheduled)
                        | (Status::Published, Status::Published | Status::Withdrawn)
                        | (Status::Withdrawn, Status::Published)
                );
                prop_assert!(edge_ok, "{status:?} -> {to:?} by {t:?}");
                if to == Status::Withdrawn { prop_assert!(was_published); }
                was_published |= to == Status::Published;
                status = to;
            }
        }
    }
}

#[test]
fn issue_22_contributors_never_change_what_an_editor_let_out() {
    for status in Status::ALL {
        let reviewed = matches!(
            status,
            Status::Scheduled | Status::Published | Status::Withdrawn
        );
        let got = may_edit(status, Role::Contributor, Ownership::Own);
        if reviewed {
            assert_eq!(got, Err(TransitionError::NeedsEditor { from: status }));
            assert_eq!(
                got.expect_err("refused").to_string(),
                format!(
                    "this story is {}; ask an editor to change it",
                    status.as_str()
                )
            );
        } else {
            assert_eq!(got, Ok(()), "{status:?}");
        }
        // Authors publish their own stories, so they may change them in any state; editors
        // and admins change anyone's.
        assert_eq!(may_edit(status, Role::Author, Ownership::Own), Ok(()));
        assert!(may_edit(status, Role::Author, Ownership::Others).is_err());
        assert_eq!(may_edit(status, Role::Editor, Ownership::Others), Ok(()));
        assert_eq!(may_edit(status, Role::Admin, Ownership::Others), Ok(()));
        assert!(may_edit(status, Role::Moderator, Ownership::Own).is_err());
        assert!(may_edit(status, Role::Contributor, Ownership::Others).is_err());
    }
    // A published story's update goes through the same rule.
    assert_eq!(
        next(
            Status::Published,
            Transition::Update,
            Role::Contributor,
            Ownership::Own,
            now()
        ),
        Err(TransitionError::NeedsEditor {
            from: Status::Published
        })
    );
}
