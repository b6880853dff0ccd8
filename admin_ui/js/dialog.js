// A modal confirmation (keyboard: Tab between buttons, Enter confirms, Escape cancels).
import {h, uid} from "./dom.js";

export function confirmAction({title, message, confirmLabel, danger = false}) {
  const cancel = h("button", {type: "button", value: "cancel"}, "Cancel");
  const confirm = h("button", {type: "button", value: "confirm", class: danger ? "danger" : "primary"}, confirmLabel);
  const titleId = uid("dialog-title");
  const dialog = h("dialog", {class: "confirm-dialog", "aria-labelledby": titleId},
    h("h2", {id: titleId}, title),
    h("p", {}, message),
    h("div", {class: "actions"}, cancel, confirm));
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => close(false));
    confirm.addEventListener("click", () => close(true));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}
