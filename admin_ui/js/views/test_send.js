// Test send of the saved version (POST /templates/{name}/test-send: the API fills in the
// sample values), then its status as it changes (GET /messages/{id}).
import {api, path} from "../api.js";
import {field, h} from "../dom.js";
import {every} from "../poll.js";
import {errorBox, loading} from "../ui.js";
import {FINAL_STATUSES, messageDetails} from "./message_status.js";

const POLL_MS = 1000;
const POLL_FOR_MS = 60_000;

export function testSendPanel({name, savedVariables, typedValues, hasUnsavedChanges}) {
  let poll = null;
  const address = field("Send to", h("input", {type: "email", autocomplete: "email", required: true}));
  const button = h("button", {type: "submit"}, "Send test");
  const result = h("div", {class: "send-result", "aria-live": "polite"});

  function follow(messageId) {
    const until = Date.now() + POLL_FOR_MS;
    const details = h("div");
    const note = h("p", {class: "muted small"}, "Following its status…");
    let shown = null;
    result.append(details, note);
    const follower = every(POLL_MS, async () => {
      try {
        const entry = await api.get(path`/messages/${messageId}`);
        if (JSON.stringify(entry) !== shown) {  // redraw (and announce) only what changed
          shown = JSON.stringify(entry);
          details.replaceChildren(messageDetails(entry));
        }
        if (FINAL_STATUSES.has(entry.status) || Date.now() > until) {
          note.textContent = FINAL_STATUSES.has(entry.status) ? "" : "Stopped following after a minute.";
          follower.stop();
        }
      } catch (error) {
        details.replaceChildren(errorBox("Could not read the status", error));
      }
    });
    poll = follower;
  }

  async function send(event) {
    event.preventDefault();
    poll?.stop();
    const declared = savedVariables();  // the API fills in the samples of the others
    const variables = Object.fromEntries(Object.entries(typedValues()).filter(([variable]) => variable in declared));
    button.disabled = true;
    result.replaceChildren(loading("Sending…"));
    try {
      const accepted = await api.post(path`/templates/${name}/test-send`, {to: address.control.value.trim(), variables});
      result.replaceChildren(h("p", {}, `Accepted: message ${accepted.message_id}.`,
        hasUnsavedChanges() ? " It uses the saved version, not your unsaved changes." : ""));
      follow(accepted.message_id);
    } catch (error) {
      result.replaceChildren(errorBox("Not sent", error));
    } finally {
      button.disabled = false;
    }
  }

  const element = h("section", {class: "panel", "aria-labelledby": "test-send-title"},
    h("h2", {id: "test-send-title"}, "Send a test"),
    h("p", {class: "hint"}, "Sends the saved version with the sample values (or those typed in the preview)."),
    h("form", {class: "inline-form", onsubmit: send}, address.element, button),
    result);

  return {element, stop: () => poll?.stop()};
}
