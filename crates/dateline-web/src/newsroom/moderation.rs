//! The moderation desk at `/newsroom/comments` (issue 17): tabs with counts (pending,
//! reported, unmoderated, approved, rejected), newest or oldest first, filtered by story, by
//! reader and by words in the text, paged; each comment with its story, the comment it replies
//! to, why it is on the desk and its reader's history; approve and reject (citing a community
//! standard by its short label), spam, feature and unfeature, on one comment or on several
//! ticked at once; ban and verify a reader; undo of the last action from the banner the
//! redirect shows; the keyboard shortcuts' per-person switch; `/newsroom/comments/new` (how
//! many comments arrived since the page was drawn, for `newsroom.js`'s badge); a story's
//! discussion mode, the discussion rules, and `/newsroom/comments/log` (who did what, when).
//!
//! Everything works without script: tabs and filters are links and a GET form, every action a
//! POST form that comes back to the same view. Every action asks `core::permissions` first and
//! is written to the moderation log in the store, with what it changed so it can be undone;
//! none is announced as a content change (the article pages stay cached), each drops only its
//! stories' discussions from the discussion cache.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use crate::views::TimeView;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dateline_core::article::DiscussionMode;
use dateline_core::discussion::{self, Ban, CommentStatus, DiscussionRules, Segment};
use dateline_core::permissions::Action;
use dateline_core::{ArticleId, CommentId, ReaderId};
use dateline_store::{CommentChange, DeskQuery, DeskTab, ReaderChange, StoreError};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/comments", get(show_desk))
        .route("/newsroom/comments/new", get(count_new))
        .route("/newsroom/comments/log", get(show_log))
        .route("/newsroom/comments/rules", post(save_rules))
        .route("/newsroom/comments/bulk", post(moderate_selected))
        .route("/newsroom/comments/undo", post(undo_action))
        .route("/newsroom/comments/shortcuts", post(set_shortcuts))
        .route("/newsroom/comments/{id}/{action}", post(moderate_comment))
        .route("/newsroom/readers/{id}/ban", post(ban_reader))
        .route("/newsroom/readers/{id}/verify", post(verify_reader))
        .route("/newsroom/articles/{id}/discussion", post(set_mode))
}

/// Comments per page of a tab.
const PER_PAGE: i64 = 20;
/// A reader is new on the desk for this long after registering.
const NEW_READER_DAYS: i64 = 7;
/// The preference key of the desk's single-key shortcuts ('on' or 'off'; on when unset).
const SHORTCUTS: &str = "moderation_shortcuts";

/// The desk's address parameters, as typed. Unknown values fall back to the defaults; a
/// malformed number is a 400 naming the field.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct DeskParams {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    story: String,
    #[serde(default)]
    reader: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
    /// The batch an action just wrote, for the banner and its undo button.
    #[serde(default)]
    done: String,
    /// `1` after an undo.
    #[serde(default)]
    undone: String,
    /// For `/newsroom/comments/new`: the newest comment id the page knew.
    #[serde(default)]
    after: String,
    /// `on` or `off` after the shortcuts were switched; `saved` after a discussion mode was.
    #[serde(default)]
    shortcuts: String,
    #[serde(default)]
    mode: String,
}

/// An optional positive id from the address: '' is none; anything else but a number is a 400.
fn optional_id(raw: &str, what: &str) -> Result<Option<i64>, AppError> {
    match optional_number(raw, what)? {
        Some(0) => Err(AppError::BadRequest(format!(
            "The {what} must be a number, like 12."
        ))),
        n => Ok(n),
    }
}

/// A whole number of zero or more, or `None` when the field is empty.
fn optional_number(raw: &str, what: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| AppError::BadRequest(format!("The {what} must be a number, like 12.")))
}

