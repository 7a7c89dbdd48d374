//! Roles and the one permission table every route and API call is checked against. Handlers
//! never decide access themselves: they ask [`allows`] with the actor's role, the action and
//! whether the actor owns the thing acted on.
//!
//! Least privilege: a role may do only what its row lists; anything not listed is refused.
//! Two rules need more than a row: whose names a byline may carry ([`may_set_bylines`]) and,
//! in `workflow`, which stories a contributor may still change (`workflow::may_edit`).

use crate::PersonId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a person may do in the newsroom. Readers have no newsroom role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes drafts and submits them for review; cannot publish.
    Contributor,
    /// Publishes their own stories.
    Author,
    /// Moderates reader comments, nothing else.
    Moderator,
    /// Edits and publishes any story; manages sections, tags, the front page, comments and
    /// the station's playlists.
    Editor,
    /// Everything an editor does, plus people, roles and site settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Contributor,
        Role::Author,
        Role::Moderator,
        Role::Editor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Moderator => "moderator",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}: use contributor, author, moderator, editor or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Everything the newsroom lets someone do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the newsroom dashboard.
    ViewNewsroom,
    CreateStory,
    /// Edit a story's content and metadata (subject to [`Ownership`]).
    EditStory,
    SubmitForReview,
    /// Publish now, or schedule.
    PublishStory,
    /// Append a dated public correction.
    CorrectStory,
    WithdrawStory,
    RestoreStory,
    /// Revert a story to an earlier revision.
    RestoreRevision,
    UploadMedia,
    EditMedia,
    /// Delete a photo no story or person uses, with its files.
    DeleteMedia,
    /// Create a tag while tagging a story.
    CreateTag,
    ManageSections,
    ManageTags,
    /// Pin stories to the front page's lead and top slots.
    ManageFrontPage,
    ModerateComments,
    /// Ban a reader (and with them every outside identity they use) from commenting, and
    /// verify a reader's email by hand.
    BanReaders,
    ManagePeople,
    ManageSettings,
    /// Create and revoke one's own API tokens.
    ManageOwnTokens,
    /// Put a byline on a story that does not include oneself (crediting others alone).
    CreditOthers,
    /// Give a story an original publication time in the past (an archive story, issue 16):
    /// it decides where the story sits in every listing and its URL's date, so it is the desk's.
    BackdateStory,
    /// Define newsletters, write and send their issues, send alerts, see subscribers and
    /// suppressed addresses.
    ManageNewsletters,
    /// Run the station: what each mount plays while no one is live (its playlist: upload,
    /// order, remove, shuffle). Mounts and their passwords stay with the operator's CLI.
    RunStation,
    /// Mail a suppressed address again (one that bounced or complained): a mistake harms
    /// the site's standing with every receiver, so it is the admin's.
    ReleaseSuppressions,
    /// Write, publish, order in the footer and delete the site's static pages (About us,
    /// Contact, Privacy): they speak for the whole site, so they are the desk's.
    ManagePages,
}

impl Action {
    pub const ALL: [Action; 27] = [
        Action::ViewNewsroom,
        Action::CreateStory,
        Action::EditStory,
        Action::SubmitForReview,
        Action::PublishStory,
        Action::CorrectStory,
        Action::WithdrawStory,
        Action::RestoreStory,
        Action::RestoreRevision,
        Action::UploadMedia,
        Action::EditMedia,
        Action::DeleteMedia,
        Action::CreateTag,
        Action::ManageSections,
        Action::ManageTags,
        Action::ManageFrontPage,
        Action::ModerateComments,
        Action::BanReaders,
        Action::ManagePeople,
        Action::ManageSettings,
        Action::ManageOwnTokens,
        Action::CreditOthers,
        Action::BackdateStory,
        Action::ManageNewsletters,
        Action::RunStation,
        Action::ReleaseSuppressions,
        Action::ManagePages,
    ];

    /// What the action is, for "your role (author) may not …".
    pub fn phrase(self) -> &'static str {
        match self {
            Action::ViewNewsroom => "use the newsroom",
            Action::CreateStory => "create stories",
            Action::EditStory => "edit this story",
            Action::SubmitForReview => "submit this story for review",
            Action::PublishStory => "publish this story",
            Action::CorrectStory => "correct this story",
            Action::WithdrawStory => "withdraw this story",
            Action::RestoreStory => "restore this story",
            Action::RestoreRevision => "restore an earlier revision",
            Action::UploadMedia => "upload photos",
            Action::EditMedia => "edit photos",
            Action::DeleteMedia => "delete photos",
            Action::CreateTag => "create tags",
            Action::ManageSections => "manage sections",
            Action::ManageTags => "manage tags",
            Action::ManageFrontPage => "arrange the front page",
            Action::ModerateComments => "moderate comments",
            Action::BanReaders => "ban or verify readers",
            Action::ManagePeople => "manage people and roles",
            Action::ManageSettings => "change site settings",
            Action::ManageOwnTokens => "manage API tokens",
            Action::CreditOthers => "put a byline without yourself on a story",
            Action::BackdateStory => "give a story a publication time in the past",
            Action::ManageNewsletters => "manage newsletters",
            Action::RunStation => "run the station",
            Action::ReleaseSuppressions => "release suppressed addresses",
            Action::ManagePages => "manage static pages",
        }
    }
}

/// Whether the actor is one of the story's bylines (or created it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    Own,
    Others,
    /// The action is not about one story (sections, settings…).
    NotApplicable,
}

/// The permission table.
pub fn allows(role: Role, action: Action, ownership: Ownership) -> bool {
    use Action::*;
    use Role::*;
    let own = ownership != Ownership::Others;
    match (role, action) {
        (Admin, _) => true,
        (Editor, ManagePeople | ManageSettings | ReleaseSuppressions) => false,
        (Editor, _) => true,
        (Moderator, ViewNewsroom | ModerateComments | BanReaders | ManageOwnTokens) => true,
        (Moderator, _) => false,
        (Author, ViewNewsroom | CreateStory | UploadMedia | EditMedia | ManageOwnTokens) => true,
        (
            Author,
            EditStory | SubmitForReview | PublishStory | CorrectStory | WithdrawStory
            | RestoreStory | RestoreRevision,
        ) => own,
        (Author, _) => false,
        (Contributor, ViewNewsroom | CreateStory | UploadMedia | ManageOwnTokens) => true,
        (Contributor, EditStory | SubmitForReview | RestoreRevision) => own,
        (Contributor, _) => false,
    }
}

/// Whether `role`, acting as `me`, may save the bylines `new` on a story whose bylines are
/// `previous` (empty for a new story). A byline is a claim about who wrote the words: anyone may
/// sign their own work (with co-authors), and save a story with the bylines it already has (an
/// editor may have credited someone else), but only a role with [`Action::CreditOthers`] may
/// make a byline without themselves in it, including by dropping themselves from one.
pub fn may_set_bylines(role: Role, me: PersonId, new: &[PersonId], previous: &[PersonId]) -> bool {
    new.contains(&me)
        || (!new.is_empty() && new == previous)
        || allows(role, Action::CreditOthers, Ownership::NotApplicable)
}

#[cfg(test)]
mod tests;
