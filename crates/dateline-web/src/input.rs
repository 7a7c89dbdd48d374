//! Checks on what comes in over HTTP, made once at the edge so no handler, store query or feed
//! ever sees it: the address (path and query) in the [`refuse_controls`] middleware, form bodies
//! in [`Form`] (the newsroom's and the readers' forms use it instead of axum's), JSON bodies in
//! [`json`] (the write API's), and multipart text fields through [`check_text`]. Also here:
//! [`PathId`] for a route's numeric id, and body limits whose 413 names the number
//! ([`BODY_LIMIT`], [`limit_body`]).
//!
//! What is refused: C0 control characters other than tab, newline and carriage return. NUL
//! makes PostgreSQL fail the query (a 500 where SQLite stored it), and every one of them makes
//! an RSS or Atom feed that carries the text invalid XML; no person types them. Each refusal is
//! a 400 with one sentence naming the field, identical on both backends. This module never
//! strips or rewrites text: what is accepted is stored as sent.

use crate::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode;
use serde::de::DeserializeOwned;

/// The largest request body most routes read (axum's default, stated here so the number the
/// error sentence and the OpenAPI document give is ours). Uploads and story saves set their own.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The first control character in `s` that text may not hold, if any.
pub fn control_char(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{7f}'))
}

/// `U+0000` for a character.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// A form field's name as a person reads it: `seo_title` → "SEO title".
pub fn field_label(name: &str) -> String {
    match name {
        "q" => "search".to_owned(),
        "seo_title" => "SEO title".to_owned(),
        "seo_description" => "SEO description".to_owned(),
        "csrf" | "form_token" => "form token".to_owned(),
        other => other.replace('_', " "),
    }
}

/// Refuse `value` when it holds a control character: "The headline contains a control
/// character (U+0000)." (`label` as a person reads it).
pub fn check_text(label: &str, value: &str) -> Result<(), AppError> {
    match control_char(value) {
        Some(c) => Err(AppError::BadRequest(format!(
            "The {label} contains a control character ({}).",
            code_point(c)
        ))),
        None => Ok(()),
    }
}

/// Refuse `value` when it is longer than `max` characters, naming the field and the limit.
pub fn check_length(label: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.chars().count() > max {
        Err(AppError::BadRequest(format!(
            "The {label} is too long: keep it to {} characters.",
            thousands(max as u64)
        )))
    } else {
        Ok(())
    }
}

/// `2000` → "2,000", for numbers in sentences.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The refusal of a body over `limit` bytes: 413 with the limit in words.
pub fn too_large(limit: usize) -> AppError {
    let limit = limit as u64;
    let words = if limit >= 1024 * 1024 && limit.is_multiple_of(1024 * 1024) {
        format!("{} MB", limit / (1024 * 1024))
    } else {
        format!("{} bytes", thousands(limit))
    };
    AppError::TooLarge(format!(
        "The request is too large: send at most {words} ({} bytes).",
        thousands(limit)
    ))
}

/// Middleware: refuse an address whose path or query, once percent-decoded, holds a control
/// character. It sits inside `render_errors` (so the refusal gets the usual page or JSON) and
/// around every route. The page cache's hit path runs before it, but a hit needs a page that
/// was rendered and kept, which such an address never is.
pub async fn refuse_controls(req: Request, next: Next) -> Response {
    let uri = req.uri();
    // The raw address cannot hold one (the HTTP parser refuses it); its escapes can.
    let bad = |raw: &str| {
        percent_decode(raw.as_bytes())
            .any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r' | 0x7f))
    };
    if bad(uri.path()) || uri.query().is_some_and(bad) {
        return AppError::BadRequest("The address contains a control character.".to_owned())
            .into_response();
    }
    next.run(req).await
}

