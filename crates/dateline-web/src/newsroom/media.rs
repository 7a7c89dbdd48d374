//! `/newsroom/media`: the media library. Everyone who may upload photos (`UploadMedia`) sees
//! the list (newest first, searchable over alt text, caption, credit and the uploaded file's
//! name, paginated) and the upload form; `EditMedia` edits a photo's alt text, caption and credit. The story editor's
//! photo pickers search the whole library as one types through `GET /newsroom/media/search`
//! (JSON, a page at a time, with "more").
//!
//! An upload is refused with a 4xx and nothing stored (no row, no file) unless it is a whole
//! JPEG, PNG, WebP or GIF within the size limit (`media::images::check`). An accepted one is
//! kept as sent under `originals/` in the media store (never served) and answered at once; the
//! `media::worker` then re-encodes it into the served variants (no EXIF), and until they exist
//! the library shows the photo as processing. Decoding runs on the blocking pool.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::{Form, PathId};
use crate::media::images::{self, Refusal};
pub(crate) use crate::media::intake::Upload;
use crate::media::intake::{Kept, PhotoText};
use crate::media::store::MediaStore;
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dateline_core::MediaId;
use dateline_core::media::{Credit, Media};
use dateline_core::page::PageRequest;
use dateline_core::permissions::Action;
use dateline_store::StoreError;
use serde::{Deserialize, Serialize};

/// Photos per library page.
const PER_PAGE: u32 = 24;
/// Longest alt text, caption or credit part, in characters: longer is refused with a sentence
/// (never cut), and the forms say so with `maxlength`.
pub(crate) const MAX_TEXT: usize = 2_000;
/// Room for the form's text fields and multipart framing beyond the file itself.
pub(crate) const FORM_SLACK: u64 = 64 * 1024;

pub fn routes(state: &AppState) -> Router<AppState> {
    let limit =
        usize::try_from(state.media_max_bytes.saturating_add(FORM_SLACK)).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/newsroom/media",
            get(show_library)
                .post(upload_media)
                .layer(DefaultBodyLimit::max(limit)),
        )
        .route("/newsroom/media/search", get(search_media))
        .route("/newsroom/media/{id}", get(show_photo).post(edit_photo))
        .route("/newsroom/media/{id}/delete", post(delete_photo))
}

#[derive(Debug, Deserialize, Default)]
pub struct LibraryQuery {
    q: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct LibraryView {
    photos: Vec<PhotoView>,
    q: String,
    page: u32,
    prev: Option<String>,
    next: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    max_mb: u64,
    may_edit: bool,
    /// What the upload form held, when it is shown again after a refusal.
    form: UploadText,
}

#[derive(Debug, Serialize)]
struct PhotoView {
    id: i64,
    thumb: String,
    thumb_width: u32,
    thumb_height: u32,
    width: u32,
    height: u32,
    mime: String,
    alt: String,
    caption: String,
    credit: String,
    agency: String,
    photographer: String,
    courtesy: String,
    printed: String,
    /// The name of the file it came from (`harbour-at-dawn.jpg`); empty when not known.
    file_name: String,
    /// Public paths of every served file.
    files: Vec<String>,
    /// The variants are still being made.
    processing: bool,
}

impl PhotoView {
    fn new(m: &Media) -> Self {
        let w = m.width_for(320);
        let mut files: Vec<String> = m.variants.iter().map(|w| m.variant_path(*w)).collect();
        // Only the extra formats the worker has made (`formats`): a photo kept before them, or
        // on a site with `media_formats = "none"`, has no such files to list.
        if m.mime != "image/webp" && m.formats.contains(&dateline_core::media::Extra::Webp) {
            files.extend(
                m.variants
                    .iter()
                    .map(|w| format!("/media/{}-{w}.webp", m.hash)),
            );
        }
        if m.formats.contains(&dateline_core::media::Extra::Avif) {
            files.extend(
                m.variants
                    .iter()
                    .map(|w| format!("/media/{}-{w}.avif", m.hash)),
            );
        }
        Self {
            id: m.id.0,
            thumb: m.src_for(320),
            thumb_width: w,
            thumb_height: m.height_at(w),
            width: m.width,
            height: m.height,
            mime: m.mime.clone(),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.to_string(),
            agency: m.credit.agency.clone(),
            photographer: m.credit.photographer.clone(),
            courtesy: m.credit.courtesy.clone(),
            printed: m.credit.printed.clone(),
            file_name: m.file_name.clone().unwrap_or_default(),
            processing: m.variants.is_empty(),
            files,
        }
    }
}

/// The descriptive fields of the upload and edit forms.
#[derive(Debug, Default, Serialize, Deserialize, Clone)]
pub struct UploadText {
    #[serde(default)]
    pub(crate) alt: String,
    #[serde(default)]
    pub(crate) caption: String,
    #[serde(default)]
    pub(crate) agency: String,
    #[serde(default)]
    pub(crate) photographer: String,
    #[serde(default)]
    pub(crate) courtesy: String,
    /// The whole credit line as the agency prints it; empty: composed from the parts.
    #[serde(default, rename = "credit_printed")]
    pub(crate) printed: String,
}

impl UploadText {
    fn tidy(s: &str) -> String {
        s.trim().to_owned()
    }

