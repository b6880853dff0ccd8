// Locale variants: per locale, a subject, HTML and text that replace the default ones
// (an empty part falls back to the default).
import {codeField} from "../code_editor.js";
import {field, h} from "../dom.js";

const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const PARTS = [
  ["subject", "Subject", (value) => h("input", {type: "text", spellcheck: "false", value}), "text"],
  ["html", "HTML", (value) => h("textarea", {rows: 10, class: "code", spellcheck: "false", value}), "html"],
  ["text", "Text", (value) => h("textarea", {rows: 6, class: "code", spellcheck: "false", value}), "text"],
];

function localeBlock(code, parts, onRemove) {
  const fields = Object.fromEntries(PARTS.map(([part, label, control, language]) => [part,
    codeField(`${label} (${code})`, control(parts[part] ?? ""), {language})]));
  const element = h("details", {class: "locale", open: true},
    h("summary", {}, `Locale ${code}`),
    Object.values(fields).map((made) => made.element),
    h("button", {type: "button", class: "quiet", onclick: () => onRemove(block)}, `Remove locale ${code}`));
  const block = {
    code,
    element,
    fields,
    read() {
      return Object.fromEntries(Object.entries(fields)
        .map(([part, made]) => [part, made.control.value])
        .filter(([, value]) => value !== ""));
    },
  };
  return block;
}

export function localesEditor(locales, onStructureChange) {
  const blocks = [];
  const list = h("div", {class: "locale-list"});
  const newCode = field("New locale", h("input", {type: "text", placeholder: "pt-BR", autocomplete: "off", spellcheck: "false", "data-draft": "off"}));

  function remove(block) {
    blocks.splice(blocks.indexOf(block), 1);
    block.element.remove();
    onStructureChange();
  }

  function add(code, parts = {}) {
    const block = localeBlock(code, parts, remove);
    blocks.push(block);
    list.append(block.element);
    return block;
  }

  function addFromInput() {
    const code = newCode.control.value.trim();
    newCode.error.hidden = false;
    if (!LOCALE_PATTERN.test(code)) newCode.error.textContent = "A locale looks like en, pt or pt-BR.";
    else if (blocks.some((block) => block.code === code)) newCode.error.textContent = `${code} is already there.`;
    else {
      newCode.error.hidden = true;
      newCode.control.value = "";
      add(code).fields.subject.control.focus();
      onStructureChange();
    }
  }

  function load(variants) {
    blocks.splice(0).forEach((block) => block.element.remove());
    for (const [code, parts] of Object.entries(variants)) add(code, parts);
  }

  load(locales);
  newCode.control.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addFromInput();
    }
  });

  const element = h("fieldset", {class: "locales"},
    h("legend", {}, "Locale variants"),
    h("p", {class: "hint"}, "A send asks for a locale (pt-BR, then pt); "
      + "parts left empty here use the default ones above."),
    list,
    h("div", {class: "inline-add"}, newCode.element,
      h("button", {type: "button", onclick: addFromInput}, "Add locale")));

  return {
    element,
    load,
    codes: () => blocks.map((block) => block.code),
    read() {
      return Object.fromEntries(blocks.map((block) => [block.code, block.read()]));
    },
    // "locales.<code>[.<part>]" -> that part's field (the subject by default).
    resolve([code, part]) {
      const block = blocks.find((candidate) => candidate.code === code);
      return block ? block.fields[part] ?? block.fields.subject : null;
    },
  };
}
