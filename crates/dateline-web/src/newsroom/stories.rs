//! The article editor: `/newsroom/stories/new` and `/newsroom/stories/{id}`, one server-rendered
//! form (headline, standfirst, slug, section, tags, bylines, lead photo, body, related picks,
//! discussion mode, SEO fields) whose submit buttons are the workflow actions: save, preview,
//! submit for review, publish now, schedule, unschedule. Separate small forms append a
//! correction, withdraw and restore. `newsroom.js` adds the live preview (`POST
//! /newsroom/preview`), autosave (`stories/autosave.rs`), the READ MORE and related pickers
//! (`GET /newsroom/stories/search`, by headline or number; `GET /newsroom/stories/headlines`
//! names the stories a body's READ MORE boxes and the related field point to) and the
//! updating "Also open" banner (`stories/presence.rs`);
//! `editor.js` (built from `themes/editor/`) the rich-text surface over the body field, which
//! still posts the dialect, and the byline picker (people by name from
//! `GET /newsroom/people/search`, `people.rs`), which still posts the `author` fields in order
//! and `no_byline` (an empty list is no byline); without script, the byline selects post them.
//!
//! Rules kept here: the permission table decides (through `core::workflow` for status changes)
//! before anything is written; every POST carries the form token; the whole form is checked
//! before the first write (a refused form writes nothing, tags included); a save whose hidden
//! version is stale is refused with 409, the form kept and the other person's change shown;
//! publishing or scheduling with warnings needs a confirmation. Never renders unescaped text
//! except the markup renderer's output.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::body::{Bodies, PreparedBody, prepare};
use crate::input::{Form, PathId, limit_body};
use crate::state::{AppState, SiteContext};
use crate::views::TimeView;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dateline_core::article::{Article, DiscussionMode, Status, path_date};
use dateline_core::permissions::{Action, Ownership};
use dateline_core::slug::Slug;
use dateline_core::workflow::{self, Transition, TransitionError};
use dateline_core::{ArticleId, MediaId, PersonId, TagId};
use dateline_store::{ArticleInput, StoreError};
use jiff::Timestamp;
use minijinja::Value;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/new", get(new_story))
        .route(
            "/newsroom/stories",
            limit_body(post(create_story), STORY_FORM_LIMIT),
        )
        .route("/newsroom/stories/search", get(search_stories))
        .route("/newsroom/stories/headlines", get(story_headlines))
        .route(
            "/newsroom/stories/{id}",
            limit_body(get(edit_story).post(save_story), STORY_FORM_LIMIT),
        )
        .route("/newsroom/stories/{id}/correction", post(correct_story))
        .route("/newsroom/stories/{id}/withdraw", post(withdraw_story))
        .route("/newsroom/stories/{id}/restore", post(restore_story))
        .route(
            "/newsroom/preview",
            limit_body(post(preview_body), STORY_FORM_LIMIT),
        )
        .merge(autosave::routes())
        .merge(presence::routes())
}

/// Longest headline, SEO title and SEO description, in characters.
const MAX_HEADLINE: usize = 300;
const MAX_SEO_TITLE: usize = 200;
const MAX_SEO_DESCRIPTION: usize = 500;
/// Most people in a byline, tags on a story and related picks: each is checked against the
/// store, so a list is bounded before the checks run.
pub(crate) const MAX_AUTHORS: usize = 20;
pub(crate) const MAX_TAGS: usize = 30;
pub(crate) const MAX_RELATED: usize = 20;
/// Longest body source, in bytes (a long read is ~100 kB).
const MAX_BODY: usize = 1_000_000;
/// The story forms' body limit (4 MB): above the longest body even when every byte of it is
/// percent-encoded (three bytes each) with room for the other fields, so a story over
/// [`MAX_BODY`] reaches the check and the editor comes back with the text as typed and the
/// rule, not a bare refusal that loses it.
const STORY_FORM_LIMIT: usize = 4 * 1024 * 1024;

/// What the editor form holds, as typed (kept verbatim when the form is shown again).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct StoryForm {
    pub headline: String,
    pub standfirst: String,
    pub slug: String,
    pub section: String,
    /// Tag names, comma-separated.
    pub tags: String,
    /// Byline person ids, in order.
    pub authors: Vec<String>,
    /// No byline on purpose (agency copy, from the API): an empty `authors` stays empty
    /// instead of becoming the writer's own byline.
    pub no_byline: bool,
    pub lead_media: String,
    pub body: String,
    /// Related story ids, comma-separated, in order.
    pub related: String,
    pub discussion: String,
    /// The discussion mode when the form was loaded: a save that leaves the choice alone keeps
    /// the story's mode as it is now (a moderator may have changed it meanwhile, and that
    /// change does not move the version).
    pub discussion_was: String,
    pub seo_title: String,
    pub seo_description: String,
    /// A published story's change is a minor fix (no public "Updated" time).
    pub minor: bool,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone.
    pub schedule_at: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone, in the past: an archive story's original
    /// publication time, which "Publish now" uses instead of now (editors and admins; issue 16).
    pub published_at: String,
    /// The person confirmed publishing despite the warnings.
    pub confirm: bool,
    /// The version the form was loaded at.
    pub version: i64,
}

