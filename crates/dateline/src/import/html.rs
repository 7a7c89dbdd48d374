//! A WordPress body (classic HTML with `wpautop` paragraphs, Gutenberg block comments,
//! `[caption]` and `[gallery]` shortcodes) → the editors' dialect (docs/writing.md), keeping
//! paragraphs, headings, links, lists, quotes and emphasis. What the dialect has no form for (an
//! embed, an unknown shortcode or block, a script or a form) is never dropped silently: an embed
//! becomes a link to what it embedded, other text stays as text, and each is named in
//! [`Converted::unknown`] for the import's report. Nothing here can let markup through: the
//! dialect shows HTML as typed and the markup crate sanitises what it renders.

use dateline_core::media::Credit;
use scraper::{ElementRef, Html, Node};
use std::collections::HashMap;
use std::fmt::Write;

/// The photos an import has brought into the media library, by the old site's attachment id
/// and by address, so an inline image becomes a library photo block.
#[derive(Debug, Default, Clone)]
pub struct Library {
    by_source: HashMap<String, i64>,
    by_path: HashMap<String, i64>,
}

impl Library {
    /// Photo `id` came from attachment `source_id` (may be empty) at `url`.
    pub fn add(&mut self, source_id: &str, url: &str, id: i64) {
        if !source_id.is_empty() {
            self.by_source.insert(source_id.to_owned(), id);
        }
        if let Some(k) = path_key(url) {
            self.by_path.insert(k, id);
        }
    }

    pub fn by_source(&self, source_id: &str) -> Option<i64> {
        self.by_source.get(source_id).copied()
    }

    /// The library photo an image shows: by attachment id (WordPress's `wp-image-N` class),
    /// else by address, whatever its host or scheme, and whichever size of it the old site
    /// served (WordPress's `name-300x200.jpg` is `name.jpg` resized).
    pub fn find(&self, src: &str, attachment: Option<&str>) -> Option<i64> {
        if let Some(id) = attachment.and_then(|a| self.by_source.get(a)) {
            return Some(*id);
        }
        let k = path_key(src)?;
        self.by_path
            .get(&k)
            .or_else(|| self.by_path.get(&without_size(&k)))
            .copied()
    }
}

/// The path of an address (no scheme, host, query or fragment; Ghost's `__GHOST_URL__` and
/// its `/size/w600/` copies taken away), for matching an image to the library.
pub fn path_key(url: &str) -> Option<String> {
    let u = url.trim();
    let u = u.strip_prefix("__GHOST_URL__").unwrap_or(u);
    let path = match u.find("://") {
        Some(i) => {
            let rest = &u[i + 3..];
            &rest[rest.find('/')?..]
        }
        None if u.starts_with("//") => {
            let rest = &u[2..];
            &rest[rest.find('/')?..]
        }
        None if u.starts_with('/') => u,
        None => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let path = match path.find("/size/w") {
        Some(i) => {
            let after = &path[i + 7..];
            match after.find('/') {
                Some(j) => format!("{}{}", &path[..i], &after[j..]),
                None => path.to_owned(),
            }
        }
        None => path.to_owned(),
    };
    Some(path)
}

/// `/a/name-300x200.jpg` → `/a/name.jpg`; other paths as they are.
fn without_size(path: &str) -> String {
    let Some(dot) = path.rfind('.') else {
        return path.to_owned();
    };
    let stem = &path[..dot];
    if let Some(dash) = stem.rfind('-') {
        let size = &stem[dash + 1..];
        if let Some((w, h)) = size.split_once('x')
            && !w.is_empty()
            && !h.is_empty()
            && w.bytes().all(|b| b.is_ascii_digit())
            && h.bytes().all(|b| b.is_ascii_digit())
        {
            return format!("{}{}", &stem[..dash], &path[dot..]);
        }
    }
    path.to_owned()
}

/// Every image in a body (`<img src alt>`), in order, each address once: what an import must
/// bring in before the body can point at library photos.
pub fn image_sources(body: &str) -> Vec<(String, String)> {
    let doc = Html::parse_fragment(body);
    let mut out: Vec<(String, String)> = Vec::new();
    for e in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        if e.value().name() == "img"
            && !in_bookmark(e)
            && let Some(src) = e.value().attr("src")
        {
            let src = src.trim().to_owned();
            if !src.is_empty() && !out.iter().any(|(s, _)| *s == src) {
                let alt = one_line(e.value().attr("alt").unwrap_or_default());
                out.push((src, alt));
            }
        }
    }
    out
}

