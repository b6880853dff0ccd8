// Messages in the dead-letter queue (secrets already redacted by the API), with why each
// failed, redrive of all of them or of one, and delete of one. Reading the DLQ is an SQS
// receive (it raises each message's receive count), so it is read only when asked.
import {api, path} from "../api.js";
import {confirmAction} from "../dialog.js";
import {h} from "../dom.js";
import {dataTable, loadInto, statusLine, timeAgo} from "../ui.js";

// The id the row, its dialogs and the API calls all use: the mail's (the SQS id only for
// a body Herald cannot read).
const idOf = (message) => message.message_id ?? message.id;

// Why the mail failed, from the message log (each failed attempt's reason).
function whyItFailed(message) {
  const reasons = message.reasons ?? [];
  if (!reasons.length) return h("span", {class: "muted"}, "no reason in the message log");
  return h("ul", {class: "reasons"}, reasons.map((reason) => h("li", {}, reason.detail)));
}

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
    const id = idOf(message);
    const confirmed = await confirmAction({
      title: "Delete this message?",
      message: `Message ${id} is removed for good; its mail is recorded as failed and never sent.`,
      confirmLabel: "Delete message",
      danger: true,
    });
    if (confirmed) {
      act(() => api.delete(path`/dlq/messages/${id}`), () => `Deleted message ${id}.`, "Delete failed");
    }
  }

  async function redriveOne(message) {
    const id = idOf(message);
    const confirmed = await confirmAction({
      title: "Redrive this message?",
      message: `Message ${id} goes back to the send queue and is tried again.`,
      confirmLabel: "Redrive message",
    });
    if (confirmed) {
      act(() => api.post(path`/dlq/messages/${id}/redrive`), () => `Moved message ${id} back to the send queue.`,
        "Redrive failed");
    }
  }

  function table({messages}) {
    if (!messages.length) return h("p", {class: "muted"}, "The dead-letter queue is empty.");
    return h("div", {class: "dlq-table"}, dataTable("Dead-letter messages", [
      {label: "Message", cell: (m) => h("code", {}, idOf(m))},
      {label: "What", cell: whatItIs},
      {label: "Why", cell: whyItFailed},
      {label: "Failed", cell: (m) => `${m.failed_attempts ?? 0} times`},
      {label: "First sent", cell: (m) => (m.sent_at ? timeAgo(m.sent_at) : "unknown")},
      {label: "Actions", cell: (m) => h("div", {class: "actions"},
        m.message_id && h("button", {type: "button", "aria-label": `Redrive message ${idOf(m)}`,
          onclick: () => redriveOne(m)}, "Redrive"),
        h("button", {type: "button", class: "danger",
          "aria-label": `Delete message ${idOf(m)}`, onclick: () => remove(m)}, "Delete"))},
    ], messages));
  }

  // Shown once asked for; then it follows the counts (reload()).
  let shown = false;
  function reload() {
    if (!shown) return null;
    return loadInto(list, "dead-letter messages", () => api.get("/dlq/messages?limit=20"), table);
  }
  function show() {
    shown = true;
    return reload();
  }

  const element = h("section", {class: "panel", "aria-labelledby": "dlq-messages-title"},
    h("div", {class: "panel-head"},
      h("h2", {id: "dlq-messages-title"}, "Dead-letter messages"),
      h("div", {class: "actions"},
        h("button", {type: "button", onclick: show}, "Show messages"),
        h("button", {type: "button", class: "primary", onclick: redrive}, "Redrive all"))),
    status.element,
    list);
  list.append(h("p", {class: "muted"}, "Messages are read from the queue when you ask (each read counts as a receive)."));
  return {element, reload};
}
