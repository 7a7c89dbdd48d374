//! `/newsroom/newsletters` (editors and admins: `ManageNewsletters`): define newsletters,
//! write a letter in the editors' Markdown dialect (rendered by the server's renderer, the
//! same as stories), preview it, send a test to oneself, send it now; send an alert for a
//! published story; follow each issue's progress (queued, sent, failed, uncertain).
//!
//! Sending only queues (`Newsletters::send_issue`: the deliveries and the job in one
//! transaction); the job runner sends. Every form carries the session's token and the
//! `guard` refuses other origins, as everywhere in the newsroom.

use super::auth::{CurrentUser, see_other};
use super::render;
use crate::AppError;
use crate::input::Form;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::ArticleId;
use dateline_core::SectionId;
use dateline_core::html::escape;
use dateline_core::newsletter::{
    DigestSchedule, MAX_DESCRIPTION, MAX_NAME, MAX_SUBJECT, NewsletterKind,
};
use dateline_core::permissions::Action;
use dateline_core::slug::Slug;
use dateline_store::{Issue, IssueInput, Newsletter, NewsletterInput, Progress, StoreError};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route(
            "/newsroom/newsletters",
            get(show_list).post(create_newsletter),
        )
        .route(
            "/newsroom/newsletters/{id}",
            get(show_newsletter).post(update_newsletter),
        )
        .route("/newsroom/newsletters/{id}/issues", post(write_issue))
        .route("/newsroom/newsletters/issues/{id}", get(show_issue))
}

#[derive(Debug, Serialize, Default)]
struct FormView {
    slug: String,
    name: String,
    description: String,
    kind: String,
    section_id: String,
    schedule: String,
}

