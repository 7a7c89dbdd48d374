//! The admin write API under `/api/v1` for newsroom automation, with a personal API token
//! (`Authorization: Bearer …`, acting with its owner's role): create and update articles,
//! submit, publish, schedule, withdraw and restore them, upload photos, create sections and
//! tags; and the
//! OpenAPI document at `/api/v1/openapi.json`.
//!
//! The same checks as the editor pages, through the same code (`newsroom::stories`): the
//! permission table and `core::workflow` decide before anything is written, a stale `version`
//! is refused (409 `conflict`), publish warnings need `"confirm": true`. A session cookie is
//! not accepted here (a cookie-authenticated write would need a form token): only a token is.
//! Outside the page cache; answers are `no-store`. Errors are `{"error": code, "message"}`.

use crate::AppError;
use crate::input::{JsonBody, PathId};
use crate::newsroom::CurrentUser;
use crate::newsroom::stories::{self, StoryForm};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use dateline_core::article::{Article, DiscussionMode, Status, path_date};
use dateline_core::permissions::{Action, Ownership};
use dateline_core::slug::Slug;
use dateline_core::workflow::{self, Transition};
use dateline_core::{ArticleId, PersonId};
use dateline_store::{ArticleInput, NewSection, StoreError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The OpenAPI 3 document, written by hand and checked by a test against the routes.
const OPENAPI: &str = include_str!("openapi.json");

pub fn routes(state: &AppState) -> Router<AppState> {
    let limit = usize::try_from(
        state
            .media_max_bytes
            .saturating_add(crate::newsroom::media::FORM_SLACK),
    )
    .unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/api/v1/media",
            post(upload_media).layer(axum::extract::DefaultBodyLimit::max(limit)),
        )
        .route(
            "/api/v1/media/{id}",
            put(replace_media_text)
                .patch(patch_media_text)
                .delete(delete_media),
        )
        .route("/api/v1/openapi.json", get(show_openapi))
        .route("/api/v1/articles", post(create_article))
        .route(
            "/api/v1/articles/{id}",
            put(update_article).patch(patch_article),
        )
        .route("/api/v1/articles/{id}/submit", post(submit_article))
        .route("/api/v1/articles/{id}/publish", post(publish_article))
        .route("/api/v1/articles/{id}/schedule", post(schedule_article))
        .route("/api/v1/articles/{id}/withdraw", post(withdraw_article))
        .route("/api/v1/articles/{id}/restore", post(restore_article))
        .route("/api/v1/sections", post(create_section))
        .route("/api/v1/tags", post(create_tag))
}

async fn show_openapi() -> Response {
    let mut res = OPENAPI.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Only API tokens write through the API.
pub(super) fn token_only(user: &CurrentUser) -> Result<(), AppError> {
    if user.csrf.is_empty() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "The write API takes an API token (Authorization: Bearer …), not a session cookie."
                .to_owned(),
        ))
    }
}

/// A JSON answer that no cache keeps (the newsroom API speaks for one person).
pub(super) fn answer<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut res = (status, axum::Json(value)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    res
}

/// A story as it was written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "the read-only fields GET shows are accepted so a round trip works, and ignored"
)]
struct ArticleBody {
    headline: String,
    #[serde(default)]
    standfirst: String,
    /// Made from the headline when absent.
    #[serde(default)]
    slug: Option<String>,
    /// A section slug.
    section: String,
    /// Tag names; new ones are created if the token's role may.
    #[serde(default)]
    tags: Vec<String>,
    /// Byline person ids, in order. Left out: the token's owner; `[]`: no byline (agency
    /// copy).
    #[serde(default)]
    authors: Option<Vec<i64>>,
    #[serde(default)]
    lead_media_id: Option<i64>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    related: Vec<i64>,
    #[serde(default)]
    discussion_mode: Option<String>,
    #[serde(default)]
    seo_title: String,
    #[serde(default)]
    seo_description: String,
    /// Required on update: the version the change is based on.
    #[serde(default)]
    version: Option<i64>,
    /// On update of a published story: no public "Updated" time.
    #[serde(default)]
    minor: bool,
    /// What only the server sets, as `GET` shows it: accepted so that GET → change → PUT
    /// round-trips, and otherwise ignored (`id` must be the story's own).
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    scheduled_for: Option<String>,
    #[serde(default)]
    published_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    short_url: Option<String>,
}

