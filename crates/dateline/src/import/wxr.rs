//! A streaming reader of WordPress's export format (WXR 1.0–1.2: RSS 2.0 with the `wp:`,
//! `content:`, `excerpt:` and `dc:` namespaces), one `<item>` at a time: memory holds the
//! channel's authors, categories and tags and the current item, never the file.
//!
//! A file that is not WXR, of a version we do not know, broken or cut short is an error naming
//! the problem and the line, never a partial answer.

use anyhow::{Context, anyhow, bail};
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

#[derive(Debug, Default, Clone)]
pub struct Author {
    pub id: String,
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub description: String,
}

#[derive(Debug, Default, Clone)]
pub struct Term {
    pub id: String,
    /// The slug (`nicename`).
    pub slug: String,
    /// The parent category's slug ('' at the top).
    pub parent: String,
    pub name: String,
    pub description: String,
}

/// What the channel says before its items.
#[derive(Debug, Default, Clone)]
pub struct Channel {
    pub version: String,
    pub base_url: String,
    pub authors: Vec<Author>,
    pub categories: Vec<Term>,
    pub tags: Vec<Term>,
}

/// A post, page or attachment: its leaf fields by element name (`wp:post_id`, `title`,
/// `content:encoded`…), its terms, metadata and comments.
#[derive(Debug, Default, Clone)]
pub struct Item {
    pub line: u64,
    pub fields: HashMap<String, String>,
    /// (domain, nicename, name): `category` or `post_tag`.
    pub terms: Vec<(String, String, String)>,
    pub meta: Vec<(String, String)>,
    pub comments: Vec<HashMap<String, String>>,
}

impl Item {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |s| s.trim())
    }

    pub fn meta(&self, key: &str) -> impl Iterator<Item = &str> {
        self.meta
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Counts the lines the parser has consumed, for messages.
struct Lines<R> {
    inner: R,
    line: u64,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.line += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.line += buf[..amt].iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.inner.consume(amt);
    }
}

pub struct Reader {
    xml: quick_xml::Reader<Lines<BufReader<std::fs::File>>>,
    buf: Vec<u8>,
    stack: Vec<String>,
    pub channel: Channel,
    finished: bool,
}

#[derive(PartialEq)]
enum Ctx {
    Other,
    Author,
    Category,
    Tag,
}