/// Whether an image is part of a Ghost bookmark card (the linked page's icon and thumbnail,
/// on its site, not the post's photos).
fn in_bookmark(img: ElementRef<'_>) -> bool {
    img.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().classes().any(|c| c == "kg-bookmark-card"))
}

/// A converted body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Converted {
    pub markdown: String,
    /// What had no equivalent: `[shortcode]`, `<!-- wp:block -->` or `<element>` names.
    pub unknown: Vec<String>,
    /// Photos that could not become photo blocks (no size known): their addresses.
    pub missing_media: Vec<String>,
    /// Credits a caption gave a library photo (`© AGENCY / Photographer` at its end).
    pub credits: Vec<(i64, Credit)>,
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

/// [`convert_with`] no library photos.
pub fn convert(body: &str) -> Converted {
    convert_with(body, &Library::default())
}

/// A body in the dialect, its images pointing at `library`'s photos where it has them.
pub fn convert_with(body: &str, library: &Library) -> Converted {
    let mut out = Converted::default();
    let body = blocks(body, &mut out);
    let body = shortcodes(&body, &mut out);
    let body = autop(&body);
    let doc = Html::parse_fragment(&body);
    let mut w = Writer::new(library);
    for child in doc.root_element().children() {
        w.node(child, &mut out);
    }
    w.flush_para();
    out.markdown = w.blocks.join("\n\n").trim().to_owned();
    out.unknown.sort();
    out.unknown.dedup();
    out
}

/// Note unknown Gutenberg blocks and Ghost HTML cards; the comments themselves are dropped by
/// the HTML walk.
fn blocks(body: &str, out: &mut Converted) -> String {
    // Ghost's HTML cards: their markup comes through as text and links, and is listed.
    for _ in body.matches("<!--kg-card-begin: html-->") {
        out.unknown.push("a Ghost HTML card".to_owned());
    }
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
                // Its photos are attachments (library photos, when the import brought their
                // files), named by id: a figure of them the walk turns into photo blocks.
                let ids = attr_of(&tail[..close], "ids");
                s.push_str("<figure>");
                for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    let _ = write!(s, "<img data-attachment=\"{id}\">");
                }
                s.push_str("</figure>");
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

struct Writer<'l> {
    blocks: Vec<String>,
    para: String,
    library: &'l Library,
}

