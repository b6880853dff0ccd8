// Queue and DLQ counts (GET /queues), refreshing on their own.
import {api} from "../api.js";
import {h} from "../dom.js";
import {formatAge, formatClock} from "../format.js";
import {every} from "../poll.js";
import {errorBox, loading} from "../ui.js";

const REFRESH_MS = 4000;
const QUEUES = [["queue", "Send queue"], ["dlq", "Dead-letter queue"]];
const STATS = [["visible", "Visible"], ["in_flight", "In flight"], ["delayed", "Delayed"]];

// Messages a queue holds, whatever their state.
export const total = ({visible, in_flight, delayed}) => visible + in_flight + delayed;

function oldest(counts) {
  if (total(counts) === 0) return "none";
  return counts.oldest_age_s === null ? "unknown" : formatAge(counts.oldest_age_s);
}

function queueCard(key, title, counts) {
  const alarming = key === "dlq" && total(counts) > 0;
  return h("section", {class: `queue-card${alarming ? " alarming" : ""}`, "aria-labelledby": `${key}-title`},
    h("h3", {id: `${key}-title`}, title),
    h("dl", {class: "stats"},
      STATS.map(([stat, label]) => h("div", {}, h("dt", {}, label),
        h("dd", {"data-stat": stat}, String(counts[stat])))),
      h("div", {}, h("dt", {}, "Oldest message"),
        h("dd", {"data-stat": "oldest_age_s"}, oldest(counts)))));
}

// onUpdate(counts) after every successful refresh.
export function queueCounts(onUpdate) {
  const cards = h("div", {class: "queue-cards"}, loading("Loading counts…"));
  const problem = h("div");
  const updated = h("p", {class: "muted small"});

  async function refresh() {
    try {
      const counts = await api.get("/queues");
      cards.replaceChildren(...QUEUES.map(([key, title]) => queueCard(key, title, counts[key])));
      problem.replaceChildren();
      updated.textContent = `Updated ${formatClock()}; refreshes every ${REFRESH_MS / 1000} s.`;
      onUpdate(counts);
    } catch (error) {
      problem.replaceChildren(errorBox("Could not refresh the counts", error));
      if (cards.querySelector(".loading")) cards.replaceChildren();
    }
  }

  const poll = every(REFRESH_MS, refresh);
  const element = h("section", {class: "panel", "aria-labelledby": "queues-title"},
    h("div", {class: "panel-head"},
      h("h2", {id: "queues-title"}, "Queues"),
      h("button", {type: "button", onclick: () => poll.now()}, "Refresh now")),
    problem, cards, updated);
  return {element, refresh: () => poll.now(), stop: () => poll.stop()};
}
