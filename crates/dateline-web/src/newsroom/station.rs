//! `/newsroom/station` (editors and admins: `RunStation`): every mount's playlist, what it
//! plays while no one is live. Upload audio files in place (into the media store, checked to
//! be the mount's format: another format is refused with a sentence and nothing stored),
//! move them up and down, remove them (after a confirmation), shuffle on or off, and see what
//! is playing now; which playlist each programme of the weekly schedule airs from (a
//! pre-recorded programme, played at its time on mounts of the playlist's format); the
//! schedule itself (its forms are `station_schedule.rs`); and every playlist, where a named
//! one may be deleted after a confirmation, unless a programme airs from it or a mount plays
//! it (refused with a sentence naming them: the operator chooses what they play instead). The
//! audio files of a deleted playlist stay in the media store.
//!
//! Every form works without script and carries the form token. Each change wakes this
//! node's playlist keeper (`live::playlist::Playlists::changed`), so it is heard at once
//! here and within the keeper's interval on other nodes. Mounts and their passwords stay
//! with the operator's CLI (`dateline mount`): this page never shows or changes them.

use super::auth::{CurrentUser, see_other};
use super::render;
use super::station_schedule::ProgrammeForm;
use crate::AppError;
use crate::input::Form;
use crate::live::playlist::{PlaylistError, add_file};
use crate::state::AppState;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use dateline_core::live::{AudioFormat, MountPath, PlaylistName};
use dateline_core::permissions::Action;
use dateline_store::{PlaylistItem, StoreError};
use serde::{Deserialize, Serialize};

/// Largest audio file the page accepts: an hour's programme at 192 kbit/s fits. A playlist
/// is held in memory while it plays, so the limit is also what one file may cost there.
pub const AUDIO_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Room for the form's text fields and multipart framing beyond the file itself.
const FORM_SLACK: u64 = 64 * 1024;

pub fn routes() -> Router<AppState> {
    let limit = usize::try_from(AUDIO_MAX_BYTES + FORM_SLACK).unwrap_or(usize::MAX);
    Router::new()
        .route("/newsroom/station", get(show_station))
        .route(
            "/newsroom/station/files",
            post(upload_file).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/newsroom/station/move", post(move_file))
        .route("/newsroom/station/remove", post(remove_file))
        .route("/newsroom/station/shuffle", post(set_shuffle))
        .route("/newsroom/station/programme", post(set_programme_playlist))
        .route("/newsroom/station/playlists/delete", post(delete_playlist))
}

#[derive(Debug, Serialize)]
struct StationPage {
    mounts: Vec<MountView>,
    programmes: Vec<ProgrammeView>,
    playlists: Vec<PlaylistChoice>,
    /// Every playlist, with who uses it.
    playlist_rows: Vec<PlaylistRow>,
    /// The form adding a programme, blank or as typed with its mistakes.
    form: ProgrammeForm,
    /// The site's time zone, which the schedule's times are in.
    tz: String,
    notice: String,
    /// A form refused: what and why (shown at the top, and above an upload's field).
    error: Option<Problem>,
    max_mb: u64,
}

/// A refusal for the page's error summary.
#[derive(Debug, Serialize)]
pub(super) struct Problem {
    /// The mount whose upload was refused (its field shows the sentence too); empty otherwise.
    pub anchor: String,
    /// Where the summary's link goes: `#file-live-radio-mp3`, `#programme-title`.
    pub href: String,
    pub heading: String,
    pub message: String,
}

/// A playlist in the list of every playlist.
#[derive(Debug, Serialize)]
struct PlaylistRow {
    name: String,
    anchor: String,
    facts: String,
    /// "Airs in Morning Tape (mon-fri 07:00–08:00)", "Plays on /live/radio.mp3 …".
    uses: Vec<String>,
    /// A mount's own playlist: managed in the mount's section, gone with the mount.
    mounts: bool,
}

#[derive(Debug, Serialize)]
struct MountView {
    path: String,
    /// For element ids: the path with everything but letters and digits made `-`.
    anchor: String,
    name: String,
    format: &'static str,
    accept: &'static str,
    /// "Live source", "Playlist" or "Off air".
    state: &'static str,
    live: bool,
    now_playing: String,
    shuffle: bool,
    items: Vec<ItemView>,
    total: String,
}

/// A programme of the weekly schedule and the playlist it airs from.
#[derive(Debug, Serialize)]
struct ProgrammeView {
    id: i64,
    title: String,
    when: String,
    playlist: String,
    on_air: bool,
}

/// A playlist a programme may air from.
#[derive(Debug, Serialize)]
pub(super) struct PlaylistChoice {
    name: String,
    label: String,
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: i64,
    number: i64,
    file_name: String,
    title: String,
    duration: String,
    size: String,
    first: bool,
    last: bool,
}

/// "m:ss", or "h:mm:ss" from an hour.
fn clock_time(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (b / 1024.0).ceil())
    }
}

