"""The links table: one item per gateway link, keyed by its token's SHA-256.

An item holds the mail's id, the variable, the target URL (DynamoDB encrypts it
at rest; it is never logged nor copied into the message log), `expires_at`,
whether it is single-use, and its state (`live`, then `followed`). Items stay a
week past `expires_at` (the TTL attribute), so a late click gets "expired", not
"unknown". Every write is conditional: a retried put keeps the first link, and
a single-use link is followed by one POST only, whatever runs at once.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib.links.outcomes import EXPIRED, UNKNOWN, USED
from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time
from chalicelib.records.tables import TTL_ATTRIBUTE

LIVE, FOLLOWED = "live", "followed"
KEPT_AFTER_EXPIRY_S = 7 * 86400


@dataclass(frozen=True)
class Link:
    digest: str
    message_id: str
    variable: str
    target: str = ""
    expires_at: int = 0
    single_use: bool = False
    state: str = LIVE


class LinkStore:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def put(self, link: Link) -> None:
        """Record `link` unless it exists (a retry of the same mail keeps the first)."""
        item = {"token_digest": link.digest, "message_id": link.message_id,
                "variable": link.variable, "target": link.target,
                "expires_at": link.expires_at, "single_use": link.single_use,
                "state": LIVE, "created_at": iso_time(self.clock()),
                TTL_ATTRIBUTE: link.expires_at + KEPT_AFTER_EXPIRY_S}
        try:
            self.db.put_item(TableName=self.table, Item=dynamo.to_item(item),
                             ConditionExpression="attribute_not_exists(token_digest)")
        except Exception as exc:
            if dynamo.error_code(exc) != "ConditionalCheckFailedException":
                raise

    def get(self, digest: str) -> Link | None:
        response = self.db.get_item(TableName=self.table, Key=self._key(digest),
                                    ConsistentRead=True)
        return _link(dynamo.from_item(response["Item"])) if "Item" in response else None

    def follow(self, digest: str) -> Link | str:
        """Mark the link followed if it may be: the link, or UNKNOWN, EXPIRED or USED."""
        now = int(self.clock())
        try:
            response = self.db.update_item(
                TableName=self.table, Key=self._key(digest),
                UpdateExpression="SET #state = :followed, followed_at = :at ADD follows :one",
                ConditionExpression=("attribute_exists(token_digest) AND expires_at > :now "
                                     "AND (single_use = :false OR #state = :live)"),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=dynamo.values({
                    ":followed": FOLLOWED, ":at": iso_time(now), ":one": 1, ":now": now,
                    ":false": False, ":live": LIVE}),
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except Exception as exc:
            if dynamo.error_code(exc) != "ConditionalCheckFailedException":
                raise
            found = (getattr(exc, "response", None) or {}).get("Item")
            if not found:
                return UNKNOWN
            return EXPIRED if _link(dynamo.from_item(found)).expires_at <= now else USED
        return _link(dynamo.from_item(response["Attributes"]))

    @staticmethod
    def _key(digest: str) -> dict[str, Any]:
        return {"token_digest": {"S": digest}}


def _link(item: dict[str, Any]) -> Link:
    return Link(digest=item["token_digest"], message_id=item["message_id"],
                variable=item.get("variable", ""), target=item.get("target", ""),
                expires_at=int(item.get("expires_at", 0)),
                single_use=bool(item.get("single_use")), state=item.get("state", LIVE))
