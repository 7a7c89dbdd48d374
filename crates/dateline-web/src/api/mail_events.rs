//! `POST /api/v1/mail/events`: bounces, complaints and returned mail, from a mail provider or
//! the operator's own scripts (docs/newsletters.md, "Bounces and complaints"). Three bodies:
//!
//! - `application/json`, the generic shape: `{"events": [{"type": "hard_bounce" |
//!   "soft_bounce" | "complaint", "email": …, "message_id": …, "detail": …}]}`;
//! - Amazon SES notifications delivered by SNS over HTTPS (`x-amz-sns-message-type`, a
//!   `text/plain` body holding the SNS envelope whose `Message` is SES's JSON);
//! - `message/rfc822`: a raw returned message (a delivery report, a complaint report, a
//!   mailto unsubscribe), read as `dateline mail inbound` reads it.
//!
//! Authenticated by an API token: one scoped to mail events (`dateline token create --scope
//! mail-events`), which can do nothing else, or an editor's or admin's full token. SNS cannot
//! send a Bearer header, so the token is also taken as the password of HTTP Basic
//! authentication (`https://mail-events:TOKEN@SITE/api/v1/mail/events`). SNS's own
//! signature is not checked: the token is the authority, as for every other client. Outside
//! the page cache and the same-origin guard (providers post from their own servers). Never
//! logs an address or a token.

use crate::AppError;
use crate::input::JsonBody;
use crate::newsletters::events::{self, Recorded};
use crate::newsletters::inbound::MailEvent;
use crate::newsroom::credentials::token_hash;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use dateline_core::newsletter::BounceKind;
use dateline_core::permissions::{Action, Ownership, allows};
use dateline_store::StoreError;
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/mail/events", post(receive_mail_events))
}

/// Most events one request may carry.
pub const MAX_EVENTS: usize = 1000;
/// The longest detail kept.
const MAX_DETAIL: usize = 500;

/// The token of `Authorization: Bearer TOKEN` or `Authorization: Basic` (the password).
fn token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return (!rest.is_empty()).then(|| rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (_, password) = pair.split_once(':')?;
        return (!password.is_empty()).then(|| password.to_owned());
    }
    None
}

async fn authorise(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(token) = token(headers) else {
        return Err(AppError::Unauthorized);
    };
    let hash = token_hash(&token);
    match state.store.mail_events_token(&hash).await {
        Ok(()) => return Ok(()),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    match state
        .store
        .account_for_api_token(&hash, state.clock.now())
        .await
    {
        Ok(a) if allows(a.role, Action::ManageNewsletters, Ownership::NotApplicable) => Ok(()),
        Ok(a) => Err(AppError::Forbidden(format!(
            "Your role ({}) may not post mail events; use a token made with `dateline token \
             create --scope mail-events`.",
            a.role
        ))),
        Err(StoreError::NotFound) => Err(AppError::Unauthorized),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsBody {
    events: Vec<EventBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    #[serde(rename = "type")]
    kind: EventType,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventType {
    HardBounce,
    SoftBounce,
    Complaint,
}

/// A lower-cased address, or a sentence naming the field.
fn checked_email(field: &str, email: &str) -> Result<String, AppError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && !d.is_empty() && !d.contains('@') && !e.contains(char::is_whitespace)
        });
    if ok {
        Ok(e)
    } else {
        Err(AppError::BadRequest(format!(
            "{field}: give an email address (name@domain), at most 254 characters."
        )))
    }
}

fn generic(body: EventsBody) -> Result<Vec<MailEvent>, AppError> {
    if body.events.is_empty() || body.events.len() > MAX_EVENTS {
        return Err(AppError::BadRequest(format!(
            "events: send between 1 and {MAX_EVENTS} events."
        )));
    }
    body.events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let email = match e.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(a) => checked_email(&format!("events[{i}].email"), a)?,
                None => String::new(),
            };
            let message_id = e
                .message_id
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty());
            if let Some(m) = &message_id
                && m.len() > 998
            {
                return Err(AppError::BadRequest(format!(
                    "events[{i}].message_id: at most 998 characters."
                )));
            }
            if email.is_empty() && message_id.is_none() {
                return Err(AppError::BadRequest(format!(
                    "events[{i}]: give the email address, the message_id, or both."
                )));
            }
            let detail = e.detail.unwrap_or_default();
            if detail.chars().count() > MAX_DETAIL {
                return Err(AppError::BadRequest(format!(
                    "events[{i}].detail: at most {MAX_DETAIL} characters."
                )));
            }
            Ok(MailEvent {
                kind: match e.kind {
                    EventType::HardBounce => BounceKind::Hard,
                    EventType::SoftBounce => BounceKind::Soft,
                    EventType::Complaint => BounceKind::Complaint,
                },
                email,
                message_id,
                detail,
                source: "webhook",
            })
        })
        .collect()
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

