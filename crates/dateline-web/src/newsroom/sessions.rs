//! Signing in and out: `/newsroom/sign-in` (the form, and checking it) and
//! `/newsroom/sign-out`.
//!
//! Sign-in is throttled per account and per client address (failures are counted in the store,
//! so every node sees the same ones): past the limit the form answers 429 "Too many attempts;
//! try again in N minutes" without checking the password at all. The password check (Argon2id)
//! runs on the blocking pool, a few at a time, and takes as long for an unknown email as for a
//! known one. The form is protected before any session exists by a double-submit token (a
//! cookie and a hidden field that must match). Never logs an email, a password or a token.

use super::auth::{
    ClientIp, CurrentUser, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, cookie, csrf_refused, safe_next,
    secure_cookies, see_other, session_cookie, set_cookie,
};
use super::credentials::{check_password, new_token, same_token, token_hash};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dateline_core::account::{Email, SESSION_LIFETIME, Throttle, minutes_text};
use dateline_core::secret::Secret;
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/sign-in", get(show_sign_in).post(sign_in))
        .route("/newsroom/sign-out", post(sign_out))
}

#[derive(Debug, Deserialize, Default)]
pub struct SignInQuery {
    next: Option<String>,
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct SignInView {
    /// The double-submit token, also in the cookie.
    form_token: String,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
}

async fn show_sign_in(
    State(state): State<AppState>,
    signed_in: Result<CurrentUser, Response>,
    Query(q): Query<SignInQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if signed_in.is_ok() {
        return Ok(see_other(&safe_next(&state, q.next.as_deref()).await?));
    }
    let notice = match q.done.as_deref() {
        Some("signed-out") => Some("You have signed out.".to_owned()),
        _ => None,
    };
    form(
        &state,
        &headers,
        StatusCode::OK,
        String::new(),
        safe_next(&state, q.next.as_deref()).await?,
        None,
        notice,
    )
    .await
}

/// The sign-in form, reusing the visitor's form token cookie or setting a new one.
async fn form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let existing = cookie(headers, SIGN_IN_CSRF_COOKIE).filter(|t| t.len() == 43);
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (new_token()?.into_inner(), true),
    };
    let view = SignInView {
        form_token: token.clone(),
        email,
        next,
        error,
        notice,
    };
    let mut res = render(
        state,
        status,
        "newsroom/sign_in.html",
        "Sign in",
        "sign-in",
        None,
        view,
    )
    .await?;
    if fresh {
        let secure = secure_cookies(state).await?;
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                SIGN_IN_CSRF_COOKIE,
                &token,
                "/newsroom/",
                2 * 60 * 60,
                secure,
            ),
        );
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: Secret<String>,
    #[serde(default)]
    form_token: String,
    next: Option<String>,
}

const WRONG: &str = "That email and password do not match an account.";

async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Result<Response, AppError> {
    // Double submit: the hidden field must equal the cookie set with the form.
    let expected = cookie(&headers, SIGN_IN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(&expected, &f.form_token) {
        return Err(csrf_refused());
    }
    let next = safe_next(&state, f.next.as_deref()).await?;
    let typed = f.email.trim().to_owned();
    let again = |status, error: String| {
        form(
            &state,
            &headers,
            status,
            typed.clone(),
            next.clone(),
            Some(error),
            None,
        )
    };
    let now = state.clock.now();
    let email = Email::parse(&typed).ok();
    let account_subject = email.as_ref().map(|e| format!("account:{e}"));
    let address_subject = format!(
        "address:{}",
        ip.map_or("unknown".to_owned(), |i| i.to_string())
    );

    // Throttled? Then say so without checking anything.
    let mut wait = None;
    for (subject, rule) in [
        (account_subject.as_deref(), Throttle::ACCOUNT),
        (Some(address_subject.as_str()), Throttle::ADDRESS),
    ] {
        if let Some(subject) = subject {
            let (n, oldest) = state.store.login_failures(subject, rule.since(now)).await?;
            if let Some(w) = rule.wait(n, oldest, now) {
                wait = wait.max(Some(w));
            }
        }
    }
    if let Some(w) = wait {
        let mut res = again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many attempts; try again in {}.", minutes_text(w)),
        )
        .await?;
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(w.as_secs().max(1)));
        return Ok(res);
    }

    let found = match &email {
        Some(e) => match state.store.account_for_sign_in(e).await {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let matches = check_password(hash, f.password).await;
    let account = match (found, matches) {
        (Some((account, _)), true) => account,
        _ => {
            let mut subjects = vec![address_subject.as_str()];
            if let Some(s) = account_subject.as_deref() {
                subjects.push(s);
            }
            state
                .store
                .record_login_failure(&subjects, now, forget_before(now))
                .await?;
            return again(StatusCode::UNAUTHORIZED, WRONG.to_owned()).await;
        }
    };
    if account.disabled {
        return again(
            StatusCode::FORBIDDEN,
            "This account has been disabled; ask an administrator.".to_owned(),
        )
        .await;
    }
    if let Some(s) = account_subject.as_deref() {
        state.store.clear_login_failures(s).await?;
    }
    let token = new_token()?;
    let csrf = new_token()?;
    state
        .store
        .create_session(
            account.id,
            &token_hash(token.expose()),
            csrf.expose(),
            now,
            now + SESSION_LIFETIME,
        )
        .await?;
    tracing::info!(person_id = %account.id, "signed in");
    let secure = secure_cookies(&state).await?;
    let mut res = see_other(&next);
    let h = res.headers_mut();
    h.append(header::SET_COOKIE, session_cookie(token.expose(), secure));
    h.append(
        header::SET_COOKIE,
        set_cookie(SIGN_IN_CSRF_COOKIE, "", "/newsroom/", 0, secure),
    );
    Ok(res)
}

/// Failures older than every throttle's window are of no more use.
fn forget_before(now: jiff::Timestamp) -> jiff::Timestamp {
    Throttle::ACCOUNT
        .since(now)
        .min(Throttle::ADDRESS.since(now))
}

#[derive(Debug, Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    pub csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<TokenOnly>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    state.store.end_session(&user.session_hash).await?;
    tracing::info!(person_id = %user.account.id, "signed out");
    let secure = secure_cookies(&state).await?;
    let mut res = see_other("/newsroom/sign-in?done=signed-out");
    res.headers_mut().append(
        header::SET_COOKIE,
        super::auth::set_cookie(SESSION_COOKIE, "", "/", 0, secure),
    );
    Ok(res.into_response())
}
