// The editors' dialect (docs/writing.md, crates/dateline-markup) as a ProseMirror document and
// back. The dialect is the stored form: the server renders it, so this module only has to turn
// it into something a person can edit without seeing Markdown, and turn that back into text.
//
// Exact round trips: the text is cut into top-level blocks (paragraphs, lists, quotes, photo
// blocks, notes…), each parsed on its own, and each block's source is remembered beside the
// text the serialiser would write for it. Writing the document out, a block whose serialised
// text is unchanged gives back its source as typed (with the blank lines around it), so opening
// a story and saving it never rewrites a line nobody touched; only edited blocks are written
// afresh, in the serialiser's canonical form. What the editor cannot show as rich text (tables,
// link reference definitions, typed HTML, notes of several paragraphs) becomes a "kept as
// typed" block holding its source.
import MarkdownIt from "markdown-it";
import { MarkdownParser, MarkdownSerializer, defaultMarkdownParser, defaultMarkdownSerializer } from "prosemirror-markdown";
import { schema } from "./schema.js";

// ---- markdown-it with the dialect's inline and block extras --------------------------------

const md = new MarkdownIt("commonmark", { html: false, linkify: true }).enable(["strikethrough", "linkify", "table"]);

// `[^label]` where a note is used; before links, since it looks like one.
md.inline.ruler.before("link", "footnote_ref", (state, silent) => {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x5b /* [ */ || src.charCodeAt(start + 1) !== 0x5e /* ^ */) return false;
  const m = /^\[\^([^\]\s]+)\]/.exec(src.slice(start));
  if (!m) return false;
  // `[^x]: …` at the start of a line is a note definition, handled as a block.
  if (!silent) {
    const token = state.push("footnote_ref", "", 0);
    token.meta = { label: m[1] };
  }
  state.pos += m[0].length;
  return true;
});

// `[^label]: text` on a line of its own: a note. One paragraph (lines until a blank one); a
// note that goes on after a blank line with indented paragraphs is kept as typed.
md.block.ruler.before("reference", "footnote_def", (state, startLine, endLine, silent) => {
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const max = state.eMarks[startLine];
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  const first = state.src.slice(start, max);
  const m = /^\[\^([^\]\s]+)\]:[ \t]?/.exec(first);
  if (!m) return false;
  if (silent) return true;
  // Lines go on as a paragraph's would: up to a blank line or a line that starts another
  // block (another note, a heading, a list…), by markdown-it's own paragraph terminators.
  const terminators = state.md.block.ruler.getRules("paragraph");
  let line = startLine + 1;
  for (; line < endLine && !state.isEmpty(line); line++) {
    if (state.sCount[line] - state.blkIndent > 3 || state.sCount[line] < 0) continue;
    if (terminators.some((rule) => rule(state, line, endLine, true))) break;
  }
  // A second paragraph of the note: blank line(s) then a line indented by four.
  let next = line;
  while (next < endLine && state.isEmpty(next)) next++;
  const multi = next < endLine && next > line && state.sCount[next] - state.blkIndent >= 4;
  if (multi) {
    // Take the whole note as typed; the block splitter makes it a kept block.
    while (next < endLine && (state.isEmpty(next) || state.sCount[next] - state.blkIndent >= 4)) next++;
    let last = next;
    while (last > line && state.isEmpty(last - 1)) last--;
    const token = state.push("raw_block", "", 0);
    token.map = [startLine, last];
    token.content = state.getLines(startLine, last, 0, false).replace(/\n$/, "");
    state.line = last;
    return true;
  }
  const open = state.push("footnote_def_open", "", 1);
  open.meta = { label: m[1] };
  open.map = [startLine, line];
  const inline = state.push("inline", "", 0);
  inline.content = (first.slice(m[0].length) + "\n" + state.getLines(startLine + 1, line, state.blkIndent, false)).trim();
  inline.map = [startLine, line];
  inline.children = [];
  state.push("footnote_def_close", "", -1);
  state.line = line;
  return true;
}, { alt: ["paragraph"] });

const READ_MORE = /^read\s*more\s*:\s*(\S+)\s*$/i;

/** The reference of a READ MORE paragraph, or null (the dialect's `readmore::parse`). */
export function readMoreRef(text) {
  const m = READ_MORE.exec(text.trim());
  if (!m) return null;
  let ref = m[1];
  if (ref.startsWith("<") && ref.endsWith(">")) ref = ref.slice(1, -1);
  if (/^#?\d+$/.test(ref) || /^\/s\/[A-Za-z0-9]+\/?$/.test(ref) || /^\/[^\s]+$/.test(ref) || /^https?:\/\/\S+$/.test(ref)) {
    return ref;
  }
  return null;
}