fn anchor(path: &MountPath) -> String {
    path.as_str()
        .trim_start_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn format_facts(format: AudioFormat) -> (&'static str, &'static str) {
    match format {
        AudioFormat::Mp3 => ("MP3", ".mp3,audio/mpeg"),
        AudioFormat::Aac => ("AAC (ADTS)", ".aac,.adts,audio/aac"),
        AudioFormat::Ogg => ("Ogg Vorbis or Opus", ".ogg,.oga,.opus,audio/ogg,audio/opus"),
    }
}

#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show_station(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    let notice = match q.done.as_deref() {
        Some("added") => "File added to the playlist. It plays from the top of the playlist now.",
        Some("moved") => "Playlist order saved.",
        Some("removed") => "File removed from the playlist.",
        Some("shuffle") => "Playing order saved.",
        Some("programme") => "Programme saved. Its playlist airs at its time.",
        Some("programme-added") => "Programme added to the weekly schedule.",
        Some("programme-saved") => "Programme saved.",
        Some("programme-deleted") => "Programme deleted from the weekly schedule.",
        Some("playlist-deleted") => "Playlist deleted. Its audio files stay in the media store.",
        _ => "",
    };
    station(&state, &user, StatusCode::OK, notice, None, None).await
}

/// The station page; `form`: the add-a-programme form as typed, when it was refused.
pub(super) async fn station(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    notice: &str,
    error: Option<Problem>,
    form: Option<ProgrammeForm>,
) -> Result<Response, AppError> {
    let hub = state.live.hub();
    let mut mounts = Vec::new();
    // Which playlist each mount falls back to, by playlist id.
    let mut mount_of: Vec<(i64, String)> = Vec::new();
    for m in state.store.live_mounts().await? {
        if let Some(p) = state.store.mount_playlist(&m.path).await? {
            mount_of.push((p.id, m.path.to_string()));
        }
        let entries = state.store.playlist(&m.path).await?;
        let (format, accept) = format_facts(m.format);
        let source = hub.mount_status(&m.path).and_then(|s| s.source);
        let (state_label, live, now_playing) = match &source {
            Some(s) if s.playlist => ("Playlist", false, s.title.clone()),
            Some(s) => ("Live source", true, s.title.clone()),
            None => ("Off air", false, String::new()),
        };
        let count = entries.items.len() as i64;
        let total: i64 = entries.items.iter().map(|i| i.duration_ms).sum();
        mounts.push(MountView {
            anchor: anchor(&m.path),
            path: m.path.to_string(),
            name: m.name.clone(),
            format,
            accept,
            state: state_label,
            live,
            now_playing,
            shuffle: entries.shuffle,
            total: clock_time(total),
            items: entries
                .items
                .into_iter()
                .map(|i: PlaylistItem| ItemView {
                    id: i.id,
                    number: i.position,
                    title: i.title,
                    duration: clock_time(i.duration_ms),
                    size: size(i.bytes),
                    first: i.position <= 1,
                    last: i.position >= count,
                    file_name: i.file_name,
                })
                .collect(),
        });
    }
    let site = state.site().await?;
    let schedule = state.store.programmes().await?;
    let now_on =
        dateline_core::schedule::on_air_now(&schedule, state.clock.now(), &site.tz).map(|p| p.id);
    let programmes = schedule
        .iter()
        .map(|p| ProgrammeView {
            id: p.id,
            title: p.title.clone(),
            when: format!(
                "{} {}–{}",
                p.days,
                dateline_core::schedule::format_time(p.starts),
                dateline_core::schedule::format_time(p.ends)
            ),
            playlist: p
                .playlist
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            on_air: now_on == Some(p.id),
        })
        .collect();
    let playlists = playlist_choices(state).await?;
    let mut playlist_rows = Vec::new();
    for p in state.store.playlists().await? {
        let entries = state.store.playlist_entries(p.id).await?;
        let files = entries.items.len();
        let total: i64 = entries.items.iter().map(|i| i.duration_ms).sum();
        let mut uses: Vec<String> = schedule
            .iter()
            .filter(|s| s.playlist.as_ref() == Some(&p.name))
            .map(|s| format!("Airs in {}", dateline_core::schedule::describe(s)))
            .collect();
        let on_mounts: Vec<&String> = mount_of
            .iter()
            .filter(|(id, _)| *id == p.id)
            .map(|(_, path)| path)
            .collect();
        uses.extend(
            on_mounts
                .iter()
                .map(|m| format!("Plays on {m} while no one is live")),
        );
        playlist_rows.push(PlaylistRow {
            anchor: format!("playlist-{}", p.name),
            facts: format!(
                "{}, {} file{}, {}{}",
                format_facts(p.format).0,
                files,
                if files == 1 { "" } else { "s" },
                clock_time(total),
                if p.shuffle { ", shuffled" } else { "" }
            ),
            name: p.name.to_string(),
            uses,
            mounts: !on_mounts.is_empty(),
        });
    }
    render(
        state,
        status,
        "newsroom/station.html",
        "Station",
        "station",
        Some(user),
        StationPage {
            mounts,
            programmes,
            playlists,
            playlist_rows,
            form: form.unwrap_or_else(ProgrammeForm::blank),
            tz: site.settings.time_zone.clone(),
            notice: notice.to_owned(),
            error,
            max_mb: AUDIO_MAX_BYTES / (1024 * 1024),
        },
    )
    .await
}

