"""POST /hooks/{source}: verify, map, and accept through the producer.

Order matters: an unknown source (404), an oversized body (413) or a bad,
missing or stale signature (401) is refused before anything is parsed or
written. A verified event becomes one `POST /emails`-shaped request per mail,
accepted with an idempotency key derived from the source and the webhook id,
so the idempotency record (with its TTL) is the replay record: a delivery
seen before answers 200 and sends nothing new.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from chalicelib.errors import (
    Conflict,
    HeraldError,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    Unprocessable,
)
from chalicelib.intake import signatures
from chalicelib.intake.secrets import HookSecrets
from chalicelib.intake.sources import Outgoing, Source
from chalicelib.intake.status import HookStatus
from chalicelib.platform import logs, redaction
from chalicelib.platform.untrusted_json import load_json

_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class HookAnswer:
    """What the source is told: `body`, and whether a mapped source's event was newly
    queued (an Accepted answer) rather than taken, ignored or replayed."""

    body: dict[str, Any]
    queued: bool = False


class HookIntake:
    def __init__(self, sources: Mapping[str, Source], secrets: HookSecrets, producer: Any,
                 cache: Any, status: HookStatus, max_body_bytes: int = MAX_BODY_BYTES,
                 clock: Callable[[], float] = time.time) -> None:
        self.sources = sources
        self.secrets = secrets
        self.producer = producer
        self.cache = cache
        self.status = status
        self.max_body_bytes = max_body_bytes
        self.clock = clock

    def source(self, name: str) -> Source:
        source = self.sources.get(name) if _SOURCE_NAME.match(name) else None
        if source is None:
            raise NotFound(f"no webhook source named {name[:64]!r}", field="source")
        return source

    def error_style(self, name: str) -> str:
        """How the source reads errors (`supabase`: `{"error": {"http_code", "message"}}`)."""
        source = self.sources.get(name)
        return source.error_style if source is not None else "herald"

    def overview(self) -> list[dict[str, Any]]:
        """Each source for the admin UI: kind, whether a secret is set, its counters."""
        return [{"source": name, "kind": source.kind, "configured": bool(self.secrets.keys(name)),
                 **self.status.read(name)} for name, source in self.sources.items()]

    def receive(self, name: str, headers: Mapping[str, str], body: bytes) -> HookAnswer:
        source = self.source(name)
        if len(body) > self.max_body_bytes:
            raise PayloadTooLarge(f"a webhook body is at most {self.max_body_bytes} bytes",
                                  field="body")
        webhook_id = self._verify(name, headers, body)
        with logs.bind(source=name, webhook_id=webhook_id):
            try:
                answer = self._take(source, webhook_id, body)
            except HeraldError as error:
                reason = error.code + (f" ({error.field})" if error.field else "")
                logs.warning("hook event refused", reason=reason)
                self.status.failure(name, reason)
                raise
            self.status.event(name)
            return answer

    def _verify(self, name: str, headers: Mapping[str, str], body: bytes) -> str:
        """The webhook id of a delivery one of the source's keys signed; 401 otherwise,
        404 when the source has no secret yet. Nothing is recorded for a refusal."""
        try:
            signed = signatures.read_headers(headers, self.clock())
            keys = self.secrets.keys(name)
            if not keys:
                raise NotFound(f"webhook source {name!r} has no signing secret configured",
                               field="source", code="source_not_configured")
            if not signatures.matches(signed, body, keys):
                fresh = self.secrets.reread(name)  # a rotated key works at once
                if not fresh or not signatures.matches(signed, body, fresh):
                    raise Unauthenticated("no signature matches this source's secret",
                                          field="webhook-signature", code="bad_signature")
        except (Unauthenticated, NotFound) as refused:
            logs.warning("hook delivery refused", source=name, reason=refused.code,
                         field=refused.field)
            raise
        return signed.webhook_id

    def _take(self, source: Source, webhook_id: str, body: bytes) -> HookAnswer:
        try:
            event = load_json(body)
        except HeraldError:
            raise Unprocessable("the webhook body is not JSON", field="body",
                                code="unmappable_event") from None
        with redaction.guarding(s for s in source.secrets_of(event) if len(s) >= 3):
            try:
                outgoing = source.sends(event)
            except Unprocessable:
                logs.warning("hook event not mappable", outline=outline(event))
                raise
            if not outgoing:
                logs.info("hook event ignored")
                return HookAnswer({})
            accepted = [self._accept(source.name, webhook_id, mail) for mail in outgoing]
        replayed = all(answer.get("replayed") for answer in accepted)
        if source.kind != "mapped":
            return HookAnswer({} if source.name == "supabase"
                              else {"message_id": accepted[0]["message_id"]})
        return HookAnswer({"message_id": accepted[0]["message_id"]}, queued=not replayed)

    def _accept(self, source: str, webhook_id: str, mail: Outgoing) -> dict[str, Any]:
        variables = dict(mail.variables)
        if mail.offered:
            declared = self.cache.latest(mail.template).variables
            variables.update({name: value for name, value in mail.offered.items()
                              if value is not None and name in declared})
        request = json.dumps({"to": mail.to, "template": mail.template,
                              "variables": variables}, sort_keys=True, separators=(",", ":"))
        key = ":".join(part for part in ("hook", source, webhook_id, mail.part) if part)
        try:
            return self.producer.accept(request.encode(), key)
        except Conflict as conflict:
            if conflict.code != "idempotency_key_reused":
                raise
            # the same delivery mapped differently (the template changed between
            # retries): still a delivery already taken, so nothing is sent again
            logs.info("hook delivery replayed with a different mapping; nothing sent")
            return {"message_id": None, "replayed": True}


def outline(value: Any, depth: int = 0) -> Any:
    """The event's shape with every value replaced by its type: what an operator needs
    to fix a mapping, without the codes, links and addresses it carries."""
    if depth > 6:
        return "..."
    if isinstance(value, Mapping):
        return {str(key)[:64]: outline(child, depth + 1) for key, child in list(value.items())[:50]}
    if isinstance(value, list):
        return [outline(value[0], depth + 1)] if value else []
    return type(value).__name__