impl ArticleBody {
    /// The editor's form for this body; a body without `discussion_mode` gets `mode`.
    fn form(
        &self,
        site: &crate::state::SiteContext,
        mode: DiscussionMode,
    ) -> Result<StoryForm, AppError> {
        let section = site
            .sections
            .iter()
            .find(|s| s.slug.as_str() == self.section)
            .ok_or_else(|| {
                AppError::BadRequest(format!("There is no section {:?}.", self.section))
            })?;
        if self.tags.iter().any(|t| t.contains(',')) {
            return Err(AppError::BadRequest(
                "A tag name may not contain a comma.".to_owned(),
            ));
        }
        Ok(StoryForm {
            headline: self.headline.trim().to_owned(),
            standfirst: self.standfirst.trim().to_owned(),
            slug: self.slug.clone().unwrap_or_default().trim().to_owned(),
            section: section.id.0.to_string(),
            tags: self.tags.join(", "),
            authors: self.authors.iter().flatten().map(i64::to_string).collect(),
            no_byline: self.authors.as_ref().is_some_and(Vec::is_empty),
            lead_media: self
                .lead_media_id
                .map(|m| m.to_string())
                .unwrap_or_default(),
            body: self.body.clone(),
            related: self
                .related
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            discussion: self
                .discussion_mode
                .clone()
                .unwrap_or_else(|| mode.as_str().to_owned()),
            // An API client names the mode it wants, or leaves it out to keep the story's.
            discussion_was: String::new(),
            seo_title: self.seo_title.trim().to_owned(),
            seo_description: self.seo_description.trim().to_owned(),
            minor: self.minor,
            schedule_at: String::new(),
            published_at: String::new(),
            confirm: false,
            version: self.version.unwrap_or(-1),
        })
    }
}

#[derive(Debug, Serialize)]
struct ArticleAnswer {
    id: i64,
    version: i64,
    status: &'static str,
    slug: String,
    headline: String,
    /// The public path, once published.
    path: Option<String>,
    scheduled_for: Option<String>,
    published_at: Option<String>,
    updated_at: Option<String>,
}

async fn article_answer(state: &AppState, a: &Article) -> Result<ArticleAnswer, AppError> {
    let site = state.site().await?;
    let path = site
        .sections
        .iter()
        .find(|s| s.id == a.section_id)
        .filter(|_| a.status == Status::Published)
        .and_then(|s| a.canonical_path(s.slug.as_str()));
    Ok(ArticleAnswer {
        id: a.id.0,
        version: a.version,
        status: a.status.as_str(),
        slug: a.slug.as_str().to_owned(),
        headline: a.headline.clone(),
        path,
        scheduled_for: a.scheduled_for.map(|t| t.to_string()),
        published_at: a.published_at.map(|t| t.to_string()),
        updated_at: a.updated_at.map(|t| t.to_string()),
    })
}

/// The bylines as an API client names them.
const BYLINES: &str = "The bylines (\"authors\")";

fn invalid(errors: Vec<String>) -> AppError {
    AppError::BadRequest(errors.join(" "))
}

fn taken(e: StoreError) -> AppError {
    match e {
        StoreError::Taken(field) => {
            AppError::Conflict(format!("Another story already has this {field}."))
        }
        StoreError::StaleVersion => stale(),
        StoreError::Invalid(m) => AppError::BadRequest(m),
        other => other.into(),
    }
}

fn stale() -> AppError {
    AppError::Conflict(
        "The story was changed since that version: fetch it again and reapply your change."
            .to_owned(),
    )
}

