use super::*;
use Action::*;
use Ownership::*;
use Role::*;

#[test]
fn roles_round_trip_and_unknown_roles_are_named() {
    for r in Role::ALL {
        assert_eq!(r.as_str().parse::<Role>(), Ok(r));
    }
    assert_eq!(" Editor ".parse::<Role>(), Ok(Editor));
    let err = "chief".parse::<Role>().expect_err("unknown");
    assert!(err.to_string().contains("chief"));
}

#[test]
fn contributors_write_and_submit_but_never_publish() {
    assert!(allows(Contributor, CreateStory, NotApplicable));
    assert!(allows(Contributor, EditStory, Own));
    assert!(allows(Contributor, SubmitForReview, Own));
    assert!(!allows(Contributor, EditStory, Others));
    assert!(!allows(Contributor, PublishStory, Own));
    assert!(!allows(Contributor, CreateTag, NotApplicable));
    assert!(!allows(Contributor, WithdrawStory, Own));
}

#[test]
fn authors_publish_their_own_stories_only() {
    assert!(allows(Author, PublishStory, Own));
    assert!(!allows(Author, PublishStory, Others));
    assert!(!allows(Author, EditStory, Others));
    assert!(!allows(Author, ManageSections, NotApplicable));
    assert!(!allows(Author, ModerateComments, NotApplicable));
}

#[test]
fn editors_run_the_desk_but_not_people_or_settings() {
    for a in Action::ALL {
        let expected = !matches!(a, ManagePeople | ManageSettings | ReleaseSuppressions);
        assert_eq!(allows(Editor, a, Others), expected, "{a:?}");
    }
}

#[test]
fn moderators_only_moderate() {
    for a in Action::ALL {
        let expected = matches!(
            a,
            ViewNewsroom | ModerateComments | BanReaders | ManageOwnTokens
        );
        assert_eq!(allows(Moderator, a, Own), expected, "{a:?}");
    }
}

#[test]
fn admins_may_do_everything() {
    for a in Action::ALL {
        for o in [Own, Others, NotApplicable] {
            assert!(allows(Admin, a, o));
        }
    }
}

#[test]
fn more_senior_desk_roles_never_lose_a_right() {
    // contributor ⊆ author ⊆ editor ⊆ admin (the moderator is a side branch).
    let chain = [Contributor, Author, Editor, Admin];
    for pair in chain.windows(2) {
        for a in Action::ALL {
            for o in [Own, Others, NotApplicable] {
                if allows(pair[0], a, o) {
                    assert!(
                        allows(pair[1], a, o),
                        "{:?} can {a:?} but {:?} cannot",
                        pair[0],
                        pair[1]
                    );
                }
            }
        }
    }
}

#[test]
fn issue_22_only_editors_credit_others_alone() {
    let me = PersonId(1);
    let other = PersonId(2);
    let third = PersonId(3);
    for role in Role::ALL {
        let desk = matches!(role, Editor | Admin);
        assert_eq!(allows(role, CreditOthers, NotApplicable), desk, "{role:?}");
        // Signing one's own work, alone or with others: anyone.
        assert!(may_set_bylines(role, me, &[me], &[]));
        assert!(may_set_bylines(role, me, &[other, me], &[]));
        // Someone else alone on a new story, or added to a story without oneself: the desk.
        assert_eq!(may_set_bylines(role, me, &[other], &[]), desk, "{role:?}");
        assert_eq!(
            may_set_bylines(role, me, &[other, third], &[other]),
            desk,
            "{role:?}"
        );
        // Dropping oneself to leave others alone: the desk.
        assert_eq!(
            may_set_bylines(role, me, &[other], &[me, other]),
            desk,
            "{role:?}"
        );
        assert_eq!(
            may_set_bylines(role, me, &[other], &[other, third]),
            desk,
            "{role:?}"
        );
        // Keeping the bylines an editor gave the story: anyone who may edit it.
        assert!(may_set_bylines(role, me, &[other, third], &[other, third]));
    }
}

#[test]
fn issue_16_only_the_desk_backdates() {
    for role in Role::ALL {
        let desk = matches!(role, Editor | Admin);
        for o in [Own, Others, NotApplicable] {
            assert_eq!(allows(role, BackdateStory, o), desk, "{role:?} {o:?}");
        }
    }
}

#[test]
fn the_desk_runs_the_station_and_writers_do_not() {
    for (role, may) in [
        (Admin, true),
        (Editor, true),
        (Author, false),
        (Contributor, false),
        (Moderator, false),
    ] {
        assert_eq!(allows(role, RunStation, NotApplicable), may, "{role:?}");
    }
}
