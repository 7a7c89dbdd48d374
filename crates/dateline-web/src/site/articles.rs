//! The article page: `/{section}/{yyyy}/{mm}/{dd}/{slug}/`. Old URLs (a changed slug or
//! section) answer 301 to the canonical one; withdrawn stories answer 410 with the editors'
//! note; drafts do not exist for readers.

use super::page;
use crate::AppError;
use crate::body::Bodies;
use crate::state::{AppState, SiteContext};
use crate::views::{
    CardView, ImageMeta, LinkView, Meta, PhotoView, SiteView, TimeView, json_ld, tag_link,
};
use axum::extract::{Path, State};
use axum::response::Response;
use dateline_core::article::{Article, ArticlePath, Status};
use dateline_core::media::Media;
use dateline_core::person::Person;
use dateline_core::related::{self, Subject};
use dateline_core::section::Section;
use dateline_core::tag::Tag;
use dateline_store::ArticlePageData;
use minijinja::Value;
use serde::Serialize;

#[derive(Serialize)]
struct ArticlePage {
    site: SiteView,
    meta: Meta,
    article: ArticleView,
}

#[derive(Serialize)]
struct ArticleView {
    id: i64,
    headline: String,
    standfirst: String,
    authors: Vec<Byline>,
    published: TimeView,
    updated: Option<TimeView>,
    section: LinkView,
    short_url: String,
    lead: Option<PhotoView>,
    /// Safe: sanitised at save time by the markup crate, completed by its `fill`.
    body: Value,
    tags: Vec<LinkView>,
    related: Vec<CardView>,
    /// Dated public corrections, oldest first.
    corrections: Vec<CorrectionView>,
    /// Safe: the discussion's first page, rendered by the theme with every value escaped.
    discussion: Value,
    /// Published comments, for the header's link to the discussion.
    comment_count: usize,
}

#[derive(Serialize)]
struct CorrectionView {
    when: TimeView,
    note: String,
}

#[derive(Serialize)]
struct Byline {
    name: String,
    path: String,
    title: String,
}

pub async fn show_article(
    State(state): State<AppState>,
    Path((section, year, month, day, slug)): Path<(String, String, String, String, String)>,
) -> Result<Response, AppError> {
    let requested =
        ArticlePath::parse(&section, &year, &month, &day, &slug).ok_or(AppError::NotFound)?;
    let site = state.site().await?;
    let story = match state.store.article_page(&slug).await {
        Ok(p) if matches!(p.article.status, Status::Published | Status::Withdrawn) => p,
        Ok(_) | Err(dateline_store::StoreError::NotFound) => {
            // Perhaps an old URL of a story whose slug changed.
            let id = state
                .store
                .redirect(&requested.to_path())
                .await
                .map_err(|_| AppError::NotFound)?;
            let a = state.store.article(id).await?;
            let to = public_path(&site, &a).ok_or(AppError::NotFound)?;
            return Ok(super::moved_permanently(&to));
        }
        Err(e) => return Err(e.into()),
    };
    let section = section_of(&site, &story.article)?;
    let canonical = story
        .article
        .canonical_path(section.slug.as_str())
        .ok_or(AppError::NotFound)?;
    if canonical != requested.to_path() {
        return Ok(super::moved_permanently(&canonical));
    }
    if story.article.status == Status::Withdrawn {
        return Err(AppError::Gone {
            headline: story.article.headline.clone(),
            note: story.article.withdrawn_note.clone(),
        });
    }
    render(&state, &site, story, section, &canonical).await
}

fn section_of(site: &SiteContext, a: &Article) -> Result<Section, AppError> {
    site.sections
        .iter()
        .find(|s| s.id == a.section_id)
        .cloned()
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "article {} is in unknown section {}",
                a.id,
                a.section_id
            ))
        })
}

fn public_path(site: &SiteContext, a: &Article) -> Option<String> {
    if !matches!(a.status, Status::Published | Status::Withdrawn) {
        return None;
    }
    let section = site.sections.iter().find(|s| s.id == a.section_id)?;
    a.canonical_path(section.slug.as_str())
}

