// Small DOM helpers shared by the story editor's modules (main.js, combobox.js, bylines.js).
// Nothing here builds HTML from text: elements are made with createElement and text goes in as
// text nodes.

/** `el("button", { type: "button", onclick }, "Text", child)`: an element, its attributes
 * (`on…` become listeners; false and null are left out) and its children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

/** GET `url` as JSON with the session's cookie; a non-2xx answer is an error. */
export async function getJson(url) {
  const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}
