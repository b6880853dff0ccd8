// Screen: find any mail. By recipient (GET /messages?to=), or recent activity filtered by
// status (GET /messages?status=), newest first, a page at a time; a result opens the
// lookup (GET /messages/{id}) with the mail as it was sent.
import {api, path} from "../api.js";
import {field, h} from "../dom.js";
import {formatDateTime, shortVersion} from "../format.js";
import {badge, dataTable, loadInto} from "../ui.js";
import {messageDetails} from "./message_status.js";

const STATUSES = ["queued", "sending", "sent", "delivered", "failed", "bounced", "complained",
  "suppressed", "expired", "superseded"];
const PAGE = 25;

export function showFindMail(main) {
  const address = field("Recipient address", h("input", {type: "text", autocomplete: "off", spellcheck: "false",
    inputmode: "email", placeholder: "ana@example.com"}));
  const results = h("div", {class: "mail-results", "aria-live": "polite"});
  const details = h("div", {"aria-live": "polite"});
  let query = "";
  let status = null;

  function open(row) {
    loadInto(details, `message ${row.message_id}`, () => api.get(path`/messages/${row.message_id}`), messageDetails);
    details.scrollIntoView?.({block: "start"});
  }

  // An ordinary status's page reads a stretch of recent mail and may hold no match yet
  // while older mail remains (`more`): "Older mail" goes on.
  function table(rows, title, more) {
    if (!rows.length) return h("p", {class: "muted"}, more ? "No matching mail in this stretch." : "No mail found.");
    return dataTable(title, [
      {label: "Status", cell: (row) => badge(row.status)},
      {label: "To", cell: (row) => row.to},
      {label: "Template", cell: (row) => [row.template, " ", h("code", {}, shortVersion(row.template_version))]},
      {label: "Accepted", cell: (row) => h("time", {datetime: row.created_at}, formatDateTime(row.created_at))},
      {label: "Message", cell: (row) => h("button", {type: "button", class: "link",
        "aria-label": `Open message ${row.message_id}`, onclick: () => open(row)}, h("code", {}, row.message_id))},
    ], rows);
  }

  // One page into `results`; "Older mail" appends the next. Each load fills its own
  // container, so an earlier, slower answer lands in one no longer shown.
  function load(cursor = null) {
    const target = h("div");
    if (cursor) results.querySelector(".more")?.replaceWith(target);
    else results.replaceChildren(target);
    const url = `/messages?${query}${query ? "&" : ""}limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const title = query.startsWith("to=") ? "Mail to the address" : "Recent mail";
    loadInto(target, "mail", () => api.get(url), (page) => [table(page.messages, title, Boolean(page.next_cursor)),
      page.next_cursor && h("p", {class: "more"},
        h("button", {type: "button", onclick: () => load(page.next_cursor)}, "Older mail"))]);
  }

  function search(event) {
    event.preventDefault();
    const to = address.control.value.trim();
    status = null;
    query = to ? `to=${encodeURIComponent(to)}` : "";
    markChips();
    load();
  }

  const chips = h("div", {class: "status-chips", role: "group", "aria-label": "Filter recent mail by status"},
    h("button", {type: "button", "data-status": "", onclick: () => filter(null)}, "All"),
    STATUSES.map((name) => h("button", {type: "button", "data-status": name, onclick: () => filter(name)}, name)));

  function markChips() {
    for (const chip of chips.querySelectorAll("button")) {
      chip.setAttribute("aria-pressed", String(chip.dataset.status === (status ?? "") && !query.startsWith("to=")));
    }
  }

  function filter(name) {
    status = name;
    query = name ? `status=${name}` : "";
    address.control.value = "";
    markChips();
    load();
  }

  main.append(
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Find mail")),
    h("section", {class: "panel", "aria-labelledby": "find-mail-title"},
      h("h2", {id: "find-mail-title"}, "Search"),
      h("form", {class: "inline-form", onsubmit: search}, address.element,
        h("button", {type: "submit"}, "Find mail")),
      h("h3", {}, "Recent activity"),
      chips,
      results),
    details);
  filter(null);
}
