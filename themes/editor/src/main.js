// The story editor's writing surface (issue 17): a ProseMirror editor over the body field of
// the newsroom's story form. The form still posts the dialect from the <textarea name=body>,
// which stays the page's no-script fallback and the "Source" view; this script keeps it equal
// to the document after every change (and fires its `input` event, which the live preview and
// autosave in newsroom.js listen to). The byline picker is bylines.js (over combobox.js).
// Nothing here builds HTML from text: text goes in with textContent or ProseMirror's own DOM,
// and the preview's HTML comes from the server.
import { EditorState, TextSelection } from "prosemirror-state";
import { EditorView } from "prosemirror-view";
import { keymap } from "prosemirror-keymap";
import { history, undo, redo } from "prosemirror-history";
import { baseKeymap, toggleMark, setBlockType, wrapIn, lift, chainCommands, exitCode } from "prosemirror-commands";
import { wrapInList, splitListItem, liftListItem, sinkListItem } from "prosemirror-schema-list";
import { inputRules, wrappingInputRule, textblockTypeInputRule } from "prosemirror-inputrules";
import { schema } from "./schema.js";
import { parse, serialize } from "./dialect.js";
import { el, getJson } from "./dom.js";
import { mountBylines } from "./bylines.js";

const mac = typeof navigator !== "undefined" && /Mac|iP(hone|[oa]d)/.test(navigator.platform);
const MOD = mac ? "⌘" : "Ctrl+";

// ---- commands -------------------------------------------------------------------------------

function markActive(state, type) {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

function blockActive(state, type, attrs) {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) {
    const n = $from.node(d);
    if (n.type === type && (!attrs || Object.entries(attrs).every(([k, v]) => n.attrs[k] === v))) return true;
  }
  return false;
}

function toggleHeading(state, dispatch) {
  if (blockActive(state, schema.nodes.heading)) return setBlockType(schema.nodes.paragraph)(state, dispatch);
  return setBlockType(schema.nodes.heading, { level: 1 })(state, dispatch);
}

function toggleWrap(type) {
  return (state, dispatch) => (blockActive(state, type) ? lift(state, dispatch) : wrapIn(type)(state, dispatch));
}

function toggleList(type) {
  return (state, dispatch) =>
    blockActive(state, type) ? liftListItem(schema.nodes.list_item)(state, dispatch) : wrapInList(type)(state, dispatch);
}

/** Insert a top-level node (photo, READ MORE) after the block the cursor is in. */
function insertTop(view, node) {
  const { state } = view;
  const $pos = state.selection.$to;
  // After the top-level block the cursor is in (or after a selected photo or box).
  const after = $pos.depth ? $pos.after(1) : $pos.pos;
  const tr = state.tr.insert(after, node);
  tr.setSelection(TextSelection.near(tr.doc.resolve(Math.min(after + node.nodeSize, tr.doc.content.size))));
  view.dispatch(tr.scrollIntoView());
  view.focus();
}

// ---- dialogs ----------------------------------------------------------------------------------

let dialogCount = 0;

/**
 * A modal dialog (native <dialog>: focus is kept inside, Escape closes it, focus returns to the
 * editor). `build(form, close)` fills the form; resolves with what `close` was given.
 */
