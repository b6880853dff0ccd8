// Messages in the dead-letter queue (secrets already redacted by the API), with
// redrive of all of them and delete of one.
import {api, path} from "../api.js";
import {confirmAction} from "../dialog.js";
import {h} from "../dom.js";
import {dataTable, loadInto, statusLine, timeAgo} from "../ui.js";

function whatItIs(message) {
  if (message.error) return [h("span", {class: "badge badge-failed"}, message.error), h("pre", {class: "raw"}, message.raw)];
  return [h("strong", {}, message.template), " to ", message.to,
    message.variables && h("pre", {class: "raw"}, JSON.stringify(message.variables, null, 1))];
}

// onChange() after a redrive or delete moved messages.
export function dlqPanel(onChange) {
  const status = statusLine();
  const list = h("div");

  async function act(request, describe, failure) {
    try {
      status.show(describe(await request()));
    } catch (error) {
      status.show(`${failure}: ${error.message}`, "error");
    }
    reload();
    onChange();
  }

  async function redrive() {
    const confirmed = await confirmAction({
      title: "Redrive the dead-letter queue?",
      message: "Every message in it goes back to the send queue and is tried again. "
        + "A message that failed for good lands here again.",
      confirmLabel: "Redrive all",
    });
    if (confirmed) {
      act(() => api.post("/dlq/redrive"),
        ({moved, already_settled: settled}) =>
          `Moved ${moved} message${moved === 1 ? "" : "s"} back to the send queue.`
          + (settled ? ` Removed ${settled} whose mail was already sent or settled.` : ""),
        "Redrive failed");
    }
  }

  async function remove(message) {
    const confirmed = await confirmAction({
      title: "Delete this message?",
      message: `Message ${message.id} is removed for good; its mail is recorded as failed and never sent.`,
      confirmLabel: "Delete message",
      danger: true,
    });
    if (confirmed) {
      act(() => api.delete(path`/dlq/messages/${message.id}`), () => `Deleted message ${message.id}.`, "Delete failed");
    }
  }

  function table({messages}) {
    if (!messages.length) return h("p", {class: "muted"}, "The dead-letter queue is empty.");
    return dataTable("Dead-letter messages", [
      {label: "Message", cell: (m) => h("code", {}, m.message_id ?? m.id)},
      {label: "What", cell: whatItIs},
      {label: "Received", cell: (m) => `${m.receive_count} times`},
      {label: "First sent", cell: (m) => (m.sent_at ? timeAgo(m.sent_at) : "unknown")},
      {label: "Actions", cell: (m) => h("button", {type: "button", class: "danger",
        "aria-label": `Delete message ${m.id}`, onclick: () => remove(m)}, "Delete")},
    ], messages);
  }

  function reload() {
    return loadInto(list, "dead-letter messages", () => api.get("/dlq/messages?limit=20"), table);
  }

  const element = h("section", {class: "panel", "aria-labelledby": "dlq-messages-title"},
    h("div", {class: "panel-head"},
      h("h2", {id: "dlq-messages-title"}, "Dead-letter messages"),
      h("div", {class: "actions"},
        h("button", {type: "button", onclick: reload}, "Refresh list"),
        h("button", {type: "button", class: "primary", onclick: redrive}, "Redrive all"))),
    status.element,
    list);
  reload();
  return {element, reload};
}
