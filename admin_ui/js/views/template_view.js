// Screen: one template, its version history, a diff of any two versions,
// rollback and delete.
import {api, path} from "../api.js";
import {confirmAction} from "../dialog.js";
import {diffView} from "../diff.js";
import {field, h, visuallyHidden} from "../dom.js";
import {formatBytes, formatDateTime, shortVersion} from "../format.js";
import {
  badge, dataTable, errorBox, loadInto, loading, setNotice, statusLine, takeNotice, timeAgo,
} from "../ui.js";

export function summary(template) {
  const variables = Object.entries(template.variables ?? {});
  const locales = Object.keys(template.locales ?? {});
  return h("dl", {class: "summary"},
    h("div", {}, h("dt", {}, "Category"), h("dd", {}, badge(template.category))),
    h("div", {}, h("dt", {}, "Description"), h("dd", {}, template.description || "none")),
    h("div", {}, h("dt", {}, "Subject"), h("dd", {}, h("code", {}, template.subject || "none"))),
    h("div", {}, h("dt", {}, "Variables"), h("dd", {}, variables.length
      ? variables.map(([name, spec]) => h("span", {class: "chip"}, name,
        spec.required ? " (required)" : "", spec.secret ? " (secret)" : ""))
      : "none")),
    h("div", {}, h("dt", {}, "Locales"), h("dd", {}, [template.default_locale, ...locales].join(", "))));
}

// The variables' JSON Schema, for callers who check their payloads in CI (tools.check).
function contractPanel(name) {
  const body = h("div");
  loadInto(body, "the variable contract", () => api.get(path`/templates/${name}/schema`),
    (schema) => h("details", {},
      h("summary", {}, `JSON Schema of the variables (${schema.required.length} required)`),
      h("pre", {class: "schema"}, JSON.stringify(schema, null, 2))));
  return h("section", {class: "panel", "aria-labelledby": "contract-title"},
    h("h2", {id: "contract-title"}, "Variable contract"),
    h("p", {class: "hint"}, "Check a payload against it with ",
      h("code", {}, `python -m tools.check --template ${name} payload.json`), "."),
    body);
}

function versionLabel(version) {
  return `${shortVersion(version.version_id)} · ${formatDateTime(version.updated_at)} · ${version.author}`;
}

