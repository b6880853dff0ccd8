// Screen: notification types (what a service may send a user, per channel) and one
// user's channel preferences, with who changed them.
import {api, path} from "../api.js";
import {field, h} from "../dom.js";
import {badge, dataTable, loadInto, statusLine, timeAgo} from "../ui.js";
import {trackForm} from "../unsaved.js";

const CHANNELS = ["email", "sms"];

function typesPanel() {
  const status = statusLine();
  const list = h("div");
  const name = field("Type name", h("input", {type: "text", required: true, autocomplete: "off",
    pattern: "[a-z0-9\\-]{1,64}"}), {hint: "lower-case letters, digits and hyphens"});
  const category = field("Category", h("select", {},
    h("option", {value: "notification"}, "notification (users may turn it off)"),
    h("option", {value: "auth"}, "auth (never blocked by preferences)")));
  const templates = Object.fromEntries(CHANNELS.map((channel) => [channel,
    field(`${channel} template`, h("input", {type: "text", autocomplete: "off"}),
      {hint: "empty: this type has no " + channel})]));
  const defaults = Object.fromEntries(CHANNELS.map((channel) => [channel,
    h("input", {type: "checkbox", checked: true, id: `default-${channel}`})]));

  const columns = [
    {label: "Type", cell: (kind) => kind.name},
    {label: "Category", cell: (kind) => badge(kind.category)},
    {label: "Channels", cell: (kind) => Object.entries(kind.channels)
      .map(([channel, spec]) => `${channel}: ${spec.template}`).join(", ")},
    {label: "On by default", cell: (kind) => CHANNELS.filter((c) => kind.defaults?.[c] !== false
      && kind.channels[c]).join(", ") || "none"},
  ];

  function reload() {
    loadInto(list, "the notification types", () => api.get("/notification-types"), (data) => (
      data.notification_types.length ? dataTable("Notification types", columns, data.notification_types)
        : h("p", {class: "muted"}, "No notification type yet.")));
  }

  async function save(event) {
    event.preventDefault();
    const channels = {};
    for (const channel of CHANNELS) {
      const template = templates[channel].control.value.trim();
      if (template) channels[channel] = {template};
    }
    const body = {category: category.control.value, channels,
      defaults: Object.fromEntries(CHANNELS.map((c) => [c, defaults[c].checked]))};
    const typeName = name.control.value.trim();
    try {
      await api.put(path`/notification-types/${typeName}`, body);
      status.show(`Saved the ${typeName} notification type.`);
      edits.reset();
      reload();
    } catch (error) {
      status.show(`Not saved: ${error.message}${error.field ? ` (${error.field})` : ""}`, "error");
    }
  }

  const form = h("form", {class: "inline-form", onsubmit: save}, name.element, category.element,
    CHANNELS.map((channel) => templates[channel].element),
    h("fieldset", {class: "field event-choices"}, h("legend", {}, "On by default"),
      CHANNELS.map((channel) => h("label", {for: defaults[channel].id, class: "checkbox"},
        defaults[channel], ` ${channel}`))),
    h("button", {type: "submit"}, "Save type"));
  const edits = trackForm(form);  // leaving with a half-typed type asks first
  reload();
  return h("section", {class: "panel", "aria-labelledby": "types-title"},
    h("h2", {id: "types-title"}, "Notification types"),
    list,
    form,
    status.element);
}

function preferencesPanel() {
  const status = statusLine();
  const result = h("div");
  const userId = field("User id", h("input", {type: "text", required: true, autocomplete: "off"}));

  function toggles(data) {
    const rows = Object.entries(data.preferences).map(([type, states]) => ({type, states}));
    if (!rows.length) return h("p", {class: "muted"}, "No notification type applies to this user.");
    return dataTable("Channel preferences", [
      {label: "Type", cell: (row) => row.type},
      ...CHANNELS.map((channel) => ({label: channel, cell: (row) => (channel in row.states
        ? h("input", {type: "checkbox", checked: row.states[channel],
          "aria-label": `${row.type} by ${channel}`,
          onchange: (event) => change(data.user_id ?? data.user.user_id, row.type, channel,
            event.target.checked)})
        : "-")})),
      {label: "Changed", cell: (row) => (data.changed?.[row.type]
        ? [timeAgo(data.changed[row.type].updated_at), ` by ${data.changed[row.type].updated_by}`]
        : "never (the type's default)")},
    ], rows);
  }

  function show(id) {
    loadInto(result, `the preferences of ${id}`, () => api.get(path`/staff/users/${id}`), (data) => [
      h("p", {}, `${data.user.email ?? "no email"} · ${data.user.phone ?? "no phone"}`),
      toggles(data)]);
  }

  async function change(id, type, channel, enabled) {
    try {
      await api.put(path`/staff/users/${id}/preferences`, {preferences: {[type]: {[channel]: enabled}}});
      status.show(`${type} by ${channel} is ${enabled ? "on" : "off"} for ${id}.`);
      show(id);
    } catch (error) {
      status.show(`Not changed: ${error.message}`, "error");
    }
  }

  return h("section", {class: "panel", "aria-labelledby": "prefs-title"},
    h("h2", {id: "prefs-title"}, "A user's preferences"),
    h("form", {class: "inline-form", onsubmit: (event) => { event.preventDefault(); show(userId.control.value.trim()); }},
      userId.element, h("button", {type: "submit"}, "Look up")),
    status.element,
    result);
}

export function showNotifications(main) {
  main.append(
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Notifications")),
    h("div", {class: "operations"}, typesPanel(), preferencesPanel()));
}
