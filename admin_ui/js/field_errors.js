// Shows an API error next to the control its `field` names ("html",
// "variables.code", "locales.pt-BR.html"), or in the form's summary otherwise.
import {goToLine, hasCodeEditor} from "./code_editor.js";
import {h} from "./dom.js";

function describedBy(control, id, on) {
  const ids = new Set((control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) control.setAttribute("aria-describedby", [...ids].join(" "));
  else control.removeAttribute("aria-describedby");
}

export class FieldErrors {
  constructor(summary) {
    this.summary = summary;
    this.resolvers = new Map();
    this.shown = null;
  }

  // resolve(rest of the field path) -> {control, error} (from dom.field) or null.
  register(name, resolve) {
    this.resolvers.set(name, resolve);
  }

  clear() {
    this.summary.replaceChildren();
    this.summary.hidden = true;
    if (!this.shown) return;
    const {control, error} = this.shown;
    error.hidden = true;
    error.replaceChildren();
    control.removeAttribute("aria-invalid");
    describedBy(control, error.id, false);
    this.shown = null;
  }

  // Returns true when the error was placed next to a field.
  show(apiError) {
    this.clear();
    const [head, ...rest] = (apiError.field ?? "").split(".");
    const target = this.resolvers.get(head)?.(rest) ?? null;
    if (!target) {
      this.summary.hidden = false;
      this.summary.append(h("p", {}, h("strong", {}, "Not saved: "), apiError.message));
      return false;
    }
    const {control, error} = target;
    const lineButton = apiError.line && hasCodeEditor(control)
      && h("button", {type: "button", class: "link", onclick: () => goToLine(control, apiError.line)},
        `Go to line ${apiError.line}`);
    error.append(apiError.message);
    if (lineButton) error.append(" ", lineButton);
    error.hidden = false;
    control.setAttribute("aria-invalid", "true");
    describedBy(control, error.id, true);
    this.shown = target;
    if (lineButton) goToLine(control, apiError.line);
    else control.focus();
    error.scrollIntoView({block: "nearest"});
    return true;
  }
}
