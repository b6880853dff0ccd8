// Screen: where auth mail comes in from (signed intake sources) and where delivery
// events go out to (webhook endpoints).
import {h} from "../dom.js";
import {intakeSources} from "./intake_sources.js";
import {webhookEndpoints} from "./webhook_endpoints.js";

export function showIntegrations(main) {
  main.append(
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Integrations")),
    h("div", {class: "operations"}, intakeSources(), webhookEndpoints()));
}