/// Every playlist, as the choice of what a programme airs from.
pub(super) async fn playlist_choices(state: &AppState) -> Result<Vec<PlaylistChoice>, AppError> {
    let mut playlists = Vec::new();
    for p in state.store.playlists().await? {
        let files = state.store.playlist_entries(p.id).await?.items.len();
        playlists.push(PlaylistChoice {
            label: format!(
                "{} ({}, {} file{})",
                p.name,
                format_facts(p.format).0,
                files,
                if files == 1 { "" } else { "s" }
            ),
            name: p.name.to_string(),
        });
    }
    Ok(playlists)
}

/// The mount a form names; a sentence when it names none.
async fn named_mount(state: &AppState, path: &str) -> Result<MountPath, AppError> {
    let unknown = || AppError::BadRequest(format!("There is no mount at {path:?}."));
    let path = MountPath::parse(path.trim()).map_err(|_| unknown())?;
    match state.store.live_mount(&path).await {
        Ok(_) => Ok(path),
        Err(StoreError::NotFound) => Err(unknown()),
        Err(e) => Err(e.into()),
    }
}

/// The file a form names, which must be on that mount's playlist.
fn item_id(id: &str) -> Result<i64, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::BadRequest("The form names no file of the playlist.".to_owned()))
}

fn not_on_playlist(path: &MountPath) -> AppError {
    AppError::BadRequest(format!(
        "That file is not on the playlist of {path} (someone may have removed it); reload the \
         page."
    ))
}

/// Why reading the upload stopped.
enum UploadProblem {
    /// Shown above the mount's file field, with the status to answer.
    Refused(StatusCode, String),
    Error(AppError),
}

fn multipart_problem(e: MultipartError) -> UploadProblem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadProblem::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The file is larger than {} MB.",
                AUDIO_MAX_BYTES / (1024 * 1024)
            ),
        )
    } else {
        UploadProblem::Error(AppError::BadRequest(
            "The upload could not be read; send the form again.".to_owned(),
        ))
    }
}

