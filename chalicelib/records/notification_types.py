"""Notification types: what a `POST /notifications` names. Each has a category
(`auth` is never blocked by preferences), the template per channel and the
channel states a user has until they choose (`defaults`). Checked by
chalicelib/notifications/profiles.py before they are stored here."""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time

_FIELDS = ("name", "category", "channels", "defaults", "updated_at", "updated_by")


class NotificationTypes:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def get(self, name: str) -> dict[str, Any] | None:
        item = self.db.get_item(TableName=self.table, Key={"name": {"S": name}},
                                ConsistentRead=True).get("Item")
        return _shown(item) if item else None

    def put(self, name: str, body: Mapping[str, Any], author: str) -> dict[str, Any]:
        """Store (create or replace) the type `name`; returns it as stored."""
        stored = {"name": name, "category": body["category"], "channels": body["channels"],
                  "defaults": body["defaults"], "updated_at": iso_time(self.clock()),
                  "updated_by": author}
        self.db.put_item(TableName=self.table, Item=dynamo.to_item(stored))
        return stored

    def list(self) -> list[dict[str, Any]]:
        """Every type, by name (a handful: one scan)."""
        args: dict[str, Any] = {"TableName": self.table}
        found = []
        while True:
            response = self.db.scan(**args)
            found += [_shown(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return sorted(found, key=lambda kind: kind["name"])
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _shown(item: Mapping[str, Any]) -> dict[str, Any]:
    values = dynamo.from_item(item)
    return {name: values.get(name) for name in _FIELDS}
