// Screen: every template with its category, tags, description and last change;
// a search by name, filters by category and tag (over the whole list, which the
// API returns complete), and the deleted templates, each restored in one click.
import {api, path} from "../api.js";
import {field, h} from "../dom.js";
import {shortVersion} from "../format.js";
import {badge, dataTable, loadInto, statusLine, takeNotice, timeAgo} from "../ui.js";

const CATEGORIES = ["auth", "notification", "layout"];
const ALL = "";

const tagLabel = ([key, value]) => (value ? `${key}: ${value}` : key);
const tagChips = (t) => Object.entries(t.tags ?? {}).map((tag) => h("span", {class: "chip"}, tagLabel(tag)));
const describe = (t) => t.description || h("span", {class: "muted"}, "none");

function option(value, label, selected) {
  return h("option", {value, selected: value === selected}, label);
}

export function showTemplateList(main) {
  const status = statusLine();
  const search = h("input", {type: "search", name: "search", autocomplete: "off"});
  const category = h("select", {name: "category"}, option(ALL, "All categories"),
    CATEGORIES.map((c) => option(c, c)));
  const tag = h("select", {name: "tag"}, option(ALL, "All tags"));
  const shown = h("select", {name: "status"}, option("live", "Live templates"),
    option("deleted", "Deleted templates"));
  const count = h("p", {class: "hint", role: "status"});
  const list = h("div", {class: "panel"});
  const loaded = {};  // status -> the complete list, as GET /templates answered it

  async function restore(template) {
    try {
      const restored = await api.post(path`/templates/${template.name}/restore`);
      status.show(`Restored ${template.name}: its last version is live again as version `
        + `${shortVersion(restored.version_id)}.`);
      delete loaded.live;
      delete loaded.deleted;
      load();
    } catch (error) {
      status.show(`Could not restore ${template.name}: ${error.message}`, "error");
    }
  }

  const LIVE_COLUMNS = [
    {label: "Name", cell: (t) => h("a", {href: `#/templates/${t.name}`}, t.name)},
    {label: "Category", cell: (t) => badge(t.category)},
    {label: "Tags", cell: (t) => (Object.keys(t.tags ?? {}).length ? tagChips(t) : h("span", {class: "muted"}, "none"))},
    {label: "Description", cell: describe},
    {label: "Last change", cell: (t) => timeAgo(t.updated_at)},
  ];
  const DELETED_COLUMNS = [
    {label: "Name", cell: (t) => h("a", {href: `#/templates/${t.name}/deleted`,
      "aria-label": `${t.name}, deleted: history`}, t.name)},
    {label: "Category", cell: (t) => badge(t.category)},
    {label: "Description", cell: describe},
    {label: "Deleted", cell: (t) => timeAgo(t.deleted_at)},
    {label: "Actions", cell: (t) => h("button", {type: "button", "aria-label": `Restore ${t.name}`,
      onclick: () => restore(t)}, "Restore")},
  ];

  function matches(template) {
    const needle = search.value.trim().toLowerCase();
    const [tagKey, tagValue] = tag.value ? JSON.parse(tag.value) : [];
    return (!needle || template.name.includes(needle))
      && (!category.value || template.category === category.value)
      && (!tag.value || (template.tags ?? {})[tagKey] === tagValue);
  }

  // Every tag used in the list, as a choice (kept when it is still offered).
  function fillTags(templates) {
    const chosen = tag.value;
    const tags = new Map();
    for (const template of templates) {
      for (const entry of Object.entries(template.tags ?? {})) tags.set(JSON.stringify(entry), tagLabel(entry));
    }
    const sorted = [...tags].sort((a, b) => a[1].localeCompare(b[1]));
    tag.replaceChildren(option(ALL, "All tags"), ...sorted.map(([value, label]) => option(value, label, chosen)));
    if (!tags.has(chosen)) tag.value = ALL;
  }

  function table(templates, which = shown.value) {
    const deleted = which === "deleted";
    fillTags(templates);
    const rows = templates.filter(matches);
    count.textContent = `${rows.length} of ${templates.length} ${deleted ? "deleted " : ""}templates`;
    if (!templates.length) {
      return h("p", {}, deleted ? "No deleted templates." : "No templates yet. Create the first one.");
    }
    if (!rows.length) return h("p", {}, "No template matches the search and filters.");
    return dataTable(deleted ? "Deleted templates" : "Templates", deleted ? DELETED_COLUMNS : LIVE_COLUMNS, rows);
  }

  // A load the person has since switched away from keeps what the newer one shows.
  function load() {
    const which = shown.value;
    const query = which === "deleted" ? "?status=deleted" : "";
    loadInto(list, which === "deleted" ? "the deleted templates" : "templates", async () => {
      loaded[which] ??= (await api.get(`/templates${query}`)).templates;
      return loaded[which];
    }, (templates) => (which === shown.value ? table(templates, which) : [...list.childNodes]));
  }

  for (const control of [search, category, tag]) {
    control.addEventListener("input", () => loaded[shown.value] && list.replaceChildren(table(loaded[shown.value])));
  }
  shown.addEventListener("change", () => {
    status.clear();
    load();
  });

  main.append(
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1"}, "Templates"),
      h("a", {class: "button primary", href: "#/new"}, "New template")),
    takeNotice(),
    status.element,
    h("form", {class: "filters", role: "search", "aria-label": "Find templates",
      onsubmit: (event) => event.preventDefault()},
    field("Search by name", search).element,
    field("Category", category).element,
    field("Tag", tag).element,
    field("Show", shown).element),
    count,
    list);
  load();
}
