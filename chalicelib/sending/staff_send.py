"""POST /templates/{name}/test-send: staff send the saved template to an address
(or, for an SMS template, to a phone number in E.164).

The variables default to the template's sample values; the message then goes
through the producer like any POST /emails, so validation, suppression, rate
limits and the message log apply to it too.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.errors import BadRequest
from chalicelib.templating.model import validate_name

if TYPE_CHECKING:  # named for type checkers; wiring builds it with the producer
    from chalicelib.sending.accept import Producer
    from chalicelib.templating.cache import TemplateCache

_FIELDS = {"to", "variables", "locale"}


class StaffSend:
    def __init__(self, cache: TemplateCache, producer: Producer) -> None:
        self.cache = cache
        self.producer = producer

    def send(self, name: str, payload: Any) -> dict[str, Any]:
        """Body: {"to", "variables"?, "locale"?}; answers as POST /emails does. The
        template's channel decides what `to` is and which queue the message takes."""
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
                                    channel=compiled.doc.channel)
