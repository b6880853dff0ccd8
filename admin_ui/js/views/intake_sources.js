// The signed intake sources (Supabase, Clerk, mapped ones): configured or not, and
// how their last events went.
import {api} from "../api.js";
import {h} from "../dom.js";
import {badge, dataTable, loadInto, timeAgo} from "../ui.js";

const columns = [
  {label: "Source", cell: (source) => [source.source, " ", h("span", {class: "muted"}, `(${source.kind})`)]},
  {label: "Secret", cell: (source) => (source.configured ? badge("configured", "delivered")
    : badge("no secret", "failed"))},
  {label: "Last event", cell: (source) => (source.last_event_at ? timeAgo(source.last_event_at) : "never")},
  {label: "Events", cell: (source) => String(source.events ?? 0)},
  {label: "Failures", cell: (source) => (source.failures
    ? [String(source.failures), source.last_failure
      && h("span", {class: "muted"}, ` (last: ${source.last_failure.reason}, `, timeAgo(source.last_failure.at), ")")]
    : "0")},
];

export function intakeSources() {
  const list = h("div");
  const reload = () => loadInto(list, "the intake sources", () => api.get("/hooks"), (data) => (
    data.sources.length ? dataTable("Intake sources", columns, data.sources)
      : h("p", {class: "muted"}, "No intake source is set up.")));
  reload();
  return h("section", {class: "panel", "aria-labelledby": "intake-title"},
    h("div", {class: "panel-head"}, h("h2", {id: "intake-title"}, "Intake sources"),
      h("button", {type: "button", onclick: reload}, "Refresh")),
    h("p", {class: "hint"}, "Identity providers and services that hand Herald their mail at POST /hooks/{source}, "
      + "signed with the source's secret."),
    list);
}
