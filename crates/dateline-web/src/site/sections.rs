//! Section fronts: `/{section}/`, newest first, paginated; a path no section has is a static
//! page's (`pages.rs`), or 404.

use super::{PageQuery, page};
use crate::AppError;
use crate::cache::Shows;
use crate::state::AppState;
use crate::views::{CardView, Meta, Pager, SiteView};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use dateline_store::Filter;
use serde::Serialize;

pub const PER_PAGE: u32 = 20;

#[derive(Serialize)]
struct SectionView {
    site: SiteView,
    meta: Meta,
    name: String,
    description: String,
    stories: Vec<CardView>,
    pager: Pager,
}

pub async fn show_section(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let Some(section) = site
        .sections
        .iter()
        .find(|s| s.slug.as_str() == slug)
        .cloned()
    else {
        // No section: a static page may have this slug (the store keeps the two apart).
        return super::pages::show_static_page(&state, &slug).await;
    };
    let (req, paged) =
        super::listing(&state, Filter::Section(section.id), &q, &section.name).await?;
    let view = SiteView::new(&site, Some(section.slug.as_str()), state.clock.now());
    let path = section.path();
    let pager = Pager::new(&paged, &path);
    let meta = Meta {
        title: if req.page > 1 {
            format!(
                "{} — page {} | {}",
                section.name, req.page, site.settings.name
            )
        } else {
            format!("{} | {}", section.name, site.settings.name)
        },
        description: if section.description.is_empty() {
            format!(
                "The latest {} news from {}",
                section.name, site.settings.name
            )
        } else {
            section.description.clone()
        },
        canonical: view.absolute(&pager_path(&path, req.page)),
        og_type: "website".to_owned(),
        prev: pager.prev.clone(),
        next: pager.next.clone(),
        feeds: crate::feeds::alternates(&view, Some((&path, &section.name))),
        ..Meta::default()
    };
    page(
        &state,
        "section.html",
        SectionView {
            site: view,
            meta,
            name: section.name.clone(),
            description: section.description.clone(),
            stories: paged
                .items
                .iter()
                .map(|s| CardView::new(s, &site))
                .collect(),
            pager,
        },
        Shows::lists(),
    )
}

/// The path of page `n` of a listing at `base`.
pub fn pager_path(base: &str, n: u32) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}?page={n}")
    }
}