function openDialog(title, build) {
  return new Promise((resolve) => {
    const id = `ed-dialog-${++dialogCount}`;
    const heading = el("h2", { id: `${id}-title` }, title);
    const form = el("form", { method: "dialog", class: "ed-dialog-form" });
    const dialog = el("dialog", { class: "ed-dialog", "aria-labelledby": `${id}-title` }, heading, form);
    let result = null;
    // Settle at once, not on the dialog's "close" event (a task queued for later): the
    // caller puts the focus back in the editor in the same turn, so a key pressed right after
    // "Add note" or "Apply" lands in the text, never on the page behind a closing dialog.
    const close = (value) => {
      result = value;
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    build(form, close, id);
    form.append(
      el("div", { class: "ed-dialog-actions" }, el("button", { type: "button", class: "nr-secondary", onclick: () => close(null) }, "Cancel")),
    );
    // Escape closes it too, with no value: settle then (resolving twice changes nothing).
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function field(id, label, input, help) {
  input.id = id;
  if (help) input.setAttribute("aria-describedby", `${id}-help`);
  return el("p", {}, el("label", { for: id }, label), input, help ? el("span", { class: "nr-help", id: `${id}-help` }, help) : null);
}

function askLink(href) {
  return openDialog("Link", (form, close, id) => {
    const input = el("input", { type: "url", value: href || "", placeholder: "https://", required: true, autocomplete: "off" });
    form.append(field(`${id}-href`, "Address", input, "A web address, or a path on this site such as /news/."));
    const row = el("div", { class: "ed-dialog-actions" }, el("button", { type: "submit" }, "Apply"));
    if (href) row.append(el("button", { type: "button", class: "nr-secondary", onclick: () => close("") }, "Remove link"));
    form.append(row);
    input.type = "text"; // a site path is allowed too
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = input.value.trim();
      if (!/^(https?:\/\/|mailto:|\/)/i.test(v)) {
        input.setCustomValidity("Start with https://, http://, mailto: or / (a page on this site).");
        input.reportValidity();
        return;
      }
      close(v);
    });
    input.addEventListener("input", () => input.setCustomValidity(""));
  });
}

function editLink(view) {
  const { state } = view;
  const type = schema.marks.link;
  const { from, to, empty, $from } = state.selection;
  // The link the selection starts in, if any: its address is offered to change or remove.
  const current = type.isInSet($from.marks()) || null;
  askLink(current ? current.attrs.href : "").then((href) => {
    view.focus();
    if (href === null) return;
    let tr = view.state.tr;
    let { from: a, to: b } = view.state.selection;
    if (current && a === b) {
      // Widen to the whole link the cursor is in.
      const $pos = view.state.doc.resolve(a);
      const start = $pos.parent.childAfter($pos.parentOffset);
      if (start.node) {
        a = $pos.start() + start.offset;
        b = a + start.node.nodeSize;
      }
    }
    tr = tr.removeMark(a, b, type);
    if (href) {
      if (a === b) {
        tr = tr.insertText(href, a, b);
        b = a + href.length;
      }
      tr = tr.addMark(a, b, type.create({ href }));
    }
    view.dispatch(tr);
  });
  return true;
}

/** The library's photos the page lists (the lead photo choices carry their thumbnails). */
function libraryPhotos() {
  return Array.from(document.querySelectorAll("#lead_media option[value]"))
    .filter((o) => o.value)
    .map((o) => ({ id: o.value, label: o.textContent.trim(), thumb: o.dataset.thumb || "" }));
}

/** What is known of photos by number: from the page, uploads and searches. */
const thumbs = new Map();

function remember(p) {
  thumbs.set(String(p.id), { thumb: p.thumb, alt: p.alt, caption: p.caption, label: p.label });
}

/**
 * The library, searched as one types (GET /newsroom/media/search: alt text, caption, credit,
 * the uploaded file's name or the photo's number, over every photo, a page at a time with "More photos"). `pick(photo)` is
 * called with the chosen one. Returns the fieldset to put in a dialog.
 */
function libraryPicker(id, legend, pick) {
  const search = el("input", { type: "search", autocomplete: "off", "aria-controls": `${id}-photos` });
  const list = el("ul", { class: "ed-library", id: `${id}-photos` });
  const status = el("p", { class: "nr-help ed-count", role: "status" });
  const more = el("button", { type: "button", class: "nr-secondary ed-more", hidden: true }, "More photos");
  let asked = 0;
  let next = null;
  let timer = null;
  const load = async (offset) => {
    const mine = ++asked;
    const q = search.value.trim();
    more.disabled = true;
    try {
      const page = await getJson(`/newsroom/media/search?q=${encodeURIComponent(q)}&offset=${offset}`);
      if (mine !== asked) return;
      if (!offset) list.textContent = "";
      let first = null;
      for (const p of page.photos) {
        remember(p);
        const img = p.thumb ? el("img", { src: p.thumb, alt: "", width: "80", height: "60", loading: "lazy" }) : el("span", { class: "ed-nothumb" }, "Processing");
        const words = el("span", { class: "ed-pick-words" }, el("span", {}, p.label));
        if (p.caption) words.append(el("span", { class: "nr-help" }, p.caption));
        if (p.credit) words.append(el("span", { class: "nr-help" }, p.credit));
        if (p.file_name) words.append(el("span", { class: "nr-help" }, p.file_name));
        const b = el("button", { type: "button", class: "ed-pick", onclick: () => pick(p) }, img, words);
        first = first || b;
        list.append(el("li", {}, b));
      }
      next = page.next_offset ?? null;
      more.hidden = next === null;
      const n = list.querySelectorAll("li > button").length;
      status.textContent = n
        ? `${n} photo${n === 1 ? "" : "s"} shown${next === null ? "" : "; more below"}.`
        : q
          ? "No photo's alt text, caption, credit, file name or number matches."
          : "The library has no photos yet: upload one above.";
      // "More photos" moves the focus to the first new one, not back to the top.
      if (offset && first) first.focus();
    } catch {
      if (mine === asked) status.textContent = "The library could not be searched: check the connection and type again.";
    } finally {
      more.disabled = false;
    }
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(0), 200);
  });
  more.addEventListener("click", () => {
    if (next !== null) load(next);
  });
  load(0);
  return el(
    "fieldset",
    { class: "ed-library-set" },
    el("legend", {}, legend),
    field(`${id}-search`, "Find a photo", search, "Words from its alt text, caption or credit, its file's name, or its number."),
    status,
    list,
    more,
  );
}

