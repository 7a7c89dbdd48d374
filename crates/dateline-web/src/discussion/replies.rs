//! Mail about replies (issue 18; docs/discussion.md, "Email"): a reader who asks for it on
//! `/readers/me` gets a mail when someone else's reply to one of their comments is published,
//! with a link to it and a link that stops these mails at once.
//!
//! Opt-in only, and only on a site that sends mail, to a verified address. A reply is mailed
//! when it is published: at once when it needs no moderator, or when a moderator approves it
//! ([`published`], called by both). The mail itself is a `mail.reply` job (`crate::mail`),
//! which decides when it runs whether the mail is still wanted.
//!
//! The stop link is signed with the newsletters' link key (`r:READER`, see
//! `newsletters/links.rs`) and needs no sign-in: its GET shows a button (mail scanners open
//! links), its POST, the button's or a mail client's RFC 8058 one-click, stops the mails. It
//! sits outside the same-origin guard for that reason; the opt-in form on `/readers/me` sits
//! behind it with the session's token.

use super::account::ACCOUNT_PATH;
use super::readers::signed_reader;
use crate::AppError;
use crate::input::Form;
use crate::newsletters::links::Signed;
use crate::newsroom::auth::see_other;
use crate::state::AppState;
use crate::views::{Meta, SiteView};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use dateline_core::{CommentId, ReaderId};
use serde::{Deserialize, Serialize};

/// Where a reply mail's stop link points.
pub const OFF_PATH: &str = "/readers/replies/off";

/// Queue the mail about comment `id`, just published (posted without a moderator, or
/// approved), when it is a reply and the site sends mail. Whether its parent's author wants it
/// is the job's question, asked when it runs. A queue that fails is logged, never the poster's
/// or the moderator's error: the comment is published either way.
pub async fn published(state: &AppState, id: CommentId, parent: Option<CommentId>) {
    let (Some(mailer), Some(_)) = (&state.mail, parent) else {
        return;
    };
    if let Err(e) = mailer.queue_reply(id).await {
        tracing::error!(comment_id = %id, error = %e, "the reply mail could not be queued");
    }
}

/// The opt-in form on `/readers/me`, behind the guard.
pub fn routes() -> Router<AppState> {
    use axum::routing::post;
    Router::new().route("/readers/me/replies", post(save_choice))
}

/// The stop link, outside the guard: a mail client's one-click POST comes from anywhere.
pub fn one_click_routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new().route(OFF_PATH, get(show_off).post(turn_off))
}

#[derive(Debug, Deserialize)]
struct ChoiceForm {
    #[serde(default)]
    csrf: String,
    /// The checkbox: present only when ticked.
    #[serde(default)]
    replies: Option<String>,
}

async fn save_choice(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ChoiceForm>,
) -> Result<Response, AppError> {
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other("/readers/sign-in?next=/readers/me"));
    };
    reader.check_form(&f.csrf)?;
    let on = f.replies.as_deref() == Some("yes");
    if on && state.mail.is_none() {
        return Err(AppError::BadRequest(
            "This site does not send mail, so it cannot email you about replies.".to_owned(),
        ));
    }
    if on && (reader.reader.email.is_none() || !reader.reader.verified) {
        return Err(AppError::BadRequest(
            "Confirm your email address first (use the link we sent you); then you can ask \
             for email about replies."
                .to_owned(),
        ));
    }
    state
        .store
        .set_reply_mail(reader.reader.id, on, state.clock.now())
        .await?;
    let done = if on { "replies-on" } else { "replies-off" };
    Ok(see_other(&format!("{ACCOUNT_PATH}?done={done}#reply-mail")))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Serialize)]
struct OffPage {
    site: SiteView,
    meta: Meta,
    /// `confirm` (the button), `done` or `bad-link`.
    kind: &'static str,
    token: String,
}

async fn render(
    state: &AppState,
    status: StatusCode,
    kind: &'static str,
    token: String,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let title = match kind {
        "done" => "You will get no more emails about replies",
        "bad-link" => "This link does not work",
        _ => "Stop emails about replies",
    };
    let page = OffPage {
        site: SiteView::new(&site, None, state.clock.now()),
        meta: Meta {
            title: format!("{title} | {}", site.settings.name),
            description: "Emails about replies to your comments".to_owned(),
            noindex: true,
            ..Meta::default()
        },
        kind,
        token,
    };
    let body = state.theme.render("reply_mail.html", page)?;
    Ok((status, Html(body)).into_response())
}

/// The reader this stop link names, if it is one of ours and unaltered.
async fn reader_of(state: &AppState, token: &str) -> Result<Option<ReaderId>, AppError> {
    let signer = match &state.newsletters {
        Some(n) => n.signer().clone(),
        None => crate::newsletters::events::link_signer(&state.store)
            .await
            .map_err(AppError::Internal)?,
    };
    Ok(match signer.verify(token, state.clock.now()) {
        Some(Signed::ReplyMailOff { reader }) => Some(ReaderId(reader)),
        _ => None,
    })
}

async fn show_off(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    if reader_of(&state, &q.token).await?.is_none() {
        return render(&state, StatusCode::BAD_REQUEST, "bad-link", String::new()).await;
    }
    render(&state, StatusCode::OK, "confirm", q.token).await
}

/// The page's button and RFC 8058's POST (body `List-Unsubscribe=One-Click`) alike: the token
/// in the query is the whole authority. Stopping twice is fine; a reader erased since is too.
async fn turn_off(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some(reader) = reader_of(&state, &q.token).await? else {
        return render(&state, StatusCode::BAD_REQUEST, "bad-link", String::new()).await;
    };
    state
        .store
        .set_reply_mail(reader, false, state.clock.now())
        .await?;
    tracing::info!(reader = reader.0, "reply mail stopped by link");
    render(&state, StatusCode::OK, "done", String::new()).await
}
