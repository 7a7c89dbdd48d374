//! `GET /newsroom/people/search?q=`: the people the story editor's byline picker offers as one
//! types part of a name (JSON, at most [`MAX_FOUND`], names that start with the words first),
//! each with their job title and a note saying their role or that nobody can sign in as them
//! (a byline with no account, such as an imported author, or a disabled account). Needs
//! `CreateStory`, as the editor does.
//!
//! Never answers with an email address or anything of a password; a search is bounded in
//! length and in answers, so no request reads the whole table.

use super::auth::CurrentUser;
use super::password::capitalise;
use crate::AppError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dateline_core::permissions::Action;
use dateline_store::BylinePerson;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/people/search", get(search_people))
}

/// Most people one search answers with.
pub(crate) const MAX_FOUND: i64 = 20;
/// Longest search, in characters (a name is shorter).
const MAX_QUERY: usize = 100;

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// A person as the picker lists them.
#[derive(Debug, Serialize)]
pub(crate) struct FoundPerson {
    pub id: i64,
    pub name: String,
    pub title: String,
    /// `Editor`; `No account: cannot sign in`; `Editor, disabled: cannot sign in`.
    pub note: String,
    pub may_sign_in: bool,
}

impl From<&BylinePerson> for FoundPerson {
    fn from(p: &BylinePerson) -> Self {
        FoundPerson {
            id: p.id.0,
            name: p.name.clone(),
            title: p.title.clone(),
            note: note(p),
            may_sign_in: p.may_sign_in(),
        }
    }
}

/// What the picker says of a person beside their name.
pub(crate) fn note(p: &BylinePerson) -> String {
    match p.role {
        None => "No account: cannot sign in".to_owned(),
        Some(role) => {
            let role = capitalise(role.as_str());
            if p.disabled {
                format!("{role}, disabled: cannot sign in")
            } else if !p.has_password {
                format!("{role}, no password: cannot sign in")
            } else {
                role
            }
        }
    }
}

/// See [the module](self). An empty search lists the first people by name.
async fn search_people(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    let query = q.q.trim();
    if query.chars().count() > MAX_QUERY {
        return Err(AppError::BadRequest(format!(
            "Search for at most {MAX_QUERY} characters of a name."
        )));
    }
    let found = state.store.byline_people(query, MAX_FOUND).await?;
    Ok(Json(found.iter().map(FoundPerson::from).collect::<Vec<_>>()).into_response())
}
