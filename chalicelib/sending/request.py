"""The body of POST /emails (and of an SMS on the same path), parsed and checked:
every field a caller can get wrong is refused here with a 400 naming it, before
anything is written; and the sizes of what a send stores and enqueues, checked
against AWS's limits."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

from chalicelib.addresses import Address, Phone, parse_address, parse_phone
from chalicelib.errors import BadRequest, PayloadTooLarge, Unprocessable
from chalicelib.messages.envelope import EMAIL, SMS
from chalicelib.platform.untrusted_json import load_request_object
from chalicelib.templating.model import LOCALE_PATTERN, validate_name

_FIELDS = {"to", "template", "variables", "locale", "expires_at", "supersede_key"}
MAX_SUPERSEDE_KEY = 128
SQS_MESSAGE_LIMIT = 262_144  # bytes, the deployed send queue's MaximumMessageSize
DYNAMODB_ITEM_LIMIT = 400 * 1024
# Room the log item keeps for what the consumer and SES feedback add later (events, ids).
LOG_ITEM_HEADROOM = 16 * 1024
# Room the SQS message keeps for its envelope (ids, pins, secret names) around variables.
MESSAGE_ENVELOPE_BYTES = 16 * 1024
MAX_VARIABLES_BYTES = SQS_MESSAGE_LIMIT - MESSAGE_ENVELOPE_BYTES


@dataclass(frozen=True)
class SendRequest:
    to: Address | Phone
    template: str
    variables: dict[str, Any]
    locale: str | None
    expires_at: float | None
    supersede_key: str | None = None
    # The request object as the caller sent it, parsed once: the idempotency
    # fingerprint is taken from it.
    body: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def recipient(self) -> str:
        """`to` as the message goes out: the mail address, or the E.164 number."""
        return self.to.number if isinstance(self.to, Phone) else self.to.email


def _expiry(raw: Any, now: float) -> float | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest("expires_at must be an ISO 8601 time with a zone, "
                         "e.g. 2026-01-01T12:00:00Z", field="expires_at")
    if moment.timestamp() <= now:
        raise Unprocessable("expires_at is already past", field="expires_at", code="expired")
    return moment.timestamp()


def parse_send_request(raw_body: bytes, max_bytes: int, now: float,
                       channel: str = EMAIL) -> SendRequest:
    """`to` is a mail address, or for `channel` sms an E.164 phone number."""
    body = load_request_object(raw_body, max_bytes, _FIELDS)
    if "template" not in body:
        raise BadRequest("template is required", field="template")
    try:
        template = validate_name(body["template"])
    except BadRequest:
        raise BadRequest("template must be a template name", field="template") from None
    variables = body.get("variables", {})
    if not isinstance(variables, dict):
        raise BadRequest("variables must be an object", field="variables")
    if queued_bytes(variables) > MAX_VARIABLES_BYTES:
        raise _too_large()
    locale = body.get("locale")
    if locale is not None and (not isinstance(locale, str) or not LOCALE_PATTERN.match(locale)):
        raise BadRequest("locale looks like en or pt-BR", field="locale")
    to = parse_phone(body.get("to")) if channel == SMS else parse_address(body.get("to"))
    return SendRequest(to=to, template=template,
                       variables=variables, locale=locale,
                       expires_at=_expiry(body.get("expires_at"), now),
                       supersede_key=_supersede_key(body.get("supersede_key")),
                       body=body)


def _supersede_key(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not 1 <= len(raw) <= MAX_SUPERSEDE_KEY \
            or not raw.isprintable():
        raise BadRequest(f"supersede_key must be printable text of 1 to {MAX_SUPERSEDE_KEY} "
                         "characters", field="supersede_key")
    return raw


def idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not raw.isprintable():
        raise BadRequest("Idempotency-Key must be 1-255 printable characters",
                         field="Idempotency-Key")
    return raw


def queued_bytes(value: Any) -> int:
    """The UTF-8 size of `value` as SendQueue serializes it (ASCII-escaped: `é` is 6 bytes)."""
    return len(json.dumps(value, separators=(",", ":")).encode())


def item_bytes(value: Any) -> int:
    """A DynamoDB item's size by AWS's rules: names and strings in UTF-8 bytes,
    numbers up to 21 bytes, 3 bytes per list or map plus 1 per element."""
    if isinstance(value, Mapping):
        return 3 + sum(len(str(name).encode()) + item_bytes(child) + 1
                       for name, child in value.items())
    if isinstance(value, (list, tuple, set)):
        return 3 + sum(item_bytes(child) + 1 for child in value)
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return 21
    return 1  # bool, null


def check_stored_sizes(queued: str, log_entry: Mapping[str, Any]) -> None:
    """413 naming `variables` unless the encoded SQS message (also the outbox copy)
    and the message-log item fit their limits (call before the first write)."""
    if len(queued.encode()) > SQS_MESSAGE_LIMIT:
        raise _too_large()
    if item_bytes(log_entry) + LOG_ITEM_HEADROOM > DYNAMODB_ITEM_LIMIT:
        raise _too_large()


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"variables are too large to queue: at most {MAX_VARIABLES_BYTES} bytes as JSON with "
        "non-ASCII characters escaped (\\u00e9 counts 6 bytes)", field="variables")
