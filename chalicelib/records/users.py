"""User profiles: where a notification goes (email, phone) and in which locale.

They live in the users table (key `user_id`), which may be the product's own
table with attributes of its own and whose stream sends the welcome mail
(chalicelib/intake/stream.py): a write updates only the profile's fields,
never replaces the item, and a profile reads back only those fields.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time

PROFILE_FIELDS = ("email", "phone", "locale")
_READ = ("user_id", *PROFILE_FIELDS, "updated_at", "updated_by")


class UserStore:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def get(self, user_id: str) -> dict[str, Any] | None:
        """The profile of `user_id`; None when the table has no such user."""
        item = self.db.get_item(TableName=self.table, Key=_key(user_id),
                                ConsistentRead=True).get("Item")
        return _profile(item) if item else None

    def put(self, user_id: str, fields: Mapping[str, Any], author: str) -> dict[str, Any]:
        """Set the profile fields given (a None value removes the field), leave the item's
        other attributes alone; returns the profile as stored."""
        stamp = {"updated_at": iso_time(self.clock()), "updated_by": author}
        settable = {**{k: v for k, v in fields.items() if v is not None}, **stamp}
        removed = [k for k, v in fields.items() if v is None]
        names = {f"#{k}": k for k in [*settable, *removed]}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in settable)
        if removed:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in removed)
        response = self.db.update_item(
            TableName=self.table, Key=_key(user_id), UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=dynamo.values({f":{k}": v for k, v in settable.items()}),
            ReturnValues="ALL_NEW")
        return _profile(response["Attributes"])


def _key(user_id: str) -> dict[str, Any]:
    return {"user_id": {"S": user_id}}


def _profile(item: Mapping[str, Any]) -> dict[str, Any]:
    values = dynamo.from_item(item)
    return {name: values.get(name) for name in _READ}
