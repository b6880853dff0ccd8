// The template's tags (key and value; at most 6, stored as S3 object tags).
import {field, h, removableRow} from "../dom.js";

const MAX_TAGS = 6;

function tagRow(key, value, onRemove) {
  const keyField = field("Tag key", h("input", {type: "text", value: key, autocomplete: "off", spellcheck: "false"}));
  const valueField = field("Tag value", h("input", {type: "text", value, autocomplete: "off"}));
  return Object.assign(removableRow("Tag", keyField.control, onRemove, keyField.element, valueField.element), {
    keyField,
    key: () => keyField.control.value.trim(),
    value: () => valueField.control.value,
  });
}

export function tagsEditor(tags, onStructureChange) {
  const rows = [];
  const list = h("div", {class: "variable-rows"});
  const addButton = h("button", {type: "button", onclick: () => add().keyField.control.focus()}, "Add tag");

  function remove(row) {
    rows.splice(rows.indexOf(row), 1);
    row.element.remove();
    addButton.disabled = false;
    onStructureChange();
  }

  function add(key = "", value = "") {
    const row = tagRow(key, value, remove);
    rows.push(row);
    list.append(row.element);
    addButton.disabled = rows.length >= MAX_TAGS;
    return row;
  }

  function load(entries) {
    rows.splice(0).forEach((row) => row.element.remove());
    for (const [key, value] of Object.entries(entries)) add(key, value);
    addButton.disabled = rows.length >= MAX_TAGS;
  }

  load(tags);
  const element = h("fieldset", {class: "variables"},
    h("legend", {}, "Tags"),
    h("p", {class: "hint"}, `Up to ${MAX_TAGS} key/value pairs, stored as tags of the template's S3 object.`),
    list,
    addButton);

  return {
    element,
    load,
    read: () => Object.fromEntries(rows.filter((row) => row.key()).map((row) => [row.key(), row.value()])),
    // "tags.<key>" -> that row's key field.
    resolve([key]) {
      return rows.find((row) => row.key() === key)?.keyField ?? rows[0]?.keyField ?? null;
    },
  };
}
