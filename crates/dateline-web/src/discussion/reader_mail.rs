//! Reader mail flows (docs/discussion.md, "Email"): verifying a reader's address
//! (`/readers/verify?token=…`, and `/readers/verify/resend` for a signed-in reader) and
//! resetting a forgotten password (`/readers/forgot`, `/readers/reset`).
//!
//! A link's token is 256 random bits; only its SHA-256 is stored, it works once and expires
//! (48 hours to verify, one hour to reset). The "forgot" form answers the same page whether or
//! not an account uses the address, so it cannot be used to find accounts; it is throttled per
//! address and, silently, per account. Mail is only queued here ([`crate::mail::Mailer`] sends
//! it); without SMTP settings the pages say the site cannot send mail. Never logs an email
//! address, a password or a token.

use super::readers::{
    address_subject, check_double_submit, form_token, signed_reader, start_session, throttled,
    too_many,
};
use crate::AppError;
use crate::input::Form;
use crate::newsroom::ClientIp;
use crate::newsroom::auth::see_other;
use crate::newsroom::credentials::{hash_password_off_thread, token_hash};
use crate::state::AppState;
use crate::views::{Meta, SiteView};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use dateline_core::account::{Email, Throttle};
use dateline_core::discussion::Reader;
use dateline_core::mail::LinkPurpose;
use dateline_core::secret::Secret;
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/readers/verify", get(verify))
        .route("/readers/verify/resend", post(resend_verification))
        .route("/readers/forgot", get(show_forgot).post(forgot))
        .route("/readers/reset", get(show_reset).post(reset))
}

/// Queue a verification mail for a reader with an unverified address, when the site can send
/// mail; otherwise do nothing (a moderator verifies by hand).
pub async fn send_verification(state: &AppState, reader: &Reader) -> Result<(), AppError> {
    let (Some(mailer), Some(email)) = (&state.mail, &reader.email) else {
        return Ok(());
    };
    if reader.verified {
        return Ok(());
    }
    mailer
        .queue_link(email, reader.id, LinkPurpose::Verify)
        .await?;
    tracing::info!(reader_id = %reader.id, "verification mail queued");
    Ok(())
}

