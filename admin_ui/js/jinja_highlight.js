// Jinja highlighting laid over any CodeMirror language: {{ expressions }}, {% tags %}
// and {# comments #} are marked wherever they stand (text, attribute values, CSS),
// which a nested parser could not do inside HTML attributes.
import {Decoration, ViewPlugin} from "../vendor/codemirror/codemirror.js";

const CONSTRUCT = /\{\{[\s\S]*?(?:\}\}|$)|\{%[\s\S]*?(?:%\}|$)|\{#[\s\S]*?(?:#\}|$)/g;
// Inside one construct: delimiters, strings, filters (after |), words.
const TOKEN = /^\{[{%]-?|-?[}%]\}$|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|\|\s*[A-Za-z_]\w*|[A-Za-z_]\w*/g;
const KEYWORDS = new Set(("and as block call elif else endblock endcall endfilter endfor endif endmacro endraw "
  + "endset endwith extends filter for from if import in include is macro not or raw recursive set with "
  + "without context ignore missing true false none True False None loop super").split(" "));

const mark = (className) => Decoration.mark({class: className});
const MARKS = {
  construct: mark("cm-jinja"),
  comment: mark("cm-jinja cm-jinja-comment"),
  delimiter: mark("cm-jinja-delimiter"),
  keyword: mark("cm-jinja-keyword"),
  string: mark("cm-jinja-string"),
  filter: mark("cm-jinja-filter"),
  name: mark("cm-jinja-name"),
};

function tokenKind(token) {
  if (/^[{}%-]/.test(token)) return "delimiter";
  if (token[0] === "\"" || token[0] === "'") return "string";
  if (token[0] === "|") return "filter";
  return KEYWORDS.has(token) ? "keyword" : "name";
}

function decorate(doc) {
  const text = doc.toString();
  const ranges = [];
  for (const construct of text.matchAll(CONSTRUCT)) {
    const start = construct.index;
    const source = construct[0];
    if (source.startsWith("{#")) {
      ranges.push(MARKS.comment.range(start, start + source.length));
      continue;
    }
    ranges.push(MARKS.construct.range(start, start + source.length));
    for (const token of source.matchAll(TOKEN)) {
      const from = start + token.index;
      ranges.push(MARKS[tokenKind(token[0])].range(from, from + token[0].length));
    }
  }
  return Decoration.set(ranges, true);
}

export const jinjaHighlight = ViewPlugin.fromClass(class {
  constructor(view) {
    this.decorations = decorate(view.state.doc);
  }

  update(update) {
    if (update.docChanged) this.decorations = decorate(update.state.doc);
  }
}, {decorations: (plugin) => plugin.decorations});
