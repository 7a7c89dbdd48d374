//! A reader's own account page, `/readers/me`: what the site holds of them (name, address,
//! standing), their comments with a way to delete each, their newsletters, and the erasure of
//! the whole account (`POST /readers/me/delete`). Their data, their choice: nothing here needs
//! a moderator.
//!
//! Behind the discussion's `guard` like the other reader pages (never cached, cross-site POSTs
//! refused); each form carries the session's token.

use super::readers::{READER_COOKIE, SignedReader, signed_reader};
use crate::AppError;
use crate::input::Form;
use crate::newsroom::auth::{secure_cookies, see_other, set_cookie};
use crate::state::AppState;
use crate::views::{Meta, SiteView, TimeView};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use dateline_core::discussion::CommentStatus;
use serde::{Deserialize, Serialize};

/// The account page's path; the comment delete form may name it as where to go back to.
pub const ACCOUNT_PATH: &str = "/readers/me";

/// How much of a comment the list shows.
const EXCERPT_CHARS: usize = 280;

pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route(ACCOUNT_PATH, get(show_account))
        .route("/readers/me/delete", post(delete_account))
}

#[derive(Debug, Serialize)]
struct CommentLine {
    id: i64,
    article_id: i64,
    headline: String,
    excerpt: String,
    time: TimeView,
    /// `published`, `pending` or `rejected` (spam shows as rejected, as in the discussion).
    status: &'static str,
}

#[derive(Debug, Serialize)]
struct AccountPage {
    site: SiteView,
    meta: Meta,
    /// `account` or `erased`.
    kind: &'static str,
    name: String,
    email: Option<String>,
    verified: bool,
    since: Option<TimeView>,
    comments: Vec<CommentLine>,
    /// Whether the list stopped at its limit.
    more: bool,
    csrf: String,
    /// Whether this site sends mail (newsletters and reply mail need it).
    mail: bool,
    /// Whether the reader asked for mail about replies to their comments.
    reply_mail: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AccountQuery {
    done: Option<String>,
}

async fn show_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other("/readers/sign-in?next=/readers/me"));
    };
    let notice = match q.done.as_deref() {
        Some("deleted") => Some("Your comment was deleted."),
        Some("replies-on") => Some("We will email you when someone replies to your comments."),
        Some("replies-off") => Some("We will not email you about replies."),
        _ => None,
    };
    account_page(&state, &reader, StatusCode::OK, notice, None).await
}

async fn account_page(
    state: &AppState,
    reader: &SignedReader,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let own = state.store.comments_by_reader(reader.reader.id).await?;
    let more = own.len() as i64 >= dateline_store::OWN_COMMENTS_SHOWN;
    let comments = own
        .into_iter()
        .map(|o| CommentLine {
            id: o.comment.id.0,
            article_id: o.comment.article_id.0,
            headline: o.article_headline,
            excerpt: excerpt(&o.comment.body),
            time: TimeView::new(o.comment.created_at, &site),
            status: match o.comment.status {
                CommentStatus::Published => "published",
                CommentStatus::Pending => "pending",
                _ => "rejected",
            },
        })
        .collect();
    let page = AccountPage {
        site: SiteView::new(&site, None, state.clock.now()),
        meta: Meta {
            title: format!("Your account | {}", site.settings.name),
            description: "Your reader account".to_owned(),
            noindex: true,
            ..Meta::default()
        },
        kind: "account",
        name: reader.reader.display_name.clone(),
        email: reader.reader.email.clone(),
        verified: reader.reader.verified,
        since: Some(TimeView::new(reader.reader.created_at, &site)),
        comments,
        more,
        csrf: reader.csrf.clone(),
        mail: state.mail.is_some(),
        reply_mail: state.store.reply_mail_wanted(reader.reader.id).await?,
        notice,
        error,
    };
    let body = state.theme.render("reader_account.html", page)?;
    Ok((status, Html(body)).into_response())
}

/// The first [`EXCERPT_CHARS`] characters of a comment, cut at a word where one is near.
fn excerpt(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() <= EXCERPT_CHARS {
        return body.to_owned();
    }
    let cut: String = body.chars().take(EXCERPT_CHARS).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > EXCERPT_CHARS / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
    /// The "I understand" checkbox: present only when ticked.
    #[serde(default)]
    confirm: Option<String>,
}

async fn delete_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other("/readers/sign-in?next=/readers/me"));
    };
    reader.check_form(&f.csrf)?;
    if f.confirm.as_deref() != Some("yes") {
        return account_page(
            &state,
            &reader,
            StatusCode::BAD_REQUEST,
            None,
            Some(
                "Tick the box to confirm that you want your account and comments deleted; \
                 nothing was deleted."
                    .to_owned(),
            ),
        )
        .await;
    }
    let stories = state.store.erase_reader(reader.reader.id).await?;
    for story in stories {
        state.discussion_changed(Some(story)).await;
    }
    tracing::info!(reader = reader.reader.id.0, "a reader erased their account");
    let site = state.site().await?;
    let page = AccountPage {
        site: SiteView::new(&site, None, state.clock.now()),
        meta: Meta {
            title: format!("Your account was deleted | {}", site.settings.name),
            description: "Your reader account was deleted".to_owned(),
            noindex: true,
            ..Meta::default()
        },
        kind: "erased",
        name: String::new(),
        email: None,
        verified: false,
        since: None,
        comments: Vec::new(),
        more: false,
        csrf: String::new(),
        mail: state.mail.is_some(),
        reply_mail: false,
        notice: None,
        error: None,
    };
    let body = state.theme.render("reader_account.html", page)?;
    let mut res = Html(body).into_response();
    let secure = secure_cookies(&state).await?;
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(READER_COOKIE, "", "/", 0, secure),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_keep_short_comments_and_cut_long_ones_at_a_word() {
        assert_eq!(excerpt("  Well said.  "), "Well said.");
        let long = "word ".repeat(100);
        let cut = excerpt(&long);
        assert!(cut.ends_with("word…"), "{cut}");
        assert!(cut.chars().count() <= super::EXCERPT_CHARS + 1);
        let unbroken = "x".repeat(400);
        assert_eq!(excerpt(&unbroken).chars().count(), super::EXCERPT_CHARS + 1);
    }
}
