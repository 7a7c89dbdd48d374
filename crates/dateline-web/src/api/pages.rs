//! Static pages through the API (`docs/api.md`): `GET/POST /api/v1/pages`,
//! `GET/PUT/PATCH/DELETE /api/v1/pages/{id}`, for an API token whose owner may manage pages
//! (editors and admins). `GET` shows a page exactly as `PUT` takes it (the dialect source,
//! `version`), so GET → change a field → PUT round-trips; `PATCH` sends only the fields to
//! change, with `version`. The checks and the slug-clash sentences are the newsroom's
//! (`newsroom::pages`), so both refuse alike. Outside the page cache; answers are `no-store`;
//! errors are `{"error": code, "message"}` as everywhere under `/api`.

use super::newsroom::{answer, token_only};
use crate::AppError;
use crate::input::{JsonBody, PathId};
use crate::newsroom::CurrentUser;
use crate::newsroom::pages::{PageFields, check, slug_taken};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dateline_core::PageId;
use dateline_core::permissions::Action;
use dateline_core::static_page::{PageStatus, StaticPage};
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/pages", get(list_pages).post(create_page))
        .route(
            "/api/v1/pages/{id}",
            get(show_page)
                .put(update_page)
                .patch(patch_page)
                .delete(delete_page),
        )
}

/// A page as `GET` shows it and `PUT` takes it.
#[derive(Debug, Serialize)]
struct PageJson {
    id: i64,
    title: String,
    slug: String,
    /// The meta description as typed; empty: made from the first paragraph.
    description: String,
    /// The editors' dialect.
    body: String,
    status: PageStatus,
    /// Place in the footer, ascending; null: not in the footer.
    footer_position: Option<i64>,
    path: String,
    url: String,
    created_at: String,
    updated_at: String,
    version: i64,
}

/// What `POST` and `PUT` take. The read-only fields `GET` shows are accepted and ignored, so a
/// round trip works.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "the read-only fields GET shows are accepted so a round trip works, and ignored"
)]
struct PageBody {
    title: String,
    /// Made from the title when absent.
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    body: String,
    /// `draft` (the default) or `published`.
    #[serde(default)]
    status: Option<String>,
    /// A place in the footer (a whole number; pages are listed in ascending order), or null.
    #[serde(default)]
    footer_position: Option<i64>,
    /// Required on update: the version the change is based on.
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    path: Option<serde_json::Value>,
    #[serde(default)]
    url: Option<serde_json::Value>,
    #[serde(default)]
    created_at: Option<serde_json::Value>,
    #[serde(default)]
    updated_at: Option<serde_json::Value>,
}

async fn json_of(state: &AppState, p: &StaticPage) -> Result<PageJson, AppError> {
    let site = state.site().await?;
    let base = site.settings.base_url.trim_end_matches('/').to_owned();
    Ok(PageJson {
        id: p.id.0,
        title: p.title.clone(),
        slug: p.slug.as_str().to_owned(),
        description: p.description.clone(),
        body: p.body_source.clone(),
        status: p.status,
        footer_position: p.footer_position,
        path: p.path(),
        url: format!("{base}{}", p.path()),
        created_at: p.created_at.to_string(),
        updated_at: p.updated_at.to_string(),
        version: p.version,
    })
}

async fn list_pages(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let mut out = Vec::new();
    for p in state.store.pages().await? {
        out.push(json_of(&state, &p).await?);
    }
    Ok(answer(StatusCode::OK, &serde_json::json!({ "pages": out })))
}

async fn show_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let p = state.store.page(PageId(id)).await?;
    Ok(answer(StatusCode::OK, &json_of(&state, &p).await?))
}

/// The body's fields checked, as the newsroom's form would be.
fn fields(b: &PageBody) -> Result<PageFields, AppError> {
    let status = match b.status.as_deref().map(str::trim) {
        None | Some("") => PageStatus::Draft,
        Some(s) => s
            .parse()
            .map_err(|e| AppError::BadRequest(format!("The field `status`: {e}.")))?,
    };
    if let Some(p) = b.footer_position
        && p < 0
    {
        return Err(AppError::BadRequest(
            "The field `footer_position` must be 0 or more, or null for a page not in the footer."
                .to_owned(),
        ));
    }
    Ok(PageFields {
        title: b.title.clone(),
        slug: b.slug.clone().unwrap_or_default(),
        description: b.description.clone(),
        body: b.body.clone(),
        status,
        in_footer: b.footer_position.is_some(),
    })
}

async fn create_page(
    State(state): State<AppState>,
    user: CurrentUser,
    body: JsonBody,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::ManagePages)?;
    let b: PageBody = body.parse()?;
    let f = fields(&b)?;
    let input = check(&f, b.footer_position)
        .await
        .map_err(|e| AppError::BadRequest(e.join(" ")))?;
    let slug = input.slug.clone();
    let p = match state
        .store
        .create_page(input, Some(user.account.id), state.clock.now())
        .await
    {
        Ok(p) => p,
        Err(StoreError::Taken(what)) => return Err(slug_taken(&what, &slug)),
        Err(e) => return Err(e.into()),
    };
    let mut res = answer(StatusCode::CREATED, &json_of(&state, &p).await?);
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/pages/{}", p.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: PageId,
    b: PageBody,
) -> Result<Response, AppError> {
    let Some(version) = b.version else {
        return Err(AppError::BadRequest(
            "The field `version` is required: send the version your change is based on.".to_owned(),
        ));
    };
    let f = fields(&b)?;
    let input = check(&f, b.footer_position)
        .await
        .map_err(|e| AppError::BadRequest(e.join(" ")))?;
    let slug = input.slug.clone();
    match state
        .store
        .save_page(id, version, input, Some(user.account.id), state.clock.now())
        .await
    {
        Ok(p) => Ok(answer(StatusCode::OK, &json_of(state, &p).await?)),
        Err(StoreError::Taken(what)) => Err(slug_taken(&what, &slug)),
        Err(StoreError::StaleVersion) => Err(AppError::Conflict(format!(
            "The page was saved by someone else since version {version}: GET it again and \
             apply your change to the new version."
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn update_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::ManagePages)?;
    let b: PageBody = body.parse()?;
    let current = state.store.page(PageId(id)).await?;
    save(&state, &user, current.id, b).await
}

/// Only the fields sent change; `version` is required.
async fn patch_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::ManagePages)?;
    let patch: serde_json::Value = body.parse()?;
    let Some(sent) = patch.as_object() else {
        return Err(AppError::BadRequest(
            "Send a JSON object with the fields to change and `version`.".to_owned(),
        ));
    };
    if !sent.contains_key("version") {
        return Err(AppError::BadRequest(
            "The field `version` is required: send the version your change is based on.".to_owned(),
        ));
    }
    let current = state.store.page(PageId(id)).await?;
    let mut merged = serde_json::json!({
        "title": current.title,
        "slug": current.slug.as_str(),
        "description": current.description,
        "body": current.body_source,
        "status": current.status.as_str(),
        "footer_position": current.footer_position,
    });
    if let Some(m) = merged.as_object_mut() {
        for (k, v) in sent {
            m.insert(k.clone(), v.clone());
        }
    }
    let b: PageBody = serde_json::from_value(merged)
        .map_err(|e| AppError::BadRequest(format!("The request could not be read: {e}.")))?;
    save(&state, &user, current.id, b).await
}

async fn delete_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::ManagePages)?;
    state.store.delete_page(PageId(id)).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    Ok(res)
}
