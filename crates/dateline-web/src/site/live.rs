//! `/live/`: the station's page and the persistent Listen Live player. The header's Listen Live
//! link opens this page in a window of its own (a pop-out player), so the audio keeps playing
//! while the reader moves between articles in the main window; without JavaScript the link
//! opens it in a named tab, which does the same. When the configured stream is one of our own
//! mounts, the page shows whether it is on air and what is playing, from the relay itself
//! (and `site.js` keeps that current from `/api/v1/live`).
//!
//! Never cached: on air, off air and now playing change without any store write.

use crate::AppError;
use crate::state::AppState;
use crate::views::{Meta, SiteView};
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::Response;
use dateline_core::live::{MOUNT_PREFIX, MountPath};
use dateline_core::schedule::{self, Programme, format_time};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

#[derive(Serialize)]
struct LivePage {
    site: SiteView,
    meta: Meta,
    station: StationView,
    /// The programme on air now, by the schedule.
    on_air_now: Option<ProgrammeView>,
    /// The week, today first; empty when no schedule is set.
    schedule: Vec<DayView>,
    /// What the schedule's times are: `Europe/London time (BST now)`.
    zone: String,
}

#[derive(Serialize)]
struct DayView {
    name: &'static str,
    today: bool,
    programmes: Vec<ProgrammeView>,
}

#[derive(Serialize)]
struct ProgrammeView {
    title: String,
    presenter: String,
    description: String,
    starts: String,
    ends: String,
    /// On air at this moment (only ever on today's list).
    on_air: bool,
}

impl ProgrammeView {
    fn new(p: &Programme, on_air: bool) -> Self {
        Self {
            title: p.title.clone(),
            presenter: p.presenter.clone(),
            description: p.description.clone(),
            starts: format_time(p.starts),
            ends: format_time(p.ends),
            on_air,
        }
    }
}

/// The week from today on, each day's programmes by start, the one on air marked.
fn week(programmes: &[Programme], now: Timestamp, tz: &TimeZone) -> Vec<DayView> {
    if programmes.is_empty() {
        return Vec::new();
    }
    let now_on = schedule::on_air_now(programmes, now, tz).map(|p| p.id);
    let local = now.to_zoned(tz.clone());
    // After midnight, yesterday's overnight programme may still be on: it shows as on air now
    // above the week, but belongs to yesterday's list, so nothing in today's is marked.
    let mut day = local.weekday();
    let mut days = Vec::with_capacity(7);
    for i in 0..7 {
        let list = schedule::for_day(programmes, day);
        days.push(DayView {
            name: schedule::day_name(day),
            today: i == 0,
            programmes: list
                .into_iter()
                .map(|p| ProgrammeView::new(p, i == 0 && Some(p.id) == now_on))
                .collect(),
        });
        day = day.next();
    }
    days
}

#[derive(Serialize)]
struct StationView {
    name: String,
    /// What the `<audio>` element plays.
    url: String,
    /// Our own mount's path when the stream is served here (its status is known).
    mount: Option<String>,
    /// `Some(true)` on air, `Some(false)` off air, `None` for an outside stream (unknown).
    on_air: Option<bool>,
    /// The now-playing title, when the source set one.
    title: String,
}

/// The mount path of a stream URL that points at this site's own relay: `/live/NAME`, or the
/// same on the site's base URL.
fn own_mount(stream_url: &str, base_url: &str) -> Option<MountPath> {
    let url = stream_url.trim();
    let base = base_url.trim_end_matches('/');
    let path = if url.starts_with(MOUNT_PREFIX) {
        url
    } else if !base.is_empty() {
        url.strip_prefix(base)?
    } else {
        return None;
    };
    MountPath::parse(path).ok()
}

pub async fn show_live_page(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let now = state.clock.now();
    let view = SiteView::new(&site, None, now);
    // Listen Live is absent when no stream is configured, and so is its page.
    let Some(live) = view.live.as_ref() else {
        return Err(AppError::NotFound);
    };
    let mount = own_mount(&site.settings.live_stream_url, &site.settings.base_url);
    let status = mount
        .as_ref()
        .and_then(|m| state.live.hub().mount_status(m));
    let station = StationView {
        name: live.name.clone(),
        url: live.url.clone(),
        mount: mount.as_ref().map(ToString::to_string),
        // A mount we know but that is not configured (removed) is off air, not unknown.
        on_air: mount
            .as_ref()
            .map(|_| status.as_ref().is_some_and(|s| s.source.is_some())),
        title: status
            .and_then(|s| s.source)
            .map(|s| s.title)
            .unwrap_or_default(),
    };
    let programmes = state.store.programmes().await?;
    let on_air_now =
        schedule::on_air_now(&programmes, now, &site.tz).map(|p| ProgrammeView::new(p, true));
    let schedule = week(&programmes, now, &site.tz);
    let meta = Meta {
        title: format!("{} | {}", station.name, site.settings.name),
        description: format!("Listen live to {}.", station.name),
        canonical: view.absolute("/live/"),
        og_type: "website".to_owned(),
        ..Meta::default()
    };
    let body = state.theme.render(
        "live.html",
        LivePage {
            site: view,
            meta,
            station,
            on_air_now,
            schedule,
            zone: format!(
                "{} time ({} now)",
                site.settings.time_zone,
                site.tz.to_offset_info(now).abbreviation()
            ),
        },
    )?;
    let mut res = axum::response::IntoResponse::into_response(axum::response::Html(body));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

#[cfg(test)]
mod tests;
