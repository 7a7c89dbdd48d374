//! The weekly schedule on the newsroom's Station page (editors and admins: `RunStation`): add
//! a programme, edit one on a page of its own, delete one after a confirmation. Name,
//! presenter, description, days, start and end in the site's time zone, and the playlist it
//! airs from (or none: live). It writes through the same store calls as `dateline schedule`
//! (`create_programme`, `update_programme`, `delete_programme`), so the rules are the same:
//! `dateline_core::schedule::Programme::check` for what is typed, and the store's overlap
//! refusal, checked inside the writing transaction, for two programmes at once.
//!
//! Every form carries the form token and works without script. A mistake re-renders the form
//! with what was typed, an error summary at the top linking to each field and the sentence
//! above the field; it never stores anything.

use super::auth::{CurrentUser, see_other};
use super::render;
use super::station::{Problem, station};
use crate::AppError;
use crate::input::{Form, PathId, check_length};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::live::PlaylistName;
use dateline_core::permissions::Action;
use dateline_core::schedule::{
    DAY_NAMES, Days, Programme, describe, describe_all, format_time, parse_time,
};
use dateline_store::{NewProgramme, StoreError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/station/programmes", post(add_programme))
        .route(
            "/newsroom/station/programmes/{id}",
            get(show_programme).post(save_programme),
        )
        .route(
            "/newsroom/station/programmes/{id}/delete",
            post(delete_programme),
        )
}

/// The longest title, presenter and description the form takes.
const TITLE_MAX: usize = 120;
const DESCRIPTION_MAX: usize = 500;

/// The short keys of the days' checkboxes, Monday first (`Days` bit order).
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One day's checkbox.
#[derive(Debug, Serialize)]
struct DayBox {
    key: &'static str,
    name: &'static str,
    checked: bool,
}

/// A mistake, for the error summary: the field's id and the sentence.
#[derive(Debug, Serialize)]
struct FieldError {
    field: &'static str,
    message: String,
}

/// The programme form as the page shows it: what was typed (or stored), and any mistakes.
#[derive(Debug, Serialize)]
pub(super) struct ProgrammeForm {
    /// Where it posts.
    action: String,
    /// The programme being edited; `None` for a new one.
    id: Option<i64>,
    title: String,
    presenter: String,
    description: String,
    days: Vec<DayBox>,
    starts: String,
    ends: String,
    /// The chosen playlist's name; empty: none (live).
    playlist: String,
    errors: Vec<FieldError>,
}

impl ProgrammeForm {
    /// An empty form for a new programme.
    pub(super) fn blank() -> Self {
        Self::with_days(Days::default())
    }

    fn with_days(days: Days) -> Self {
        ProgrammeForm {
            action: "/newsroom/station/programmes".to_owned(),
            id: None,
            title: String::new(),
            presenter: String::new(),
            description: String::new(),
            days: day_boxes(days),
            starts: String::new(),
            ends: String::new(),
            playlist: String::new(),
            errors: Vec::new(),
        }
    }

    fn of(p: &Programme) -> Self {
        ProgrammeForm {
            action: format!("/newsroom/station/programmes/{}", p.id),
            id: Some(p.id),
            title: p.title.clone(),
            presenter: p.presenter.clone(),
            description: p.description.clone(),
            days: day_boxes(p.days),
            starts: format_time(p.starts),
            ends: format_time(p.ends),
            playlist: p
                .playlist
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            errors: Vec::new(),
        }
    }

    /// The summary's first link and sentence, for the page's error box.
    pub(super) fn problem(&self) -> Option<Problem> {
        self.errors.first().map(|e| Problem {
            anchor: String::new(),
            href: format!("#{}", e.field),
            heading: "The programme was not saved".to_owned(),
            message: e.message.clone(),
        })
    }
}

