"""The body of POST /emails, parsed and checked: every field a caller can get
wrong is refused here with a 400 naming it, before anything is written."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.addresses import Address, parse_address
from chalicelib.errors import BadRequest, PayloadTooLarge, Unprocessable
from chalicelib.template_model import LOCALE_PATTERN, validate_name

_FIELDS = {"to", "template", "variables", "locale", "expires_at"}


@dataclass(frozen=True)
class SendRequest:
    to: Address
    template: str
    variables: dict[str, Any]
    locale: str | None
    expires_at: float | None


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


def parse_send_request(raw_body: bytes, max_bytes: int, now: float) -> SendRequest:
    if len(raw_body) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes", field="body")
    try:
        body = json.loads(raw_body or b"null")
    except ValueError:
        raise BadRequest("request body is not valid JSON", field="body") from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object", field="body")
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}", field=unknown[0])
    if "template" not in body:
        raise BadRequest("template is required", field="template")
    try:
        template = validate_name(body["template"])
    except BadRequest:
        raise BadRequest("template must be a template name", field="template") from None
    variables = body.get("variables", {})
    if not isinstance(variables, dict):
        raise BadRequest("variables must be an object", field="variables")
    locale = body.get("locale")
    if locale is not None and (not isinstance(locale, str) or not LOCALE_PATTERN.match(locale)):
        raise BadRequest("locale looks like en or pt-BR", field="locale")
    return SendRequest(to=parse_address(body.get("to")), template=template,
                       variables=variables, locale=locale,
                       expires_at=_expiry(body.get("expires_at"), now))


def idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not raw.isprintable():
        raise BadRequest("Idempotency-Key must be 1-255 printable characters",
                         field="Idempotency-Key")
    return raw