impl<'l> Writer<'l> {
    fn new(library: &'l Library) -> Self {
        Self {
            blocks: Vec::new(),
            para: String::new(),
            library,
        }
    }

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
                let mut inner = Writer::new(self.library);
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
            "figure" if e.value().classes().any(|c| c == "kg-bookmark-card") => {
                self.flush_para();
                self.bookmark(e, out);
            }
            "figure" => {
                self.flush_para();
                // A gallery of figures (Gutenberg's newer galleries): each its own photo with
                // its own caption, then the gallery's caption.
                let nested: Vec<ElementRef<'_>> = e
                    .descendants()
                    .skip(1)
                    .filter_map(ElementRef::wrap)
                    .filter(|d| d.value().name() == "figure")
                    .collect();
                if !nested.is_empty() {
                    for f in nested {
                        self.element(f, out);
                    }
                    let caption = e
                        .children()
                        .filter_map(ElementRef::wrap)
                        .find(|d| d.value().name() == "figcaption")
                        .map(|c| text_of(c).trim().to_owned())
                        .unwrap_or_default();
                    if !caption.is_empty() {
                        self.blocks.push(escape(&caption));
                    }
                    return;
                }
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
                if one {
                    self.photo(imgs[0], &caption, out);
                    return;
                }
                // A gallery: its caption's credit (`© AP / Name` at its end) is each photo's,
                // its words follow the photos.
                let (words, credit) = caption_credit(&caption);
                let mut all_credited = true;
                for img in imgs {
                    match (self.photo(img, "", out), &credit) {
                        (Some(id), Some(credit)) => out.credits.push((id, credit.clone())),
                        (None, Some(_)) => all_credited = false,
                        _ => {}
                    }
                }
                // A photo by address has no library credit: the caption keeps it then.
                let words = if all_credited { words } else { caption };
                if !words.is_empty() {
                    self.blocks.push(escape(&words));
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

    /// A Ghost bookmark card (a linked page shown as a card): a link to that page with its
    /// title and description, listed, since the dialect has no card for it.
    fn bookmark(&mut self, e: ElementRef<'_>, out: &mut Converted) {
        out.unknown.push("a Ghost bookmark card".to_owned());
        let part = |class: &str| {
            e.descendants()
                .filter_map(ElementRef::wrap)
                .find(|d| d.value().classes().any(|c| c == class))
        };
        let href = part("kg-bookmark-container")
            .and_then(|a| a.value().attr("href"))
            .unwrap_or_default()
            .trim();
        let title = part("kg-bookmark-title").map_or_else(String::new, |t| one_line(&text_of(t)));
        let description =
            part("kg-bookmark-description").map_or_else(String::new, |t| one_line(&text_of(t)));
        if href.starts_with("https://") || href.starts_with("http://") {
            let words = if title.is_empty() { href } else { &title };
            let mut p = format!(
                "[{}]({})",
                escape(words),
                href.replace(' ', "%20").replace(')', "%29")
            );
            if !description.is_empty() {
                let _ = write!(p, ": {}", escape(&description));
            }
            self.blocks.push(p);
        } else if !title.is_empty() {
            self.blocks.push(escape(&title));
        }
        let caption = e
            .children()
            .filter_map(ElementRef::wrap)
            .find(|d| d.value().name() == "figcaption")
            .map(|c| one_line(&text_of(c)))
            .unwrap_or_default();
        if !caption.is_empty() {
            self.blocks.push(escape(&caption));
        }
    }

    /// A photo block for `img`: its library photo's id when it has one.
    fn photo(&mut self, img: ElementRef<'_>, caption: &str, out: &mut Converted) -> Option<i64> {
        let v = img.value();
        let src = v.attr("src").unwrap_or_default().trim();
        let alt = v.attr("alt").unwrap_or_default().trim();
        let attachment = v.attr("data-attachment").map(str::to_owned).or_else(|| {
            v.classes()
                .find_map(|c| c.strip_prefix("wp-image-"))
                .map(str::to_owned)
        });
        if let Some(id) = self.library.find(src, attachment.as_deref()) {
            // A library photo: its credit lives in the library, so a caption's credit goes
            // there (the import sets it where the library has none).
            let (caption, credit) = caption_credit(caption);
            let mut b = format!("::: photo {id}");
            if !alt.is_empty() {
                let _ = write!(b, "\nalt: {}", one_line(alt));
            }
            if !caption.is_empty() {
                let _ = write!(b, "\ncaption: {}", one_line(&caption));
            }
            b.push_str("\n:::");
            self.blocks.push(b);
            if let Some(credit) = credit {
                out.credits.push((id, credit));
            }
            return Some(id);
        }
        if src.is_empty() {
            if let Some(a) = attachment {
                out.missing_media
                    .push(format!("attachment {a} (its file was not imported)"));
            }
            return None;
        }
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
                out.missing_media.push(if safe {
                    format!("{src} (no size given: kept as a link)")
                } else {
                    format!("{src} (not an address: left out)")
                });
                if safe {
                    let words = if alt.is_empty() { "Photo" } else { alt };
                    self.blocks.push(format!("[{}]({src})", escape(words)));
                }
                if !caption.is_empty() {
                    self.blocks.push(escape(caption));
                }
            }
        }
        None
    }
}

/// A caption's words and the credit at its end, kept exactly as printed when the composed line
/// would read differently (`© Reuters / …` would print `© REUTERS / …`).
pub fn caption_credit(caption: &str) -> (String, Option<Credit>) {
    let (words, parts) = split_credit(caption);
    let credit = parts.map(|(agency, photographer)| {
        let c = caption.trim();
        let printed = c.rfind('©').map_or("", |i| c[i..].trim());
        let composed = Credit::new(agency, photographer, "");
        if composed.to_string() == printed {
            composed
        } else {
            composed.with_printed(printed)
        }
    });
    (words, credit)
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
