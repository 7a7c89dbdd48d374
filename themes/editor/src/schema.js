// The editor's document model: prosemirror-markdown's CommonMark schema (without Markdown's
// own pictures, which the dialect refuses) plus what the dialect adds: struck-out text, photo
// blocks, READ MORE boxes, notes and their markers, and blocks kept exactly as typed. Photo
// blocks, READ MORE and note definitions stand only at the top level, as the dialect puts them.
import { Schema } from "prosemirror-model";
import { schema as base } from "prosemirror-markdown";

function tightByDefault(name) {
  const spec = base.spec.nodes.get(name);
  return { ...spec, attrs: { ...spec.attrs, tight: { default: true } } };
}

const nodes = base.spec.nodes
  .remove("image")
  .update("doc", { content: "(block | top)+" })
  .update("heading", { ...base.spec.nodes.get("heading"), content: "(text | footnote_ref)*" })
  // A list made in the editor is tight (`- Cars` / `- Bicycles`, no blank line between), as
  // reporters write them; a parsed list keeps what its text says.
  .update("bullet_list", tightByDefault("bullet_list"))
  .update("ordered_list", tightByDefault("ordered_list"))
  .append({
    raw_block: {
      content: "text*",
      group: "block",
      code: true,
      marks: "",
      defining: true,
      parseDOM: [{ tag: "pre.ed-raw", preserveWhitespace: "full" }],
      toDOM: () => ["pre", { class: "ed-raw", title: "Kept as typed: edit it in the source view or here" }, ["code", 0]],
    },
    photo: {
      group: "top",
      atom: true,
      draggable: true,
      attrs: { ref: { default: "" }, fields: { default: [] } },
      toDOM: (node) => ["figure", { class: "ed-photo", "data-ref": node.attrs.ref }, `Photo ${node.attrs.ref}`],
    },
    read_more: {
      group: "top",
      atom: true,
      attrs: { ref: { default: "" }, label: { default: "" } },
      toDOM: (node) => [
        "p",
        { class: "ed-readmore", "data-ref": node.attrs.ref },
        ["span", { class: "ed-readmore-label" }, "READ MORE"],
        " ",
        node.attrs.label || `story ${node.attrs.ref.replace(/^#/, "")}`,
      ],
    },
    footnote_def: {
      group: "top",
      content: "inline*",
      attrs: { label: { default: "" } },
      defining: true,
      toDOM: (node) => ["p", { class: "ed-note", "data-label": node.attrs.label }, 0],
    },
    footnote_ref: {
      group: "inline",
      inline: true,
      atom: true,
      attrs: { label: { default: "" } },
      toDOM: (node) => ["sup", { class: "ed-noteref", "data-label": node.attrs.label, title: `Note ${node.attrs.label}` }, "*"],
    },
  });

const marks = base.spec.marks.addToEnd("strike", {
  parseDOM: [{ tag: "s" }, { tag: "del" }],
  toDOM: () => ["s", 0],
});

export const schema = new Schema({ nodes, marks });