/// The form's fields: the form token and the mount come before the file in the page's form,
/// so a forged form is refused before its file is read.
struct Upload {
    mount: String,
    file_name: String,
    data: Bytes,
}

async fn read_upload(
    user: &CurrentUser,
    mut multipart: Multipart,
) -> Result<Upload, (Option<String>, UploadProblem)> {
    let mut checked = false;
    let mut mount = None;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| (mount.clone(), multipart_problem(e)))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                if !checked {
                    return Err((mount, UploadProblem::Error(super::auth::csrf_refused())));
                }
                let name = field.file_name().unwrap_or("").to_owned();
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| (mount.clone(), multipart_problem(e)))?;
                file = Some((name, data));
            }
            "csrf" => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| (mount.clone(), multipart_problem(e)))?;
                user.check_form(&value)
                    .map_err(|e| (mount.clone(), UploadProblem::Error(e)))?;
                checked = true;
            }
            "mount" => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| (mount.clone(), multipart_problem(e)))?;
                mount = Some(value);
            }
            _ => {}
        }
    }
    if !checked {
        return Err((mount, UploadProblem::Error(super::auth::csrf_refused())));
    }
    let Some(mount_path) = mount.clone() else {
        return Err((
            None,
            UploadProblem::Error(AppError::BadRequest("The form names no mount.".to_owned())),
        ));
    };
    match file {
        Some((file_name, data)) if !data.is_empty() => Ok(Upload {
            mount: mount_path,
            file_name: if file_name.trim().is_empty() {
                "upload".to_owned()
            } else {
                file_name
            },
            data,
        }),
        _ => Err((
            mount,
            UploadProblem::Refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose an audio file to add.".to_owned(),
            ),
        )),
    }
}

async fn upload_file(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    let refuse = |mount: Option<String>, status: StatusCode, message: String| {
        let state = state.clone();
        let user = user.clone();
        async move {
            tracing::info!(person_id = %user.account.id, reason = %message, "playlist upload refused");
            let anchor = mount
                .as_deref()
                .and_then(|m| MountPath::parse(m.trim()).ok())
                .map(|m| anchor(&m))
                .unwrap_or_default();
            let problem = Problem {
                href: format!("#file-{anchor}"),
                anchor,
                heading: "The file was not added".to_owned(),
                message,
            };
            station(&state, &user, status, "", Some(problem), None).await
        }
    };
    let upload = match read_upload(&user, multipart).await {
        Ok(u) => u,
        Err((_, UploadProblem::Error(e))) => return Err(e),
        Err((mount, UploadProblem::Refused(status, message))) => {
            return refuse(mount, status, message).await;
        }
    };
    let path = named_mount(&state, &upload.mount).await?;
    let name = upload
        .file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("upload")
        .to_owned();
    match add_file(
        &state.store,
        &state.media,
        &path,
        &name,
        upload.data,
        state.clock.now(),
    )
    .await
    {
        Ok(item) => {
            tracing::info!(person_id = %user.account.id, mount = %path, item = item.id, "playlist file added");
            state.playlists.changed();
            Ok(see_other(&format!(
                "/newsroom/station?done=added#{}",
                anchor(&path)
            )))
        }
        Err(e @ PlaylistError::Refused { .. }) => {
            let message = format!("{e}. Nothing was stored.");
            refuse(
                Some(path.to_string()),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message,
            )
            .await
        }
        Err(PlaylistError::NoMount(p)) => {
            Err(AppError::BadRequest(format!("There is no mount at {p}.")))
        }
        Err(PlaylistError::Store(e)) => Err(e.into()),
        Err(PlaylistError::Media(e)) => Err(AppError::Internal(e.into())),
    }
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mount: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    to: String,
}

