//! A story's discussion at `/discussion/{article_id}/`: the comments (threaded, sorted, paged)
//! and the form, and the readers' actions on comments: post, reply, edit (inside the window),
//! delete their own, recommend, report.
//!
//! The discussion is its own resource; the story page shows its first page as anonymous
//! readers see it ([`first_page`], so it reads without script) and stays in the page cache
//! until a comment on that story drops it ([`crate::cache::EmbedsDiscussion`]). With script the
//! story page loads `?fragment=1` in place, the reader's own view. What anonymous readers see is kept per article in
//! [`super::DiscussionCache`], dropped for that article alone when one of its comments changes.
//! Comment text is never HTML: it reaches the template as paragraphs of text and link pieces,
//! each escaped there; only `http(s)` links exist, all `rel="nofollow ugc noopener"`.

use super::readers::{SignedReader, signed_reader};
use crate::AppError;
use crate::input::Form;
use crate::newsroom::ClientIp;
use crate::newsroom::auth::see_other;
use crate::state::{AppState, SiteContext};
use crate::views::{Meta, SiteView, TimeView};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use dateline_core::article::{Article, DiscussionMode, Status};
use dateline_core::discussion::{
    self, Comment, CommentStatus, Context, DiscussionRules, Segment, Sort, Verdict,
};
use dateline_core::page::PageRequest;
use dateline_core::{ArticleId, CommentId};
use dateline_store::{NewComment, StoreError};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/discussion/{article}/", get(show_discussion))
        .route("/discussion/{article}/comments", post(post_comment))
        .route("/comments/{id}/edit", post(edit_comment))
        .route("/comments/{id}/delete", post(delete_comment))
        .route("/comments/{id}/recommend", post(recommend_comment))
        .route("/comments/{id}/report", post(report_comment))
}

