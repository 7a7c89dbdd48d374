//! `/newsroom/`: the dashboard. My drafts, stories awaiting review, scheduled stories and the
//! recently published, straight from the store. Someone who may edit others' stories sees
//! everyone's review queue and schedule; others see only stories with them in the byline.

use super::auth::CurrentUser;
use super::render;
use crate::AppError;
use crate::state::AppState;
use crate::views::TimeView;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use dateline_core::article::Status;
use dateline_core::permissions::{Action, Ownership};
use dateline_store::{DeskFilter, DeskItem};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/", get(show_dashboard))
}

/// Stories per list.
const PER_LIST: u32 = 20;

#[derive(Debug, Serialize)]
struct DashboardView {
    lists: Vec<ListView>,
    may_create: bool,
    /// Held and reported comments, for those who moderate.
    comments: Option<CommentCounts>,
}

#[derive(Debug, Serialize)]
struct CommentCounts {
    pending: i64,
    reported: i64,
    /// Posted in the last 24 hours.
    recent: i64,
}

#[derive(Debug, Serialize)]
struct ListView {
    id: &'static str,
    heading: &'static str,
    empty: &'static str,
    items: Vec<ItemView>,
}

#[derive(Debug, Serialize)]
pub(super) struct ItemView {
    headline: String,
    section: String,
    authors: String,
    /// What time the list is about: changed, scheduled for, published.
    when_label: &'static str,
    when: TimeView,
    path: Option<String>,
    /// The editor page, when this person may edit the story.
    edit: Option<String>,
    /// Who saved it last, when known.
    changed_by: String,
}

async fn show_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Action::ViewNewsroom)?;
    let site = state.site().await?;
    let me = Some(user.account.id);
    let everyone = user
        .require_on(Action::EditStory, Ownership::Others)
        .is_ok();
    let scope = if everyone { None } else { me };
    let specs = [
        (
            "my-drafts",
            "My drafts",
            "You have no drafts.",
            Status::Draft,
            me,
        ),
        (
            "in-review",
            "Awaiting review",
            "Nothing is waiting for review.",
            Status::InReview,
            scope,
        ),
        (
            "scheduled",
            "Scheduled",
            "Nothing is scheduled.",
            Status::Scheduled,
            scope,
        ),
        (
            "published",
            "Recently published",
            "Nothing has been published yet.",
            Status::Published,
            None,
        ),
    ];
    let mut lists = Vec::with_capacity(specs.len());
    for (id, heading, empty, status, author) in specs {
        let items = state
            .store
            .desk(DeskFilter {
                status,
                author,
                limit: PER_LIST,
            })
            .await?;
        lists.push(ListView {
            id,
            heading,
            empty,
            items: items
                .iter()
                .map(|i| {
                    let mine = i.authors.iter().any(|p| Some(p.id) == me);
                    item(i, &site, everyone || mine)
                })
                .collect(),
        });
    }
    let comments = if user.may(Action::ModerateComments) {
        let (pending, reported) = state.store.moderation_counts().await?;
        let day_ago = state
            .clock
            .now()
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(jiff::Timestamp::MIN);
        let recent = state.store.comments_since(day_ago).await?;
        Some(CommentCounts {
            pending,
            reported,
            recent,
        })
    } else {
        None
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/dashboard.html",
        "Dashboard",
        "dashboard",
        Some(&user),
        DashboardView {
            lists,
            may_create: user.may(Action::CreateStory),
            comments,
        },
    )
    .await
}

pub(super) fn item(i: &DeskItem, site: &crate::state::SiteContext, may_edit: bool) -> ItemView {
    let (when_label, at) = match (i.status, i.scheduled_for, i.published_at) {
        (Status::Scheduled, Some(at), _) => ("Scheduled for", at),
        (Status::Published, _, Some(at)) => ("Published", at),
        _ => ("Changed", i.modified_at),
    };
    ItemView {
        headline: i.headline.clone(),
        section: i.section_name.clone(),
        authors: i
            .authors
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        when_label,
        when: TimeView::new(at, site),
        path: i.path.clone(),
        edit: may_edit.then(|| format!("/newsroom/stories/{}", i.id)),
        changed_by: i.changed_by.clone(),
    }
}