impl StoryForm {
    /// Read a submitted form (repeated `author` fields keep their order).
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> (Self, String, String) {
        let mut f = StoryForm::default();
        let (mut csrf, mut action) = (String::new(), String::from("save"));
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => csrf = v.clone(),
                "action" => action = v.clone(),
                "headline" => f.headline = v.trim().to_owned(),
                "standfirst" => f.standfirst = v.trim().to_owned(),
                "slug" => f.slug = v.trim().to_owned(),
                "section" => f.section = v.trim().to_owned(),
                "tags" => f.tags = v.clone(),
                "author" if !v.trim().is_empty() => f.authors.push(v.trim().to_owned()),
                // A story with no byline (agency copy) keeps none when saved as it is.
                "no_byline" => f.no_byline = !v.is_empty(),
                "lead_media" => f.lead_media = v.trim().to_owned(),
                "body" => f.body = v.replace("\r\n", "\n"),
                "related" => f.related = v.clone(),
                "discussion" => f.discussion = v.clone(),
                "discussion_was" => f.discussion_was = v.clone(),
                "seo_title" => f.seo_title = v.trim().to_owned(),
                "seo_description" => f.seo_description = v.trim().to_owned(),
                "minor" => f.minor = !v.is_empty(),
                "schedule_at" => f.schedule_at = v.trim().to_owned(),
                "published_at" => f.published_at = v.trim().to_owned(),
                "confirm" => f.confirm = !v.is_empty(),
                "version" => f.version = v.trim().parse().unwrap_or(-1),
                _ => {}
            }
        }
        (f, csrf, action)
    }

    /// The form of a stored story.
    pub(crate) fn of(a: &Article, input: &ArticleInput, tag_names: &[String]) -> Self {
        StoryForm {
            headline: a.headline.clone(),
            standfirst: a.standfirst.clone(),
            slug: a.slug.as_str().to_owned(),
            section: a.section_id.0.to_string(),
            tags: tag_names.join(", "),
            authors: input.authors.iter().map(|p| p.0.to_string()).collect(),
            no_byline: input.authors.is_empty(),
            lead_media: a.lead_media_id.map(|m| m.0.to_string()).unwrap_or_default(),
            body: a.body_source.clone(),
            related: input
                .related
                .iter()
                .map(|r| r.0.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            discussion: a.discussion_mode.as_str().to_owned(),
            discussion_was: a.discussion_mode.as_str().to_owned(),
            seo_title: a.seo_title.clone(),
            seo_description: a.seo_description.clone(),
            minor: false,
            schedule_at: String::new(),
            published_at: String::new(),
            confirm: false,
            version: a.version,
        }
    }
}

/// A checked form: everything but tags that do not exist yet, which are created only once the
/// whole form has passed.
pub(crate) struct Checked {
    pub input: ArticleInput,
    /// Tags to create, each with its place among the story's tags (the editor's order).
    pub new_tags: Vec<(usize, String)>,
    pub prepared: PreparedBody,
}

/// Check a form against the store; the messages say what to fix.
pub(crate) async fn check(
    state: &AppState,
    site: &SiteContext,
    user: &CurrentUser,
    f: &StoryForm,
) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    if f.headline.is_empty() {
        errors.push("Write a headline.".to_owned());
    } else if f.headline.chars().count() > MAX_HEADLINE {
        errors.push(format!(
            "The headline is too long: keep it under {MAX_HEADLINE} characters."
        ));
    }
    let slug = if f.slug.is_empty() {
        Slug::from_text(&f.headline).ok()
    } else {
        match Slug::parse(&f.slug) {
            Ok(s) => Some(s),
            Err(_) => {
                errors.push(
                    "The slug may hold only lower-case letters, digits and single hyphens."
                        .to_owned(),
                );
                None
            }
        }
    };
    let section = f
        .section
        .parse::<i64>()
        .ok()
        .and_then(|id| site.sections.iter().find(|s| s.id.0 == id));
    if section.is_none() {
        errors.push("Choose a section.".to_owned());
    }
    let people = match state.store.people().await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "reading the byline choices failed");
            errors.push("The bylines could not be checked just now: try again.".to_owned());
            Vec::new()
        }
    };
    let mut authors = Vec::new();
    let mut unknown = Vec::new();
    if f.authors.len() > MAX_AUTHORS {
        errors.push(format!(
            "A byline has at most {MAX_AUTHORS} people; this one has {}.",
            f.authors.len()
        ));
    } else {
        for a in &f.authors {
            match a
                .parse::<i64>()
                .ok()
                .filter(|id| people.iter().any(|p| p.id.0 == *id))
            {
                Some(id) => authors.push(PersonId(id)),
                None => unknown.push(a.as_str()),
            }
        }
    }
    if !unknown.is_empty() {
        // One sentence for all of them: a thousand bad ids are one mistake, not a thousand.
        errors.push(format!(
            "There is no person {} to put in the byline.",
            listed(&unknown)
        ));
    }
    if authors.is_empty() && f.authors.is_empty() && !f.no_byline {
        authors.push(user.account.id);
    }
    let mut tags = Vec::new();
    let mut new_tags = Vec::new();
    let names: Vec<&str> = f
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if names.len() > MAX_TAGS {
        errors.push(format!(
            "A story has at most {MAX_TAGS} tags; this one has {}.",
            names.len()
        ));
    }
    for (place, name) in names.into_iter().take(MAX_TAGS).enumerate() {
        let Ok(slug) = Slug::from_text(name) else {
            errors.push(format!("{name:?} cannot be a tag: use letters or digits."));
            continue;
        };
        match state.store.tag_by_slug(slug.as_str()).await {
            Ok(t) => tags.push(t.id),
            Err(StoreError::NotFound) if user.may(Action::CreateTag) => {
                new_tags.push((place, name.to_owned()))
            }
            Err(StoreError::NotFound) => errors.push(format!(
                "There is no tag “{name}” yet, and your role ({}) may not create tags: pick an \
                 existing one or ask an editor.",
                user.account.role
            )),
            Err(e) => errors.push(format!("Tags could not be checked: {e}")),
        }
    }
    let lead_media_id = if f.lead_media.is_empty() {
        None
    } else {
        match f.lead_media.parse::<i64>() {
            Ok(id) if state.store.media(MediaId(id)).await.is_ok() => Some(MediaId(id)),
            _ => {
                errors.push("The lead photo is not in the media library.".to_owned());
                None
            }
        }
    };
    let mut related = Vec::new();
    let picks: Vec<&str> = f
        .related
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .collect();
    let mut missing = Vec::new();
    if picks.len() > MAX_RELATED {
        errors.push(format!(
            "A story has at most {MAX_RELATED} related picks; this one has {}.",
            picks.len()
        ));
    } else {
        for r in picks {
            match r.parse::<i64>() {
                Ok(id) if state.store.article(ArticleId(id)).await.is_ok() => {
                    related.push(ArticleId(id))
                }
                _ => missing.push(r),
            }
        }
    }
    if !missing.is_empty() {
        errors.push(format!(
            "There is no story {} to pick as related: give story numbers, separated by commas.",
            listed(&missing)
        ));
    }
    let discussion = if f.discussion.is_empty() {
        DiscussionMode::default()
    } else {
        DiscussionMode::from_str(&f.discussion).unwrap_or_else(|_| {
            errors.push("Choose open, pre-moderated or closed discussion.".to_owned());
            DiscussionMode::default()
        })
    };
    if f.seo_title.chars().count() > MAX_SEO_TITLE {
        errors.push(format!(
            "The SEO title is too long: keep it under {MAX_SEO_TITLE} characters."
        ));
    }
    if f.seo_description.chars().count() > MAX_SEO_DESCRIPTION {
        errors.push(format!(
            "The SEO description is too long: keep it under {MAX_SEO_DESCRIPTION} characters."
        ));
    }
    let prepared = if f.body.len() > MAX_BODY {
        errors.push(format!(
            "The body is too long: keep it to {} bytes (it has {}).",
            crate::input::thousands(MAX_BODY as u64),
            crate::input::thousands(f.body.len() as u64)
        ));
        None
    } else {
        match prepare(&f.body) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(format!("The body could not be read: {e}"));
                None
            }
        }
    };
    match (errors.is_empty(), slug, section, prepared) {
        (true, Some(slug), Some(section), Some(prepared)) => Ok(Checked {
            input: ArticleInput {
                slug,
                headline: f.headline.clone(),
                standfirst: f.standfirst.clone(),
                section_id: section.id,
                body_source: f.body.clone(),
                body_html: prepared.html.clone(),
                body_text: prepared.text.clone(),
                lead_media_id,
                discussion_mode: discussion,
                seo_title: f.seo_title.clone(),
                seo_description: f.seo_description.clone(),
                authors,
                tags,
                related,
                links: prepared.links.clone(),
                media: prepared.media.clone(),
            },
            new_tags,
            prepared,
        }),
        _ => {
            if errors.is_empty() {
                errors.push("Write a headline with letters or digits in it.".to_owned());
            }
            Err(errors)
        }
    }
}

