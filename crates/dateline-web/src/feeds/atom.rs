//! A feed as Atom (RFC 4287), written by the `atom_syndication` crate. Entry ids are the stories'
//! short URLs (they never change, unlike a slug); the feed's author is the site, so entries
//! without a byline stay valid; the lead photo is a `link rel="enclosure"`.
//!
//! It must never write a relative address without the `xml:base` that resolves it.

use super::model::{Feed, Item, rfc3339};
use crate::AppError;
use atom_syndication::{
    Category, Content, Entry, FixedDateTime, Generator, Link, Person, Text, TextType,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub(super) fn render(feed: &Feed) -> Result<String, AppError> {
    let out = atom_syndication::Feed {
        title: plain(&feed.title),
        id: feed.page_url.clone(),
        updated: date(feed.updated, &feed.tz)?,
        subtitle: Some(plain(&feed.description)),
        authors: vec![Person {
            name: feed.site_name.clone(),
            email: None,
            uri: Some(format!("{}/", feed.origin)),
            ..Person::default()
        }],
        links: vec![
            link(&feed.page_url, "alternate", "text/html", None),
            link(&feed.self_url, "self", "application/atom+xml", None),
        ],
        generator: Some(Generator {
            value: "Dateline".to_owned(),
            uri: None,
            version: None,
        }),
        lang: Some(feed.language.clone()),
        // Editors may link to site paths in a body; this resolves them.
        base: Some(format!("{}/", feed.origin)),
        entries: feed
            .items
            .iter()
            .map(|i| entry(i, &feed.tz))
            .collect::<Result<_, _>>()?,
        ..atom_syndication::Feed::default()
    };
    let bytes = out
        .write_to(Vec::new())
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing an Atom feed")))?;
    super::xml::document(bytes, "an Atom feed")
}

fn entry(i: &Item, tz: &TimeZone) -> Result<Entry, AppError> {
    let mut links = vec![link(&i.url, "alternate", "text/html", None)];
    if let Some(img) = &i.image {
        let mut enclosure = link(&img.url, "enclosure", img.mime, img.length);
        enclosure.title = (!img.alt.is_empty()).then(|| img.alt.clone());
        links.push(enclosure);
    }
    let mut categories = vec![category(&i.section)];
    categories.extend(i.tags.iter().map(category));
    Ok(Entry {
        id: i.id.clone(),
        title: plain(&i.title),
        updated: date(i.last_change(), tz)?,
        published: Some(date(i.published, tz)?),
        authors: i
            .authors
            .iter()
            .map(|a| Person {
                name: a.name.clone(),
                email: None,
                uri: Some(a.url.clone()),
                ..Person::default()
            })
            .collect(),
        links,
        categories,
        summary: Some(plain(&i.summary)),
        content: i.content_html.as_ref().map(|html| Content {
            value: Some(html.clone()),
            content_type: Some("html".to_owned()),
            ..Content::default()
        }),
        ..Entry::default()
    })
}

fn plain(s: &str) -> Text {
    Text {
        value: s.to_owned(),
        r#type: TextType::Text,
        ..Text::default()
    }
}

fn link(href: &str, rel: &str, mime: &str, length: Option<u64>) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: Some(mime.to_owned()),
        length: length.map(|n| n.to_string()),
        ..Link::default()
    }
}

fn category(c: &super::model::Category) -> Category {
    Category {
        term: c.slug.clone(),
        scheme: Some(c.scheme.clone()),
        label: Some(c.name.clone()),
    }
}

fn date(at: Timestamp, tz: &TimeZone) -> Result<FixedDateTime, AppError> {
    FixedDateTime::parse_from_rfc3339(&rfc3339(at, tz))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("an Atom date: {e}")))
}
