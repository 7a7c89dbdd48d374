//! A feed as JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), serialised with serde_json:
//! the format is plain JSON, so no crate is needed beyond the shapes below. Every item carries
//! `content_html` (full text) or `content_text` (the summary), as the spec requires one of them.
//!
//! It must never write a relative address, and never an empty optional field (they are left
//! out instead, as the spec prefers).

use super::model::{Feed, Item, rfc3339};
use crate::AppError;
use jiff::tz::TimeZone;
use serde::Serialize;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    language: &'a str,
    authors: Vec<Author<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

pub(super) fn render(feed: &Feed) -> Result<String, AppError> {
    let site_url = format!("{}/", feed.origin);
    let out = JsonFeed {
        version: VERSION,
        title: &feed.title,
        home_page_url: &feed.page_url,
        feed_url: &feed.self_url,
        description: &feed.description,
        language: &feed.language,
        authors: vec![Author {
            name: &feed.site_name,
            url: &site_url,
        }],
        items: feed.items.iter().map(|i| item(i, &feed.tz)).collect(),
    };
    serde_json::to_string(&out)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing a JSON feed")))
}

fn item<'a>(i: &'a Item, tz: &TimeZone) -> JsonItem<'a> {
    JsonItem {
        id: &i.id,
        url: &i.url,
        title: &i.title,
        content_html: i.content_html.as_deref(),
        content_text: i.content_html.is_none().then_some(i.summary.as_str()),
        summary: &i.summary,
        image: i.image.as_ref().map(|img| img.url.as_str()),
        date_published: rfc3339(i.published, tz),
        date_modified: i.updated.map(|u| rfc3339(u, tz)),
        authors: i
            .authors
            .iter()
            .map(|a| Author {
                name: &a.name,
                url: &a.url,
            })
            .collect(),
        tags: std::iter::once(i.section.name.as_str())
            .chain(i.tags.iter().map(|t| t.name.as_str()))
            .collect(),
    }
}
