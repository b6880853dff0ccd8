"""The webhook endpoints table: one item per endpoint, holding its URL, events,
secret (never shown after creation), consecutive failures and its recent
deliveries (a map by webhook id, pruned to the newest few on each write)."""
from __future__ import annotations

import time
from typing import Any, Callable

from chalicelib.errors import Conflict
from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time

PUBLIC_FIELDS = ("name", "url", "events", "enabled", "disabled_reason", "failures",
                 "last_delivery_at", "created_at")
DELIVERY_FIELDS = ("id", "type", "message_id", "status", "attempts", "last_status_code", "at")


def public_view(item: dict[str, Any]) -> dict[str, Any]:
    """An endpoint as staff see it: never its secret."""
    return {field: item.get(field) for field in PUBLIC_FIELDS}


def _conditional_failed(exc: Exception) -> bool:
    return dynamo.error_code(exc) == "ConditionalCheckFailedException"


class EndpointStore:
    def __init__(self, dynamodb: Any, table: str, kept: int, ttl_days: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.kept = kept
        self.ttl_s = ttl_days * 86400
        self.clock = clock

    def get(self, name: str) -> dict[str, Any] | None:
        """The whole item (secret and deliveries included), or None."""
        found = self.db.get_item(TableName=self.table, Key=_key(name), ConsistentRead=True)
        return dynamo.from_item(found["Item"]) if "Item" in found else None

    def create(self, name: str, url: str, events: list[str], enabled: bool,
               secret: str) -> dict[str, Any]:
        now = iso_time(self.clock())
        item = {"name": name, "url": url, "events": events, "enabled": enabled,
                "disabled_reason": None if enabled else "disabled by staff", "failures": 0,
                "created_at": now, "updated_at": now, "secret": secret, "deliveries": {}}
        try:
            self.db.put_item(TableName=self.table, Item=dynamo.to_item(item),
                             ConditionExpression="attribute_not_exists(#n)",
                             ExpressionAttributeNames={"#n": "name"})
        except Exception as exc:
            if _conditional_failed(exc):
                raise Conflict(f"webhook {name!r} was created meanwhile; try again",
                               field="name") from exc
            raise
        return item

    def update(self, name: str, url: str, events: list[str], enabled: bool,
               secret: str | None) -> dict[str, Any] | None:
        """Replace an endpoint's settings (and its secret when given); enabling it
        forgets its failures. None when it does not exist."""
        values: dict[str, Any] = {":url": url, ":events": events, ":enabled": enabled,
                                  ":at": iso_time(self.clock())}
        sets = ["#u = :url", "events = :events", "enabled = :enabled", "updated_at = :at"]
        if secret is not None:
            values[":secret"] = secret
            sets.append("secret = :secret")
        if enabled:
            values[":zero"] = 0
            sets.append("failures = :zero")
            expression = "SET " + ", ".join(sets) + " REMOVE disabled_reason"
        else:
            values[":why"] = "disabled by staff"
            sets.append("disabled_reason = :why")
            expression = "SET " + ", ".join(sets)
        try:
            found = self.db.update_item(
                TableName=self.table, Key=_key(name), UpdateExpression=expression,
                ConditionExpression="attribute_exists(#n)",
                ExpressionAttributeNames={"#n": "name", "#u": "url"},
                ExpressionAttributeValues=dynamo.values(values), ReturnValues="ALL_NEW")
        except Exception as exc:
            if _conditional_failed(exc):
                return None
            raise
        return dynamo.from_item(found["Attributes"])

    def delete(self, name: str) -> bool:
        found = self.db.delete_item(TableName=self.table, Key=_key(name), ReturnValues="ALL_OLD")
        return "Attributes" in found

    def list(self) -> list[dict[str, Any]]:
        """Every endpoint's public view, by name (a handful: one scan, no secrets read)."""
        names = {f"#p{i}": field for i, field in enumerate(PUBLIC_FIELDS)}
        return sorted((public_view(item) for item in self._scan(
            ProjectionExpression=", ".join(names), ExpressionAttributeNames=names)),
            key=lambda item: item["name"])

    def subscribers(self) -> list[tuple[str, frozenset[str]]]:
        """(name, events) of every enabled endpoint."""
        return [(item["name"], frozenset(item.get("events") or ()))
                for item in self._scan(ProjectionExpression="#n, events, enabled",
                                       ExpressionAttributeNames={"#n": "name"})
                if item.get("enabled")]

    def _scan(self, **args: Any) -> list[dict[str, Any]]:
        found, start = [], None
        while True:
            page = self.db.scan(TableName=self.table, **args,
                                **({"ExclusiveStartKey": start} if start else {}))
            found += [dynamo.from_item(item) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    def recent(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """An endpoint's deliveries still within their TTL, newest first."""
        oldest = iso_time(self.clock() - self.ttl_s)
        kept = [entry for entry in (item.get("deliveries") or {}).values()
                if entry.get("at", "") >= oldest]
        return [{field: entry.get(field) for field in DELIVERY_FIELDS}
                for entry in sorted(kept, key=lambda e: e.get("at", ""), reverse=True)]

    def record(self, item: dict[str, Any], entry: dict[str, Any], delivered: bool) -> int | None:
        """Write one attempt's outcome on the endpoint `item` (as read before the
        attempt): the delivery entry, and the consecutive failures (reset by a
        success). Returns the failures now, None if the endpoint is gone."""
        names = {"#n": "name", "#d": "deliveries", "#id": entry["id"]}
        values: dict[str, Any] = {":entry": entry}
        if delivered:
            values.update({":zero": 0, ":at": entry["at"]})
            expression = "SET #d.#id = :entry, failures = :zero, last_delivery_at = :at"
        else:
            values[":one"] = 1
            expression = "SET #d.#id = :entry ADD failures :one"
        stale = self._stale(item, entry)
        if stale:
            names.update({f"#s{i}": webhook_id for i, webhook_id in enumerate(stale)})
            expression += " REMOVE " + ", ".join(f"#d.#s{i}" for i in range(len(stale)))
        try:
            found = self.db.update_item(
                TableName=self.table, Key=_key(item["name"]), UpdateExpression=expression,
                ConditionExpression="attribute_exists(#n)", ExpressionAttributeNames=names,
                ExpressionAttributeValues=dynamo.values(values), ReturnValues="UPDATED_NEW")
        except Exception as exc:
            if _conditional_failed(exc):
                return None
            raise
        return int(dynamo.from_item(found.get("Attributes", {})).get("failures", 0))

    def _stale(self, item: dict[str, Any], entry: dict[str, Any]) -> list[str]:
        """Deliveries to drop: past their TTL, or beyond the newest `kept`."""
        others = [e for key, e in (item.get("deliveries") or {}).items() if key != entry["id"]]
        others.sort(key=lambda e: e.get("at", ""), reverse=True)
        oldest = iso_time(self.clock() - self.ttl_s)
        return sorted(e["id"] for index, e in enumerate(others)
                      if index >= self.kept - 1 or e.get("at", "") < oldest)

    def disable(self, name: str, reason: str) -> bool:
        """Disable an enabled endpoint; False when it was not enabled (or is gone)."""
        try:
            self.db.update_item(
                TableName=self.table, Key=_key(name),
                UpdateExpression="SET enabled = :off, disabled_reason = :why",
                ConditionExpression="enabled = :on",
                ExpressionAttributeValues=dynamo.values({":off": False, ":on": True,
                                                         ":why": reason}))
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True


def _key(name: str) -> dict[str, Any]:
    return {"name": {"S": name}}