/// Some of `items` for a sentence: `"5", "6" or "7"`, the first few and a count of the rest.
fn listed(items: &[&str]) -> String {
    const SHOWN: usize = 5;
    let quoted: Vec<String> = items.iter().take(SHOWN).map(|i| format!("{i:?}")).collect();
    match (quoted.split_last(), items.len()) {
        (None, _) => String::new(),
        (Some((only, [])), 1) => only.clone(),
        (Some((last, rest)), n) if n <= SHOWN => format!("{} or {last}", rest.join(", ")),
        (Some(_), n) => format!(
            "{} (or {} more)",
            quoted.join(", "),
            crate::input::thousands((n - SHOWN) as u64)
        ),
    }
}

/// Create the tags the form named that do not exist yet (only after the form has passed),
/// each in the place the editor gave it among the existing ones.
pub(crate) async fn create_tags(state: &AppState, c: &mut Checked) -> Result<(), AppError> {
    // In rising order of place: every tag before a new one is in the list when it goes in.
    for (place, name) in std::mem::take(&mut c.new_tags) {
        let t = state.store.ensure_tag(&name).await?;
        let at = place.min(c.input.tags.len());
        c.input.tags.insert(at, t.id);
    }
    let mut seen: Vec<TagId> = Vec::new();
    c.input.tags.retain(|t| {
        let new = !seen.contains(t);
        seen.push(*t);
        new
    });
    Ok(())
}