fn day_boxes(days: Days) -> Vec<DayBox> {
    DAY_KEYS
        .iter()
        .zip(DAY_NAMES)
        .enumerate()
        .map(|(i, (key, name))| DayBox {
            key,
            name,
            checked: days.bits() & (1 << i) != 0,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct ProgrammeInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    presenter: String,
    #[serde(default)]
    description: String,
    mon: Option<String>,
    tue: Option<String>,
    wed: Option<String>,
    thu: Option<String>,
    fri: Option<String>,
    sat: Option<String>,
    sun: Option<String>,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    /// A playlist's name; empty: none (a live programme).
    #[serde(default)]
    playlist: String,
}

impl ProgrammeInput {
    fn days(&self) -> Days {
        let ticked = [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ];
        let bits = ticked
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_some())
            .fold(0u8, |bits, (i, _)| bits | (1 << i));
        Days::from_bits(bits)
    }
}

/// What was typed, checked: the programme to store, or the form again with its mistakes.
/// `form` is the form as typed ([`retyped`]), returned with the mistakes marked.
async fn checked(
    state: &AppState,
    f: &ProgrammeInput,
    mut form: ProgrammeForm,
) -> Result<Result<NewProgramme, ProgrammeForm>, AppError> {
    check_length("presenter", &f.presenter, TITLE_MAX)?;
    check_length("description", &f.description, DESCRIPTION_MAX)?;
    let days = f.days();
    let mut errors = Vec::new();
    let title = f.title.trim();
    if title.is_empty() {
        errors.push(FieldError {
            field: "programme-title",
            message: "Enter the programme's name.".to_owned(),
        });
    } else if title.chars().count() > TITLE_MAX {
        errors.push(FieldError {
            field: "programme-title",
            message: format!("Keep the name to {TITLE_MAX} characters."),
        });
    }
    if days.is_empty() {
        errors.push(FieldError {
            field: "programme-day-mon",
            message: "Choose the days it airs: at least one.".to_owned(),
        });
    }
    let time = |value: &str, which: &str, field: &'static str| match value.trim() {
        "" => Err(FieldError {
            field,
            message: format!("Enter the time it {which}, such as 07:00."),
        }),
        v => parse_time(v).map_err(|_| FieldError {
            field,
            message: format!(
                "Enter the time it {which} as a 24-hour time with minutes, such as 07:00 or \
                 18:30."
            ),
        }),
    };
    let starts = time(&f.starts, "starts", "programme-starts");
    let ends = time(&f.ends, "ends", "programme-ends");
    if let (Ok(s), Ok(e)) = (&starts, &ends)
        && s == e
    {
        errors.push(FieldError {
            field: "programme-ends",
            message: "The end must differ from the start: a programme that ends at or before \
                      its start runs past midnight."
                .to_owned(),
        });
    }
    let (starts, ends) = match (starts, ends) {
        (Ok(s), Ok(e)) => (Some(s), Some(e)),
        (s, e) => {
            errors.extend(s.err());
            errors.extend(e.err());
            (None, None)
        }
    };
    let playlist_id = match f.playlist.trim() {
        "" => None,
        name => {
            let unknown = || FieldError {
                field: "programme-playlist",
                message: format!(
                    "There is no playlist called {name:?} (someone may have deleted it); \
                     choose another."
                ),
            };
            match PlaylistName::parse(name) {
                Err(_) => {
                    errors.push(unknown());
                    None
                }
                Ok(n) => match state.store.playlist_named(&n).await {
                    Ok(p) => Some(p.id),
                    Err(StoreError::NotFound) => {
                        errors.push(unknown());
                        None
                    }
                    Err(e) => return Err(e.into()),
                },
            }
        }
    };
    // Errors in the order of the fields, as the summary lists them.
    let order = [
        "programme-title",
        "programme-day-mon",
        "programme-starts",
        "programme-ends",
        "programme-playlist",
    ];
    errors.sort_by_key(|e| order.iter().position(|f| *f == e.field));
    let (Some(starts), Some(ends), true) = (starts, ends, errors.is_empty()) else {
        form.errors = errors;
        return Ok(Err(form));
    };
    // The shared rules, as the CLI applies them.
    if let Err(e) = Programme::check(title, days, starts, ends) {
        form.errors = vec![FieldError {
            field: "programme-title",
            message: format!("{e}."),
        }];
        return Ok(Err(form));
    }
    Ok(Ok(NewProgramme {
        title: title.to_owned(),
        presenter: f.presenter.trim().to_owned(),
        description: f.description.trim().to_owned(),
        days,
        starts,
        ends,
        playlist_id,
    }))
}

/// The sentence refusing a programme that overlaps `others`.
fn overlap(others: &[Programme]) -> FieldError {
    FieldError {
        field: "programme-starts",
        message: format!(
            "It overlaps {}. One programme airs at a time: change its days or times, or those \
             of the other.",
            describe_all(others)
        ),
    }
}

