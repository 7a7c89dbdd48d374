//! `/newsroom/sections` (editors): the site's sections (create; rename, describe, reorder: a
//! section's slug, and so every story address in it, never changes) and tags (create, rename).
//! `ManageSections` and `ManageTags` decide; every form carries the form token; a bad name or a
//! taken slug is a 4xx with a sentence and nothing saved.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::{Form, PathId};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::permissions::Action;
use dateline_core::slug::Slug;
use dateline_core::{SectionId, TagId};
use dateline_store::{NewSection, StoreError};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/newsroom/sections",
            get(show_sections).post(create_section),
        )
        .route("/newsroom/sections/{id}", post(update_section))
        .route("/newsroom/tags", post(create_tag))
        .route("/newsroom/tags/{id}", post(rename_tag))
}

#[derive(Debug, Serialize)]
struct SectionsPage {
    sections: Vec<SectionRow>,
    tags: Vec<TagRow>,
    notice: String,
    may_tags: bool,
}

#[derive(Debug, Serialize)]
struct SectionRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    position: i64,
}

#[derive(Debug, Serialize)]
struct TagRow {
    id: i64,
    slug: String,
    name: String,
    stories: i64,
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show_sections(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSections)?;
    let sections = state.store.sections().await?;
    let tags = state.store.tags_with_counts().await?;
    let notice = match q.done.as_deref() {
        Some("section") => "Section saved.",
        Some("tag") => "Tag saved.",
        _ => "",
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/sections.html",
        "Sections and tags",
        "sections",
        Some(&user),
        SectionsPage {
            sections: sections
                .into_iter()
                .map(|s| SectionRow {
                    id: s.id.0,
                    slug: s.slug.as_str().to_owned(),
                    name: s.name,
                    description: s.description,
                    position: s.position,
                })
                .collect(),
            tags: tags
                .into_iter()
                .map(|(t, n)| TagRow {
                    id: t.id.0,
                    slug: t.slug.as_str().to_owned(),
                    name: t.name,
                    stories: n,
                })
                .collect(),
            notice: notice.to_owned(),
            may_tags: user.may(Action::ManageTags),
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
struct SectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    position: String,
}

fn checked_name(name: &str, what: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(format!(
            "Give the {what} a name (up to 100 characters)."
        )));
    }
    Ok(name.to_owned())
}

fn position(s: &str, default: i64) -> Result<i64, AppError> {
    if s.trim().is_empty() {
        return Ok(default);
    }
    s.trim()
        .parse()
        .map_err(|_| AppError::BadRequest("The position must be a whole number.".to_owned()))
}

async fn create_section(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SectionForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSections)?;
    user.check_form(&f.csrf)?;
    let name = checked_name(&f.name, "section")?;
    let slug = if f.slug.trim().is_empty() {
        Slug::from_text(&name)
    } else {
        Slug::parse(f.slug.trim())
    }
    .map_err(|_| {
        AppError::BadRequest(
            "The slug may hold only lower-case letters, digits and single hyphens.".to_owned(),
        )
    })?;
    let count = state.store.sections().await?.len() as i64;
    let wanted = slug.as_str().to_owned();
    match state
        .store
        .create_section(NewSection {
            slug,
            name,
            description: f.description.trim().to_owned(),
            position: position(&f.position, count)?,
        })
        .await
    {
        Ok(_) => Ok(see_other("/newsroom/sections?done=section")),
        Err(StoreError::Taken(what)) if what == "page" => {
            Err(crate::newsroom::pages::section_clash(&wanted))
        }
        Err(StoreError::Taken(_)) => Err(AppError::Conflict(
            "That slug is taken (by another section, or by a page of the site): choose another."
                .to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn update_section(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<SectionForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageSections)?;
    user.check_form(&f.csrf)?;
    let current = state.store.section(SectionId(id)).await?;
    let name = checked_name(&f.name, "section")?;
    state
        .store
        .update_section(
            current.id,
            &name,
            f.description.trim(),
            position(&f.position, current.position)?,
        )
        .await?;
    Ok(see_other("/newsroom/sections?done=section"))
}

#[derive(Debug, Deserialize)]
struct TagForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn create_tag(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<TagForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageTags)?;
    user.check_form(&f.csrf)?;
    let name = checked_name(&f.name, "tag")?;
    if Slug::from_text(&name).is_err() {
        return Err(AppError::BadRequest(
            "A tag needs letters or digits in its name.".to_owned(),
        ));
    }
    state.store.ensure_tag(&name).await?;
    Ok(see_other("/newsroom/sections?done=tag"))
}

async fn rename_tag(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<TagForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManageTags)?;
    user.check_form(&f.csrf)?;
    let name = checked_name(&f.name, "tag")?;
    state.store.rename_tag(TagId(id), &name).await?;
    Ok(see_other("/newsroom/sections?done=tag"))
}
