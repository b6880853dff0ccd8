// The template editor's fields; read() gives the draft in the shape PUT /templates expects.
import {field, h} from "../dom.js";
import {FieldErrors} from "../field_errors.js";
import {localesEditor} from "./locales_editor.js";
import {variablesEditor} from "./variables_editor.js";

const CATEGORIES = ["auth", "notification", "layout"];
// Answer-only fields of GET /templates/{name}; everything else is kept as loaded.
const READ_ONLY = ["name", "version_id", "updated_at", "author", "secret_variables"];

export function editorForm(template, {isNew, onStructureChange}) {
  const summary = h("div", {class: "error-box", role: "alert", hidden: true});
  const errors = new FieldErrors(summary);
  const textInput = (value, extra = {}) => h("input", {type: "text", value: value ?? "", autocomplete: "off", ...extra});
  const code = (value, rows) => h("textarea", {rows, class: "code", spellcheck: "false", value: value ?? ""});
  // An SMS template (channel "sms") is its text alone: no subject, no HTML.
  const isSms = template.channel === "sms";

  const fields = {
    name: isNew && field("Template name", textInput("", {spellcheck: "false", maxlength: 64}),
      {hint: "Lowercase letters, digits and dashes: services send it by this name."}),
    description: field("Description", textInput(template.description)),
    category: field("Category", h("select", {},
      CATEGORIES.map((category) => h("option", {value: category, selected: category === template.category}, category)))),
    subject: !isSms && field("Subject", textInput(template.subject, {spellcheck: "false"}),
      {hint: "One line; {{ variable }} inserts a value."}),
    html: !isSms && field("HTML", code(template.html, 18),
      {hint: "Jinja2; {% extends \"base\" %} uses the shared layout. Values are HTML-escaped."}),
    text: field(isSms ? "SMS text" : "Text", code(template.text, 8), {hint: isSms
      ? "The whole message; the preview counts its segments." : "Leave empty to derive it from the HTML."}),
  };
  const variables = variablesEditor(template.variables ?? {}, onStructureChange);
  const locales = localesEditor(template.locales ?? {}, onStructureChange);
  for (const [name, made] of Object.entries(fields)) {
    if (made) errors.register(name, () => made);
  }
  errors.register("variables", variables.resolve);
  errors.register("locales", locales.resolve);

  const kept = Object.fromEntries(Object.entries(template).filter(([key]) => !READ_ONLY.includes(key)));
  const value = (name) => fields[name].control.value;

  const element = h("form", {class: "editor-form", novalidate: true, "aria-label": "Template"},
    summary,
    Object.values(fields).filter(Boolean).map((made) => made.element),
    variables.element,
    locales.element);

  return {
    element,
    errors,
    name: () => value("name").trim(),
    localeCodes: locales.codes,
    read() {
      const draft = {
        ...kept,
        description: value("description"),
        category: value("category"),
        variables: variables.read(),
        locales: locales.read(),
      };
      if (!isSms) Object.assign(draft, {subject: value("subject"), html: value("html")});
      if (value("text")) draft.text = value("text");
      else delete draft.text;
      return draft;
    },
  };
}
