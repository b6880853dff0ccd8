"""Works the webhooks queue: one signed POST per delivery and attempt.

2xx is delivered. Anything else (another status, a refused address, a
timeout) is a failed attempt: the delivery comes back with a backoff by
receive count, then goes to the DLQ after the queue's maxReceiveCount.
Each endpoint counts its consecutive failed attempts; at `disable_after` it
is disabled with the reason, and a success resets the count. Deliveries
reaching a disabled or deleted endpoint are dropped (a test event still goes,
so staff can check a repaired receiver before enabling it again).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from chalicelib.errors import BadRequest
from chalicelib.platform import logs
from chalicelib.platform.clock import iso_time
from chalicelib.platform.sqs_batch import BatchResponse, BatchRunner, Retry, SqsRecord
from chalicelib.webhooks import events, signing
from chalicelib.webhooks.endpoints import EndpointStore
from chalicelib.webhooks.events import Delivery
from chalicelib.webhooks.targets import UrlPolicy
from chalicelib.webhooks.transport import Poster

DELIVERED, RETRYING, FAILED = "delivered", "retrying", "failed"


class WebhookSender:
    def __init__(self, store: EndpointStore, policy: UrlPolicy, post: Poster,
                 batches: BatchRunner[Delivery], max_attempts: int, disable_after: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.policy = policy
        self.post = post
        self.batches = batches
        self.max_attempts = max_attempts
        self.disable_after = disable_after
        self.clock = clock

    def handle(self, records: Sequence[SqsRecord]) -> BatchResponse:
        return self.batches.run(records, self.deliver)

    def deliver(self, delivery: Delivery) -> None:
        """One attempt; returns when settled, raises Retry to come back later."""
        item = self.store.get(delivery.endpoint)
        if item is None:
            logs.info("webhook dropped: endpoint deleted", webhook=delivery.endpoint,
                      webhook_id=delivery.id)
            return
        previous = (item.get("deliveries") or {}).get(delivery.id) or {}
        entry = {"id": delivery.id, "type": delivery.type, "message_id": delivery.message_id,
                 "attempts": int(previous.get("attempts", 0)), "at": iso_time(self.clock()),
                 "last_status_code": previous.get("last_status_code")}
        if not item.get("enabled") and delivery.type != events.TEST_EVENT:
            self.store.record(item, {**entry, "status": FAILED}, delivered=False)
            logs.info("webhook dropped: endpoint disabled", webhook=delivery.endpoint,
                      webhook_id=delivery.id)
            return
        entry["attempts"] += 1
        status_code, reason = self._attempt(item, delivery)
        entry["last_status_code"] = status_code
        if status_code is not None and 200 <= status_code < 300:
            self.store.record(item, {**entry, "status": DELIVERED}, delivered=True)
            logs.info("webhook delivered", webhook=delivery.endpoint, webhook_id=delivery.id,
                      status_code=status_code, attempts=entry["attempts"])
            return
        final = entry["attempts"] >= self.max_attempts
        failures = self.store.record(item, {**entry, "status": FAILED if final else RETRYING},
                                     delivered=False)
        if failures is not None and failures >= self.disable_after:
            why = (f"disabled after {failures} consecutive failed attempts (last: {reason}) "
                   f"at {entry['at']}")
            if self.store.disable(delivery.endpoint, why):
                logs.warning("webhook endpoint disabled", webhook=delivery.endpoint,
                             failures=failures)
        raise Retry(f"webhook {delivery.endpoint}: {reason}")

    def _attempt(self, item: dict[str, Any], delivery: Delivery) -> tuple[int | None, str]:
        """(status code or None, what happened) of one POST."""
        try:
            target = self.policy.check(item.get("url"))
        except BadRequest as refused:
            return None, refused.message
        body = delivery.payload.encode()
        headers = signing.headers(item["secret"], delivery.id, int(self.clock()), body)
        try:
            status_code = self.post(target, body, headers)
        except OSError as exc:  # refused, reset, timed out, TLS, an answer that is not HTTP
            return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return status_code, f"HTTP {status_code}"
