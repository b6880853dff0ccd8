// Entry point: sign-in (deployed stages), then the screens of the admin UI and their addresses.
import {accountBar} from "./account.js";
import {startRouter} from "./router.js";
import {signIn, signedInUser, startSession} from "./session.js";
import {errorBox} from "./ui.js";
import {showApiReference} from "./views/api_reference.js";
import {showEditor} from "./views/editor.js";
import {showFindMail} from "./views/find_mail.js";
import {showIntegrations} from "./views/integrations.js";
import {localRoutes} from "./views/mailbox.js";
import {showNotifications} from "./views/notifications.js";
import {showOperations} from "./views/operations.js";
import {showTemplateList} from "./views/template_list.js";
import {showTemplate} from "./views/template_view.js";
import {showDeletedTemplate} from "./views/deleted_template.js";

const NAME = "([a-z0-9-]{1,64})";
const main = document.querySelector("main");
const session = startSession();

if (session.ready) {
  const user = signedInUser();
  if (user) document.querySelector(".site-header").append(accountBar(user));
  const onlyLocal = await localRoutes();  // the Mailbox screen: local stack only
  startRouter(main, [
    {pattern: /^\/templates$/, section: "templates", view: showTemplateList},
    {pattern: /^\/new$/, section: "templates", view: (container) => showEditor(container, null)},
    {pattern: new RegExp(`^/templates/${NAME}$`), section: "templates", view: showTemplate},
    {pattern: new RegExp(`^/templates/${NAME}/edit$`), section: "templates", view: showEditor},
    {pattern: new RegExp(`^/templates/${NAME}/deleted$`), section: "templates", view: showDeletedTemplate},
    {pattern: /^\/operations$/, section: "operations", view: showOperations},
    {pattern: /^\/integrations$/, section: "integrations", view: showIntegrations},
    {pattern: /^\/notifications$/, section: "notifications", view: showNotifications},
    {pattern: /^\/mail$/, section: "mail", view: showFindMail},
    ...onlyLocal,
    {pattern: /^\/api$/, section: "api", view: showApiReference},
  ], "/templates");
} else if (session.problem) {
  main.replaceChildren(errorBox("Not signed in", {message: session.problem}, signIn));
}
