//! Reader accounts on the reading site: `/readers/register`, `/readers/sign-in`,
//! `/readers/sign-out`, and the [`SignedReader`] a reader's session cookie gives.
//!
//! Readers are not staff: their sessions are `reader_sessions` rows under their own cookie and
//! never open the newsroom. Passwords are Argon2id (the newsroom's helpers, on the blocking
//! pool); session tokens are stored as SHA-256 digests. Forms before a session carry a
//! double-submit token; sign-in and registration are throttled per address (and sign-in per
//! account) in the store. Never logs an email, a password or a token.

use crate::AppError;
use crate::input::Form;
use crate::newsroom::ClientIp;
use crate::newsroom::auth::{cookie, csrf_refused, secure_cookies, see_other, set_cookie};
use crate::newsroom::credentials::{
    check_password, hash_password_off_thread, new_token, same_token, token_hash,
};
use crate::state::AppState;
use crate::views::{Meta, SiteView};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use dateline_core::account::{Email, SESSION_LIFETIME, Throttle, minutes_text};
use dateline_core::discussion::{Reader, display_name};
use dateline_core::secret::Secret;
use dateline_store::{NewReader, StoreError};
use serde::{Deserialize, Serialize};

/// The reader's session cookie (a random 256-bit token; only its SHA-256 is stored).
pub const READER_COOKIE: &str = "dateline_reader";
/// The token of the reader forms shown before a session exists (double submit).
pub const READER_FORM_COOKIE: &str = "dateline_reader_form";

pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/readers/register", get(show_register).post(register))
        .route("/readers/sign-in", get(show_sign_in).post(sign_in))
        .route("/readers/sign-out", post(sign_out))
}

/// A signed-in reader: their account and their session's form token.
#[derive(Debug, Clone)]
pub struct SignedReader {
    pub reader: Reader,
    pub csrf: String,
    session_hash: String,
}

impl SignedReader {
    /// Refuse with 403 unless a submitted form carries this session's token.
    pub fn check_form(&self, submitted: &str) -> Result<(), AppError> {
        if same_token(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(csrf_refused())
        }
    }
}

