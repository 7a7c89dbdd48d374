//! `/newsroom/pages` (editors and admins, `ManagePages`): the site's static pages (About us,
//! Contact, Privacy…): the list with each page's status and place in the footer, moving a page
//! up or down the footer, the editor (the story editor's script and live preview over the same
//! `<textarea name=body>`, so the stored form is always the dialect), revisions with restore,
//! and deleting behind a confirmation page. Every form carries the session's form token.
//!
//! The checks on what a page may be ([`check`]) and the sentences for a slug that clashes
//! ([`slug_taken`], [`section_clash`]) are shared with the write API (`api/pages.rs`), so both
//! refuse alike. Nothing here renders HTML by hand: bodies go through `body::prepare`.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::body::{Bodies, PreparedBody, from_ref_keys, prepare, ref_keys};
use crate::input::{Form, PathId, limit_body};
use crate::state::AppState;
use crate::views::TimeView;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::PageId;
use dateline_core::permissions::Action;
use dateline_core::slug::Slug;
use dateline_core::static_page::{self, PageStatus, StaticPage};
use dateline_store::{PageInput, StoreError};
use minijinja::Value;
use serde::{Deserialize, Serialize};

/// Largest body a page may have, as for a story.
pub(crate) const MAX_BODY: usize = 1_000_000;
const FORM_LIMIT: usize = 4 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/pages", get(list_pages))
        .route("/newsroom/pages/new", get(new_page))
        .route(
            "/newsroom/pages/create",
            limit_body(post(create_page), FORM_LIMIT),
        )
        .route(
            "/newsroom/pages/{id}",
            limit_body(get(edit_page).post(save_page), FORM_LIMIT),
        )
        .route("/newsroom/pages/{id}/move", post(move_page))
        .route(
            "/newsroom/pages/{id}/delete",
            get(confirm_delete).post(delete_page),
        )
        .route("/newsroom/pages/{id}/revisions", get(list_revisions))
        .route(
            "/newsroom/pages/{id}/revisions/{rev}/restore",
            post(restore_revision),
        )
}

/// What an editor (or an API client) sends for a page, as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct PageFields {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub body: String,
    pub status: PageStatus,
    /// Listed in the footer (at its current place, or last when newly listed).
    pub in_footer: bool,
}

/// A page's fields checked and its body rendered: what the store saves. Each problem is a
/// sentence naming the field, all of them at once.
pub(crate) async fn check(
    fields: &PageFields,
    footer_position: Option<i64>,
) -> Result<PageInput, Vec<String>> {
    let mut errors = Vec::new();
    let title = fields.title.trim();
    if title.is_empty() {
        errors.push("Give the page a title.".to_owned());
    } else if title.chars().count() > static_page::MAX_TITLE {
        errors.push(format!(
            "The title has {} characters: keep it to {}.",
            title.chars().count(),
            static_page::MAX_TITLE
        ));
    }
    let slug = if fields.slug.trim().is_empty() {
        Slug::from_text(title).ok()
    } else {
        match Slug::parse(fields.slug.trim()) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(format!("The slug is not usable: {e}."));
                None
            }
        }
    };
    if let Some(s) = &slug
        && let Err(e) = static_page::check_slug(s)
    {
        errors.push(format!("The slug: {e}."));
    }
    if slug.is_none() && !title.is_empty() && errors.is_empty() {
        errors.push("Give the page a slug: its title makes none.".to_owned());
    }
    let description = fields.description.trim();
    if description.chars().count() > static_page::MAX_DESCRIPTION {
        errors.push(format!(
            "The description has {} characters: keep it to {}.",
            description.chars().count(),
            static_page::MAX_DESCRIPTION
        ));
    }
    let source = fields.body.replace("\r\n", "\n");
    let prepared = if source.len() > MAX_BODY {
        errors.push(format!(
            "The body is too long: keep it to {} bytes.",
            crate::input::thousands(MAX_BODY as u64)
        ));
        None
    } else {
        let src = source.clone();
        match tokio::task::spawn_blocking(move || prepare(&src)).await {
            Ok(Ok(p)) => Some(p),
            Ok(Err(e)) => {
                errors.push(format!("The body could not be read: {e}"));
                None
            }
            Err(e) => {
                errors.push(format!("The body could not be rendered: {e}"));
                None
            }
        }
    };
    match (slug, prepared) {
        (Some(slug), Some(prepared)) if errors.is_empty() => Ok(PageInput {
            slug,
            title: title.to_owned(),
            description: description.to_owned(),
            body_source: source,
            refs: ref_keys(&prepared),
            body_html: prepared.html,
            body_text: prepared.text,
            status: fields.status,
            footer_position: if fields.in_footer {
                footer_position
            } else {
                None
            },
        }),
        _ => Err(errors),
    }
}

