"""The message log's stream -> the webhooks queue: each status change that is
an event becomes one delivery per enabled endpoint subscribed to it.

Records are taken in order; when one fails, the batch answers its sequence
number in `batchItemFailures` (Lambda retries the stream from there), or,
where the mapping cannot take partial answers, raises so the whole batch
comes back. Deliveries already queued are queued again then: receivers
deduplicate on `webhook-id`, which is the same for the same change.
"""
from __future__ import annotations

from typing import Any, Sequence

from chalicelib.platform import dynamo, logs
from chalicelib.webhooks import events
from chalicelib.webhooks.admin import Enqueue
from chalicelib.webhooks.endpoints import EndpointStore

StreamRecord = dict[str, Any]  # one record of Lambda's DynamoDB stream event


class FanOut:
    def __init__(self, store: EndpointStore, queue: Enqueue, report_partial: bool) -> None:
        self.store = store
        self.queue = queue
        self.report_partial = report_partial

    def handle(self, records: Sequence[StreamRecord]) -> dict[str, list[dict[str, str]]]:
        subscribers: list[tuple[str, frozenset[str]]] | None = None
        for record in records:
            change = record.get("dynamodb") or {}
            try:
                event = events.status_event(dynamo.from_item(change.get("OldImage") or {}),
                                            dynamo.from_item(change.get("NewImage") or {}))
                if event is None:
                    continue
                if subscribers is None:  # read once per batch, only when an event needs it
                    subscribers = self.store.subscribers()
                self._enqueue(event, subscribers)
            except Exception as exc:
                logs.error("webhook fan-out failed; the stream retries from this record",
                           sequence_number=change.get("SequenceNumber"),
                           reason=type(exc).__name__)
                if not self.report_partial:
                    raise
                return {"batchItemFailures": [{"itemIdentifier": change["SequenceNumber"]}]}
        return {"batchItemFailures": []}

    def _enqueue(self, event: dict[str, Any], subscribers: list[tuple[str, frozenset[str]]]
                 ) -> None:
        data = event["data"]
        webhook_id = events.event_id(data["message_id"], data["status"], data["at"] or "")
        for name, subscribed in subscribers:
            if event["type"] in subscribed:
                self.queue.send(events.encode(events.delivery(name, webhook_id, event)))
