//! The readers' newsletter pages: `/newsletters/` (the list and a subscribe form, which the
//! article page and section fronts repeat), subscribing with double opt-in, the confirmation
//! link, the preference page a signed link in every mail opens (no password), the one-click
//! unsubscribe (RFC 8058), a signed-in reader's own list at `/readers/me/newsletters`, and the
//! public archive of each sent issue.
//!
//! Subscribing answers the same page whatever the address's standing (new, pending, already
//! subscribed, suppressed), so the form tells nobody who reads what. Forms are refused from
//! other sites by the newsroom's `guard` (the subscribe form sits on cached pages, which can
//! carry no per-visitor token; double opt-in makes a forged one send only a question to the
//! address's owner); the preference and unsubscribe forms are authorised by their signed
//! token, and the one-click POST by its token alone, with no cookie, as RFC 8058 requires.
//! Routes live outside the page cache. Never logs an address or a token.

use super::Newsletters;
use super::links::Signed;
use crate::AppError;
use crate::discussion::readers::signed_reader;
use crate::input::Form;
use crate::newsroom::ClientIp;
use crate::newsroom::auth::see_other;
use crate::state::AppState;
use crate::views::{Meta, SiteView};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use dateline_core::account::Email;
use dateline_store::{Consent, StoreError, SubscriptionView};
use serde::{Deserialize, Serialize};

/// Routes behind the same-origin guard.
pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/newsletters/", get(show_list))
        .route("/newsletters/subscribe", post(subscribe))
        .route("/newsletters/confirm", get(confirm))
        .route(
            "/newsletters/preferences",
            get(show_preferences).post(save_preferences),
        )
        .route("/newsletters/issues/{id}/", get(show_issue))
        .route("/readers/me/newsletters", get(show_mine).post(save_mine))
}

/// The one-click unsubscribe: outside the guard, since a mail provider's POST comes from its
/// own servers, authorised by the token alone.
pub fn one_click_routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new().route(
        "/newsletters/unsubscribe",
        get(show_unsubscribe).post(unsubscribe),
    )
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: i64,
    name: String,
    description: String,
    kind: &'static str,
    checked: bool,
    pending: bool,
}

#[derive(Debug, Serialize, Default)]
struct PageView {
    /// `list`, `sent`, `confirmed`, `preferences`, `saved`, `unsubscribe`, `unsubscribed`,
    /// `bad-link`, `issue`, `mine`, `no-mail`.
    kind: &'static str,
    items: Vec<ItemView>,
    error: Option<String>,
    email: String,
    token: String,
    csrf: String,
    /// The newsletter an unsubscribe link is for.
    newsletter: String,
    /// A sent issue's subject, date and body.
    subject: String,
    date: String,
    body: String,
}

#[derive(Debug, Serialize)]
struct Frame {
    site: SiteView,
    meta: Meta,
    #[serde(flatten)]
    page: PageView,
}

async fn render(
    state: &AppState,
    status: StatusCode,
    title: &str,
    page: PageView,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let frame = Frame {
        site: SiteView::new(&site, None, state.clock.now()),
        meta: Meta {
            title: format!("{title} | {}", site.settings.name),
            description: format!("Newsletters from {}", site.settings.name),
            noindex: page.kind != "list" && page.kind != "issue",
            ..Meta::default()
        },
        page,
    };
    let body = state.theme.render("newsletters.html", frame)?;
    Ok((status, Html(body)).into_response())
}

fn service(state: &AppState) -> Option<&Newsletters> {
    state.newsletters.as_ref()
}

async fn no_mail(state: &AppState) -> Result<Response, AppError> {
    render(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "Newsletters",
        PageView {
            kind: "no-mail",
            ..PageView::default()
        },
    )
    .await
}

async fn bad_link(state: &AppState) -> Result<Response, AppError> {
    render(
        state,
        StatusCode::BAD_REQUEST,
        "This link does not work",
        PageView {
            kind: "bad-link",
            ..PageView::default()
        },
    )
    .await
}