async fn create_article(
    State(state): State<AppState>,
    user: CurrentUser,
    body: JsonBody,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::CreateStory)?;
    let b: ArticleBody = body.parse()?;
    let site = state.site().await?;
    let default_mode = state.store.discussion_rules().await?.default_mode;
    let form = b.form(&site, default_mode)?;
    let mut checked = stories::check(&state, &site, &user, &form)
        .await
        .map_err(invalid)?;
    if let Some(m) = stories::bylines_refused(&user, BYLINES, &checked.input.authors, &[]) {
        return Err(AppError::Forbidden(m));
    }
    stories::create_tags(&state, &mut checked).await?;
    let a = state
        .store
        .create_article_by(checked.input, state.clock.now(), Some(user.account.id))
        .await
        .map_err(taken)?;
    Ok(answer(
        StatusCode::CREATED,
        &article_answer(&state, &a).await?,
    ))
}

/// The story and the caller's relation to it; refused unless they may edit it.
async fn story(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(Article, Vec<PersonId>, Ownership), AppError> {
    token_only(user)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = stories::ownership(state, user, a.id, &input.authors).await?;
    Ok((a, input.authors, own))
}

/// A story as `PUT` takes it, and what only the server sets: `GET /api/v1/articles/{id}` with
/// a token (any other GET of that path is the public story).
#[derive(Debug, Serialize, Deserialize)]
struct EditableArticle {
    id: i64,
    headline: String,
    standfirst: String,
    slug: String,
    /// A section slug.
    section: String,
    /// Tag names, in the editor's order.
    tags: Vec<String>,
    /// Byline person ids, in order; `[]` for agency copy.
    authors: Vec<i64>,
    lead_media_id: Option<i64>,
    /// The Markdown source.
    body: String,
    /// Editor's picks: related story ids, in order.
    related: Vec<i64>,
    discussion_mode: String,
    seo_title: String,
    seo_description: String,
    /// Send it back with a change: a story changed since answers 409.
    version: i64,
    status: String,
    /// The public path, once published.
    path: Option<String>,
    scheduled_for: Option<String>,
    published_at: Option<String>,
    updated_at: Option<String>,
    /// The story's short link (`/s/{code}`), absolute, once published.
    short_url: Option<String>,
}

async fn editable(
    state: &AppState,
    a: &Article,
    input: &ArticleInput,
) -> Result<EditableArticle, AppError> {
    let site = state.site().await?;
    let section = site
        .sections
        .iter()
        .find(|s| s.id == a.section_id)
        .map(|s| s.slug.as_str().to_owned())
        .unwrap_or_default();
    let tags = state
        .store
        .tags_of(&[a.id])
        .await?
        .into_iter()
        .map(|(_, t)| t.name)
        .collect();
    let shown = article_answer(state, a).await?;
    let short_url = shown.path.as_ref().map(|_| {
        format!(
            "{}/s/{}",
            site.settings.base_url.trim_end_matches('/'),
            a.short_code
        )
    });
    Ok(EditableArticle {
        id: a.id.0,
        headline: a.headline.clone(),
        standfirst: a.standfirst.clone(),
        slug: a.slug.as_str().to_owned(),
        section,
        tags,
        authors: input.authors.iter().map(|p| p.0).collect(),
        lead_media_id: a.lead_media_id.map(|m| m.0),
        body: a.body_source.clone(),
        related: input.related.iter().map(|r| r.0).collect(),
        discussion_mode: a.discussion_mode.as_str().to_owned(),
        seo_title: a.seo_title.clone(),
        seo_description: a.seo_description.clone(),
        version: a.version,
        status: shown.status.to_owned(),
        path: shown.path,
        scheduled_for: shown.scheduled_for,
        published_at: shown.published_at,
        updated_at: shown.updated_at,
        short_url,
    })
}

/// `GET /api/v1/articles/{id}` with a token: the story as `PUT` takes it, for whoever may
/// edit it (drafts included). Never cached.
pub(super) async fn show_editable(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<Response, AppError> {
    let (a, _, own) = story(state, user, id).await?;
    user.require_on(Action::EditStory, own)?;
    let (a, input) = state.store.article_input(a.id).await?;
    Ok(answer(StatusCode::OK, &editable(state, &a, &input).await?))
}

async fn update_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let b: ArticleBody = body.parse()?;
    save_article(&state, &user, id, b).await
}

/// `PATCH /api/v1/articles/{id}`: only the fields sent change; `version` is required.
async fn patch_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let patch: serde_json::Value = body.parse()?;
    let Some(fields) = patch.as_object() else {
        return Err(AppError::BadRequest(
            "Send a JSON object with the fields to change and `version`.".to_owned(),
        ));
    };
    if !fields.contains_key("version") {
        return Err(AppError::BadRequest(
            "The field `version` is required: send the version your change is based on.".to_owned(),
        ));
    }
    let (a, _, own) = story(&state, &user, id).await?;
    user.require_on(Action::EditStory, own)?;
    let (a, input) = state.store.article_input(a.id).await?;
    let mut merged = serde_json::to_value(editable(&state, &a, &input).await?)
        .map_err(|e| AppError::Internal(e.into()))?;
    if let Some(current) = merged.as_object_mut() {
        // The slug as stored would pin it even when the patch changes the headline of a
        // draft: left out, it is made as on create (and kept once published).
        if !fields.contains_key("slug") && a.published_at.is_none() {
            current.remove("slug");
        }
        for (k, v) in fields {
            current.insert(k.clone(), v.clone());
        }
    }
    let b: ArticleBody = crate::input::from_value(merged)?;
    save_article(&state, &user, id, b).await
}

