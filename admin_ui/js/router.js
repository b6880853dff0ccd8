// Hash routes (#/templates/otp-code/edit): each view draws into <main> and may
// return a function that stops its timers when the person navigates away.
import {h} from "./dom.js";

// Navigation guard (unsaved.js): while `guard.blocks()` says edits would be lost, leaving
// the view by a link, Back or a typed address waits for `guard.confirm()`.
let guard = null;
let approved = false;
let asking = false;

export function setNavigationGuard(next) {
  guard = next;
}

function mustAsk() {
  return !approved && Boolean(guard?.blocks());
}

async function leaveIfConfirmed(go) {
  if (asking) return;  // one question at a time (Back pressed twice, say)
  asking = true;
  try {
    if (!await guard.confirm()) return;
  } finally {
    asking = false;
  }
  approved = true;
  go();
}

export function startRouter(main, routes, home) {
  let leave = null;

  function notFound(container) {
    container.append(h("h1", {tabindex: "-1"}, "Page not found"),
      h("p", {}, h("a", {href: `#${home}`}, "Back to the templates")));
  }

  let shownHash = null;

  function show() {
    if (shownHash !== null && location.hash !== shownHash && location.hash.startsWith("#/") && mustAsk()) {
      const target = location.hash;
      history.pushState(null, "", shownHash);  // stay (after Back too) until the person answers
      leaveIfConfirmed(() => {
        history.replaceState(null, "", target);
        show();
      });
      return;
    }
    approved = false;
    if (!location.hash.startsWith("#/")) {
      // In-page anchors such as the skip link keep the current view.
      if (leave === null) location.replace(`#${home}`);
      return;
    }
    const path = location.hash.slice(1);
    const route = routes.find(({pattern}) => pattern.test(path));
    const params = route ? path.match(route.pattern).slice(1).map(decodeURIComponent) : [];
    shownHash = location.hash;
    leave?.();
    main.replaceChildren();
    for (const link of document.querySelectorAll("nav [data-section]")) {
      if (route && link.dataset.section === route.section) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    leave = (route ? route.view(main, ...params) : notFound(main)) ?? (() => {});
    document.title = `${main.querySelector("h1")?.textContent ?? "Herald"} · Herald admin`;
    main.querySelector("h1")?.focus();
  }

  window.addEventListener("hashchange", show);
  // A link is asked about before the address changes, so the history stays as it was.
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href^='#/']");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey
        || event.shiftKey || link.getAttribute("href") === location.hash || !mustAsk()) return;
    event.preventDefault();
    leaveIfConfirmed(() => { location.hash = link.getAttribute("href"); });
  });
  show();
}