fn items(views: Vec<SubscriptionView>) -> Vec<ItemView> {
    views
        .into_iter()
        .map(|v| ItemView {
            id: v.newsletter.id,
            name: v.newsletter.name,
            description: v.newsletter.description,
            kind: v.newsletter.kind.as_str(),
            checked: v.active,
            pending: v.pending,
        })
        .collect()
}

async fn all_items(state: &AppState) -> Result<Vec<ItemView>, AppError> {
    Ok(state
        .store
        .newsletters()
        .await?
        .into_iter()
        .map(|n| ItemView {
            id: n.id,
            kind: n.kind.as_str(),
            name: n.name,
            description: n.description,
            checked: false,
            pending: false,
        })
        .collect())
}

async fn show_list(State(state): State<AppState>) -> Result<Response, AppError> {
    if service(&state).is_none() {
        return no_mail(&state).await;
    }
    let items = all_items(&state).await?;
    render(
        &state,
        StatusCode::OK,
        "Newsletters",
        PageView {
            kind: "list",
            items,
            ..PageView::default()
        },
    )
    .await
}

/// Ids from repeated `newsletter` fields; a value that is not a number is refused.
fn chosen(pairs: &[(String, String)], field: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == field) {
        let id = v
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::BadRequest(format!("newsletter: {v:?} is not a newsletter.")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Where a form was, as the consent proof names it: `newsletters`, `article:ID`,
/// `section:SLUG`; anything else is kept out.
fn form_name(given: &str) -> String {
    let ok = given.len() <= 80
        && given
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'));
    if ok && !given.is_empty() {
        given.to_owned()
    } else {
        "newsletters".to_owned()
    }
}

async fn subscribe(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    let typed = field(&pairs, "email").trim().to_owned();
    let mut ids = chosen(&pairs, "newsletter")?;
    let known: Vec<i64> = state
        .store
        .newsletters()
        .await?
        .iter()
        .map(|n| n.id)
        .collect();
    ids.retain(|id| known.contains(id));
    let again = |error: String, items: Vec<ItemView>| PageView {
        kind: "list",
        items,
        error: Some(error),
        email: typed.clone(),
        ..PageView::default()
    };
    let email = match Email::parse(&typed) {
        Ok(e) => e,
        Err(_) => {
            let items = all_items(&state).await?;
            let msg = if typed.is_empty() {
                "Email address: enter the address to send the newsletters to.".to_owned()
            } else {
                "Email address: enter an address like name@example.com.".to_owned()
            };
            return render(
                &state,
                StatusCode::BAD_REQUEST,
                "Newsletters",
                again(msg, items),
            )
            .await;
        }
    };
    if ids.is_empty() {
        let items = all_items(&state).await?;
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            "Newsletters",
            again("Newsletters: choose at least one.".to_owned(), items),
        )
        .await;
    }
    let reader = signed_reader(&state, &headers)
        .await?
        .filter(|r| r.reader.email.as_deref() == Some(email.as_str()))
        .map(|r| r.reader.id);
    let consent = Consent {
        at: state.clock.now(),
        address: typed.clone(),
        form: form_name(field(&pairs, "form")),
        ip: ip.map(|i| i.to_string()).unwrap_or_default(),
    };
    let done = state
        .store
        .subscribe(email.as_str(), &ids, &consent, reader)
        .await?;
    if !done.pending.is_empty() {
        service
            .queue_confirmation(done.subscriber.id, done.pending)
            .await?;
        tracing::info!("newsletter confirmation queued");
    }
    // The same answer whatever the address's standing.
    render(
        &state,
        StatusCode::OK,
        "Check your email",
        PageView {
            kind: "sent",
            ..PageView::default()
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    let Some(Signed::Confirm {
        subscriber,
        newsletters,
    }) = service.verify(&q.token)
    else {
        return bad_link(&state).await;
    };
    match state
        .store
        .confirm_subscriptions(subscriber, &newsletters, state.clock.now())
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return bad_link(&state).await,
        Err(e) => return Err(e.into()),
    }
    let token = service.signer().preferences(subscriber);
    let items = items(state.store.subscriptions_of(subscriber).await?);
    render(
        &state,
        StatusCode::OK,
        "You are subscribed",
        PageView {
            kind: "confirmed",
            items,
            token,
            ..PageView::default()
        },
    )
    .await
}

async fn preferences_page(
    state: &AppState,
    subscriber: i64,
    token: String,
    kind: &'static str,
) -> Result<Response, AppError> {
    let sub = match state.store.subscriber(subscriber).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return bad_link(state).await,
        Err(e) => return Err(e.into()),
    };
    let items = items(state.store.subscriptions_of(subscriber).await?);
    render(
        state,
        StatusCode::OK,
        "Your newsletters",
        PageView {
            kind,
            items,
            token,
            email: sub.email,
            ..PageView::default()
        },
    )
    .await
}

async fn show_preferences(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    match service.verify(&q.token) {
        Some(Signed::Preferences { subscriber }) if subscriber > 0 => {
            preferences_page(&state, subscriber, q.token, "preferences").await
        }
        _ => bad_link(&state).await,
    }
}

/// Make the subscriber's active newsletters exactly `wanted`: the link proves the mailbox, so
/// a newsletter chosen here is confirmed at once.
async fn apply_choice(
    state: &AppState,
    subscriber: i64,
    wanted: &[i64],
    form: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let sub = state.store.subscriber(subscriber).await?;
    let current = state.store.subscriptions_of(subscriber).await?;
    let mut add = Vec::new();
    for v in &current {
        let want = wanted.contains(&v.newsletter.id);
        if v.active && !want {
            state
                .store
                .unsubscribe(subscriber, v.newsletter.id, now)
                .await?;
        } else if !v.active && want {
            add.push(v.newsletter.id);
        }
    }
    if !add.is_empty() {
        let consent = Consent {
            at: now,
            address: sub.email.clone(),
            form: form.to_owned(),
            ip: ip.map(|i| i.to_string()).unwrap_or_default(),
        };
        state
            .store
            .subscribe(&sub.email, &add, &consent, sub.reader_id)
            .await?;
        state
            .store
            .confirm_subscriptions(subscriber, &add, now)
            .await?;
    }
    Ok(())
}

async fn save_preferences(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    let token = field(&pairs, "token").to_owned();
    let Some(Signed::Preferences { subscriber }) = service.verify(&token) else {
        return bad_link(&state).await;
    };
    if subscriber <= 0 {
        return bad_link(&state).await;
    }
    let wanted = chosen(&pairs, "newsletter")?;
    match apply_choice(&state, subscriber, &wanted, "preferences", ip).await {
        Ok(()) => {}
        Err(AppError::NotFound) => return bad_link(&state).await,
        Err(e) => return Err(e),
    }
    preferences_page(&state, subscriber, token, "saved").await
}

async fn show_unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    let Some(Signed::Unsubscribe { newsletter, .. }) = service.verify(&q.token) else {
        return bad_link(&state).await;
    };
    let name = match state.store.newsletter(newsletter).await {
        Ok(n) => n.name,
        Err(StoreError::NotFound) => return bad_link(&state).await,
        Err(e) => return Err(e.into()),
    };
    render(
        &state,
        StatusCode::OK,
        "Unsubscribe",
        PageView {
            kind: "unsubscribe",
            token: q.token,
            newsletter: name,
            ..PageView::default()
        },
    )
    .await
}