/// Where a page listed in the footer goes: its current place, or after the last one.
pub(crate) async fn footer_place(
    state: &AppState,
    current: Option<&StaticPage>,
) -> Result<Option<i64>, AppError> {
    if let Some(p) = current.and_then(|p| p.footer_position) {
        return Ok(Some(p));
    }
    let last = state
        .store
        .pages()
        .await?
        .iter()
        .filter_map(|p| p.footer_position)
        .max()
        .unwrap_or(0);
    Ok(Some(last + 1))
}

/// The sentence for a save refused by the store's slug checks.
pub(crate) fn slug_taken(what: &str, slug: &Slug) -> AppError {
    if what == "section" {
        AppError::Conflict(format!(
            "The slug {slug} is a section's: /{slug}/ is that section's front, so the page \
             would never be seen. Choose another slug."
        ))
    } else {
        AppError::Conflict(format!(
            "Another page already has the slug {slug} (/{slug}/). Choose another slug."
        ))
    }
}

/// The sentence for a section refused because a page has its slug.
pub(crate) fn section_clash(slug: &str) -> AppError {
    AppError::Conflict(format!(
        "The static page at /{slug}/ already has the slug {slug}: a section there would hide \
         it. Choose another slug for the section, or change the page's."
    ))
}

/// A stored page's body completed as readers see it (photos, READ MORE targets).
pub(crate) async fn filled_body(state: &AppState, page: &StaticPage) -> Result<String, AppError> {
    let prepared = from_ref_keys(&page.body_html, &page.body_text, &page.refs);
    fill(state, &prepared).await
}

async fn fill(state: &AppState, prepared: &PreparedBody) -> Result<String, AppError> {
    let site = state.site().await?;
    let bodies = Bodies::for_preview(&state.store, prepared, &site.sections).await?;
    Ok(bodies.fill_preview(prepared))
}

#[derive(Debug, Serialize)]
struct ListPage {
    pages: Vec<PageRow>,
    notice: String,
}

#[derive(Debug, Serialize)]
struct PageRow {
    id: i64,
    title: String,
    path: String,
    status: &'static str,
    status_label: &'static str,
    /// 1-based place among the footer's pages; None: not in the footer.
    footer: Option<usize>,
    first: bool,
    last: bool,
    updated: TimeView,
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

fn status_label(s: PageStatus) -> &'static str {
    match s {
        PageStatus::Draft => "Draft",
        PageStatus::Published => "Published",
    }
}

async fn list_pages(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let site = state.site().await?;
    let pages = state.store.pages().await?;
    let footer: Vec<PageId> = pages
        .iter()
        .filter(|p| p.footer_position.is_some())
        .map(|p| p.id)
        .collect();
    let notice = match q.done.as_deref() {
        Some("deleted") => "Page deleted.",
        Some("moved") => "Footer order saved.",
        _ => "",
    };
    let rows = pages
        .iter()
        .map(|p| {
            let place = footer.iter().position(|id| *id == p.id);
            PageRow {
                id: p.id.0,
                title: p.title.clone(),
                path: p.path(),
                status: p.status.as_str(),
                status_label: status_label(p.status),
                footer: place.map(|i| i + 1),
                first: place == Some(0),
                last: place.is_some_and(|i| i + 1 == footer.len()),
                updated: TimeView::new(p.updated_at, &site),
            }
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "newsroom/pages.html",
        "Pages",
        "pages",
        Some(&user),
        ListPage {
            pages: rows,
            notice: notice.to_owned(),
        },
    )
    .await
}

#[derive(Debug, Serialize)]
struct EditorPage {
    page: Option<PageView>,
    form: FormView,
    errors: Vec<String>,
    notice: String,
    /// Safe: rendered and sanitised by the markup crate.
    preview: Option<Value>,
}

#[derive(Debug, Serialize)]
struct PageView {
    id: i64,
    path: String,
    status: &'static str,
    status_label: &'static str,
    updated: TimeView,
}

#[derive(Debug, Serialize)]
struct FormView {
    #[serde(flatten)]
    fields: PageFields,
    version: i64,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the editor page's parts, named at each call"
)]
async fn show_editor(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    page: Option<&StaticPage>,
    form: FormView,
    errors: Vec<String>,
    notice: String,
    preview: Option<String>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let title = if page.is_some() {
        "Edit page"
    } else {
        "New page"
    };
    render(
        state,
        status,
        "newsroom/page_editor.html",
        title,
        "pages",
        Some(user),
        EditorPage {
            page: page.map(|p| PageView {
                id: p.id.0,
                path: p.path(),
                status: p.status.as_str(),
                status_label: status_label(p.status),
                updated: TimeView::new(p.updated_at, &site),
            }),
            form,
            errors,
            notice,
            preview: preview.map(Value::from_safe_string),
        },
    )
    .await
}