#[derive(Debug, Serialize)]
struct MailPage {
    site: SiteView,
    meta: Meta,
    /// `forgot`, `forgot-sent`, `reset`, `reset-done`, `bad-link`, `verified`.
    kind: &'static str,
    /// Whether this site can send mail.
    mail: bool,
    form_token: String,
    /// The link's token, carried by the reset form.
    token: String,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    kind: &'static str,
    token: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let (form_token, cookie) = form_token(state, headers).await?;
    let title = match kind {
        "forgot" | "forgot-sent" => "Forgotten your password?",
        "reset" => "Choose a new password",
        "verified" => "Your email address is verified",
        "reset-done" => "Your password is changed",
        _ => "This link does not work",
    };
    let view = MailPage {
        site: SiteView::new(&site, None, state.clock.now()),
        meta: Meta {
            title: format!("{title} | {}", site.settings.name),
            description: title.to_owned(),
            noindex: true,
            ..Meta::default()
        },
        kind,
        mail: state.mail.is_some(),
        form_token,
        token,
        error,
    };
    let body = state.theme.render("reader_mail.html", view)?;
    let mut res = (status, Html(body)).into_response();
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

async fn bad_link(state: &AppState, headers: &HeaderMap) -> Result<Response, AppError> {
    page(
        state,
        headers,
        StatusCode::BAD_REQUEST,
        "bad-link",
        String::new(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: Secret<String>,
    /// Set on the page a reader lands on after choosing a new password.
    done: Option<String>,
}

/// A link's token as sent: 43 characters of URL-safe base64. Anything else is not ours.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    if !plausible(q.token.expose()) {
        return bad_link(&state, &headers).await;
    }
    match state
        .store
        .verify_reader_by_link(&token_hash(q.token.expose()), state.clock.now())
        .await
    {
        Ok(id) => {
            tracing::info!(reader_id = %id, "reader email verified");
            page(
                &state,
                &headers,
                StatusCode::OK,
                "verified",
                String::new(),
                None,
            )
            .await
        }
        Err(StoreError::NotFound) => bad_link(&state, &headers).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

async fn resend_verification(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ResendForm>,
) -> Result<Response, AppError> {
    let next = super::readers::safe_return(&state, f.next.as_deref()).await?;
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other(&format!(
            "/readers/sign-in?next={}",
            crate::newsroom::auth::encode_component(&next)
        )));
    };
    reader.check_form(&f.csrf)?;
    if state.mail.is_none() {
        return Err(AppError::BadRequest(
            "This site cannot send email: a moderator can verify your account by hand.".to_owned(),
        ));
    }
    // A few links per quarter hour: enough for a lost mail, too few to flood a mailbox.
    let subject = format!("reader-resend:{}", reader.reader.id);
    if let Some(w) = throttled(&state, &subject, Throttle::ACCOUNT).await? {
        return Err(too_many(w));
    }
    let now = state.clock.now();
    state
        .store
        .record_login_failure(&[subject.as_str()], now, Throttle::ACCOUNT.since(now))
        .await?;
    send_verification(&state, &reader.reader).await?;
    Ok(see_other(&next))
}

async fn show_forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(
        &state,
        &headers,
        StatusCode::OK,
        "forgot",
        String::new(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    form_token: String,
}

async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<ForgotForm>,
) -> Result<Response, AppError> {
    check_double_submit(&headers, &f.form_token)?;
    if state.mail.is_none() {
        return show_forgot(State(state), headers).await;
    }
    let now = state.clock.now();
    let address = address_subject("forgot", ip);
    if let Some(w) = throttled(&state, &address, Throttle::ADDRESS).await? {
        return Err(too_many(w));
    }
    let Ok(email) = Email::parse(&f.email) else {
        return page(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            "forgot",
            String::new(),
            Some("Enter your email address, like name@example.com.".to_owned()),
        )
        .await;
    };
    // Every request counts against the address, and against the account (whether or not
    // there is one, so the count itself tells nothing): past the limit, no more mail is sent,
    // but the answer is the same page.
    let account = format!("reader-forgot:{email}");
    let quiet = throttled(&state, &account, Throttle::ACCOUNT)
        .await?
        .is_some();
    state
        .store
        .record_login_failure(
            &[address.as_str(), account.as_str()],
            now,
            Throttle::ACCOUNT.since(now),
        )
        .await?;
    if !quiet {
        match state.store.reader_for_sign_in(&email).await {
            Ok((reader, _)) => {
                if let Some(mailer) = &state.mail {
                    mailer
                        .queue_link(email.as_str(), reader.id, LinkPurpose::Reset)
                        .await?;
                    tracing::info!(reader_id = %reader.id, "password reset mail queued");
                }
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    page(
        &state,
        &headers,
        StatusCode::OK,
        "forgot-sent",
        String::new(),
        None,
    )
    .await
}

async fn show_reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    if q.done.is_some() {
        return page(
            &state,
            &headers,
            StatusCode::OK,
            "reset-done",
            String::new(),
            None,
        )
        .await;
    }
    // Only looks: the link is used by the form's POST, so a mail scanner opening it spends
    // nothing.
    if !plausible(q.token.expose()) {
        return bad_link(&state, &headers).await;
    }
    match state
        .store
        .reader_of_link(
            &token_hash(q.token.expose()),
            LinkPurpose::Reset,
            state.clock.now(),
        )
        .await
    {
        Ok(_) => {
            page(
                &state,
                &headers,
                StatusCode::OK,
                "reset",
                q.token.into_inner(),
                None,
            )
            .await
        }
        Err(StoreError::NotFound) => bad_link(&state, &headers).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: Secret<String>,
    #[serde(default)]
    password: Secret<String>,
    #[serde(default)]
    form_token: String,
}

async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ResetForm>,
) -> Result<Response, AppError> {
    check_double_submit(&headers, &f.form_token)?;
    if !plausible(f.token.expose()) {
        return bad_link(&state, &headers).await;
    }
    let hash = token_hash(f.token.expose());
    let now = state.clock.now();
    match state
        .store
        .reader_of_link(&hash, LinkPurpose::Reset, now)
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return bad_link(&state, &headers).await,
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = dateline_core::account::check_password(f.password.expose()) {
        return page(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            "reset",
            f.token.into_inner(),
            Some(format!("Choose a longer password: {e}.")),
        )
        .await;
    }
    let password = hash_password_off_thread(f.password).await?;
    // Using the link is the check: a link used or expired since the look above fails here.
    let reader = match state
        .store
        .reset_reader_password(&hash, &password, now)
        .await
    {
        Ok(r) => r,
        Err(StoreError::NotFound) => return bad_link(&state, &headers).await,
        Err(e) => return Err(e.into()),
    };
    tracing::info!(reader_id = %reader.id, "reader password reset; other sessions ended");
    state
        .store
        .clear_login_failures(&format!("reader:{}", reader.email.as_deref().unwrap_or("")))
        .await?;
    start_session(&state, &reader, "/readers/reset?done=1").await
}