async fn add_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ProgrammeInput>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let action = "/newsroom/station/programmes";
    let (status, form) = match checked(&state, &f, retyped(&f, action, None)).await? {
        Ok(new) => match state.store.create_programme(new, state.clock.now()).await {
            Ok(p) => {
                tracing::info!(person_id = %user.account.id, programme = p.id, "programme added");
                state.playlists.changed();
                return Ok(see_other(&format!(
                    "/newsroom/station?done=programme-added#programme-{}",
                    p.id
                )));
            }
            Err(StoreError::Overlaps(others)) => {
                let mut form = retyped(&f, action, None);
                form.errors = vec![overlap(&others)];
                (StatusCode::CONFLICT, form)
            }
            Err(e) => return Err(e.into()),
        },
        Err(form) => (StatusCode::UNPROCESSABLE_ENTITY, form),
    };
    let problem = form.problem();
    station(&state, &user, status, "", problem, Some(form)).await
}

/// The form again as typed, with no mistakes marked.
fn retyped(f: &ProgrammeInput, action: &str, id: Option<i64>) -> ProgrammeForm {
    let mut form = ProgrammeForm::with_days(f.days());
    form.action = action.to_owned();
    form.id = id;
    form.title = f.title.clone();
    form.presenter = f.presenter.clone();
    form.description = f.description.clone();
    form.starts = f.starts.trim().to_owned();
    form.ends = f.ends.trim().to_owned();
    form.playlist = f.playlist.trim().to_owned();
    form
}

#[derive(Debug, Serialize)]
struct ProgrammePage {
    form: ProgrammeForm,
    described: String,
    playlists: Vec<super::station::PlaylistChoice>,
    tz: String,
}

/// The programme `id`, or a sentence saying it is gone.
async fn stored(state: &AppState, id: i64) -> Result<Programme, AppError> {
    match state.store.programme(id).await {
        Ok(p) => Ok(p),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

async fn programme_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    p: &Programme,
    form: ProgrammeForm,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    render(
        state,
        status,
        "newsroom/station_programme.html",
        &format!("Edit {}", p.title),
        "station",
        Some(user),
        ProgrammePage {
            form,
            described: describe(p),
            playlists: super::station::playlist_choices(state).await?,
            tz: site.settings.time_zone.clone(),
        },
    )
    .await
}

async fn show_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    let p = stored(&state, id).await?;
    programme_page(&state, &user, StatusCode::OK, &p, ProgrammeForm::of(&p)).await
}

async fn save_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<ProgrammeInput>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let p = stored(&state, id).await?;
    let action = format!("/newsroom/station/programmes/{id}");
    let (status, form) = match checked(&state, &f, retyped(&f, &action, Some(id))).await? {
        Ok(new) => match state.store.update_programme(id, new).await {
            Ok(saved) => {
                tracing::info!(person_id = %user.account.id, programme = saved.id, "programme saved");
                state.playlists.changed();
                return Ok(see_other(&format!(
                    "/newsroom/station?done=programme-saved#programme-{id}"
                )));
            }
            Err(StoreError::Overlaps(others)) => {
                let mut form = retyped(&f, &action, Some(id));
                form.errors = vec![overlap(&others)];
                (StatusCode::CONFLICT, form)
            }
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        },
        Err(form) => (StatusCode::UNPROCESSABLE_ENTITY, form),
    };
    programme_page(&state, &user, status, &p, form).await
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
    /// Absent: the confirmation page; "1": delete.
    #[serde(default)]
    confirm: String,
}

#[derive(Debug, Serialize)]
struct DeletePage {
    id: i64,
    described: String,
    playlist: String,
}

async fn delete_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<DeleteForm>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    if f.confirm != "1" {
        // Without script a destructive action gets its own page asking to confirm it.
        let p = stored(&state, id).await?;
        return render(
            &state,
            StatusCode::OK,
            "newsroom/station_programme_delete.html",
            "Delete a programme",
            "station",
            Some(&user),
            DeletePage {
                id,
                described: describe(&p),
                playlist: p
                    .playlist
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            },
        )
        .await;
    }
    match state.store.delete_programme(id).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            return Err(AppError::BadRequest(format!(
                "There is no programme {id} in the schedule (someone may have deleted it); \
                 reload the page."
            )));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(person_id = %user.account.id, programme = id, "programme deleted");
    state.playlists.changed();
    Ok(see_other(
        "/newsroom/station?done=programme-deleted#programmes",
    ))
}
