//! `/robots.txt`: every reader page may be crawled; the JSON API is for programs, not search
//! results. It names the sitemap index and the news sitemap by absolute URL, as the protocol
//! requires. It must never disallow a reader page: that would hide stories from search.

use super::cacheable;
use crate::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;

pub(super) async fn show_robots(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let origin = site.settings.base_url.trim_end_matches('/');
    let body = format!(
        "User-agent: *\nDisallow: /api/\n\nSitemap: {origin}/sitemap.xml\nSitemap: {origin}/news-sitemap.xml\n"
    );
    Ok(cacheable("text/plain", body))
}
