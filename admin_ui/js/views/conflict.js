// A save refused with 409: someone saved meanwhile. Shows who, their change, and
// lets the person choose; nothing is overwritten without asking.
import {api, path} from "../api.js";
import {confirmAction} from "../dialog.js";
import {diffView} from "../diff.js";
import {h} from "../dom.js";
import {formatDateTime, shortVersion} from "../format.js";
import {errorBox, loading} from "../ui.js";

export function conflictPanel({name, baseVersion, onLoadLatest, onSaveOver}) {
  const who = h("div", {}, loading("Looking up the newer version…"));
  const theirChange = h("div", {"aria-live": "polite"});
  let latest = null;

  async function showTheirChange() {
    theirChange.replaceChildren(loading("Loading their change…"));
    try {
      const {diff} = await api.get(path`/templates/${name}/diff?from=${baseVersion}&to=${latest.version_id}`);
      theirChange.replaceChildren(h("h3", {}, "Their change (from the version you opened to the latest)"),
        diffView(diff, "Their change"));
    } catch (error) {
      theirChange.replaceChildren(errorBox("Could not load their change", error, showTheirChange));
    }
  }

  async function saveOver() {
    const confirmed = await confirmAction({
      title: "Save your version over theirs?",
      message: `Your draft becomes the newest version. Their version ${shortVersion(latest.version_id)} `
        + "stays in the history, but its changes are not in yours.",
      confirmLabel: "Save mine anyway",
      danger: true,
    });
    if (confirmed) onSaveOver(latest.version_id);
  }

  const actions = h("div", {class: "actions", hidden: true},
    h("button", {type: "button", class: "primary", onclick: showTheirChange}, "Show their change"),
    h("button", {type: "button", onclick: onLoadLatest}, "Discard mine and load theirs"),
    h("button", {type: "button", onclick: saveOver}, "Save mine anyway…"));

  api.get(path`/templates/${name}/versions`).then(({versions}) => {
    [latest] = versions;
    who.replaceChildren(`Version ${shortVersion(latest.version_id)} was saved by ${latest.author} `
      + `(${formatDateTime(latest.updated_at)}) after you opened version ${shortVersion(baseVersion)}. `
      + "Your edits are still here and were not saved.");
    actions.hidden = false;
  }).catch((error) => who.replaceChildren(errorBox("Could not look up the newer version", error)));

  return h("section", {class: "conflict", role: "alert", "aria-labelledby": "conflict-title"},
    h("h2", {id: "conflict-title"}, "Someone saved this template meanwhile"),
    who, actions, theirChange);
}