    /// Refuse a field over [`MAX_TEXT`] characters or holding a control character, naming
    /// it: text is stored as typed or not at all.
    pub(crate) fn check(&self) -> Result<(), AppError> {
        for (label, value) in [
            ("alt text", &self.alt),
            ("caption", &self.caption),
            ("agency", &self.agency),
            ("photographer", &self.photographer),
            ("courtesy line", &self.courtesy),
            ("credit as printed", &self.printed),
        ] {
            crate::input::check_text(label, value)?;
            crate::input::check_length(label, value.trim(), MAX_TEXT)?;
        }
        Ok(())
    }

    pub(crate) fn alt(&self) -> String {
        Self::tidy(&self.alt)
    }

    pub(crate) fn caption(&self) -> String {
        Self::tidy(&self.caption)
    }

    pub(crate) fn credit(&self) -> Credit {
        Credit::new(
            Self::tidy(&self.agency),
            Self::tidy(&self.photographer),
            Self::tidy(&self.courtesy),
        )
        .with_printed(Self::tidy(&self.printed))
    }
}

async fn show_library(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, AppError> {
    user.require(Action::UploadMedia)?;
    let notice = match q.done.as_deref() {
        Some("uploaded") => Some("The photo has been added to the library.".to_owned()),
        Some("duplicate") => Some("That photo is already in the library.".to_owned()),
        Some("saved") => Some("The photo's details have been saved.".to_owned()),
        Some("deleted") => Some("The photo and its files have been deleted.".to_owned()),
        _ => None,
    };
    library(
        &state,
        &user,
        &q,
        StatusCode::OK,
        notice,
        None,
        UploadText::default(),
    )
    .await
}

async fn library(
    state: &AppState,
    user: &CurrentUser,
    q: &LibraryQuery,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    form: UploadText,
) -> Result<Response, AppError> {
    let req = PageRequest::parse(q.page.as_deref(), None, PER_PAGE, PER_PAGE)?;
    let query: String =
        q.q.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(200)
            .collect();
    let mut found = state
        .store
        .media_library(Some(&query), req.offset(), req.limit() + 1)
        .await?;
    let more = found.len() > PER_PAGE as usize;
    found.truncate(PER_PAGE as usize);
    let link = |page: u32| {
        let mut s = format!("/newsroom/media?page={page}");
        if !query.is_empty() {
            s.push_str("&q=");
            s.push_str(&super::auth::encode_component(&query));
        }
        s
    };
    render(
        state,
        status,
        "newsroom/media.html",
        "Media library",
        "media",
        Some(user),
        LibraryView {
            photos: found.iter().map(PhotoView::new).collect(),
            q: query.clone(),
            page: req.page,
            prev: (req.page > 1).then(|| link(req.page - 1)),
            next: more.then(|| link(req.page + 1)),
            notice,
            error,
            max_mb: state.media_max_bytes / (1024 * 1024),
            may_edit: user.may(Action::EditMedia),
            form,
        },
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: String,
    /// `12,34`: these photos instead of a search (the editor names photos already in a body).
    #[serde(default)]
    ids: String,
}

/// A photo as the editor's pickers list it.
#[derive(Debug, Serialize)]
struct PickedPhoto {
    id: i64,
    /// `Photo 12: <alt text>`, or `Photo 12 (no alt text)`.
    label: String,
    alt: String,
    caption: String,
    credit: String,
    /// The name of the file it came from; empty when not known.
    file_name: String,
    /// Empty while the variants are being made (no address that would 404).
    thumb: String,
}

impl PickedPhoto {
    fn new(m: &Media) -> Self {
        PickedPhoto {
            id: m.id.0,
            label: if m.alt.is_empty() {
                format!("Photo {} (no alt text)", m.id)
            } else {
                format!("Photo {}: {}", m.id, m.alt)
            },
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.to_string(),
            file_name: m.file_name.clone().unwrap_or_default(),
            thumb: if m.variants.is_empty() {
                String::new()
            } else {
                m.src_for(320)
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct PickedPage {
    photos: Vec<PickedPhoto>,
    /// Where the next page starts, when there is one ("more").
    next_offset: Option<i64>,
}

/// Photos per page of the editor's picker.
const PICK_PAGE: i64 = 24;
/// Most photos one `ids` request names.
const MAX_IDS: usize = 100;

/// `GET /newsroom/media/search?q=&offset=`: the whole library, newest first, searched over alt
/// text, caption, credit and file name (a number, `12`, finds photo 12 first), [`PICK_PAGE`] photos from
/// `offset`; or `?ids=12,34`, those photos. JSON for the editor's pickers; the same permission
/// as the library page. A bad offset is a 400 with a sentence.
async fn search_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    user.require(Action::UploadMedia)?;
    if !q.ids.trim().is_empty() {
        let mut ids: Vec<MediaId> = q
            .ids
            .split(',')
            .filter_map(|i| i.trim().parse().ok().map(MediaId))
            .collect();
        ids.truncate(MAX_IDS);
        let found = state.store.media_many(&ids).await?;
        return Ok(Json(PickedPage {
            photos: found.iter().map(PickedPhoto::new).collect(),
            next_offset: None,
        })
        .into_response());
    }
    let offset = match q.offset.trim() {
        "" => 0,
        o => o.parse::<i64>().ok().filter(|o| *o >= 0).ok_or_else(|| {
            AppError::BadRequest(format!("The offset {o:?} is not a whole number of photos."))
        })?,
    };
    let query: String = q.q.trim().chars().take(200).collect();
    let mut photos = Vec::new();
    // A photo's number, as the library and the body show it, finds that photo first.
    let by_number = query
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .map(MediaId);
    if let (Some(id), 0) = (by_number, offset) {
        photos.extend(state.store.media_many(&[id]).await?);
    }
    let mut found = state
        .store
        .media_library(Some(&query), offset, PICK_PAGE + 1)
        .await?;
    let more = found.len() > PICK_PAGE as usize;
    found.truncate(PICK_PAGE as usize);
    photos.extend(found.into_iter().filter(|m| Some(m.id) != by_number));
    Ok(Json(PickedPage {
        photos: photos.iter().map(PickedPhoto::new).collect(),
        next_offset: more.then_some(offset + PICK_PAGE),
    })
    .into_response())
}

/// Why reading the form stopped.
pub(crate) enum FormProblem {
    Refused(Refusal),
    Error(AppError),
}

impl From<AppError> for FormProblem {
    fn from(e: AppError) -> Self {
        FormProblem::Error(e)
    }
}

fn multipart_problem(e: MultipartError, max_mb: u64) -> FormProblem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        FormProblem::Refused(Refusal::TooBig(max_mb))
    } else {
        FormProblem::Error(AppError::BadRequest(
            "The upload could not be read; send the form again.".to_owned(),
        ))
    }
}

/// Read the form. The form token must come before the file (it does in the page's form), so a
/// forged form is refused before its file is read; an over-size file is read to its end and
/// dropped, so the browser gets the answer rather than a broken connection.
pub(crate) async fn read_form(
    user: &CurrentUser,
    mut multipart: Multipart,
    max_bytes: u64,
) -> Result<(Option<Upload>, UploadText), FormProblem> {
    let max_mb = max_bytes / (1024 * 1024);
    // An API token's caller (only possible under /api/) has no form token and needs none:
    // the bearer header is not sent by another site's form.
    let mut checked = user.csrf.is_empty();
    let mut text = UploadText::default();
    let mut upload = None;
    let mut too_big = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_problem(e, max_mb))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            if !checked {
                return Err(super::auth::csrf_refused().into());
            }
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            match read_file(field, max_bytes, max_mb).await? {
                Some(bytes) => {
                    upload = Some(Upload {
                        bytes,
                        file_name,
                        content_type,
                    })
                }
                None => too_big = true,
            }
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|e| multipart_problem(e, max_mb))?;
        match name.as_str() {
            "csrf" if !user.csrf.is_empty() => {
                user.check_form(&value)?;
                checked = true;
            }
            "alt" => text.alt = value,
            "caption" => text.caption = value,
            "agency" => text.agency = value,
            "photographer" => text.photographer = value,
            "courtesy" => text.courtesy = value,
            "credit_printed" => text.printed = value,
            _ => {}
        }
    }
    if !checked {
        return Err(super::auth::csrf_refused().into());
    }
    if too_big {
        return Err(FormProblem::Refused(Refusal::TooBig(max_mb)));
    }
    Ok((upload, text))
}

/// The file's bytes, or `None` when there are more than `max_bytes` (read on and dropped).
async fn read_file(
    mut field: Field<'_>,
    max_bytes: u64,
    max_mb: u64,
) -> Result<Option<Vec<u8>>, FormProblem> {
    let mut bytes = Vec::new();
    let mut over = false;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_problem(e, max_mb))?
    {
        if over {
            continue;
        }
        if (bytes.len() + chunk.len()) as u64 > max_bytes {
            over = true;
            bytes = Vec::new();
            continue;
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((!over).then_some(bytes))
}

async fn upload_media(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, AppError> {
    user.require(Action::UploadMedia)?;
    let json = wants_json(&headers);
    let refuse = |refusal: Refusal, text: UploadText| {
        let state = state.clone();
        let user = user.clone();
        async move {
            tracing::info!(person_id = %user.account.id, reason = %refusal, "upload refused");
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
            if json {
                return Ok(json_refusal(status, refusal.to_string()));
            }
            library(
                &state,
                &user,
                &LibraryQuery::default(),
                status,
                None,
                Some(refusal.to_string()),
                text,
            )
            .await
        }
    };
    let (upload, text) = match read_form(&user, multipart, state.media_max_bytes).await {
        Ok(got) => got,
        Err(FormProblem::Error(e)) => return Err(e),
        Err(FormProblem::Refused(r)) => return refuse(r, UploadText::default()).await,
    };
    if let Err(e) = text.check() {
        if json {
            return Ok(json_refusal(e.status(), e.message()));
        }
        // The form comes back with what was typed and the rule it broke.
        return library(
            &state,
            &user,
            &LibraryQuery::default(),
            e.status(),
            None,
            Some(e.message()),
            text,
        )
        .await;
    }
    let Some(upload) = upload else {
        return refuse(Refusal::Empty, text).await;
    };
    let accepted = accept(&state, &user, upload, &text).await?;
    if json {
        return Ok(uploaded_json(accepted));
    }
    match accepted {
        Accepted::Stored(_) => Ok(see_other("/newsroom/media?done=uploaded")),
        Accepted::Duplicate(_) => Ok(see_other("/newsroom/media?done=duplicate")),
        Accepted::Refused(r) => refuse(r, text).await,
    }
}

/// The story editor uploads in place (`Accept: application/json`) and needs the photo's number
/// to insert it, which the library's redirect does not carry.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// What the editor's in-place upload gets back: the photo (a file already in the library is
/// that photo, not a refusal), or the refusal's sentence.
#[derive(Debug, Serialize)]
struct UploadedPhoto {
    id: i64,
    alt: String,
    caption: String,
    credit: String,
    thumb: String,
    duplicate: bool,
}

#[derive(Debug, Serialize)]
struct UploadRefused {
    error: String,
}

fn uploaded_json(accepted: Accepted) -> Response {
    let photo = |m: &Media, duplicate: bool| UploadedPhoto {
        id: m.id.0,
        alt: m.alt.clone(),
        caption: m.caption.clone(),
        credit: m.credit.to_string(),
        // No variant exists until the worker has made them: no address that would 404.
        thumb: if m.variants.is_empty() {
            String::new()
        } else {
            m.src_for(320)
        },
        duplicate,
    };
    match accepted {
        Accepted::Stored(m) => (StatusCode::CREATED, Json(photo(&m, false))).into_response(),
        Accepted::Duplicate(Some(m)) => (StatusCode::OK, Json(photo(&m, true))).into_response(),
        Accepted::Duplicate(None) => json_refusal(
            StatusCode::CONFLICT,
            "This photo is already in the library: pick it from there.".to_owned(),
        ),
        Accepted::Refused(r) => json_refusal(
            StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST),
            r.to_string(),
        ),
    }
}

fn json_refusal(status: StatusCode, error: String) -> Response {
    (status, Json(UploadRefused { error })).into_response()
}

/// What became of an upload.
pub(crate) enum Accepted {
    /// Kept, its row made, its variants queued.
    Stored(dateline_core::media::Media),
    /// The same bytes are already in the library (that photo, when it could be read back).
    Duplicate(Option<Media>),
    Refused(Refusal),
}

/// Check an upload, keep its original, make its row and queue its variants; nothing is kept
/// when it is refused or anything fails. Shared by the library's form and the write API.
pub(crate) async fn accept(
    state: &AppState,
    user: &CurrentUser,
    upload: Upload,
    text: &UploadText,
) -> Result<Accepted, AppError> {
    let turn = state.variants.check_turn().await?;
    let kept = crate::media::intake::keep(
        &state.store,
        &state.media,
        state.media_max_pixels,
        Some(turn),
        upload,
        PhotoText {
            alt: text.alt(),
            caption: text.caption(),
            credit: text.credit(),
        },
        |id| state.variants.job_for(id),
        state.clock.now(),
    )
    .await
    .map_err(AppError::Internal)?;
    Ok(match kept {
        Kept::Stored(m) => {
            tracing::info!(media_id = %m.id.0, person_id = %user.account.id, "photo uploaded");
            state.variants.wake();
            Accepted::Stored(m)
        }
        Kept::Duplicate(m) => Accepted::Duplicate(Some(m)),
        Kept::Refused(r) => Accepted::Refused(r),
    })
}

#[derive(Debug, Serialize)]
struct PhotoPage {
    photo: PhotoView,
    may_edit: bool,
    may_delete: bool,
    notice: Option<String>,
}

async fn show_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    user.require(Action::UploadMedia)?;
    let m = state.store.media(MediaId(id)).await?;
    render(
        &state,
        StatusCode::OK,
        "newsroom/media_photo.html",
        "Photo",
        "media",
        Some(&user),
        PhotoPage {
            photo: PhotoView::new(&m),
            may_edit: user.may(Action::EditMedia),
            may_delete: user.may(Action::DeleteMedia),
            notice: None,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    text: UploadText,
}

async fn edit_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::EditMedia)?;
    f.text.check()?;
    let m = state
        .store
        .update_media_text(
            MediaId(id),
            &f.text.alt(),
            &f.text.caption(),
            &f.text.credit(),
        )
        .await?;
    tracing::info!(media_id = %m.id.0, person_id = %user.account.id, "photo details edited");
    Ok(see_other("/newsroom/media?done=saved"))
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    /// The confirmation checkbox: a photo is deleted only when it is ticked.
    #[serde(default)]
    confirm: Option<String>,
}

/// Delete a photo no story, person or site logo uses: its row first, then its files (the
/// original and every variant) from the media store.
async fn delete_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<DeleteForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    user.require(Action::DeleteMedia)?;
    let id = MediaId(id);
    if f.confirm.as_deref() != Some("1") {
        return Err(AppError::BadRequest(
            "Tick \"Delete this photo and its files\" to confirm the deletion.".to_owned(),
        ));
    }
    erase_photo(&state, &user, id).await?;
    Ok(see_other("/newsroom/media?done=deleted"))
}

