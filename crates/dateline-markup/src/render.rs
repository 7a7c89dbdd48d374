//! Save-time rendering: body Markdown to stored HTML. Parses with comrak (CommonMark + GFM
//! strikethrough, tables, autolinks, footnotes) and walks the tree with our own writer, so every
//! element and attribute in the output is one we chose: headings shifted down a level, READ MORE
//! and library photos as placeholders, footnotes as asterisk markers, links checked.
//!
//! The writer must never copy an editor's raw HTML or an unchecked URL into the output; raw HTML
//! is shown as text. The sanitiser runs afterwards as a second, independent line of defence.

use crate::directives::{self, PhotoSource, Prepared, TOKEN};
use crate::error::MarkupError;
use crate::figure::{Figure, push_figure};
use crate::footnotes::{self, IdMaker, RenderedNote};
use crate::html::{is_absolute_web, is_safe_link, push_attr, push_text};
use crate::readmore::{self, ReadMore};
use crate::sanitise::sanitise;
use crate::{Reference, Rendered};
use comrak::nodes::{ListType, NodeValue, TableAlignment};
use comrak::{Arena, Node, Options, parse_document};
use std::collections::{HashMap, HashSet};
use std::mem;

/// Deeper nesting than this (quotes in lists in quotes…) is refused rather than risking the
/// stack; no real article comes close.
const MAX_DEPTH: usize = 100;

/// Renders an article body to sanitised HTML with placeholders (see the crate docs).
pub fn render(source: &str) -> Result<Rendered, MarkupError> {
    let mut rendered = render_unsanitised(source)?;
    rendered.html = sanitise(&rendered.html);
    Ok(rendered)
}

/// Everything [`render`] does except the sanitiser, so tests can check that the sanitiser's
/// allow-list admits exactly what the writer produces.
pub(crate) fn render_unsanitised(source: &str) -> Result<Rendered, MarkupError> {
    let normalised = normalise(source);
    let prepared = directives::prepare(&normalised)?;
    let arena = Arena::new();
    let root = parse_document(&arena, &prepared.source, &options());
    let defs = check(root, &prepared)?;

    let mut r = Renderer::new(&prepared, defs);
    for child in root.children() {
        r.node(child)?;
    }
    let notes = r.notes()?;
    footnotes::push_aside(&mut r.html, &notes);
    r.warn_unused_notes();
    if let Some(photo) = r
        .photos_done
        .iter()
        .zip(&prepared.photos)
        .find_map(|(done, p)| (!done).then_some(p))
    {
        return Err(MarkupError::PhotoSwallowed { line: photo.line });
    }

    Ok(Rendered {
        html: r.html,
        references: r.references,
        warnings: r.warnings,
        text: collapse_whitespace(&r.text),
    })
}

/// One line-ending convention (comrak counts a lone `\r` as a line end; our line numbers must
/// agree with its), and no editor-typed photo tokens.
fn normalise(source: &str) -> String {
    source
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace(TOKEN, "\u{FFFD}")
}

fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.footnotes = true;
    // Typographic punctuation from the editors' straight keys: curly quotes and apostrophes,
    // `--` an en dash, `---` an em dash, `...` an ellipsis. comrak does it while parsing
    // inlines, so code spans, code blocks and link destinations keep what was typed.
    o.parse.smart = true;
    // Keep definitions where they are, so unused ones can be reported (comrak would drop them).
    o.parse.leave_footnote_definitions = true;
    // Keep `\[` apart from the text after it, so `\[^x]` is not mistaken for a note reference.
    o.parse.escaped_char_spans = true;
    o
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Footnote labels match case-insensitively with whitespace collapsed, as in comrak.
fn note_key(label: &str) -> String {
    collapse_whitespace(label).to_lowercase()
}

/// A footnote definition found in the body.
struct NoteDef<'a> {
    node: Node<'a>,
    line: usize,
    label: String,
}

