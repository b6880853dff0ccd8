// Shared building blocks of every screen: loading and error states, tables, notices.
import {flatten, h} from "./dom.js";
import {formatDateTime, formatRelative} from "./format.js";

export function loading(text) {
  return h("p", {class: "loading", role: "status"}, text);
}

export function errorBox(title, error, retry) {
  return h("div", {class: "error-box", role: "alert"},
    h("p", {}, h("strong", {}, title), ": ", error.message),
    retry && h("button", {type: "button", onclick: retry}, "Try again"));
}

// Fills `container` with render(await fetch()), showing loading and error states meanwhile.
export async function loadInto(container, what, fetch, render) {
  container.setAttribute("aria-busy", "true");
  container.replaceChildren(loading(`Loading ${what}…`));
  try {
    const data = await fetch();
    container.replaceChildren(...flatten([render(data)]));
  } catch (error) {
    container.replaceChildren(errorBox(`Could not load ${what}`, error,
      () => loadInto(container, what, fetch, render)));
  } finally {
    container.removeAttribute("aria-busy");
  }
}

// columns: [{label, cell: (row) => node or text}]; stacks into cards on narrow screens.
export function dataTable(caption, columns, rows) {
  return h("div", {class: "table-wrap"},
    h("table", {class: "data-table"},
      h("caption", {class: "visually-hidden"}, caption),
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", {scope: "col"}, column.label)))),
      h("tbody", {}, rows.map((row) => h("tr", {},
        columns.map((column) => h("td", {"data-label": column.label}, h("div", {}, column.cell(row)))))))));
}

export function badge(text, kind = text) {
  return h("span", {class: `badge badge-${kind}`}, text);
}

export function timeAgo(iso) {
  return h("time", {datetime: iso, title: formatDateTime(iso)}, formatRelative(iso));
}

// A status line for the outcome of an action (announced to screen readers).
export function statusLine() {
  const element = h("p", {class: "status-line", role: "status"});
  return {
    element,
    show(text, kind = "ok") {
      element.className = `status-line status-${kind}`;
      element.textContent = text;
    },
    clear() {
      element.textContent = "";
    },
  };
}

// One message carried across a navigation (e.g. "deleted" shown on the list).
let pendingNotice = null;

export function setNotice(text) {
  pendingNotice = text;
}

// The pending notice as a status line (empty, and so hidden, when there is none).
export function takeNotice() {
  const text = pendingNotice;
  pendingNotice = null;
  return h("p", {class: "status-line status-ok", role: "status"}, text ?? "");
}