/// RFC 8058's POST (body `List-Unsubscribe=One-Click`) and the page's button alike: the token
/// in the query is the whole authority.
async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    let Some(Signed::Unsubscribe {
        subscriber,
        newsletter,
    }) = service.verify(&q.token)
    else {
        return bad_link(&state).await;
    };
    if subscriber > 0 {
        state
            .store
            .unsubscribe(subscriber, newsletter, state.clock.now())
            .await?;
        tracing::info!(newsletter, "unsubscribed by link");
    }
    let name = state
        .store
        .newsletter(newsletter)
        .await
        .map(|n| n.name)
        .unwrap_or_default();
    render(
        &state,
        StatusCode::OK,
        "Unsubscribed",
        PageView {
            kind: "unsubscribed",
            newsletter: name,
            token: if subscriber > 0 {
                service.signer().preferences(subscriber)
            } else {
                String::new()
            },
            ..PageView::default()
        },
    )
    .await
}

async fn show_issue(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let issue = state.store.issue(id).await?;
    if issue.state == "draft" {
        return Err(AppError::NotFound);
    }
    let newsletter = state.store.newsletter(issue.newsletter_id).await?;
    let site = state.site().await?;
    let date = issue
        .queued_at
        .map(|t| dateline_core::dateline::format_date(t, &site.tz))
        .unwrap_or_default();
    let title = issue.subject.clone();
    render(
        &state,
        StatusCode::OK,
        &title,
        PageView {
            kind: "issue",
            newsletter: newsletter.name,
            subject: issue.subject,
            date,
            body: issue.body_html,
            ..PageView::default()
        },
    )
    .await
}

