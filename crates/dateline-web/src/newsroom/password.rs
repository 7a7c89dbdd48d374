//! `/newsroom/password`: change one's own password. The current password is checked (and a
//! wrong one counts against the account's sign-in throttle, so a borrowed session cannot be
//! used to guess it); the new one must keep the length rule. Changing it ends every session of
//! the account and revokes its API tokens, then signs this browser in afresh, so a stolen
//! session (or a token made with one) dies with the old password.

use super::auth::{CurrentUser, secure_cookies, see_other, session_cookie};
use super::credentials::{check_password, hash_password_off_thread, new_token, token_hash};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use dateline_core::account::{
    SESSION_LIFETIME, Throttle, check_password as password_rule, minutes_text,
};
use dateline_core::permissions::Action;
use dateline_core::secret::Secret;
use dateline_store::ApiTokens;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/newsroom/password",
        get(show_password).post(change_password),
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct PasswordView {
    error: Option<String>,
    notice: Option<String>,
}

async fn show_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    user.require(Action::ViewNewsroom)?;
    let notice = (q.done.as_deref() == Some("changed")).then(|| {
        "Your password has been changed; every other session has been signed out and your API \
         tokens have been revoked (create new ones if you need them)."
            .to_owned()
    });
    page(&state, &user, StatusCode::OK, None, notice).await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    render(
        state,
        status,
        "newsroom/password.html",
        "Change your password",
        "password",
        Some(user),
        PasswordView { error, notice },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: Secret<String>,
    #[serde(default)]
    new: Secret<String>,
    #[serde(default)]
    confirm: Secret<String>,
}

async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ViewNewsroom)?;
    let now = state.clock.now();
    let subject = format!("account:{}", user.account.email);
    let rule = Throttle::ACCOUNT;
    let (n, oldest) = state
        .store
        .login_failures(&subject, rule.since(now))
        .await?;
    if let Some(w) = rule.wait(n, oldest, now) {
        let msg = format!("Too many attempts; try again in {}.", minutes_text(w));
        return page(
            &state,
            &user,
            StatusCode::TOO_MANY_REQUESTS,
            Some(msg),
            None,
        )
        .await;
    }
    let (_, hash) = state.store.account_for_sign_in(&user.account.email).await?;
    if !check_password(hash, f.current).await {
        state
            .store
            .record_login_failure(&[subject.as_str()], now, rule.since(now))
            .await?;
        let msg = "Your current password is not right.".to_owned();
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
            None,
        )
        .await;
    }
    if f.new.expose() != f.confirm.expose() {
        let msg = "The new password and its confirmation differ.".to_owned();
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
            None,
        )
        .await;
    }
    if let Err(e) = password_rule(f.new.expose()) {
        let msg = format!("{}.", capitalise(&e.to_string()));
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
            None,
        )
        .await;
    }
    let hash = hash_password_off_thread(f.new).await?;
    // Ends every session, this one included, and revokes every API token (a stolen session
    // could have made one, and it must not outlive the password); then sign this browser in
    // again, so only the person who changed it stays signed in.
    state
        .store
        .set_password_hash(user.account.id, hash, ApiTokens::RevokeAt(now))
        .await?;
    let token = new_token()?;
    let csrf = new_token()?;
    state
        .store
        .create_session(
            user.account.id,
            &token_hash(token.expose()),
            csrf.expose(),
            now,
            now + SESSION_LIFETIME,
        )
        .await?;
    tracing::info!(person_id = %user.account.id, "password changed");
    let secure = secure_cookies(&state).await?;
    let mut res = see_other("/newsroom/password?done=changed");
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(token.expose(), secure));
    Ok(res)
}

/// A rule's message as a sentence.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
