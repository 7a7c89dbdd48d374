//! HTTP details shared by every route: content negotiation for compression, conditional
//! requests, cache lifetimes, the security headers (a strict Content-Security-Policy that
//! allows only the site itself, plus the live stream's origin for the player) and where a
//! `next` parameter may send the browser ([`same_site_path`]). It must never hand back a
//! redirect target that a browser would resolve to another origin.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use dateline_core::site::SiteSettings;

/// An HTML page's lifetime in shared caches: short, since stories change; revalidation is a
/// cheap 304 thanks to the ETag.
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=60";
/// Content-addressed files (assets with their hash in the URL, media variants).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The compressed encodings a client accepts (`Accept-Encoding`, honouring `q=0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Accepted {
    pub br: bool,
    pub gzip: bool,
}

impl Accepted {
    /// The best of them: brotli, then gzip.
    pub fn best(self) -> Encoding {
        if self.br {
            Encoding::Brotli
        } else if self.gzip {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// What the client accepts. A coding named with `q=0` is refused even when `*` would allow it.
pub fn accepted(headers: &HeaderMap) -> Accepted {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Accepted::default();
    };
    // Each coding as named (accepted or refused), and whether `*` accepts the rest.
    let (mut br, mut gzip, mut star) = (None, None, false);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match name.as_str() {
            "br" => br = Some(!refused),
            "gzip" | "x-gzip" => gzip = Some(!refused),
            "*" => star = !refused,
            _ => {}
        }
    }
    Accepted {
        br: br.unwrap_or(star),
        gzip: gzip.unwrap_or(star),
    }
}

/// Whether the client's copy is current: `If-None-Match` against the ETag (any encoding's
/// variant), else `If-Modified-Since` against `Last-Modified`.
pub fn not_modified(headers: &HeaderMap, etag: &str, last_modified: &HeaderValue) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm.split(',').any(|tag| {
            let t = tag.trim().trim_start_matches("W/").trim_matches('"');
            t == "*"
                || t == etag
                || t.strip_suffix("-gz").or_else(|| t.strip_suffix("-br")) == Some(etag)
        });
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let modified = last_modified
        .to_str()
        .ok()
        .and_then(|v| httpdate::parse_http_date(v).ok());
    matches!((since, modified), (Some(s), Some(m)) if m <= s)
}

/// The Content-Security-Policy for the site's settings.
pub fn content_security_policy(settings: &SiteSettings) -> String {
    let mut media = String::from("'self'");
    if let Some(origin) = origin_of(&settings.live_stream_url) {
        media.push(' ');
        media.push_str(&origin);
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         media-src {media}; font-src 'self'; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    )
}

/// `scheme://host[:port]` of an http(s) URL, or None.
fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// Middleware: security headers on every answer.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if !res.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = match state.site().await {
            Ok(site) => Some(csp_value(&site.csp)),
            Err(_) => None,
        };
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            csp.unwrap_or(HeaderValue::from_static("default-src 'self'")),
        );
    }
    add_security_headers(res.headers_mut());
    res
}

/// The policy as a header value (it is built from checked parts, so it is always valid).
pub fn csp_value(csp: &str) -> HeaderValue {
    HeaderValue::from_str(csp).unwrap_or(HeaderValue::from_static("default-src 'self'"))
}

/// The fixed security headers every answer carries (the CSP, which depends on the site's
/// settings, is added by the caller). The page cache adds them once when it keeps a page, so a
/// hit is answered without running this layer.
pub fn add_security_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
}

/// A `next` parameter resolved the way a browser resolves a `Location` on this site, as the
/// path and query to redirect to; `None` unless the result stays on the site's own origin.
///
/// Checking the text by hand missed what browsers do first (WHATWG URL rules): drop tabs and
/// newlines anywhere, trim C0 controls and spaces at the ends, read `\` as `/`, take `//host`,
/// `scheme:` and userinfo as another place. So `next` is parsed with those rules against
/// `base_url` (the site's own address) and only a same-origin answer is kept. The path handed
/// back is the parsed one (percent-encoded, dot segments gone), so the `Location` sent is
/// exactly what was checked; a path that came out starting with `//` would be read as another
/// host in a relative `Location`, so it is refused too.
pub fn same_site_path(base_url: &str, next: &str) -> Option<String> {
    // A site whose address is not set or not absolute still has paths of its own; an address
    // nobody can own stands in for it.
    let base = url::Url::parse(base_url)
        .ok()
        .filter(|b| b.has_host())
        .or_else(|| url::Url::parse("http://dateline.invalid/").ok())?;
    let target = base.join(next).ok()?;
    if target.origin() != base.origin()
        || !target.username().is_empty()
        || target.password().is_some()
    {
        return None;
    }
    let path = target.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    Some(match target.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

#[cfg(test)]
mod tests;