/// A URL-encoded form, checked before it is deserialised: no field may hold a control
/// character, and a body over the route's limit is a 413 naming the limit. Otherwise axum's
/// `Form`, whose rejections `render_errors` turns into a sentence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(Request::from_parts(parts.clone(), body)).await?;
        for (name, value) in form_urlencoded::parse(&bytes) {
            check_text(&field_label(&name), &value).map_err(IntoResponse::into_response)?;
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(AppError::BadRequest(form_rejection(&e.body_text())).into_response()),
        }
    }
}

/// A form rejection's text as a sentence: serde_urlencoded's words name the field at best.
fn form_rejection(text: &str) -> String {
    if let Some(field) = text
        .split("missing field `")
        .nth(1)
        .and_then(|r| r.split('`').next())
    {
        return format!("The form is missing its {} field.", field_label(field));
    }
    if text.contains("Content-Type") {
        return "Send the form as application/x-www-form-urlencoded.".to_owned();
    }
    "The form could not be read: send it again from the page.".to_owned()
}

/// The whole body, or the 413 (naming the limit the route set with [`limit_body`], or
/// [`BODY_LIMIT`]) or 400 that reading it ended in. A body over the limit is read on (up to
/// [`DRAIN_LIMIT`]) and dropped, so the client, still sending, gets the answer rather than a
/// reset connection.
async fn body_bytes(req: Request) -> Result<Bytes, Response> {
    use futures::StreamExt;
    let limit = req
        .extensions()
        .get::<BodyLimit>()
        .map_or(BODY_LIMIT, |l| l.0);
    let mut stream = req.into_body().into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::BadRequest("The request body could not be read.".to_owned()).into_response()
        })?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            buf = Vec::new();
            if seen > limit.saturating_add(DRAIN_LIMIT) {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if seen > limit {
        return Err(too_large(limit).into_response());
    }
    Ok(Bytes::from(buf))
}

/// How much of a body over its limit is read and dropped before the connection is given up.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// The body limit a route set with [`limit_body`], for the 413 sentence (axum keeps its own
/// limit private).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A route's body limit: axum's `DefaultBodyLimit` and the number the refusal names.
pub fn limit_body<S: Clone + Send + Sync + 'static>(
    router: axum::routing::MethodRouter<S>,
    limit: usize,
) -> axum::routing::MethodRouter<S> {
    router
        .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(limit))
        .layer::<_, std::convert::Infallible>(axum::Extension(BodyLimit(limit)))
}

/// A JSON request's body as bytes with its declared type, for [`json`]: a body over the
/// route's limit is a 413 naming the limit rather than axum's bare rejection.
pub struct JsonBody {
    pub bytes: Bytes,
    pub content_type: Option<header::HeaderValue>,
}

impl JsonBody {
    /// Whether nothing (or only white space) was sent.
    pub fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    /// The body as `T`; see [`json`].
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        json(self.content_type.as_ref(), &self.bytes)
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = body_bytes(req).await?;
        Ok(JsonBody {
            bytes,
            content_type,
        })
    }
}

/// A numeric id from a route's one path parameter, refused with a sentence naming what it is
/// the id of ("The article id must be a whole number between 1 and …") rather than axum's
/// words; a well-formed id that does not exist is the handler's 404.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathId {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let raw = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| p.0)
            .unwrap_or_default();
        match raw.parse::<i64>() {
            Ok(id) if id >= 1 => Ok(PathId(id)),
            _ => {
                let noun = id_noun(parts.uri.path());
                Err(AppError::BadRequest(format!(
                    "The {noun} id must be a whole number between 1 and {}.",
                    thousands(i64::MAX as u64)
                ))
                .into_response())
            }
        }
    }
}

/// What the id in `path` numbers: the first segment that names a kind of thing.
fn id_noun(path: &str) -> &'static str {
    path.split('/')
        .find_map(|s| match s {
            "articles" => Some("article"),
            "stories" => Some("story"),
            "media" => Some("photo"),
            "users" => Some("account"),
            "tokens" => Some("token"),
            "sections" => Some("section"),
            "tags" => Some("tag"),
            "revisions" => Some("revision"),
            "comments" | "discussion" => Some("comment"),
            _ => None,
        })
        .unwrap_or("page")
}

