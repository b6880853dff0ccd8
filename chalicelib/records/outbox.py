"""The outbox: accepted mail that may not be in the send queue yet.

The API writes the queue message here in the same transaction as the
message-log entry, sends it to SQS, then deletes it; the consumer's claim
deletes it too. Whatever is left (the API died or SQS failed between the
two) the reconciler enqueues, so a 202 never depends on the SQS call having
worked. Items hold the variables in clear, like the SQS message itself, and
live only until the mail is queued (TTL as a backstop).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator

from chalicelib.platform import dynamo


class Outbox:
    def __init__(self, dynamodb: Any, table: str, ttl_s: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.ttl_s = ttl_s
        self.clock = clock

    def put_op(self, message_id: str, body: str) -> dict[str, Any]:
        """TransactWriteItems element holding the queue message until it is queued."""
        now = self.clock()
        item = dynamo.to_item({"message_id": message_id, "body": body,
                               "created_epoch_ms": int(now * 1000),
                               "expires_ttl": int(now) + self.ttl_s})
        return {"Put": {"TableName": self.table, "Item": item,
                        "ConditionExpression": "attribute_not_exists(message_id)"}}

    def delete_op(self, message_id: str) -> dict[str, Any]:
        """TransactWriteItems element: the mail is queued (claimed), forget its copy."""
        return {"Delete": {"TableName": self.table, "Key": self._key(message_id)}}

    def get(self, message_id: str) -> str | None:
        """The queue message still waiting here, if any."""
        response = self.db.get_item(TableName=self.table, Key=self._key(message_id),
                                    ConsistentRead=True)
        item = response.get("Item")
        return item["body"]["S"] if item else None

    def delete(self, message_id: str) -> None:
        self.db.delete_item(TableName=self.table, Key=self._key(message_id))

    def waiting(self, older_than_s: float, limit: int) -> Iterator[tuple[str, str]]:
        """(message id, queue message) of up to `limit` items older than `older_than_s`."""
        cutoff = int((self.clock() - older_than_s) * 1000)
        args: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "FilterExpression": "created_epoch_ms <= :cutoff",
            "ExpressionAttributeValues": {":cutoff": {"N": str(cutoff)}}}
        found = 0
        while found < limit:
            response = self.db.scan(**args)
            for item in response.get("Items", []):
                if found >= limit:
                    return
                found += 1
                yield item["message_id"]["S"], item["body"]["S"]
            if "LastEvaluatedKey" not in response:
                return
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    @staticmethod
    def _key(message_id: str) -> dict[str, Any]:
        return {"message_id": {"S": message_id}}
