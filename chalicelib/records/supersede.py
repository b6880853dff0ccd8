"""Which mail is the latest of a recipient's supersede group (same `supersede_key`).

One item per recipient and key, in the rate-limit table (it already expires
items), points at the newest mail; swapping the pointer returns the mail it
pointed at, in one UpdateItem, so two concurrent sends each learn a different
predecessor and no mail is superseded twice or missed.
"""
from __future__ import annotations

import hashlib
import time
from typing import Any, Callable

from chalicelib.platform import dynamo

POINTER_TTL_S = 7 * 24 * 3600  # longer than any queued mail lives


class SupersedeIndex:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def swap(self, recipient_key: str, supersede_key: str, message_id: str) -> str | None:
        """Make `message_id` the group's latest; the mail that was latest before, if any."""
        group = hashlib.sha256(f"{recipient_key}\0{supersede_key}".encode()).hexdigest()
        response = self.db.update_item(
            TableName=self.table, Key={"counter_key": {"S": f"supersede#{group}"}},
            UpdateExpression="SET message_id = :id, expires_ttl = :ttl",
            ExpressionAttributeValues=dynamo.values(
                {":id": message_id, ":ttl": int(self.clock()) + POINTER_TTL_S}),
            ReturnValues="UPDATED_OLD")
        previous = dynamo.from_item(response.get("Attributes", {})).get("message_id")
        return previous if previous != message_id else None
