//! Comment moderation in the newsroom: `/newsroom/comments` (the queue of held, reported and
//! rule-flagged comments, with keyboard shortcuts from `newsroom.js`), the actions on a comment
//! (approve, reject citing a community standard, spam), on a reader (ban for a time or for good,
//! lift a ban, verify by hand), a story's discussion mode, the discussion rules, and
//! `/newsroom/comments/log` (who did what, when).
//!
//! Every action asks `core::permissions` first and is written to the moderation log in the
//! store; none is announced as a content change (the article pages stay cached), each drops
//! only its story's discussion from the discussion cache.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use crate::views::TimeView;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::article::DiscussionMode;
use dateline_core::discussion::{self, Ban, CommentStatus, DiscussionRules, Segment};
use dateline_core::permissions::Action;
use dateline_core::{ArticleId, CommentId, ReaderId};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/comments", get(show_queue))
        .route("/newsroom/comments/log", get(show_log))
        .route("/newsroom/comments/rules", post(save_rules))
        .route("/newsroom/comments/{id}/{action}", post(moderate_comment))
        .route("/newsroom/readers/{id}/ban", post(ban_reader))
        .route("/newsroom/readers/{id}/verify", post(verify_reader))
        .route("/newsroom/articles/{id}/discussion", post(set_mode))
}

#[derive(Debug, Serialize)]
struct QueueView {
    items: Vec<ItemView>,
    standards: Vec<String>,
    pending: i64,
    reported: i64,
    rules: Option<RulesView>,
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: i64,
    author: String,
    reader_id: i64,
    headline: String,
    discussion: String,
    article_id: i64,
    paragraphs: Vec<Vec<Vec<Segment>>>,
    status: &'static str,
    flag: String,
    reports: i64,
    reasons: Vec<String>,
    time: TimeView,
}

#[derive(Debug, Serialize)]
pub(super) struct RulesView {
    banned_words: String,
    suspect_words: String,
    max_links: usize,
    hold_first: u32,
    edit_minutes: i64,
    per_reader_per_minute: u32,
    per_address_per_minute: u32,
}

impl RulesView {
    /// The rules as the form shows them (shared with the discussion settings page).
    pub(super) fn of(rules: &DiscussionRules) -> Self {
        RulesView {
            banned_words: rules.banned_words.join(", "),
            suspect_words: rules.suspect_words.join(", "),
            max_links: rules.max_links,
            hold_first: rules.hold_first,
            edit_minutes: rules.edit_window_secs / 60,
            per_reader_per_minute: rules.per_reader_per_minute,
            per_address_per_minute: rules.per_address_per_minute,
        }
    }
}

async fn show_queue(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    let site = state.site().await?;
    let queue = state.store.moderation_queue().await?;
    let (pending, reported) = state.store.moderation_counts().await?;
    let rules = state.store.discussion_rules().await?;
    let view = QueueView {
        items: queue
            .into_iter()
            .map(|q| ItemView {
                id: q.comment.id.0,
                author: q.comment.reader_name.clone(),
                reader_id: q.comment.reader_id.0,
                headline: q.article_headline,
                discussion: format!("/discussion/{}/", q.comment.article_id),
                article_id: q.comment.article_id.0,
                paragraphs: discussion::paragraphs(&q.comment.body),
                status: q.comment.status.as_str(),
                flag: q.comment.flag.clone(),
                reports: q.reports,
                reasons: q.reasons,
                time: TimeView::new(q.comment.created_at, &site),
            })
            .collect(),
        standards: discussion::standards(&site.settings.community_standards),
        pending,
        reported,
        rules: user
            .may(Action::ManageSettings)
            .then(|| RulesView::of(&rules)),
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/comments.html",
        "Comments",
        "comments",
        Some(&user),
        view,
    )
    .await
}

#[derive(Debug, Serialize)]
struct LogView {
    entries: Vec<LogItem>,
}

#[derive(Debug, Serialize)]
struct LogItem {
    who: String,
    action: String,
    comment_id: Option<i64>,
    reader_id: Option<i64>,
    detail: String,
    time: TimeView,
}

async fn show_log(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    let site = state.site().await?;
    let entries = state
        .store
        .moderation_log(500)
        .await?
        .into_iter()
        .map(|e| LogItem {
            who: e.person_name,
            action: e.action,
            comment_id: e.comment_id.map(|c| c.0),
            reader_id: e.reader_id.map(|r| r.0),
            detail: e.detail,
            time: TimeView::new(e.at, &site),
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "newsroom/moderation_log.html",
        "Moderation log",
        "comments",
        Some(&user),
        LogView { entries },
    )
    .await
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    mode: String,
}

async fn moderate_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw, action)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    user.check_form(&f.csrf)?;
    let id = CommentId(id_of(&raw)?);
    let c = state.store.comment(id).await?;
    let (status, standard) = match action.as_str() {
        "approve" => (CommentStatus::Published, String::new()),
        "reject" => {
            let site = state.site().await?;
            let standards = discussion::standards(&site.settings.community_standards);
            let cited = f.standard.trim();
            if !standards.iter().any(|s| s == cited) {
                return Err(AppError::BadRequest(
                    "Choose the community standard the comment broke.".to_owned(),
                ));
            }
            (
                CommentStatus::Rejected,
                format!("it broke the community standard \u{201c}{cited}\u{201d}"),
            )
        }
        "spam" => (CommentStatus::Spam, "it was marked as spam".to_owned()),
        _ => return Err(AppError::NotFound),
    };
    state
        .store
        .set_comment_status(
            id,
            status,
            &standard,
            Some((user.account.id, action.as_str())),
            state.clock.now(),
        )
        .await?;
    if status == CommentStatus::Published {
        crate::discussion::replies::published(&state, id, c.parent_id).await;
    }
    state.discussion_changed(Some(c.article_id)).await;
    tracing::info!(comment_id = %id, person_id = %user.account.id, %action, "comment moderated");
    Ok(see_other("/newsroom/comments"))
}

