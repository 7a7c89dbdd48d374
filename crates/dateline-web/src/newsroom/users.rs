//! `/newsroom/users`: the admins' list of accounts, with forms to add one, change a role and
//! disable or enable an account (disabling ends its sessions at once). Every route needs
//! `ManagePeople`. Nobody changes their own role or disables themselves here, so a site never
//! loses its last admin by a slip of the mouse (`dateline user` can still do it).

use super::auth::{CurrentUser, see_other};
use super::credentials::hash_password_off_thread;
use super::password::capitalise;
use super::render;
use crate::AppError;
use crate::input::{Form, PathId};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::PersonId;
use dateline_core::account::{Email, check_password};
use dateline_core::permissions::{Action, Role};
use dateline_core::secret::Secret;
use dateline_store::{ApiTokens, NewAccount, StoreError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/users", get(show_users).post(add_user))
        .route("/newsroom/users/{id}/role", post(change_role))
        .route("/newsroom/users/{id}/status", post(change_status))
}

#[derive(Debug, Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

#[derive(Debug, Serialize, Default)]
struct UsersView {
    accounts: Vec<AccountView>,
    roles: Vec<&'static str>,
    error: Option<String>,
    notice: Option<String>,
    /// What the add form had, when it is shown again with an error.
    form: AddView,
}

#[derive(Debug, Serialize, Default)]
struct AddView {
    email: String,
    name: String,
    role: String,
}

#[derive(Debug, Serialize)]
struct AccountView {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    me: bool,
}

async fn show_users(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePeople)?;
    let notice = match q.done.as_deref() {
        Some("added") => Some("The account has been added."),
        Some("role") => Some("The role has been changed."),
        Some("disabled") => {
            Some("The account has been disabled, its sessions ended and its API tokens revoked.")
        }
        Some("enabled") => Some("The account has been enabled."),
        _ => None,
    };
    page(
        &state,
        &user,
        StatusCode::OK,
        None,
        notice.map(str::to_owned),
        AddView::default(),
    )
    .await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
    form: AddView,
) -> Result<Response, AppError> {
    let accounts = state
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountView {
            id: a.id.0,
            me: a.id == user.account.id,
            name: a.name,
            email: a.email.to_string(),
            role: a.role.as_str(),
            disabled: a.disabled,
        })
        .collect();
    let view = UsersView {
        accounts,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        error,
        notice,
        form,
    };
    render(
        state,
        status,
        "newsroom/users.html",
        "People",
        "users",
        Some(user),
        view,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: Secret<String>,
}

async fn add_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<AddForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ManagePeople)?;
    let form = AddView {
        email: f.email.trim().to_owned(),
        name: f.name.trim().to_owned(),
        role: f.role.clone(),
    };
    let checked = (|| -> Result<(Email, Role), String> {
        let email =
            Email::parse(&f.email).map_err(|e| format!("{}.", capitalise(&e.to_string())))?;
        let role: Role = f
            .role
            .parse()
            .map_err(|e: dateline_core::permissions::UnknownRole| {
                format!("{}.", capitalise(&e.to_string()))
            })?;
        if f.name.trim().is_empty() {
            return Err("Give the person's name: it is shown in bylines.".to_owned());
        }
        check_password(f.password.expose())
            .map_err(|e| format!("{}.", capitalise(&e.to_string())))?;
        Ok((email, role))
    })();
    let (email, role) = match checked {
        Ok(v) => v,
        Err(msg) => {
            return page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(msg),
                None,
                form,
            )
            .await;
        }
    };
    let password_hash = hash_password_off_thread(f.password).await?;
    let created = state
        .store
        .create_account(
            NewAccount {
                email: email.clone(),
                name: form.name.clone(),
                role,
                password_hash,
            },
            state.clock.now(),
        )
        .await;
    match created {
        Ok(a) => {
            tracing::info!(person_id = %a.id, by = %user.account.id, "account added");
            Ok(see_other("/newsroom/users?done=added"))
        }
        Err(StoreError::Taken(_)) => {
            let msg = format!("An account with the email {email} already exists.");
            page(&state, &user, StatusCode::CONFLICT, Some(msg), None, form).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<RoleForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ManagePeople)?;
    let role: Role = f
        .role
        .parse()
        .map_err(|e: dateline_core::permissions::UnknownRole| {
            AppError::BadRequest(format!("{}.", capitalise(&e.to_string())))
        })?;
    let id = PersonId(id);
    if id == user.account.id {
        return Err(AppError::BadRequest(
            "You cannot change your own role; ask another administrator.".to_owned(),
        ));
    }
    let a = state.store.set_role(id, role).await?;
    tracing::info!(person_id = %a.id, by = %user.account.id, role = %role, "role changed");
    Ok(see_other("/newsroom/users?done=role"))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    /// `disabled` or `active`.
    #[serde(default)]
    status: String,
}

async fn change_status(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<StatusForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::ManagePeople)?;
    let disabled = match f.status.as_str() {
        "disabled" => true,
        "active" => false,
        _ => {
            return Err(AppError::BadRequest(
                "The status must be disabled or active.".to_owned(),
            ));
        }
    };
    let id = PersonId(id);
    if id == user.account.id {
        return Err(AppError::BadRequest(
            "You cannot disable your own account; ask another administrator.".to_owned(),
        ));
    }
    // Disabling revokes the account's API tokens too: enabling it again must not bring back
    // a token someone else may hold (the owner makes new ones).
    let a = state
        .store
        .set_disabled(id, disabled, ApiTokens::RevokeAt(state.clock.now()))
        .await?;
    tracing::info!(person_id = %a.id, by = %user.account.id, disabled, "account status changed");
    Ok(see_other(if disabled {
        "/newsroom/users?done=disabled"
    } else {
        "/newsroom/users?done=enabled"
    }))
}
