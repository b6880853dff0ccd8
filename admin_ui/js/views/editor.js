// Screen: edit (or create) a template with a live preview and a test send. Saves carry
// the version the editor loaded (base_version) so a concurrent save is never lost; edits
// not saved yet are guarded (unsaved.js) and kept as a draft in this browser (drafts.js).
import {api, path} from "../api.js";
import {h, uid} from "../dom.js";
import {clearDrafts, keepDraft, newestDraft} from "../drafts.js";
import {formatDateTime, shortVersion} from "../format.js";
import {loadInto, setNotice, statusLine, takeNotice} from "../ui.js";
import {trackEdits} from "../unsaved.js";
import {conflictPanel} from "./conflict.js";
import {editorForm} from "./editor_form.js";
import {editorTabs} from "./editor_tabs.js";
import {previewPanel} from "./preview_panel.js";
import {testSendPanel} from "./test_send.js";

const DRAFT_MS = 500;

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

// A draft holds no secret sample: those of variables the saved template has come back.
function withSavedSecrets(draft, saved) {
  const variables = Object.fromEntries(Object.entries(draft.variables ?? {}).map(([name, spec]) => {
    const savedSample = saved.variables?.[name]?.sample;
    return [name, "sample" in spec || savedSample === undefined ? spec : {...spec, sample: savedSample}];
  }));
  return {...draft, variables};
}

function ctrlS(event) {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key?.toLowerCase() === "s";
}

