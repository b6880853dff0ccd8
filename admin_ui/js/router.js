// Hash routes (#/templates/otp-code/edit): each view draws into <main> and may
// return a function that stops its timers when the person navigates away.
import {h} from "./dom.js";

export function startRouter(main, routes, home) {
  let leave = null;

  function notFound(container) {
    container.append(h("h1", {tabindex: "-1"}, "Page not found"),
      h("p", {}, h("a", {href: `#${home}`}, "Back to the templates")));
  }

  function show() {
    if (!location.hash.startsWith("#/")) {
      // In-page anchors such as the skip link keep the current view.
      if (leave === null) location.replace(`#${home}`);
      return;
    }
    const path = location.hash.slice(1);
    const route = routes.find(({pattern}) => pattern.test(path));
    const params = route ? path.match(route.pattern).slice(1).map(decodeURIComponent) : [];
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
  show();
}
