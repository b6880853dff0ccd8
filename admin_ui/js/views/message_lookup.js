// Message lookup by id (GET /messages/{id}): what became of one mail.
import {api, path} from "../api.js";
import {field, h} from "../dom.js";
import {loadInto} from "../ui.js";
import {messageDetails} from "./message_status.js";

export function messageLookup() {
  const messageId = field("Message id", h("input", {type: "text", required: true, autocomplete: "off", spellcheck: "false"}));
  const result = h("div", {"aria-live": "polite"});

  function lookUp(event) {
    event.preventDefault();
    const id = messageId.control.value.trim();
    loadInto(result, `message ${id}`, () => api.get(path`/messages/${id}`), messageDetails);
  }

  return h("section", {class: "panel", "aria-labelledby": "lookup-title"},
    h("h2", {id: "lookup-title"}, "Find a message"),
    h("form", {class: "inline-form", onsubmit: lookUp}, messageId.element, h("button", {type: "submit"}, "Look up")),
    result);
}