/// Read a JSON request body into `T` (the write API's extractor, on the bytes a handler took
/// so it can answer an empty body itself). Every refusal is a sentence naming the field:
/// the wrong content type, a body that is not JSON, a control character in any string, a
/// missing, unknown or mistyped field.
pub fn json<T: DeserializeOwned>(
    content_type: Option<&header::HeaderValue>,
    body: &Bytes,
) -> Result<T, AppError> {
    if let Some(ct) = content_type {
        let ct = ct.to_str().unwrap_or("");
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(AppError::UnsupportedMediaType(
                "Send the body as JSON, with Content-Type: application/json.".to_owned(),
            ));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "The request body is empty: send a JSON object.".to_owned(),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!(
            "The request body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    if !value.is_object() {
        return Err(AppError::BadRequest(
            "The request body must be a JSON object.".to_owned(),
        ));
    }
    if let Some((path, c)) = control_in(&value, String::new()) {
        return Err(AppError::BadRequest(format!(
            "The field `{path}` contains a control character ({}).",
            code_point(c)
        )));
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| AppError::BadRequest(json_sentence(&e.path().to_string(), e.inner())))
}

/// A JSON value already checked (an object, no control characters) as `T`, refused with the
/// same sentences as a body: for handlers that merge a body into a stored value first (PATCH).
pub(crate) fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| AppError::BadRequest(json_sentence(&e.path().to_string(), e.inner())))
}

/// The first string in `v` (key or value) with a control character, and where it is.
fn control_in(v: &serde_json::Value, at: String) -> Option<(String, char)> {
    match v {
        serde_json::Value::String(s) => control_char(s).map(|c| (at, c)),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| control_in(x, format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match control_char(k) {
                Some(c) => Some((here, c)),
                None => control_in(x, here),
            }
        }),
        _ => None,
    }
}

/// serde's message for a JSON value at `path` as a sentence a person can act on.
fn json_sentence(path: &str, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let within = |field: &str| {
        if path.is_empty() || path == "." {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    let quoted = |rest: &str| rest.split('`').nth(1).map(str::to_owned);
    if let Some(field) = msg.strip_prefix("missing field ").and_then(quoted) {
        return format!("The field `{}` is required.", within(&field));
    }
    if let Some(field) = msg.strip_prefix("unknown field ").and_then(quoted) {
        let known = msg
            .split_once("expected one of ")
            .map(|(_, k)| {
                format!(
                    " The fields are {}.",
                    k.replace('`', "").trim_end_matches('.')
                )
            })
            .unwrap_or_default();
        // serde_path_to_error's path already ends at the unknown field.
        let shown = if path.is_empty() || path == "." {
            field
        } else {
            path.to_owned()
        };
        return format!("There is no field `{shown}`.{known}");
    }
    let expected = msg
        .split_once(", expected ")
        .map(|(_, x)| x.to_owned())
        .unwrap_or_default();
    let kind = if ["i64", "u64", "i32", "u32", "integer"]
        .iter()
        .any(|k| expected.contains(k))
    {
        format!(
            "a whole number between {} and {}",
            thousands_signed(i64::MIN),
            thousands(i64::MAX as u64)
        )
    } else if expected.contains("a string") || expected.contains("string") {
        "a string".to_owned()
    } else if expected.contains("a boolean") {
        "true or false".to_owned()
    } else if expected.contains("sequence") {
        "a list".to_owned()
    } else if expected.contains("struct") || expected.contains("map") {
        "an object".to_owned()
    } else {
        String::new()
    };
    let shown = if path.is_empty() || path == "." {
        "the body".to_owned()
    } else {
        format!("`{path}`")
    };
    if kind.is_empty() {
        format!("The field {shown} has a value that cannot be used.")
    } else {
        format!("The field {shown} must be {kind}.")
    }
}

fn thousands_signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", thousands(n.unsigned_abs()))
    } else {
        thousands(n as u64)
    }
}

#[cfg(test)]
mod tests;