async fn move_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let path = named_mount(&state, &f.mount).await?;
    let id = item_id(&f.id)?;
    let to: i64 = f.to.trim().parse().map_err(|_| {
        AppError::BadRequest("The new place must be a whole number, 1 or more.".to_owned())
    })?;
    if to < 1 {
        return Err(AppError::BadRequest(
            "The new place must be a whole number, 1 or more.".to_owned(),
        ));
    }
    match state.store.move_playlist_item(&path, id, to).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(not_on_playlist(&path)),
        Err(e) => return Err(e.into()),
    }
    state.playlists.changed();
    Ok(see_other(&format!(
        "/newsroom/station?done=moved#{}-{id}",
        anchor(&path)
    )))
}

#[derive(Debug, Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mount: String,
    #[serde(default)]
    id: String,
    /// Absent: the confirmation page; "1": remove.
    #[serde(default)]
    confirm: String,
}

#[derive(Debug, Serialize)]
struct ConfirmPage {
    mount: String,
    anchor: String,
    item: ItemView,
}

async fn remove_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let path = named_mount(&state, &f.mount).await?;
    let id = item_id(&f.id)?;
    if f.confirm != "1" {
        // Without script a destructive action gets its own page asking to confirm it.
        let entries = state.store.playlist(&path).await?;
        let count = entries.items.len() as i64;
        let item = entries
            .items
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| not_on_playlist(&path))?;
        return render(
            &state,
            StatusCode::OK,
            "newsroom/station_remove.html",
            "Remove a file from the playlist",
            "station",
            Some(&user),
            ConfirmPage {
                mount: path.to_string(),
                anchor: anchor(&path),
                item: ItemView {
                    id: item.id,
                    number: item.position,
                    title: item.title,
                    duration: clock_time(item.duration_ms),
                    size: size(item.bytes),
                    first: item.position <= 1,
                    last: item.position >= count,
                    file_name: item.file_name,
                },
            },
        )
        .await;
    }
    match state.store.remove_playlist_item(&path, id).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(not_on_playlist(&path)),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(person_id = %user.account.id, mount = %path, item = id, "playlist file removed");
    state.playlists.changed();
    Ok(see_other(&format!(
        "/newsroom/station?done=removed#{}",
        anchor(&path)
    )))
}

#[derive(Debug, Deserialize)]
struct ShuffleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mount: String,
    #[serde(default)]
    shuffle: String,
}

async fn set_shuffle(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ShuffleForm>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let path = named_mount(&state, &f.mount).await?;
    let shuffle = match f.shuffle.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose how the playlist plays: shuffle on or off.".to_owned(),
            ));
        }
    };
    state
        .store
        .set_playlist_shuffle(&path, shuffle, state.clock.now())
        .await?;
    state.playlists.changed();
    Ok(see_other(&format!(
        "/newsroom/station?done=shuffle#{}",
        anchor(&path)
    )))
}

#[derive(Debug, Deserialize)]
struct AirsFromForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    /// A playlist's name; empty: none (a live programme).
    #[serde(default)]
    playlist: String,
}

