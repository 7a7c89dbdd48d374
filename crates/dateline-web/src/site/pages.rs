//! Standing pages: the community standards, written in the site settings in Markdown.

use super::page;
use crate::AppError;
use crate::cache::Shows;
use crate::state::AppState;
use crate::views::{Meta, SiteView};
use axum::extract::State;
use axum::response::Response;
use dateline_core::MediaId;
use dateline_markup::{ArticleRef, Photo, ReadMoreTarget, Resolver};
use minijinja::Value;
use serde::Serialize;

#[derive(Serialize)]
struct StandingPage {
    site: SiteView,
    meta: Meta,
    heading: String,
    /// Safe: rendered and sanitised by the markup crate.
    body: Value,
}

/// Standing pages reference no stories or photos.
struct Nothing;

impl Resolver for Nothing {
    fn read_more(&self, _: &ArticleRef) -> Option<ReadMoreTarget> {
        None
    }
    fn photo(&self, _: MediaId) -> Option<Photo> {
        None
    }
}

pub async fn show_community_standards(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let source = if site.settings.community_standards.trim().is_empty() {
        dateline_core::discussion::DEFAULT_STANDARDS.to_owned()
    } else {
        site.settings.community_standards.clone()
    };
    let body = match dateline_markup::render(&source) {
        Ok(r) => dateline_markup::fill(&r.html, &Nothing),
        Err(e) => {
            tracing::warn!(error = %e, "the community standards do not render; showing them as text");
            format!("<p>{}</p>", dateline_core::html::escape(&source))
        }
    };
    let view = SiteView::new(&site, None, state.clock.now());
    let meta = Meta {
        title: format!("Community standards | {}", site.settings.name),
        description: format!(
            "How to take part in discussions on {}, and how moderation works.",
            site.settings.name
        ),
        canonical: view.absolute("/community-standards/"),
        og_type: "website".to_owned(),
        ..Meta::default()
    };
    page(
        &state,
        "page.html",
        StandingPage {
            site: view,
            meta,
            heading: "Community standards".to_owned(),
            body: Value::from_safe_string(body),
        },
        Shows::default(),
    )
}
