//! Live status as JSON: Dateline's own shape at `/api/v1/live` (every configured mount, on air
//! or not, with listener figures and memory), and Icecast's at `/status-json.xsl`, so existing
//! monitoring keeps working.
//!
//! Icecast quirks kept on purpose: `icestats.source` is an object when one mount is on air, an
//! array when several are, and absent when none is; times look like `+0000`, not `Z`. Never
//! includes a password or its hash.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use dateline_core::live::MountPath;
use dateline_live::{MountStatus, SourceStatus};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Serialize)]
struct LiveStatus {
    mounts: Vec<MountView>,
    memory: MemoryView,
}

#[derive(Serialize)]
struct MountView {
    path: MountPath,
    url: String,
    /// The configured station name (empty: the source's own).
    name: String,
    format: &'static str,
    on_air: bool,
    listeners: usize,
    /// Other nodes' relays pulling this mount from here: not listeners, and not counted
    /// against `max_listeners`.
    relays: usize,
    listener_peak: usize,
    listener_connections: u64,
    max_listeners: Option<u32>,
    bytes_sent: u64,
    slow_listeners_dropped: u64,
    stalled_listeners_dropped: u64,
    fallback: Option<MountPath>,
    burst_bytes: usize,
    queue_bytes: usize,
    source: Option<SourceView>,
}

#[derive(Serialize)]
struct SourceView {
    connected_since: String,
    title: String,
    name: Option<String>,
    description: Option<String>,
    genre: Option<String>,
    url: Option<String>,
    bitrate: Option<u32>,
    content_type: String,
    user_agent: Option<String>,
    /// Where this node relays the stream from (another node's URL, an upstream without its
    /// credentials); absent for a source of this node's own.
    relayed_from: Option<String>,
    bytes_received: u64,
    buffered_bytes: usize,
    /// The mount's playlist is what is on air (no source is connected); `title` is then the
    /// playing file's, from its tags.
    playlist: bool,
    /// The schedule's programme whose playlist is on air (a pre-recorded programme), if any.
    programme: Option<String>,
}

#[derive(Serialize)]
struct MemoryView {
    /// Audio queued for listeners, all mounts together; shared, never copied per listener.
    queued_audio_bytes: usize,
    /// The kernel send buffer each listener's socket is capped at.
    listener_send_buffer_bytes: usize,
    /// What the relay keeps per listener besides that: a cursor and its state.
    listener_state_bytes: usize,
}