fn fields_of(p: &StaticPage) -> PageFields {
    PageFields {
        title: p.title.clone(),
        slug: p.slug.as_str().to_owned(),
        description: p.description.clone(),
        body: p.body_source.clone(),
        status: p.status,
        in_footer: p.footer_position.is_some(),
    }
}

async fn new_page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let form = FormView {
        fields: PageFields {
            in_footer: true,
            ..PageFields::default()
        },
        version: 0,
    };
    show_editor(
        &state,
        &user,
        StatusCode::OK,
        None,
        form,
        Vec::new(),
        String::new(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct EditQuery {
    saved: Option<String>,
}

async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Query(q): Query<EditQuery>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let p = state.store.page(PageId(id)).await?;
    let notice = match q.saved.as_deref() {
        Some("published") => "Page published.",
        Some("draft") => "Draft saved.",
        Some("unpublished") => "Page taken off the site: it is a draft again.",
        Some("restored") => "Revision restored: this is now the page's latest save.",
        Some(_) => "Page saved.",
        None => "",
    };
    let form = FormView {
        fields: fields_of(&p),
        version: p.version,
    };
    show_editor(
        &state,
        &user,
        StatusCode::OK,
        Some(&p),
        form,
        Vec::new(),
        notice.to_owned(),
        None,
    )
    .await
}

/// The editor's form as posted.
#[derive(Debug, Deserialize)]
struct EditorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    in_footer: Option<String>,
    /// `save` (keep the status), `publish`, `unpublish`, `preview`.
    #[serde(default)]
    action: String,
}

impl EditorForm {
    fn fields(&self, current: PageStatus) -> Result<PageFields, AppError> {
        let status = match self.action.as_str() {
            "publish" => PageStatus::Published,
            "unpublish" => PageStatus::Draft,
            "save" | "preview" | "" => current,
            other => {
                return Err(AppError::BadRequest(format!(
                    "Unknown action {other:?}: use save, publish, unpublish or preview."
                )));
            }
        };
        Ok(PageFields {
            title: self.title.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            body: self.body.clone(),
            status,
            in_footer: self.in_footer.is_some(),
        })
    }
}

fn saved_word(p: &StaticPage, before: Option<PageStatus>) -> &'static str {
    match (before, p.status) {
        (Some(PageStatus::Published), PageStatus::Draft) => "unpublished",
        (_, PageStatus::Published) => "published",
        (_, PageStatus::Draft) => "draft",
    }
}

async fn create_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<EditorForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    user.check_form(&f.csrf)?;
    let fields = f.fields(PageStatus::Draft)?;
    save(&state, &user, None, fields, 0, f.action == "preview").await
}

async fn save_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<EditorForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    user.check_form(&f.csrf)?;
    let current = state.store.page(PageId(id)).await?;
    let fields = f.fields(current.status)?;
    let version = f.version.trim().parse().map_err(|_| {
        AppError::BadRequest("The form's version is missing: reload the page.".to_owned())
    })?;
    save(
        &state,
        &user,
        Some(current),
        fields,
        version,
        f.action == "preview",
    )
    .await
}