impl DeskParams {
    fn query(&self) -> Result<DeskQuery, AppError> {
        let page = optional_id(&self.page, "page")?.unwrap_or(1);
        Ok(DeskQuery {
            tab: DeskTab::parse(&self.tab).unwrap_or_default(),
            newest_first: self.sort != "oldest",
            story: optional_id(&self.story, "story")?.map(ArticleId),
            reader: optional_id(&self.reader, "reader")?.map(ReaderId),
            text: self.q.trim().chars().take(200).collect(),
            offset: (page.min(1_000_000) - 1) * PER_PAGE,
            limit: PER_PAGE,
        })
    }
}

/// A desk view's address: `/newsroom/comments?…` with only the parameters that differ from
/// the defaults, in a fixed order.
fn desk_href(q: &DeskQuery, page: i64) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    if q.tab != DeskTab::default() {
        out.append_pair("tab", q.tab.as_str());
    }
    if !q.newest_first {
        out.append_pair("sort", "oldest");
    }
    if let Some(a) = q.story {
        out.append_pair("story", &a.0.to_string());
    }
    if let Some(r) = q.reader {
        out.append_pair("reader", &r.0.to_string());
    }
    if !q.text.is_empty() {
        out.append_pair("q", &q.text);
    }
    if page > 1 {
        out.append_pair("page", &page.to_string());
    }
    let query = out.finish();
    if query.is_empty() {
        "/newsroom/comments".to_owned()
    } else {
        format!("/newsroom/comments?{query}")
    }
}

/// Where an action goes back to: the desk view its form was on (`back` holds that view's
/// query, re-read here so only the desk's own parameters pass), with `extra` added.
fn back_to(back: &str, extra: &str) -> Response {
    let mut params = DeskParams::default();
    for (k, v) in form_urlencoded::parse(back.as_bytes()) {
        let v = v.into_owned();
        match &*k {
            "tab" => params.tab = v,
            "sort" => params.sort = v,
            "story" => params.story = v,
            "reader" => params.reader = v,
            "q" => params.q = v,
            "page" => params.page = v,
            _ => {}
        }
    }
    let page = optional_id(&params.page, "page")
        .ok()
        .flatten()
        .unwrap_or(1);
    let base = params
        .query()
        .map(|q| desk_href(&q, page))
        .unwrap_or_else(|_| "/newsroom/comments".to_owned());
    let sep = if base.contains('?') { '&' } else { '?' };
    see_other(&format!("{base}{sep}{extra}"))
}

#[derive(Debug, Serialize)]
struct DeskView {
    tabs: Vec<TabView>,
    tab: &'static str,
    tab_label: &'static str,
    newest_first: bool,
    story: Option<FilterView>,
    reader: Option<FilterView>,
    q: String,
    items: Vec<ItemView>,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    /// This view's query, for the forms' `back` field.
    back: String,
    /// `/newsroom/comments/new?…` for this view, without `after`.
    new_href: String,
    /// The newest comment's id when the page was drawn.
    latest: i64,
    banner: Option<BannerView>,
    /// A sentence for what just happened that has no undo.
    notice: Option<&'static str>,
    standards: Vec<StandardView>,
    shortcuts: bool,
    may_ban: bool,
    rules: Option<RulesView>,
}

#[derive(Debug, Serialize)]
struct TabView {
    key: &'static str,
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

/// A filter in force, with the address that drops it.
#[derive(Debug, Serialize)]
struct FilterView {
    id: i64,
    label: String,
    clear: String,
}

#[derive(Debug, Serialize)]
struct BannerView {
    text: String,
    batch: i64,
    /// The person who acted is looking, and it was not undone yet.
    undo: bool,
}

#[derive(Debug, Serialize)]
struct StandardView {
    label: String,
    /// The whole standard, for the button's tooltip and accessible description.
    text: String,
}

#[derive(Debug, Serialize)]
struct ParentView {
    author: String,
    paragraphs: Vec<Vec<Vec<Segment>>>,
    status: &'static str,
}

#[derive(Debug, Serialize)]
struct HistoryView {
    joined: String,
    age: String,
    comments: i64,
    rejected: i64,
    bans: i64,
    verified: bool,
    banned: Option<String>,
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: i64,
    author: String,
    reader_id: i64,
    headline: String,
    /// The comment in its discussion (published) or the discussion (otherwise).
    discussion: String,
    article_id: i64,
    only_story: String,
    only_reader: String,
    paragraphs: Vec<Vec<Vec<Segment>>>,
    status: &'static str,
    status_label: &'static str,
    flag: String,
    standard: String,
    reports: usize,
    reasons: Vec<String>,
    new_reader: Option<String>,
    parent: Option<ParentView>,
    history: Option<HistoryView>,
    featured: bool,
    published: bool,
    time: TimeView,
}

fn tab_label(t: DeskTab) -> &'static str {
    match t {
        DeskTab::Pending => "Pending",
        DeskTab::Reported => "Reported",
        DeskTab::Unmoderated => "Unmoderated",
        DeskTab::Approved => "Approved",
        DeskTab::Rejected => "Rejected",
    }
}

