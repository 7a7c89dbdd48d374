//! Parsed pages for assertions: select by CSS, read text and attributes, with failures that say
//! which selector found nothing.

use scraper::{ElementRef, Html, Selector};

pub struct Page {
    pub html: Html,
    pub source: String,
}

impl Page {
    pub fn parse(source: &str) -> Self {
        Self {
            html: Html::parse_document(source),
            source: source.to_owned(),
        }
    }

    /// The body of `res` (the answer to `GET path`) as a page, insisting on `status`; a wrong
    /// status fails with the start of the body, which usually says why.
    pub async fn expect(res: reqwest::Response, path: &str, status: u16) -> anyhow::Result<Self> {
        let got = res.status().as_u16();
        let body = res.text().await?;
        anyhow::ensure!(
            got == status,
            "GET {path}: expected {status}, got {got}\n{}",
            &body[..body.len().min(2000)]
        );
        Ok(Self::parse(&body))
    }

    fn selector(css: &str) -> Selector {
        Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e}"))
    }

    /// Every element matching `css`.
    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&Self::selector(css)).collect()
    }

    /// The first element matching `css`; panics naming the selector when there is none.
    pub fn one(&self, css: &str) -> ElementRef<'_> {
        self.html
            .select(&Self::selector(css))
            .next()
            .unwrap_or_else(|| panic!("no element matches {css:?}"))
    }

    pub fn has(&self, css: &str) -> bool {
        self.html.select(&Self::selector(css)).next().is_some()
    }

    /// Text of the first match, whitespace collapsed.
    pub fn text(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    /// Texts of every match.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).into_iter().map(text_of).collect()
    }

    /// An attribute of the first match.
    pub fn attr(&self, css: &str, name: &str) -> String {
        self.one(css)
            .value()
            .attr(name)
            .unwrap_or_else(|| panic!("{css:?} has no {name} attribute"))
            .to_owned()
    }

    /// An attribute of every match.
    pub fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        self.all(css)
            .into_iter()
            .filter_map(|e| e.value().attr(name).map(str::to_owned))
            .collect()
    }
}

pub fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
