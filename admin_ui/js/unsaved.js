// Unsaved edits: a screen says which of its forms hold edits worth keeping; leaving the
// view (links, Back, a typed address) asks first, and closing or reloading the tab makes
// the browser ask. A form counts only while it is on the page.
import {confirmAction} from "./dialog.js";
import {setNavigationGuard} from "./router.js";

const tracked = new Set();

// isDirty() -> true while `element` holds edits that would be lost; returns a function
// that stops tracking it (a form that left the page stops counting by itself).
export function trackEdits(element, isDirty) {
  const entry = {element, isDirty};
  tracked.add(entry);
  return () => tracked.delete(entry);
}

export function hasUnsavedEdits() {
  for (const entry of tracked) {
    if (!entry.element.isConnected) tracked.delete(entry);
    else if (entry.isDirty()) return true;
  }
  return false;
}

// A form that starts from fixed values (an "add" form): edited when any control's value
// differs from what it held when tracking began; `reset()` after a successful submit.
export function trackForm(form) {
  const snapshot = () => JSON.stringify([...form.elements].map((control) => (control.type === "checkbox" || control.type === "radio" ? control.checked : control.value)));
  let initial = snapshot();
  trackEdits(form, () => snapshot() !== initial);
  return {reset: () => { initial = snapshot(); }};
}

setNavigationGuard({
  blocks: hasUnsavedEdits,
  confirm: () => confirmAction({
    title: "Leave without saving?",
    message: "Your changes on this page are not saved. The template editor keeps a draft in "
      + "this browser and offers it when you open the template again; other forms lose what you typed.",
    confirmLabel: "Leave without saving",
    danger: true,
  }),
});

window.addEventListener("beforeunload", (event) => {
  if (!hasUnsavedEdits()) return;
  event.preventDefault();
  event.returnValue = "";  // Chromium before 119 shows the prompt only with a returnValue
});
