"""What an operator sees of one DLQ message: the send, secrets redacted.

The SQS body carries the variables in clear (the consumer needs them), so a
view shows only redacted variables, and of an unreadable body only its start.
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib import redaction
from chalicelib.message_log import iso_now

_PREVIEW_CHARS = 200
_VIEW_FIELDS = ("message_id", "to", "template", "locale")


def _iso_ms(epoch_ms: Any) -> str | None:
    return iso_now(int(epoch_ms) / 1000) if epoch_ms else None


def _preview(body: str) -> str:
    """The start of an unreadable body, cut before its variables (they may be secret)."""
    cut = body.find("variables")
    text = body if cut < 0 else body[:cut] + "[variables withheld]"
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "..."


def dlq_view(message: dict[str, Any]) -> dict[str, Any]:
    """What an operator sees of one DLQ message: the send, secrets redacted."""
    attributes = message.get("Attributes", {})
    view: dict[str, Any] = {"id": message["MessageId"],
                            "sent_at": _iso_ms(attributes.get("SentTimestamp")),
                            "receive_count": int(attributes.get("ApproximateReceiveCount", 0))}
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("variables"), dict):
        return {**view, "error": "body is not a Herald send message",
                "raw": _preview(message["Body"])}
    secret = body.get("secret")
    variables = body["variables"]
    names = secret if isinstance(secret, list) else list(variables)  # unknown: hide all
    view.update({key: body.get(key) for key in _VIEW_FIELDS})
    view.update({"template_version": body.get("version"),
                 "variables": redaction.redact_variables(variables, names),
                 "enqueued_at": _iso_ms(body.get("enqueued_at")),
                 "expires_at": iso_now(body["expires_at"]) if body.get("expires_at") else None})
    return view
