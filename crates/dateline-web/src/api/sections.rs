//! `GET /api/v1/sections`.

use super::json;
use crate::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct SectionJson {
    id: i64,
    slug: String,
    name: String,
    description: String,
    url: String,
}

pub async fn list_sections(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let base = site.settings.base_url.trim_end_matches('/');
    let sections: Vec<SectionJson> = site
        .sections
        .iter()
        .map(|s| SectionJson {
            id: s.id.0,
            slug: s.slug.to_string(),
            name: s.name.clone(),
            description: s.description.clone(),
            url: format!("{base}{}", s.path()),
        })
        .collect();
    Ok(json(serde_json::json!({ "sections": sections })))
}
