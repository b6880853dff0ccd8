"""Webhook events: which status change of a mail is which event, and the
delivery message the webhooks queue carries (one per event and endpoint)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from chalicelib.records import states

STATUS_EVENTS: dict[str, str] = {status: f"email.{status}" for status in (
    states.SENT, states.DELIVERED, states.BOUNCED, states.COMPLAINED, states.FAILED,
    states.EXPIRED, states.SUPPRESSED, states.SUPERSEDED)}
EVENT_TYPES: tuple[str, ...] = tuple(sorted(STATUS_EVENTS.values()))
TEST_EVENT = "webhook.test"


def status_event(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
                 ) -> dict[str, Any] | None:
    """The event of a message log write (old and new item), or None when the
    status did not change or its new status is not an event (queued, sending)."""
    if not new:
        return None  # a removal (TTL): nothing happened to the mail
    status = new.get("status")
    if status not in STATUS_EVENTS or (old or {}).get("status") == status:
        return None
    at = new.get("updated_at")
    return {"type": STATUS_EVENTS[status], "timestamp": at, "data": {
        "message_id": new.get("message_id"), "to": new.get("to"),
        "template": new.get("template"), "status": status, "at": at}}


def event_id(*parts: str) -> str:
    """A webhook id from what identifies the event: the same on every retry and
    replay (receivers deduplicate on it), without `.` (the signed content's delimiter)."""
    return "evt_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Delivery:
    """One event for one endpoint. `payload` is the body exactly as sent (and signed)."""

    endpoint: str
    id: str
    type: str
    message_id: str | None
    payload: str


def delivery(endpoint: str, webhook_id: str, event: Mapping[str, Any]) -> Delivery:
    data = event.get("data") or {}
    return Delivery(endpoint, webhook_id, event["type"], data.get("message_id"),
                    json.dumps(event, separators=(",", ":"), sort_keys=True))


def encode(item: Delivery) -> str:
    return json.dumps({"v": 1, **asdict(item)})


def decode(body: str) -> Delivery:
    """A delivery from the queue; ValueError (left for the DLQ) for anything else."""
    try:
        fields = json.loads(body)
        if not isinstance(fields, dict) or fields.pop("v", None) != 1:
            raise ValueError("not a webhook delivery")
        return Delivery(**fields)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a webhook delivery: {exc}") from exc