async fn show_mine(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if service(&state).is_none() {
        return no_mail(&state).await;
    }
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other("/readers/sign-in?next=/readers/me/newsletters"));
    };
    let Some(email) = reader.reader.email.clone() else {
        return render(
            &state,
            StatusCode::OK,
            "Your newsletters",
            PageView {
                kind: "mine",
                error: Some("Your account has no email address to send newsletters to.".into()),
                csrf: reader.csrf,
                ..PageView::default()
            },
        )
        .await;
    };
    let items = match state.store.subscriber_by_email(&email).await {
        Ok(s) => items(state.store.subscriptions_of(s.id).await?),
        Err(StoreError::NotFound) => all_items(&state).await?,
        Err(e) => return Err(e.into()),
    };
    render(
        &state,
        StatusCode::OK,
        "Your newsletters",
        PageView {
            kind: "mine",
            items,
            email,
            csrf: reader.csrf,
            ..PageView::default()
        },
    )
    .await
}

/// A signed-in reader's choice. Only a verified address is confirmed at once; otherwise the
/// new choices wait for the confirmation mail like anyone's.
async fn save_mine(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Some(service) = service(&state) else {
        return no_mail(&state).await;
    };
    let Some(reader) = signed_reader(&state, &headers).await? else {
        return Ok(see_other("/readers/sign-in?next=/readers/me/newsletters"));
    };
    reader.check_form(field(&pairs, "csrf"))?;
    let Some(email) = reader.reader.email.clone() else {
        return Ok(see_other("/readers/me/newsletters"));
    };
    let wanted = chosen(&pairs, "newsletter")?;
    let consent = Consent {
        at: state.clock.now(),
        address: email.clone(),
        form: "reader-account".to_owned(),
        ip: ip.map(|i| i.to_string()).unwrap_or_default(),
    };
    // Make the row (and pending rows) first, then settle the choice.
    let done = state
        .store
        .subscribe(&email, &[], &consent, Some(reader.reader.id))
        .await?;
    if reader.reader.verified {
        apply_choice(&state, done.subscriber.id, &wanted, "reader-account", ip).await?;
    } else {
        let current = state.store.subscriptions_of(done.subscriber.id).await?;
        for v in current
            .iter()
            .filter(|v| v.active && !wanted.contains(&v.newsletter.id))
        {
            state
                .store
                .unsubscribe(done.subscriber.id, v.newsletter.id, state.clock.now())
                .await?;
        }
        let add: Vec<i64> = current
            .iter()
            .filter(|v| !v.active && wanted.contains(&v.newsletter.id))
            .map(|v| v.newsletter.id)
            .collect();
        if !add.is_empty() {
            let more = state
                .store
                .subscribe(&email, &add, &consent, Some(reader.reader.id))
                .await?;
            if !more.pending.is_empty() {
                service
                    .queue_confirmation(more.subscriber.id, more.pending)
                    .await?;
            }
        }
    }
    Ok(see_other("/readers/me/newsletters?saved=1"))
}
