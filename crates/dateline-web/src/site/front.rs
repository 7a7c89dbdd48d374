//! The front page: the lead story, the top stories, and the latest of each section.

use super::page;
use crate::AppError;
use crate::cache::Shows;
use crate::state::AppState;
use crate::views::{CardView, LinkView, Meta, SiteView, json_ld};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

/// Lead plus six top stories.
const TOP: u32 = 7;
const PER_SECTION: u32 = 4;

#[derive(Serialize)]
struct FrontView {
    site: SiteView,
    meta: Meta,
    lead: Option<CardView>,
    top: Vec<CardView>,
    sections: Vec<SectionBlock>,
}

#[derive(Serialize)]
struct SectionBlock {
    section: LinkView,
    stories: Vec<CardView>,
}

pub async fn show_front(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = state.site().await?;
    let front = state.store.front_page(TOP, PER_SECTION).await?;
    let view = SiteView::new(&site, None, state.clock.now());
    let mut cards = front.top.iter().map(|s| CardView::new(s, &site));
    let lead = cards.next();
    let top = cards.collect();
    let sections = front
        .sections
        .iter()
        .filter(|(_, stories)| !stories.is_empty())
        .map(|(sec, stories)| SectionBlock {
            section: LinkView {
                name: sec.name.clone(),
                path: sec.path(),
            },
            stories: stories.iter().map(|s| CardView::new(s, &site)).collect(),
        })
        .collect();
    let canonical = view.absolute("/");
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.settings.name,
        "url": canonical,
    });
    let meta = Meta {
        title: if site.settings.tagline.is_empty() {
            site.settings.name.clone()
        } else {
            format!("{} | {}", site.settings.name, site.settings.tagline)
        },
        description: if site.settings.tagline.is_empty() {
            format!("The latest news from {}", site.settings.name)
        } else {
            site.settings.tagline.clone()
        },
        canonical,
        og_type: "website".to_owned(),
        json_ld: Some(json_ld(&ld)),
        feeds: crate::feeds::alternates(&view, None),
        ..Meta::default()
    };
    page(
        &state,
        "front.html",
        FrontView {
            site: view,
            meta,
            lead,
            top,
            sections,
        },
        Shows::lists(),
    )
}
