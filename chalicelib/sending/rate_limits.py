"""Per-recipient send limits for auth mail (fixed hourly windows in DynamoDB).

The counter is bumped inside the accept transaction, so a refused request
costs nothing and an accepted one is always counted.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib.platform import dynamo

WINDOW_S = 3600


@dataclass(frozen=True)
class Quota:
    """One hourly counter a send must fit in, and what its 429 names: `what` reads
    "too many <what> this hour", `field` is the request field the refusal points at
    (None: the caller, not the request), `code` the error's code (None: the default)."""
    key: str
    limit: int
    what: str
    field: str | None = "to"
    code: str | None = None


class RateLimiter:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def retry_after_s(self) -> int:
        """Seconds until the current window ends."""
        now = int(self.clock())
        return WINDOW_S - now % WINDOW_S

    def consume_op(self, address_key: str, limit: int) -> dict[str, Any]:
        """TransactWriteItems element: count one send unless the window is full."""
        now = int(self.clock())
        window = now - now % WINDOW_S
        return {"Update": {
            "TableName": self.table,
            "Key": {"counter_key": {"S": f"{address_key}#{window}"}},
            "UpdateExpression": "ADD hits :one SET expires_ttl = :ttl",
            "ConditionExpression": "attribute_not_exists(hits) OR hits < :limit",
            "ExpressionAttributeValues": dynamo.values(
                {":one": 1, ":limit": limit, ":ttl": window + 2 * WINDOW_S}),
        }}
