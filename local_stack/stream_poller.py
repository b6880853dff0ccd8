"""Feeds a DynamoDB stream to its handler the way Lambda's stream mapping does.

`chalice local` runs no event sources, so a thread reads every shard of the
stream in order (from the oldest record: the stack starts empty), hands each
batch to the very same handler as a Lambda-shaped DynamoDB event, and, as a
mapping with ReportBatchItemFailures does, reads again from the first record
the handler reports failed (or the whole batch when it raises).
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from chalicelib.platform import logs
from local_stack.poller import Handler
from local_stack.poller import _LambdaContext as LambdaContext


def streams_client(region: str) -> Any:
    """A `dynamodbstreams` client on the regional endpoint: botocore's account-based
    one (`<account>.streams-ddb...`) is unknown to the emulator."""
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodbstreams", region_name=region,
                        config=Config(account_id_endpoint_mode="disabled"))


def lambda_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """GetRecords' records as the event Lambda hands a stream handler (times as epoch
    seconds, where boto3 parsed them)."""
    shaped = []
    for record in records:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        shaped.append({**record, "dynamodb": change, "eventSourceARN": stream_arn})
    return {"Records": shaped}


class StreamPoller(threading.Thread):
    def __init__(self, streams: Any, stream_arn: str, handler: Handler, batch_size: int = 100,
                 interval_s: float = 0.5, name: str = "herald-stream-poller") -> None:
        super().__init__(name=name, daemon=True)
        self.streams = streams  # a boto3 `dynamodbstreams` client
        self.stream_arn = stream_arn
        self.handler = handler
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.stopping = threading.Event()
        self._iterators: dict[str, str | None] = {}  # shard -> next iterator (None: closed)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                if not self.poll_once():
                    self.stopping.wait(self.interval_s)
            except Exception:  # noqa: BLE001 - keep polling, as Lambda's poller would
                logs.error("local stream poller error", exc_info=True)
                self.stopping.wait(1)

    def poll_once(self) -> int:
        """One read of every shard, each batch handed over; returns the records handled."""
        handled = 0
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)[
            "StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id,
                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            iterator = self._iterators[shard_id]
            if iterator is None:
                continue
            page = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = page.get("Records", [])
            self._iterators[shard_id] = page.get("NextShardIterator")
            if records:
                handled += len(records)
                retry_from = self._hand_over(records)
                if retry_from is not None:
                    self._iterators[shard_id] = self.streams.get_shard_iterator(
                        StreamArn=self.stream_arn, ShardId=shard_id,
                        ShardIteratorType="AT_SEQUENCE_NUMBER",
                        SequenceNumber=retry_from)["ShardIterator"]
        return handled

    def _hand_over(self, records: list[dict[str, Any]]) -> str | None:
        """Run the handler; the sequence number to read again from, if any failed."""
        try:
            result = self.handler(lambda_event(records, self.stream_arn), LambdaContext()) or {}
        except Exception:  # noqa: BLE001 - a raising handler gets the whole batch again
            logs.warning("local stream handler failed the batch", records=len(records))
            return records[0]["dynamodb"]["SequenceNumber"]
        failed = [item["itemIdentifier"] for item in result.get("batchItemFailures", [])]
        return min(failed, key=int) if failed else None

    def stop(self) -> None:
        self.stopping.set()
