//! A WordPress body (classic HTML with `wpautop` paragraphs, Gutenberg block comments,
//! `[caption]` and `[gallery]` shortcodes) → the editors' dialect (docs/writing.md), keeping
//! paragraphs, headings, links, lists, quotes and emphasis. What the dialect has no form for (an
//! embed, an unknown shortcode or block, a script or a form) is never dropped silently: an embed
//! becomes a link to what it embedded, other text stays as text, and each is named in
//! [`Converted::unknown`] for the import's report. Nothing here can let markup through: the
//! dialect shows HTML as typed and the markup crate sanitises what it renders.

use scraper::{ElementRef, Html, Node};
use std::fmt::Write;

/// A converted body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Converted {
    pub markdown: String,
    /// What had no equivalent: `[shortcode]`, `<!-- wp:block -->` or `<element>` names.
    pub unknown: Vec<String>,
    /// Photos that could not become photo blocks (no size known): their addresses.
    pub missing_media: Vec<String>,
}

/// Gutenberg blocks whose HTML converts as it stands.
const KNOWN_BLOCKS: &[&str] = &[
    "paragraph",
    "heading",
    "list",
    "list-item",
    "quote",
    "image",
    "gallery",
    "separator",
    "more",
    "table",
    "pullquote",
    "preformatted",
    "code",
    "group",
    "columns",
    "column",
    "spacer",
    "embed",
];

pub fn convert(body: &str) -> Converted {
    let mut out = Converted::default();
    let body = blocks(body, &mut out);
    let body = shortcodes(&body, &mut out);
    let body = autop(&body);
    let doc = Html::parse_fragment(&body);
    let mut w = Writer::default();
    for child in doc.root_element().children() {
        w.node(child, &mut out);
    }
    w.flush_para();
    out.markdown = w.blocks.join("\n\n").trim().to_owned();
    out.unknown.sort();
    out.unknown.dedup();
    out
}

