"""The message log: one DynamoDB item per accepted mail, its status and events.

The item is also the send lock: the consumer claims it with a conditional
update, so a mail SQS delivers twice is sent once. Items expire after the
configured days (TTL attribute `expires_ttl`). Variables are stored redacted.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from chalicelib import dynamo
from chalicelib.errors import NotFound

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
SUPPRESSED, EXPIRED = "suppressed", "expired"
DELIVERED, BOUNCED, COMPLAINED = "delivered", "bounced", "complained"
_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
FINAL_STATUSES = {SENT, FAILED, SUPPRESSED, EXPIRED, DELIVERED, BOUNCED, COMPLAINED}


def iso_now(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


class MessageLog:
    def __init__(self, dynamodb: Any, table: str, ttl_days: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.ttl_days = ttl_days
        self.clock = clock

    def new_entry_op(self, entry: dict[str, Any]) -> dict[str, Any]:
        """TransactWriteItems element creating the `queued` item (never overwrites)."""
        now = self.clock()
        item = {**entry, "status": QUEUED, "created_at": iso_now(now), "updated_at": iso_now(now),
                "enqueued_epoch_ms": int(now * 1000),
                "expires_ttl": int(now) + self.ttl_days * 86400,
                "events": [{"status": QUEUED, "at": iso_now(now)}]}
        return {"Put": {"TableName": self.table, "Item": dynamo.to_item(item),
                        "ConditionExpression": "attribute_not_exists(message_id)"}}

    def get(self, message_id: str) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.table, Key=self._key(message_id),
                                    ConsistentRead=True)
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def claim_op(self, message_id: str, lease_s: int) -> dict[str, Any]:
        """TransactWriteItems element: queued (or an expired lease) -> sending."""
        now = self.clock()
        return {"Update": {
            "TableName": self.table, "Key": self._key(message_id),
            "UpdateExpression": "SET #s = :sending, lease_until = :lease, updated_at = :at "
                                "ADD attempts :one",
            "ConditionExpression": "#s = :queued OR (#s = :sending AND lease_until < :now)",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": dynamo.values({
                ":sending": SENDING, ":queued": QUEUED, ":lease": int(now) + lease_s,
                ":now": int(now), ":one": 1, ":at": iso_now(now)}),
        }}

    def record(self, message_id: str, status: str, only_if: tuple[str, ...] = (),
               detail: str | None = None, **fields: Any) -> bool:
        """Set the status, append an event, set extra fields; False if `only_if` did not hold."""
        try:
            self.db.update_item(**self._update(message_id, status, only_if, detail, fields))
        except Exception as exc:
            if dynamo.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record_all(self, updates: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Record several (message_id, status, fields) at once: one call per 100 items,
        one call per item if the transaction is refused."""
        for start in range(0, len(updates), _TRANSACTION_ITEMS):
            chunk = updates[start:start + _TRANSACTION_ITEMS]
            ops = [{"Update": self._update(message_id, status, (), None, fields)}
                   for message_id, status, fields in chunk]
            try:
                self.db.transact_write_items(TransactItems=ops)
            except Exception:  # noqa: BLE001 - fall back to one write per item
                for message_id, status, fields in chunk:
                    self.record(message_id, status, **fields)

    def _update(self, message_id: str, status: str, only_if: tuple[str, ...],
                detail: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        """UpdateItem arguments: status, updated_at, one more event, extra fields."""
        now = self.clock()
        event = {"status": status, "at": iso_now(now)}
        if detail:
            event["detail"] = detail
        names = {"#s": "status"}
        vals: dict[str, Any] = {":status": status, ":at": iso_now(now), ":event": [event],
                                ":empty": []}
        sets = ["#s = :status", "updated_at = :at",
                "events = list_append(if_not_exists(events, :empty), :event)"]
        for index, (name, value) in enumerate(sorted(fields.items())):
            names[f"#f{index}"] = name
            vals[f":f{index}"] = value
            sets.append(f"#f{index} = :f{index}")
        args: dict[str, Any] = {"TableName": self.table, "Key": self._key(message_id),
                                "UpdateExpression": "SET " + ", ".join(sets),
                                "ExpressionAttributeNames": names}
        if only_if:
            placeholders = []
            for index, allowed in enumerate(only_if):
                vals[f":only{index}"] = allowed
                placeholders.append(f":only{index}")
            args["ConditionExpression"] = f"#s IN ({', '.join(placeholders)})"
        args["ExpressionAttributeValues"] = dynamo.values(vals)
        return args

    @staticmethod
    def _key(message_id: str) -> dict[str, Any]:
        return {"message_id": {"S": message_id}}


def look_up(log: MessageLog, message_id: str) -> dict[str, Any]:
    """What GET /emails/{id} (services) and GET /messages/{id} (staff) answer."""
    entry = log.get(message_id)
    if entry is None:
        raise NotFound(f"message {message_id!r} not found", field="message_id")
    return public_view(entry)


def public_view(entry: dict[str, Any]) -> dict[str, Any]:
    """A message's status and history, variables already redacted."""
    import json

    view = {key: entry.get(key) for key in (
        "message_id", "status", "to", "template", "template_version", "locale", "category",
        "created_at", "updated_at", "ses_message_id", "events")}
    view["variables"] = json.loads(entry.get("variables") or "{}")
    if entry.get("expires_at"):
        view["expires_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(entry["expires_at"]))
    return view