// A paragraph that is only `READ MORE: <ref>` becomes one read_more token; typed HTML becomes
// the text it is shown as.
md.core.ruler.push("dateline", (state) => {
  const out = [];
  const t = state.tokens;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    if (tok.type === "paragraph_open" && t[i + 1]?.type === "inline" && t[i + 2]?.type === "paragraph_close" && tok.level === 0) {
      const ref = readMoreRef(t[i + 1].content);
      if (ref && !t[i + 1].content.includes("\n")) {
        const rm = new state.Token("read_more", "", 0);
        rm.meta = { ref };
        rm.map = tok.map;
        out.push(rm);
        i += 2;
        continue;
      }
    }
    if (tok.type === "inline" && tok.children) {
      for (const c of tok.children) {
        if (c.type === "html_inline") {
          c.type = "text";
        }
      }
    }
    out.push(tok);
  }
  state.tokens = out;
});

// ---- parser and serialiser ------------------------------------------------------------------

const { image: _image, ...baseTokens } = defaultMarkdownParser.tokens;

const parser = new MarkdownParser(schema, md, {
  ...baseTokens,
  s: { mark: "strike" },
  read_more: { node: "read_more", noCloseToken: true, getAttrs: (tok) => ({ ref: tok.meta.ref }) },
  footnote_ref: { node: "footnote_ref", noCloseToken: true, getAttrs: (tok) => ({ label: tok.meta.label }) },
  footnote_def: { block: "footnote_def", getAttrs: (tok) => ({ label: tok.meta.label }) },
  raw_block: { block: "raw_block", noCloseToken: true },
});

/** How many lists of the same kind come right before this one. */
function runOf(node, parent, index) {
  let run = 0;
  for (let i = index - 1; i >= 0 && parent.child(i).type === node.type; i--) run++;
  return run;
}

/** The lines of a photo block as written: `::: photo REF`, `name: value`…, `:::`. */
function photoText(attrs) {
  const lines = [`::: photo ${attrs.ref}`.trimEnd()];
  for (const [k, v] of attrs.fields) lines.push(`${k}: ${v}`.trimEnd());
  lines.push(":::");
  return lines.join("\n");
}

const serializer = new MarkdownSerializer(
  {
    ...defaultMarkdownSerializer.nodes,
    // Two lists in a row stay two lists only with different markers (CommonMark joins lists
    // whose markers match): the first is "-", one right after it "*", then "+".
    bullet_list(state, node, parent, index) {
      const bullet = ["-", "*", "+"][runOf(node, parent, index) % 3];
      state.renderList(node, "  ", () => `${bullet} `);
    },
    ordered_list(state, node, parent, index) {
      const delim = runOf(node, parent, index) % 2 ? ")" : ".";
      const start = node.attrs.order ?? 1;
      const width = String(start + node.childCount - 1).length;
      state.renderList(node, state.repeat(" ", width + 2), (i) => {
        const n = String(start + i);
        return state.repeat(" ", width - n.length) + n + delim + " ";
      });
    },
    raw_block(state, node) {
      state.text(node.textContent, false);
      state.closeBlock(node);
    },
    photo(state, node) {
      state.text(photoText(node.attrs), false);
      state.closeBlock(node);
    },
    read_more(state, node) {
      state.write(`READ MORE: ${node.attrs.ref}`);
      state.closeBlock(node);
    },
    footnote_def(state, node) {
      state.write(`[^${node.attrs.label}]: `);
      state.renderInline(node);
      state.closeBlock(node);
    },
    footnote_ref(state, node) {
      state.write(`[^${node.attrs.label}]`);
    },
  },
  {
    ...defaultMarkdownSerializer.marks,
    strike: { open: "~~", close: "~~", mixable: true, expelEnclosingWhitespace: true },
  },
);

// Nodes are immutable and an edit keeps every untouched node's identity, so a block's text is
// worked out once, not at every keystroke (a long read has hundreds of blocks).
const canonicalOf = new WeakMap();

/** One top-level node's canonical text. */
function canonical(node) {
  let text = canonicalOf.get(node);
  if (text === undefined) {
    text = serializer.serialize(schema.node("doc", null, [node]), { tightLists: true });
    canonicalOf.set(node, text);
  }
  return text;
}