/// Save `b` over story `id` (PUT, and PATCH once merged).
async fn save_article(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    mut b: ArticleBody,
) -> Result<Response, AppError> {
    let (a, before, own) = story(state, user, id).await?;
    user.require_on(Action::EditStory, own)?;
    workflow::may_edit(a.status, user.account.role, own).map_err(stories::refused)?;
    if b.id.is_some_and(|given| given != a.id.0) {
        return Err(AppError::BadRequest(format!(
            "The field `id` says {}, but this is story {}.",
            b.id.unwrap_or_default(),
            a.id.0
        )));
    }
    // A story that has been public keeps its URL: only a slug sent on purpose changes it,
    // never a new headline.
    if a.published_at.is_some() && b.slug.as_deref().is_none_or(|s| s.trim().is_empty()) {
        b.slug = Some(a.slug.as_str().to_owned());
    }
    let Some(version) = b.version else {
        return Err(AppError::BadRequest(
            "The field `version` is required: send the version your change is based on.".to_owned(),
        ));
    };
    if version != a.version {
        return Err(stale());
    }
    let site = state.site().await?;
    // Without `discussion_mode` an update keeps the story's own.
    let form = b.form(&site, a.discussion_mode)?;
    let mut checked = stories::check(state, &site, user, &form)
        .await
        .map_err(invalid)?;
    if let Some(m) = stories::bylines_refused(user, BYLINES, &checked.input.authors, &before) {
        return Err(AppError::Forbidden(m));
    }
    stories::create_tags(state, &mut checked).await?;
    let saved = state
        .store
        .update_article_by(
            a.id,
            version,
            checked.input,
            state.clock.now(),
            a.status == Status::Published && !b.minor,
            Some(user.account.id),
        )
        .await
        .map_err(taken)?;
    Ok(answer(
        StatusCode::OK,
        &article_answer(state, &saved).await?,
    ))
}