async fn set_programme_playlist(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<AirsFromForm>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let id: i64 = f.id.trim().parse().map_err(|_| {
        AppError::BadRequest("The form names no programme of the schedule.".to_owned())
    })?;
    let playlist = match f.playlist.trim() {
        "" => None,
        name => {
            let unknown = || {
                AppError::BadRequest(format!(
                    "There is no playlist called {name:?} (someone may have removed it); \
                     reload the page and choose again."
                ))
            };
            let name = PlaylistName::parse(name).map_err(|_| unknown())?;
            match state.store.playlist_named(&name).await {
                Ok(p) => Some(p.id),
                Err(StoreError::NotFound) => return Err(unknown()),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match state.store.set_programme_playlist(id, playlist).await {
        Ok(p) => {
            tracing::info!(person_id = %user.account.id, programme = p.id,
                playlist = p.playlist.as_ref().map_or("", |n| n.as_str()),
                "programme's playlist set");
        }
        Err(StoreError::NotFound) => {
            return Err(AppError::BadRequest(format!(
                "There is no programme {id} in the schedule (someone may have removed it); \
                 reload the page."
            )));
        }
        Err(e) => return Err(e.into()),
    }
    state.playlists.changed();
    Ok(see_other(&format!(
        "/newsroom/station?done=programme#programme-{id}"
    )))
}

#[derive(Debug, Deserialize)]
struct DeletePlaylistForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// Absent: the confirmation page; "1": delete.
    #[serde(default)]
    confirm: String,
}

#[derive(Debug, Serialize)]
struct DeletePlaylistPage {
    name: String,
    anchor: String,
    facts: String,
}

/// The station page refusing to delete playlist `name`, naming who still uses it.
async fn playlist_in_use(
    state: &AppState,
    user: &CurrentUser,
    name: &PlaylistName,
    programmes: &[dateline_core::schedule::Programme],
    mounts: &[MountPath],
) -> Result<Response, AppError> {
    let users = dateline_core::schedule::playlist_users(programmes, mounts);
    let mut advice = Vec::new();
    if !programmes.is_empty() {
        advice.push(if programmes.len() == 1 {
            "Choose another playlist for that programme (or none, to air it live) first, or \
             delete the programme."
        } else {
            "Choose another playlist for those programmes (or none, to air them live) first, \
             or delete the programmes."
        });
    }
    if !mounts.is_empty() {
        advice.push("A mount's own playlist goes when the mount is removed.");
    }
    let message = format!(
        "The playlist {name} cannot be deleted: {users}. {}",
        advice.join(" ")
    );
    tracing::info!(person_id = %user.account.id, playlist = %name, "playlist delete refused: in use");
    let problem = Problem {
        anchor: String::new(),
        href: format!("#playlist-{name}"),
        heading: "The playlist was not deleted".to_owned(),
        message,
    };
    station(state, user, StatusCode::CONFLICT, "", Some(problem), None).await
}

async fn delete_playlist(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<DeletePlaylistForm>,
) -> Result<Response, AppError> {
    user.require(Action::RunStation)?;
    user.check_form(&f.csrf)?;
    let unknown = || {
        AppError::BadRequest(format!(
            "There is no playlist called {:?} (someone may have deleted it); reload the page.",
            f.name.trim()
        ))
    };
    let name = PlaylistName::parse(f.name.trim()).map_err(|_| unknown())?;
    let playlist = match state.store.playlist_named(&name).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    if f.confirm != "1" {
        // Who uses it is told before anyone confirms; the delete checks again as it writes.
        let programmes: Vec<_> = state
            .store
            .programmes()
            .await?
            .into_iter()
            .filter(|p| p.playlist.as_ref() == Some(&name))
            .collect();
        let mut mounts = Vec::new();
        for m in state.store.live_mounts().await? {
            if state
                .store
                .mount_playlist(&m.path)
                .await?
                .is_some_and(|p| p.id == playlist.id)
            {
                mounts.push(m.path);
            }
        }
        if !programmes.is_empty() || !mounts.is_empty() {
            return playlist_in_use(&state, &user, &name, &programmes, &mounts).await;
        }
        let entries = state.store.playlist_entries(playlist.id).await?;
        let files = entries.items.len();
        let total: i64 = entries.items.iter().map(|i| i.duration_ms).sum();
        return render(
            &state,
            StatusCode::OK,
            "newsroom/station_playlist_delete.html",
            "Delete a playlist",
            "station",
            Some(&user),
            DeletePlaylistPage {
                anchor: format!("playlist-{name}"),
                name: name.to_string(),
                facts: format!(
                    "{}, {} file{}, {}",
                    format_facts(playlist.format).0,
                    files,
                    if files == 1 { "" } else { "s" },
                    clock_time(total)
                ),
            },
        )
        .await;
    }
    match state.store.delete_playlist(&name).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(unknown()),
        Err(StoreError::PlaylistInUse { programmes, mounts }) => {
            return playlist_in_use(&state, &user, &name, &programmes, &mounts).await;
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(person_id = %user.account.id, playlist = %name, "playlist deleted");
    state.playlists.changed();
    Ok(see_other(
        "/newsroom/station?done=playlist-deleted#playlists",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_as_people_write_them() {
        assert_eq!(clock_time(65_400), "1:05");
        assert_eq!(clock_time(3_725_000), "1:02:05");
        assert_eq!(size(2_500), "3 KB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MB");
    }
}
