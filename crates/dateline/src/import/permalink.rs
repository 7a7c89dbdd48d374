//! Ghost's post permalinks (`routes.yaml`: `collections: /: permalink: /{primary_tag}/{slug}/`),
//! filled in as Ghost fills them (`replacePermalink` in @tryghost/url-utils), so an imported
//! post's old URL is the one Ghost served: `{year}`, `{month}`, `{day}` of its publication in
//! the site's time zone, `{slug}`, `{id}`, and `{primary_tag}`, `{primary_author}` and
//! `{author}` as the slug of the post's primary tag or author, or `all` when it has none.
//!
//! Only fills in what the caller gives: it never decides which tag or author is primary (the
//! Ghost importer does, by Ghost's rule) and never reads a file.

use anyhow::bail;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// What Ghost writes for a `{primary_tag}` or `{primary_author}` a post does not have.
const FALLBACK: &str = "all";

/// A checked permalink pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permalink(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Year,
    Month,
    Day,
    Slug,
    Id,
    PrimaryTag,
    PrimaryAuthor,
}

/// The parts of one post a permalink can name.
#[derive(Debug, Clone, Copy)]
pub struct PostParts<'a> {
    pub slug: &'a str,
    pub id: &'a str,
    pub published_at: Timestamp,
    pub primary_tag: Option<&'a str>,
    pub primary_author: Option<&'a str>,
}

impl Permalink {
    /// Ghost's default, `/{slug}/`.
    pub fn ghost_default() -> Self {
        Self(vec![
            Part::Text("/".to_owned()),
            Part::Slug,
            Part::Text("/".to_owned()),
        ])
    }

    /// A pattern as `routes.yaml` writes it; a sentence naming what is wrong otherwise.
    pub fn parse(pattern: &str) -> anyhow::Result<Self> {
        let pattern = pattern.trim();
        if !pattern.starts_with('/') || !pattern.ends_with('/') {
            bail!(
                "the permalink {pattern:?} must be a path that starts and ends with / \
                 (as routes.yaml writes it: /{{primary_tag}}/{{slug}}/)"
            );
        }
        let mut parts = Vec::new();
        let mut rest = pattern;
        let text = |t: &str| -> anyhow::Result<Part> {
            if t.contains('}') {
                bail!("the permalink {pattern:?} has a }} that opens nothing");
            }
            Ok(Part::Text(t.to_owned()))
        };
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(text(&rest[..open])?);
            }
            let Some(close) = rest[open..].find('}') else {
                bail!("the permalink {pattern:?} has a {{ that is never closed");
            };
            let name = &rest[open + 1..open + close];
            parts.push(match name {
                "year" => Part::Year,
                "month" => Part::Month,
                "day" => Part::Day,
                "slug" => Part::Slug,
                "id" => Part::Id,
                "primary_tag" => Part::PrimaryTag,
                // Ghost writes the primary author's slug for both.
                "primary_author" | "author" => Part::PrimaryAuthor,
                other => bail!(
                    "the permalink {pattern:?} names {{{other}}}, which Ghost's routes do not \
                     know: use {{year}}, {{month}}, {{day}}, {{slug}}, {{id}}, \
                     {{primary_tag}}, {{primary_author}} or {{author}}"
                ),
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(text(rest)?);
        }
        if !parts.iter().any(|p| matches!(p, Part::Slug | Part::Id)) {
            bail!(
                "the permalink {pattern:?} needs {{slug}} or {{id}}: without one, two posts \
                 would share a URL"
            );
        }
        Ok(Self(parts))
    }

    pub fn is_ghost_default(&self) -> bool {
        *self == Self::ghost_default()
    }

    /// Whether filling it in needs the site's time zone.
    pub fn has_dates(&self) -> bool {
        self.0
            .iter()
            .any(|p| matches!(p, Part::Year | Part::Month | Part::Day))
    }

    /// The path Ghost gave `post`, its dates in the site's time zone `tz`.
    pub fn path(&self, post: &PostParts<'_>, tz: &TimeZone) -> String {
        let date = post.published_at.to_zoned(tz.clone());
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Year => out.push_str(&format!("{:04}", date.year())),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::Day => out.push_str(&format!("{:02}", date.day())),
                Part::Slug => out.push_str(post.slug),
                Part::Id => out.push_str(post.id),
                Part::PrimaryTag => out.push_str(post.primary_tag.unwrap_or(FALLBACK)),
                Part::PrimaryAuthor => out.push_str(post.primary_author.unwrap_or(FALLBACK)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