function photoDialog(csrf) {
  return openDialog("Insert a photo", (form, close, id) => {
    // Upload in place: the photo goes to the library with its words, then into the story.
    const file = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp,image/gif" });
    const alt = el("input", { maxlength: "2000" });
    const caption = el("input", { maxlength: "2000" });
    const agency = el("input", { maxlength: "2000" });
    const photographer = el("input", { maxlength: "2000" });
    const status = el("p", { class: "ed-status", role: "status" });
    const upload = el("button", { type: "button" }, "Upload and insert");
    const up = el(
      "fieldset",
      { class: "ed-upload" },
      el("legend", {}, "Upload a new photo"),
      field(`${id}-file`, "Photo file", file),
      field(`${id}-alt`, "Alt text", alt, "What the photo shows, for readers who cannot see it. Required."),
      field(`${id}-caption`, "Caption", caption),
      field(`${id}-agency`, "Agency", agency),
      field(`${id}-photographer`, "Photographer", photographer),
      el("div", { class: "ed-dialog-actions" }, upload),
      status,
    );
    upload.addEventListener("click", async () => {
      if (!file.files.length) {
        status.textContent = "Choose a photo file first.";
        file.focus();
        return;
      }
      if (!alt.value.trim()) {
        status.textContent = "Describe the photo in the alt text first: readers who cannot see it rely on it.";
        alt.focus();
        return;
      }
      const body = new FormData();
      body.set("csrf", csrf);
      body.set("alt", alt.value.trim());
      body.set("caption", caption.value.trim());
      body.set("agency", agency.value.trim());
      body.set("photographer", photographer.value.trim());
      body.set("file", file.files[0]);
      upload.disabled = true;
      status.textContent = "Uploading…";
      try {
        const res = await fetch("/newsroom/media", { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
        const got = await res.json().catch(() => ({ error: `The upload failed (${res.status}).` }));
        if (!res.ok) {
          status.textContent = got.error || `The upload failed (${res.status}).`;
          upload.disabled = false;
          return;
        }
        remember({ ...got, label: `Photo ${got.id}` });
        close({ id: String(got.id) });
      } catch {
        status.textContent = "The upload failed: the connection was lost. Try again.";
        upload.disabled = false;
      }
    });

    form.append(up, libraryPicker(id, "Or pick one from the library", (p) => close({ id: String(p.id) })));
    form.addEventListener("submit", (e) => e.preventDefault());
  });
}

/** The lead photo, chosen from the whole library (the select lists only the newest). */
function leadPhotoDialog() {
  return openDialog("Choose the lead photo", (form, close, id) => {
    form.append(libraryPicker(id, "The library", (p) => close(p)));
    form.addEventListener("submit", (e) => e.preventDefault());
  });
}

function readMoreDialog() {
  return openDialog("READ MORE", (form, close, id) => {
    const search = el("input", { type: "search", autocomplete: "off" });
    const list = el("ul", { class: "ed-found", "aria-live": "polite" });
    let timer = null;
    let asked = 0;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = search.value.trim();
        const mine = ++asked;
        if (!q) {
          list.textContent = "";
          return;
        }
        try {
          const res = await fetch(`/newsroom/stories/search?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
          const found = res.ok ? await res.json() : [];
          if (mine !== asked) return;
          list.textContent = "";
          for (const s of found) {
            headlines.set(String(s.id), s);
            list.append(
              el("li", {}, el("button", { type: "button", class: "ed-pick", onclick: () => close({ ref: String(s.id), label: s.headline }) }, el("span", {}, s.headline), el("span", { class: "nr-help" }, storyNote(s)))),
            );
          }
          if (!found.length) list.append(el("li", { class: "nr-help" }, "No story has those words in its headline (or that number)."));
        } catch {
          list.textContent = "";
          list.append(el("li", { class: "nr-help" }, "Stories could not be searched: check the connection."));
        }
      }, 200);
    });
    form.append(field(`${id}-q`, "Find a story by headline", search, "Type a few words of its headline (or its number), then pick it."), list);
    form.addEventListener("submit", (e) => e.preventDefault());
  });
}

function noteDialog() {
  return openDialog("Note", (form, close, id) => {
    const text = el("textarea", { rows: "3", required: true });
    form.append(field(`${id}-text`, "Note text", text, "Shown at the end of the story; readers see an asterisk where it applies."));
    form.append(el("div", { class: "ed-dialog-actions" }, el("button", { type: "submit" }, "Add note")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (text.value.trim()) close(text.value.trim());
    });
  });
}

function addNote(view) {
  noteDialog().then((text) => {
    view.focus();
    if (!text) return;
    const { state } = view;
    const labels = new Set();
    state.doc.descendants((n) => {
      if (n.type === schema.nodes.footnote_def || n.type === schema.nodes.footnote_ref) labels.add(n.attrs.label.toLowerCase());
    });
    let n = 1;
    while (labels.has(String(n))) n++;
    const label = String(n);
    const { to, $to } = state.selection;
    // The marker goes in the text; with a photo or a box selected there is no text to mark.
    if (!$to.parent.inlineContent) return;
    let tr = state.tr.insert(to, schema.nodes.footnote_ref.create({ label }));
    const def = schema.nodes.footnote_def.create({ label }, schema.text(text.replace(/\s*\n\s*/g, " ")));
    tr = tr.insert(tr.doc.content.size, def);
    tr.setSelection(TextSelection.create(tr.doc, to + 1));
    view.dispatch(tr.scrollIntoView());
  });
  return true;
}

// ---- stories by number ------------------------------------------------------------------------

/** Stories by number, as GET /newsroom/stories/headlines answers (null: no such story). */
const headlines = new Map();
const waiting = new Map();
let batch = null;

/** "Story 12 · Published", and what a reader will (not) see of a READ MORE to it. */
function storyNote(s) {
  if (s.status === "withdrawn") return `Story ${s.id} · Withdrawn: readers will not see this box`;
  if (s.status !== "published") return `Story ${s.id} · ${s.status_label}: readers see the box once it is published`;
  return `Story ${s.id} · ${s.status_label}`;
}

/** The story a READ MORE reference names by number (`12`, `#12`, `id:12`), or null. */
function storyNumber(ref) {
  const m = /^(?:#|id:)?(\d+)$/.exec(ref.trim());
  return m ? m[1] : null;
}

/** Resolves with the story numbered `n` (or null), asking the server in batches. */
function lookupStory(n) {
  if (headlines.has(n)) return Promise.resolve(headlines.get(n));
  if (!waiting.has(n)) {
    let settle;
    const p = new Promise((r) => (settle = r));
    waiting.set(n, { p, settle });
    clearTimeout(batch);
    batch = setTimeout(async () => {
      const asked = new Map(waiting);
      waiting.clear();
      try {
        const found = await getJson(`/newsroom/stories/headlines?ids=${[...asked.keys()].join(",")}`);
        for (const s of found) headlines.set(String(s.id), s);
        for (const k of asked.keys()) if (!headlines.has(k)) headlines.set(k, null);
      } catch {
        // Unknown for now (offline): the box shows its number, and a later redraw asks again.
      }
      for (const [k, w] of asked) w.settle(headlines.get(k));
    }, 30);
  }
  return waiting.get(n).p;
}

// ---- node views -----------------------------------------------------------------------------

/** A READ MORE box, named by its story's headline (and saying when readers will not see it). */
class ReadMoreView {
  constructor(node) {
    this.dom = el("p", { class: "ed-readmore", contenteditable: "false" });
    this.render(node);
  }
  render(node) {
    this.node = node;
    const ref = node.attrs.ref;
    const n = storyNumber(ref);
    const title = el("span", { class: "ed-readmore-title" });
    const note = el("span", { class: "ed-readmore-note" });
    this.dom.textContent = "";
    this.dom.dataset.ref = ref;
    this.dom.append(el("span", { class: "ed-readmore-label" }, "READ MORE"), " ", title, note);
    const show = (s) => {
      if (this.node !== node) return;
      this.dom.classList.toggle("ed-readmore-problem", !s || s.status !== "published");
      if (s) {
        title.textContent = s.headline;
        note.textContent = storyNote(s);
      } else if (s === null) {
        title.textContent = node.attrs.label || `Story ${n}`;
        note.textContent = `No story ${n}: readers will not see this box. Pick the story again.`;
      }
    };
    if (!n) {
      title.textContent = node.attrs.label || ref;
      return;
    }
    title.textContent = node.attrs.label || `Story ${n}`;
    if (headlines.has(n)) show(headlines.get(n));
    else lookupStory(n).then(show);
  }
  update(node) {
    if (node.type !== this.node.type) return false;
    if (node.attrs !== this.node.attrs) this.render(node);
    return true;
  }
  stopEvent() {
    return false;
  }
  ignoreMutation() {
    return true;
  }
}


class PhotoView {
  constructor(node) {
    this.dom = el("figure", { class: "ed-photo", contenteditable: "false" });
    this.render(node);
  }
  render(node) {
    this.node = node;
    this.dom.textContent = "";
    const ref = node.attrs.ref.replace(/^media:/, "");
    const known = thumbs.get(ref) || libraryPhotos().find((p) => p.id === ref);
    // A photo older than the page's list: ask the library once, then draw it again.
    if (!known && /^\d+$/.test(ref) && !PhotoView.asked.has(ref)) {
      PhotoView.asked.add(ref);
      getJson(`/newsroom/media/search?ids=${ref}`)
        .then((page) => {
          page.photos.forEach(remember);
          if (this.node === node && thumbs.has(ref)) this.render(node);
        })
        .catch(() => {});
    }
    const alt = node.attrs.fields.find(([k]) => k.toLowerCase() === "alt");
    const caption = node.attrs.fields.find(([k]) => k.toLowerCase() === "caption");
    const src = known && known.thumb ? known.thumb : /^(https?:\/\/|\/)/.test(ref) ? ref : "";
    this.dom.append(
      src ? el("img", { src, alt: alt ? alt[1] : known?.alt || "", loading: "lazy" }) : el("div", { class: "ed-photo-missing" }, known ? "Photo being processed" : "Shown in the preview"),
      el("figcaption", {}, el("strong", {}, /^\d+$/.test(ref) ? `Photo ${ref}` : "Photo"), caption ? ` · ${caption[1]}` : known?.caption ? ` · ${known.caption}` : ""),
    );
  }
  update(node) {
    if (node.type !== this.node.type) return false;
    if (node.attrs !== this.node.attrs) this.render(node);
    return true;
  }
  stopEvent() {
    return false;
  }
  ignoreMutation() {
    return true;
  }
}
PhotoView.asked = new Set();

// ---- the editor ------------------------------------------------------------------------------

function buildInputRules() {
  return inputRules({
    rules: [
      wrappingInputRule(/^\s*>\s$/, schema.nodes.blockquote),
      wrappingInputRule(/^\s*([-+*])\s$/, schema.nodes.bullet_list),
      wrappingInputRule(/^(\d+)\.\s$/, schema.nodes.ordered_list, (m) => ({ order: +m[1] }), (m, n) => n.childCount + n.attrs.order === +m[1]),
      textblockTypeInputRule(/^(#{1,3})\s$/, schema.nodes.heading, (m) => ({ level: m[1].length })),
    ],
  });
}

function mount(textarea) {
  const form = textarea.form;
  const csrf = form.querySelector("input[name=csrf]").value;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  if (label && !label.id) label.id = `${textarea.id}-label`;
  let { doc, memory } = parse(textarea.value);
  let sourceOn = false;

  const buttons = [];
  const button = (text, title, run, isActive) => {
    const b = el("button", { type: "button", class: "ed-tool", title, "aria-label": title }, text);
    b.addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
    b.addEventListener("click", () => {
      run(view);
      view.focus();
    });
    buttons.push({ b, isActive });
    return b;
  };
  const cmd = (c) => (v) => c(v.state, v.dispatch, v);

  const toolbar = el("div", { class: "ed-toolbar", role: "toolbar", "aria-label": "Formatting", "aria-controls": `${textarea.id}-rich` });
  const sourceButton = el("button", { type: "button", class: "ed-tool ed-source", "aria-pressed": "false" }, "Source");
  toolbar.append(
    button("B", `Bold (${MOD}B)`, cmd(toggleMark(schema.marks.strong)), (s) => markActive(s, schema.marks.strong)),
    button("I", `Italic (${MOD}I)`, cmd(toggleMark(schema.marks.em)), (s) => markActive(s, schema.marks.em)),
    button("Link", `Link (${MOD}K)`, editLink, (s) => markActive(s, schema.marks.link)),
    button("Heading", "Section heading", cmd(toggleHeading), (s) => blockActive(s, schema.nodes.heading)),
    button("Quote", "Quote", cmd(toggleWrap(schema.nodes.blockquote)), (s) => blockActive(s, schema.nodes.blockquote)),
    button("List", "Bulleted list", cmd(toggleList(schema.nodes.bullet_list)), (s) => blockActive(s, schema.nodes.bullet_list)),
    button("Numbered", "Numbered list", cmd(toggleList(schema.nodes.ordered_list)), (s) => blockActive(s, schema.nodes.ordered_list)),
    button("Photo", "Insert a photo", (v) =>
      photoDialog(csrf).then((got) => {
        v.focus();
        if (got) insertTop(v, schema.nodes.photo.create({ ref: got.id, fields: [] }));
      }),
    ),
    button("READ MORE", "Insert a READ MORE box", (v) =>
      readMoreDialog().then((got) => {
        v.focus();
        if (got) insertTop(v, schema.nodes.read_more.create(got));
      }),
    ),
    button("Note", "Add a note", addNote),
    button("Undo", `Undo (${MOD}Z)`, cmd(undo)),
    button("Redo", `Redo (${MOD}Shift+Z)`, cmd(redo)),
    sourceButton,
  );

  const surface = el("div", { class: "ed-surface" });
  const wrap = el("div", { class: "ed-editor" }, toolbar, surface);
  textarea.before(wrap);
  wrap.append(textarea);

  const sync = () => {
    const text = serialize(view.state.doc, memory);
    if (text !== textarea.value) {
      textarea.value = text;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };

  const keys = {
    "Mod-z": undo,
    "Shift-Mod-z": redo,
    "Mod-y": redo,
    "Mod-b": toggleMark(schema.marks.strong),
    "Mod-i": toggleMark(schema.marks.em),
    "Mod-k": (_s, _d, v) => editLink(v),
    "Mod-Alt-1": setBlockType(schema.nodes.heading, { level: 1 }),
    "Mod-Alt-0": setBlockType(schema.nodes.paragraph),
    "Shift-Enter": chainCommands(exitCode, (state, dispatch) => {
      if (dispatch) dispatch(state.tr.replaceSelectionWith(schema.nodes.hard_break.create()).scrollIntoView());
      return true;
    }),
    Enter: splitListItem(schema.nodes.list_item),
    "Mod-[": liftListItem(schema.nodes.list_item),
    "Mod-]": sinkListItem(schema.nodes.list_item),
  };

  const view = new EditorView(surface, {
    state: EditorState.create({ doc, plugins: [buildInputRules(), keymap(keys), keymap(baseKeymap), history()] }),
    nodeViews: { photo: (node) => new PhotoView(node), read_more: (node) => new ReadMoreView(node) },
    attributes: {
      id: `${textarea.id}-rich`,
      class: "ed-content prose",
      role: "textbox",
      "aria-multiline": "true",
      "aria-labelledby": label ? label.id : "",
      "aria-describedby": textarea.getAttribute("aria-describedby") || "",
      spellcheck: "true",
    },
    dispatchTransaction(tr) {
      view.updateState(view.state.apply(tr));
      if (tr.docChanged) sync();
      refreshButtons();
    },
  });

  const refreshButtons = () => {
    for (const { b, isActive } of buttons) {
      b.disabled = sourceOn;
      if (isActive) b.setAttribute("aria-pressed", String(!sourceOn && isActive(view.state)));
    }
  };

  const setSource = (on) => {
    sourceOn = on;
    sourceButton.setAttribute("aria-pressed", String(on));
    wrap.classList.toggle("ed-source-on", on);
    if (on) {
      sync();
      textarea.focus();
    } else {
      // The text as typed is the new memory: every block of it comes back as typed.
      ({ doc, memory } = parse(textarea.value));
      const tr = view.state.tr.replaceWith(0, view.state.doc.content.size, doc.content);
      view.dispatch(tr);
      view.focus();
    }
    refreshButtons();
  };
  sourceButton.addEventListener("click", () => setSource(!sourceOn));
  // The sidebar's story picker writes READ MORE lines into the text itself.
  textarea.addEventListener("dateline:source-changed", () => {
    if (!sourceOn) setSource(false);
  });

  // The lead photo's select lists the newest photos: a button finds any in the library.
  const lead = form.querySelector("#lead_media");
  if (lead) {
    const choose = el("button", { type: "button", class: "nr-secondary ed-lead-choose" }, "Find a lead photo in the library");
    choose.addEventListener("click", async () => {
      const p = await leadPhotoDialog();
      choose.focus();
      if (!p) return;
      let opt = Array.from(lead.options).find((o) => o.value === String(p.id));
      if (!opt) {
        opt = el("option", { value: String(p.id) }, p.label);
        if (p.thumb) opt.dataset.thumb = p.thumb;
        lead.append(opt);
      }
      lead.value = String(p.id);
      lead.dispatchEvent(new Event("change", { bubbles: true }));
    });
    lead.after(choose);
  }

  // A no-script reader's help names Markdown; with the editor, the toolbar does the work.
  const help = document.getElementById("body-help");
  if (help) {
    help.textContent = `Format with the toolbar or the usual shortcuts (${MOD}B bold, ${MOD}I italic, ${MOD}K link, ${MOD}Z undo). “Source” shows the text as stored.`;
  }
  form.addEventListener("submit", () => {
    if (!sourceOn) sync();
  });
  refreshButtons();
  // For the browser tests and the benchmark: the live editor and the dialect functions.
  window.datelineEditor = { view, parse, serialize, setSource, sync };
  return view;
}

const body = document.querySelector("form[data-editor] textarea[data-rich]");
if (body) mount(body);
// The bylines: found by typing a name, in order, instead of a select per byline.
const bylines = document.querySelector("form[data-editor] fieldset[data-bylines]");
if (bylines) mountBylines(bylines);
