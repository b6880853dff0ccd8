// Screen: a deleted template: its last version, its whole history, and Restore
// (the last version becomes live again; the history, the deletion included, stays).
import {api, path} from "../api.js";
import {h} from "../dom.js";
import {formatBytes, shortVersion} from "../format.js";
import {badge, dataTable, loadInto, setNotice, statusLine, timeAgo} from "../ui.js";
import {summary} from "./template_view.js";

function versionsTable(versions) {
  const [last] = versions;
  return dataTable("Versions, newest first", [
    {label: "Version", cell: (v) => [h("code", {}, shortVersion(v.version_id)), v === last && badge("last", "current")]},
    {label: "Saved", cell: (v) => timeAgo(v.updated_at)},
    {label: "By", cell: (v) => v.author},
    {label: "Size", cell: (v) => formatBytes(v.size)},
  ], versions);
}

export function showDeletedTemplate(main, name) {
  const status = statusLine();
  const details = h("section", {class: "panel", "aria-labelledby": "details-title"});
  const history = h("div");

  async function restore() {
    try {
      const restored = await api.post(path`/templates/${name}/restore`);
      setNotice(`Restored ${name}: version ${shortVersion(restored.restored_from)} is live again `
        + `as version ${shortVersion(restored.version_id)}.`);
      location.hash = `#/templates/${name}`;
    } catch (error) {
      status.show(`Could not restore: ${error.message}`, "error");
    }
  }

  function render([last, versions]) {
    history.replaceChildren(versionsTable(versions));
    return [h("h2", {id: "details-title"}, `Last version (${shortVersion(last.version_id)})`), summary(last)];
  }

  main.append(
    h("p", {class: "breadcrumb"}, h("a", {href: "#/templates"}, "Templates"), " / ", name),
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1"}, `${name} (deleted)`),
      h("div", {class: "actions"},
        h("button", {type: "button", class: "primary", onclick: restore}, "Restore"))),
    h("p", {class: "hint"}, "Sends that use this template are refused. Restore makes its last "
      + "version live again as a new version; the history below is kept."),
    status.element,
    details,
    h("section", {class: "panel", "aria-labelledby": "history-title"},
      h("h2", {id: "history-title"}, "Version history"),
      history));
  loadInto(details, "the deleted template", async () => {
    const {versions} = await api.get(path`/templates/${name}/versions`);
    return [await api.get(path`/templates/${name}?version=${versions[0].version_id}`), versions];
  }, render);
}
