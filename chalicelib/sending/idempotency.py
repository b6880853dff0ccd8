"""Idempotency keys for POST /emails (24 h by default, DynamoDB TTL).

The key's record is written in the same transaction as the message-log item,
so "accepted" and "key remembered" can never disagree.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib.platform import dynamo


@dataclass(frozen=True)
class KeyRecord:
    request_hash: str
    message_id: str
    template_version: str


def request_hash(request: dict[str, Any], secret_names: list[str]) -> str:
    """The fingerprint a replay is compared with, kept for the key's 24 h: the parsed
    request (so spacing and key order do not matter) without the values of the
    template's secret variables. A login code has few possible values: a digest
    over it would give the code back to anyone reading the table, so two requests
    differing only in a secret count as the same request (the first one's answer)."""
    variables = request.get("variables")
    if isinstance(variables, dict):
        request = {**request, "variables": {
            name: (None if name in secret_names else value) for name, value in variables.items()}}
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, dynamodb: Any, table: str, ttl_s: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.ttl_s = ttl_s
        self.clock = clock

    @staticmethod
    def _pk(key: str) -> dict[str, Any]:
        return {"idempotency_key": {"S": hashlib.sha256(key.encode()).hexdigest()}}

    def remember_op(self, key: str, record: KeyRecord) -> dict[str, Any]:
        """TransactWriteItems element: claim the key unless a live record holds it."""
        now = int(self.clock())
        item = {**self._pk(key), **dynamo.to_item({
            "request_hash": record.request_hash, "message_id": record.message_id,
            "template_version": record.template_version, "expires_ttl": now + self.ttl_s})}
        return {"Put": {"TableName": self.table, "Item": item,
                        "ConditionExpression": "attribute_not_exists(idempotency_key) "
                                               "OR expires_ttl < :now",
                        "ExpressionAttributeValues": dynamo.values({":now": now})}}

    def get(self, key: str) -> KeyRecord | None:
        response = self.db.get_item(TableName=self.table, Key=self._pk(key), ConsistentRead=True)
        item = dynamo.from_item(response.get("Item", {}))
        if not item or item.get("expires_ttl", 0) < int(self.clock()):
            return None
        return KeyRecord(item["request_hash"], item["message_id"], item["template_version"])
