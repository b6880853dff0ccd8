// Screen: every template with its category, description and last change.
import {api} from "../api.js";
import {h} from "../dom.js";
import {badge, dataTable, loadInto, takeNotice, timeAgo} from "../ui.js";

const COLUMNS = [
  {label: "Name", cell: (t) => h("a", {href: `#/templates/${t.name}`}, t.name)},
  {label: "Category", cell: (t) => badge(t.category)},
  {label: "Description", cell: (t) => t.description || h("span", {class: "muted"}, "none")},
  {label: "Last change", cell: (t) => timeAgo(t.updated_at)},
];

function templatesTable({templates}) {
  if (!templates.length) return h("p", {}, "No templates yet. Create the first one.");
  return dataTable("Templates", COLUMNS, templates);
}

export function showTemplateList(main) {
  const list = h("div", {class: "panel"});
  main.append(
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1"}, "Templates"),
      h("a", {class: "button primary", href: "#/new"}, "New template")),
    takeNotice(),
    list);
  loadInto(list, "templates", () => api.get("/templates"), templatesTable);
}
