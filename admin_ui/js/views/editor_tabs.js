// At narrow widths the editor shows its form and its preview as two tabs (WAI-ARIA
// tabs: arrow keys, Home and End move between them) instead of the preview below a
// very long form; wider, the tabs are gone and both panels stand side by side.
import {h, uid} from "../dom.js";

const NARROW = "(max-width: 600px)";
const MOVES = {ArrowRight: 1, ArrowLeft: -1};

// panels: [{label, element}]; the first is shown first.
export function editorTabs(panels) {
  const narrow = window.matchMedia(NARROW);
  let selected = 0;
  const tabs = panels.map(({label, element}, index) => {
    element.id ||= uid("tabpanel");
    return h("button", {type: "button", role: "tab", id: uid("tab"), "aria-controls": element.id,
      onclick: () => show(index)}, label);
  });
  const element = h("div", {role: "tablist", class: "editor-tabs", "aria-label": "Editor"}, tabs);

  function apply() {
    element.hidden = !narrow.matches;
    tabs.forEach((tab, index) => {
      tab.setAttribute("aria-selected", String(index === selected));
      tab.tabIndex = index === selected ? 0 : -1;
    });
    panels.forEach((panel, index) => {
      if (narrow.matches) {
        panel.element.setAttribute("role", "tabpanel");
        panel.element.setAttribute("aria-labelledby", tabs[index].id);
      } else {
        panel.element.removeAttribute("role");
        panel.element.removeAttribute("aria-labelledby");
      }
      panel.element.hidden = narrow.matches && index !== selected;
    });
  }

  function show(index) {
    selected = index;
    apply();
  }

  element.addEventListener("keydown", (event) => {
    const last = tabs.length - 1;
    const next = event.key === "Home" ? 0 : event.key === "End" ? last
      : event.key in MOVES ? (selected + MOVES[event.key] + tabs.length) % tabs.length : null;
    if (next === null) return;
    event.preventDefault();
    show(next);
    tabs[next].focus();
  });
  narrow.addEventListener("change", apply);
  apply();

  return {
    element,
    show,
    stop() {
      narrow.removeEventListener("change", apply);
    },
  };
}
