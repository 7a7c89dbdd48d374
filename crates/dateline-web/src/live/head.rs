//! Request heads as the front door reads them, and the Icecast-style answers both the raw path
//! and the axum path give: refusals as `<iceresponse>` XML, listener headers with `icy-*`.
//!
//! Nothing here logs or echoes a header value it was sent, so an `Authorization` header can
//! never reach a log or a response.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use dateline_live::{LiveError, SourceInfo};

/// Icecast's own `Server` value is what some monitoring greps for; say both.
pub(crate) const SERVER: &str = "Dateline (Icecast 2.4 compatible)";

/// An owned request head.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) method: String,
    /// The request target as sent (path and query).
    pub(crate) target: String,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
}

pub(crate) enum Parsed {
    Complete(Head, usize),
    Partial,
    Invalid,
}

/// Parse a request head from the start of `buf`.
pub(crate) fn parse(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => {
            let head = Head {
                method: req.method.unwrap_or("").to_owned(),
                target: req.path.unwrap_or("").to_owned(),
                headers: req
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).trim().to_owned(),
                        )
                    })
                    .collect(),
            };
            Parsed::Complete(head, len)
        }
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(_) => Parsed::Invalid,
    }
}

impl Head {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Whether the body is framed the HTTP way (chunked or with a length), so hyper can read
    /// it. Source clients (ffmpeg, libshout) send neither: their body runs until they hang up.
    pub(crate) fn has_framed_body(&self) -> bool {
        self.header("transfer-encoding").is_some()
            || self
                .header("content-length")
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n > 0)
    }

    pub(crate) fn source_info(&self) -> SourceInfo {
        source_info(|name| self.header(name).map(str::to_owned))
    }
}

/// The `ice-*` (or older `icy-*`) headers a source sends about its stream.
pub(crate) fn source_info(header: impl Fn(&str) -> Option<String>) -> SourceInfo {
    let pick = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| header(n))
            .map(|v| clean(&v))
            .filter(|v| !v.is_empty())
    };
    let audio_info = pick(&["ice-audio-info"]);
    let bitrate = pick(&["ice-bitrate", "icy-br"])
        .and_then(|b| b.parse().ok())
        .or_else(|| {
            audio_info.as_deref().and_then(|info| {
                info.split(';')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| {
                        k.trim().eq_ignore_ascii_case("bitrate") || k.trim() == "ice-bitrate"
                    })
                    .and_then(|(_, v)| v.trim().parse().ok())
            })
        });
    SourceInfo {
        name: pick(&["ice-name", "icy-name"]),
        description: pick(&["ice-description", "icy-description"]),
        genre: pick(&["ice-genre", "icy-genre"]),
        url: pick(&["ice-url", "icy-url"]),
        bitrate,
        audio_info,
        public: pick(&["ice-public", "icy-pub"]).is_some_and(|v| v == "1"),
        content_type: pick(&["content-type"]),
        user_agent: pick(&["user-agent"]),
        relayed_from: None,
        programme: None,
    }
}

