// What admin_ui/js/code_editor.js uses of CodeMirror 6, bundled into codemirror.js by
// scripts/build_codemirror.sh (the admin UI itself has no build step).
export {Annotation, EditorState, StateEffect, StateField} from "@codemirror/state";
export {
  Decoration, EditorView, ViewPlugin, drawSelection, highlightActiveLine,
  highlightActiveLineGutter, highlightSpecialChars, keymap, lineNumbers,
} from "@codemirror/view";
export {defaultKeymap, history, historyKeymap} from "@codemirror/commands";
export {bracketMatching, syntaxHighlighting} from "@codemirror/language";
export {highlightSelectionMatches, search, searchKeymap} from "@codemirror/search";
export {html} from "@codemirror/lang-html";
export {classHighlighter} from "@lezer/highlight";
