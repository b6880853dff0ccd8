"""Finding mail in the message log without a Scan: by recipient, by status, or all of it.

Each list reads one KEYS_ONLY index (chalicelib/records/tables.py INDEX_SORT_KEYS),
newest first, then the page's items from the table with BatchGetItem, so a
list shows each mail's status as it is now and an index carries no variable.

The everyone's-mail list walks the accept-day partitions backwards from today
(one Query per day it reaches, at most the log's TTL in days); its cursor names
the day and the key inside it. A status needing attention (failed, bounced...)
is one partition of the sparse by_attention index, so rare mail is found without
reading the sent mail around it. The ordinary statuses (queued, sending, sent,
delivered) have no index (moving every mail between status partitions cost more
than the rest of its writes): their list is the accept-day walk keeping the rows
now in that status. Those statuses hold most mail, so the walk fills a page
quickly; it reads at most `WALK_READS` index entries per page, and a page it
leaves short (even empty) still has a cursor to go on from there.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from chalicelib.errors import BadRequest
from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time
from chalicelib.records.tables import index_name

# What a result row shows; never the variables (they stay on the lookup, redacted).
_SUMMARY = ("message_id", "status", "to", "template", "template_version", "created_at",
            "channel", "category")
_BATCH_GET_ROUNDS = 5  # UnprocessedKeys retried this often before the page is short
_BATCH_GET_KEYS = 100  # BatchGetItem's limit per call
WALK_READS = 500  # index entries a status-filtered walk reads per page at most
Page = tuple[list[dict[str, Any]], dict[str, Any] | None]


class MessageSearch:
    def __init__(self, dynamodb: Any, table: str, ttl_days: int,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 walk_reads: int = WALK_READS) -> None:
        self.db = dynamodb
        self.table = table
        self.ttl_days = ttl_days
        self.clock = clock
        self.sleep = sleep
        self.walk_reads = walk_reads

    def by_recipient(self, recipient_key: str, limit: int, start: Any) -> Page:
        """Mail to one recipient (its Address.key), newest first."""
        return self._partition("recipient_key", recipient_key, limit, start)

    def needing_attention(self, status: str, limit: int, start: Any) -> Page:
        """Mail now in `status`, one of states.ATTENTION, newest first."""
        return self._partition("attention", status, limit, start)

    def recent(self, limit: int, start: Any, status: str | None = None) -> Page:
        """Everyone's mail, newest first (only the mail now in `status`, if given: at most
        `walk_reads` entries read, so the page may be short); `start` is {"day", "key"}
        from the last page."""
        today = self.clock()
        days = [iso_time(today - n * 86400)[:10] for n in range(self.ttl_days + 1)]
        if start is not None:
            if (not isinstance(start, dict) or start.get("day") not in days
                    or not _key_or_none(start.get("key"), "accept_day", start.get("day"))):
                raise _bad_cursor()
            days = days[days.index(start["day"]):]
        key = start and start["key"]
        found: list[dict[str, Any]] = []
        reads = 0
        for position, day in enumerate(days):
            while True:
                want = (limit - len(found) if status is None
                        else min(_BATCH_GET_KEYS, self.walk_reads - reads))
                entries, key = self._query("accept_day", day, want, key or None)
                reads += len(entries)
                rows = self._rows([entry["message_id"] for entry in entries])
                for entry in entries:
                    row = rows.get(entry["message_id"])
                    if row and (status is None or row["status"] == status):
                        found.append(row)
                        if len(found) >= limit and entry is not entries[-1]:
                            return found, {"day": day, "key": entry}
                done = len(found) >= limit or reads >= self.walk_reads
                if key and done:
                    return found, {"day": day, "key": key}
                if not key:
                    break
            if done:
                later = days[position + 1:]
                return found, {"day": later[0], "key": None} if later else None
        return found, None

    def _partition(self, attribute: str, value: str, limit: int, start: Any) -> Page:
        if start is not None and not _key_or_none(start, attribute, value):
            raise _bad_cursor()
        entries, key = self._query(attribute, value, limit, start)
        ids = [entry["message_id"] for entry in entries]
        rows = self._rows(ids)
        return [rows[message_id] for message_id in ids if message_id in rows], key

    def _query(self, attribute: str, value: str, limit: int, start: dict[str, str] | None,
               ) -> tuple[list[dict[str, str]], dict[str, str] | None]:
        """One page of index entries (each its keys, as text) and the key after it."""
        args: dict[str, Any] = {
            "TableName": self.table, "IndexName": index_name(attribute), "Limit": limit,
            "ScanIndexForward": False, "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": {"#k": attribute},
            "ExpressionAttributeValues": {":v": {"S": value}}}
        if start:
            args["ExclusiveStartKey"] = {name: {"S": text} for name, text in start.items()}
        response = self.db.query(**args)
        last = response.get("LastEvaluatedKey")
        return ([{name: attr["S"] for name, attr in item.items()}
                 for item in response.get("Items", [])],
                {name: attr["S"] for name, attr in last.items()} if last else None)

    def _rows(self, message_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The rows of `message_ids` (at most 100), by id (an item gone by TTL meanwhile:
        absent)."""
        if not message_ids:
            return {}
        wanted: dict[str, Any] = {self.table: {
            "Keys": [{"message_id": {"S": message_id}} for message_id in message_ids],
            "ProjectionExpression": ", ".join(f"#a{i}" for i in range(len(_SUMMARY))),
            "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(_SUMMARY)}}}
        items: dict[str, dict[str, Any]] = {}
        for round_ in range(_BATCH_GET_ROUNDS):
            response = self.db.batch_get_item(RequestItems=wanted)
            for item in response.get("Responses", {}).get(self.table, []):
                row = dynamo.from_item(item)
                items[row["message_id"]] = {k: v for k, v in row.items() if v is not None}
            wanted = response.get("UnprocessedKeys") or {}
            if not wanted:
                break
            self.sleep(0.05 * 2 ** round_)
        return items


def _key_or_none(key: Any, attribute: str, value: Any) -> bool:
    """A cursor key of this index and partition (None: the start of a day)."""
    if key is None:
        return attribute == "accept_day"
    return (isinstance(key, dict) and key.get(attribute) == value
            and set(key) == {attribute, "message_id", "created_at"}
            and all(isinstance(text, str) for text in key.values()))


def _bad_cursor() -> BadRequest:
    return BadRequest("cursor is not one this API gave for this list", field="cursor")


def encode_start(start: dict[str, Any] | None) -> str | None:
    """A page's continuation as the text a cursor encodes."""
    return json.dumps(start, separators=(",", ":"), sort_keys=True) if start else None


def decode_start(text: str | None) -> Any:
    """The continuation a cursor's text holds (checked against its list by the query)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # a cursor holds 2 KB: `[` * 2048 is too deep
        raise _bad_cursor() from None