/// Check and save (or only preview) the editor's form; a refusal shows the form again as typed
/// with every problem listed.
async fn save(
    state: &AppState,
    user: &CurrentUser,
    current: Option<StaticPage>,
    fields: PageFields,
    version: i64,
    preview_only: bool,
) -> Result<Response, AppError> {
    let place = footer_place(state, current.as_ref()).await?;
    let again = |errors: Vec<String>, status: StatusCode, preview: Option<String>| {
        let form = FormView {
            fields: fields.clone(),
            version,
        };
        let current = current.clone();
        async move {
            show_editor(
                state,
                user,
                status,
                current.as_ref(),
                form,
                errors,
                String::new(),
                preview,
            )
            .await
        }
    };
    let input = match check(&fields, place).await {
        Ok(i) => i,
        Err(errors) => return again(errors, StatusCode::BAD_REQUEST, None).await,
    };
    if preview_only {
        let prepared = from_ref_keys(&input.body_html, &input.body_text, &input.refs);
        let html = fill(state, &prepared).await?;
        return again(Vec::new(), StatusCode::OK, Some(html)).await;
    }
    let slug = input.slug.clone();
    let now = state.clock.now();
    let by = Some(user.account.id);
    let before = current.as_ref().map(|p| p.status);
    let saved = match &current {
        None => state.store.create_page(input, by, now).await,
        Some(p) => state.store.save_page(p.id, version, input, by, now).await,
    };
    match saved {
        Ok(p) => Ok(see_other(&format!(
            "/newsroom/pages/{}?saved={}",
            p.id,
            saved_word(&p, before)
        ))),
        Err(StoreError::Taken(what)) => {
            let message = slug_taken(&what, &slug).to_string();
            again(vec![message], StatusCode::CONFLICT, None).await
        }
        Err(StoreError::StaleVersion) => {
            again(
                vec![
                    "Someone saved this page since you opened it: your text is below; copy \
                     what you need, reload the page and apply it again."
                        .to_owned(),
                ],
                StatusCode::CONFLICT,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    /// `up` or `down` the footer.
    #[serde(default)]
    to: String,
}

async fn move_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    user.check_form(&f.csrf)?;
    let mut order: Vec<PageId> = state
        .store
        .pages()
        .await?
        .iter()
        .filter(|p| p.footer_position.is_some())
        .map(|p| p.id)
        .collect();
    let at = order
        .iter()
        .position(|p| p.0 == id)
        .ok_or_else(|| AppError::BadRequest("That page is not in the footer.".to_owned()))?;
    let to = match f.to.as_str() {
        "up" if at > 0 => at - 1,
        "down" if at + 1 < order.len() => at + 1,
        "up" | "down" => at,
        _ => {
            return Err(AppError::BadRequest(
                "Say where to move the page: up or down.".to_owned(),
            ));
        }
    };
    order.swap(at, to);
    state.store.order_footer(&order).await?;
    Ok(see_other("/newsroom/pages?done=moved"))
}

#[derive(Debug, Serialize)]
struct ConfirmPage {
    page: PageRef,
}

/// The page a confirmation or revisions screen is about.
#[derive(Debug, Serialize)]
struct PageRef {
    id: i64,
    title: String,
    path: String,
    published: bool,
}

impl PageRef {
    fn of(p: &StaticPage) -> Self {
        PageRef {
            id: p.id.0,
            title: p.title.clone(),
            path: p.path(),
            published: p.is_public(),
        }
    }
}

async fn confirm_delete(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let p = state.store.page(PageId(id)).await?;
    render(
        &state,
        StatusCode::OK,
        "newsroom/page_delete.html",
        "Delete a page",
        "pages",
        Some(&user),
        ConfirmPage {
            page: PageRef::of(&p),
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

async fn delete_page(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<DeleteForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    user.check_form(&f.csrf)?;
    if f.confirm != "1" {
        return Ok(see_other(&format!("/newsroom/pages/{id}/delete")));
    }
    state.store.delete_page(PageId(id)).await?;
    Ok(see_other("/newsroom/pages?done=deleted"))
}

#[derive(Debug, Serialize)]
struct RevisionsPage {
    page: PageRef,
    revisions: Vec<RevisionRow>,
}

#[derive(Debug, Serialize)]
struct RevisionRow {
    id: i64,
    version: i64,
    title: String,
    status_label: &'static str,
    saved_by: String,
    saved: TimeView,
    words: usize,
    current: bool,
}

async fn list_revisions(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    let site = state.site().await?;
    let p = state.store.page(PageId(id)).await?;
    let revisions = state.store.page_revisions(p.id).await?;
    render(
        &state,
        StatusCode::OK,
        "newsroom/page_revisions.html",
        "Page revisions",
        "pages",
        Some(&user),
        RevisionsPage {
            revisions: revisions
                .iter()
                .map(|r| RevisionRow {
                    id: r.id,
                    version: r.version,
                    title: r.title.clone(),
                    status_label: status_label(r.status),
                    saved_by: r.saved_by_name.clone(),
                    saved: TimeView::new(r.saved_at, &site),
                    words: r.body_source.split_whitespace().count(),
                    current: r.version == p.version,
                })
                .collect(),
            page: PageRef::of(&p),
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
struct RestoreForm {
    #[serde(default)]
    csrf: String,
}

/// Restore a revision's words, title, slug and description through an ordinary save (so the
/// restore is itself a revision); the page keeps its current status and place in the footer.
async fn restore_revision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rev)): Path<(i64, i64)>,
    Form(f): Form<RestoreForm>,
) -> Result<Response, AppError> {
    user.require(Action::ManagePages)?;
    user.check_form(&f.csrf)?;
    let current = state.store.page(PageId(id)).await?;
    let r = state.store.page_revision(current.id, rev).await?;
    let fields = PageFields {
        title: r.title,
        slug: r.slug,
        description: r.description,
        body: r.body_source,
        status: current.status,
        in_footer: current.footer_position.is_some(),
    };
    let input = check(&fields, current.footer_position)
        .await
        .map_err(|e| AppError::Conflict(e.join(" ")))?;
    let slug = input.slug.clone();
    match state
        .store
        .save_page(
            current.id,
            current.version,
            input,
            Some(user.account.id),
            state.clock.now(),
        )
        .await
    {
        Ok(p) => Ok(see_other(&format!(
            "/newsroom/pages/{}?saved=restored",
            p.id
        ))),
        Err(StoreError::Taken(what)) => Err(slug_taken(&what, &slug)),
        Err(e) => Err(e.into()),
    }
}
