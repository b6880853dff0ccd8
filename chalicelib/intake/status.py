"""Per-source intake counters for the admin UI: events taken, failures, the last of each.

Rows of the rate-limit table under `hook-status#<source>` (no TTL), bumped
with one unconditional UpdateItem (ADD): cheap, and never able to fail an
intake (a failed write is logged and forgotten).
"""
from __future__ import annotations

import time
from typing import Any, Callable

from chalicelib.platform import dynamo, logs
from chalicelib.platform.clock import iso_time

KEY_PREFIX = "hook-status#"
MAX_REASON_CHARS = 200


class HookStatus:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def _key(self, source: str) -> dict[str, Any]:
        return {"counter_key": {"S": KEY_PREFIX + source}}

    def event(self, source: str) -> None:
        self._bump(source, "ADD events :one SET last_event_at = :now", {})

    def failure(self, source: str, reason: str) -> None:
        self._bump(source, "ADD failures :one SET last_failure_at = :now, "
                           "last_failure_reason = :reason", {":reason": reason[:MAX_REASON_CHARS]})

    def _bump(self, source: str, expression: str, extra: dict[str, Any]) -> None:
        try:
            self.db.update_item(TableName=self.table, Key=self._key(source),
                                UpdateExpression=expression,
                                ExpressionAttributeValues=dynamo.values(
                                    {":one": 1, ":now": iso_time(self.clock()), **extra}))
        except Exception as exc:  # noqa: BLE001 - a counter never fails the intake it counts
            logs.warning("hook status not recorded", source=source,
                         error=dynamo.error_code(exc) or type(exc).__name__)

    def read(self, source: str) -> dict[str, Any]:
        """`{"last_event_at", "events", "failures", "last_failure"}` of one source."""
        item = dynamo.from_item(self.db.get_item(TableName=self.table, Key=self._key(source),
                                                 ConsistentRead=False).get("Item", {}))
        failure = ({"at": item["last_failure_at"], "reason": item.get("last_failure_reason", "")}
                   if item.get("last_failure_at") else None)
        return {"last_event_at": item.get("last_event_at"), "events": item.get("events", 0),
                "failures": item.get("failures", 0), "last_failure": failure}
