// The variables declaration: one row per variable (name, sample, default, description,
// required, secret, link).
import {field, h, removableRow} from "../dom.js";
import {displayValue, parseLike} from "../values.js";

function variableRow(name, spec, onRemove) {
  const {required = true, secret = false, link = false, sample, default: fallback, description = "", ...kept} = spec;
  const text = (value, extra = {}) => h("input", {type: "text", value, autocomplete: "off", ...extra});
  const nameField = field("Name", text(name, {spellcheck: "false"}));
  const sampleField = field("Sample value", text(displayValue(sample)));
  const defaultField = field("Default", text(displayValue(fallback)));
  const descriptionField = field("Description", text(description));
  const requiredBox = h("input", {type: "checkbox", checked: required});
  const secretBox = h("input", {type: "checkbox", checked: secret});
  const linkBox = h("input", {type: "checkbox", checked: link});
  return Object.assign(removableRow("Variable", nameField.control, onRemove,
    nameField.element,
    sampleField.element,
    defaultField.element,
    descriptionField.element,
    h("label", {class: "check"}, requiredBox, "Required"),
    h("label", {class: "check"}, secretBox, "Secret"),
    h("label", {class: "check"}, linkBox, "Link")), {
    fields: {name: nameField, sample: sampleField, default: defaultField, description: descriptionField},
    name: () => nameField.control.value.trim(),
    declaration() {
      const declaration = {...kept, required: requiredBox.checked, secret: secretBox.checked};
      const typedSample = sampleField.control.value;
      if (typedSample !== "" || (sample !== undefined && sample !== null)) {
        declaration.sample = parseLike(sample, typedSample);
      }
      if (defaultField.control.value !== "") {
        declaration.default = parseLike(fallback ?? sample, defaultField.control.value);
      }
      if (descriptionField.control.value !== "") declaration.description = descriptionField.control.value;
      if (linkBox.checked) declaration.link = true;
      return declaration;
    },
  });
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

  function load(variables) {
    rows.splice(0).forEach((row) => row.element.remove());
    for (const [name, spec] of Object.entries(variables)) add(name, spec);
  }

  load(declared);

  const element = h("fieldset", {class: "variables"},
    h("legend", {}, "Variables"),
    h("p", {class: "hint"}, "Declare every variable the template uses. Secret ones (codes, links) "
      + "are redacted in logs; the sample value is used by the preview and test sends; the default "
      + "fills in an optional variable a send leaves out; a link variable goes through Herald's link gateway."),
    list,
    h("button", {type: "button", onclick: () => add().fields.name.control.focus()}, "Add variable"));

  return {
    element,
    load,
    read() {
      return Object.fromEntries(rows.filter((row) => row.name()).map((row) => [row.name(), row.declaration()]));
    },
    // "variables.<name>[.sample|.default|.description]" -> the row's field (its name otherwise).
    resolve([name, part]) {
      const row = rows.find((candidate) => candidate.name() === name);
      if (!row) return null;
      return Object.hasOwn(row.fields, part ?? "") ? row.fields[part] : row.fields.name;
    },
  };
}
