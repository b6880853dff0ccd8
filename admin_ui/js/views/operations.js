// Screen: queue health, the dead-letter queue, message lookup and suppressions.
import {h} from "../dom.js";
import {dlqPanel} from "./dlq_panel.js";
import {messageLookup} from "./message_lookup.js";
import {queueCounts, total} from "./queue_counts.js";
import {suppressionsPanel} from "./suppressions_panel.js";

export function showOperations(main) {
  let dlqTotal = null;
  const dlq = dlqPanel(() => counts.refresh());
  // The message list follows the counts: it reloads when the DLQ gains or loses messages.
  const counts = queueCounts((latest) => {
    if (dlqTotal !== null && total(latest.dlq) !== dlqTotal) dlq.reload();
    dlqTotal = total(latest.dlq);
  });
  main.append(
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Operations")),
    h("div", {class: "operations"}, counts.element, dlq.element, messageLookup(), suppressionsPanel()));
  return counts.stop;
}
