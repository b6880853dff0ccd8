// A message-log entry (GET /messages/{id}): status, recipient, template and events.
import {h} from "../dom.js";
import {formatDateTime, shortVersion} from "../format.js";
import {badge} from "../ui.js";

// Statuses after which nothing more happens to a message.
export const FINAL_STATUSES = new Set(["delivered", "bounced", "complained", "failed", "suppressed", "expired",
  "superseded"]);

// Accepted -> sent -> delivered, as the log measured them (SES's time for delivery).
function timings(entry) {
  const times = entry.timings;
  if (!times) return null;
  const step = (label, at) => (at ? `${label} ${formatDateTime(at)}` : null);
  const parts = [step("accepted", times.accepted_at), step("sent", times.sent_at),
    step("delivered", times.delivered_at)].filter(Boolean);
  return h("div", {}, h("dt", {}, "Timings"), h("dd", {}, parts.join(" · "),
    times.time_to_inbox_ms !== null && times.time_to_inbox_ms !== undefined
      && ` · ${(times.time_to_inbox_ms / 1000).toFixed(1)} s to inbox`,
    entry.late && [" ", badge("late", "failed")]));
}

// The mail as it was sent, re-rendered by the API from the pinned template versions
// (secret variables shown as [redacted]); its HTML in a frame that runs nothing.
function sentMail(entry) {
  const rendered = entry.rendered;
  if (!rendered) return null;
  if (rendered.error) {
    return h("p", {class: "muted"}, `The mail as sent cannot be shown: ${rendered.error}`);
  }
  return h("section", {class: "sent-mail", "aria-label": "Mail as sent"},
    h("h3", {}, "Mail as sent"),
    rendered.subject && h("p", {}, h("strong", {}, "Subject: "), rendered.subject),
    rendered.html && h("iframe", {sandbox: "", class: "sent-mail-frame", title: "HTML part of the mail as sent",
      srcdoc: rendered.html}),
    rendered.text && h("details", {}, h("summary", {}, "Text part"), h("pre", {class: "sent-mail-text"}, rendered.text)));
}

export function messageDetails(entry) {
  const variables = Object.entries(entry.variables ?? {});
  return h("div", {class: "message-details"},
    h("dl", {class: "summary"},
      h("div", {}, h("dt", {}, "Status"), h("dd", {class: "message-status"}, badge(entry.status))),
      h("div", {}, h("dt", {}, "Message id"), h("dd", {}, h("code", {}, entry.message_id))),
      h("div", {}, h("dt", {}, "To"), h("dd", {}, entry.to, entry.channel === "sms" ? " (SMS)" : "")),
      timings(entry),
      h("div", {}, h("dt", {}, "Template"), h("dd", {}, entry.template, " ",
        h("code", {title: entry.template_version}, shortVersion(entry.template_version)))),
      variables.length > 0 && h("div", {}, h("dt", {}, "Variables"), h("dd", {},
        variables.map(([name, value]) => h("span", {class: "chip"}, `${name}: ${JSON.stringify(value)}`))))),
    h("ol", {class: "events", "aria-label": "Events"}, (entry.events ?? []).map((event) => h("li", {},
      badge(event.event ?? event.status), " ", h("time", {datetime: event.at}, formatDateTime(event.at)),
      event.scanner_hint && h("span", {class: "muted"}, " (looks like a mail scanner)"),
      event.detail && h("span", {class: "muted"}, ` ${event.detail}`)))),
    sentMail(entry));
}
