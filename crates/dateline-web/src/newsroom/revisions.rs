//! A story's revisions: `GET /newsroom/stories/{id}/revisions` lists every kept save and shows
//! what changed between any two (`?from=&to=`, newest two by default): a sentence per changed
//! field beyond the words (section, bylines in order, tags, lead photo, related picks,
//! discussion) and the line diff of the words (the `similar` crate).
//! `POST /newsroom/stories/{id}/revisions/{rev}/restore` saves that revision's whole story
//! again as a new revision, through the store's ordinary save with the version the page was
//! opened at; a section, photo, tag, byline or related story that no longer exists is not
//! brought back and the editor page says so. A revision kept before revisions held the whole
//! story (words only) restores its words and leaves the rest as it is. Listing needs
//! `EditStory` on the story; restoring needs `RestoreRevision`. Never shown to readers.

use super::auth::{CurrentUser, see_other};
use super::render;
use super::stories::{DiffLine, diff_lines, ownership, words};
use crate::AppError;
use crate::body::prepare;
use crate::input::{Form, PathId};
use crate::state::AppState;
use crate::views::TimeView;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use dateline_core::article::{DiscussionMode, Status};
use dateline_core::permissions::Action;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, MediaId, PersonId, SectionId, TagId};
use dateline_store::{ArticleInput, Named, Revision, RevisionStory, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsroom/stories/{id}/revisions", get(list_revisions))
        .route(
            "/newsroom/stories/{id}/revisions/{rev}/restore",
            post(restore_revision),
        )
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Debug, Serialize)]
struct RevisionsPage {
    story_id: i64,
    headline: String,
    revisions: Vec<RevisionView>,
    from: Option<i64>,
    to: Option<i64>,
    diff: Vec<DiffLine>,
    /// One sentence per changed field beyond the words.
    changes: Vec<String>,
    /// Set when one of the two compared revisions holds only words: says which.
    words_only: Option<i64>,
    may_restore: bool,
    /// The story's version now: a restore is a save based on it.
    version: i64,
}

#[derive(Debug, Serialize)]
struct RevisionView {
    id: i64,
    version: i64,
    headline: String,
    by: String,
    when: TimeView,
    /// Kept with the whole story (not words only).
    whole: bool,
}

/// The revision asked for, or the `default`-th newest.
fn pick(
    revisions: &[Revision],
    story: i64,
    want: Option<i64>,
    default: usize,
) -> Result<Option<&Revision>, AppError> {
    match want {
        Some(w) => revisions
            .iter()
            .find(|r| r.id == w)
            .map(Some)
            .ok_or_else(|| {
                AppError::BadRequest(format!("Story {story} has no revision {w} to compare."))
            }),
        None => Ok(revisions.get(default)),
    }
}

fn text_of(r: &Revision) -> String {
    words(
        &r.headline,
        &r.standfirst,
        &r.body_source,
        &r.seo_title,
        &r.seo_description,
    )
}