/// An SES notification (the SNS envelope's `Message`): its bounces or complaints. Delivery
/// and other notifications carry nothing to record.
fn ses(message: &Value) -> Vec<MailEvent> {
    let kind = text(message, &["notificationType"])
        .or_else(|| text(message, &["eventType"]))
        .unwrap_or("");
    // The Message-ID header the site set: SES keeps it among the original headers.
    let message_id = text(message, &["mail", "commonHeaders", "messageId"])
        .map(str::to_owned)
        .or_else(|| {
            message["mail"]["headers"].as_array().and_then(|hs| {
                hs.iter()
                    .find(|h| {
                        h["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("message-id"))
                    })
                    .and_then(|h| h["value"].as_str().map(str::to_owned))
            })
        });
    let mut events = Vec::new();
    match kind {
        "Bounce" => {
            let b = &message["bounce"];
            let bounce_type = text(b, &["bounceType"]).unwrap_or("");
            let sub_type = text(b, &["bounceSubType"]).unwrap_or("");
            // SES: Permanent is hard; Transient and Undetermined may come right next time.
            let kind = if bounce_type == "Permanent" {
                BounceKind::Hard
            } else {
                BounceKind::Soft
            };
            for r in b["bouncedRecipients"].as_array().into_iter().flatten() {
                let Some(email) = r["emailAddress"].as_str() else {
                    continue;
                };
                let detail = [
                    Some(bounce_type),
                    Some(sub_type),
                    r["status"].as_str(),
                    r["diagnosticCode"].as_str(),
                ]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
                events.push(MailEvent {
                    kind,
                    email: email.trim().to_lowercase(),
                    message_id: message_id.clone(),
                    detail: detail.chars().take(MAX_DETAIL).collect(),
                    source: "ses",
                });
            }
        }
        "Complaint" => {
            let c = &message["complaint"];
            let feedback = text(c, &["complaintFeedbackType"]).unwrap_or("abuse");
            if feedback == "not-spam" {
                return events;
            }
            for r in c["complainedRecipients"].as_array().into_iter().flatten() {
                let Some(email) = r["emailAddress"].as_str() else {
                    continue;
                };
                events.push(MailEvent {
                    kind: BounceKind::Complaint,
                    email: email.trim().to_lowercase(),
                    message_id: message_id.clone(),
                    detail: format!("complaint: {feedback}"),
                    source: "ses",
                });
            }
        }
        _ => {}
    }
    events
}

/// An SNS delivery: a notification's events; a subscription confirmation is logged for the
/// operator (Dateline makes no request outside the site to confirm it).
fn sns(envelope: &Value) -> Result<Vec<MailEvent>, AppError> {
    match text(envelope, &["Type"]).unwrap_or("") {
        "Notification" => {
            let message = text(envelope, &["Message"]).ok_or_else(|| {
                AppError::BadRequest("Message: an SNS notification carries its message.".into())
            })?;
            let message: Value = serde_json::from_str(message).map_err(|_| {
                AppError::BadRequest("Message: not an SES notification (JSON).".to_owned())
            })?;
            Ok(ses(&message))
        }
        "SubscriptionConfirmation" => {
            tracing::warn!(
                topic = text(envelope, &["TopicArn"]).unwrap_or(""),
                subscribe_url = text(envelope, &["SubscribeURL"]).unwrap_or(""),
                "an SNS topic asks to deliver mail events here: open its SubscribeURL to confirm"
            );
            Ok(Vec::new())
        }
        "UnsubscribeConfirmation" => Ok(Vec::new()),
        other => Err(AppError::BadRequest(format!(
            "Type: an SNS message is a Notification or a SubscriptionConfirmation, not {other:?}."
        ))),
    }
}

fn essence(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

async fn receive_mail_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: JsonBody,
) -> Result<Response, AppError> {
    authorise(&state, &headers).await?;
    let now = state.clock.now();
    let limit = state.soft_bounce_limit;
    let recorded = if essence(&headers) == "message/rfc822" {
        let signer = match &state.newsletters {
            Some(n) => n.signer().clone(),
            None => events::link_signer(&state.store)
                .await
                .map_err(AppError::Internal)?,
        };
        match events::take_inbound(&state.store, &signer, &body.bytes, limit, now).await {
            Ok(r) => r,
            Err(events::InboundFailure::Message(e)) => {
                return Err(AppError::BadRequest(format!("The message: {e}.")));
            }
            Err(events::InboundFailure::Store(e)) => return Err(e.into()),
        }
    } else {
        let json = HeaderValue::from_static("application/json");
        let is_sns = headers.contains_key("x-amz-sns-message-type");
        let events = if is_sns {
            // SNS posts JSON as text/plain.
            let envelope: Value = crate::input::json(Some(&json), &body.bytes)?;
            sns(&envelope)?
        } else {
            let parsed: EventsBody = body.parse()?;
            generic(parsed)?
        };
        events::record(&state.store, &events, limit, now).await?
    };
    Ok(answer(&recorded))
}

fn answer(r: &Recorded) -> Response {
    let mut res = (StatusCode::OK, axum::Json(r)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    res
}
