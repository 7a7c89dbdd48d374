//! `/newsroom/front-page` (editors): pin stories to the front page's lead slot and top slots.
//! Pins are story numbers; a pin that is not published (or is withdrawn later) is left out of
//! the front page until it is, and the newest stories fill the remaining slots. Saving moves
//! the content generation, so the front page is made afresh at once.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use dateline_core::ArticleId;
use dateline_core::article::Status;
use dateline_core::permissions::Action;
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/front-page", get(show_pins).post(save_pins))
}

/// The lead slot and the top slots an editor may pin.
const SLOTS: usize = 5;

#[derive(Debug, Serialize)]
struct PinsPage {
    slots: Vec<SlotView>,
    notice: bool,
}

#[derive(Debug, Serialize)]
struct SlotView {
    /// `Lead`, `Top 1`…
    label: String,
    value: String,
    headline: String,
    status: String,
}

#[derive(Debug, Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn show_pins(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Response, AppError> {
    user.require(Action::ManageFrontPage)?;
    let pins = state.store.front_pins().await?;
    let mut slots = Vec::with_capacity(SLOTS);
    for i in 0..SLOTS {
        let (value, headline, status) = match pins.get(i) {
            Some(id) => match state.store.article(*id).await {
                Ok(a) => (
                    id.0.to_string(),
                    a.headline,
                    super::stories::status_label(a.status).to_owned(),
                ),
                Err(StoreError::NotFound) => (id.0.to_string(), String::new(), String::new()),
                Err(e) => return Err(e.into()),
            },
            None => (String::new(), String::new(), String::new()),
        };
        slots.push(SlotView {
            label: if i == 0 {
                "Lead".to_owned()
            } else {
                format!("Top {i}")
            },
            value,
            headline,
            status,
        });
    }
    render(
        &state,
        StatusCode::OK,
        "newsroom/front_page.html",
        "Front page",
        "front-page",
        Some(&user),
        PinsPage {
            slots,
            notice: q.saved.is_some(),
        },
    )
    .await
}

async fn save_pins(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::ManageFrontPage)?;
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    user.check_form(csrf)?;
    let given = pairs
        .iter()
        .filter(|(k, v)| k == "pin" && !v.trim().is_empty())
        .count();
    if given > SLOTS {
        // The form has SLOTS fields; more is a hand-made request, refused rather than cut
        // (and before a store lookup per pin).
        return Err(AppError::BadRequest(format!(
            "The front page has {SLOTS} pins; this sends {given}."
        )));
    }
    let mut pins: Vec<ArticleId> = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "pin") {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let id = v
            .parse::<i64>()
            .map(ArticleId)
            .map_err(|_| AppError::BadRequest(format!("{v:?} is not a story number.")))?;
        match state.store.article(id).await {
            Ok(a) if a.status == Status::Withdrawn => {
                return Err(AppError::BadRequest(format!(
                    "Story {id} is withdrawn: it cannot be pinned."
                )));
            }
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(AppError::BadRequest(format!("There is no story {id}.")));
            }
            Err(e) => return Err(e.into()),
        }
        if !pins.contains(&id) {
            pins.push(id);
        }
    }
    state.store.set_front_pins(&pins).await?;
    Ok(see_other("/newsroom/front-page?saved=1"))
}
