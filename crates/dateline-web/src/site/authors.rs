//! Author pages: `/authors/{person}/`, with bio, photo and stories, paginated.

use super::sections::pager_path;
use super::{PageQuery, page};
use crate::AppError;
use crate::cache::Shows;
use crate::state::AppState;
use crate::views::{CardView, Meta, Pager, PhotoView, SiteView, json_ld};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use dateline_store::Filter;
use serde::Serialize;

#[derive(Serialize)]
struct AuthorView {
    site: SiteView,
    meta: Meta,
    name: String,
    title: String,
    bio: String,
    photo: Option<PhotoView>,
    stories: Vec<CardView>,
    pager: Pager,
}

pub async fn show_author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let person = state.store.person_by_slug(&slug).await?;
    let (req, paged) = super::listing(
        &state,
        Filter::Author(person.id),
        &q,
        &format!("stories by {}", person.name),
    )
    .await?;
    if paged.total == 0 {
        // People with no published story (readers, newsroom staff) have no public page.
        return Err(AppError::NotFound);
    }
    let photo = match person.photo_media_id {
        Some(m) => state
            .store
            .media(m)
            .await
            .ok()
            .and_then(|m| PhotoView::new(&m, 320)),
        None => None,
    };
    let view = SiteView::new(&site, None, state.clock.now());
    let path = person.path();
    let pager = Pager::new(&paged, &path);
    let url = view.absolute(&path);
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "mainEntity": {
            "@type": "Person",
            "name": person.name,
            "jobTitle": person.title,
            "description": person.bio,
            "url": url,
        }
    });
    let meta = Meta {
        title: format!("{} | {}", person.name, site.settings.name),
        description: if person.bio.is_empty() {
            format!("Stories by {} for {}", person.name, site.settings.name)
        } else {
            person.bio.clone()
        },
        canonical: view.absolute(&pager_path(&path, req.page)),
        og_type: "profile".to_owned(),
        json_ld: Some(json_ld(&ld)),
        prev: pager.prev.clone(),
        next: pager.next.clone(),
        feeds: crate::feeds::alternates(&view, Some((&path, &person.name))),
        ..Meta::default()
    };
    page(
        &state,
        "author.html",
        AuthorView {
            site: view,
            meta,
            name: person.name.clone(),
            title: person.title.clone(),
            bio: person.bio.clone(),
            photo,
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