async fn ban_reader(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    user.require(Action::BanReaders)?;
    user.check_form(&f.csrf)?;
    let id = ReaderId(id_of(&raw)?);
    let now = state.clock.now();
    let (ban, detail) = match f.duration.as_str() {
        "1d" => (
            Ban {
                until: Some(now + SignedDuration::from_hours(24)),
                forever: false,
            },
            "for a day",
        ),
        "7d" => (
            Ban {
                until: Some(now + SignedDuration::from_hours(7 * 24)),
                forever: false,
            },
            "for a week",
        ),
        "30d" => (
            Ban {
                until: Some(now + SignedDuration::from_hours(30 * 24)),
                forever: false,
            },
            "for 30 days",
        ),
        "forever" => (
            Ban {
                until: None,
                forever: true,
            },
            "for good",
        ),
        "lift" => (Ban::default(), "ban lifted"),
        _ => {
            return Err(AppError::BadRequest(
                "Choose how long the ban lasts.".to_owned(),
            ));
        }
    };
    state.store.ban_reader(id, ban).await?;
    let action = if ban.forever || ban.until.is_some() {
        "ban"
    } else {
        "unban"
    };
    state
        .store
        .log_moderation(user.account.id, action, Some(id), detail, now)
        .await?;
    tracing::info!(reader_id = %id, person_id = %user.account.id, detail, "reader ban changed");
    Ok(see_other("/newsroom/comments"))
}

async fn verify_reader(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    user.require(Action::BanReaders)?;
    user.check_form(&f.csrf)?;
    let id = ReaderId(id_of(&raw)?);
    state.store.set_reader_verified(id, true).await?;
    state
        .store
        .log_moderation(
            user.account.id,
            "verify",
            Some(id),
            "verified by hand",
            state.clock.now(),
        )
        .await?;
    Ok(see_other("/newsroom/comments"))
}

async fn set_mode(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    user.check_form(&f.csrf)?;
    let id = ArticleId(id_of(&raw)?);
    let mode: DiscussionMode = f
        .mode
        .parse()
        .map_err(|_| AppError::BadRequest("Choose open, pre-moderated or closed.".to_owned()))?;
    state.store.set_discussion_mode(id, mode).await?;
    state
        .store
        .log_moderation(
            user.account.id,
            "discussion_mode",
            None,
            &format!("story {id}: {}", mode.as_str()),
            state.clock.now(),
        )
        .await?;
    state.discussion_changed(Some(id)).await;
    Ok(see_other("/newsroom/comments"))
}

#[derive(Debug, Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    banned_words: String,
    #[serde(default)]
    suspect_words: String,
    #[serde(default)]
    max_links: String,
    #[serde(default)]
    hold_first: String,
    #[serde(default)]
    edit_minutes: String,
    #[serde(default)]
    per_reader_per_minute: String,
    #[serde(default)]
    per_address_per_minute: String,
    /// `settings` when sent from the discussion settings page, to go back there.
    #[serde(default)]
    back: String,
}

fn number<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::BadRequest(format!("{what} must be a whole number.")))
}

fn words(raw: &str) -> Vec<String> {
    raw.split([',', '\n'])
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

async fn save_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RulesForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSettings)?;
    user.check_form(&f.csrf)?;
    let old = state.store.discussion_rules().await?;
    let edit_minutes: i64 = number(&f.edit_minutes, "The edit window")?;
    let rules = DiscussionRules {
        banned_words: words(&f.banned_words),
        suspect_words: words(&f.suspect_words),
        max_links: number(&f.max_links, "The number of links")?,
        hold_first: number(&f.hold_first, "The number of first comments held")?,
        edit_window_secs: edit_minutes.clamp(0, 24 * 60) * 60,
        per_reader_per_minute: number(&f.per_reader_per_minute, "The per-reader limit")?,
        per_address_per_minute: number(&f.per_address_per_minute, "The per-address limit")?,
        ..old
    };
    state.store.save_discussion_rules(&rules).await?;
    // The rules shape every discussion (page length, what readers are told).
    state.discussion_changed(None).await;
    state
        .store
        .log_moderation(
            user.account.id,
            "rules",
            None,
            "discussion rules changed",
            state.clock.now(),
        )
        .await?;
    if f.back == "settings" {
        return Ok(see_other("/newsroom/settings/discussion?saved=rules"));
    }
    Ok(see_other("/newsroom/comments"))
}
