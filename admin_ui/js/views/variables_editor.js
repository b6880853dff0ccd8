// The variables declaration: one row per variable (name, required, secret, sample).
import {field, h, visuallyHidden} from "../dom.js";
import {displayValue, parseLike} from "../values.js";

function variableRow(name, spec, onRemove) {
  const {required = true, secret = false, sample, ...kept} = spec;
  const nameField = field("Name", h("input", {type: "text", value: name, autocomplete: "off", spellcheck: "false"}));
  const sampleField = field("Sample value", h("input", {type: "text", value: displayValue(sample), autocomplete: "off"}));
  const requiredBox = h("input", {type: "checkbox", checked: required});
  const secretBox = h("input", {type: "checkbox", checked: secret});
  const removeLabel = visuallyHidden("");
  const element = h("div", {class: "variable-row", role: "group"},
    nameField.element,
    sampleField.element,
    h("label", {class: "check"}, requiredBox, "Required"),
    h("label", {class: "check"}, secretBox, "Secret"),
    h("button", {type: "button", class: "quiet", onclick: () => onRemove(row)}, "Remove", removeLabel));
  const labelFor = () => {
    const current = nameField.control.value.trim() || "(unnamed)";
    element.setAttribute("aria-label", `Variable ${current}`);
    removeLabel.textContent = ` variable ${current}`;
  };
  nameField.control.addEventListener("input", labelFor);
  labelFor();

  const row = {
    element,
    nameField,
    sampleField,
    name: () => nameField.control.value.trim(),
    declaration() {
      const declaration = {...kept, required: requiredBox.checked, secret: secretBox.checked};
      const text = sampleField.control.value;
      if (text !== "" || (sample !== undefined && sample !== null)) declaration.sample = parseLike(sample, text);
      return declaration;
    },
  };
  return row;
}

export function variablesEditor(declared, onStructureChange) {
  const rows = [];
  const list = h("div", {class: "variable-rows"});

  function remove(row) {
    rows.splice(rows.indexOf(row), 1);
    row.element.remove();
    onStructureChange();
  }

  function add(name = "", spec = {}) {
    const row = variableRow(name, spec, remove);
    rows.push(row);
    list.append(row.element);
    return row;
  }

  for (const [name, spec] of Object.entries(declared)) add(name, spec);

  const element = h("fieldset", {class: "variables"},
    h("legend", {}, "Variables"),
    h("p", {class: "hint"}, "Declare every variable the template uses. Secret ones (codes, links) "
      + "are redacted in logs; the sample value is used by the preview and test sends."),
    list,
    h("button", {type: "button", onclick: () => add().nameField.control.focus()}, "Add variable"));

  return {
    element,
    read() {
      return Object.fromEntries(rows.filter((row) => row.name()).map((row) => [row.name(), row.declaration()]));
    },
    // "variables.<name>[.sample]" -> the row's field.
    resolve([name, part]) {
      const row = rows.find((candidate) => candidate.name() === name);
      if (!row) return null;
      return part === "sample" ? row.sampleField : row.nameField;
    },
  };
}
