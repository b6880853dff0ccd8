"""POST /emails: validate everything a caller can get wrong, then enqueue.

A request is answered 202 only after the template rendered with its
variables and one DynamoDB transaction recorded it (log entry, idempotency
key, suppression check, rate counter); the SQS message is small and pinned
to the template versions that were checked.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import dynamo, logs, metrics, redaction
from chalicelib.errors import Conflict, ServiceUnavailable, TooManyRequests, Unprocessable
from chalicelib.idempotency import IdempotencyStore, KeyRecord, request_hash
from chalicelib.message_log import FAILED, MessageLog
from chalicelib.queues import SendQueue
from chalicelib.rate_limits import RateLimiter
from chalicelib.send_request import SendRequest, idempotency_key, parse_send_request
from chalicelib.settings import Settings
from chalicelib.suppression import SuppressionList
from chalicelib.template_cache import TemplateCache

MESSAGE_FORMAT = 1


class Producer:
    def __init__(self, settings: Settings, cache: TemplateCache, log: MessageLog,
                 idempotency: IdempotencyStore, limiter: RateLimiter,
                 suppressions: SuppressionList, queue: SendQueue, dynamodb: Any,
                 clock: Callable[[], float] = time.time,
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self.settings = settings
        self.cache = cache
        self.log = log
        self.idempotency = idempotency
        self.limiter = limiter
        self.suppressions = suppressions
        self.queue = queue
        self.db = dynamodb
        self.clock = clock
        self.new_id = new_id

    def accept(self, raw_body: bytes, raw_key: str | None) -> dict[str, Any]:
        key = idempotency_key(raw_key)
        request = parse_send_request(raw_body, self.settings.max_request_bytes, self.clock())
        compiled = self.cache.latest(request.template)
        with redaction.guarding(redaction.secret_values(request.variables,
                                                        compiled.secret_names)):
            if compiled.doc.category == "layout":
                raise Unprocessable("a layout cannot be sent; send a template that extends it",
                                    field="template", code="not_sendable")
            rendered = compiled.render(request.variables, request.locale, deliverable=False)
            message_id = self.new_id()
            message = {
                "v": MESSAGE_FORMAT, "message_id": message_id, "to": request.to.email,
                "template": request.template, "version": compiled.version,
                "pins": compiled.pins, "locale": rendered.locale,
                "variables": request.variables, "secret": compiled.secret_names,
                "expires_at": request.expires_at, "enqueued_at": int(self.clock() * 1000),
            }
            replay = self._record(request, compiled, message, key, request_hash(raw_body))
            if replay is not None:
                return replay
            self._enqueue(message, key)
            logs.info("email accepted", message_id=message_id, template=request.template,
                      template_version=compiled.version)
            return {"message_id": message_id, "status": "queued",
                    "template_version": compiled.version}

    def _record(self, request: SendRequest, compiled: Any, message: dict[str, Any],
                key: str | None, body_hash: str) -> dict[str, Any] | None:
        """One transaction; returns the earlier answer when `key` replays a request."""
        ops = []
        if key:
            ops.append(self.idempotency.remember_op(
                key, KeyRecord(body_hash, message["message_id"], compiled.version)))
        ops.append(self.suppressions.not_suppressed_op(request.to))
        limited = compiled.doc.category == "auth"
        if limited:
            limit = compiled.doc.rate_limit_per_hour or self.settings.auth_rate_limit_per_hour
            ops.append(self.limiter.consume_op(request.to.key, limit))
        entry = {
            "message_id": message["message_id"], "to": request.to.email,
            "template": request.template, "template_version": compiled.version,
            "pins": compiled.pins, "locale": message["locale"],
            "category": compiled.doc.category,
            "variables": json.dumps(redaction.redact_variables(request.variables,
                                                               compiled.secret_names)),
            "secret": compiled.secret_names or None,
            "expires_at": request.expires_at and int(request.expires_at),
        }
        ops.append(self.log.new_entry_op(entry))
        try:
            self.db.transact_write_items(TransactItems=ops)
        except Exception as exc:
            codes = dynamo.cancellation_codes(exc)
            if not codes:
                raise
            failed = [op for op, code in zip(ops, codes, strict=False)
                      if code == "ConditionalCheckFailed"]
            if key and failed and failed[0] is ops[0]:
                return self._replay(key, body_hash, message)
            if any("ConditionCheck" in op for op in failed):
                metrics.count("Suppressed", template=request.template)  # refused: no message
                raise Unprocessable("the recipient is on the suppression list", field="to",
                                    code="suppressed") from None
            if limited and any("Update" in op for op in failed):
                retry_after = self.limiter.retry_after_s()
                raise TooManyRequests(
                    f"too many {request.template} mails to this address this hour; "
                    f"retry after {retry_after} s", field="to",
                    headers={"Retry-After": str(retry_after)}) from None
            raise
        return None

    def _replay(self, key: str, body_hash: str, message: dict[str, Any]) -> dict[str, Any]:
        record = self.idempotency.get(key)
        if record is None:
            raise Conflict("a request with this Idempotency-Key is in progress; retry",
                           field="Idempotency-Key", code="idempotency_in_progress")
        if record.request_hash != body_hash:
            raise Conflict("Idempotency-Key was already used with a different body",
                           field="Idempotency-Key", code="idempotency_key_reused")
        entry = self.log.get(record.message_id) or {}
        status = entry.get("status", "queued")
        waited_s = self.clock() - entry.get("enqueued_epoch_ms", 0) / 1000
        if status == "queued" and waited_s > self.settings.idempotency_requeue_after_s:
            # Still unsent long after it was accepted: the first attempt may have died
            # between its transaction and its SQS send. Enqueue it again; the consumer's
            # claim makes a second copy harmless. A prompt retry enqueues nothing.
            self.queue.send({**message, "message_id": record.message_id,
                             "version": entry.get("template_version", message["version"]),
                             "pins": entry.get("pins", message["pins"])})
        return {"message_id": record.message_id, "status": status,
                "template_version": record.template_version, "replayed": True}

    def _enqueue(self, message: dict[str, Any], key: str | None) -> None:
        try:
            self.queue.send(message)
        except (ClientError, BotoCoreError):
            logs.error("enqueue failed", exc_info=True, message_id=message["message_id"])
            self.log.record(message["message_id"], FAILED, detail="could not enqueue")
            metrics.count("Failed", message_id=message["message_id"])
            if key:
                self.idempotency.forget(key)
            raise ServiceUnavailable("the send queue is unavailable; retry the request",
                                     code="queue_unavailable") from None
