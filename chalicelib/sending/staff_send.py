"""POST /templates/{name}/test-send: staff send the saved template to an address
(or, for an SMS template, to a phone number in E.164).

The variables default to the template's sample values (the brand comes from the
stage, as in real mail); the message then goes through the producer like any
POST /emails, so validation, suppression and the message log apply to it too.
Rate limits are its own: a test send never spends the recipient's real
per-recipient auth limit (staff testing a sign-in mail to themselves could
otherwise lock their own sign-in for an hour); instead each staff member and
each recipient get `limit_per_hour` test sends an hour.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.errors import BadRequest
from chalicelib.messages.envelope import SMS
from chalicelib.sending.rate_limits import Quota
from chalicelib.templating.model import validate_name

if TYPE_CHECKING:  # named for type checkers; wiring builds it with the producer
    from chalicelib.sending.accept import Producer
    from chalicelib.templating.cache import TemplateCache

_FIELDS = {"to", "variables", "locale"}
_LIMITED = "test_send_limited"
SETTING = "HERALD_TEST_SEND_LIMIT_PER_HOUR"


class StaffSend:
    def __init__(self, cache: TemplateCache, producer: Producer, limit_per_hour: int) -> None:
        self.cache = cache
        self.producer = producer
        self.limit = limit_per_hour

    def send(self, name: str, payload: Any, staff: str) -> dict[str, Any]:
        """Body: {"to", "variables"?, "locale"?}; answers as POST /emails does. The
        template's channel decides what `to` is and which queue the message takes;
        `staff` (who is testing) has their own hourly test-send limit."""
        if not isinstance(payload, dict):
            raise BadRequest("request body must be a JSON object", field="body")
        unknown = sorted(set(payload) - _FIELDS)
        if unknown:
            raise BadRequest(f"unknown field {unknown[0]!r}", field=unknown[0])
        given = payload.get("variables", {})
        if not isinstance(given, dict):
            raise BadRequest("variables must be an object", field="variables")
        compiled = self.cache.latest(validate_name(name))
        send = {**payload, "template": name,
                "variables": {**compiled.sample_variables(), **given}}
        return self.producer.accept(json.dumps(send).encode(), None,
                                    channel=compiled.doc.channel,
                                    quotas=lambda request: self.quotas(
                                        staff, request.to.key, compiled.doc.channel))

    def quotas(self, staff: str, recipient_key: str, channel: str) -> list[Quota]:
        """The test-send limits: one counter per staff member, one per recipient."""
        limit = f"(limit {self.limit} an hour, {SETTING})"
        where = "number" if channel == SMS else "address"
        return [Quota(f"test-send#to#{recipient_key}", self.limit,
                      f"test sends to this {where} {limit}", code=_LIMITED),
                Quota(f"test-send#by#{staff}", self.limit,
                      f"test sends by you {limit}", field=None, code=_LIMITED)]