fn time(us: i64) -> Option<Timestamp> {
    Timestamp::from_microsecond(us).ok()
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// Every mount the store knows, with the live figures of those this node has seen.
async fn mounts(state: &AppState) -> Result<Vec<MountStatus>, crate::AppError> {
    let hub = state.live.hub();
    let mut all: BTreeMap<MountPath, MountStatus> = hub
        .status()
        .into_iter()
        .map(|s| (s.config.path.clone(), s))
        .collect();
    for stored in state.store.live_mounts().await? {
        all.entry(stored.path.clone())
            .or_insert_with(|| MountStatus {
                config: dateline_live::MountConfig::from(&stored),
                listeners: 0,
                relays: 0,
                listener_peak: 0,
                listener_connections: 0,
                bytes_sent: 0,
                slow_listeners_dropped: 0,
                stalled_listeners_dropped: 0,
                source: None,
            });
    }
    Ok(all.into_values().collect())
}

fn source_view(s: &SourceStatus) -> SourceView {
    SourceView {
        connected_since: time(s.connected_at_us)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        title: s.title.clone(),
        name: s.info.name.clone(),
        description: s.info.description.clone(),
        genre: s.info.genre.clone(),
        url: s.info.url.clone(),
        bitrate: s.info.bitrate,
        content_type: s.content_type.clone(),
        user_agent: s.info.user_agent.clone(),
        relayed_from: s.info.relayed_from.clone(),
        bytes_received: s.bytes_received,
        buffered_bytes: s.buffered_bytes,
        playlist: s.playlist,
        programme: s.programme.clone(),
    }
}

pub(crate) async fn live_status(
    State(state): State<AppState>,
) -> Result<Response, crate::AppError> {
    let site = state.site().await?;
    let mounts = mounts(&state).await?;
    let queued = mounts
        .iter()
        .filter_map(|m| m.source.as_ref().map(|s| s.buffered_bytes))
        .sum();
    let body = LiveStatus {
        mounts: mounts
            .iter()
            .map(|m| MountView {
                path: m.config.path.clone(),
                url: format!("{}{}", site.settings.base_url, m.config.path),
                name: m.config.name.clone(),
                format: m.config.format.as_str(),
                on_air: m.source.is_some(),
                listeners: m.listeners,
                relays: m.relays,
                listener_peak: m.listener_peak,
                listener_connections: m.listener_connections,
                max_listeners: m.config.max_listeners,
                bytes_sent: m.bytes_sent,
                slow_listeners_dropped: m.slow_listeners_dropped,
                stalled_listeners_dropped: m.stalled_listeners_dropped,
                fallback: m.config.fallback.clone(),
                burst_bytes: m.config.burst_bytes,
                queue_bytes: m.config.queue_bytes,
                source: m.source.as_ref().map(source_view),
            })
            .collect(),
        memory: MemoryView {
            queued_audio_bytes: queued,
            listener_send_buffer_bytes: state.live.options.listener_send_buffer,
            listener_state_bytes: std::mem::size_of::<dateline_live::Listener>(),
        },
    };
    Ok(no_store(Json(body).into_response()))
}

fn icecast_time(t: Timestamp, format: &str) -> String {
    t.to_zoned(TimeZone::UTC).strftime(format).to_string()
}

/// Icecast 2.4's `/status-json.xsl`.
pub(crate) async fn icecast_status(
    State(state): State<AppState>,
) -> Result<Response, crate::AppError> {
    let site = state.site().await?;
    let base = site.settings.base_url.clone();
    let host = base
        .split_once("://")
        .map_or(base.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or("")
        .to_owned();
    let started = state.live.started_at;
    let mut sources: Vec<Value> = Vec::new();
    for m in state.live.hub().status() {
        let Some(s) = &m.source else { continue };
        let since = time(s.connected_at_us).unwrap_or(started);
        let name = if m.config.name.is_empty() {
            s.info.name.clone().unwrap_or_default()
        } else {
            m.config.name.clone()
        };
        let mut o = Map::new();
        if let Some(a) = &s.info.audio_info {
            o.insert("audio_info".into(), json!(a));
        }
        if let Some(b) = s.info.bitrate {
            o.insert("bitrate".into(), json!(b));
        }
        if let Some(g) = &s.info.genre {
            o.insert("genre".into(), json!(g));
        }
        o.insert("listener_peak".into(), json!(m.listener_peak));
        o.insert("listeners".into(), json!(m.listeners));
        o.insert(
            "listenurl".into(),
            json!(format!("{base}{}", m.config.path)),
        );
        if let Some(d) = &s.info.description {
            o.insert("server_description".into(), json!(d));
        }
        o.insert("server_name".into(), json!(name));
        o.insert("server_type".into(), json!(s.content_type));
        if let Some(u) = &s.info.url {
            o.insert("server_url".into(), json!(u));
        }
        o.insert(
            "stream_start".into(),
            json!(icecast_time(since, "%a, %d %b %Y %H:%M:%S %z")),
        );
        o.insert(
            "stream_start_iso8601".into(),
            json!(icecast_time(since, "%Y-%m-%dT%H:%M:%S%z")),
        );
        o.insert("title".into(), json!(s.title));
        o.insert("dummy".into(), Value::Null);
        sources.push(Value::Object(o));
    }
    let mut icestats = Map::new();
    icestats.insert("admin".into(), json!(""));
    icestats.insert("host".into(), json!(host));
    icestats.insert("location".into(), json!(site.settings.name));
    icestats.insert("server_id".into(), json!(super::head::SERVER));
    icestats.insert(
        "server_start".into(),
        json!(icecast_time(started, "%a, %d %b %Y %H:%M:%S %z")),
    );
    icestats.insert(
        "server_start_iso8601".into(),
        json!(icecast_time(started, "%Y-%m-%dT%H:%M:%S%z")),
    );
    match sources.len() {
        0 => {}
        1 => {
            icestats.insert("source".into(), sources.remove(0));
        }
        _ => {
            icestats.insert("source".into(), Value::Array(sources));
        }
    }
    Ok(no_store(
        Json(json!({ "icestats": Value::Object(icestats) })).into_response(),
    ))
}