/// Check a workflow step for the caller (403 not allowed, 409 not possible now).
fn step(
    a: &Article,
    t: Transition,
    user: &CurrentUser,
    own: Ownership,
    now: Timestamp,
) -> Result<(), AppError> {
    match workflow::next(a.status, t, user.account.role, own, now) {
        Ok(_) => Ok(()),
        Err(workflow::TransitionError::ScheduleInPast) => Err(AppError::BadRequest(
            "The time to publish must be in the future.".to_owned(),
        )),
        Err(e) => Err(stories::refused(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBody {
    /// Publish or schedule despite the warnings.
    #[serde(default)]
    confirm: bool,
    /// For schedule: RFC 3339 (`2026-03-11T09:30:00Z` or with an offset).
    #[serde(default)]
    at: Option<String>,
    /// For withdraw: what readers see instead.
    #[serde(default)]
    note: Option<String>,
}

fn step_body(body: &JsonBody) -> Result<StepBody, AppError> {
    if body.is_blank() {
        Ok(StepBody::default())
    } else {
        body.parse()
    }
}

/// Refuse with 409 when the story has publish warnings and the caller did not confirm.
async fn warned(
    state: &AppState,
    user: &CurrentUser,
    a: &Article,
    confirm: bool,
) -> Result<(), AppError> {
    if confirm {
        return Ok(());
    }
    let site = state.site().await?;
    let (a, input) = state.store.article_input(a.id).await?;
    let all = state.store.tags_with_counts().await?;
    let names: Vec<String> = input
        .tags
        .iter()
        .filter_map(|t| {
            all.iter()
                .find(|(x, _)| x.id == *t)
                .map(|(x, _)| x.name.clone())
        })
        .collect();
    let form = StoryForm::of(&a, &input, &names);
    let checked = stories::check(state, &site, user, &form)
        .await
        .map_err(invalid)?;
    let warnings = stories::warnings(state, &checked).await?;
    if warnings.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "{} Send \"confirm\": true to go ahead.",
            warnings.join(" ")
        )))
    }
}

async fn submit_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let (a, _, own) = story(&state, &user, id).await?;
    let now = state.clock.now();
    step(&a, Transition::Submit, &user, own, now)?;
    let a = state.store.submit_article(a.id, now).await?;
    Ok(answer(StatusCode::OK, &article_answer(&state, &a).await?))
}

async fn publish_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let (a, _, own) = story(&state, &user, id).await?;
    let b = step_body(&body)?;
    let now = state.clock.now();
    let at = backdate_to(&b, &user, now)?;
    step(&a, Transition::PublishNow, &user, own, now)?;
    warned(&state, &user, &a, b.confirm).await?;
    let site = state.site().await?;
    let a = match at {
        // Backdating fixes the time and the URL's date first: publishing keeps a set
        // `published_at`, even over one an earlier publication gave.
        Some(at) => {
            state
                .store
                .backdate_article(a.id, at, path_date(at, &site.tz), now)
                .await?;
            state
                .store
                .publish_article(a.id, at, path_date(at, &site.tz), now)
                .await?
        }
        None => {
            state
                .store
                .publish_article(a.id, now, path_date(now, &site.tz), now)
                .await?
        }
    };
    tracing::info!(article_id = %a.id, backdated = at.is_some(), "published through the API");
    Ok(answer(StatusCode::OK, &article_answer(&state, &a).await?))
}

/// The past time `publish` was given in `at`, if any: an archive story's original publication
/// time (issue 16), which only the desk may set. Never ignored: a future time belongs to
/// `schedule`, and any other caller is told, so nothing is published at a time nobody chose.
fn backdate_to(
    b: &StepBody,
    user: &CurrentUser,
    now: Timestamp,
) -> Result<Option<Timestamp>, AppError> {
    let Some(raw) = b.at.as_deref() else {
        return Ok(None);
    };
    let at: Timestamp = raw.parse().map_err(|_| {
        AppError::BadRequest(
            "Give \"at\" as an RFC 3339 time in the past, like 2019-03-11T09:30:00Z.".to_owned(),
        )
    })?;
    if at > now {
        return Err(AppError::BadRequest(
            "\"at\" is in the future: to publish later, schedule the story instead \
             (POST /api/v1/articles/{id}/schedule)."
                .to_owned(),
        ));
    }
    if !dateline_core::permissions::allows(
        user.account.role,
        Action::BackdateStory,
        Ownership::NotApplicable,
    ) {
        return Err(AppError::BadRequest(format!(
            "Only editors and admins may give a story a publication time in the past (\"at\"); \
             your role ({}) may publish it now: leave out \"at\".",
            user.account.role.as_str()
        )));
    }
    Ok(Some(at))
}

async fn schedule_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let (a, _, own) = story(&state, &user, id).await?;
    let b = step_body(&body)?;
    let at: Timestamp =
        b.at.as_deref()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                AppError::BadRequest(
                    "Give \"at\" as an RFC 3339 time, like 2026-03-11T09:30:00Z.".to_owned(),
                )
            })?;
    let now = state.clock.now();
    step(&a, Transition::Schedule(at), &user, own, now)?;
    warned(&state, &user, &a, b.confirm).await?;
    let a = state.store.schedule_article(a.id, at, now).await?;
    state.scheduler.wake();
    Ok(answer(StatusCode::OK, &article_answer(&state, &a).await?))
}

