// Screen: edit (or create) a template with a live preview and a test send. Saves carry
// the version the editor loaded (base_version) so a concurrent save is never lost.
import {api, path} from "../api.js";
import {h} from "../dom.js";
import {formatDateTime, shortVersion} from "../format.js";
import {loadInto, setNotice, statusLine, takeNotice} from "../ui.js";
import {conflictPanel} from "./conflict.js";
import {editorForm} from "./editor_form.js";
import {previewPanel} from "./preview_panel.js";
import {testSendPanel} from "./test_send.js";

const NEW_TEMPLATE = {
  category: "notification",
  description: "",
  subject: "Hello {{ user_name }}",
  html: "{% extends \"base\" %}\n{% block content %}\n<p>Hi {{ user_name }},</p>\n{% endblock %}\n",
  variables: {user_name: {required: true, secret: false, sample: "Ana"}},
  locales: {},
};

async function loadTemplate(name) {
  if (name === null) {
    const {templates} = await api.get("/templates");
    return {template: NEW_TEMPLATE, existing: new Set(templates.map((t) => t.name))};
  }
  return {template: await api.get(path`/templates/${name}`), existing: null};
}

function versionNote(version, saved) {
  return `Editing version ${shortVersion(version)} (saved ${saved}).`;
}

export function showEditor(main, name) {
  const isNew = name === null;
  const panels = [];
  const workspace = h("div");

  function build({template, existing}) {
    let savedVariables = template.variables ?? {};
    let baseVersion = template.version_id ?? null;
    let unsaved = false;
    const status = statusLine();
    const conflictSlot = h("div");
    const versionInfo = h("p", {class: "muted"},
      isNew ? "Not saved yet." : versionNote(baseVersion,
        `${formatDateTime(template.updated_at)} by ${template.author}`));
    const form = editorForm(template, {isNew, onStructureChange: draftChanged});
    const preview = previewPanel();
    const saveButton = h("button", {type: "submit", class: "primary"}, isNew ? "Create template" : "Save");
    panels.push(preview);

    function draftChanged() {
      unsaved = true;
      status.clear();
      preview.update(form.read(), form.localeCodes());
    }

    async function save(base) {
      if (saveButton.disabled) return;
      const draft = form.read();
      const target = isNew ? form.name() : name;
      form.errors.clear();
      conflictSlot.replaceChildren();
      if (isNew && existing.has(target)) {
        form.errors.show({field: "name", message: `A template named ${target} exists already; open it from the list.`});
        return;
      }
      saveButton.disabled = true;
      status.show("Saving…", "busy");
      try {
        const saved = await api.put(path`/templates/${target}`, {...draft, base_version: base ?? undefined});
        if (isNew) {
          setNotice(`Created ${target} (version ${shortVersion(saved.version_id)}).`);
          location.hash = `#/templates/${target}/edit`;
          return;
        }
        baseVersion = saved.version_id;
        savedVariables = draft.variables;
        unsaved = false;
        versionInfo.textContent = versionNote(baseVersion, "just now");
        const warnings = saved.warnings ?? [];
        status.show(`Saved as version ${shortVersion(baseVersion)}.`
          + warnings.map((warning) => ` Warning (${warning.field}): ${warning.message}.`).join(""),
        warnings.length ? "warning" : "ok");
      } catch (error) {
        if (error.status === 409) {
          status.show("Not saved: someone saved this template meanwhile.", "error");
          conflictSlot.replaceChildren(conflictPanel({
            name, baseVersion,
            onLoadLatest: reload,
            onSaveOver: (latestVersion) => save(latestVersion),
          }));
          conflictSlot.querySelector("h2").scrollIntoView({block: "nearest"});
        } else {
          const atField = form.errors.show(error);
          status.show(`Not saved: see the message ${atField ? "at the marked field" : "at the top"}.`, "error");
        }
      } finally {
        saveButton.disabled = false;
      }
    }

    form.element.addEventListener("input", (event) => {
      if (!event.target.closest("[data-draft=off]")) draftChanged();
    });
    form.element.addEventListener("submit", (event) => {
      event.preventDefault();
      save(baseVersion);
    });
    form.element.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        save(baseVersion);
      }
    });
    form.element.append(h("div", {class: "save-bar"}, saveButton, status.element,
      h("span", {class: "muted small"}, "Ctrl+S saves")));
    preview.update(form.read(), form.localeCodes());

    const side = h("div", {class: "editor-side"}, preview.element);
    if (!isNew) {
      const testSend = testSendPanel({
        name,
        savedVariables: () => savedVariables,
        typedValues: preview.values,
        hasUnsavedChanges: () => unsaved,
      });
      panels.push(testSend);
      side.append(testSend.element);
    }
    return [versionInfo, conflictSlot, h("div", {class: "editor-layout"}, form.element, side)];
  }

  function reload() {
    stop();
    loadInto(workspace, "the template", () => loadTemplate(name), build);
  }

  function stop() {
    panels.splice(0).forEach((panel) => panel.stop());
  }

  main.append(
    h("p", {class: "breadcrumb"}, h("a", {href: "#/templates"}, "Templates"), " / ",
      isNew ? "new" : h("a", {href: `#/templates/${name}`}, name)),
    h("h1", {tabindex: "-1"}, isNew ? "New template" : `Edit ${name}`),
    takeNotice(),
    workspace);
  reload();
  return stop;
}
