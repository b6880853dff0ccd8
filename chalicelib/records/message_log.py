"""The message log: one DynamoDB item per accepted mail, its status and events.

The item is also the send lock: the consumer claims it with a conditional
update naming itself the owner, so a mail SQS delivers twice is sent once;
every later status write is conditional on the status it leaves
(chalicelib/records/states.py) and, for the holder's writes, on the owner. Items expire after the
configured days (TTL attribute `expires_ttl`). Variables are stored redacted.
Every `move` also sets or removes `attention` (see `_update`); the new entry and
the claim write `queued` and `sending`, which never carry it and only follow
statuses that never do.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable

from chalicelib.errors import NotFound
from chalicelib.platform import dynamo
from chalicelib.platform.clock import epoch_s, iso_time
from chalicelib.records import states
from chalicelib.records.states import QUEUED, SENDING

_EVENTS = "events = list_append(if_not_exists(events, :empty), :event)"


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
        created_at = iso_time(now)
        # the keys of the search indexes (chalicelib/records/tables.py INDEX_SORT_KEYS):
        # the recipient as suppression keys it (Address.key), and the UTC day it came in
        item = {**entry, "recipient_key": entry["to"].lower(), "accept_day": created_at[:10],
                "status": QUEUED, "created_at": created_at, "updated_at": created_at,
                "enqueued_epoch_ms": int(now * 1000),
                "expires_ttl": int(now) + self.ttl_days * 86400,
                "events": [{"status": QUEUED, "at": iso_time(now)}]}
        return {"Put": {"TableName": self.table, "Item": dynamo.to_item(item),
                        "ConditionExpression": "attribute_not_exists(message_id)"}}

    def get(self, message_id: str) -> dict[str, Any] | None:
        response = self.db.get_item(TableName=self.table, Key=self._key(message_id),
                                    ConsistentRead=True)
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def look_up(self, message_id: str) -> dict[str, Any]:
        """What GET /emails/{id} (services) answers."""
        return public_view(self.entry(message_id))

    def entry(self, message_id: str) -> dict[str, Any]:
        """The whole item; 404 naming `message_id` when there is none."""
        entry = self.get(message_id)
        if entry is None:
            raise NotFound(f"message {message_id!r} not found", field="message_id")
        return entry

    def claim_op(self, message_id: str, owner: str, lease_until: float, reclaim_at: float,
                 reclaim: bool = False) -> dict[str, Any]:
        """TransactWriteItems element taking the mail for sending under `owner`.

        A claim takes a `queued` mail. A reclaim takes a `sending` one whose
        holder's lease and the grace for its SES Send event have both run out
        (it died, maybe after SES accepted the mail), and says so in an event.
        """
        now = self.clock()
        sets = ["#s = :sending", "#owner = :owner", "lease_until = :lease",
                "reclaim_at = :reclaim", "updated_at = :at"]
        values: dict[str, Any] = {":sending": SENDING, ":owner": owner, ":one": 1,
                                  ":lease": int(lease_until) + 1, ":reclaim": int(reclaim_at) + 1,
                                  ":at": iso_time(now)}
        if reclaim:
            condition = "#s = :sending AND reclaim_at <= :now"
            values.update({":now": int(now), ":empty": [], ":event": [{
                "status": SENDING, "at": iso_time(now),
                "detail": "the previous attempt ended without a record and SES reported no "
                          "send; trying again"}]})
            sets.append(_EVENTS)
        else:
            condition = "#s = :queued"
            values[":queued"] = QUEUED
        return {"Update": {
            "TableName": self.table, "Key": self._key(message_id),
            "UpdateExpression": "SET " + ", ".join(sets) + " ADD attempts :one",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#s": "status", "#owner": "owner"},
            "ExpressionAttributeValues": dynamo.values(values)}}

    def move(self, message_id: str, target: str, *, only: tuple[str, ...] | None = None,
             owner: str | None = None, claimable: bool = False, detail: str | None = None,
             fields: dict[str, Any] | None = None) -> bool:
        """Set `target` (appending an event) if the mail is in a status it may follow.

        `only` narrows the allowed sources; `owner` requires the claim's owner
        (and ends the claim unless the mail stays `sending`); `claimable`
        requires that no live claim holds the mail. False when the condition
        did not hold; a retried write that had already taken effect is ours,
        so it counts as done.
        """
        write_id = uuid.uuid4().hex
        args = self._update(message_id, target, states.sources(target, only), owner, claimable,
                            detail, {**(fields or {}), "write_id": write_id})
        try:
            self.db.update_item(**args, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except Exception as exc:
            if dynamo.error_code(exc) != "ConditionalCheckFailedException":
                raise
            item = (getattr(exc, "response", None) or {}).get("Item") or {}
            return item.get("write_id") == {"S": write_id}  # the item as the refusal found it
        return True

    def note(self, message_id: str, status: str, detail: str, *, event: str | None = None,
             extra: dict[str, Any] | None = None) -> bool:
        """Append an event without changing the status (only while it is `status`);
        `event` names what happened when it is not a status (`link_viewed`)."""
        now = self.clock()
        appended = {"status": status, "at": iso_time(now), "detail": detail, **(extra or {})}
        if event:
            appended["event"] = event
        try:
            self.db.update_item(
                TableName=self.table, Key=self._key(message_id),
                UpdateExpression=f"SET updated_at = :at, {_EVENTS}",
                ConditionExpression="#s = :status", ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=dynamo.values({
                    ":at": iso_time(now), ":status": status, ":empty": [],
                    ":event": [appended]}))
        except Exception as exc:
            if dynamo.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _update(self, message_id: str, target: str, allowed: tuple[str, ...],
                owner: str | None, claimable: bool, detail: str | None,
                fields: dict[str, Any]) -> dict[str, Any]:
        """UpdateItem arguments: status, updated_at, one more event, extra fields.

        `attention` (the sparse index by_attention) is written in the same update:
        the status while it is one a person looks for, removed otherwise, so the
        index never disagrees with `status`. Ordinary mail never has it: removing
        an absent attribute writes no index entry.
        """
        now = self.clock()
        event = {"status": target, "at": iso_time(now)}
        if detail:
            event["detail"] = detail
        names = {"#s": "status"}
        vals: dict[str, Any] = {":status": target, ":at": iso_time(now), ":event": [event],
                                ":empty": []}
        sets = ["#s = :status", "updated_at = :at", _EVENTS]
        removes = []
        if target in states.ATTENTION:
            sets.append("attention = :status")
        else:
            removes.append("attention")
        for index, (name, value) in enumerate(sorted(fields.items())):
            names[f"#f{index}"] = name
            vals[f":f{index}"] = value
            sets.append(f"#f{index} = :f{index}")
        placeholders = []
        for index, allowed_status in enumerate(allowed):
            vals[f":from{index}"] = allowed_status
            placeholders.append(f":from{index}")
        conditions = [f"#s IN ({', '.join(placeholders)})"]
        if owner is not None:
            names["#owner"] = "owner"
            vals[":owner"] = owner
            conditions.append("#owner = :owner")
            if target != SENDING:
                removes.append("#owner")
        if claimable:
            vals.update({":queued": QUEUED, ":now": int(now)})
            conditions.append("(#s = :queued OR reclaim_at <= :now)")
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        return {"TableName": self.table, "Key": self._key(message_id),
                "UpdateExpression": expression, "ConditionExpression": " AND ".join(conditions),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": dynamo.values(vals)}

    @staticmethod
    def _key(message_id: str) -> dict[str, Any]:
        return {"message_id": {"S": message_id}}


def public_view(entry: dict[str, Any]) -> dict[str, Any]:
    """A message's status and history, variables already redacted."""
    import json

    view = {key: entry.get(key) for key in (
        "message_id", "status", "to", "template", "template_version", "locale", "category",
        "created_at", "updated_at", "ses_message_id", "events")}
    view["variables"] = json.loads(entry.get("variables") or "{}")
    for key in ("channel", "sns_message_id"):  # an SMS's; a mail's view stays as it was
        if entry.get(key):
            view[key] = entry[key]
    if entry.get("expires_at"):
        view["expires_at"] = iso_time(entry["expires_at"], millis=False)
    view["timings"] = _timings(entry)
    view["late"] = bool(entry.get("late"))
    return view


def _timings(entry: dict[str, Any]) -> dict[str, Any]:
    """Accepted, sent (Herald's clock) and delivered (SES's) times, and the time to inbox."""
    sent_ms = entry.get("sent_epoch_ms")
    timings: dict[str, Any] = {
        "accepted_at": entry.get("created_at"),
        "sent_at": iso_time(sent_ms / 1000) if isinstance(sent_ms, (int, float)) else None,
        "delivered_at": entry.get("delivered_at"), "time_to_inbox_ms": None}
    accepted_s, delivered_s = epoch_s(entry.get("created_at")), epoch_s(entry.get("delivered_at"))
    if accepted_s is not None and delivered_s is not None:
        timings["time_to_inbox_ms"] = max(0, int((delivered_s - accepted_s) * 1000))
    return timings