async fn withdraw_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let (a, _, own) = story(&state, &user, id).await?;
    let b = step_body(&body)?;
    let note = b.note.as_deref().map(str::trim).unwrap_or_default();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(AppError::BadRequest(
            "Give \"note\": what readers see instead of the story (up to 2,000 characters)."
                .to_owned(),
        ));
    }
    let now = state.clock.now();
    step(&a, Transition::Withdraw, &user, own, now)?;
    let a = state.store.withdraw_article(a.id, note, now).await?;
    Ok(answer(StatusCode::OK, &article_answer(&state, &a).await?))
}

async fn restore_article(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let (a, _, own) = story(&state, &user, id).await?;
    let now = state.clock.now();
    step(&a, Transition::Restore, &user, own, now)?;
    let site = state.site().await?;
    let a = state
        .store
        .publish_article(a.id, now, path_date(now, &site.tz), now)
        .await?;
    Ok(answer(StatusCode::OK, &article_answer(&state, &a).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionBody {
    name: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Serialize)]
struct Named {
    id: i64,
    slug: String,
    name: String,
}

async fn create_section(
    State(state): State<AppState>,
    user: CurrentUser,
    body: JsonBody,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::ManageSections)?;
    let b: SectionBody = body.parse()?;
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(
            "Give the section a name (up to 100 characters).".to_owned(),
        ));
    }
    let slug = match b.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Slug::parse(s),
        None => Slug::from_text(name),
    }
    .map_err(|_| {
        AppError::BadRequest(
            "The slug may hold only lower-case letters, digits and single hyphens.".to_owned(),
        )
    })?;
    let position = state.store.sections().await?.len() as i64;
    let wanted = slug.as_str().to_owned();
    let s = state
        .store
        .create_section(NewSection {
            slug,
            name: name.to_owned(),
            description: b.description.trim().to_owned(),
            position,
        })
        .await
        .map_err(|e| match e {
            StoreError::Taken(what) if what == "page" => {
                crate::newsroom::pages::section_clash(&wanted)
            }
            StoreError::Taken(_) => AppError::Conflict("That section slug is taken.".to_owned()),
            other => other.into(),
        })?;
    Ok(answer(
        StatusCode::CREATED,
        &Named {
            id: s.id.0,
            slug: s.slug.as_str().to_owned(),
            name: s.name,
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagBody {
    name: String,
}

async fn create_tag(
    State(state): State<AppState>,
    user: CurrentUser,
    body: JsonBody,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::ManageTags)?;
    let b: TagBody = body.parse()?;
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 100 || Slug::from_text(name).is_err() {
        return Err(AppError::BadRequest(
            "Give the tag a name with letters or digits (up to 100 characters).".to_owned(),
        ));
    }
    let t = state.store.ensure_tag(name).await?;
    Ok(answer(
        StatusCode::CREATED,
        &Named {
            id: t.id.0,
            slug: t.slug.as_str().to_owned(),
            name: t.name,
        },
    ))
}

#[derive(Debug, Serialize)]
struct PhotoAnswer {
    id: i64,
    width: u32,
    height: u32,
    mime: String,
    alt: String,
    caption: String,
    /// As printed under the photo.
    credit: String,
    /// The credit's parts, as `PUT`/`PATCH` take them.
    agency: String,
    photographer: String,
    courtesy: String,
    /// The whole line as it was given, when it was ("" when composed from the parts).
    credit_printed: String,
    /// The published sizes are made in the background.
    processing: bool,
}

/// `POST /api/v1/media`: `multipart/form-data` with `file` and optional `alt`, `caption`,
/// `agency`, `photographer`, `courtesy`, `credit_printed`, checked exactly as the library's form is.
async fn upload_media(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    use crate::newsroom::media::{Accepted, FormProblem, accept, read_form};
    token_only(&user)?;
    user.require(Action::UploadMedia)?;
    let refusal = |r: crate::media::images::Refusal| {
        let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let code = match status.as_u16() {
            413 => "too_large",
            415 => "unsupported_media_type",
            _ => "unprocessable",
        };
        let mut res = answer(
            status,
            &serde_json::json!({ "error": code, "message": format!("{r} Nothing was stored.") }),
        );
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    };
    let (upload, text) = match read_form(&user, multipart, state.media_max_bytes).await {
        Ok(got) => got,
        Err(FormProblem::Error(e)) => return Err(e),
        Err(FormProblem::Refused(r)) => return Ok(refusal(r)),
    };
    text.check()?;
    let Some(upload) = upload else {
        return Ok(refusal(crate::media::images::Refusal::Empty));
    };
    match accept(&state, &user, upload, &text).await? {
        Accepted::Stored(m) => Ok(answer(StatusCode::CREATED, &PhotoAnswer::of(&m))),
        Accepted::Duplicate(_) => Err(AppError::Conflict(
            "This photo is already in the media library.".to_owned(),
        )),
        Accepted::Refused(r) => Ok(refusal(r)),
    }
}

impl PhotoAnswer {
    fn of(m: &dateline_core::media::Media) -> Self {
        PhotoAnswer {
            id: m.id.0,
            width: m.width,
            height: m.height,
            mime: m.mime.clone(),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.to_string(),
            agency: m.credit.agency.clone(),
            photographer: m.credit.photographer.clone(),
            courtesy: m.credit.courtesy.clone(),
            credit_printed: m.credit.printed.clone(),
            processing: m.variants.is_empty(),
        }
    }
}

/// A photo's words as `PUT`/`PATCH /api/v1/media/{id}` take them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaTextBody {
    #[serde(default)]
    alt: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    photographer: Option<String>,
    #[serde(default)]
    courtesy: Option<String>,
    /// The whole credit line as printed ("" to compose it from the parts again).
    #[serde(default)]
    credit_printed: Option<String>,
}

/// `PUT /api/v1/media/{id}`: alt text, caption and credit parts, all of them (a field left out
/// is emptied).
async fn replace_media_text(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let b: MediaTextBody = body.parse()?;
    save_media_text(&state, &user, id, b, false).await
}

/// `PATCH /api/v1/media/{id}`: only the fields sent change.
async fn patch_media_text(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    body: JsonBody,
) -> Result<Response, AppError> {
    let b: MediaTextBody = body.parse()?;
    save_media_text(&state, &user, id, b, true).await
}

async fn save_media_text(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    b: MediaTextBody,
    keep_missing: bool,
) -> Result<Response, AppError> {
    token_only(user)?;
    user.require(Action::EditMedia)?;
    let m = state.store.media(dateline_core::MediaId(id)).await?;
    let pick = |given: Option<String>, now: &str| match given {
        Some(v) => v,
        None if keep_missing => now.to_owned(),
        None => String::new(),
    };
    let text = crate::newsroom::media::UploadText {
        alt: pick(b.alt, &m.alt),
        caption: pick(b.caption, &m.caption),
        agency: pick(b.agency, &m.credit.agency),
        photographer: pick(b.photographer, &m.credit.photographer),
        courtesy: pick(b.courtesy, &m.credit.courtesy),
        printed: pick(b.credit_printed, &m.credit.printed),
    };
    text.check()?;
    let saved = state
        .store
        .update_media_text(m.id, &text.alt(), &text.caption(), &text.credit())
        .await?;
    tracing::info!(media_id = %saved.id.0, person_id = %user.account.id, "photo details edited through the API");
    Ok(answer(StatusCode::OK, &PhotoAnswer::of(&saved)))
}

/// `DELETE /api/v1/media/{id}`: 204, or 409 while a story, a profile or the logo uses it.
async fn delete_media(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    token_only(&user)?;
    user.require(Action::DeleteMedia)?;
    // 404 for a photo that is not there, before anything else is looked at.
    let m = state.store.media(dateline_core::MediaId(id)).await?;
    crate::newsroom::media::erase_photo(&state, &user, m.id).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    Ok(res)
}