/// Delete photo `id` (the library's form and the API): refused with 409 while the site's logo,
/// a story or a profile uses it; its row first, then its files.
pub(crate) async fn erase_photo(
    state: &AppState,
    user: &CurrentUser,
    id: MediaId,
) -> Result<(), AppError> {
    if state.store.site_settings().await?.logo_media_id == Some(id) {
        return Err(AppError::Conflict(
            "This photo is the site's logo: choose another logo on the settings page first."
                .to_owned(),
        ));
    }
    let m = match state.store.delete_media(id).await {
        Ok(m) => m,
        Err(StoreError::Invalid(_)) => {
            return Err(AppError::Conflict(
                "This photo is used by a story or a person's profile: remove it there first."
                    .to_owned(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    for key in photo_keys(&m) {
        crate::media::intake::remove(&state.media, &key).await;
    }
    tracing::info!(media_id = %m.id.0, person_id = %user.account.id, "photo deleted");
    Ok(())
}

/// Every file a photo has in the media store: the original and each variant (in its own
/// format, WebP unless it is WebP already, and AVIF), as `media::images::variants` makes them.
/// AVIF only when the row names it (a photo kept before AVIF has none until its backfill).
fn photo_keys(m: &dateline_core::media::Media) -> Vec<object_store::path::Path> {
    let Some(format) = images::Format::of_mime(&m.mime) else {
        return Vec::new();
    };
    let mut keys = vec![MediaStore::original_key(&m.hash, format.extension())];
    for &w in &m.variants {
        keys.push(MediaStore::variant_key(&m.hash, w, format.extension()));
        if format != images::Format::WebP {
            keys.push(MediaStore::variant_key(
                &m.hash,
                w,
                images::Format::WebP.extension(),
            ));
        }
        if m.formats.contains(&dateline_core::media::Extra::Avif) {
            keys.push(MediaStore::variant_key(&m.hash, w, "avif"));
        }
    }
    keys
}

/// A photo as pickers and change lists name it: its number, and its alt text when it has one.
pub(super) fn photo_label(m: &dateline_core::media::Media) -> String {
    if m.alt.is_empty() {
        format!("Photo {}", m.id)
    } else {
        format!("Photo {}: {}", m.id, m.alt)
    }
}