#[derive(Debug, Deserialize, Default)]
pub struct DiscussionQuery {
    sort: Option<String>,
    page: Option<String>,
    /// `1`: only the discussion block, for the article page's script.
    fragment: Option<String>,
    /// What just happened (`posted`, `held`, `reported`…), for a notice.
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct DiscussionPage {
    site: SiteView,
    meta: Meta,
    d: DiscussionView,
}

/// The discussion block alone, as the article page's script asks for it.
#[derive(Debug, Serialize)]
struct Fragment {
    d: DiscussionView,
}

#[derive(Debug, Serialize)]
struct DiscussionView {
    site_name: String,
    article_id: i64,
    headline: String,
    article_path: String,
    path: String,
    count: usize,
    mode: &'static str,
    closed: bool,
    sort: &'static str,
    sorts: Vec<SortLink>,
    comments: Vec<CommentView>,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
    reader: Option<ReaderView>,
    notice: Option<&'static str>,
    edit_minutes: i64,
    /// "Comment via <label>" for each OpenID Connect provider.
    providers: Vec<ProviderLink>,
}

#[derive(Debug, Serialize)]
struct ProviderLink {
    label: String,
    href: String,
}

#[derive(Debug, Serialize)]
struct SortLink {
    label: String,
    href: String,
    current: bool,
}

#[derive(Debug, Serialize)]
struct ReaderView {
    name: String,
    csrf: String,
    verified: bool,
    /// The site sends mail and this reader has not confirmed their address yet: their
    /// comments are held (docs/discussion.md).
    unverified: bool,
    /// Why this reader may not post, when they may not.
    banned: Option<String>,
}

#[derive(Debug, Serialize)]
struct CommentView {
    id: i64,
    author: String,
    paragraphs: Vec<Vec<Vec<Segment>>>,
    time: TimeView,
    edited: bool,
    deleted: bool,
    held: bool,
    /// For its author: the standard (or rule) a refused comment broke.
    rejected: Option<String>,
    mine: bool,
    /// The text again, for the author's edit form while the window is open.
    editable: Option<String>,
    recommends: i64,
    /// A moderator featured it.
    featured: bool,
    depth: usize,
    replies: Vec<CommentView>,
}

/// Parse a path id; anything else is a 404, never a 500.
fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

/// The story a discussion belongs to: published, or no discussion at all.
async fn story(state: &AppState, id: i64) -> Result<Article, AppError> {
    let a = state.store.article(ArticleId(id)).await?;
    if a.status != Status::Published {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

fn story_path(site: &SiteContext, a: &Article) -> String {
    site.sections
        .iter()
        .find(|s| s.id == a.section_id)
        .and_then(|s| a.canonical_path(s.slug.as_str()))
        .unwrap_or_else(|| "/".to_owned())
}

fn mode_name(m: DiscussionMode) -> &'static str {
    m.as_str()
}

async fn show_discussion(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<DiscussionQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = id_of(&raw)?;
    let reader = signed_reader(&state, &headers).await?;
    let fragment = q.fragment.as_deref() == Some("1");
    // None: the default, Featured when the story has featured comments, else oldest first.
    let sort = q.sort.as_deref().map(|s| Sort::parse(Some(s)));
    // Anonymous views without a notice are the same for everyone: kept per article.
    let key = (reader.is_none() && q.done.is_none()).then(|| {
        format!(
            "{}|{}|{}",
            sort.map_or("default", Sort::as_str),
            q.page.as_deref().unwrap_or("1"),
            fragment
        )
    });
    let generation = state.store.generation();
    let ticket = state.discussion.ticket();
    // Out of step with the other nodes, this node may have missed a comment: no kept view.
    let in_step = state.store.in_step();
    if let Some(k) = &key
        && in_step
        && let Some(body) = state.discussion.get(id, k, generation)
    {
        return Ok(answer(body));
    }
    let article = story(&state, id).await?;
    let site = state.site().await?;
    let rules = state.store.discussion_rules().await?;
    let comments = state
        .store
        .comments_of(article.id, reader.as_ref().map(|r| r.reader.id))
        .await?;
    let req = PageRequest::parse(q.page.as_deref(), None, rules.per_page.max(1), 500)?;
    let mut view = build_view(
        &state,
        &site,
        &article,
        &rules,
        comments,
        reader.as_ref(),
        sort,
        req,
        &q,
    )?;
    view.providers = provider_links(&state, &view.path).await?;
    if view.page > view.pages.max(1) {
        return Err(AppError::BadRequest(format!(
            "There is no page {} of this discussion: it has {} page(s).",
            view.page,
            view.pages.max(1)
        )));
    }
    let body = if fragment {
        state
            .theme
            .render("partials/discussion.html", Fragment { d: view })?
    } else {
        let page = DiscussionPage {
            site: SiteView::new(&site, None, state.clock.now()),
            meta: Meta {
                title: format!("Discussion: {} | {}", view.headline, site.settings.name),
                description: format!("Readers discuss: {}", view.headline),
                canonical: format!(
                    "{}/discussion/{}/",
                    site.settings.base_url.trim_end_matches('/'),
                    id
                ),
                noindex: true,
                ..Meta::default()
            },
            d: view,
        };
        state.theme.render("discussion.html", page)?
    };
    if let Some(k) = key
        && in_step
    {
        state
            .discussion
            .put(id, k, generation, ticket, body.clone());
    }
    Ok(answer(body))
}

/// A story's discussion as the story page shows it: the anonymous first page, oldest first.
#[derive(Debug)]
pub struct FirstPage {
    pub html: String,
    /// Published comments, for the count in the story's header.
    pub count: usize,
    /// [`super::DiscussionCache::ticket`] taken before the comments were read.
    pub ticket: u64,
}

/// The key of the story page's block in the discussion cache.
const EMBED: &str = "embed";

/// The first page of a story's discussion for its page ([`FirstPage`]), from the discussion
/// cache when it holds it.
pub async fn first_page(
    state: &AppState,
    site: &SiteContext,
    article: &Article,
) -> Result<FirstPage, AppError> {
    let ticket = state.discussion.ticket();
    let generation = state.store.generation();
    let in_step = state.store.in_step();
    // Kept as "count\nhtml": the count goes to the story's header.
    if in_step
        && let Some(kept) = state.discussion.get(article.id.0, EMBED, generation)
        && let Some((count, html)) = kept.split_once('\n')
        && let Ok(count) = count.parse()
    {
        return Ok(FirstPage {
            html: html.to_owned(),
            count,
            ticket,
        });
    }
    let rules = state.store.discussion_rules().await?;
    let comments = state.store.comments_of(article.id, None).await?;
    let req = PageRequest::parse(None, None, rules.per_page.max(1), 500)?;
    let mut view = build_view(
        state,
        site,
        article,
        &rules,
        comments,
        None,
        None,
        req,
        &DiscussionQuery::default(),
    )?;
    view.providers = provider_links(state, &view.path).await?;
    let count = view.count;
    let html = state
        .theme
        .render("partials/discussion.html", Fragment { d: view })?;
    if in_step {
        state.discussion.put(
            article.id.0,
            EMBED.to_owned(),
            generation,
            ticket,
            format!("{count}\n{html}"),
        );
    }
    Ok(FirstPage {
        html,
        count,
        ticket,
    })
}

/// "Comment via <label>" for each OpenID Connect provider, back to `path` after.
async fn provider_links(state: &AppState, path: &str) -> Result<Vec<ProviderLink>, AppError> {
    Ok(state
        .store
        .providers()
        .await?
        .into_iter()
        .map(|p| ProviderLink {
            href: format!(
                "/readers/oidc/{}/start?next={}",
                crate::newsroom::auth::encode_component(&p.label),
                crate::newsroom::auth::encode_component(path)
            ),
            label: p.label,
        })
        .collect())
}

/// The discussion as HTML: never in the page cache (the router keeps it outside) nor in a
/// shared cache (a signed-in reader's view is their own).
fn answer(body: String) -> Response {
    let mut res = Html(body).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    res
}

#[expect(clippy::too_many_arguments, reason = "the parts of one view")]
fn build_view(
    state: &AppState,
    site: &SiteContext,
    article: &Article,
    rules: &DiscussionRules,
    comments: Vec<Comment>,
    reader: Option<&SignedReader>,
    requested: Option<Sort>,
    req: PageRequest,
    q: &DiscussionQuery,
) -> Result<DiscussionView, AppError> {
    let now = state.clock.now();
    let me = reader.map(|r| r.reader.id);
    let count = comments
        .iter()
        .filter(|c| c.status == CommentStatus::Published)
        .count();
    let featured: Vec<&Comment> = comments
        .iter()
        .rev()
        .filter(|c| c.featured && c.status == CommentStatus::Published)
        .collect();
    // Readers see featured comments first: their tab is the default when there are some.
    let default_sort = if featured.is_empty() {
        Sort::Oldest
    } else {
        Sort::Featured
    };
    let sort = match requested {
        Some(Sort::Featured) | None => default_sort,
        Some(s) => s,
    };
    let visible: HashMap<i64, &Comment> = comments.iter().map(|c| (c.id.0, c)).collect();
    let mut children: HashMap<i64, Vec<&Comment>> = HashMap::new();
    let mut tops: Vec<&Comment> = Vec::new();
    for c in &comments {
        match c.parent_id {
            Some(p) if visible.contains_key(&p.0) => children.entry(p.0).or_default().push(c),
            _ => tops.push(c),
        }
    }
    match sort {
        Sort::Oldest => {}
        Sort::Newest => tops.reverse(),
        Sort::Recommended => tops.sort_by(|a, b| {
            b.recommends
                .cmp(&a.recommends)
                .then(a.created_at.cmp(&b.created_at))
        }),
        // The featured comments alone, newest first, each without its thread.
        Sort::Featured => tops.clone_from(&featured),
    }
    let tops: Vec<&Comment> = tops
        .into_iter()
        .filter(|c| has_visible(c, &children))
        .collect();
    let per = req.per_page as usize;
    let pages = tops.len().div_ceil(per).max(1) as u32;
    let start = (req.offset() as usize).min(tops.len());
    let shown: Vec<CommentView> = tops[start..(start + per).min(tops.len())]
        .iter()
        .map(|c| {
            if sort == Sort::Featured {
                view_of(c, &HashMap::new(), 0, me, rules, site, now)
            } else {
                view_of(c, &children, 0, me, rules, site, now)
            }
        })
        .collect();
    let path = format!("/discussion/{}/", article.id);
    let link = |s: Sort, page: u32| {
        let mut href = path.clone();
        let mut sep = '?';
        if s != default_sort {
            href.push_str(&format!("?sort={}", s.as_str()));
            sep = '&';
        }
        if page > 1 {
            href.push_str(&format!("{sep}page={page}"));
        }
        href
    };
    let featured_label = format!("Featured ({})", featured.len());
    let sorts = [
        (featured_label.as_str(), Sort::Featured),
        ("Oldest", Sort::Oldest),
        ("Newest", Sort::Newest),
        ("Most recommended", Sort::Recommended),
    ]
    .into_iter()
    .filter(|(_, s)| *s != Sort::Featured || !featured.is_empty())
    .map(|(label, s)| SortLink {
        label: label.to_owned(),
        href: link(s, 1),
        current: s == sort,
    })
    .collect();
    let notice = match q.done.as_deref() {
        Some("posted") => Some("Your comment is published."),
        Some("held") => Some("Thank you: your comment is waiting for a moderator."),
        Some("rejected") => Some("Your comment was not published; see below for why."),
        Some("edited") => Some("Your comment was changed."),
        Some("deleted") => Some("Your comment was deleted."),
        Some("recommended") => Some("You recommended a comment."),
        Some("reported") => Some("Thank you: a moderator will look at the comment you reported."),
        _ => None,
    };
    Ok(DiscussionView {
        site_name: site.settings.name.clone(),
        article_id: article.id.0,
        headline: article.headline.clone(),
        article_path: story_path(site, article),
        count,
        mode: mode_name(article.discussion_mode),
        closed: article.discussion_mode == DiscussionMode::Closed,
        sort: sort.as_str(),
        sorts,
        comments: shown,
        page: req.page,
        pages,
        prev: (req.page > 1).then(|| link(sort, req.page - 1)),
        next: (req.page < pages).then(|| link(sort, req.page + 1)),
        reader: reader.map(|r| ReaderView {
            name: r.reader.display_name.clone(),
            csrf: r.csrf.clone(),
            verified: r.reader.verified,
            unverified: needs_verification(state, &r.reader),
            banned: r.reader.ban.active(now).then(|| ban_text(&r.reader, site)),
        }),
        notice,
        edit_minutes: rules.edit_window_secs / 60,
        providers: Vec::new(),
        path,
    })
}

/// Whether a reader's comments wait for their address to be verified: only when the site can
/// send the link, and only for accounts registered with an address (an outside identity has
/// none to verify).
fn needs_verification(state: &AppState, r: &discussion::Reader) -> bool {
    state.mail.is_some() && r.email.is_some() && !r.verified
}

/// A deleted comment stays only to hold its replies.
fn has_visible(c: &Comment, children: &HashMap<i64, Vec<&Comment>>) -> bool {
    c.status != CommentStatus::Deleted
        || children
            .get(&c.id.0)
            .is_some_and(|k| k.iter().any(|r| has_visible(r, children)))
}

fn view_of(
    c: &Comment,
    children: &HashMap<i64, Vec<&Comment>>,
    depth: usize,
    me: Option<dateline_core::ReaderId>,
    rules: &DiscussionRules,
    site: &SiteContext,
    now: jiff::Timestamp,
) -> CommentView {
    let mine = me == Some(c.reader_id);
    let deleted = c.status == CommentStatus::Deleted;
    let replies = children
        .get(&c.id.0)
        .map(|k| {
            k.iter()
                .filter(|r| has_visible(r, children))
                .map(|r| view_of(r, children, depth + 1, me, rules, site, now))
                .collect()
        })
        .unwrap_or_default();
    let rejected = matches!(c.status, CommentStatus::Rejected | CommentStatus::Spam).then(|| {
        if c.standard.is_empty() {
            "Not published: it broke our community standards.".to_owned()
        } else {
            format!("Not published: {}.", c.standard.trim_end_matches('.'))
        }
    });
    CommentView {
        id: c.id.0,
        author: if deleted {
            String::new()
        } else {
            c.reader_name.clone()
        },
        paragraphs: if deleted {
            Vec::new()
        } else {
            discussion::paragraphs(&c.body)
        },
        time: TimeView::new(c.created_at, site),
        edited: c.edited_at.is_some(),
        deleted,
        held: c.status == CommentStatus::Pending,
        rejected,
        mine,
        editable: (mine
            && matches!(c.status, CommentStatus::Published | CommentStatus::Pending)
            && discussion::may_edit(rules, c.created_at, now))
        .then(|| c.body.clone()),
        recommends: c.recommends,
        featured: c.featured && c.status == CommentStatus::Published,
        depth: depth.min(discussion::MAX_DEPTH),
        replies,
    }
}

fn ban_text(r: &discussion::Reader, site: &SiteContext) -> String {
    match (r.ban.forever, r.ban.until) {
        (false, Some(until)) => format!(
            "Your account may not comment until {}.",
            dateline_core::dateline::format(until, &site.tz)
        ),
        _ => "Your account may no longer comment.".to_owned(),
    }
}

/// The signed-in reader, or a 303 to the sign-in page and back to this discussion.
async fn require_reader(
    state: &AppState,
    headers: &HeaderMap,
    back: &str,
) -> Result<Result<SignedReader, Response>, AppError> {
    Ok(match signed_reader(state, headers).await? {
        Some(r) => Ok(r),
        None => Err(see_other(&format!(
            "/readers/sign-in?next={}",
            crate::newsroom::auth::encode_component(back)
        ))),
    })
}

/// Refuse a banned reader, whatever identity they signed in with (identities are linked to the
/// one reader row, which carries the ban).
fn refuse_banned(r: &SignedReader, state: &AppState, site: &SiteContext) -> Result<(), AppError> {
    if r.reader.ban.active(state.clock.now()) {
        return Err(AppError::Forbidden(ban_text(&r.reader, site)));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    csrf: String,
}

async fn post_comment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let id = id_of(&raw)?;
    let back = format!("/discussion/{id}/");
    let reader = match require_reader(&state, &headers, &back).await? {
        Ok(r) => r,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    reader.check_form(&f.csrf)?;
    let site = state.site().await?;
    refuse_banned(&reader, &state, &site)?;
    let article = story(&state, id).await?;
    if article.discussion_mode == DiscussionMode::Closed {
        return Err(AppError::Forbidden(
            "This discussion is closed: no new comments can be posted.".to_owned(),
        ));
    }
    let body =
        discussion::comment_text(&f.body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let parent = match f.parent.trim() {
        "" => None,
        p => {
            let pid = CommentId(p.parse::<i64>().map_err(|_| {
                AppError::BadRequest("The comment replied to does not exist.".to_owned())
            })?);
            let parent = match state.store.comment(pid).await {
                Ok(c) => c,
                Err(StoreError::NotFound) => {
                    return Err(AppError::BadRequest(
                        "The comment replied to does not exist.".to_owned(),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            if parent.article_id != article.id || parent.status != CommentStatus::Published {
                return Err(AppError::BadRequest(
                    "You can only reply to a published comment of this discussion.".to_owned(),
                ));
            }
            Some(pid)
        }
    };
    let rules = state.store.discussion_rules().await?;
    let now = state.clock.now();
    let address = ip.map(|i| i.to_string()).unwrap_or_default();
    let history = state
        .store
        .posting_history(
            reader.reader.id,
            &address,
            &body,
            now - SignedDuration::from_mins(1),
            now - SignedDuration::from_secs(rules.duplicate_window_secs.max(0)),
        )
        .await?;
    if history.recent >= u64::from(rules.per_reader_per_minute)
        || (!address.is_empty() && history.from_address >= u64::from(rules.per_address_per_minute))
    {
        let mut res = AppError::TooMany(
            "You are commenting too quickly. Wait a minute, then post your comment again."
                .to_owned(),
        )
        .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(res);
    }
    if history.duplicate {
        return Err(AppError::BadRequest(
            "You have already posted this comment.".to_owned(),
        ));
    }
    let verdict = discussion::judge(
        &rules,
        &body,
        Context {
            prior_comments: history.ever,
            pre_moderated: article.discussion_mode == DiscussionMode::PreModerated,
            unverified: needs_verification(&state, &reader.reader),
        },
    );
    let (status, flag, done) = match verdict {
        Verdict::Publish => (CommentStatus::Published, String::new(), "posted"),
        Verdict::Hold(why) => (CommentStatus::Pending, why, "held"),
        Verdict::Reject(why) => (CommentStatus::Rejected, why, "rejected"),
    };
    let c = state
        .store
        .add_comment(
            NewComment {
                article_id: article.id,
                reader_id: reader.reader.id,
                parent_id: parent,
                body,
                status,
                flag: flag.clone(),
                ip: address,
            },
            now,
        )
        .await?;
    if status == CommentStatus::Rejected {
        // The author sees which rule it broke.
        state
            .store
            .set_comment_status(c.id, status, &flag, None, now)
            .await?;
    }
    if status == CommentStatus::Published {
        super::replies::published(&state, c.id, c.parent_id).await;
    }
    state.discussion_changed(Some(article.id)).await;
    tracing::info!(comment_id = %c.id, article_id = %article.id, status = %status, "comment posted");
    // Where featured comments lead, the default view lists only them: the poster is sent to
    // the newest-first view, which shows what they just wrote.
    let order = if state.store.has_featured_comments(article.id).await? {
        "sort=newest&"
    } else {
        ""
    };
    Ok(see_other(&format!(
        "{back}?{order}done={done}#comment-{}",
        c.id
    )))
}

/// A comment and its signed-in author (or the reason not), for the author's own actions.
async fn own_comment(
    state: &AppState,
    headers: &HeaderMap,
    raw: &str,
    csrf: &str,
) -> Result<Result<(SignedReader, Comment), Response>, AppError> {
    let id = CommentId(id_of(raw)?);
    let c = state.store.comment(id).await?;
    let back = format!("/discussion/{}/", c.article_id);
    let reader = match require_reader(state, headers, &back).await? {
        Ok(r) => r,
        Err(to_sign_in) => return Ok(Err(to_sign_in)),
    };
    reader.check_form(csrf)?;
    Ok(Ok((reader, c)))
}

fn back_to(c: &Comment, done: &str) -> Response {
    see_other(&format!(
        "/discussion/{}/?done={done}#comment-{}",
        c.article_id, c.id
    ))
}

async fn edit_comment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (reader, c) = match own_comment(&state, &headers, &raw, &f.csrf).await? {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    if c.reader_id != reader.reader.id {
        return Err(AppError::Forbidden(
            "You can only edit your own comments.".to_owned(),
        ));
    }
    let site = state.site().await?;
    refuse_banned(&reader, &state, &site)?;
    let rules = state.store.discussion_rules().await?;
    let now = state.clock.now();
    if !matches!(c.status, CommentStatus::Published | CommentStatus::Pending)
        || !discussion::may_edit(&rules, c.created_at, now)
    {
        return Err(AppError::Forbidden(format!(
            "This comment can no longer be edited: comments can be changed for {} minutes \
             after posting.",
            rules.edit_window_secs / 60
        )));
    }
    let body =
        discussion::comment_text(&f.body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let article = state.store.article(c.article_id).await?;
    // The changed text meets the rules as a new one would (it has been seen, so a new
    // account's hold does not apply again).
    let verdict = discussion::judge(
        &rules,
        &body,
        Context {
            prior_comments: u64::MAX,
            pre_moderated: article.discussion_mode == DiscussionMode::PreModerated,
            unverified: needs_verification(&state, &reader.reader),
        },
    );
    state.store.edit_comment(c.id, &body, now).await?;
    let done = match verdict {
        Verdict::Publish if c.status == CommentStatus::Published => "edited",
        Verdict::Publish => "held",
        Verdict::Hold(_) => {
            state
                .store
                .set_comment_status(c.id, CommentStatus::Pending, "", None, now)
                .await?;
            "held"
        }
        Verdict::Reject(why) => {
            state
                .store
                .set_comment_status(c.id, CommentStatus::Rejected, &why, None, now)
                .await?;
            "rejected"
        }
    };
    state.discussion_changed(Some(c.article_id)).await;
    Ok(back_to(&c, done))
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    /// Where to go afterwards: only the reader's account page may be named (`/readers/me`);
    /// otherwise back to the comment's discussion.
    #[serde(default)]
    next: String,
}

async fn delete_comment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (reader, c) = match own_comment(&state, &headers, &raw, &f.csrf).await? {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    if c.reader_id != reader.reader.id {
        return Err(AppError::Forbidden(
            "You can only delete your own comments.".to_owned(),
        ));
    }
    state
        .store
        .set_comment_status(c.id, CommentStatus::Deleted, "", None, state.clock.now())
        .await?;
    state.discussion_changed(Some(c.article_id)).await;
    if f.next == super::account::ACCOUNT_PATH {
        return Ok(see_other(&format!(
            "{}?done=deleted",
            super::account::ACCOUNT_PATH
        )));
    }
    Ok(back_to(&c, "deleted"))
}

async fn recommend_comment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (reader, c) = match own_comment(&state, &headers, &raw, &f.csrf).await? {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    if c.status != CommentStatus::Published {
        return Err(AppError::BadRequest(
            "Only published comments can be recommended.".to_owned(),
        ));
    }
    if c.reader_id == reader.reader.id {
        return Err(AppError::BadRequest(
            "You cannot recommend your own comment.".to_owned(),
        ));
    }
    state
        .store
        .recommend_comment(c.id, reader.reader.id)
        .await?;
    state.discussion_changed(Some(c.article_id)).await;
    Ok(back_to(&c, "recommended"))
}

async fn report_comment(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (reader, c) = match own_comment(&state, &headers, &raw, &f.csrf).await? {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    if c.status != CommentStatus::Published {
        return Err(AppError::BadRequest(
            "Only published comments can be reported.".to_owned(),
        ));
    }
    let reason =
        discussion::report_reason(&f.reason).map_err(|e| AppError::BadRequest(e.to_string()))?;
    state
        .store
        .report_comment(c.id, reader.reader.id, &reason, state.clock.now())
        .await?;
    Ok(back_to(&c, "reported"))
}