async fn list_revisions(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Query(q): Query<DiffQuery>,
) -> Result<Response, AppError> {
    user.require(Action::ViewNewsroom)?;
    let (a, input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    user.require_on(Action::EditStory, own)?;
    let site = state.site().await?;
    let revisions = state.store.revisions(a.id).await?;
    let to = pick(&revisions, id, q.to, 0)?;
    let from = pick(&revisions, id, q.from, 1)?;
    let diff = match (from, to) {
        (Some(f), Some(t)) => diff_lines(&text_of(f), &text_of(t)),
        (None, Some(t)) => diff_lines("", &text_of(t)),
        _ => Vec::new(),
    };
    let (changes, words_only) = match (from, to) {
        (Some(f), Some(t)) => match (&f.story, &t.story) {
            (Some(fs), Some(ts)) => {
                let names = Names::of(&state, &[fs, ts]).await?;
                (story_changes(fs, ts, &names), None)
            }
            (None, _) => (Vec::new(), Some(f.version)),
            (_, None) => (Vec::new(), Some(t.version)),
        },
        _ => (Vec::new(), None),
    };
    let page = RevisionsPage {
        story_id: a.id.0,
        headline: a.headline.clone(),
        from: from.map(|r| r.id),
        to: to.map(|r| r.id),
        diff,
        changes,
        words_only,
        version: a.version,
        may_restore: user.require_on(Action::RestoreRevision, own).is_ok(),
        revisions: revisions
            .iter()
            .map(|r| RevisionView {
                id: r.id,
                version: r.version,
                headline: r.headline.clone(),
                by: if r.saved_by_name.is_empty() {
                    "a tool".to_owned()
                } else {
                    r.saved_by_name.clone()
                },
                when: TimeView::new(r.saved_at, &site),
                whole: r.story.is_some(),
            })
            .collect(),
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/revisions.html",
        &format!("Revisions: {}", a.headline),
        "",
        Some(&user),
        page,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct RestoreForm {
    #[serde(default)]
    csrf: String,
    /// The story's version when the revisions page was opened (absent: the current one).
    #[serde(default)]
    version: String,
}

async fn restore_revision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rev)): Path<(i64, i64)>,
    Form(f): Form<RestoreForm>,
) -> Result<Response, AppError> {
    user.check_form(&f.csrf)?;
    let (a, mut input) = state.store.article_input(ArticleId(id)).await?;
    let own = ownership(&state, &user, a.id, &input.authors).await?;
    user.require_on(Action::RestoreRevision, own)?;
    // A restore is a save: a contributor may not change what an editor has let out.
    dateline_core::workflow::may_edit(a.status, user.account.role, own)
        .map_err(super::stories::refused)?;
    let stale = || {
        AppError::Conflict(
            "The story was saved by someone else since the revisions were shown: look at them \
             again before restoring."
                .to_owned(),
        )
    };
    let based_on = match f.version.trim() {
        "" => a.version,
        v => v
            .parse::<i64>()
            .map_err(|_| AppError::BadRequest(format!("{v:?} is not a story version.")))?,
    };
    if based_on != a.version {
        return Err(stale());
    }
    let r = state.store.revision(a.id, rev).await?;
    let body = r.body_source.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(&body))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::BadRequest(format!("That revision's body cannot be read: {e}")))?;
    input.slug = Slug::parse(&r.slug).unwrap_or(input.slug);
    input.headline = r.headline;
    input.standfirst = r.standfirst;
    input.body_source = r.body_source;
    input.body_html = prepared.html;
    input.body_text = prepared.text;
    input.links = prepared.links;
    input.media = prepared.media;
    input.seo_title = r.seo_title;
    input.seo_description = r.seo_description;
    let (saved, gone) = match &r.story {
        Some(story) => (
            "revision",
            bring_back(&state, a.id, story, &mut input).await?,
        ),
        None => ("revision-words", Vec::new()),
    };
    match state
        .store
        .update_article_by(
            a.id,
            based_on,
            input,
            state.clock.now(),
            a.status == Status::Published,
            Some(user.account.id),
        )
        .await
    {
        Ok(_) if gone.is_empty() => Ok(see_other(&format!("/newsroom/stories/{id}?saved={saved}"))),
        Ok(_) => Ok(see_other(&format!(
            "/newsroom/stories/{id}?saved={saved}&gone={}",
            gone.join(",")
        ))),
        Err(StoreError::Taken(_)) => Err(AppError::Conflict(
            "That revision's slug now belongs to another story: edit the story instead.".to_owned(),
        )),
        Err(StoreError::StaleVersion) => Err(stale()),
        Err(StoreError::Invalid(m)) => Err(AppError::Conflict(format!(
            "That revision cannot be restored as it is: {m}. Edit the story instead."
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Put a kept story's section, bylines, tags, lead photo, related picks and discussion mode
/// into `input`, leaving out what no longer exists (a section or lead photo that is gone leaves
/// the current one; bylines that are all gone leave the current ones). Returns what was left
/// out, as the words the editor page's notice knows: `section`, `photo`, `tags`, `bylines`,
/// `related`. Reads only: the one write is the save that follows.
async fn bring_back(
    state: &AppState,
    id: ArticleId,
    story: &RevisionStory,
    input: &mut ArticleInput,
) -> Result<Vec<&'static str>, AppError> {
    let store = &state.store;
    let mut gone = Vec::new();
    match store.section(story.section.id).await {
        Ok(s) => input.section_id = s.id,
        Err(StoreError::NotFound) => gone.push("section"),
        Err(e) => return Err(e.into()),
    }
    let people = store.people().await?;
    let authors: Vec<PersonId> = story
        .authors
        .iter()
        .map(|p| p.id)
        .filter(|p| people.iter().any(|x| x.id == *p))
        .collect();
    if authors.len() != story.authors.len() {
        gone.push("bylines");
    }
    if !authors.is_empty() || story.authors.is_empty() {
        input.authors = authors;
    }
    let tags = store.tags_with_counts().await?;
    let kept: Vec<TagId> = story
        .tags
        .iter()
        .map(|t| t.id)
        .filter(|t| tags.iter().any(|(x, _)| x.id == *t))
        .collect();
    if kept.len() != story.tags.len() {
        gone.push("tags");
    }
    input.tags = kept;
    match story.lead_media {
        None => input.lead_media_id = None,
        Some(m) => match store.media(m).await {
            Ok(_) => input.lead_media_id = Some(m),
            Err(StoreError::NotFound) => gone.push("photo"),
            Err(e) => return Err(e.into()),
        },
    }
    let mut related = Vec::new();
    for r in &story.related {
        match store.article(*r).await {
            Ok(x) if x.id != id => related.push(x.id),
            Ok(_) => {}
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if related.len() != story.related.len() {
        gone.push("related");
    }
    input.related = related;
    input.discussion_mode = story.discussion;
    Ok(gone)
}

/// The editor page's notice after a restore (`saved=revision` or `revision-words`, with
/// `gone` as [`bring_back`] listed it), or `None` for another `saved`.
pub(crate) fn restored_notice(saved: &str, gone: &str) -> Option<String> {
    let mut out = match saved {
        "revision" => "Earlier revision restored (as a new save).".to_owned(),
        "revision-words" => "Earlier revision restored (as a new save), but only its words: it \
             was kept before revisions held the whole story, so the section, bylines, tags, \
             photos, related stories and discussion stay as they were."
            .to_owned(),
        _ => return None,
    };
    for g in gone.split(',') {
        let sentence = match g {
            "section" => "Its section no longer exists, so the story stays in its current one.",
            "photo" => "Its lead photo no longer exists in the library, so the current one stays.",
            "tags" => "Some of its tags no longer exist and were left out.",
            "bylines" => "Some of its bylines are no longer people here and were left out.",
            "related" => "Some of its related stories no longer exist and were left out.",
            _ => continue,
        };
        out.push(' ');
        out.push_str(sentence);
    }
    Some(out)
}

/// A sentence per field beyond the words that differs between two revisions (empty when either
/// was kept before revisions held the whole story): for the editor's 409 page.
pub(crate) async fn field_changes(
    state: &AppState,
    from: &Revision,
    to: &Revision,
) -> Result<Vec<String>, AppError> {
    match (&from.story, &to.story) {
        (Some(f), Some(t)) => {
            let names = Names::of(state, &[f, t]).await?;
            Ok(story_changes(f, t, &names))
        }
        _ => Ok(Vec::new()),
    }
}

/// What things are called now, for the revisions being compared (absent: deleted since).
struct Names {
    sections: HashMap<SectionId, String>,
    people: HashMap<PersonId, String>,
    tags: HashMap<TagId, String>,
    photos: HashMap<MediaId, String>,
    stories: HashMap<ArticleId, String>,
}

impl Names {
    async fn of(state: &AppState, kept: &[&RevisionStory]) -> Result<Self, AppError> {
        let store = &state.store;
        let photo_ids: Vec<MediaId> = kept.iter().filter_map(|k| k.lead_media).collect();
        let mut stories = HashMap::new();
        for id in kept.iter().flat_map(|k| k.related.iter()) {
            match store.article(*id).await {
                Ok(a) => {
                    stories.insert(a.id, a.headline);
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Names {
            sections: store
                .sections()
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
            people: store
                .people()
                .await?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
            tags: store
                .tags_with_counts()
                .await?
                .into_iter()
                .map(|(t, _)| (t.id, t.name))
                .collect(),
            photos: store
                .media_many(&photo_ids)
                .await?
                .into_iter()
                .map(|m| (m.id, super::media::photo_label(&m)))
                .collect(),
            stories,
        })
    }
}

/// A kept name as it reads now: the current name, or the kept one marked deleted.
fn named<I: std::hash::Hash + Eq + Copy>(n: &Named<I>, now: &HashMap<I, String>) -> String {
    match now.get(&n.id) {
        Some(name) => name.clone(),
        None => format!("{} (deleted)", n.name),
    }
}

fn photo(m: Option<MediaId>, names: &Names) -> String {
    match m {
        None => "none".to_owned(),
        Some(m) => names
            .photos
            .get(&m)
            .cloned()
            .unwrap_or_else(|| format!("Photo {m} (deleted)")),
    }
}

fn story_label(id: ArticleId, names: &Names) -> String {
    match names.stories.get(&id) {
        Some(h) => format!("{id} “{h}”"),
        None => format!("{id} (deleted)"),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn discussion_label(m: DiscussionMode) -> &'static str {
    match m {
        DiscussionMode::Open => "Open",
        DiscussionMode::PreModerated => "Pre-moderated",
        DiscussionMode::Closed => "Closed",
    }
}

/// A list field's change: `+ added − removed`, or the whole list when only the order moved.
fn list_change<I: PartialEq + Copy>(
    field: &str,
    from: &[I],
    to: &[I],
    label: impl Fn(I) -> String,
) -> Option<String> {
    if from == to {
        return None;
    }
    let mut parts: Vec<String> = to
        .iter()
        .filter(|i| !from.contains(i))
        .map(|i| format!("+ {}", label(*i)))
        .collect();
    parts.extend(
        from.iter()
            .filter(|i| !to.contains(i))
            .map(|i| format!("− {}", label(*i))),
    );
    if parts.is_empty() {
        let show = |l: &[I]| list(&l.iter().map(|i| label(*i)).collect::<Vec<_>>());
        Some(format!("{field} (order): {} → {}", show(from), show(to)))
    } else {
        Some(format!("{field}: {}", parts.join(" ")))
    }
}

/// One sentence per field beyond the words that differs between two kept stories.
fn story_changes(from: &RevisionStory, to: &RevisionStory, names: &Names) -> Vec<String> {
    let mut out = Vec::new();
    if from.section.id != to.section.id {
        out.push(format!(
            "Section: {} → {}",
            named(&from.section, &names.sections),
            named(&to.section, &names.sections)
        ));
    }
    let ids = |v: &[Named<PersonId>]| v.iter().map(|p| p.id).collect::<Vec<_>>();
    if ids(&from.authors) != ids(&to.authors) {
        let show = |v: &[Named<PersonId>]| {
            list(
                &v.iter()
                    .map(|p| named(p, &names.people))
                    .collect::<Vec<_>>(),
            )
        };
        out.push(format!(
            "Bylines: {} → {}",
            show(&from.authors),
            show(&to.authors)
        ));
    }
    let tag_name = |t: TagId| {
        from.tags
            .iter()
            .chain(&to.tags)
            .find(|n| n.id == t)
            .map_or_else(|| t.to_string(), |n| named(n, &names.tags))
    };
    let tag_ids = |v: &[Named<TagId>]| v.iter().map(|t| t.id).collect::<Vec<_>>();
    out.extend(list_change(
        "Tags",
        &tag_ids(&from.tags),
        &tag_ids(&to.tags),
        tag_name,
    ));
    if from.lead_media != to.lead_media {
        out.push(format!(
            "Lead photo: {} → {}",
            photo(from.lead_media, names),
            photo(to.lead_media, names)
        ));
    }
    out.extend(list_change(
        "Related stories",
        &from.related,
        &to.related,
        |r| story_label(r, names),
    ));
    if from.discussion != to.discussion {
        out.push(format!(
            "Discussion: {} → {}",
            discussion_label(from.discussion),
            discussion_label(to.discussion)
        ));
    }
    out
}
