"""What an operator sees of one DLQ message: the send, secrets redacted.

The SQS body carries the variables in clear (the consumer needs them), so a
view shows only redacted variables, and of an unreadable body only its start.
Anything in a body that is not what Herald writes (bad JSON, odd types, deep
nesting) makes that one message "unreadable", never the whole list fail.
"""
from __future__ import annotations

import math
from typing import Any

from chalicelib.errors import BadRequest
from chalicelib.platform import redaction
from chalicelib.platform.clock import LATEST_EPOCH_S, iso_time
from chalicelib.platform.untrusted_json import load_json

_PREVIEW_CHARS = 200
_VIEW_FIELDS = ("message_id", "to", "template", "locale")
_UNREADABLE = (ValueError, TypeError, KeyError, OverflowError, BadRequest)


def _iso(epoch: Any, per_second: int = 1) -> str | None:
    """A time Herald wrote (a number, or SQS's string of digits) as ISO 8601;
    ValueError for anything else, or for a time ISO 8601 cannot print."""
    if epoch is None:
        return None
    if isinstance(epoch, str) and epoch.isascii() and epoch.isdigit() and len(epoch) <= 16:
        epoch = int(epoch)
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        raise ValueError(f"not a time: {type(epoch).__name__}")
    seconds = epoch / per_second
    if not math.isfinite(seconds) or not 0 <= seconds <= LATEST_EPOCH_S:
        raise ValueError("time out of range")
    return iso_time(seconds)


def _preview(body: Any) -> str:
    """The start of an unreadable body, cut before its variables (they may be secret)."""
    text = body if isinstance(body, str) else repr(body)
    cut = text.find("variables")
    text = text if cut < 0 else text[:cut] + "[variables withheld]"
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "..."


def _send_fields(raw: Any) -> dict[str, Any]:
    """The operator's view of a Herald send body; raises one of _UNREADABLE otherwise."""
    body = load_json(raw, unicode_only=False)  # a poison send's surrogate still shows
    if not isinstance(body, dict) or not isinstance(body.get("variables"), dict):
        raise ValueError("not a Herald send message")
    secret = body.get("secret")
    variables = body["variables"]
    names = secret if isinstance(secret, list) else list(variables)  # unknown: hide all
    view = {key: body.get(key) for key in _VIEW_FIELDS}
    view.update({"template_version": body.get("version"),
                 "variables": redaction.redact_variables(variables, names),
                 "enqueued_at": _iso(body.get("enqueued_at"), per_second=1000),
                 "expires_at": _iso(body.get("expires_at"))})
    return view


def dlq_view(message: dict[str, Any]) -> dict[str, Any]:
    """What an operator sees of one DLQ message: the send, secrets redacted."""
    attributes = message.get("Attributes") or {}
    view: dict[str, Any] = {"id": message["MessageId"], "sent_at": None, "receive_count": 0}
    try:
        view["sent_at"] = _iso(attributes.get("SentTimestamp"), per_second=1000)
        view["receive_count"] = int(attributes.get("ApproximateReceiveCount", 0))
        return {**view, **_send_fields(message.get("Body"))}
    except _UNREADABLE:
        return {**view, "error": "body is not a Herald send message",
                "raw": _preview(message.get("Body"))}