export function showTemplate(main, name) {
  const status = statusLine();
  const details = h("section", {class: "panel", "aria-labelledby": "details-title"});
  const history = h("div");
  const compareOutput = h("div", {"aria-live": "polite"});
  const fromSelect = h("select", {name: "from"});
  const toSelect = h("select", {name: "to"});

  async function showDiff() {
    compareOutput.replaceChildren(loading("Loading the diff…"));
    try {
      const {diff} = await api.get(path`/templates/${name}/diff?from=${fromSelect.value}&to=${toSelect.value}`);
      compareOutput.replaceChildren(diffView(diff,
        `Changes from version ${shortVersion(fromSelect.value)} to ${shortVersion(toSelect.value)}`));
    } catch (error) {
      compareOutput.replaceChildren(errorBox("Could not load the diff", error, showDiff));
    }
  }

  function compare(fromVersion, toVersion) {
    fromSelect.value = fromVersion;
    toSelect.value = toVersion;
    showDiff();
  }

  async function rollback(version, latest) {
    const confirmed = await confirmAction({
      title: `Restore version ${shortVersion(version.version_id)}?`,
      message: `Its content (saved ${formatDateTime(version.updated_at)} by ${version.author}) becomes `
        + `the newest version and is used by new sends. Version ${shortVersion(latest.version_id)} `
        + "and everything before stays in the history.",
      confirmLabel: "Restore this version",
    });
    if (!confirmed) return;
    try {
      const restored = await api.post(path`/templates/${name}/rollback`, {version_id: version.version_id});
      status.show(`Restored version ${shortVersion(version.version_id)} as the new version `
        + `${shortVersion(restored.version_id)}.`);
      load();
    } catch (error) {
      status.show(`Could not restore: ${error.message}`, "error");
    }
  }

  async function remove() {
    const confirmed = await confirmAction({
      title: `Delete ${name}?`,
      message: "Sends that use it will be refused until it is saved again. Its version history is kept.",
      confirmLabel: "Delete template",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await api.delete(path`/templates/${name}`);
      setNotice(`Deleted ${name}. Its history is kept.`);
      location.hash = "#/templates";
    } catch (error) {
      status.show(`Could not delete: ${error.message}`, "error");
    }
  }

  // Duplicate: a copy of the latest version under a new name, with its own history.
  const copyName = h("input", {type: "text", name: "copy-name", value: `${name}-copy`,
    autocomplete: "off", required: true});
  const copyField = field("Name of the copy", copyName, {hint: "Lower-case letters, digits and -."});
  const duplicateForm = h("form", {class: "inline-form panel", hidden: true, "aria-label": `Duplicate ${name}`,
    onsubmit: duplicate},
  copyField.element,
  h("button", {type: "submit", class: "primary"}, "Create copy"),
  h("button", {type: "button", onclick: () => { duplicateForm.hidden = true; }}, "Cancel"));

  async function duplicate(event) {
    event.preventDefault();
    copyField.error.hidden = true;
    copyName.removeAttribute("aria-invalid");
    try {
      const copy = await api.post(path`/templates/${name}/duplicate`, {name: copyName.value.trim()});
      setNotice(`Duplicated ${name} as ${copy.name}; the copy starts its own history.`);
      location.hash = `#/templates/${copy.name}`;
    } catch (error) {
      copyField.error.textContent = error.message;
      copyField.error.hidden = false;
      copyName.setAttribute("aria-invalid", "true");
      copyName.focus();
    }
  }

  function showDuplicate() {
    duplicateForm.hidden = false;
    copyName.focus();
    copyName.select();
  }

  function versionsTable(versions) {
    const [latest] = versions;
    const actions = (version) => {
      const previous = versions[versions.indexOf(version) + 1];
      const short = shortVersion(version.version_id);
      return h("div", {class: "row-actions"},
        // The name starts with the visible word, so "click Changes" works by voice.
        previous && h("button", {type: "button", onclick: () => compare(previous.version_id, version.version_id)},
          "Changes", visuallyHidden(` in version ${short}, against the one before`)),
        version !== latest && h("button", {type: "button", "aria-label": `Restore version ${short}`,
          onclick: () => rollback(version, latest)}, "Restore"));
    };
    return dataTable("Versions, newest first", [
      {label: "Version", cell: (v) => [h("code", {}, shortVersion(v.version_id)), v === latest && badge("current")]},
      {label: "Saved", cell: (v) => timeAgo(v.updated_at)},
      {label: "By", cell: (v) => v.author},
      {label: "Size", cell: (v) => formatBytes(v.size)},
      {label: "Actions", cell: actions},
    ], versions);
  }

  function fillVersionChoices(versions) {
    const options = () => versions.map((v) => h("option", {value: v.version_id}, versionLabel(v)));
    fromSelect.replaceChildren(...options());
    toSelect.replaceChildren(...options());
    fromSelect.value = (versions[1] ?? versions[0]).version_id;
    toSelect.value = versions[0].version_id;
  }

  function render([template, {versions}]) {
    fillVersionChoices(versions);
    compareOutput.replaceChildren();
    history.replaceChildren(versionsTable(versions));
    return [h("h2", {id: "details-title", class: "visually-hidden"}, "Details"), summary(template)];
  }

  function load() {
    return loadInto(details, "the template", () => Promise.all([
      api.get(path`/templates/${name}`), api.get(path`/templates/${name}/versions`)]), render);
  }

  main.append(
    h("p", {class: "breadcrumb"}, h("a", {href: "#/templates"}, "Templates"), " / ", name),
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1"}, name),
      h("div", {class: "actions"},
        h("a", {class: "button primary", href: `#/templates/${name}/edit`}, "Edit and preview"),
        h("button", {type: "button", onclick: showDuplicate}, "Duplicate"),
        h("button", {type: "button", class: "danger", onclick: remove}, "Delete"))),
    duplicateForm,
    takeNotice(),
    status.element,
    details,
    contractPanel(name),
    h("section", {class: "panel", "aria-labelledby": "history-title"},
      h("h2", {id: "history-title"}, "Version history"),
      history,
      h("form", {class: "compare", onsubmit: (event) => { event.preventDefault(); showDiff(); }},
        h("h3", {}, "Compare two versions"),
        h("div", {class: "compare-fields"},
          field("From", fromSelect).element,
          field("To", toSelect).element,
          h("button", {type: "submit"}, "Show diff"))),
      compareOutput));
  load();
}
