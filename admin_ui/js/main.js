// Entry point: the screens of the admin UI and their addresses.
import {startRouter} from "./router.js";
import {showEditor} from "./views/editor.js";
import {showOperations} from "./views/operations.js";
import {showTemplateList} from "./views/template_list.js";
import {showTemplate} from "./views/template_view.js";

const NAME = "([a-z0-9-]{1,64})";

startRouter(document.querySelector("main"), [
  {pattern: /^\/templates$/, section: "templates", view: showTemplateList},
  {pattern: /^\/new$/, section: "templates", view: (main) => showEditor(main, null)},
  {pattern: new RegExp(`^/templates/${NAME}$`), section: "templates", view: showTemplate},
  {pattern: new RegExp(`^/templates/${NAME}/edit$`), section: "templates", view: showEditor},
  {pattern: /^\/operations$/, section: "operations", view: showOperations},
], "/templates");