fn status_label(s: CommentStatus) -> &'static str {
    match s {
        CommentStatus::Published => "published",
        CommentStatus::Pending => "held",
        CommentStatus::Rejected => "rejected",
        CommentStatus::Spam => "spam",
        CommentStatus::Deleted => "deleted by its author",
    }
}

/// "3 days", "1 year": how long ago `from` was, in the largest whole unit.
fn age(from: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let days = now.duration_since(from).as_hours().max(0) / 24;
    let (n, unit) = if days >= 365 {
        (days / 365, "year")
    } else if days >= 30 {
        (days / 30, "month")
    } else if days >= 1 {
        (days, "day")
    } else {
        return "less than a day".to_owned();
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Whether single-key shortcuts are on for this person (on until they turn them off).
async fn shortcuts_on(state: &AppState, user: &CurrentUser) -> Result<bool, AppError> {
    Ok(state
        .store
        .preference(user.account.id, SHORTCUTS)
        .await?
        .as_deref()
        != Some("off"))
}

/// The banner's sentence for a batch.
fn banner_text(action: &str, count: usize) -> String {
    let things = |n: usize| {
        if n == 1 {
            "1 comment".to_owned()
        } else {
            format!("{n} comments")
        }
    };
    match action {
        "approve" => format!("Approved {}.", things(count)),
        "reject" => format!("Rejected {}.", things(count)),
        "spam" => format!("Marked {} as spam.", things(count)),
        "feature" => format!("Featured {}: readers see it first.", things(count)),
        "unfeature" => format!("Stopped featuring {}.", things(count)),
        "ban" => "Banned the reader.".to_owned(),
        "unban" => "Lifted the reader's ban.".to_owned(),
        "verify" => "Verified the reader's email address.".to_owned(),
        other => format!("Done: {other}."),
    }
}

async fn show_desk(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<DeskParams>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    let site = state.site().await?;
    let now = state.clock.now();
    let mut q = params.query()?;
    let counts = state.store.desk_counts(&q).await?;
    let total = counts
        .iter()
        .find(|(t, _)| *t == q.tab)
        .map_or(0, |(_, n)| *n);
    let pages = (total + PER_PAGE - 1).max(PER_PAGE) / PER_PAGE;
    // After a bulk action the last page may have emptied: show the last one there is.
    let page = (q.offset / PER_PAGE + 1).min(pages);
    q.offset = (page - 1) * PER_PAGE;
    let found = state.store.desk_page(&q).await?;
    let mut readers: Vec<ReaderId> = found.iter().map(|i| i.comment.reader_id).collect();
    readers.sort_by_key(|r| r.0);
    readers.dedup();
    let histories = state.store.reader_histories(&readers).await?;
    let items = found
        .into_iter()
        .map(|i| {
            let c = &i.comment;
            let h = histories.iter().find(|h| h.reader_id == c.reader_id);
            let new_reader = h.and_then(|h| {
                let days = now.duration_since(h.created_at).as_hours() / 24;
                if h.comments <= 1 {
                    Some("A new reader: this is their first comment.".to_owned())
                } else if days < NEW_READER_DAYS {
                    Some(format!(
                        "A new reader: joined {} ago.",
                        age(h.created_at, now)
                    ))
                } else {
                    None
                }
            });
            let published = c.status == CommentStatus::Published;
            ItemView {
                id: c.id.0,
                author: c.reader_name.clone(),
                reader_id: c.reader_id.0,
                headline: i.article_headline.clone(),
                discussion: if published {
                    format!("/discussion/{}/#comment-{}", c.article_id, c.id)
                } else {
                    format!("/discussion/{}/", c.article_id)
                },
                article_id: c.article_id.0,
                only_story: desk_href(
                    &DeskQuery {
                        story: Some(c.article_id),
                        offset: 0,
                        ..q.clone()
                    },
                    1,
                ),
                only_reader: desk_href(
                    &DeskQuery {
                        reader: Some(c.reader_id),
                        offset: 0,
                        ..q.clone()
                    },
                    1,
                ),
                paragraphs: discussion::paragraphs(&c.body),
                status: c.status.as_str(),
                status_label: status_label(c.status),
                flag: c.flag.clone(),
                standard: c.standard.clone(),
                reports: i.reasons.len(),
                reasons: i.reasons.clone(),
                new_reader,
                parent: i.parent.as_ref().map(|p| ParentView {
                    author: p.reader_name.clone(),
                    paragraphs: if p.status == CommentStatus::Deleted {
                        Vec::new()
                    } else {
                        discussion::paragraphs(&p.body)
                    },
                    status: status_label(p.status),
                }),
                history: h.map(|h| HistoryView {
                    joined: TimeView::new(h.created_at, &site).date,
                    age: age(h.created_at, now),
                    comments: h.comments,
                    rejected: h.rejected,
                    bans: h.bans,
                    verified: h.verified,
                    banned: h.ban.active(now).then(|| match h.ban.until {
                        Some(u) if !h.ban.forever => {
                            format!("Banned until {}", TimeView::new(u, &site).text)
                        }
                        _ => "Banned for good".to_owned(),
                    }),
                }),
                featured: c.featured,
                published,
                time: TimeView::new(c.created_at, &site),
            }
        })
        .collect();
    let tabs = counts
        .iter()
        .map(|(t, n)| TabView {
            key: t.as_str(),
            label: tab_label(*t),
            count: *n,
            href: desk_href(
                &DeskQuery {
                    tab: *t,
                    ..q.clone()
                },
                1,
            ),
            current: *t == q.tab,
        })
        .collect();
    let story = match q.story {
        Some(a) => Some(FilterView {
            id: a.0,
            label: match state.store.article(a).await {
                Ok(article) => article.headline,
                Err(StoreError::NotFound) => format!("story {a} (not found)"),
                Err(e) => return Err(e.into()),
            },
            clear: desk_href(
                &DeskQuery {
                    story: None,
                    ..q.clone()
                },
                1,
            ),
        }),
        None => None,
    };
    let reader = match q.reader {
        Some(r) => Some(FilterView {
            id: r.0,
            label: match state.store.reader(r).await {
                Ok(reader) => reader.display_name,
                Err(StoreError::NotFound) => format!("reader {r} (not found)"),
                Err(e) => return Err(e.into()),
            },
            clear: desk_href(
                &DeskQuery {
                    reader: None,
                    ..q.clone()
                },
                1,
            ),
        }),
        None => None,
    };
    let banner = match optional_id(&params.done, "done")? {
        Some(batch) => match state.store.moderation_batch(batch).await {
            Ok(b) => Some(BannerView {
                text: banner_text(&b.action, b.count),
                batch,
                undo: b.person_id == user.account.id && !b.undone,
            }),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let here = desk_href(&q, page);
    let back = here
        .split_once('?')
        .map(|(_, query)| query.to_owned())
        .unwrap_or_default();
    let rules = state.store.discussion_rules().await?;
    let view = DeskView {
        tabs,
        tab: q.tab.as_str(),
        tab_label: tab_label(q.tab),
        newest_first: q.newest_first,
        story,
        reader,
        q: q.text.clone(),
        items,
        page,
        pages,
        prev: (page > 1).then(|| desk_href(&q, page - 1)),
        next: (page < pages).then(|| desk_href(&q, page + 1)),
        new_href: format!(
            "/newsroom/comments/new{}",
            desk_href(&q, 1).trim_start_matches("/newsroom/comments")
        ),
        latest: state.store.latest_comment_id().await?.0,
        back,
        banner,
        notice: if params.undone == "1" {
            Some("Undone: the comments and readers are as they were before.")
        } else if params.shortcuts == "off" {
            Some("Keyboard shortcuts are off for you.")
        } else if params.shortcuts == "on" {
            Some("Keyboard shortcuts are on for you.")
        } else if params.mode == "saved" {
            Some("The story's discussion mode is saved.")
        } else {
            None
        },
        standards: discussion::standards(&site.settings.community_standards)
            .into_iter()
            .map(|s| StandardView {
                label: discussion::standard_label(&s),
                text: s.replace(['*', '_'], ""),
            })
            .collect(),
        shortcuts: shortcuts_on(&state, &user).await?,
        may_ban: user.may(Action::BanReaders),
        rules: user
            .may(Action::ManageSettings)
            .then(|| RulesView::of(&rules)),
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/comments.html",
        &format!("Comments: {}", tab_label(q.tab)),
        "comments",
        Some(&user),
        view,
    )
    .await
}

/// `{"new": 3}`: comments of the view's tab and filters that arrived after `after`.
async fn count_new(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<DeskParams>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    let q = params.query()?;
    // 0 is the newest id of a site with no comment yet, as the desk draws it.
    let after = optional_number(&params.after, "newest comment id (after)")?.unwrap_or(0);
    let n = state.store.desk_newer(&q, CommentId(after)).await?;
    let mut res = axum::Json(serde_json::json!({ "new": n })).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
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

/// A store refusal as the moderator reads it; everything else as usual.
fn refused(e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(why) => {
            let mut s = why;
            if let Some(first) = s.get(..1) {
                let upper = first.to_uppercase();
                s.replace_range(..1, &upper);
            }
            AppError::Conflict(format!("{}.", s.trim_end_matches('.')))
        }
        other => other.into(),
    }
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
    /// The desk view to go back to (its query).
    #[serde(default)]
    back: String,
}

/// The change an action name asks for; a rejection must cite one of the community standards,
/// by its short label or in full.
async fn change_of(
    state: &AppState,
    action: &str,
    standard: &str,
) -> Result<CommentChange, AppError> {
    Ok(match action {
        "approve" => CommentChange::Status {
            status: CommentStatus::Published,
            standard: String::new(),
        },
        "reject" => {
            let site = state.site().await?;
            let cited = standard.trim();
            let label = discussion::standards(&site.settings.community_standards)
                .into_iter()
                .find(|s| s == cited || discussion::standard_label(s) == cited)
                .map(|s| discussion::standard_label(&s))
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "Choose the community standard the comment broke.".to_owned(),
                    )
                })?;
            CommentChange::Status {
                status: CommentStatus::Rejected,
                standard: format!("it broke the community standard \u{201c}{label}\u{201d}"),
            }
        }
        "spam" => CommentChange::Status {
            status: CommentStatus::Spam,
            standard: "it was marked as spam".to_owned(),
        },
        "feature" => CommentChange::Featured(true),
        "unfeature" => CommentChange::Featured(false),
        _ => return Err(AppError::NotFound),
    })
}

/// Apply `action` to `ids` and go back to the desk with the banner for it.
async fn act(
    state: &AppState,
    user: &CurrentUser,
    ids: &[CommentId],
    action: &str,
    standard: &str,
    back: &str,
) -> Result<Response, AppError> {
    let change = change_of(state, action, standard).await?;
    let done = state
        .store
        .moderate_comments(user.account.id, ids, &change, action, state.clock.now())
        .await
        .map_err(refused)?;
    for story in done.stories {
        state.discussion_changed(Some(story)).await;
    }
    // A reply the action published is mailed to its parent's author, when they asked (a
    // comment mailed before is not mailed again: the job takes each reply once).
    for (id, parent) in done.published {
        crate::discussion::replies::published(state, id, parent).await;
    }
    let batch = done.batch;
    tracing::info!(batch, comments = ids.len(), person_id = %user.account.id, %action, "comments moderated");
    Ok(back_to(back, &format!("done={batch}")))
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
    act(&state, &user, &[id], &action, &f.standard, &f.back).await
}

/// The bulk bar: `ids` (repeated, one per ticked comment), `action`, `standard`.
async fn moderate_selected(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    user.check_form(field("csrf"))?;
    let mut ids = Vec::new();
    for (k, v) in &pairs {
        if k == "ids" {
            let id = v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    AppError::BadRequest(format!("The selected comment {v:?} is not a comment id."))
                })?;
            if !ids.contains(&CommentId(id)) {
                ids.push(CommentId(id));
            }
        }
    }
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Select at least one comment (tick its box) first.".to_owned(),
        ));
    }
    if ids.len() > 200 {
        return Err(AppError::BadRequest(
            "Select at most 200 comments at once.".to_owned(),
        ));
    }
    let action = field("action");
    if !matches!(
        action,
        "approve" | "reject" | "spam" | "feature" | "unfeature"
    ) {
        return Err(AppError::BadRequest(
            "Choose an action: approve, reject or spam.".to_owned(),
        ));
    }
    act(
        &state,
        &user,
        &ids,
        action,
        field("standard"),
        field("back"),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    back: String,
}

