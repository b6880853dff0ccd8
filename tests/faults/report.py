"""Accounts for every accepted (202) mail against what the emulated SES accepted.

Each accepted mail lands in exactly one row: sent once; sent twice or more
(split by cause); or, never sent, its final status; in the DLQ; or lost
(answered 202, never sent, not final, not in the DLQ once the run settled).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .harness import FINAL_STATUSES, SENT_STATUSES, Harness

ONCE = "sent once"
# The window: SES accepted the mail but its consumer never learned it (it died
# between SES's answer and its record, or SES's answer was lost).
TWICE_WINDOW = "sent twice: unrecorded send (crash/lost answer), Send event lost"
TWICE_WINDOW_EVENT = "sent twice: unrecorded send, Send event arrived late"
TWICE_OTHER = "sent twice: outside the window"
DLQ = "in the DLQ"
LOST = "lost"
ROWS = [ONCE, TWICE_WINDOW, TWICE_WINDOW_EVENT, TWICE_OTHER, "failed", "expired",
        "suppressed", "superseded", DLQ, LOST]


@dataclass
class Report:
    rows: Counter[str] = field(default_factory=Counter)
    outcome: dict[str, str] = field(default_factory=dict)  # message id -> row
    stale: list[str] = field(default_factory=list)  # SES accepted it, log says queued/sending
    sent_in_dlq: list[str] = field(default_factory=list)  # SES accepted it, a copy in the DLQ
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.rows[LOST]

    @property
    def duplicates_outside_window(self) -> int:
        return self.rows[TWICE_OTHER]

    @property
    def ok(self) -> bool:
        """The soak's verdict: nothing lost, no duplicate outside the window,
        and the log agrees with SES (no `queued`/`sending` for a sent mail)."""
        return self.lost == 0 and self.duplicates_outside_window == 0 and not self.stale

    def table(self) -> str:
        accepted = sum(self.rows.values())
        lines = [f"{'outcome of accepted (202) mails':<62}{'count':>8}", "-" * 70]
        for row in ROWS + sorted(set(self.rows) - set(ROWS)):
            lines.append(f"{row:<62}{self.rows[row]:>8}")
        lines += ["-" * 70, f"{'accepted':<62}{accepted:>8}", ""]
        lines += [f"{name:<62}{value!s:>8}" for name, value in self.extra.items()]
        lines.append(f"{'sent, but the log says queued/sending':<62}{len(self.stale):>8}")
        lines.append(f"{'sent, and a copy sits in the DLQ':<62}{len(self.sent_in_dlq):>8}")
        lines.append(f"verdict: {'OK' if self.ok else 'FAILED'} "
                     f"(lost {self.lost}, sent twice outside the window "
                     f"{self.duplicates_outside_window}, stale log {len(self.stale)})")
        return "\n".join(lines)


def account(harness: Harness) -> Report:
    """Read SES's count, the message log and the DLQ; classify each accepted mail."""
    ledger = harness.ledger
    sends = Counter(herald_id for herald_id, _ in ledger.sends)
    statuses = harness.log_statuses()
    in_dlq = harness.dlq_message_ids()
    report = Report()
    for message_id in ledger.accepted:
        count, status = sends[message_id], statuses.get(message_id)
        if count >= 2:
            if message_id not in ledger.crash_window | harness.injector.unanswered_sends:
                row = TWICE_OTHER
            elif message_id in ledger.dropped_events:
                row = TWICE_WINDOW
            else:
                row = TWICE_WINDOW_EVENT
        elif count == 1:
            row = ONCE
        elif status in FINAL_STATUSES - SENT_STATUSES:
            row = status
        elif message_id in in_dlq:
            row = DLQ
        elif status in SENT_STATUSES:
            row = f"log says {status}, SES never accepted it"
        else:
            row = LOST
        report.rows[row] += 1
        report.outcome[message_id] = row
        if count and status not in SENT_STATUSES:
            report.stale.append(message_id)
        if count and message_id in in_dlq:
            report.sent_in_dlq.append(message_id)
    unanswered = set(sends) - set(ledger.accepted)
    report.extra = {
        "SES sends in all": len(ledger.sends),
        "SES sends of mails never answered 202 (caller gave up)": sum(
            sends[m] for m in unanswered),
        "requests finally refused (status: count)": dict(ledger.refused) or "-",
        "crashes": sum(ledger.crashes.values()),
        "send->record window, ms (p50 / p99 / max)": _window(harness.injector.record_gaps),
        "SES accepted -> Send event recorded, ms (p50 / p99 / max)":
            _window(harness.injector.event_gaps),
        "sends caught in a crash's send->record window": len(ledger.crash_window),
        "sends whose SES answer was lost": len(harness.injector.unanswered_sends),
        "Send events dropped": len(ledger.dropped_events),
        "faults injected": sum(harness.injector.injected.values()),
    }
    return report


def _window(gaps: list[float]) -> str:
    """How long a mail SES accepted went unrecorded (the only time a crash can cost a
    duplicate), from the consumer's sends that were recorded at once."""
    if not gaps:
        return "-"
    ordered = sorted(gaps)

    def at(share: float) -> str:
        return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000:.0f}"
    return f"{at(0.5)} / {at(0.99)} / {ordered[-1] * 1000:.0f}"
