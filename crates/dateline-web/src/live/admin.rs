//! Now playing, the Icecast way: `GET /admin/metadata?mount=/live/x.mp3&mode=updinfo&song=…`
//! with HTTP Basic authentication as user `source` and the mount's password. `artist` and
//! `title` are accepted instead of `song` (joined as `artist - title`), and `charset` names the
//! encoding of the query (UTF-8 unless it says ISO-8859-1), as broadcasters' tools send it.
//!
//! The answer is Icecast's `<iceresponse>` XML. The query is decoded by hand because tools
//! still send Latin-1 percent-escapes, which a UTF-8 form decoder would mangle. A password is
//! never logged.

use super::head::{Refusal, basic_credentials, iceresponse};
use super::password;
use crate::newsroom::auth::ClientIp;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::live::MountPath;
use dateline_store::StoreError;
use std::net::IpAddr;

pub(crate) async fn update_metadata(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match update(&state, ip, &headers, query.as_deref().unwrap_or("")).await {
        Ok(()) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            iceresponse("Metadata update successful", true),
        )
            .into_response(),
        Err(refusal) => super::refusal_response(&refusal),
    }
}

async fn update(
    state: &AppState,
    ip: Option<IpAddr>,
    headers: &HeaderMap,
    query: &str,
) -> Result<(), Refusal> {
    let params = Params::parse(query);
    if params.get("mode").as_deref() != Some("updinfo") {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "Only mode=updinfo is supported.",
        ));
    }
    let path = params
        .get("mount")
        .and_then(|m| MountPath::parse(&m).ok())
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "Give the mount, e.g. mount=/live/radio.mp3.",
            )
        })?;
    let mount = match state.store.live_mount(&path).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => {
            return Err(Refusal::new(StatusCode::NOT_FOUND, "No such mount."));
        }
        Err(e) => {
            tracing::error!(mount = %path, error = %e, "loading a mount failed");
            return Err(Refusal::internal());
        }
    };
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_credentials);
    let Some((user, pass)) = credentials else {
        return Err(Refusal::unauthorized("Authentication required."));
    };
    // The same throttle as source connects: otherwise this would be the guessers' door.
    password::authenticate(
        state,
        &path,
        &mount.source_password_hash,
        ip,
        (user, pass),
        "metadata update",
    )
    .await?;
    let song = match (
        params.get("song"),
        params.get("artist"),
        params.get("title"),
    ) {
        (Some(song), _, _) => song,
        (None, Some(artist), Some(title)) if !artist.is_empty() => format!("{artist} - {title}"),
        (None, _, Some(title)) => title,
        (None, Some(artist), None) => artist,
        (None, None, None) => {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "Give the title as song=… (or artist=… and title=…).",
            ));
        }
    };
    state
        .live
        .hub()
        .set_title(&path, &song)
        .map_err(|e| match e {
            // Icecast's words for metadata sent to a mount without a source.
            dateline_live::LiveError::OffAir => {
                Refusal::new(StatusCode::BAD_REQUEST, "Source does not exist")
            }
            other => Refusal::from(other),
        })
}

/// A query string's parameters, percent-decoded in the charset it names.
struct Params {
    pairs: Vec<(String, Vec<u8>)>,
    latin1: bool,
}

impl Params {
    fn parse(query: &str) -> Self {
        let pairs: Vec<(String, Vec<u8>)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    String::from_utf8_lossy(&percent_decode(k)).into_owned(),
                    percent_decode(v),
                )
            })
            .collect();
        let latin1 = pairs.iter().any(|(k, v)| {
            k == "charset"
                && matches!(
                    String::from_utf8_lossy(v).to_ascii_lowercase().as_str(),
                    "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1"
                )
        });
        Self { pairs, latin1 }
    }

    fn get(&self, key: &str) -> Option<String> {
        let (_, v) = self.pairs.iter().find(|(k, _)| k == key)?;
        Some(if self.latin1 {
            v.iter().map(|&b| char::from(b)).collect()
        } else {
            String::from_utf8_lossy(v).into_owned()
        })
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_in_their_charset() {
        let p = Params::parse("mount=%2Flive%2Fa.mp3&mode=updinfo&song=Caf%C3%A9+Song");
        assert_eq!(p.get("song").as_deref(), Some("Café Song"));
        assert_eq!(p.get("mount").as_deref(), Some("/live/a.mp3"));
        let p = Params::parse("song=Caf%E9&charset=ISO-8859-1");
        assert_eq!(p.get("song").as_deref(), Some("Café"));
        assert_eq!(percent_decode("100%"), b"100%");
        assert_eq!(percent_decode("%zz%4"), b"%zz%4");
    }
}