/// Undo one of this person's actions (the banner's button).
async fn undo_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<UndoForm>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    user.check_form(&f.csrf)?;
    let batch = optional_id(&f.batch, "action to undo")?.ok_or_else(|| {
        AppError::BadRequest("The form is missing the action to undo.".to_owned())
    })?;
    let b = state.store.moderation_batch(batch).await?;
    // Ban and verify were theirs to do only with the right to ban.
    if matches!(b.action.as_str(), "ban" | "unban" | "verify") {
        user.require(Action::BanReaders)?;
    }
    let stories = match state
        .store
        .undo_moderation(user.account.id, batch, state.clock.now())
        .await
    {
        Ok(s) => s,
        Err(StoreError::NotFound) => {
            return Err(AppError::Conflict(
                "That action cannot be undone: it was not yours, or it was undone already."
                    .to_owned(),
            ));
        }
        Err(e) => return Err(refused(e)),
    };
    for story in stories {
        state.discussion_changed(Some(story)).await;
    }
    tracing::info!(batch, person_id = %user.account.id, "moderation undone");
    Ok(back_to(&f.back, "undone=1"))
}

#[derive(Debug, Deserialize)]
pub struct ShortcutsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    shortcuts: String,
    #[serde(default)]
    back: String,
}

/// Turn this person's single-key shortcuts on or off (WCAG 2.1.4).
async fn set_shortcuts(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ShortcutsForm>,
) -> Result<Response, AppError> {
    user.require(Action::ModerateComments)?;
    user.check_form(&f.csrf)?;
    let value = match f.shortcuts.as_str() {
        "on" | "off" => f.shortcuts.as_str(),
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether keyboard shortcuts are on or off.".to_owned(),
            ));
        }
    };
    state
        .store
        .set_preference(user.account.id, SHORTCUTS, value)
        .await?;
    Ok(back_to(&f.back, &format!("shortcuts={value}")))
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
    let change = ReaderChange::Ban {
        ban,
        detail: detail.to_owned(),
    };
    let batch = state
        .store
        .moderate_reader(user.account.id, id, &change, now)
        .await?;
    tracing::info!(reader_id = %id, person_id = %user.account.id, detail, "reader ban changed");
    Ok(back_to(&f.back, &format!("done={batch}")))
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
    let batch = state
        .store
        .moderate_reader(
            user.account.id,
            id,
            &ReaderChange::Verify,
            state.clock.now(),
        )
        .await?;
    Ok(back_to(&f.back, &format!("done={batch}")))
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
    Ok(back_to(&f.back, "mode=saved"))
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
