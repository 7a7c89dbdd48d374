//! A feed as RSS 2.0, written by the `rss` crate (which escapes every value and wraps bodies in
//! CDATA safely). Bylines go in Dublin Core `dc:creator` because RSS's own `author` must be an
//! e-mail address, which the site never publishes; the full body goes in `content:encoded`,
//! next to the summary in `description`; the lead photo is the `enclosure`.
//!
//! RSS says nothing of whether a title or description is text or HTML, and readers take them
//! as HTML: a standfirst `<img src=x onerror=…>` written as is (the XML escaping is undone by
//! the XML parser) ran in the reader. So the plain texts RSS carries as titles and descriptions
//! are escaped as HTML text first ([`html_text`]; the XML writer then escapes that again): a
//! reader decodes them to inert text. Only `content:encoded` is HTML, the sanitised body.
//!
//! It must never write a relative address: feed readers have no page to resolve it against,
//! nor markup in a title or description.

use super::model::{Feed, Item};
use crate::AppError;
use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::extension::dublincore::DublinCoreExtension;
use ::rss::{Category, Channel, Enclosure, Guid};
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub(super) fn render(feed: &Feed) -> Result<String, AppError> {
    let channel = Channel {
        title: html_text(&feed.title),
        link: feed.page_url.clone(),
        description: html_text(&feed.description),
        language: Some(feed.language.clone()),
        generator: Some("Dateline".to_owned()),
        last_build_date: Some(rfc2822(feed.updated, &feed.tz)?),
        atom_ext: Some(AtomExtension {
            // `atom:link rel="self"`: the feed's own address, which validators ask for.
            links: vec![Link {
                href: feed.self_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            }],
        }),
        items: feed
            .items
            .iter()
            .map(|i| item(i, &feed.tz))
            .collect::<Result<_, _>>()?,
        ..Channel::default()
    };
    let bytes = channel
        .write_to(Vec::new())
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing an RSS feed")))?;
    super::xml::document(bytes, "an RSS feed")
}

fn item(i: &Item, tz: &TimeZone) -> Result<::rss::Item, AppError> {
    let mut categories = vec![Category {
        name: i.section.name.clone(),
        domain: None,
    }];
    categories.extend(i.tags.iter().map(|t| Category {
        name: t.name.clone(),
        domain: None,
    }));
    Ok(::rss::Item {
        title: Some(html_text(&i.title)),
        link: Some(i.url.clone()),
        description: Some(html_text(&i.summary)),
        content: i.content_html.clone(),
        guid: Some(Guid {
            // The short URL: it answers 301 to the story for as long as the story exists.
            value: i.id.clone(),
            permalink: true,
        }),
        pub_date: Some(rfc2822(i.published, tz)?),
        categories,
        enclosure: i.image.as_ref().map(|img| Enclosure {
            url: img.url.clone(),
            // RSS requires the attribute; 0 is the customary "unknown" when the file lives
            // elsewhere.
            length: img.length.unwrap_or(0).to_string(),
            mime_type: img.mime.to_owned(),
        }),
        dublin_core_ext: (!i.authors.is_empty()).then(|| DublinCoreExtension {
            creators: i.authors.iter().map(|a| a.name.clone()).collect(),
            ..DublinCoreExtension::default()
        }),
        ..::rss::Item::default()
    })
}

/// Plain text as HTML text: `&`, `<` and `>` escaped. Quotes need no escaping outside an
/// attribute, and a reader that shows the text as is then shows an apostrophe as one.
fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `Wed, 29 Jan 2020 12:03:00 +0000`, as RSS 2.0 dates are written.
fn rfc2822(at: Timestamp, tz: &TimeZone) -> Result<String, AppError> {
    jiff::fmt::rfc2822::to_string(&at.to_zoned(tz.clone()))
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("formatting a feed date")))
}