/// Note unknown Gutenberg blocks; the comments themselves are dropped by the HTML walk.
fn blocks(body: &str, out: &mut Converted) -> String {
    let mut rest = body;
    while let Some(i) = rest.find("<!-- wp:") {
        let name: String = rest[i + 8..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_'))
            .collect();
        let bare = name.strip_prefix("core/").unwrap_or(&name);
        if !KNOWN_BLOCKS.contains(&bare) {
            out.unknown.push(format!("<!-- wp:{name} -->"));
        }
        rest = &rest[i + 8..];
    }
    body.to_owned()
}

/// `[caption …]<img …> Words[/caption]` → a figure the walk turns into a photo block;
/// `[gallery ids="…"]` → noted (the ids name library photos the import brings in separately);
/// other shortcodes stay as typed and are listed.
fn shortcodes(body: &str, out: &mut Converted) -> String {
    let mut s = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find('[') {
        s.push_str(&rest[..i]);
        let tail = &rest[i..];
        let name: String = tail[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let Some(close) = tail.find(']') else {
            s.push_str(tail);
            rest = "";
            break;
        };
        match name.as_str() {
            "caption" | "wp_caption" => {
                let end_tag = format!("[/{name}]");
                if let Some(end) = tail.find(&end_tag) {
                    let inner = &tail[close + 1..end];
                    let (img, words) = match inner.find('>') {
                        Some(j) if inner.trim_start().starts_with('<') => {
                            (&inner[..=j], inner[j + 1..].trim())
                        }
                        _ => ("", inner.trim()),
                    };
                    // A link around the image: keep the image, drop the link.
                    let img = img.trim();
                    let img = img
                        .find("<img")
                        .map_or(img, |k| &img[k..])
                        .trim_end_matches("</a>");
                    let words = words.trim_start_matches("</a>").trim();
                    let _ = write!(s, "<figure>{img}<figcaption>{words}</figcaption></figure>");
                    rest = &tail[end + end_tag.len()..];
                    continue;
                }
                s.push_str(&tail[..=close]);
            }
            "gallery" => {
                // Its photos are attachments (library photos), not addresses in the body.
                out.unknown.push("[gallery]".to_owned());
                let ids = attr_of(&tail[..close], "ids");
                out.missing_media
                    .push(format!("the gallery of attachments {ids}"));
            }
            "" => s.push('['),
            other => {
                // `[1]` or `[sic]`-like brackets are words, not shortcodes.
                if tail[1..close].contains('=') || tail[..close].contains(' ') || other.len() > 2 {
                    out.unknown.push(format!("[{other}]"));
                }
                s.push_str(&tail[..=close]);
            }
        }
        rest = &tail[if name.is_empty() { 1 } else { close + 1 }..];
    }
    s.push_str(rest);
    s
}

fn attr_of(tag: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    tag.find(&needle)
        .and_then(|i| {
            let v = &tag[i + needle.len()..];
            v.find('"').map(|j| v[..j].to_owned())
        })
        .unwrap_or_default()
}

/// WordPress's classic editor stores paragraphs as blank lines (its `wpautop` adds the `<p>`s
/// when showing them): make them paragraphs here, leaving text already in block elements be.
fn autop(body: &str) -> String {
    if body.contains("<p") || body.contains("<!-- wp:") {
        return body.to_owned();
    }
    let mut s = String::with_capacity(body.len() + 64);
    for para in body.replace("\r\n", "\n").split("\n\n") {
        let p = para.trim();
        if p.is_empty() {
            continue;
        }
        let block = [
            "<h",
            "<ul",
            "<ol",
            "<blockquote",
            "<figure",
            "<table",
            "<pre",
            "<div",
        ]
        .iter()
        .any(|t| p.starts_with(t));
        if block {
            s.push_str(p);
        } else {
            let _ = write!(s, "<p>{}</p>", p.replace('\n', "<br>"));
        }
    }
    s
}

#[derive(Default)]
struct Writer {
    blocks: Vec<String>,
    para: String,
}

impl Writer {
    fn flush_para(&mut self) {
        let p = self.para.trim().to_owned();
        if !p.is_empty() {
            self.blocks.push(p);
        }
        self.para.clear();
    }

    fn node(&mut self, node: ego_tree::NodeRef<'_, Node>, out: &mut Converted) {
        match node.value() {
            Node::Text(t) => self.para.push_str(&escape(&collapse(t))),
            Node::Element(_) => {
                if let Some(e) = ElementRef::wrap(node) {
                    self.element(e, out);
                }
            }
            _ => {}
        }
    }

    fn element(&mut self, e: ElementRef<'_>, out: &mut Converted) {
        let name = e.value().name();
        match name {
            "p" | "div" | "section" | "article" => {
                self.flush_para();
                if e.value().classes().any(|c| c == "wp-block-embed__wrapper") {
                    let url = text_of(e);
                    self.blocks.push(format!("<{}>", url.trim()));
                    return;
                }
                for c in e.children() {
                    self.node(c, out);
                }
                self.flush_para();
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush_para();
                // The headline is the page's only h1: body headings start at `#` (an h2).
                let level = name[1..]
                    .parse::<usize>()
                    .unwrap_or(2)
                    .saturating_sub(1)
                    .max(1);
                let text = inline(e, out);
                if !text.is_empty() {
                    self.blocks.push(format!("{} {text}", "#".repeat(level)));
                }
            }
            "ul" | "ol" => {
                self.flush_para();
                self.blocks.push(list(e, name == "ol", out));
            }
            "blockquote" => {
                self.flush_para();
                let mut inner = Writer::default();
                for c in e.children() {
                    inner.node(c, out);
                }
                inner.flush_para();
                let q = inner
                    .blocks
                    .join("\n\n")
                    .lines()
                    .map(|l| {
                        if l.is_empty() {
                            ">".to_owned()
                        } else {
                            format!("> {l}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                if !q.is_empty() {
                    self.blocks.push(q);
                }
            }
            "figure" => {
                self.flush_para();
                let imgs: Vec<ElementRef<'_>> = e
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .filter(|d| d.value().name() == "img")
                    .collect();
                let caption = e
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .find(|d| d.value().name() == "figcaption")
                    .map(|c| text_of(c).trim().to_owned())
                    .unwrap_or_default();
                if imgs.is_empty() {
                    // An embed's figure: its wrapper holds the address.
                    for c in e.children() {
                        self.node(c, out);
                    }
                    self.flush_para();
                    if !caption.is_empty() {
                        self.blocks.push(escape(&caption));
                    }
                    return;
                }
                let one = imgs.len() == 1;
                for img in imgs {
                    self.photo(img, if one { &caption } else { "" }, out);
                }
                if !one && !caption.is_empty() {
                    self.blocks.push(escape(&caption));
                }
            }
            "img" => {
                self.flush_para();
                self.photo(e, "", out);
            }
            "hr" => {
                self.flush_para();
                self.blocks.push("---".to_owned());
            }
            "pre" => {
                self.flush_para();
                let t = text_of(e);
                self.blocks.push(format!("```\n{}\n```", t.trim_end()));
            }
            "br" => self.para.push_str("  \n"),
            "script" | "style" | "iframe" | "form" | "object" | "embed" | "video" | "audio" => {
                self.flush_para();
                out.unknown.push(format!("<{name}>"));
                let src = e.value().attr("src").unwrap_or_default();
                if src.starts_with("https://") || src.starts_with("http://") {
                    self.blocks.push(format!("<{src}>"));
                }
            }
            _ => {
                let s = inline(e, out);
                self.para.push_str(&s);
            }
        }
    }

    fn photo(&mut self, img: ElementRef<'_>, caption: &str, out: &mut Converted) {
        let v = img.value();
        let src = v.attr("src").unwrap_or_default().trim();
        let alt = v.attr("alt").unwrap_or_default().trim();
        let size = match (v.attr("width"), v.attr("height")) {
            (Some(w), Some(h)) => match (w.trim().parse::<u32>(), h.trim().parse::<u32>()) {
                (Ok(w), Ok(h)) if w > 0 && h > 0 => Some((w, h)),
                _ => None,
            },
            _ => None,
        };
        let safe =
            src.starts_with("https://") || src.starts_with("http://") || src.starts_with('/');
        match (safe, size) {
            (true, Some((w, h))) => {
                let (caption, credit) = split_credit(caption);
                let mut b = format!(
                    "::: photo {src}\nalt: {}\nsize: {w}x{h}",
                    one_line(if alt.is_empty() { "Photo" } else { alt })
                );
                if !caption.is_empty() {
                    let _ = write!(b, "\ncaption: {}", one_line(&caption));
                }
                if let Some((agency, photographer)) = credit {
                    let _ = write!(b, "\nagency: {}", one_line(&agency));
                    if !photographer.is_empty() {
                        let _ = write!(b, "\nphotographer: {}", one_line(&photographer));
                    }
                }
                b.push_str("\n:::");
                self.blocks.push(b);
            }
            _ => {
                out.missing_media.push(src.to_owned());
                if safe {
                    let words = if alt.is_empty() { "Photo" } else { alt };
                    self.blocks.push(format!("[{}]({src})", escape(words)));
                }
                if !caption.is_empty() {
                    self.blocks.push(escape(caption));
                }
            }
        }
    }
}

/// `Words. © AGENCY / Photographer` → (words, Some((agency, photographer))).
pub fn split_credit(caption: &str) -> (String, Option<(String, String)>) {
    let c = caption.trim();
    if let Some(i) = c.rfind('©') {
        let credit = c[i + '©'.len_utf8()..].trim();
        let words = c[..i]
            .trim()
            .trim_end_matches(['(', '—', '-'])
            .trim()
            .to_owned();
        let (agency, photographer) = match credit.split_once('/') {
            Some((a, p)) => (a.trim().to_owned(), p.trim().to_owned()),
            None => (credit.to_owned(), String::new()),
        };
        if !agency.is_empty() {
            return (words, Some((agency, photographer)));
        }
    }
    (c.to_owned(), None)
}

fn list(e: ElementRef<'_>, ordered: bool, out: &mut Converted) -> String {
    let mut lines = Vec::new();
    let mut n = 1;
    for li in e.children().filter_map(ElementRef::wrap) {
        if li.value().name() != "li" {
            continue;
        }
        let marker = if ordered {
            format!("{n}.")
        } else {
            "-".to_owned()
        };
        n += 1;
        let mut text = String::new();
        let mut nested = Vec::new();
        for c in li.children() {
            match ElementRef::wrap(c) {
                Some(ce) if matches!(ce.value().name(), "ul" | "ol") => {
                    nested.push(list(ce, ce.value().name() == "ol", out));
                }
                Some(ce) => text.push_str(&inline(ce, out)),
                None => {
                    if let Node::Text(t) = c.value() {
                        text.push_str(&escape(&collapse(t)));
                    }
                }
            }
        }
        lines.push(format!("{marker} {}", text.trim()));
        let pad = " ".repeat(marker.len() + 1);
        for sub in nested {
            for l in sub.lines() {
                lines.push(format!("{pad}{l}"));
            }
        }
    }
    lines.join("\n")
}

/// Inline content: emphasis, links, code; everything else as its text.
fn inline(e: ElementRef<'_>, out: &mut Converted) -> String {
    let inner = |out: &mut Converted| {
        let mut s = String::new();
        for c in e.children() {
            match c.value() {
                Node::Text(t) => s.push_str(&escape(&collapse(t))),
                Node::Element(_) => {
                    if let Some(ce) = ElementRef::wrap(c) {
                        s.push_str(&inline(ce, out));
                    }
                }
                _ => {}
            }
        }
        s
    };
    match e.value().name() {
        "strong" | "b" => wrap("**", &inner(out)),
        "em" | "i" => wrap("*", &inner(out)),
        "del" | "s" | "strike" => wrap("~~", &inner(out)),
        "code" => format!("`{}`", text_of(e).replace('`', "")),
        "br" => "  \n".to_owned(),
        "a" => {
            let words = inner(out);
            let href = e.value().attr("href").unwrap_or_default().trim();
            let ok = href.starts_with("https://")
                || href.starts_with("http://")
                || href.starts_with("mailto:")
                || href.starts_with('/');
            if ok && !words.trim().is_empty() {
                format!(
                    "[{}]({})",
                    words.trim(),
                    href.replace(' ', "%20").replace(')', "%29")
                )
            } else {
                words
            }
        }
        "img" => String::new(),
        "script" | "style" | "iframe" => {
            out.unknown.push(format!("<{}>", e.value().name()));
            String::new()
        }
        _ => inner(out),
    }
}

fn wrap(mark: &str, s: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!("{mark}{t}{mark}")
    }
}

fn text_of(e: ElementRef<'_>) -> String {
    e.text().collect::<String>()
}

fn collapse(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            if !space {
                s.push(' ');
            }
            space = true;
        } else {
            s.push(c);
            space = false;
        }
    }
    s
}

fn one_line(s: &str) -> String {
    collapse(s).trim().to_owned()
}

/// Text that must stay text in the dialect: Markdown's own characters escaped, so a `*` in a
/// sentence is never emphasis and a line never starts a list or a heading by accident.
fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>' | '#' | '~' | '|'
        ) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

#[cfg(test)]
mod tests;