async fn render(
    state: &AppState,
    site: &SiteContext,
    story: ArticlePageData,
    section: Section,
    canonical: &str,
) -> Result<Response, AppError> {
    let store = &state.store;
    let now = state.clock.now();
    let ArticlePageData {
        article,
        authors,
        tags,
        corrections,
        links,
        media,
        related_picks,
        related_kept,
        related,
        shows,
    } = story;
    // The page shows the story, the stories it links and may list as related; one not ranked
    // yet is ranked below from every candidate, so any story's change can alter it.
    let shows = crate::cache::Shows {
        articles: std::iter::once(article.id).chain(shows).collect(),
        lists: related_kept.is_none(),
    };
    let subject = Subject {
        id: article.id,
        section_id: article.section_id,
    };
    // The story's own parts, the related stories' summaries included, came with it in one
    // statement. A story with no kept related list yet is ranked now, and its related
    // stories' summaries read after.
    let related = match related_kept {
        Some(_) => related,
        None => {
            // Not ranked yet (just published, or an archive the worker has not reached): rank
            // now, as the worker would, and have the worker keep it.
            state.related.want(article.id).await;
            let (candidates, similar) = tokio::try_join!(
                store.related_candidates(article.id, article.section_id),
                async {
                    let similar = state.search.similar(article.id, crate::related::SIMILAR);
                    Ok(similar.await.unwrap_or_default())
                },
            )?;
            let automatic = crate::related::rank(&subject, candidates, &similar, &tags, now);
            crate::related::shown(store, &related::merge(&subject, &related_picks, &automatic))
                .await?
        }
    };
    let bodies = Bodies::of_story(article.id, links, media);
    let lead_media = article.lead_media_id.and_then(|m| bodies.media(m).cloned());
    // Social cards and search engines want a picture: without a lead photo, the body's first.
    let card_media = lead_media.clone().or_else(|| {
        dateline_markup::first_photo(&article.body_html).and_then(|m| bodies.media(m).cloned())
    });
    let description = description_of(&article);
    let lead = lead_media.as_ref().and_then(|m| PhotoView::new(m, 1024));
    let body = bodies.fill(article.id, &article.body_html);
    // Lead and first visible photos load at once (issue 18): with no lead photo the body's
    // first is the first a reader sees.
    let body = if lead.is_some() {
        body
    } else {
        dateline_markup::first_image_eager(&body).into_owned()
    };

    let view = SiteView::new(site, Some(section.slug.as_str()), now);
    let url = view.absolute(canonical);
    let published_at = article.published_at.unwrap_or(article.created_at);
    let published = TimeView::new(published_at, site);
    let updated = article
        .updated_at
        .filter(|u| *u > published_at)
        .map(|u| TimeView::new(u, site));
    let image = card_media.as_ref().map(|m| {
        let w = m.variants.iter().copied().max().unwrap_or(m.width);
        ImageMeta {
            url: view.absolute(&m.variant_path(w)),
            width: w,
            height: m.height_at(w),
            alt: m.alt.clone(),
        }
    });
    let ld = news_article_ld(
        &article,
        site,
        &view,
        &url,
        &section,
        &authors,
        &tags,
        card_media.as_ref(),
        &published,
        &description,
        updated.as_ref(),
    );
    let meta = Meta {
        title: format!("{} | {}", article.display_title(), site.settings.name),
        description,
        canonical: url,
        og_type: "article".to_owned(),
        image,
        json_ld: Some(json_ld(&ld)),
        feeds: crate::feeds::alternates(&view, Some((&section.path(), &section.name))),
        ..Meta::default()
    };
    let short_url = view.absolute(&format!("/s/{}", article.short_code));
    let discussion = crate::discussion::first_page(state, site, &article).await?;
    let article_view = ArticleView {
        id: article.id.0,
        headline: article.headline.clone(),
        standfirst: article.standfirst.clone(),
        authors: authors
            .iter()
            .map(|p| Byline {
                name: p.name.clone(),
                path: p.path(),
                title: p.title.clone(),
            })
            .collect(),
        published,
        updated,
        section: LinkView {
            name: section.name.clone(),
            path: section.path(),
        },
        short_url,
        lead,
        body: Value::from_safe_string(body),
        tags: tags.iter().map(tag_link).collect(),
        related: related.iter().map(|s| CardView::new(s, site)).collect(),
        corrections: corrections
            .into_iter()
            .map(|c| CorrectionView {
                when: TimeView::new(c.created_at, site),
                note: c.note,
            })
            .collect(),
        discussion: Value::from_safe_string(discussion.html),
        comment_count: discussion.count,
    };
    let mut res = page(
        state,
        "article.html",
        ArticlePage {
            site: view,
            meta,
            article: article_view,
        },
        shows,
    )?;
    res.extensions_mut().insert(crate::cache::EmbedsDiscussion {
        article: article.id,
        ticket: discussion.ticket,
        rendered_at: now,
    });
    Ok(res)
}

/// Longest description made from a story's first paragraph (search engines show about 160).
const DESCRIPTION_CHARS: usize = 200;

/// What search engines and social cards say of a story: its SEO description, else its
/// standfirst, else the start of its first paragraph.
fn description_of(a: &Article) -> String {
    let given = a.description().trim();
    if !given.is_empty() {
        return given.to_owned();
    }
    dateline_markup::first_paragraph(&a.body_html, DESCRIPTION_CHARS).unwrap_or_default()
}

/// schema.org `NewsArticle`.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
fn news_article_ld(
    a: &Article,
    site: &SiteContext,
    view: &SiteView,
    url: &str,
    section: &Section,
    authors: &[Person],
    tags: &[Tag],
    lead: Option<&Media>,
    published: &TimeView,
    description: &str,
    updated: Option<&TimeView>,
) -> serde_json::Value {
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "url": url,
        "headline": a.headline,
        "description": description,
        "datePublished": published.iso,
        "dateModified": updated.map_or(&published.iso, |u| &u.iso),
        "author": authors.iter().map(|p| serde_json::json!({
            "@type": "Person",
            "name": p.name,
            "url": view.absolute(&p.path()),
        })).collect::<Vec<_>>(),
        "publisher": {
            "@type": "Organization",
            "name": site.settings.name,
            "url": view.absolute("/"),
        },
        "articleSection": section.name,
        "keywords": tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "inLanguage": site.settings.language,
    });
    if let Some(m) = lead {
        let w = m.variants.iter().copied().max().unwrap_or(m.width);
        let mut image = serde_json::json!({
            "@type": "ImageObject",
            "url": view.absolute(&m.variant_path(w)),
            "width": w,
            "height": m.height_at(w),
            "caption": m.caption,
        });
        if !m.credit.is_empty() {
            image["creditText"] = serde_json::Value::from(m.credit.to_string());
        }
        ld["image"] = serde_json::Value::Array(vec![image]);
    }
    ld
}