/// A value safe to repeat in a header or a log: no control characters, at most 200 characters.
pub(crate) fn clean(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Why a source, listener or metadata call was turned away.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// Ask for credentials (`WWW-Authenticate`).
    pub(crate) challenge: bool,
    /// Seconds to wait before trying again (`Retry-After`).
    pub(crate) retry_after: Option<u64>,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            challenge: false,
            retry_after: None,
        }
    }

    pub(crate) fn unauthorized(message: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: message.to_owned(),
            challenge: true,
            retry_after: None,
        }
    }

    /// Too many failed tries: 429 with `Retry-After`, which source clients report as the
    /// status line (ffmpeg prints "429 Too Many Requests") and do not retry at once.
    pub(crate) fn throttled(message: &str, retry_after_secs: u64) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: message.to_owned(),
            challenge: false,
            retry_after: Some(retry_after_secs),
        }
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side.",
        )
    }

    /// Icecast's admin answer shape, which source tools and scripts already parse.
    pub(crate) fn body(&self) -> String {
        iceresponse(&self.message, false)
    }

    /// Header names as Icecast writes them (old clients match them case-sensitively).
    pub(crate) fn header_pairs(&self) -> Vec<(&'static str, &'static str)> {
        let mut h = vec![
            ("Content-Type", "text/xml; charset=utf-8"),
            ("Cache-Control", "no-store"),
        ];
        if self.challenge {
            h.push(("WWW-Authenticate", "Basic realm=\"Dateline live\""));
        }
        h
    }

    pub(crate) fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut out: Vec<(HeaderName, HeaderValue)> = self
            .header_pairs()
            .into_iter()
            .filter_map(|(n, v)| Some((HeaderName::try_from(n).ok()?, HeaderValue::from_static(v))))
            .collect();
        if let Some(secs) = self.retry_after {
            out.push((axum::http::header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        out
    }

    /// The whole answer for a raw connection (which is closed after it).
    pub(crate) fn raw(&self) -> String {
        let body = self.body();
        let mut out = format!(
            "HTTP/1.0 {} {}\r\nServer: {SERVER}\r\n",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("")
        );
        for (name, value) in self.header_pairs() {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(secs) = self.retry_after {
            out.push_str(&format!("Retry-After: {secs}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        out
    }
}

impl From<LiveError> for Refusal {
    fn from(e: LiveError) -> Self {
        match e {
            LiveError::NoSuchMount(_) => Refusal::new(StatusCode::NOT_FOUND, "No such mount."),
            // Icecast's words: broadcasters search for them.
            LiveError::MountInUse => Refusal::new(StatusCode::FORBIDDEN, "Mountpoint in use"),
            LiveError::OffAir => Refusal::new(StatusCode::NOT_FOUND, "The stream is off air."),
            LiveError::Full => Refusal::new(
                StatusCode::FORBIDDEN,
                "Maximum listeners reached for this mount.",
            ),
            LiveError::ShuttingDown => Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The server is restarting; try again shortly.",
            ),
            // Playlist errors never come from a listener's or a source's request.
            LiveError::NotAudio { .. } | LiveError::EmptyPlaylist => Refusal::internal(),
        }
    }
}

/// `<iceresponse>` XML with the message escaped.
pub(crate) fn iceresponse(message: &str, ok: bool) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<iceresponse><message>{}</message><return>{}</return></iceresponse>\n",
        xml_escape(message),
        u8::from(ok)
    )
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// What a listener is told about the stream, in Icecast's header names.
pub(crate) struct StreamHeaders {
    pub(crate) content_type: String,
    pub(crate) name: String,
    pub(crate) info: SourceInfo,
    pub(crate) metaint: Option<usize>,
}

impl StreamHeaders {
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![("Content-Type", clean(&self.content_type))];
        let mut opt = |name: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                h.push((name, clean(v)));
            }
        };
        opt("icy-description", &self.info.description);
        opt("icy-genre", &self.info.genre);
        opt("icy-url", &self.info.url);
        opt("ice-audio-info", &self.info.audio_info);
        if !self.name.is_empty() {
            h.push(("icy-name", clean(&self.name)));
        }
        if let Some(br) = self.info.bitrate {
            h.push(("icy-br", br.to_string()));
        }
        h.push((
            "icy-pub",
            if self.info.public { "1" } else { "0" }.to_owned(),
        ));
        h.push(("Cache-Control", "no-cache, no-store".to_owned()));
        h.push(("Pragma", "no-cache".to_owned()));
        h.push(("Expires", "Mon, 26 Jul 1997 05:00:00 GMT".to_owned()));
        // Web players on other origins read the stream (and its ICY headers) with fetch.
        h.push(("Access-Control-Allow-Origin", "*".to_owned()));
        h.push((
            "Access-Control-Expose-Headers",
            "icy-metaint, icy-name, icy-description, icy-genre, icy-br".to_owned(),
        ));
        if let Some(m) = self.metaint {
            h.push(("icy-metaint", m.to_string()));
        }
        h
    }

    /// The raw answer's head: HTTP/1.0, as Icecast answers, so the body simply runs until the
    /// connection closes (no chunked framing for old players to trip on).
    pub(crate) fn raw(&self) -> String {
        let mut out = format!("HTTP/1.0 200 OK\r\nServer: {SERVER}\r\n");
        for (name, value) in self.pairs() {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(&value);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out
    }
}

/// The user and password of a `Basic` `Authorization` value.
pub(crate) fn basic_credentials(value: &str) -> Option<(String, String)> {
    use base64::Engine;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

#[cfg(test)]
mod tests;