export function showEditor(main, name) {
  const isNew = name === null;
  const panels = [];
  const workspace = h("div");
  let current = null;  // {save, flushDraft} of the form on the page

  function build({template, existing}) {
    let savedVariables = template.variables ?? {};
    let savedCategory = template.category;
    let baseVersion = template.version_id ?? null;
    let draftTimer = null;
    let testSend = null;
    const status = statusLine();
    const conflictSlot = h("div");
    const offerSlot = h("div");
    const versionInfo = h("p", {class: "muted"},
      isNew ? "Not saved yet." : versionNote(baseVersion,
        `${formatDateTime(template.updated_at)} by ${template.author}`));
    const form = editorForm(template, {isNew, onStructureChange: edited});
    const preview = previewPanel({onRendered: clearFixedErrors, showAtField});
    const saveButton = h("button", {type: "submit", class: "primary"}, isNew ? "Create template" : "Save");
    let savedSnapshot = JSON.stringify(form.read());
    const isDirty = () => JSON.stringify(form.read()) !== savedSnapshot;
    const nameTaken = () => isNew && existing.has(form.name());
    panels.push(preview);
    trackEdits(form.element, isDirty);

    function showAtField(error) {
      tabs.show(0);
      return form.errors.show(error);
    }

    // What a status line said stops being true with the next edit (an error: once fixed).
    function edited() {
      if (!status.element.classList.contains("status-error")) status.clear();
      scheduleDraft();
      preview.update(form.read(), form.localeCodes());
    }

    // The edited draft renders, so it passes the checks the refused save failed.
    function clearFixedErrors() {
      if (!status.element.classList.contains("status-error") || conflictSlot.hasChildNodes() || nameTaken()) return;
      form.errors.clear();
      status.clear();
    }

    function writeDraft() {
      clearTimeout(draftTimer);
      draftTimer = null;
      if (offerSlot.hasChildNodes()) return;  // the kept draft waits for Restore or Discard
      if (isDirty()) keepDraft(name, baseVersion, {name: isNew ? form.name() : undefined, template: form.read()});
      else clearDrafts(name);
    }

    function scheduleDraft() {
      clearTimeout(draftTimer);
      draftTimer = setTimeout(writeDraft, DRAFT_MS);
    }

    function flushDraft() {
      if (draftTimer !== null) writeDraft();
    }

    function draftOffer(draft) {
      const restored = withSavedSecrets(draft.template, template);
      if (JSON.stringify(restored) === savedSnapshot) {
        clearDrafts(name);  // nothing in it that is not saved
        return;
      }
      const titleId = uid("draft-title");
      const older = draft.base_version && baseVersion && draft.base_version !== baseVersion;
      const close = () => offerSlot.replaceChildren();
      const restore = () => {
        close();
        form.load(restored);
        if (isNew && draft.name) form.setName(draft.name);
        // Based on an older version: the save then shows what changed since (409).
        if (older) baseVersion = draft.base_version;
        edited();
        status.show("Draft restored: not saved yet.", "warning");
      };
      const discard = () => {
        close();
        clearDrafts(name);
        scheduleDraft();  // edits typed meanwhile become the draft
      };
      offerSlot.replaceChildren(h("section", {class: "conflict draft-offer", "aria-labelledby": titleId},
        h("h2", {id: titleId}, "Unsaved draft found"),
        h("p", {}, `Changes you made ${formatDateTime(draft.saved_at)} were not saved; this browser kept them.`,
          older ? ` They are based on version ${shortVersion(draft.base_version)}; version `
            + `${shortVersion(baseVersion)} was saved since, and saving will show you both.` : ""),
        h("div", {class: "actions"},
          h("button", {type: "button", class: "primary", onclick: restore}, "Restore draft"),
          h("button", {type: "button", onclick: discard}, "Discard"))));
    }

    async function save(base) {
      if (saveButton.disabled) return;
      const draft = form.read();
      const target = isNew ? form.name() : name;
      form.errors.clear();
      conflictSlot.replaceChildren();
      if (nameTaken()) {
        showAtField({field: "name", message: `A template named ${target} exists already; open it from the list.`});
        status.show("Not saved: see the message at the marked field.", "error");
        return;
      }
      saveButton.disabled = true;
      status.show("Saving…", "busy");
      try {
        const saved = await api.put(path`/templates/${target}`, {...draft, base_version: base ?? undefined});
        savedSnapshot = JSON.stringify(draft);
        clearDrafts(name);
        if (isNew) {
          setNotice(`Created ${target} (version ${shortVersion(saved.version_id)}).`);
          location.hash = `#/templates/${target}/edit`;
          return;
        }
        if (isDirty()) scheduleDraft();  // typed while saving
        baseVersion = saved.version_id;
        savedVariables = draft.variables;
        savedCategory = draft.category;
        testSend?.element.toggleAttribute("hidden", savedCategory === "layout");
        if (saved.unchanged) {
          status.show(`No changes to save: version ${shortVersion(baseVersion)} is the latest.`, "ok");
          return;
        }
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
            onLoadLatest: () => {
              clearDrafts(name);
              reload();
            },
            onSaveOver: (latestVersion) => save(latestVersion),
          }));
          conflictSlot.querySelector("h2").scrollIntoView({block: "nearest"});
        } else {
          const atField = showAtField(error);
          status.show(`Not saved: see the message ${atField ? "at the marked field" : "at the top"}.`, "error");
        }
      } finally {
        saveButton.disabled = false;
      }
    }

    form.element.addEventListener("input", (event) => {
      if (!event.target.closest("[data-draft=off]")) edited();
    });
    form.element.addEventListener("submit", (event) => {
      event.preventDefault();
      save(baseVersion);
    });
    form.element.append(h("div", {class: "save-bar"}, saveButton, status.element,
      h("span", {class: "muted small"}, "Ctrl+S saves")));
    preview.update(form.read(), form.localeCodes());
    current = {save: () => save(baseVersion), flushDraft};

    const side = h("div", {class: "editor-side"}, preview.element);
    if (!isNew) {
      testSend = testSendPanel({
        name,
        savedVariables: () => savedVariables,
        typedValues: preview.values,
        hasUnsavedChanges: isDirty,
      });
      // A layout is never sent on its own: no test send.
      testSend.element.toggleAttribute("hidden", savedCategory === "layout");
      panels.push(testSend);
      side.append(testSend.element);
    }
    const draft = newestDraft(name, {version: baseVersion, savedAt: template.updated_at});
    if (draft) draftOffer(draft);
    const formPanel = h("div", {class: "editor-main"}, form.element);
    const tabs = editorTabs([{label: "Template", element: formPanel}, {label: "Preview", element: side}]);
    panels.push(tabs);
    return [versionInfo, offerSlot, conflictSlot, tabs.element,
      h("div", {class: "editor-layout"}, formPanel, side)];
  }

  function reload() {
    stopPanels();
    loadInto(workspace, "the template", () => loadTemplate(name), build);
  }

  function stopPanels() {
    current = null;
    panels.splice(0).forEach((panel) => panel.stop());
  }

  // Ctrl+S (Cmd+S) saves from anywhere on the page, inside a text field too.
  function onKeydown(event) {
    if (!ctrlS(event)) return;
    event.preventDefault();
    if (!document.querySelector("dialog[open]")) current?.save();
  }
  const onPageHide = () => current?.flushDraft();
  document.addEventListener("keydown", onKeydown, true);
  window.addEventListener("pagehide", onPageHide);

  main.append(
    h("p", {class: "breadcrumb"}, h("a", {href: "#/templates"}, "Templates"), " / ",
      isNew ? "new" : h("a", {href: `#/templates/${name}`}, name)),
    h("h1", {tabindex: "-1"}, isNew ? "New template" : `Edit ${name}`),
    takeNotice(),
    workspace);
  reload();
  return () => {
    current?.flushDraft();  // leaving with edits: they wait in the draft
    stopPanels();
    document.removeEventListener("keydown", onKeydown, true);
    window.removeEventListener("pagehide", onPageHide);
  };
}