/// Errors that are about the document as a whole, found before writing anything: pictures
/// written as Markdown images, references to notes that do not exist, notes defined twice.
fn check<'a>(
    root: Node<'a>,
    prepared: &Prepared,
) -> Result<HashMap<String, NoteDef<'a>>, MarkupError> {
    let mut defs: HashMap<String, NoteDef<'a>> = HashMap::new();
    for node in root.descendants() {
        let ast = node.data();
        let line = prepared.original_line(ast.sourcepos.start.line);
        match &ast.value {
            NodeValue::Image(_) => return Err(MarkupError::ImageNotSupported { line }),
            // comrak turns a reference to an undefined note back into plain text.
            NodeValue::Text(t) => {
                if let Some(label) = undefined_note(t) {
                    // Typographic quotes reach a note's marker before comrak matches it to its
                    // definition, so a label with quotes never matches: say so plainly, with
                    // the label as it was typed.
                    if label.contains(['\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}']) {
                        return Err(MarkupError::QuotedNoteLabel {
                            line,
                            label: label
                                .replace(['\u{2018}', '\u{2019}'], "'")
                                .replace(['\u{201c}', '\u{201d}'], "\""),
                        });
                    }
                    return Err(MarkupError::UndefinedNote {
                        line,
                        label: label.to_owned(),
                    });
                }
            }
            NodeValue::FootnoteDefinition(d) => {
                let key = note_key(&d.name);
                if let Some(first) = defs.get(&key) {
                    return Err(MarkupError::DuplicateNote {
                        line,
                        label: d.name.clone(),
                        first: first.line,
                    });
                }
                let label = d.name.clone();
                defs.insert(key, NoteDef { node, line, label });
            }
            _ => {}
        }
    }
    Ok(defs)
}

/// The label of the first `[^label]` in a text run, if any.
fn undefined_note(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(start) = rest.find("[^") {
        let after = &rest[start + 2..];
        let len = after
            .find(|c: char| c == ']' || c == '[' || c.is_whitespace())
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with(']') {
            return Some(&after[..len]);
        }
        rest = after;
    }
    None
}

/// A note that has been referenced: its id, position and how often it was referenced so far.
struct NoteState {
    id: String,
    ordinal: usize,
    refs: usize,
}

struct Renderer<'p, 'a> {
    prepared: &'p Prepared,
    lines: Vec<&'p str>,
    html: String,
    text: String,
    references: Vec<Reference>,
    seen: HashSet<Reference>,
    warnings: Vec<String>,
    defs: HashMap<String, NoteDef<'a>>,
    /// Note keys in order of first reference.
    order: Vec<String>,
    notes: HashMap<String, NoteState>,
    ids: IdMaker,
    photos_done: Vec<bool>,
    depth: usize,
    /// While writing a note's text: no READ MORE, no plain-text capture.
    in_note: bool,
    /// The column alignments of the table being written.
    align: Vec<TableAlignment>,
}

impl<'p, 'a> Renderer<'p, 'a> {
    fn new(prepared: &'p Prepared, defs: HashMap<String, NoteDef<'a>>) -> Self {
        Self {
            prepared,
            lines: prepared.source.split('\n').collect(),
            html: String::with_capacity(prepared.source.len() * 2),
            text: String::with_capacity(prepared.source.len()),
            references: Vec::new(),
            seen: HashSet::new(),
            warnings: Vec::new(),
            defs,
            order: Vec::new(),
            notes: HashMap::new(),
            ids: IdMaker::default(),
            photos_done: vec![false; prepared.photos.len()],
            depth: 0,
            in_note: false,
            align: Vec::new(),
        }
    }

    fn line_of(&self, node: Node<'a>) -> usize {
        self.prepared
            .original_line(node.data().sourcepos.start.line)
    }

    fn reference(&mut self, r: Reference) {
        if self.seen.insert(r.clone()) {
            self.references.push(r);
        }
    }

    fn put_text(&mut self, s: &str) {
        push_text(&mut self.html, s);
        if !self.in_note {
            self.text.push_str(s);
        }
    }

    /// Words in different blocks must not run together in the plain text.
    fn text_break(&mut self) {
        if !self.in_note {
            self.text.push(' ');
        }
    }

    fn children(&mut self, node: Node<'a>) -> Result<(), MarkupError> {
        for child in node.children() {
            self.node(child)?;
        }
        Ok(())
    }

