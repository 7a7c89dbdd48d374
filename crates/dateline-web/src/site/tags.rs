//! Tag pages: `/tags/{tag}/`, the tag's stories newest first, paginated.

use super::sections::pager_path;
use super::{PageQuery, page};
use crate::AppError;
use crate::cache::Shows;
use crate::state::AppState;
use crate::views::{CardView, Meta, Pager, SiteView};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use dateline_store::Filter;
use serde::Serialize;

#[derive(Serialize)]
struct TagView {
    site: SiteView,
    meta: Meta,
    name: String,
    stories: Vec<CardView>,
    pager: Pager,
}

pub async fn show_tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let tag = state.store.tag_by_slug(&slug).await?;
    let (req, paged) = super::listing(
        &state,
        Filter::Tag(tag.id),
        &q,
        &format!("stories tagged {}", tag.name),
    )
    .await?;
    let view = SiteView::new(&site, None, state.clock.now());
    let path = tag.path();
    let pager = Pager::new(&paged, &path);
    let meta = Meta {
        title: format!("{} | {}", tag.name, site.settings.name),
        description: format!("Stories about {} from {}", tag.name, site.settings.name),
        canonical: view.absolute(&pager_path(&path, req.page)),
        og_type: "website".to_owned(),
        prev: pager.prev.clone(),
        next: pager.next.clone(),
        feeds: crate::feeds::alternates(&view, Some((&path, &tag.name))),
        ..Meta::default()
    };
    page(
        &state,
        "tag.html",
        TagView {
            site: view,
            meta,
            name: tag.name.clone(),
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
