// Screen (local stack only): the mails the emulated SES accepted (GET /_local/mail),
// newest first, like Mailpit. The selected one renders in a sandboxed frame (no script,
// no same-origin access; the admin page's CSP, which the frame inherits, loads no remote
// images) at desktop or mobile width, with its text part and headers.
import {api, path} from "../api.js";
import {h} from "../dom.js";
import {formatClock, formatDateTime} from "../format.js";
import {onLocalStack} from "../local_stack.js";
import {every} from "../poll.js";
import {errorBox, loading} from "../ui.js";

const REFRESH_MS = 3000;
const WIDTHS = [["desktop", "Desktop"], ["mobile", "Mobile (390 px)"]];

function sentAt(iso) {
  return h("time", {datetime: iso, title: formatDateTime(iso)}, formatClock(new Date(iso)));
}

function widthToggle(onPick) {
  const buttons = WIDTHS.map(([width, label], index) => h("button", {
    type: "button", "aria-pressed": String(index === 0),
    onclick: () => {
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === buttons[index]));
      onPick(width);
    },
  }, label));
  return h("div", {class: "toggle-group", role: "group", "aria-label": "Frame width"}, buttons);
}

function headerList(headers) {
  return h("dl", {class: "mail-headers", "aria-label": "Headers"},
    Object.entries(headers).map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))));
}

// The selected mail: summary, rendered HTML, text part and headers.
function mailView(mail) {
  const frame = h("iframe", {sandbox: "", title: "HTML part of the mail", class: "mail-frame", srcdoc: mail.html});
  const frameBox = h("div", {class: "frame-box mail-frame-box desktop"}, frame);
  return [
    h("h2", {id: "mail-title"}, mail.subject || "(no subject)"),
    h("dl", {class: "summary"},
      h("div", {}, h("dt", {}, "From"), h("dd", {}, mail.from)),
      h("div", {}, h("dt", {}, "To"), h("dd", {}, mail.to)),
      h("div", {}, h("dt", {}, "Accepted"), h("dd", {}, formatDateTime(mail.sent_at))),
      h("div", {}, h("dt", {}, "Template"), h("dd", {}, mail.template
        ? h("a", {href: `#${path`/templates/${mail.template}`}`}, mail.template) : "not sent by a template"))),
    h("div", {class: "mail-controls"}, widthToggle((width) => { frameBox.className = `frame-box mail-frame-box ${width}`; }),
      mail.html ? null : h("p", {class: "muted"}, "This mail has no HTML part.")),
    frameBox,
    h("h3", {}, "Text part"),
    h("pre", {class: "preview-text", tabindex: "0", "aria-label": "Text part of the mail"},
      mail.text || "(no text part)"),
    h("h3", {}, "Headers"),
    headerList(mail.headers ?? {}),
  ];
}

export function showMailbox(main) {
  let selected = null;  // ses_message_id of the mail shown
  let shownIds = null;  // the ids listed, once loaded
  let mails = [];
  const list = h("ul", {class: "mail-list", "aria-label": "Mail, newest first"});
  const problem = h("div");
  const updated = h("p", {class: "muted small"});
  const viewer = h("section", {class: "panel mail-view", "aria-label": "Selected mail"}, loading("Loading mail…"));

  function select(id) {
    selected = id;
    const mail = mails.find((each) => each.ses_message_id === id);
    for (const button of list.querySelectorAll("button")) {
      button.setAttribute("aria-current", String(button.dataset.mailId === id));
    }
    viewer.replaceChildren(...mailView(mail));
  }

  function item(mail) {
    return h("li", {}, h("button", {
      type: "button", class: "mail-item", "data-mail-id": mail.ses_message_id,
      "aria-current": String(mail.ses_message_id === selected), onclick: () => select(mail.ses_message_id),
    },
    h("span", {class: "mail-to"}, mail.to),
    h("span", {class: "mail-subject"}, mail.subject || "(no subject)"),
    h("span", {class: "mail-meta"}, sentAt(mail.sent_at), mail.template && h("span", {class: "chip"}, mail.template))));
  }

  // Redrawn only when new mail came, so focus and the frame's scroll stay put between refreshes.
  function showList() {
    const ids = mails.map((mail) => mail.ses_message_id).join(" ");
    if (ids === shownIds) return;
    shownIds = ids;
    const focused = document.activeElement?.dataset?.mailId;
    list.replaceChildren(...mails.map(item));
    if (focused) list.querySelector(`[data-mail-id="${CSS.escape(focused)}"]`)?.focus();
    if (!mails.length) {
      viewer.replaceChildren(h("p", {class: "muted"}, "No mail yet. Send one (a test send from a template's page, "
        + "say) and it shows here within a few seconds."));
    } else if (selected === null) {
      select(mails[0].ses_message_id);
    }
  }

  async function refresh() {
    try {
      mails = (await api.get("/_local/mail")).mail;
      problem.replaceChildren();
      showList();
      updated.textContent = `${mails.length} mail${mails.length === 1 ? "" : "s"}. Updated ${formatClock()}; `
        + `refreshes every ${REFRESH_MS / 1000} s.`;
    } catch (error) {
      problem.replaceChildren(errorBox("Could not load the mail", error));
    }
  }

  const poll = every(REFRESH_MS, refresh);
  main.append(
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Mailbox")),
    h("p", {class: "hint"}, "What the local stack's emulated SES accepted, newest first. Mail renders in a "
      + "sandboxed frame: no scripts, and remote images are not loaded."),
    problem,
    h("div", {class: "mailbox"},
      h("section", {class: "panel mail-inbox", "aria-labelledby": "inbox-title"},
        h("div", {class: "panel-head"}, h("h2", {id: "inbox-title"}, "Inbox"),
          h("button", {type: "button", onclick: () => poll.now()}, "Refresh now")),
        updated, list),
      viewer));
  return () => poll.stop();
}

// The Mailbox route and its nav link, on the local stack only ([] anywhere else).
export async function localRoutes() {
  if (!(await onLocalStack())) return [];
  document.querySelector("nav [data-section='mailbox']")?.closest("li")?.removeAttribute("hidden");
  return [{pattern: /^\/mailbox$/, section: "mailbox", view: showMailbox}];
}
