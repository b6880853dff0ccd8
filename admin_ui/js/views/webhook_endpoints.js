// Outbound delivery webhooks: endpoints that hear about sent, delivered, bounced...
// mail; add, test, pause, remove, and what their recent deliveries did.
import {api, path} from "../api.js";
import {confirmAction} from "../dialog.js";
import {field, h} from "../dom.js";
import {badge, dataTable, loadInto, statusLine, timeAgo} from "../ui.js";
import {trackForm} from "../unsaved.js";

export const EVENTS = ["email.sent", "email.delivered", "email.bounced", "email.complained",
  "email.failed", "email.expired", "email.suppressed", "email.superseded"];

function eventChoices() {
  const boxes = EVENTS.map((event) => h("input", {type: "checkbox", value: event, checked: true,
    id: `event-${event.replace(".", "-")}`}));
  const element = h("fieldset", {class: "field event-choices"}, h("legend", {}, "Events"),
    boxes.map((box) => h("label", {for: box.id, class: "checkbox"}, box, ` ${box.value}`)));
  return {element, chosen: () => boxes.filter((box) => box.checked).map((box) => box.value)};
}

// The secret is shown once, right after it is made; the receiver needs it to verify.
function secretNotice(name, secret) {
  return h("div", {class: "secret-box", role: "alert"},
    h("p", {}, h("strong", {}, `Signing secret for ${name}`),
      ": copy it now, Herald will not show it again."),
    h("code", {class: "secret"}, secret));
}

function deliveriesTable(deliveries) {
  if (!deliveries.length) return h("p", {class: "muted"}, "No delivery yet.");
  return dataTable("Recent deliveries", [
    {label: "Event", cell: (delivery) => delivery.type},
    {label: "Message", cell: (delivery) => delivery.message_id ?? "-"},
    {label: "Result", cell: (delivery) => badge(delivery.status, delivery.status === "delivered" ? "delivered"
      : delivery.status === "failed" ? "failed" : "queued")},
    {label: "Attempts", cell: (delivery) => String(delivery.attempts ?? 1)},
    {label: "Answer", cell: (delivery) => (delivery.last_status_code ? String(delivery.last_status_code) : "-")},
    {label: "When", cell: (delivery) => timeAgo(delivery.at)},
  ], deliveries);
}

export function webhookEndpoints() {
  const status = statusLine();
  const secretSlot = h("div");
  const list = h("div");
  const name = field("Name", h("input", {type: "text", required: true, pattern: "[a-z0-9\\-]{1,64}",
    autocomplete: "off"}), {hint: "lower-case letters, digits and hyphens"});
  const url = field("URL", h("input", {type: "url", required: true, autocomplete: "off",
    placeholder: "https://example.com/herald-events"}));
  const events = eventChoices();

  async function act(label, work, done) {
    try {
      const result = await work();
      status.show(done);
      reload();
      return result;
    } catch (error) {
      status.show(`${label}: ${error.message}`, "error");
      return null;
    }
  }

  async function add(event) {
    event.preventDefault();
    const endpointName = name.control.value.trim();
    const created = await act("Not added", () => api.put(path`/webhooks/${endpointName}`,
      {url: url.control.value.trim(), events: events.chosen()}), `${endpointName} will hear about its events.`);
    if (created?.secret) secretSlot.replaceChildren(secretNotice(endpointName, created.secret));
    if (created) {
      name.control.value = "";
      url.control.value = "";
      edits.reset();
    }
  }

  function setEnabled(endpoint, enabled) {
    act(enabled ? "Not resumed" : "Not paused",
      () => api.put(path`/webhooks/${endpoint.name}`, {url: endpoint.url, events: endpoint.events, enabled}),
      enabled ? `${endpoint.name} receives events again.` : `${endpoint.name} is paused.`);
  }

  async function remove(endpoint) {
    const confirmed = await confirmAction({
      title: `Remove ${endpoint.name}?`,
      message: "Herald stops sending events to this URL; its secret is forgotten.",
      confirmLabel: "Remove the endpoint",
    });
    if (confirmed) act("Not removed", () => api.delete(path`/webhooks/${endpoint.name}`), `${endpoint.name} is removed.`);
  }

  function showDeliveries(endpoint, slot) {
    loadInto(slot, `the deliveries to ${endpoint.name}`,
      () => api.get(path`/webhooks/${endpoint.name}/deliveries`), (data) => deliveriesTable(data.deliveries));
  }

  function endpointCard(endpoint) {
    const deliveries = h("div", {class: "deliveries"});
    const state = endpoint.enabled ? badge("active", "delivered") : badge("paused", "failed");
    return h("article", {class: "endpoint", "aria-labelledby": `endpoint-${endpoint.name}`},
      h("h3", {id: `endpoint-${endpoint.name}`}, endpoint.name, " ", state),
      h("p", {}, h("code", {}, endpoint.url)),
      !endpoint.enabled && endpoint.disabled_reason
        && h("p", {class: "field-error"}, `Paused: ${endpoint.disabled_reason}`),
      h("p", {class: "muted"}, `Events: ${endpoint.events.join(", ")}. `,
        endpoint.last_delivery_at ? ["Last delivery ", timeAgo(endpoint.last_delivery_at), ". "] : "No delivery yet. ",
        endpoint.failures ? `${endpoint.failures} failures in a row.` : ""),
      h("div", {class: "actions"},
        h("button", {type: "button", onclick: () => act("Test not sent",
          () => api.post(path`/webhooks/${endpoint.name}/test`), `A test event is on its way to ${endpoint.name}.`)},
        "Send a test event"),
        h("button", {type: "button", onclick: () => setEnabled(endpoint, !endpoint.enabled)},
          endpoint.enabled ? "Pause" : "Resume"),
        h("button", {type: "button", onclick: () => showDeliveries(endpoint, deliveries)}, "Recent deliveries"),
        h("button", {type: "button", class: "danger", onclick: () => remove(endpoint)}, "Remove")),
      deliveries);
  }

  function reload() {
    loadInto(list, "the webhook endpoints", () => api.get("/webhooks"), (data) => (
      data.webhooks.length ? data.webhooks.map(endpointCard)
        : h("p", {class: "muted"}, "No endpoint yet: add one to hear about your mail's fate.")));
  }

  const form = h("form", {class: "inline-form", onsubmit: add}, name.element, url.element, events.element,
    h("button", {type: "submit"}, "Add endpoint"));
  const edits = trackForm(form);  // leaving with a half-typed endpoint asks first
  reload();
  return h("section", {class: "panel", "aria-labelledby": "webhooks-title"},
    h("h2", {id: "webhooks-title"}, "Delivery webhooks"),
    form,
    status.element,
    secretSlot,
    list);
}
