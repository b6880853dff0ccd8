"""Turns DynamoDB Streams GetRecords results into the event Lambda hands a
stream handler: the same records, with `eventSourceARN` added and the
creation time as epoch seconds (boto3 parses it into a datetime).

The local stream poller uses it, so the welcome handler sees the shape AWS's
event source mapping produces.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any


def lambda_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    shaped = []
    for record in records:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        shaped.append({**record, "dynamodb": change, "eventSourceARN": stream_arn})
    return {"Records": shaped}