    fn node(&mut self, node: Node<'a>) -> Result<(), MarkupError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(MarkupError::TooDeep {
                line: self.line_of(node),
            });
        }
        let result = self.node_inner(node);
        self.depth -= 1;
        result
    }

    fn node_inner(&mut self, node: Node<'a>) -> Result<(), MarkupError> {
        let ast = node.data();
        match &ast.value {
            NodeValue::Paragraph => {
                drop(ast);
                self.paragraph(node)?;
            }
            NodeValue::Heading(h) => {
                // The page's <h1> is the headline, so the body's headings start at <h2>.
                let level = (h.level + 1).min(6);
                self.html.push_str(&format!("<h{level}>"));
                self.children(node)?;
                self.html.push_str(&format!("</h{level}>\n"));
                self.text_break();
            }
            NodeValue::BlockQuote => {
                self.html.push_str("<blockquote>\n");
                self.children(node)?;
                self.html.push_str("</blockquote>\n");
            }
            NodeValue::List(list) => {
                let tag = match list.list_type {
                    ListType::Bullet => "ul",
                    ListType::Ordered => "ol",
                };
                if list.list_type == ListType::Ordered && list.start != 1 {
                    self.html
                        .push_str(&format!("<ol start=\"{}\">\n", list.start));
                } else {
                    self.html.push_str(&format!("<{tag}>\n"));
                }
                self.children(node)?;
                self.html.push_str(&format!("</{tag}>\n"));
            }
            NodeValue::Item(_) => {
                self.html.push_str("<li>");
                self.children(node)?;
                self.html.push_str("</li>\n");
                self.text_break();
            }
            NodeValue::CodeBlock(code) => {
                self.html.push_str("<pre><code>");
                self.put_text(&code.literal);
                self.html.push_str("</code></pre>\n");
                self.text_break();
            }
            // Editors' HTML is never trusted: the reader sees it as typed.
            NodeValue::HtmlBlock(block) => {
                self.html.push_str("<p>");
                self.put_text(block.literal.trim_end());
                self.html.push_str("</p>\n");
                self.text_break();
            }
            NodeValue::ThematicBreak => self.html.push_str("<hr>\n"),
            NodeValue::Table(table) => {
                self.align = table.alignments.clone();
                self.html.push_str("<table>\n");
                let mut body_open = false;
                for row in node.children() {
                    let header = matches!(row.data().value, NodeValue::TableRow(true));
                    if header {
                        self.html.push_str("<thead>\n");
                    } else if !body_open {
                        self.html.push_str("<tbody>\n");
                        body_open = true;
                    }
                    self.row(row, header)?;
                    if header {
                        self.html.push_str("</thead>\n");
                    }
                }
                if body_open {
                    self.html.push_str("</tbody>\n");
                }
                self.html.push_str("</table>\n");
            }
            // Notes are written at the end, in order of first reference.
            NodeValue::FootnoteDefinition(_) => {}
            NodeValue::Text(t) => self.put_text(t),
            NodeValue::SoftBreak => {
                self.html.push('\n');
                self.text_break();
            }
            NodeValue::LineBreak => {
                self.html.push_str("<br>\n");
                self.text_break();
            }
            NodeValue::Code(code) => {
                self.html.push_str("<code>");
                self.put_text(&code.literal);
                self.html.push_str("</code>");
            }
            NodeValue::HtmlInline(raw) => self.put_text(raw),
            NodeValue::Emph => self.wrap(node, "em")?,
            NodeValue::Strong => self.wrap(node, "strong")?,
            NodeValue::Strikethrough => self.wrap(node, "del")?,
            NodeValue::Link(link) => {
                let url = link.url.trim().replace(' ', "%20");
                drop(ast);
                if url.is_empty() || !is_safe_link(&url) {
                    // The words stay; only the dangerous target goes.
                    self.children(node)?;
                } else {
                    self.html.push_str("<a href=\"");
                    push_attr(&mut self.html, &url);
                    // External pages must not get a handle on ours through window.opener.
                    if is_absolute_web(&url) {
                        self.html.push_str("\" rel=\"noopener");
                    }
                    self.html.push_str("\">");
                    self.children(node)?;
                    self.html.push_str("</a>");
                }
            }
            NodeValue::FootnoteReference(r) => {
                let name = r.name.clone();
                drop(ast);
                self.footnote_reference(&name);
            }
            // Escaped characters, and anything the enabled extensions cannot produce: the words.
            _ => {
                drop(ast);
                self.children(node)?;
            }
        }
        Ok(())
    }

    fn wrap(&mut self, node: Node<'a>, tag: &str) -> Result<(), MarkupError> {
        self.html.push_str(&format!("<{tag}>"));
        self.children(node)?;
        self.html.push_str(&format!("</{tag}>"));
        Ok(())
    }

    fn row(&mut self, row: Node<'a>, header: bool) -> Result<(), MarkupError> {
        let tag = if header { "th" } else { "td" };
        self.html.push_str("<tr>");
        for (i, cell) in row.children().enumerate() {
            let align = match self.align.get(i) {
                Some(TableAlignment::Left) => " align=\"left\"",
                Some(TableAlignment::Center) => " align=\"center\"",
                Some(TableAlignment::Right) => " align=\"right\"",
                _ => "",
            };
            self.html.push_str(&format!("<{tag}{align}>"));
            self.node_children_guarded(cell)?;
            self.html.push_str(&format!("</{tag}>"));
            self.text_break();
        }
        self.html.push_str("</tr>\n");
        Ok(())
    }

    /// Children of a node written by its parent (table cells), still counted for depth.
    fn node_children_guarded(&mut self, node: Node<'a>) -> Result<(), MarkupError> {
        self.depth += 1;
        let result = self.children(node);
        self.depth -= 1;
        result
    }

    fn paragraph(&mut self, node: Node<'a>) -> Result<(), MarkupError> {
        if let Some(i) = photo_token(node) {
            self.photo(i);
            return Ok(());
        }
        if !self.in_note
            && let Some(raw) = self.single_line(node)
        {
            match readmore::parse(raw) {
                ReadMore::Yes(r) => {
                    self.html.push_str("<dateline-readmore data-ref=\"");
                    push_attr(&mut self.html, &readmore::to_data_ref(&r));
                    self.html.push_str("\"></dateline-readmore>\n");
                    self.reference(Reference::Article(r));
                    return Ok(());
                }
                ReadMore::Unrecognised => {
                    let line = self.line_of(node);
                    self.warnings.push(format!(
                        "line {line}: this READ MORE line is shown as ordinary text: after `READ MORE:` put an article number (#123), an article address (/section/2020/01/29/slug/) or a short link (/s/abc2345)"
                    ));
                }
                ReadMore::No => {}
            }
        }
        // In a tight list the item's text is not wrapped in <p>, as in CommonMark's HTML.
        let tight = node
            .parent()
            .filter(|p| matches!(p.data().value, NodeValue::Item(_)))
            .and_then(|item| item.parent())
            .is_some_and(|list| matches!(list.data().value, NodeValue::List(l) if l.tight));
        if !tight {
            self.html.push_str("<p>");
        }
        self.children(node)?;
        if !tight {
            self.html.push_str("</p>\n");
        }
        self.text_break();
        Ok(())
    }

    /// The source text of a paragraph that sits on one line.
    fn single_line(&self, node: Node<'a>) -> Option<&'p str> {
        let sp = node.data().sourcepos;
        if sp.start.line != sp.end.line {
            return None;
        }
        let line = self.lines.get(sp.start.line.checked_sub(1)?)?;
        line.get(sp.start.column.checked_sub(1)?..sp.end.column)
    }

    fn photo(&mut self, i: usize) {
        let prepared = self.prepared;
        let Some(photo) = prepared.photos.get(i) else {
            return;
        };
        if let Some(done) = self.photos_done.get_mut(i) {
            *done = true;
        }
        match &photo.source {
            PhotoSource::Library(id) => {
                self.html
                    .push_str(&format!("<dateline-photo data-media=\"{}\"", id.0));
                if let Some(alt) = &photo.alt {
                    self.html.push_str(" data-alt=\"");
                    push_attr(&mut self.html, alt);
                    self.html.push('"');
                }
                if let Some(caption) = &photo.caption {
                    self.html.push_str(" data-caption=\"");
                    push_attr(&mut self.html, caption);
                    self.html.push('"');
                }
                self.html.push_str("></dateline-photo>\n");
                self.reference(Reference::Media(*id));
            }
            PhotoSource::File {
                src,
                width,
                height,
                credit,
            } => {
                let credit = credit.to_string();
                push_figure(
                    &mut self.html,
                    &Figure {
                        src,
                        srcset: "",
                        sources: &[],
                        width: *width,
                        height: *height,
                        alt: photo.alt.as_deref().unwrap_or_default(),
                        caption: photo.caption.as_deref().unwrap_or_default(),
                        credit: &credit,
                    },
                );
                self.html.push('\n');
            }
        }
    }

    fn footnote_reference(&mut self, name: &str) {
        let key = note_key(name);
        if !self.defs.contains_key(&key) {
            // comrak only makes references to defined notes; keep the words if that changes.
            self.put_text(&format!("[^{name}]"));
            return;
        }
        let state = match self.notes.get_mut(&key) {
            Some(state) => state,
            None => {
                let label = self.defs.get(&key).map_or(name, |d| d.label.as_str());
                let id = self.ids.make(label);
                self.order.push(key.clone());
                let ordinal = self.order.len();
                self.notes.entry(key).or_insert(NoteState {
                    id,
                    ordinal,
                    refs: 0,
                })
            }
        };
        state.refs += 1;
        let marker = footnotes::marker(state.ordinal);
        footnotes::push_reference(&mut self.html, &state.id, &marker, state.refs);
    }

    /// Writes the referenced notes in order of first reference. A note's text may refer to
    /// further notes, which join the end of the list.
    fn notes(&mut self) -> Result<Vec<RenderedNote>, MarkupError> {
        let mut out = Vec::new();
        let mut i = 0;
        self.in_note = true;
        while let Some(key) = self.order.get(i).cloned() {
            i += 1;
            let Some(node) = self.defs.get(&key).map(|d| d.node) else {
                continue;
            };
            let saved = mem::take(&mut self.html);
            self.note_content(node)?;
            let html = mem::replace(&mut self.html, saved);
            if let Some(state) = self.notes.get(&key) {
                out.push(RenderedNote {
                    id: state.id.clone(),
                    marker: footnotes::marker(state.ordinal),
                    html,
                });
            }
        }
        self.in_note = false;
        Ok(out)
    }

    /// A note is one paragraph in the aside: its blocks' text joined by line breaks.
    fn note_content(&mut self, def: Node<'a>) -> Result<(), MarkupError> {
        let mut first = true;
        for block in def.descendants().skip(1) {
            let ast = block.data();
            let literal = match &ast.value {
                NodeValue::Paragraph | NodeValue::Heading(_) | NodeValue::TableCell => None,
                NodeValue::CodeBlock(c) => Some(c.literal.trim_end().to_owned()),
                NodeValue::HtmlBlock(h) => Some(h.literal.trim_end().to_owned()),
                _ => continue,
            };
            drop(ast);
            if !first {
                self.html.push_str("<br>");
            }
            first = false;
            match literal {
                Some(text) => self.put_text(&text),
                None => self.node_children_guarded(block)?,
            }
        }
        Ok(())
    }

    fn warn_unused_notes(&mut self) {
        let mut unused: Vec<(usize, &str)> = self
            .defs
            .iter()
            .filter(|(key, _)| !self.notes.contains_key(*key))
            .map(|(_, d)| (d.line, d.label.as_str()))
            .collect();
        unused.sort();
        for (line, label) in unused {
            self.warnings.push(format!(
                "line {line}: the note [^{label}] is never referred to in the text, so it is left out"
            ));
        }
    }
}

/// The photo index of a token paragraph made by [`directives::prepare`].
fn photo_token(node: Node<'_>) -> Option<usize> {
    let child = node.first_child()?;
    if child.next_sibling().is_some() {
        return None;
    }
    let ast = child.data();
    let text = ast.value.text()?;
    text.strip_prefix(TOKEN)?.trim().parse().ok()
}
