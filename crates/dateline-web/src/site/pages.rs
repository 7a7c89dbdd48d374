//! Standing pages: the community standards, written in the site settings in Markdown, and the
//! static pages editors write in the newsroom (About us, Contact…), answered at `/{slug}/` when
//! no section has that slug (`sections.rs` asks here). A draft page is never shown: 404.

use super::page;
use crate::AppError;
use crate::cache::Shows;
use crate::state::AppState;
use crate::views::{Meta, SiteView, TimeView, json_ld};
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

#[derive(Serialize)]
struct StaticPageView {
    site: SiteView,
    meta: Meta,
    page: PageBody,
}

#[derive(Serialize)]
struct PageBody {
    title: String,
    updated: TimeView,
    /// Safe: rendered and sanitised by the markup crate at save time, completed by `fill`.
    body: Value,
}

/// The published static page at `/{slug}/`, or 404 (no such page, or a draft).
pub async fn show_static_page(state: &AppState, slug: &str) -> Result<Response, AppError> {
    let p = match state.store.page_by_slug(slug).await {
        Ok(p) if p.is_public() => p,
        Ok(_) | Err(dateline_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let site = state.site().await?;
    let body = crate::newsroom::pages::filled_body(state, &p).await?;
    let view = SiteView::new(&site, None, state.clock.now());
    let url = view.absolute(&p.path());
    let description = p.description(dateline_markup::first_paragraph(
        &p.body_html,
        dateline_core::static_page::DESCRIPTION_FROM_BODY,
    ));
    let updated = TimeView::new(p.updated_at, &site);
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": p.title,
        "description": description,
        "dateModified": updated.iso,
        "inLanguage": site.settings.language,
        "isPartOf": {
            "@type": "WebSite",
            "name": site.settings.name,
            "url": view.absolute("/"),
        },
    });
    let meta = Meta {
        title: format!("{} | {}", p.title, site.settings.name),
        description,
        canonical: url,
        og_type: "website".to_owned(),
        json_ld: Some(json_ld(&ld)),
        ..Meta::default()
    };
    // A page's READ MORE targets are looked up when it is shown, so any story's change may
    // alter it: it is dropped with the lists.
    page(
        state,
        "static_page.html",
        StaticPageView {
            site: view,
            meta,
            page: PageBody {
                title: p.title.clone(),
                updated,
                body: Value::from_safe_string(body),
            },
        },
        Shows::lists(),
    )
}