impl Reader {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let lines = Lines {
            inner: BufReader::with_capacity(64 * 1024, file),
            line: 1,
        };
        let mut xml = quick_xml::Reader::from_reader(lines);
        xml.config_mut().trim_text(false);
        Ok(Self {
            xml,
            buf: Vec::with_capacity(64 * 1024),
            stack: Vec::new(),
            channel: Channel::default(),
            finished: false,
        })
    }

    fn line(&self) -> u64 {
        self.xml.get_ref().line
    }

    /// The next item, or None at the end of a whole export.
    pub fn next_item(&mut self) -> anyhow::Result<Option<Item>> {
        if self.finished {
            return Ok(None);
        }
        let mut text = String::new();
        let mut ctx = Ctx::Other;
        let mut author = Author::default();
        let mut term = Term::default();
        let mut item: Option<Item> = None;
        let mut meta: (String, String) = Default::default();
        let mut comment: Option<HashMap<String, String>> = None;
        let mut attrs: (String, String) = Default::default();
        loop {
            self.buf.clear();
            let line = self.line();
            let ev = self
                .xml
                .read_event_into(&mut self.buf)
                .map_err(|e| anyhow!("line {line}: the XML is broken ({e})"))?;
            match ev {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if self.stack.is_empty() && name != "rss" {
                        bail!(
                            "line {line}: not a WordPress export (WXR): the document is <{name}>, \
                             not <rss>"
                        );
                    }
                    text.clear();
                    let depth = self.stack.len();
                    match (depth, name.as_str()) {
                        (2, "item") => {
                            if self.channel.version.is_empty() {
                                bail!(
                                    "line {line}: not a WordPress export (WXR): no \
                                     <wp:wxr_version> before the first item"
                                );
                            }
                            item = Some(Item {
                                line,
                                ..Item::default()
                            });
                        }
                        (2, "wp:author") => {
                            ctx = Ctx::Author;
                            author = Author::default();
                        }
                        (2, "wp:category") => {
                            ctx = Ctx::Category;
                            term = Term::default();
                        }
                        (2, "wp:tag") => {
                            ctx = Ctx::Tag;
                            term = Term::default();
                        }
                        (3, "category") if item.is_some() => {
                            let decoder = self.xml.decoder();
                            let get = |k: &[u8]| {
                                e.try_get_attribute(k)
                                    .ok()
                                    .flatten()
                                    .and_then(|a| {
                                        a.decoded_and_normalized_value(
                                            quick_xml::XmlVersion::Implicit1_0,
                                            decoder,
                                        )
                                        .ok()
                                        .map(|v| v.into_owned())
                                    })
                                    .unwrap_or_default()
                            };
                            attrs = (get(b"domain"), get(b"nicename"));
                        }
                        (3, "wp:comment") if item.is_some() => comment = Some(HashMap::new()),
                        (3, "wp:postmeta") => meta = Default::default(),
                        _ => {}
                    }
                    self.stack.push(name);
                }
                Event::End(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    self.stack.pop();
                    let depth = self.stack.len();
                    let value = std::mem::take(&mut text);
                    match depth {
                        0 => {
                            self.finished = true;
                            return Ok(None);
                        }
                        1 if self.channel.version.is_empty() => {
                            bail!(
                                "line {line}: not a WordPress export (WXR): the channel has no \
                                 <wp:wxr_version>"
                            );
                        }
                        2 => match name.as_str() {
                            "item" => return Ok(item.take()),
                            "wp:wxr_version" => {
                                let v = value.trim().to_owned();
                                if !matches!(v.as_str(), "1.0" | "1.1" | "1.2") {
                                    bail!(
                                        "line {line}: WXR version {v} is not supported (this \
                                         importer reads 1.0 to 1.2, what WordPress writes)"
                                    );
                                }
                                self.channel.version = v;
                            }
                            "wp:base_site_url" => {
                                self.channel.base_url = value.trim().to_owned();
                            }
                            "link" if self.channel.base_url.is_empty() => {
                                self.channel.base_url = value.trim().to_owned();
                            }
                            "wp:author" => {
                                self.channel.authors.push(std::mem::take(&mut author));
                                ctx = Ctx::Other;
                            }
                            "wp:category" => {
                                self.channel.categories.push(std::mem::take(&mut term));
                                ctx = Ctx::Other;
                            }
                            "wp:tag" => {
                                self.channel.tags.push(std::mem::take(&mut term));
                                ctx = Ctx::Other;
                            }
                            _ => {}
                        },
                        3 => {
                            let v = value.trim().to_owned();
                            match ctx {
                                Ctx::Author => match name.as_str() {
                                    "wp:author_id" => author.id = v,
                                    "wp:author_login" => author.login = v,
                                    "wp:author_email" => author.email = v,
                                    "wp:author_display_name" => author.display_name = v,
                                    "wp:author_description" => author.description = v,
                                    _ => {}
                                },
                                Ctx::Category | Ctx::Tag => match name.as_str() {
                                    "wp:term_id" => term.id = v,
                                    "wp:category_nicename" | "wp:tag_slug" => term.slug = v,
                                    "wp:category_parent" => term.parent = v,
                                    "wp:cat_name" | "wp:tag_name" => term.name = v,
                                    "wp:category_description" | "wp:tag_description" => {
                                        term.description = v
                                    }
                                    _ => {}
                                },
                                Ctx::Other => {
                                    if let Some(it) = item.as_mut() {
                                        match name.as_str() {
                                            "category" => it.terms.push((
                                                std::mem::take(&mut attrs.0),
                                                std::mem::take(&mut attrs.1),
                                                v,
                                            )),
                                            "wp:comment" => {
                                                if let Some(c) = comment.take() {
                                                    it.comments.push(c);
                                                }
                                            }
                                            "wp:postmeta" => {
                                                it.meta.push(std::mem::take(&mut meta))
                                            }
                                            // Bodies keep their own whitespace.
                                            "content:encoded" | "excerpt:encoded" => {
                                                it.fields.insert(name, value);
                                            }
                                            _ => {
                                                it.fields.insert(name, v);
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        4 => {
                            if let Some(c) = comment.as_mut() {
                                c.insert(name, value);
                            } else if name == "wp:meta_key" {
                                meta.0 = value.trim().to_owned();
                            } else if name == "wp:meta_value" {
                                meta.1 = value;
                            }
                        }
                        _ => {}
                    }
                }
                Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if self.stack.is_empty() {
                        bail!(
                            "line {line}: not a WordPress export (WXR): the document is <{name}/>"
                        );
                    }
                }
                Event::Text(t) => {
                    let s = t
                        .xml10_content()
                        .map_err(|e| anyhow!("line {line}: text that is not UTF-8 ({e})"))?;
                    text.push_str(&s);
                }
                Event::CData(t) => {
                    let s = t
                        .xml10_content()
                        .map_err(|e| anyhow!("line {line}: text that is not UTF-8 ({e})"))?;
                    text.push_str(&s);
                }
                Event::GeneralRef(r) => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    } else {
                        let name = r.decode().unwrap_or_default();
                        match name.as_ref() {
                            "amp" => text.push('&'),
                            "lt" => text.push('<'),
                            "gt" => text.push('>'),
                            "quot" => text.push('"'),
                            "apos" => text.push('\''),
                            other => bail!("line {line}: an unknown entity &{other};"),
                        }
                    }
                }
                Event::Eof => {
                    let line = self.xml.get_ref().line;
                    if self.stack.is_empty() {
                        bail!("line {line}: not a WordPress export (WXR): the file has no <rss>");
                    }
                    let open = self.stack.last().cloned().unwrap_or_default();
                    bail!(
                        "line {line}: the file ends inside <{open}>: it is truncated (export it \
                         again, or copy it whole)"
                    );
                }
                _ => {}
            }
        }
    }
}
