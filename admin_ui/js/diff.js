// A unified diff as coloured lines (+ and - kept, so colour is never the only cue).
import {h} from "./dom.js";

function lineKind(line, inHeader) {
  if (inHeader) return "diff-file";
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "diff-context";
}

export function diffView(diffText, label) {
  if (!diffText) return h("p", {class: "muted"}, "No difference: these versions have the same content.");
  let inHeader = true;
  const lines = diffText.replace(/\n$/, "").split("\n").map((line) => {
    inHeader &&= !line.startsWith("@@");
    return h("span", {class: `diff-line ${lineKind(line, inHeader)}`}, line, "\n");
  });
  return h("pre", {class: "diff", tabindex: "0", "aria-label": label}, lines);
}