/// What readers would miss or stumble on if the story went out as it is.
pub(crate) async fn warnings(state: &AppState, c: &Checked) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    if c.input.standfirst.trim().is_empty() {
        out.push("The standfirst is empty.".to_owned());
    }
    let mut photo_ids: Vec<MediaId> = c.input.lead_media_id.into_iter().collect();
    photo_ids.extend(c.prepared.media.iter().copied());
    for m in state.store.media_many(&photo_ids).await? {
        if m.alt.trim().is_empty() {
            out.push(format!(
                "Photo {} has no alt text: add it in the media library.",
                m.id
            ));
        }
    }
    for l in &c.prepared.links {
        let found = match &l.target {
            dateline_store::LinkTarget::Id(id) => state.store.article(*id).await,
            dateline_store::LinkTarget::Slug(s) => state.store.article_by_slug(s).await,
        };
        match found {
            Ok(a) if a.status == Status::Published => {}
            Ok(a) => out.push(format!(
                "READ MORE points to “{}”, which is {}: readers will not see that block.",
                a.headline,
                status_label(a.status)
            )),
            Err(StoreError::NotFound) => out.push(format!(
                "READ MORE ({}) points to no story: readers will not see that block.",
                l.key
            )),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

pub(crate) fn status_label(s: Status) -> &'static str {
    match s {
        Status::Draft => "a draft",
        Status::InReview => "awaiting review",
        Status::Scheduled => "scheduled",
        Status::Published => "published",
        Status::Withdrawn => "withdrawn",
    }
}

/// Whether `user` is a byline or the creator of story `id`.
pub(crate) async fn ownership(
    state: &AppState,
    user: &CurrentUser,
    id: ArticleId,
    authors: &[PersonId],
) -> Result<Ownership, AppError> {
    let me = user.account.id;
    if authors.contains(&me) || state.store.article_creator(id).await? == Some(me) {
        Ok(Ownership::Own)
    } else {
        Ok(Ownership::Others)
    }
}

/// Why `user` may not save the bylines `new` on a story that has `previous` (empty for a new
/// story), if they may not: a sentence naming the field as the surface calls it (`field`).
pub(crate) fn bylines_refused(
    user: &CurrentUser,
    field: &str,
    new: &[PersonId],
    previous: &[PersonId],
) -> Option<String> {
    let role = user.account.role;
    (!dateline_core::permissions::may_set_bylines(role, user.account.id, new, previous)).then(
        || {
            format!(
                "{field} must include you: your role ({role}) may not put a story out under \
                 other people's names alone; ask an editor."
            )
        },
    )
}

/// A workflow refusal as an answer: not allowed → 403; not possible now → 409.
pub(crate) fn refused(e: TransitionError) -> AppError {
    match e {
        TransitionError::Forbidden { .. } | TransitionError::NeedsEditor { .. } => {
            AppError::Forbidden(format!("{}.", capital(&e)))
        }
        other => AppError::Conflict(format!("{}.", capital(&other))),
    }
}

fn capital(e: &TransitionError) -> String {
    let s = e.to_string();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// A schedule time typed in the site's time zone (`2026-03-11T09:30`).
pub(crate) fn parse_local(s: &str, site: &SiteContext) -> Result<Timestamp, String> {
    let dt: jiff::civil::DateTime = s.parse().map_err(|_| {
        "Give the time to publish as a date and time, like 2026-03-11T09:30.".to_owned()
    })?;
    dt.to_zoned(site.tz.clone())
        .map(|z| z.timestamp())
        .map_err(|_| "That time does not exist in the site's time zone.".to_owned())
}

/// Check the original publication time a "Publish now" may carry: in the past, readable, and
/// given by the desk (issue 16). Empty is publishing now.
fn backdate_to(
    form: &StoryForm,
    site: &SiteContext,
    user: &CurrentUser,
    now: Timestamp,
) -> Result<Option<Timestamp>, String> {
    if form.published_at.is_empty() {
        return Ok(None);
    }
    if user.require(Action::BackdateStory).is_err() {
        return Err(
            "Only editors and admins may give a story a publication time in the past.".to_owned(),
        );
    }
    let at = parse_local(&form.published_at, site).map_err(|_| {
        "Give the original publication time as a date and time, like 2019-03-11T09:30.".to_owned()
    })?;
    if at > now {
        return Err(
            "The original publication time must be in the past; to publish later, schedule \
             the story."
                .to_owned(),
        );
    }
    Ok(Some(at))
}

/// The workflow action a submit button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Save,
    Preview,
    Submit,
    Publish,
    Schedule,
    Unschedule,
}

impl Step {
    fn parse(s: &str) -> Result<Self, AppError> {
        Ok(match s {
            "save" | "" => Step::Save,
            "preview" => Step::Preview,
            "submit" => Step::Submit,
            "publish" => Step::Publish,
            "schedule" => Step::Schedule,
            "unschedule" => Step::Unschedule,
            other => {
                return Err(AppError::BadRequest(format!(
                    "The editor has no action {other:?}."
                )));
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Debug, Serialize)]
struct EditorPage {
    story: Option<StoryInfo>,
    form: StoryForm,
    sections: Vec<Choice>,
    /// Everyone who may be in a byline (the no-script selects' choices; the picker reads the
    /// chosen ones' notes from them).
    people: Vec<PersonChoice>,
    /// Byline selects: the current bylines in order, then two empty ones.
    byline_slots: Vec<String>,
    tag_names: Vec<String>,
    photos: Vec<PhotoChoice>,
    /// The related picks named (the field itself holds their numbers).
    related_stories: Vec<Found>,
    discussion_modes: Vec<Choice>,
    /// Where the editor's script autosaves the form: a new story, a draft or one in review
    /// (`stories/autosave.rs`); none once readers can see the story.
    autosave_url: Option<String>,
    errors: Vec<String>,
    warnings: Vec<String>,
    /// The others who have this story's editor open now (issue 17; `stories/presence.rs`),
    /// and where the script pings to keep the list current.
    others_here: Vec<presence::OtherView>,
    presence_url: Option<String>,
    /// Milliseconds between the script's pings (`--presence-ping`).
    presence_every_ms: u64,
    /// Another save landed first: what it changed.
    conflict: Option<Vec<DiffLine>>,
    /// ... and a sentence per field beyond the words it changed (section, tags, bylines…).
    conflict_fields: Vec<String>,
    /// The body as the site would show it (safe: markup output).
    preview: Option<Value>,
    notice: String,
    tz_name: String,
    may_publish: bool,
    may_create_tags: bool,
}

#[derive(Debug, Serialize)]
struct StoryInfo {
    id: i64,
    status: &'static str,
    status_label: &'static str,
    path: Option<String>,
    short_code: String,
    scheduled: Option<TimeView>,
    published: Option<TimeView>,
    updated: Option<TimeView>,
    withdrawn_note: String,
    corrections: Vec<(TimeView, String)>,
    can_submit: bool,
    can_publish: bool,
    can_schedule: bool,
    can_unschedule: bool,
    can_correct: bool,
    can_withdraw: bool,
    can_restore: bool,
    /// May give an original publication time when publishing (the desk; issue 16).
    can_backdate: bool,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// A person to put in a byline, with what the picker says of them (role, or that nobody can
/// sign in as them).
#[derive(Debug, Serialize)]
struct PersonChoice {
    value: String,
    label: String,
    title: String,
    note: String,
}

/// A library photo to choose: the editor's photo picker shows its thumbnail.
#[derive(Debug, Serialize)]
struct PhotoChoice {
    value: String,
    label: String,
    thumb: String,
}

/// One line of a diff: `kind` is `same`, `added` or `removed`.
#[derive(Debug, Serialize)]
pub(crate) struct DiffLine {
    pub kind: &'static str,
    pub text: String,
}

/// A line diff between two texts.
pub(crate) fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    use similar::{ChangeTag, TextDiff};
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            kind: match c.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Insert => "added",
                ChangeTag::Delete => "removed",
            },
            text: c.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

/// The words of a story as one text, for diffs.
pub(crate) fn words(
    headline: &str,
    standfirst: &str,
    body: &str,
    seo_title: &str,
    seo: &str,
) -> String {
    format!(
        "Headline: {headline}\nStandfirst: {standfirst}\nSEO title: {seo_title}\nSEO description: \
         {seo}\n\n{body}\n"
    )
}

struct Extra {
    errors: Vec<String>,
    warnings: Vec<String>,
    conflict: Option<Vec<DiffLine>>,
    conflict_fields: Vec<String>,
    preview: Option<String>,
    notice: String,
}

impl Extra {
    /// Only `errors` to show above the form.
    fn with_errors(errors: Vec<String>) -> Self {
        Extra {
            errors,
            ..Extra::none()
        }
    }

    fn none() -> Self {
        Extra {
            errors: Vec::new(),
            warnings: Vec::new(),
            conflict: None,
            conflict_fields: Vec::new(),
            preview: None,
            notice: String::new(),
        }
    }
}

async fn show_editor(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    story: Option<(&Article, Ownership)>,
    form: StoryForm,
    extra: Extra,
) -> Result<Response, AppError> {
    // "New story" is the current place only while writing one; an existing story's editor
    // is under no item of the bar.
    let nav = if story.is_some() { "" } else { "new" };
    let site = state.site().await?;
    let now = state.clock.now();
    let people = state.store.byline_people("", i64::MAX).await?;
    let tags = state.store.tags_with_counts().await?;
    let mut photos = state.store.media_library(None, 0, 100).await?;
    // The lead photo may be older than the newest hundred: it is listed too, or the select
    // would show "(none)" and the next save would drop it.
    if let Ok(lead) = form.lead_media.parse::<i64>()
        && !photos.iter().any(|m| m.id.0 == lead)
    {
        photos.extend(state.store.media_many(&[MediaId(lead)]).await?);
    }
    let related_stories = state
        .store
        .desk_items_by_id(&related_ids(&form.related))
        .await?
        .into_iter()
        .map(Found::from)
        .collect();
    let info = match story {
        None => None,
        Some((a, own)) => {
            let allowed =
                |t: Transition| workflow::next(a.status, t, user.account.role, own, now).is_ok();
            let far = now + jiff::SignedDuration::from_hours(24 * 365);
            let corrections = state.store.corrections(a.id).await?;
            let section = site.sections.iter().find(|s| s.id == a.section_id);
            Some(StoryInfo {
                id: a.id.0,
                status: a.status.as_str(),
                status_label: status_label(a.status),
                path: section
                    .filter(|_| a.status == Status::Published)
                    .and_then(|s| a.canonical_path(s.slug.as_str())),
                short_code: a.short_code.clone(),
                scheduled: a.scheduled_for.map(|t| TimeView::new(t, &site)),
                published: a.published_at.map(|t| TimeView::new(t, &site)),
                updated: a.updated_at.map(|t| TimeView::new(t, &site)),
                withdrawn_note: a.withdrawn_note.clone(),
                corrections: corrections
                    .into_iter()
                    .map(|c| (TimeView::new(c.created_at, &site), c.note))
                    .collect(),
                can_submit: allowed(Transition::Submit),
                can_publish: allowed(Transition::PublishNow),
                can_backdate: allowed(Transition::PublishNow)
                    && user.require(Action::BackdateStory).is_ok(),
                can_schedule: allowed(Transition::Schedule(far)),
                can_unschedule: allowed(Transition::Unschedule)
                    || allowed(Transition::ReturnToDraft),
                can_correct: a.status == Status::Published
                    && user.require_on(Action::CorrectStory, own).is_ok(),
                can_withdraw: allowed(Transition::Withdraw),
                can_restore: allowed(Transition::Restore),
            })
        }
    };
    let others_here = match story {
        Some((a, _)) => presence::others_here(state, user, a.id).await?,
        None => Vec::new(),
    };
    let mut byline_slots = form.authors.clone();
    if byline_slots.is_empty() && story.is_none() {
        byline_slots.push(user.account.id.0.to_string());
    }
    byline_slots.extend([String::new(), String::new()]);
    let title = story.map_or_else(
        || "New story".to_owned(),
        |(a, _)| format!("Edit: {}", a.headline),
    );
    let page = EditorPage {
        story: info,
        sections: site
            .sections
            .iter()
            .map(|s| Choice {
                value: s.id.0.to_string(),
                label: s.name.clone(),
            })
            .collect(),
        people: people
            .iter()
            .map(|p| PersonChoice {
                value: p.id.0.to_string(),
                label: p.name.clone(),
                title: p.title.clone(),
                note: super::people::note(p),
            })
            .collect(),
        byline_slots,
        tag_names: tags.into_iter().map(|(t, _)| t.name).collect(),
        related_stories,
        photos: photos
            .iter()
            .map(|m| PhotoChoice {
                thumb: if m.variants.is_empty() {
                    String::new()
                } else {
                    m.src_for(320)
                },
                value: m.id.0.to_string(),
                label: if m.alt.is_empty() {
                    format!("Photo {} (no alt text)", m.id)
                } else {
                    format!("Photo {}: {}", m.id, m.alt)
                },
            })
            .collect(),
        discussion_modes: [
            (DiscussionMode::Open, "Open"),
            (DiscussionMode::PreModerated, "Pre-moderated"),
            (DiscussionMode::Closed, "Closed"),
        ]
        .into_iter()
        .map(|(m, label)| Choice {
            value: m.as_str().to_owned(),
            label: label.to_owned(),
        })
        .collect(),
        autosave_url: match story {
            None => Some("/newsroom/stories/autosave".to_owned()),
            Some((a, _)) if matches!(a.status, Status::Draft | Status::InReview) => {
                Some(format!("/newsroom/stories/{}/autosave", a.id))
            }
            Some(_) => None,
        },
        presence_url: story.map(|(a, _)| format!("/newsroom/stories/{}/presence", a.id)),
        presence_every_ms: state.presence_ping.as_secs().saturating_mul(1000),
        others_here,
        form,
        errors: extra.errors,
        warnings: extra.warnings,
        conflict: extra.conflict,
        conflict_fields: extra.conflict_fields,
        preview: extra.preview.map(Value::from_safe_string),
        notice: extra.notice,
        tz_name: site.settings.time_zone.clone(),
        may_publish: user.may(Action::PublishStory),
        may_create_tags: user.may(Action::CreateTag),
    };
    render(
        state,
        status,
        "newsroom/editor.html",
        &title,
        nav,
        Some(user),
        page,
    )
    .await
}

async fn new_story(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    let site = state.site().await?;
    // A new story starts with the site's default discussion mode (discussion settings).
    let default_mode = state.store.discussion_rules().await?.default_mode;
    let form = StoryForm {
        section: site
            .sections
            .first()
            .map(|s| s.id.0.to_string())
            .unwrap_or_default(),
        discussion: default_mode.as_str().to_owned(),
        ..StoryForm::default()
    };
    show_editor(&state, &user, StatusCode::OK, None, form, Extra::none()).await
}

#[derive(Debug, Deserialize)]
struct EditQuery {
    #[serde(default)]
    saved: Option<String>,
    /// After restoring a revision: what it held that no longer exists (see `revisions.rs`).
    #[serde(default)]
    gone: String,
}

async fn load_story(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(Article, ArticleInput, Ownership), AppError> {
    user.require(Action::ViewNewsroom)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(state, user, a.id, &input.authors).await?;
    user.require_on(Action::EditStory, own)?;
    Ok((a, input, own))
}

async fn tag_names(state: &AppState, input: &ArticleInput) -> Result<Vec<String>, AppError> {
    let all = state.store.tags_with_counts().await?;
    Ok(input
        .tags
        .iter()
        .filter_map(|t| {
            all.iter()
                .find(|(x, _)| x.id == *t)
                .map(|(x, _)| x.name.clone())
        })
        .collect())
}

async fn edit_story(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Query(q): Query<EditQuery>,
) -> Result<Response, AppError> {
    let (a, input, own) = load_story(&state, &user, id).await?;
    let names = tag_names(&state, &input).await?;
    let mut form = StoryForm::of(&a, &input, &names);
    // A scheduled story's time, in the site's time zone, ready to change.
    if let Some(at) = a.scheduled_for {
        let site = state.site().await?;
        form.schedule_at = at
            .to_zoned(site.tz.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
    }
    let notice = match q.saved.as_deref() {
        Some("saved") => "Saved.",
        Some("submitted") => "Saved and submitted for review.",
        Some("published") => "Published.",
        Some("scheduled") => "Scheduled.",
        Some("unscheduled") => "Returned to draft.",
        Some("corrected") => "Correction added.",
        Some("withdrawn") => "Withdrawn: readers now get the withdrawal note.",
        Some("restored") => "Restored: readers see the story again.",
        _ => "",
    };
    let notice = q
        .saved
        .as_deref()
        .and_then(|saved| super::revisions::restored_notice(saved, &q.gone))
        .unwrap_or_else(|| notice.to_owned());
    // Say so before anything is typed, rather than only when saving.
    let notice = match workflow::may_edit(a.status, user.account.role, own) {
        Err(e) => refused(e).message(),
        Ok(()) => notice,
    };
    let extra = Extra {
        notice,
        ..Extra::none()
    };
    show_editor(&state, &user, StatusCode::OK, Some((&a, own)), form, extra).await
}

/// Render the form's body as the site would (for the no-JS Preview button).
async fn preview_html(
    state: &AppState,
    site: &SiteContext,
    prepared: &PreparedBody,
) -> Result<String, AppError> {
    let bodies = Bodies::for_preview(&state.store, prepared, &site.sections).await?;
    Ok(bodies.fill_preview(prepared))
}

async fn create_story(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    let (form, csrf, action) = StoryForm::from_pairs(&pairs);
    user.check_form(&csrf)?;
    let step = Step::parse(&action)?;
    let site = state.site().await?;
    let now = state.clock.now();
    let mut checked = match check(&state, &site, &user, &form).await {
        Ok(c) => c,
        Err(errors) => {
            let extra = Extra::with_errors(errors);
            return show_editor(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                form,
                extra,
            )
            .await;
        }
    };
    if let Some(m) = bylines_refused(&user, "The byline", &checked.input.authors, &[]) {
        let extra = Extra::with_errors(vec![m]);
        return show_editor(&state, &user, StatusCode::FORBIDDEN, None, form, extra).await;
    }
    if step == Step::Preview {
        let preview = preview_html(&state, &site, &checked.prepared).await?;
        let extra = Extra {
            preview: Some(preview),
            ..Extra::none()
        };
        return show_editor(&state, &user, StatusCode::OK, None, form, extra).await;
    }
    // A new story is the creator's own: check the step before anything is written.
    let scheduled = plan(
        &state,
        &site,
        &user,
        &form,
        step,
        Status::Draft,
        Ownership::Own,
        now,
        &checked,
    )
    .await?;
    if let Err(r) = scheduled {
        return show_editor(&state, &user, r.status, None, form, r.extra).await;
    }
    create_tags(&state, &mut checked).await?;
    let a = match state
        .store
        .create_article_by(checked.input, now, Some(user.account.id))
        .await
    {
        Ok(a) => a,
        Err(StoreError::Taken(field)) => {
            let extra = Extra::with_errors(vec![format!(
                "Another story already has this {field}: change the slug."
            )]);
            return show_editor(&state, &user, StatusCode::CONFLICT, None, form, extra).await;
        }
        Err(e) => return Err(e.into()),
    };
    let done = apply(&state, &site, &a, step, &form, now).await?;
    Ok(see_other(&format!(
        "/newsroom/stories/{}?saved={done}",
        a.id
    )))
}

struct Refusal {
    status: StatusCode,
    extra: Extra,
}

/// Check that `step` may happen to a story in `from` (permission, workflow, schedule time,
/// warnings confirmed) before anything is written.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site per form; all are needed"
)]
async fn plan(
    state: &AppState,
    site: &SiteContext,
    user: &CurrentUser,
    form: &StoryForm,
    step: Step,
    from: Status,
    own: Ownership,
    now: Timestamp,
    checked: &Checked,
) -> Result<Result<(), Refusal>, AppError> {
    let transition = match step {
        Step::Save | Step::Preview => return Ok(Ok(())),
        Step::Submit => Transition::Submit,
        Step::Publish => {
            if let Err(m) = backdate_to(form, site, user, now) {
                return Ok(Err(Refusal {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    extra: Extra::with_errors(vec![m]),
                }));
            }
            Transition::PublishNow
        }
        Step::Schedule => match parse_local(&form.schedule_at, site) {
            Ok(at) => Transition::Schedule(at),
            Err(m) => {
                return Ok(Err(Refusal {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    extra: Extra::with_errors(vec![m]),
                }));
            }
        },
        Step::Unschedule if from == Status::InReview => Transition::ReturnToDraft,
        Step::Unschedule => Transition::Unschedule,
    };
    match workflow::next(from, transition, user.account.role, own, now) {
        Ok(_) => {}
        Err(TransitionError::ScheduleInPast) => {
            return Ok(Err(Refusal {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                extra: Extra::with_errors(vec![
                    "The time to publish must be in the future.".to_owned(),
                ]),
            }));
        }
        Err(e) => return Err(refused(e)),
    }
    if matches!(step, Step::Publish | Step::Schedule) && !form.confirm {
        let warnings = warnings(state, checked).await?;
        if !warnings.is_empty() {
            return Ok(Err(Refusal {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                extra: Extra {
                    warnings,
                    ..Extra::none()
                },
            }));
        }
    }
    Ok(Ok(()))
}

/// Make the status change `step` asks for (already checked by [`plan`]); the notice to show.
async fn apply(
    state: &AppState,
    site: &SiteContext,
    a: &Article,
    step: Step,
    form: &StoryForm,
    now: Timestamp,
) -> Result<&'static str, AppError> {
    let store = &state.store;
    Ok(match step {
        Step::Save | Step::Preview => "saved",
        Step::Submit => {
            store.submit_article(a.id, now).await?;
            "submitted"
        }
        Step::Publish => {
            // `plan` has checked the original time, if one was given.
            let at = if form.published_at.is_empty() {
                now
            } else {
                let at = parse_local(&form.published_at, site).map_err(AppError::BadRequest)?;
                store
                    .backdate_article(a.id, at, path_date(at, &site.tz), now)
                    .await?;
                at
            };
            store
                .publish_article(a.id, at, path_date(at, &site.tz), now)
                .await?;
            tracing::info!(article_id = %a.id, backdated = at != now, "published");
            "published"
        }
        Step::Schedule => {
            let at = parse_local(&form.schedule_at, site).map_err(AppError::BadRequest)?;
            store.schedule_article(a.id, at, now).await?;
            state.scheduler.wake();
            "scheduled"
        }
        Step::Unschedule => {
            store.return_to_draft(a.id, now).await?;
            "unscheduled"
        }
    })
}

async fn save_story(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (form, csrf, action) = StoryForm::from_pairs(&pairs);
    user.check_form(&csrf)?;
    let (a, before, own) = load_story(&state, &user, id).await?;
    let step = Step::parse(&action)?;
    let site = state.site().await?;
    let now = state.clock.now();
    // Refused before anything is looked at: the typed words stay in the form, nothing is kept.
    if let Err(e) = workflow::may_edit(a.status, user.account.role, own) {
        let extra = Extra::with_errors(vec![refused(e).message()]);
        return show_editor(
            &state,
            &user,
            StatusCode::FORBIDDEN,
            Some((&a, own)),
            form,
            extra,
        )
        .await;
    }
    if form.version != a.version {
        return stale(&state, &user, &a, own, form).await;
    }
    let mut checked = match check(&state, &site, &user, &form).await {
        Ok(c) => c,
        Err(errors) => {
            let extra = Extra::with_errors(errors);
            return show_editor(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((&a, own)),
                form,
                extra,
            )
            .await;
        }
    };
    if let Some(m) = bylines_refused(&user, "The byline", &checked.input.authors, &before.authors) {
        let extra = Extra::with_errors(vec![m]);
        return show_editor(
            &state,
            &user,
            StatusCode::FORBIDDEN,
            Some((&a, own)),
            form,
            extra,
        )
        .await;
    }
    if step == Step::Preview {
        let preview = preview_html(&state, &site, &checked.prepared).await?;
        let extra = Extra {
            preview: Some(preview),
            ..Extra::none()
        };
        return show_editor(&state, &user, StatusCode::OK, Some((&a, own)), form, extra).await;
    }
    if let Err(r) = plan(
        &state, &site, &user, &form, step, a.status, own, now, &checked,
    )
    .await?
    {
        return show_editor(&state, &user, r.status, Some((&a, own)), form, r.extra).await;
    }
    create_tags(&state, &mut checked).await?;
    if !form.discussion_was.is_empty() && form.discussion == form.discussion_was {
        // Not the editor's change: keep what the story has now.
        checked.input.discussion_mode = a.discussion_mode;
    }
    let public_update = a.status == Status::Published && !form.minor;
    let saved = match state
        .store
        .update_article_by(
            a.id,
            form.version,
            checked.input,
            now,
            public_update,
            Some(user.account.id),
        )
        .await
    {
        Ok(s) => s,
        Err(StoreError::StaleVersion) => return stale(&state, &user, &a, own, form).await,
        Err(StoreError::Taken(field)) => {
            let extra = Extra::with_errors(vec![format!(
                "Another story already has this {field}: change the slug."
            )]);
            return show_editor(
                &state,
                &user,
                StatusCode::CONFLICT,
                Some((&a, own)),
                form,
                extra,
            )
            .await;
        }
        Err(StoreError::Invalid(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    };
    let done = apply(&state, &site, &saved, step, &form, now).await?;
    Ok(see_other(&format!(
        "/newsroom/stories/{}?saved={done}",
        a.id
    )))
}

/// The 409 answer to a save based on an old version: the form as typed, and what the saves
/// since then changed.
async fn stale(
    state: &AppState,
    user: &CurrentUser,
    current: &Article,
    own: Ownership,
    mut form: StoryForm,
) -> Result<Response, AppError> {
    let then = state.store.revision_at(current.id, form.version).await?;
    let latest = state.store.revision_at(current.id, current.version).await?;
    let conflict_fields = match (&then, &latest) {
        (Some(t), Some(l)) => super::revisions::field_changes(state, t, l).await?,
        _ => Vec::new(),
    };
    let before = then.map_or_else(String::new, |r| {
        words(
            &r.headline,
            &r.standfirst,
            &r.body_source,
            &r.seo_title,
            &r.seo_description,
        )
    });
    let now = words(
        &current.headline,
        &current.standfirst,
        &current.body_source,
        &current.seo_title,
        &current.seo_description,
    );
    let conflict = diff_lines(&before, &now);
    // Saving this form again means "mine wins, having seen theirs".
    form.version = current.version;
    let extra = Extra {
        errors: vec![
            "Someone else saved this story after you opened it, so your save was refused. Your \
             text is kept below; their changes are listed. Save again to replace their version \
             with yours."
                .to_owned(),
        ],
        conflict: Some(conflict),
        conflict_fields,
        ..Extra::none()
    };
    show_editor(
        state,
        user,
        StatusCode::CONFLICT,
        Some((current, own)),
        form,
        extra,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn correct_story(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    user.require_on(Action::CorrectStory, own)?;
    if a.status != Status::Published {
        return Err(AppError::Conflict(
            "Only a published story can be corrected.".to_owned(),
        ));
    }
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(AppError::BadRequest(
            "Write the correction (up to 2,000 characters).".to_owned(),
        ));
    }
    state
        .store
        .add_correction(a.id, note, Some(user.account.id), state.clock.now())
        .await?;
    Ok(see_other(&format!(
        "/newsroom/stories/{id}?saved=corrected"
    )))
}

async fn withdraw_story(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    let now = state.clock.now();
    workflow::next(a.status, Transition::Withdraw, user.account.role, own, now).map_err(refused)?;
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(AppError::BadRequest(
            "Write the note readers will see instead of the story (up to 2,000 characters)."
                .to_owned(),
        ));
    }
    state.store.withdraw_article(a.id, note, now).await?;
    tracing::info!(article_id = %a.id, "withdrawn");
    Ok(see_other(&format!(
        "/newsroom/stories/{id}?saved=withdrawn"
    )))
}

async fn restore_story(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    let now = state.clock.now();
    workflow::next(a.status, Transition::Restore, user.account.role, own, now).map_err(refused)?;
    let site = state.site().await?;
    // First publication's time and path date are kept (COALESCE): the URL does not move.
    state
        .store
        .publish_article(a.id, now, path_date(now, &site.tz), now)
        .await?;
    Ok(see_other(&format!("/newsroom/stories/{id}?saved=restored")))
}

#[derive(Debug, Deserialize)]
struct PreviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

/// `POST /newsroom/preview`: the body as the site would show it, as an HTML fragment.
async fn preview_body(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<PreviewForm>,
) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    user.check_form(&f.csrf)?;
    if f.body.len() > MAX_BODY {
        return Err(AppError::BadRequest(format!(
            "The body is too long: keep it to {} bytes.",
            crate::input::thousands(MAX_BODY as u64)
        )));
    }
    let site = state.site().await?;
    let source = f.body.replace("\r\n", "\n");
    let prepared = tokio::task::spawn_blocking(move || prepare(&source))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::BadRequest(format!("The body could not be read: {e}")))?;
    let html = preview_html(&state, &site, &prepared).await?;
    let mut res = html.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, Serialize)]
struct Found {
    id: i64,
    headline: String,
    status: &'static str,
    /// "Published", "Withdrawn"…, as the newsroom's lists say it.
    status_label: &'static str,
    /// What to paste into the body: `READ MORE: 12`.
    read_more: String,
}

impl From<dateline_store::DeskItem> for Found {
    fn from(i: dateline_store::DeskItem) -> Self {
        Found {
            id: i.id.0,
            headline: i.headline,
            status: i.status.as_str(),
            status_label: status_label(i.status),
            read_more: format!("READ MORE: {}", i.id),
        }
    }
}

/// Story numbers in a comma-separated list (`12, 34`; `#12` as READ MORE writes them); what
/// is not a number is left out, and at most [`MAX_LOOKUP`] are read.
fn related_ids(list: &str) -> Vec<ArticleId> {
    let mut ids: Vec<ArticleId> = Vec::new();
    for part in list.split(',') {
        if let Ok(id) = part.trim().trim_start_matches('#').parse::<i64>()
            && !ids.contains(&ArticleId(id))
        {
            ids.push(ArticleId(id));
        }
    }
    ids.truncate(MAX_LOOKUP);
    ids
}

/// Most stories one `headlines` request names (a body's READ MORE boxes, the related picks).
const MAX_LOOKUP: usize = 100;

/// `GET /newsroom/stories/search?q=`: stories by headline for the READ MORE and related
/// pickers, most recently changed first. A number (`12`, `#12`) finds that story too, first.
async fn search_stories(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    let query = q.q.trim();
    if query.is_empty() || query.len() > 200 {
        return Ok(Json(Vec::<Found>::new()).into_response());
    }
    let by_number = query
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .map(ArticleId);
    let mut ids: Vec<ArticleId> = by_number.into_iter().collect();
    ids.extend(
        state
            .store
            .headline_search(query, 20)
            .await?
            .into_iter()
            .map(|(id, _, _)| id)
            .filter(|id| Some(*id) != by_number),
    );
    let found = state.store.desk_items_by_id(&ids).await?;
    Ok(Json(found.into_iter().map(Found::from).collect::<Vec<_>>()).into_response())
}

#[derive(Debug, Deserialize)]
struct HeadlinesQuery {
    #[serde(default)]
    ids: String,
}

/// `GET /newsroom/stories/headlines?ids=12,34`: the headline and status of each story named,
/// in the order given, so the editor shows a READ MORE box or a related pick by its headline
/// (and says when it is withdrawn or not published). Numbers with no story are left out of the
/// answer: the script says "no story 12" for them.
async fn story_headlines(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HeadlinesQuery>,
) -> Result<Response, AppError> {
    user.require(Action::CreateStory)?;
    let found = state.store.desk_items_by_id(&related_ids(&q.ids)).await?;
    Ok(Json(found.into_iter().map(Found::from).collect::<Vec<_>>()).into_response())
}

mod autosave;
mod presence;
#[cfg(test)]
mod tests;