// ---- cutting the text into top-level blocks ---------------------------------------------------

/** `::: photo …` with up to three spaces before it: the text after `photo`, else null. */
function photoOpening(line) {
  const m = /^ {0,3}:::\s*photo(\s.*)?$/i.exec(line);
  return m ? (m[1] || "").trim() : null;
}

function stripContainers(line) {
  let t = line.trimStart();
  for (;;) {
    let m;
    if (t.startsWith(">")) t = t.slice(1).trimStart();
    else if ((m = /^[-+*][ \t]/.exec(t))) t = t.slice(m[0].length).trimStart();
    else if ((m = /^\d{1,9}[.)][ \t]/.exec(t))) t = t.slice(m[0].length).trimStart();
    else return t;
  }
}

function fenceOpened(line) {
  const t = stripContainers(line);
  const m = /^(`{3,}|~{3,})/.exec(t);
  if (!m) return null;
  if (m[1][0] === "`" && t.slice(m[1].length).includes("`")) return null;
  return { ch: m[1][0], len: m[1].length };
}

function fenceCloses(f, line) {
  const t = stripContainers(line);
  let run = 0;
  while (t[run] === f.ch) run++;
  return run >= f.len && t.slice(run).trim() === "";
}

/** A photo block's parts, or null when its lines are not all `name: value` (kept as typed). */
function photoAttrs(ref, inner) {
  const fields = [];
  for (const l of inner) {
    if (!l.trim()) continue;
    const m = /^\s*([A-Za-z]+)\s*:\s?(.*)$/.exec(l);
    if (!m) return null;
    fields.push([m[1], m[2].trim()]);
  }
  return { ref, fields };
}

/**
 * Cut `text` into blocks: `{ kind: "md", lines }` runs and photo blocks as `{ kind: "photo",
 * lines, attrs }`, outside fenced code (the same rule as the server's `directives::prepare`).
 */
function chunks(lines) {
  const out = [];
  let run = [];
  let runStart = 0;
  let fence = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      if (fenceCloses(fence, line)) fence = null;
      run.push(line);
      continue;
    }
    const ref = photoOpening(line);
    if (ref !== null) {
      let end = i + 1;
      while (end < lines.length && !/^\s*:::\s*$/.test(lines[end])) end++;
      if (run.length) out.push({ kind: "md", lines: run, start: runStart });
      const closed = end < lines.length;
      const blockLines = lines.slice(i, closed ? end + 1 : lines.length);
      const attrs = closed ? photoAttrs(ref, lines.slice(i + 1, end)) : null;
      out.push({ kind: attrs ? "photo" : "raw", lines: blockLines, start: i, attrs });
      i = closed ? end : lines.length;
      run = [];
      runStart = i + 1;
      continue;
    }
    fence = fenceOpened(line);
    run.push(line);
  }
  if (run.length) out.push({ kind: "md", lines: run, start: runStart });
  return out;
}

/** The top-level blocks of a Markdown run: `{ from, to }` line ranges (to exclusive). */
function blockRanges(lines) {
  const tokens = md.parse(lines.join("\n"), {});
  const ranges = [];
  for (const t of tokens) {
    if (t.level === 0 && t.map) ranges.push({ from: t.map[0], to: t.map[1] });
  }
  // Opening tokens of containers carry the whole range; drop ranges inside an earlier one.
  const merged = [];
  for (const r of ranges.sort((a, b) => a.from - b.from || b.to - a.to)) {
    const last = merged[merged.length - 1];
    if (last && r.from < last.to) continue;
    merged.push(r);
  }
  return merged;
}

function isBlank(s) {
  return s.trim() === "";
}

/**
 * A block's source lines as nodes: the parser's, or one kept block when the parser cannot give
 * the editor something it can write back the same way (`raw_block`).
 */
function blockNodes(src, env) {
  let doc = null;
  try {
    // A fresh copy of the whole text's link reference definitions: `[words][ref]` in this
    // block finds its `[ref]: …` elsewhere, as on the server.
    doc = parser.parse(src, { references: { ...env.references } });
  } catch {
    doc = null;
  }
  if (doc && doc.childCount > 0) {
    const nodes = [];
    doc.forEach((n) => nodes.push(n));
    // A table or typed HTML parses to nothing the editor knows: keep it as typed.
    return nodes;
  }
  return [schema.node("raw_block", null, src ? [schema.text(src)] : [])];
}

/**
 * Parse dialect text. Returns the document and the memory of each top-level block's source
 * (for `serialize`).
 */
export function parse(text) {
  const lines = text.split("\n");
  const env = {};
  md.parse(text, env);
  const blocks = []; // { from, to, nodes }
  for (const c of chunks(lines)) {
    if (c.kind === "photo") {
      blocks.push({ from: c.start, to: c.start + c.lines.length, nodes: [schema.node("photo", c.attrs)] });
      continue;
    }
    if (c.kind === "raw") {
      const src = c.lines.join("\n");
      blocks.push({ from: c.start, to: c.start + c.lines.length, nodes: [schema.node("raw_block", null, [schema.text(src)])] });
      continue;
    }
    const ranges = blockRanges(c.lines);
    let at = 0;
    const pushRaw = (from, to) => {
      // Lines no block claimed (a link reference definition): kept as typed.
      let a = from;
      let b = to;
      while (a < b && isBlank(c.lines[a])) a++;
      while (b > a && isBlank(c.lines[b - 1])) b--;
      if (a < b) {
        const src = c.lines.slice(a, b).join("\n");
        blocks.push({ from: c.start + a, to: c.start + b, nodes: [schema.node("raw_block", null, [schema.text(src)])] });
      }
    };
    for (const r of ranges) {
      pushRaw(at, r.from);
      let to = r.to;
      while (to > r.from && isBlank(c.lines[to - 1])) to--;
      const src = c.lines.slice(r.from, to).join("\n");
      blocks.push({ from: c.start + r.from, to: c.start + to, nodes: blockNodes(src, env) });
      at = r.to;
    }
    pushRaw(at, c.lines.length);
  }
  // The memory: each block's source, the exact text before it (the newline ending the block
  // before and the blank lines between), and what the serialiser makes of it.
  const kept = [];
  const nodes = [];
  let prevEnd = 0;
  for (const b of blocks) {
    const src = lines.slice(b.from, b.to).join("\n");
    const gap = lines.slice(prevEnd, b.from);
    const before = kept.length === 0 ? gap.map((l) => l + "\n").join("") : "\n" + gap.map((l) => l + "\n").join("");
    prevEnd = b.to;
    const canon = b.nodes.map(canonical).join("\n\n");
    kept.push({ canon, src, before, index: kept.length, count: b.nodes.length });
    nodes.push(...b.nodes);
  }
  const tail = kept.length ? lines.slice(prevEnd).map((l) => "\n" + l).join("") : "";
  if (!nodes.length) nodes.push(schema.node("paragraph"));
  const doc = schema.node("doc", null, nodes);
  return { doc, memory: { kept, tail, text } };
}

/**
 * The document as dialect text; with `memory` from `parse`, every untouched block comes back
 * exactly as it was typed, with the blank lines around it.
 */
export function serialize(doc, memory) {
  const nodes = [];
  doc.forEach((n) => nodes.push(n));
  // An empty document is an empty body (or the blank text it was opened with).
  if (nodes.length === 1 && nodes[0].type.name === "paragraph" && nodes[0].content.size === 0) {
    return memory && memory.kept.length === 0 ? memory.text : "";
  }
  if (!memory) return serializer.serialize(doc, { tightLists: true }).replace(/\n*$/, "\n");
  const canons = nodes.map(canonical);
  const used = new Set();
  let out = "";
  let emitted = false;
  let last = -1;
  for (let i = 0; i < nodes.length; ) {
    // The next remembered block first (the usual case: nothing moved), then any unused one.
    let match = null;
    const next = memory.kept[last + 1];
    if (next && !used.has(next.index) && canons.slice(i, i + next.count).join("\n\n") === next.canon) {
      match = next;
    } else {
      match = memory.kept.find((k) => k.count === 1 && !used.has(k.index) && k.canon === canons[i]) || null;
    }
    if (match) {
      used.add(match.index);
      if (match.index === last + 1) out += match.before;
      else if (emitted) out += "\n\n";
      out += match.src;
      last = match.index;
      i += match.count;
    } else {
      out += (emitted ? "\n\n" : "") + canons[i].replace(/\n+$/, "");
      last = -2; // whatever follows is not in its old place
      i += 1;
    }
    emitted = true;
  }
  out += last === memory.kept.length - 1 ? memory.tail : "\n";
  return out;
}

/** The dialect text the editor writes for `doc` with no memory of the typed source. */
export function serializeFresh(doc) {
  return serialize(doc, null);
}
