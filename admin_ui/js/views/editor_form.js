// The template editor's fields; read() gives the draft in the shape PUT /templates expects,
// load() puts a draft back (a restored one).
import {codeField} from "../code_editor.js";
import {field, h, setFieldValue} from "../dom.js";
import {FieldErrors} from "../field_errors.js";
import {localesEditor} from "./locales_editor.js";
import {tagsEditor} from "./tags_editor.js";
import {variablesEditor} from "./variables_editor.js";

const CATEGORIES = ["auth", "notification", "layout"];
// Answer-only fields of GET /templates/{name}; everything else is kept as loaded.
const READ_ONLY = ["name", "version_id", "updated_at", "author", "secret_variables"];
// How a typed option goes into the draft: an empty one is not set (null).
const AS_TEXT = (text) => (text.trim() === "" ? null : text.trim());
// A whole number when it is one; anything else as typed, so the API names the field.
const AS_COUNT = (text) => (text.trim() === "" ? null : /^\d+$/.test(text.trim()) ? Number(text) : text);

const keptFrom = (template) => Object.fromEntries(Object.entries(template).filter(([key]) => !READ_ONLY.includes(key)));

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
    subject: !isSms && codeField("Subject", textInput(template.subject, {spellcheck: "false"}),
      {hint: "One line; {{ variable }} inserts a value."}),
    html: !isSms && codeField("HTML", code(template.html, 18), {language: "html",
      hint: "Jinja2; {% extends \"base\" %} uses the shared layout. Values are HTML-escaped."}),
    text: codeField(isSms ? "SMS text" : "Text", code(template.text, 8), {hint: isSms
      ? "The whole message; the preview counts its segments." : "Leave empty to derive it from the HTML."}),
  };
  // The sending options, folded away: [field, typed text -> draft value]. No sender for an SMS.
  const option = (name, label, hint, parse = AS_TEXT, extra = {}) => [
    field(label, textInput(template[name] === null || template[name] === undefined ? "" : String(template[name]),
      {spellcheck: "false", ...extra}), {hint}), parse];
  const options = {
    sender: !isSms && option("sender", "Sender (From)",
      "One address at the stage's sending domain, e.g. Acme <no-reply@…>; empty: the stage's sender."),
    reply_to: !isSms && option("reply_to", "Reply-To", "Where replies go; empty: to the sender."),
    rate_limit_per_hour: option("rate_limit_per_hour", "Rate limit per hour",
      "Auth templates: most mails one recipient gets in an hour; empty: the stage's limit.", AS_COUNT,
      {inputmode: "numeric"}),
    default_locale: option("default_locale", "Default locale", "The language of the parts above: en, pt-BR.",
      (text) => text.trim() || "en"),
    link_ttl_s: option("link_ttl_s", "Link lifetime (seconds)",
      "How long link variables work when a send names no expiry; empty: the stage's default.", AS_COUNT,
      {inputmode: "numeric"}),
  };
  const singleUse = h("input", {type: "checkbox", checked: Boolean(template.link_single_use)});
  const variables = variablesEditor(template.variables ?? {}, onStructureChange);
  const locales = localesEditor(template.locales ?? {}, onStructureChange);
  const tags = tagsEditor(template.tags ?? {}, onStructureChange);
  const optionsBox = h("details", {class: "locale sending-options"},
    h("summary", {}, "Sending options: sender, reply-to, rate limit, links, tags"),
    Object.values(options).filter(Boolean).map(([made]) => made.element),
    h("div", {class: "field"}, h("label", {class: "check"}, singleUse, "Links work once (a second click finds them used)")),
    tags.element);
  // An error inside the folded options opens them first, so the field can take focus.
  const inOptions = (resolve) => (rest) => {
    const target = resolve(rest);
    if (target) optionsBox.open = true;
    return target;
  };

  for (const [name, made] of Object.entries(fields)) {
    if (made) errors.register(name, () => made);
  }
  for (const [name, made] of Object.entries(options)) {
    if (made) errors.register(name, inOptions(() => made[0]));
  }
  errors.register("tags", inOptions(tags.resolve));
  errors.register("variables", variables.resolve);
  errors.register("locales", locales.resolve);

  let kept = keptFrom(template);
  const value = (name) => fields[name].control.value;

  const element = h("form", {class: "editor-form", novalidate: true, "aria-label": "Template"},
    summary,
    Object.values(fields).filter(Boolean).map((made) => made.element),
    variables.element,
    locales.element,
    optionsBox);

  return {
    element,
    errors,
    name: () => value("name").trim(),
    localeCodes: locales.codes,
    // Puts a draft (as read() gives it) into the fields.
    load(draft) {
      kept = keptFrom(draft);
      for (const [name, made] of Object.entries(fields)) {
        if (made && name !== "name") setFieldValue(made.control, draft[name] ?? "");
      }
      for (const [name, made] of Object.entries(options)) {
        if (made) setFieldValue(made[0].control, draft[name] === null || draft[name] === undefined ? "" : String(draft[name]));
      }
      singleUse.checked = Boolean(draft.link_single_use);
      variables.load(draft.variables ?? {});
      locales.load(draft.locales ?? {});
      tags.load(draft.tags ?? {});
    },
    setName: (name) => fields.name && setFieldValue(fields.name.control, name),
    read() {
      const draft = {
        ...kept,
        description: value("description"),
        category: value("category"),
        variables: variables.read(),
        locales: locales.read(),
        tags: tags.read(),
        link_single_use: singleUse.checked,
      };
      if (!isSms) Object.assign(draft, {subject: value("subject"), html: value("html")});
      for (const [name, made] of Object.entries(options)) {
        if (made) draft[name] = made[1](made[0].control.value);
      }
      if (value("text")) draft.text = value("text");
      else delete draft.text;
      return draft;
    },
  };
}