impl From<&Newsletter> for FormView {
    fn from(n: &Newsletter) -> Self {
        Self {
            slug: n.slug.clone(),
            name: n.name.clone(),
            description: n.description.clone(),
            kind: n.kind.as_str().to_owned(),
            section_id: n.section_id.map(|s| s.0.to_string()).unwrap_or_default(),
            schedule: n.schedule.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct RowView {
    id: i64,
    name: String,
    kind: &'static str,
    subscribers: u64,
}

#[derive(Debug, Serialize)]
struct SectionOption {
    id: i64,
    name: String,
}

#[derive(Debug, Serialize)]
struct ListPage {
    mail: bool,
    rows: Vec<RowView>,
    form: FormView,
    sections: Vec<SectionOption>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct IssueRow {
    id: i64,
    subject: String,
    state: String,
    sent: u64,
    total: u64,
}

#[derive(Debug, Serialize, Default)]
struct Draft {
    subject: String,
    markdown: String,
    article: String,
}

#[derive(Debug, Serialize)]
struct NewsletterPage {
    id: i64,
    name: String,
    kind: &'static str,
    subscribers: u64,
    form: FormView,
    sections: Vec<SectionOption>,
    issues: Vec<IssueRow>,
    draft: Draft,
    /// The rendered letter, sanitised by the renderer, when previewing.
    preview: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    growth: Growth,
}

/// Days the subscriber chart covers.
const CHART_DAYS: usize = 30;

/// Confirmed subscribers per day over the last [`CHART_DAYS`]: a sparkline drawn on the
/// server (an SVG polyline, no script) and the same numbers as a table.
#[derive(Debug, Serialize)]
struct Growth {
    /// Newest first, for the table.
    days: Vec<DayCount>,
    /// The polyline's points in a 300 × 60 box, oldest on the left.
    points: String,
    first: u64,
    last: u64,
    low: u64,
    high: u64,
    from: String,
    to: String,
}

#[derive(Debug, Serialize)]
struct DayCount {
    date: String,
    count: u64,
}

async fn growth(state: &AppState, n: &Newsletter) -> Result<Growth, AppError> {
    let site = state.site().await.map_err(AppError::Internal)?;
    let tz = site.tz.clone();
    let now = state.clock.now();
    let today = now.to_zoned(tz.clone()).date();
    let mut dates = Vec::with_capacity(CHART_DAYS);
    let mut ends = Vec::with_capacity(CHART_DAYS);
    for back in (0..CHART_DAYS).rev() {
        let back = i64::try_from(back).unwrap_or(0);
        let Ok(day) = today.checked_sub(jiff::Span::new().days(back)) else {
            continue;
        };
        // A day's count is taken at its end (midnight after it, in the site's zone); today's
        // now.
        let end = day
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map_or(now, |z| z.timestamp())
            .min(now);
        dates.push(day);
        ends.push(end);
    }
    let counts = state.store.subscribers_over_time(n.id, &ends).await?;
    let low = counts.iter().copied().min().unwrap_or(0);
    let high = counts.iter().copied().max().unwrap_or(0);
    let span = (high - low).max(1) as f64;
    let step = 300.0 / (counts.len().max(2) - 1) as f64;
    let points = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = i as f64 * step;
            // 4 px of room above and below, so the line's width is never cut.
            let y = 56.0 - ((*c - low) as f64 / span) * 52.0;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let label = |d: &jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .map(|z| dateline_core::dateline::format_date(z.timestamp(), &tz))
            .unwrap_or_else(|_| d.to_string())
    };
    Ok(Growth {
        from: dates.first().map(label).unwrap_or_default(),
        to: dates.last().map(label).unwrap_or_default(),
        first: counts.first().copied().unwrap_or(0),
        last: counts.last().copied().unwrap_or(0),
        low,
        high,
        points,
        days: dates
            .iter()
            .zip(&counts)
            .rev()
            .map(|(d, c)| DayCount {
                date: label(d),
                count: *c,
            })
            .collect(),
    })
}

#[derive(Debug, Serialize)]
struct ProgressView {
    queued: u64,
    sending: u64,
    sent: u64,
    failed: u64,
    uncertain: u64,
    bounced: u64,
    total: u64,
    percent: u64,
}

impl From<Progress> for ProgressView {
    fn from(p: Progress) -> Self {
        let total = p.total();
        Self {
            percent: (p.sent * 100).checked_div(total).unwrap_or(100),
            queued: p.queued,
            sending: p.sending,
            sent: p.sent,
            failed: p.failed,
            uncertain: p.uncertain,
            bounced: p.bounced,
            total,
        }
    }
}

#[derive(Debug, Serialize)]
struct IssuePage {
    newsletter_id: i64,
    newsletter: String,
    subject: String,
    state: String,
    progress: ProgressView,
    /// Recipients who left the newsletter after this issue (and before any later one).
    unsubscribed: u64,
    archive: String,
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn path_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn section_options(state: &AppState) -> Result<Vec<SectionOption>, AppError> {
    Ok(state
        .site()
        .await?
        .sections
        .iter()
        .map(|s| SectionOption {
            id: s.id.0,
            name: s.name.clone(),
        })
        .collect())
}

async fn counts(state: &AppState) -> Result<std::collections::HashMap<i64, u64>, AppError> {
    Ok(state.store.subscriber_counts().await?.into_iter().collect())
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: FormView,
    error: Option<String>,
) -> Result<Response, AppError> {
    let counts = counts(state).await?;
    let rows = state
        .store
        .newsletters()
        .await?
        .into_iter()
        .map(|n| RowView {
            subscribers: counts.get(&n.id).copied().unwrap_or(0),
            id: n.id,
            name: n.name,
            kind: n.kind.as_str(),
        })
        .collect();
    let page = ListPage {
        mail: state.newsletters.is_some(),
        rows,
        form,
        sections: section_options(state).await?,
        error,
    };
    render(
        state,
        status,
        "newsroom/newsletters.html",
        "Newsletters",
        "newsletters",
        Some(user),
        page,
    )
    .await
}

async fn show_list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    let form = FormView {
        kind: "letter".to_owned(),
        ..FormView::default()
    };
    list_page(&state, &user, StatusCode::OK, form, None).await
}

/// The definition from a form, checked; the error names the field.
async fn checked(state: &AppState, pairs: &[(String, String)]) -> Result<NewsletterInput, String> {
    let name = field(pairs, "name").trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(format!("Name: give a name of 1 to {MAX_NAME} characters."));
    }
    let slug_text = field(pairs, "slug").trim();
    let slug = Slug::parse(slug_text).map_err(|_| {
        format!("Address name: use lower-case letters, digits and hyphens, not {slug_text:?}.")
    })?;
    let description = field(pairs, "description").trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(format!(
            "Description: keep it under {MAX_DESCRIPTION} characters."
        ));
    }
    let kind: NewsletterKind = field(pairs, "kind")
        .parse()
        .map_err(|_| "Kind: choose digest, alerts or letter.".to_owned())?;
    let section_text = field(pairs, "section_id").trim();
    let section_id = if section_text.is_empty() {
        None
    } else {
        let id = section_text
            .parse::<i64>()
            .map(SectionId)
            .map_err(|_| "Section: choose a section from the list.".to_owned())?;
        match state.store.section(id).await {
            Ok(_) => Some(id),
            Err(_) => return Err("Section: choose a section from the list.".to_owned()),
        }
    };
    let schedule = field(pairs, "schedule").trim().to_owned();
    if kind == NewsletterKind::Digest {
        DigestSchedule::parse(&schedule).map_err(|e| format!("Schedule: {e}."))?;
    } else if !schedule.is_empty() {
        return Err("Schedule: only a digest has a schedule; leave it empty.".to_owned());
    }
    Ok(NewsletterInput {
        slug: slug.as_str().to_owned(),
        name,
        description,
        kind,
        section_id: if kind == NewsletterKind::Digest {
            section_id
        } else {
            None
        },
        schedule,
    })
}

fn form_from(pairs: &[(String, String)]) -> FormView {
    FormView {
        slug: field(pairs, "slug").to_owned(),
        name: field(pairs, "name").to_owned(),
        description: field(pairs, "description").to_owned(),
        kind: field(pairs, "kind").to_owned(),
        section_id: field(pairs, "section_id").to_owned(),
        schedule: field(pairs, "schedule").to_owned(),
    }
}

/// A digest defined or changed: its job is queued for its next slot (an earlier one already
/// queued stays, and finds the slot by the schedule it reads then).
async fn schedule(state: &AppState, n: &Newsletter) -> Result<(), AppError> {
    if let Some(service) = &state.newsletters {
        service
            .schedule_digest(n)
            .await
            .map_err(AppError::Internal)?;
    }
    Ok(())
}

async fn create_newsletter(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    user.check_form(field(&pairs, "csrf"))?;
    let input = match checked(&state, &pairs).await {
        Ok(i) => i,
        Err(e) => {
            return list_page(
                &state,
                &user,
                StatusCode::BAD_REQUEST,
                form_from(&pairs),
                Some(e),
            )
            .await;
        }
    };
    match state
        .store
        .create_newsletter(&input, state.clock.now())
        .await
    {
        Ok(n) => {
            schedule(&state, &n).await?;
            Ok(see_other(&format!("/newsroom/newsletters/{}", n.id)))
        }
        Err(StoreError::Taken(_)) => {
            list_page(
                &state,
                &user,
                StatusCode::CONFLICT,
                form_from(&pairs),
                Some("Address name: another newsletter uses it; choose another.".to_owned()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page is drawn again with whatever the form left: each part is its own field"
)]
async fn newsletter_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    n: &Newsletter,
    form: FormView,
    draft: Draft,
    preview: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let counts = counts(state).await?;
    let mut issues = Vec::new();
    for i in state.store.issues_of(n.id, 20).await? {
        let p = state.store.issue_progress(i.id).await?;
        issues.push(IssueRow {
            id: i.id,
            subject: i.subject,
            state: i.state,
            sent: p.sent,
            total: p.total(),
        });
    }
    let page = NewsletterPage {
        id: n.id,
        name: n.name.clone(),
        kind: n.kind.as_str(),
        subscribers: counts.get(&n.id).copied().unwrap_or(0),
        form,
        sections: section_options(state).await?,
        issues,
        draft,
        preview,
        notice,
        error,
        growth: growth(state, n).await?,
    };
    render(
        state,
        status,
        "newsroom/newsletter.html",
        &n.name,
        "newsletters",
        Some(user),
        page,
    )
    .await
}

async fn show_newsletter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    let n = state.store.newsletter(path_id(&id)?).await?;
    newsletter_page(
        &state,
        &user,
        StatusCode::OK,
        &n,
        FormView::from(&n),
        Draft::default(),
        None,
        None,
        None,
    )
    .await
}

async fn update_newsletter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    user.check_form(field(&pairs, "csrf"))?;
    let n = state.store.newsletter(path_id(&id)?).await?;
    let error = match checked(&state, &pairs).await {
        Ok(input) => match state.store.update_newsletter(n.id, &input).await {
            Ok(saved) => {
                schedule(&state, &saved).await?;
                return Ok(see_other(&format!("/newsroom/newsletters/{}", n.id)));
            }
            Err(StoreError::Taken(_)) => {
                "Address name: another newsletter uses it; choose another.".to_owned()
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    newsletter_page(
        &state,
        &user,
        StatusCode::BAD_REQUEST,
        &n,
        form_from(&pairs),
        Draft::default(),
        None,
        None,
        Some(error),
    )
    .await
}

/// The issue an editor's form describes: a letter from Markdown, or an alert for a published
/// story. The error names the field.
async fn compose(
    state: &AppState,
    n: &Newsletter,
    draft: &Draft,
) -> Result<Result<IssueInput, String>, AppError> {
    let site = state.site().await?;
    let origin = site.settings.base_url.trim_end_matches('/').to_owned();
    if n.kind == NewsletterKind::Alerts {
        let Ok(id) = draft.article.trim().parse::<i64>() else {
            return Ok(Err(
                "Story: give the number of a published story.".to_owned()
            ));
        };
        let a = match state.store.article(ArticleId(id)).await {
            Ok(a) => a,
            Err(StoreError::NotFound) => {
                return Ok(Err(format!("Story: there is no story {id}.")));
            }
            Err(e) => return Err(e.into()),
        };
        let path = site
            .sections
            .iter()
            .find(|s| s.id == a.section_id)
            .filter(|_| a.is_public())
            .and_then(|s| a.canonical_path(s.slug.as_str()));
        let Some(path) = path else {
            return Ok(Err(format!(
                "Story: story {id} is not published, so it cannot be sent."
            )));
        };
        let url = format!("{origin}{path}");
        let subject = if draft.subject.trim().is_empty() {
            a.headline.clone()
        } else {
            draft.subject.trim().to_owned()
        };
        return Ok(Ok(IssueInput {
            body_html: format!(
                "<h2 style=\"font-size:24px;margin:0 0 8px;\"><a href=\"{u}\" style=\"color:#052962;\">{h}</a></h2>\
                 <p>{s}</p><p><a href=\"{u}\" style=\"color:#052962;font-weight:bold;\">Read the story</a></p>",
                u = escape(&url),
                h = escape(&a.headline),
                s = escape(&a.standfirst),
            ),
            body_text: format!(
                "{}\n\n{}\n\nRead the story:\n{url}\n",
                a.headline, a.standfirst
            ),
            subject,
            markdown: String::new(),
            article_id: Some(a.id),
        }));
    }
    let subject = draft.subject.trim().to_owned();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Ok(Err(format!(
            "Subject: give a subject of 1 to {MAX_SUBJECT} characters."
        )));
    }
    if draft.markdown.trim().is_empty() {
        return Ok(Err("Letter: write something to send.".to_owned()));
    }
    let prepared = match crate::body::prepare(&draft.markdown) {
        Ok(p) => p,
        Err(e) => return Ok(Err(format!("Letter: {e}"))),
    };
    let bodies = crate::body::Bodies::for_preview(&state.store, &prepared, &site.sections).await?;
    Ok(Ok(IssueInput {
        subject,
        body_html: bodies.fill_preview_from(&prepared, &origin),
        body_text: prepared.text.clone(),
        markdown: draft.markdown.clone(),
        article_id: None,
    }))
}

async fn write_issue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    user.check_form(field(&pairs, "csrf"))?;
    let n = state.store.newsletter(path_id(&id)?).await?;
    let draft = Draft {
        subject: field(&pairs, "subject").to_owned(),
        markdown: field(&pairs, "markdown").to_owned(),
        article: field(&pairs, "article").to_owned(),
    };
    let action = field(&pairs, "action");
    let again = |status, draft, preview, notice, error| {
        let form = FormView::from(&n);
        let state = state.clone();
        let user = &user;
        let n = &n;
        async move {
            newsletter_page(&state, user, status, n, form, draft, preview, notice, error).await
        }
    };
    let Some(service) = state.newsletters.clone() else {
        return again(
            StatusCode::SERVICE_UNAVAILABLE,
            draft,
            None,
            None,
            Some("This site has no SMTP settings, so it cannot send newsletters.".to_owned()),
        )
        .await;
    };
    let input = match compose(&state, &n, &draft).await? {
        Ok(i) => i,
        Err(e) => return again(StatusCode::BAD_REQUEST, draft, None, None, Some(e)).await,
    };
    match action {
        "preview" => {
            let html = input.body_html.clone();
            again(StatusCode::OK, draft, Some(html), None, None).await
        }
        "test" => {
            let issue = Issue {
                id: 0,
                newsletter_id: n.id,
                subject: input.subject.clone(),
                markdown: input.markdown.clone(),
                body_html: input.body_html.clone(),
                body_text: input.body_text.clone(),
                article_id: input.article_id,
                state: "draft".to_owned(),
                created_at: state.clock.now(),
                queued_at: None,
                finished_at: None,
                slot: None,
            };
            let to = user.account.email.to_string();
            match service.test_send(&issue, &n, &to).await {
                Ok(()) => {
                    let notice = format!("A test was sent to {to}.");
                    again(StatusCode::OK, draft, None, Some(notice), None).await
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "a newsletter test send failed");
                    again(
                        StatusCode::BAD_GATEWAY,
                        draft,
                        None,
                        None,
                        Some("The mail server did not take the test message; try again.".into()),
                    )
                    .await
                }
            }
        }
        "send" => {
            let issue = state
                .store
                .create_issue(n.id, &input, state.clock.now())
                .await?;
            let queued = service.send_issue(issue.id).await?;
            tracing::info!(
                issue_id = issue.id,
                messages = queued,
                "newsletter issue queued"
            );
            Ok(see_other(&format!(
                "/newsroom/newsletters/issues/{}",
                issue.id
            )))
        }
        _ => Err(AppError::BadRequest(
            "action: choose preview, test or send.".to_owned(),
        )),
    }
}

async fn show_issue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    user.require(Action::ManageNewsletters)?;
    let issue = state.store.issue(path_id(&id)?).await?;
    let n = state.store.newsletter(issue.newsletter_id).await?;
    let progress = state.store.issue_progress(issue.id).await?;
    let page = IssuePage {
        newsletter_id: n.id,
        newsletter: n.name,
        archive: format!("/newsletters/issues/{}/", issue.id),
        subject: issue.subject.clone(),
        state: issue.state,
        progress: progress.into(),
        unsubscribed: state.store.issue_unsubscribes(issue.id).await?,
    };
    render(
        &state,
        StatusCode::OK,
        "newsroom/newsletter_issue.html",
        &issue.subject,
        "newsletters",
        Some(&user),
        page,
    )
    .await
}
