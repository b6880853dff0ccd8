// The suppression list: addresses Herald never mails (bounces, complaints, by hand).
import {api, path} from "../api.js";
import {confirmAction} from "../dialog.js";
import {field, h} from "../dom.js";
import {dataTable, errorBox, loading, statusLine, timeAgo} from "../ui.js";

const PAGE_SIZE = 50;

export function suppressionsPanel() {
  const status = statusLine();
  const list = h("div");
  const more = h("div");
  const address = field("Address", h("input", {type: "email", required: true, autocomplete: "off"}));
  const reason = field("Reason", h("input", {type: "text", value: "manual", maxlength: 200}));
  let entries = [];

  const columns = [
    {label: "Address", cell: (entry) => entry.email},
    {label: "Reason", cell: (entry) => [entry.reason, entry.detail && h("span", {class: "muted"}, ` (${entry.detail})`)]},
    {label: "Since", cell: (entry) => timeAgo(entry.added_at)},
    {label: "Actions", cell: (entry) => h("button", {type: "button", "aria-label": `Remove ${entry.email}`,
      onclick: () => remove(entry.email)}, "Remove")},
  ];

  async function loadPage(cursor) {
    more.replaceChildren(loading("Loading the suppression list…"));
    try {
      const page = await api.get(`/suppressions?limit=${PAGE_SIZE}${cursor ? path`&cursor=${cursor}` : ""}`);
      entries = cursor ? [...entries, ...page.suppressions] : page.suppressions;
      list.replaceChildren(entries.length ? dataTable("Suppressed addresses", columns, entries)
        : h("p", {class: "muted"}, "No address is suppressed."));
      more.replaceChildren(page.next_cursor
        ? h("button", {type: "button", onclick: () => loadPage(page.next_cursor)}, "Show more") : "");
    } catch (error) {
      more.replaceChildren(errorBox("Could not load the suppression list", error, () => loadPage(cursor)));
    }
  }

  async function add(event) {
    event.preventDefault();
    const email = address.control.value.trim();
    try {
      const entry = await api.put(path`/suppressions/${email}`, {reason: reason.control.value.trim() || "manual"});
      status.show(`${entry.email} is suppressed: Herald will not mail it.`);
      address.control.value = "";
      loadPage(null);
    } catch (error) {
      status.show(`Not added: ${error.message}`, "error");
    }
  }

  async function remove(email) {
    const confirmed = await confirmAction({
      title: `Remove ${email}?`,
      message: "Herald will mail this address again. Do this only if the address works now "
        + "or its owner asked for mail again.",
      confirmLabel: "Remove from the list",
    });
    if (!confirmed) return;
    try {
      await api.delete(path`/suppressions/${email}`);
      status.show(`${email} can be mailed again.`);
      loadPage(null);
    } catch (error) {
      status.show(`Not removed: ${error.message}`, "error");
    }
  }

  loadPage(null);
  return h("section", {class: "panel", "aria-labelledby": "suppressions-title"},
    h("h2", {id: "suppressions-title"}, "Suppression list"),
    h("form", {class: "inline-form", onsubmit: add}, address.element, reason.element,
      h("button", {type: "submit"}, "Suppress")),
    status.element,
    list,
    more);
}
