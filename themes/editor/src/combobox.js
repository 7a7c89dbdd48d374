// A search-as-you-type combobox (the WAI-ARIA 1.2 combobox pattern with a listbox popup and
// list autocomplete), written once for the editor's pickers: a text input whose suggestions,
// asked for as one types, are listed under it. The focus stays in the input: ArrowDown and
// ArrowUp move through the suggestions (aria-activedescendant), Enter or a click picks one,
// Escape closes the list (a second Escape empties the input), Tab leaves. A live region says
// how many were found, or why none. Enter never submits the form around it, and the input has
// no name, so what is typed is never posted and never sets off the form's autosave.
import { el } from "./dom.js";

let count = 0;

/**
 * Make a combobox. `find(q)` resolves with the suggestions for the words `q` (only the answer
 * to the newest question is shown); `option(item)` gives an option's content (nodes or text);
 * `pick(item)` is called with the one chosen; `nothing(q)` is the sentence when none is found.
 * Returns `{ element, input, say }`: the element to put in the page (label, input, hint,
 * list and live region), the input, and `say(text)` to announce something in the live region.
 */
export function combobox({ label, hint, find, option, pick, nothing }) {
  const id = `ed-combo-${++count}`;
  const input = el("input", {
    id,
    type: "text",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": `${id}-list`,
    "aria-describedby": hint ? `${id}-hint` : null,
  });
  const list = el("ul", { id: `${id}-list`, role: "listbox", class: "ed-combo-list", "aria-label": label, hidden: true });
  const status = el("p", { class: "nr-help ed-combo-status", role: "status" });
  let items = [];
  let active = -1;
  let asked = 0;
  let timer = null;

  const setActive = (i) => {
    active = i;
    Array.from(list.children).forEach((o, n) => o.setAttribute("aria-selected", String(n === i)));
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", list.children[i].id);
      list.children[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const open = (on) => {
    list.hidden = !on;
    input.setAttribute("aria-expanded", String(on));
    if (!on) setActive(-1);
  };
  const choose = (n) => {
    const item = items[n];
    if (!item) return;
    clearTimeout(timer);
    asked++;
    input.value = "";
    open(false);
    status.textContent = "";
    pick(item);
  };
  const show = (found, q) => {
    items = found;
    list.textContent = "";
    found.forEach((item, n) => {
      const o = el("li", { id: `${id}-${n}`, role: "option", "aria-selected": "false", class: "ed-combo-option" });
      const content = option(item);
      o.append(...(Array.isArray(content) ? content : [content]));
      // A press on an option keeps the focus in the input (no blur closing the list first).
      o.addEventListener("mousedown", (e) => e.preventDefault());
      o.addEventListener("click", () => choose(n));
      list.append(o);
    });
    open(found.length > 0);
    status.textContent = found.length
      ? `${found.length} found: choose with the arrow keys and Enter, or click one.`
      : nothing(q);
  };
  const ask = async () => {
    const q = input.value.trim();
    const mine = ++asked;
    try {
      const found = await find(q);
      if (mine === asked && document.activeElement === input) show(found, q);
    } catch {
      if (mine === asked) {
        open(false);
        status.textContent = "Could not search just now: check the connection and type again.";
      }
    }
  };

  input.addEventListener("input", (e) => {
    // Typing a search is not a change to the story: keep it from the form's autosave.
    e.stopPropagation();
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("change", (e) => e.stopPropagation());
  input.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const n = items.length;
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (list.hidden) ask();
        else if (n) setActive((active + 1) % n);
        break;
      case "ArrowUp":
        e.preventDefault();
        if (!list.hidden && n) setActive(active <= 0 ? n - 1 : active - 1);
        break;
      case "Enter":
        // Never the form's submit: a half-typed name is not a save.
        e.preventDefault();
        if (!list.hidden && active >= 0) choose(active);
        break;
      case "Escape":
        if (!list.hidden) {
          e.preventDefault();
          open(false);
        } else if (input.value) {
          e.preventDefault();
          input.value = "";
          status.textContent = "";
        }
        break;
      default:
    }
  });
  input.addEventListener("blur", () => {
    clearTimeout(timer);
    asked++;
    open(false);
  });

  const element = el(
    "div",
    { class: "ed-combo" },
    el("label", { for: id }, label),
    hint ? el("span", { class: "nr-help", id: `${id}-hint` }, hint) : null,
    el("div", { class: "ed-combo-box" }, input, list),
    status,
  );
  return { element, input, say: (text) => (status.textContent = text) };
}
