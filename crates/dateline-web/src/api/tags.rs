//! `GET /api/v1/tags`.

use super::json;
use crate::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct TagJson {
    id: i64,
    slug: String,
    name: String,
    url: String,
    /// Published stories carrying the tag.
    articles: i64,
}

pub async fn list_tags(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let base = site.settings.base_url.trim_end_matches('/').to_owned();
    let tags: Vec<TagJson> = state
        .store
        .tags_with_counts()
        .await?
        .into_iter()
        .map(|(t, n)| TagJson {
            id: t.id.0,
            url: format!("{base}{}", t.path()),
            slug: t.slug.to_string(),
            name: t.name,
            articles: n,
        })
        .collect();
    Ok(json(serde_json::json!({ "tags": tags })))
}