/// The reader signed in on this request, if any.
pub async fn signed_reader(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SignedReader>, AppError> {
    let Some(token) = cookie(headers, READER_COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    match state.store.reader_session(&hash, state.clock.now()).await {
        Ok(s) => Ok(Some(SignedReader {
            reader: s.reader,
            csrf: s.csrf_token,
            session_hash: hash,
        })),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Where to go after signing in: a path of this site (as a browser would resolve `next`:
/// [`crate::http::same_site_path`]), never another origin, the newsroom or the reader forms.
pub async fn safe_return(state: &AppState, next: Option<&str>) -> Result<String, AppError> {
    let site = state.site().await?;
    Ok(next
        .and_then(|n| crate::http::same_site_path(&site.settings.base_url, n))
        .filter(|p| !p.starts_with("/newsroom") && !p.starts_with("/readers/"))
        .unwrap_or_else(|| "/".to_owned()))
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Serialize)]
struct FormPage {
    site: SiteView,
    meta: Meta,
    /// `register` or `sign-in`.
    kind: &'static str,
    form_token: String,
    next: String,
    name: String,
    email: String,
    error: Option<String>,
    /// Whether this site can send mail (without, a moderator verifies accounts by hand).
    mail: bool,
}

#[expect(clippy::too_many_arguments, reason = "one form page for two forms")]
async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    kind: &'static str,
    next: String,
    name: String,
    email: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let (token, fresh) = form_token(state, headers).await?;
    let title = if kind == "register" {
        "Create a reader account"
    } else {
        "Sign in to comment"
    };
    let view = FormPage {
        site: SiteView::new(&site, None, state.clock.now()),
        meta: Meta {
            title: format!("{title} | {}", site.settings.name),
            description: title.to_owned(),
            noindex: true,
            ..Meta::default()
        },
        kind,
        form_token: token.clone(),
        next,
        name,
        email,
        error,
        mail: state.mail.is_some(),
    };
    let body = state.theme.render("reader_form.html", view)?;
    let mut res = (status, Html(body)).into_response();
    if let Some(c) = fresh {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// The double-submit token for a form shown before a session exists: the browser's, or a new
/// one with the cookie that sets it.
pub(super) async fn form_token(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Option<HeaderValue>), AppError> {
    if let Some(t) = cookie(headers, READER_FORM_COOKIE).filter(|t| t.len() == 43) {
        return Ok((t, None));
    }
    let token = new_token()?.into_inner();
    let secure = secure_cookies(state).await?;
    let c = set_cookie(READER_FORM_COOKIE, &token, "/readers/", 2 * 60 * 60, secure);
    Ok((token, Some(c)))
}

async fn show_register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_return(&state, q.next.as_deref()).await?;
    form_page(
        &state,
        &headers,
        StatusCode::OK,
        "register",
        next,
        String::new(),
        String::new(),
        None,
    )
    .await
}

async fn show_sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_return(&state, q.next.as_deref()).await?;
    form_page(
        &state,
        &headers,
        StatusCode::OK,
        "sign-in",
        next,
        String::new(),
        String::new(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ReaderForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: Secret<String>,
    #[serde(default)]
    form_token: String,
    next: Option<String>,
}

pub(super) fn check_double_submit(headers: &HeaderMap, submitted: &str) -> Result<(), AppError> {
    let expected = cookie(headers, READER_FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(&expected, submitted) {
        return Err(csrf_refused());
    }
    Ok(())
}

pub(super) fn address_subject(kind: &str, ip: Option<std::net::IpAddr>) -> String {
    format!(
        "reader-{kind}:{}",
        ip.map_or("unknown".to_owned(), |i| i.to_string())
    )
}

/// How long until `subject` may try again under `rule`, if it must wait.
pub(super) async fn throttled(
    state: &AppState,
    subject: &str,
    rule: Throttle,
) -> Result<Option<jiff::SignedDuration>, AppError> {
    let now = state.clock.now();
    let (n, oldest) = state.store.login_failures(subject, rule.since(now)).await?;
    Ok(rule.wait(n, oldest, now))
}

pub(super) fn too_many(wait: jiff::SignedDuration) -> AppError {
    AppError::TooMany(format!(
        "Too many attempts from here; try again in {}.",
        minutes_text(wait)
    ))
}

async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<ReaderForm>,
) -> Result<Response, AppError> {
    check_double_submit(&headers, &f.form_token)?;
    let next = safe_return(&state, f.next.as_deref()).await?;
    let now = state.clock.now();
    // Registrations count against the address like failures do: a flood of accounts from one
    // place waits like a flood of wrong passwords.
    let subject = address_subject("register", ip);
    if let Some(w) = throttled(&state, &subject, Throttle::ADDRESS).await? {
        return Err(too_many(w));
    }
    let again = |error: String| {
        form_page(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            "register",
            next.clone(),
            f.name.clone(),
            f.email.clone(),
            Some(error),
        )
    };
    let name = match display_name(&f.name) {
        Ok(n) => n,
        Err(e) => return again(e.to_string()).await,
    };
    let Ok(email) = Email::parse(&f.email) else {
        return again("Enter your email address, like name@example.com.".to_owned()).await;
    };
    if let Err(e) = dateline_core::account::check_password(f.password.expose()) {
        return again(format!("Choose a longer password: {e}.")).await;
    }
    let hash = hash_password_off_thread(f.password).await?;
    let reader = match state
        .store
        .create_reader(
            NewReader {
                display_name: name,
                email: Some(email),
                password_hash: Some(hash),
            },
            now,
        )
        .await
    {
        Ok(r) => r,
        Err(StoreError::Taken(_)) => {
            return again("An account with that email already exists: sign in instead.".to_owned())
                .await;
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .record_login_failure(&[subject.as_str()], now, Throttle::ADDRESS.since(now))
        .await?;
    tracing::info!(reader_id = %reader.id, "reader registered");
    // The account exists whatever becomes of the mail: it is only queued here, and a failure
    // to make its link is logged, not the reader's problem (they can ask for it again).
    if let Err(e) = super::reader_mail::send_verification(&state, &reader).await {
        tracing::error!(reader_id = %reader.id, error = %e, "no verification mail was queued");
    }
    start_session(&state, &reader, &next).await
}

/// Start a session for `reader` and send them to `next`.
pub async fn start_session(
    state: &AppState,
    reader: &Reader,
    next: &str,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let token = new_token()?;
    let csrf = new_token()?;
    state
        .store
        .create_reader_session(
            reader.id,
            &token_hash(token.expose()),
            csrf.expose(),
            now,
            now + SESSION_LIFETIME,
        )
        .await?;
    let secure = secure_cookies(state).await?;
    let mut res = see_other(next);
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            READER_COOKIE,
            token.expose(),
            "/",
            SESSION_LIFETIME.as_secs(),
            secure,
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(READER_FORM_COOKIE, "", "/readers/", 0, secure),
    );
    Ok(res)
}

const WRONG: &str = "That email and password do not match a reader account.";

async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<ReaderForm>,
) -> Result<Response, AppError> {
    check_double_submit(&headers, &f.form_token)?;
    let next = safe_return(&state, f.next.as_deref()).await?;
    let now = state.clock.now();
    let email = Email::parse(&f.email).ok();
    let account_subject = email.as_ref().map(|e| format!("reader:{e}"));
    let address = address_subject("sign-in", ip);
    let mut wait = throttled(&state, &address, Throttle::ADDRESS).await?;
    if let Some(s) = &account_subject {
        wait = wait.max(throttled(&state, s, Throttle::ACCOUNT).await?);
    }
    if let Some(w) = wait {
        let mut res = too_many(w).into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(w.as_secs().max(1)));
        return Ok(res);
    }
    let found = match &email {
        Some(e) => match state.store.reader_for_sign_in(e).await {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let matches = check_password(hash, f.password).await;
    let reader = match (found, matches) {
        (Some((reader, _)), true) => reader,
        _ => {
            let mut subjects = vec![address.as_str()];
            if let Some(s) = account_subject.as_deref() {
                subjects.push(s);
            }
            state
                .store
                .record_login_failure(&subjects, now, Throttle::ACCOUNT.since(now))
                .await?;
            return form_page(
                &state,
                &headers,
                StatusCode::UNAUTHORIZED,
                "sign-in",
                next,
                String::new(),
                f.email.clone(),
                Some(WRONG.to_owned()),
            )
            .await;
        }
    };
    if let Some(s) = account_subject.as_deref() {
        state.store.clear_login_failures(s).await?;
    }
    tracing::info!(reader_id = %reader.id, "reader signed in");
    start_session(&state, &reader, &next).await
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SignOutForm>,
) -> Result<Response, AppError> {
    let next = safe_return(&state, f.next.as_deref()).await?;
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other(&next));
    };
    reader.check_form(&f.csrf)?;
    state.store.end_reader_session(&reader.session_hash).await?;
    let secure = secure_cookies(&state).await?;
    let mut res = see_other(&next);
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(READER_COOKIE, "", "/", 0, secure),
    );
    Ok(res)
}
