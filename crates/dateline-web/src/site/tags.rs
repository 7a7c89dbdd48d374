//! Tag pages: `/tags/{tag}/`, the tag's stories newest first, paginated.

use super::sections::{PER_PAGE, pager_path};
use super::{PageQuery, page};
use crate::AppError;
use crate::state::AppState;
use crate::views::{CardView, Meta, Pager, SiteView};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use dateline_core::page::PageRequest;
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
    let req = PageRequest::parse(q.page.as_deref(), None, PER_PAGE, PER_PAGE)?;
    let paged = state.store.latest(Filter::Tag(tag.id), req).await?;
    if paged.items.is_empty() && req.page > 1 {
        return Err(AppError::BadRequest(format!(
            "There is no page {} for the tag {}: it has {} page(s).",
            req.page,
            tag.name,
            paged.pages()
        )));
    }
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
    )
}
