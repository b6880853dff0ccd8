// Live preview of the unsaved draft (POST /preview), rendered in a sandboxed frame
// where a template can never run script or reach the admin page.
import {api} from "../api.js";
import {field, h} from "../dom.js";
import {formatClock} from "../format.js";
import {displayValue, parseLike} from "../values.js";

const DEBOUNCE_MS = 350;
const WIDTHS = [["desktop", "Desktop"], ["mobile", "Mobile (390 px)"]];

function widthChoice(onPick) {
  const name = "preview-width";
  return h("fieldset", {class: "segmented"},
    h("legend", {}, "Width"),
    WIDTHS.map(([value, label], index) => h("label", {},
      h("input", {type: "radio", name, value, checked: index === 0, onchange: () => onPick(value)}), label)));
}

// onRendered(): the draft rendered (so it passes the checks a save runs on it);
// showAtField(error): puts an error that names a field and a line at that line of the form.
export function previewPanel({onRendered, showAtField} = {}) {
  let draft = null;
  let timer = null;
  let latestRequest = 0;
  let valueFields = new Map();

  const subject = h("p", {class: "preview-subject"});
  const frame = h("iframe", {sandbox: "", title: "HTML part of the email", class: "preview-frame"});
  const frameBox = h("div", {class: "frame-box desktop"}, frame);
  const text = h("pre", {class: "preview-text", tabindex: "0", role: "region", "aria-label": "Text part of the email"});
  const problem = h("div", {class: "preview-problem", "aria-live": "polite"});
  const updated = h("p", {class: "muted small"});
  const locale = field("Locale", h("select", {onchange: () => schedule()}));
  const valuesList = h("div", {class: "values-list"});

  async function render() {
    const request = ++latestRequest;
    const body = {template: draft, variables: values()};
    if (locale.control.value) body.locale = locale.control.value;
    element.setAttribute("aria-busy", "true");
    try {
      const rendered = await api.post("/preview", body);
      if (request !== latestRequest) return;
      const sms = rendered.channel === "sms";
      frameBox.hidden = sms;
      subject.replaceChildren(...(sms
        ? [h("span", {class: "sms-cost"}, `SMS: ${rendered.encoding}, ${rendered.units} units, `
          + `${rendered.segments} segment${rendered.segments === 1 ? "" : "s"}`)]
        : [h("span", {class: "muted"}, "Subject: "), rendered.subject]));
      if (!sms) frame.srcdoc = rendered.html;
      text.textContent = rendered.text;
      problem.replaceChildren();
      element.classList.remove("stale");
      updated.textContent = `Updated ${formatClock()}`;
      onRendered?.();
    } catch (error) {
      if (request !== latestRequest) return;
      element.classList.add("stale");
      problem.replaceChildren(h("div", {class: "error-box"},
        h("p", {}, h("strong", {}, "Preview failed: "), error.message,
          error.field && error.line && [" ", h("button", {type: "button", class: "link",
            onclick: () => showAtField(error)}, `Go to line ${error.line}`)])));
    } finally {
      if (request === latestRequest) element.removeAttribute("aria-busy");
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(render, DEBOUNCE_MS);
  }

  function values() {
    const typed = [...valueFields].filter(([, made]) => made.control.value !== "")
      .map(([name, made]) => [name, parseLike(draft.variables[name]?.sample, made.control.value)]);
    return Object.fromEntries(typed);
  }

  // One input per declared variable, keeping what was typed into those still declared.
  function syncValueFields() {
    const declared = Object.entries(draft.variables ?? {});
    const kept = new Map();
    for (const [name, spec] of declared) {
      const made = valueFields.get(name)
        ?? field(name, h("input", {type: "text", autocomplete: "off", oninput: schedule}));
      made.control.placeholder = displayValue(spec.sample) || "no sample";
      kept.set(name, made);
    }
    valueFields = kept;
    valuesList.replaceChildren(...[...kept.values()].map((made) => made.element));
    if (!declared.length) valuesList.append(h("p", {class: "muted"}, "The template declares no variables."));
  }

  function syncLocales(codes) {
    const current = locale.control.value;
    const defaultLabel = `Default (${draft.default_locale ?? "en"})`;
    locale.control.replaceChildren(h("option", {value: ""}, defaultLabel),
      ...codes.map((code) => h("option", {value: code}, code)));
    locale.control.value = codes.includes(current) ? current : "";
  }

  const element = h("section", {class: "panel preview", "aria-labelledby": "preview-title"},
    h("div", {class: "panel-head"}, h("h2", {id: "preview-title"}, "Preview"), updated),
    h("div", {class: "preview-controls"},
      widthChoice((width) => { frameBox.className = `frame-box ${width}`; }),
      locale.element),
    problem,
    subject,
    frameBox,
    h("h3", {}, "Text part"),
    text,
    h("details", {class: "values", open: true},
      h("summary", {}, "Sample values"),
      h("p", {class: "hint"}, "Type a value to preview with it instead of the sample; "
        + "test sends use these too."),
      valuesList));

  return {
    element,
    values,
    // The draft changed: refresh the value inputs and locales now, the render shortly.
    update(nextDraft, localeCodes) {
      draft = nextDraft;
      syncValueFields();
      syncLocales(localeCodes);
      schedule();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
