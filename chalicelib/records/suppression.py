"""The suppression list: addresses Herald must not mail (bounces, complaints,
manual entries), keyed by the normalised address; an SMS checks its E.164 number."""
from __future__ import annotations

import time
from typing import Any, Callable

from chalicelib.addresses import Address, Phone
from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time


class SuppressionList:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    @staticmethod
    def _key(address: Address | Phone) -> dict[str, Any]:
        return {"email": {"S": address.key}}

    def not_suppressed_op(self, address: Address | Phone) -> dict[str, Any]:
        """TransactWriteItems element that cancels the transaction for a suppressed address."""
        return {"ConditionCheck": {"TableName": self.table, "Key": self._key(address),
                                   "ConditionExpression": "attribute_not_exists(email)"}}

    def add(self, address: Address, reason: str, detail: str = "") -> dict[str, Any]:
        entry = {"email": address.key, "reason": reason, "detail": detail,
                 "added_at": iso_time(self.clock())}
        self.db.put_item(TableName=self.table, Item=dynamo.to_item(entry))
        return entry

    def remove(self, address: Address) -> bool:
        response = self.db.delete_item(TableName=self.table, Key=self._key(address),
                                       ReturnValues="ALL_OLD")
        return "Attributes" in response

    def page(self, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        args: dict[str, Any] = {"TableName": self.table, "Limit": limit}
        if cursor:
            args["ExclusiveStartKey"] = {"email": {"S": cursor}}
        response = self.db.scan(**args)
        entries = [dynamo.from_item(item) for item in response.get("Items", [])]
        next_key = response.get("LastEvaluatedKey")
        return entries, (next_key["email"]["S"] if next_key else None)
