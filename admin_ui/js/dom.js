// Builds DOM nodes without innerHTML, so text from the API is never parsed as markup.

const PROPERTIES = new Set(["value", "checked", "textContent"]);

// h("button", {type: "button", onclick: save}, "Save") -> <button type="button">Save</button>
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (PROPERTIES.has(name)) element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...flatten(children));
  return element;
}

// Children as nodes: nested lists flattened, null/undefined/false left out (a
// `cond && node` that is false renders nothing, never the text "false" or "null").
export function flatten(children) {
  return children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : String(child)));
}

let nextId = 0;

// A unique id for label/control pairs.
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// A labelled control: <div class="field"><label>…</label>hint? error control</div>
// (the error above the control, so a tall textarea never hides it).
export function field(label, control, {hint, className = "field"} = {}) {
  control.id ||= uid("field");
  const error = h("p", {class: "field-error", id: `${control.id}-error`, hidden: true});
  const hintNode = hint && h("p", {class: "hint", id: `${control.id}-hint`}, hint);
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  const wrapper = h("div", {class: className}, h("label", {for: control.id}, label), hintNode, error, control);
  return {element: wrapper, control, error};
}

// A list editor's row, named after what its key field holds ("Variable code"), with a
// Remove button named likewise; onRemove(row) takes it out.
export function removableRow(noun, keyControl, onRemove, ...children) {
  const removeLabel = visuallyHidden("");
  const element = h("div", {class: "variable-row", role: "group"}, ...children);
  const row = {element};
  element.append(h("button", {type: "button", class: "quiet", onclick: () => onRemove(row)}, "Remove", removeLabel));
  const nameIt = () => {
    const current = keyControl.value.trim() || "(unnamed)";
    element.setAttribute("aria-label", `${noun} ${current}`);
    removeLabel.textContent = ` ${noun.toLowerCase()} ${current}`;
  };
  keyControl.addEventListener("input", nameIt);
  nameIt();
  return row;
}

export function visuallyHidden(text) {
  return h("span", {class: "visually-hidden"}, text);
}

/** Set a form field's value from code; a code editor attached to it follows. */
export function setFieldValue(field, value) {
  field.value = value;
  field.dispatchEvent(new CustomEvent("herald:value-set"));
}
