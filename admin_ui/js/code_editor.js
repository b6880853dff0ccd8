// CodeMirror 6 over a form control (<textarea> or <input>), so views keep plain controls.
// The control stays in the DOM, hidden and labelled, as the source of truth: every edit
// is copied into control.value with a bubbling `input` event; code that sets the value
// calls setFieldValue (dom.js), whose `herald:value-set` event the editor follows.
// control.focus() focuses the editor. No binding for Mod-s: Ctrl+S bubbles to the page.
import {
  Annotation, Decoration, EditorState, EditorView, StateEffect, StateField, bracketMatching,
  classHighlighter, defaultKeymap, drawSelection, highlightActiveLine, highlightActiveLineGutter,
  highlightSelectionMatches, highlightSpecialChars, history, historyKeymap, html, keymap,
  lineNumbers, search, searchKeymap, syntaxHighlighting,
} from "../vendor/codemirror/codemirror.js";
import {field} from "./dom.js";
import {jinjaHighlight} from "./jinja_highlight.js";

const MIRRORED = ["aria-invalid", "aria-describedby"];
const editors = new WeakMap();
// Marks a change that only follows control.value, so it is not echoed back as input.
const fromField = Annotation.define();

// The line an API error points at stays marked until the next edit.
const markLine = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    if (transaction.docChanged) return Decoration.none;
    const line = transaction.effects.find((effect) => effect.is(markLine));
    return line ? Decoration.set([Decoration.line({class: "cm-error-line"}).range(line.value)]) : marks;
  },
  provide: (marks) => EditorView.decorations.from(marks),
});

// A one-line field (the subject): Enter submits the form, pasted newlines become spaces.
function singleLine(control) {
  return [
    keymap.of([{key: "Enter", run: () => { control.form?.requestSubmit(); return true; }}]),
    EditorState.transactionFilter.of((transaction) => {
      if (!transaction.docChanged || transaction.newDoc.lines === 1) return transaction;
      const text = transaction.newDoc.toString();
      const changes = [...text.matchAll(/\n/g)]
        .map((newline) => ({from: newline.index, to: newline.index + newline[0].length, insert: " "}));
      return [transaction, {changes, sequential: true}];
    }),
  ];
}

/**
 * A labelled field (dom.field) whose control is edited in CodeMirror. control: a
 * <textarea> (numbered lines, `rows` high) or an <input> (one line); language: "html"
 * (HTML with Jinja) or "text" (Jinja alone); the other options go to dom.field.
 */
export function codeField(label, control, {language = "text", ...options} = {}) {
  const made = field(label, control, options);
  const view = attachEditor(control, label, language);
  made.element.querySelector("label").addEventListener("click", () => view.focus());
  return made;
}

function attachEditor(control, label, language) {
  const oneLine = control.tagName !== "TEXTAREA";
  const state = EditorState.create({
    doc: control.value,
    extensions: [
      oneLine ? singleLine(control) : [lineNumbers(), highlightActiveLineGutter(), highlightActiveLine()],
      highlightSpecialChars(),
      history(),
      drawSelection(),
      bracketMatching(),
      highlightSelectionMatches(),
      search({top: true}),
      keymap.of([...searchKeymap, ...historyKeymap, ...defaultKeymap]),
      language === "html" ? html({autoCloseTags: false}) : [],  // typing stays literal
      syntaxHighlighting(classHighlighter),
      jinjaHighlight,
      errorLine,
      EditorView.lineWrapping,
      EditorView.editorAttributes.of({class: `code-editor code-editor-${oneLine ? "line" : "block"}`,
        style: `--code-rows: ${control.rows ?? 1}`}),
      // tabindex: a contenteditable is in the tab order anyway; axe only counts it so.
      EditorView.contentAttributes.of({"aria-label": label, "aria-multiline": String(!oneLine), tabindex: "0"}),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged || update.transactions.every((t) => t.annotation(fromField))) return;
        control.value = update.state.doc.toString();
        control.dispatchEvent(new Event("input", {bubbles: true}));
      }),
    ],
  });
  const view = new EditorView({state});

  control.addEventListener("herald:value-set", () => {
    const current = view.state.doc.toString();
    if (control.value === current) return;
    view.dispatch({changes: {from: 0, to: current.length, insert: control.value},
      annotations: fromField.of(true)});
  });
  const mirror = () => MIRRORED.forEach((name) => (control.hasAttribute(name)
    ? view.contentDOM.setAttribute(name, control.getAttribute(name))
    : view.contentDOM.removeAttribute(name)));
  new MutationObserver(mirror).observe(control, {attributes: true, attributeFilter: MIRRORED});
  mirror();
  control.focus = () => view.focus();
  control.hidden = true;
  control.after(view.dom);
  editors.set(control, view);
  return view;
}

export function hasCodeEditor(control) {
  return editors.has(control);
}

// Selects and marks a 1-based line of the control's editor, scrolled to the middle.
export function goToLine(control, lineNumber) {
  const view = editors.get(control);
  const {doc} = view.state;
  const line = doc.line(Math.min(Math.max(1, lineNumber), doc.lines));
  view.dispatch({
    selection: {anchor: line.from, head: line.to},
    effects: [markLine.of(line.from), EditorView.scrollIntoView(line.from, {y: "center"})],
  });
  view.focus();
}
