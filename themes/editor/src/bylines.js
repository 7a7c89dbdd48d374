// The story's bylines, chosen by typing (issue 17). Without script the form has a select per
// byline; this replaces them with a combobox over the newsroom's people (GET
// /newsroom/people/search: name, job title, and their role or that nobody can sign in as them)
// and the chosen bylines as an ordered list, each with Up, Down and Remove buttons. It posts
// what the selects posted: an `author` field per byline, in order, plus `no_byline`, so an
// emptied list saves a story with no byline (agency copy) rather than the writer's own.
import { el, getJson } from "./dom.js";
import { combobox } from "./combobox.js";

/** Most people in a byline (the server's MAX_AUTHORS). */
const MAX = 20;

/** "Middle East correspondent · No account: cannot sign in". */
function about(p) {
  return [p.title, p.note].filter(Boolean).join(" · ");
}

export function mountBylines(fieldset) {
  const form = fieldset.closest("form");
  const url = fieldset.dataset.search;
  const selects = Array.from(fieldset.querySelectorAll("select[name=author]"));
  if (!form || !url || !selects.length) return;

  // The chosen ones as the selects had them (the server put each person's title and note on
  // their option).
  const chosen = [];
  for (const s of selects) {
    const o = s.selectedOptions[0];
    if (o && o.value && !chosen.some((c) => c.id === o.value)) {
      chosen.push({ id: o.value, name: o.textContent.trim(), title: o.dataset.title || "", note: o.dataset.note || "" });
    }
  }
  for (const s of selects) (s.closest("p") || s).remove();
  // With the picker an empty list means no byline: say so to the server (it would otherwise
  // put the writer's own name there).
  if (!form.querySelector("input[name=no_byline]")) {
    form.append(el("input", { type: "hidden", name: "no_byline", value: "1" }));
  }

  const list = el("ol", { class: "ed-bylines", "aria-label": "Bylines chosen" });
  const empty = el("p", { class: "nr-help ed-bylines-empty" }, "No byline: the story goes out without one (agency copy). Add a person below.");
  const changed = () => list.dispatchEvent(new Event("change", { bubbles: true }));

  const combo = combobox({
    label: "Add a person to the byline",
    hint: "Type part of a name, then choose with the arrow keys and Enter, or click.",
    find: async (q) => {
      const found = await getJson(`${url}?q=${encodeURIComponent(q)}`);
      return found.filter((p) => !chosen.some((c) => c.id === String(p.id)));
    },
    option: (p) => [el("span", { class: "ed-combo-name" }, p.name), el("span", { class: "nr-help" }, about(p))],
    pick: (p) => {
      if (chosen.length >= MAX) {
        combo.say(`A byline has at most ${MAX} people: remove one first.`);
        return;
      }
      chosen.push({ id: String(p.id), name: p.name, title: p.title, note: p.note });
      draw();
      changed();
      combo.say(`${p.name} added as byline ${chosen.length} of ${chosen.length}.`);
    },
    nothing: (q) => (q ? "Nobody else's name has those letters." : "Everyone is in the byline already."),
  });

  /** Draw the list; then put the focus on `focus` ([index, "up" | "down" | "remove"]). */
  const draw = (focus) => {
    list.textContent = "";
    chosen.forEach((p, i) => {
      const button = (text, label, disabled, onclick, kind) =>
        el("button", { type: "button", class: "nr-secondary ed-byline-button", "aria-label": label, "data-kind": kind, disabled, onclick }, text);
      const row = el(
        "li",
        { class: "ed-byline", "data-id": p.id },
        el("span", { class: "ed-byline-words" }, el("span", { class: "ed-byline-name" }, p.name), about(p) ? el("span", { class: "nr-help" }, about(p)) : null),
        el(
          "span",
          { class: "ed-byline-actions" },
          button("Up", `Move ${p.name} up`, i === 0, () => move(i, -1), "up"),
          button("Down", `Move ${p.name} down`, i === chosen.length - 1, () => move(i, 1), "down"),
          button("Remove", `Remove ${p.name} from the byline`, false, () => remove(i), "remove"),
        ),
        el("input", { type: "hidden", name: "author", value: p.id }),
      );
      list.append(row);
    });
    empty.hidden = chosen.length > 0;
    if (focus) {
      const [i, kind] = focus;
      const row = list.children[i];
      const want = row && row.querySelector(`button[data-kind="${kind}"]`);
      // A button that became disabled (first row's Up, last row's Down) cannot hold the
      // focus: its neighbour takes it.
      const target = want && !want.disabled ? want : row && row.querySelector("button:not([disabled])");
      (target || combo.input).focus();
    }
  };

  const move = (i, by) => {
    const j = i + by;
    if (j < 0 || j >= chosen.length) return;
    const [p] = chosen.splice(i, 1);
    chosen.splice(j, 0, p);
    draw([j, by < 0 ? "up" : "down"]);
    changed();
    combo.say(`${p.name} is now byline ${j + 1} of ${chosen.length}.`);
  };

  const remove = (i) => {
    const [p] = chosen.splice(i, 1);
    draw(chosen.length ? [Math.min(i, chosen.length - 1), "remove"] : null);
    if (!chosen.length) combo.input.focus();
    changed();
    combo.say(chosen.length ? `${p.name} removed from the byline.` : `${p.name} removed: the story has no byline.`);
  };

  fieldset.append(list, empty, combo.element);
  draw();
}
