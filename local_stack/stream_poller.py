"""Feeds a DynamoDB stream to its handler the way Lambda's stream mapping does.

`chalice local` runs no event sources, so this thread reads each shard of
the stream from `start` (LATEST: from when the stack starts) in order, hands batches to
the very same handler as a Lambda-shaped event, and follows the handler's
`batchItemFailures`: the shard is read again from the lowest failed
sequence number, at most `max_retries` times, after which the record is
passed over and logged, as the deployed mapping's retry limit sends it to
its on-failure queue.
"""
from __future__ import annotations

import threading
from typing import Any

from chalicelib.platform import logs
from local_stack.poller import Handler, LocalLambdaContext
from local_stack.stream_events import lambda_event


def streams_client(region: str) -> Any:
    """A `dynamodbstreams` client on the regional endpoint: botocore's account-based
    one (`<account>.streams-ddb...`) is unknown to the emulator."""
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodbstreams", region_name=region,
                        config=Config(account_id_endpoint_mode="disabled"))


class StreamPoller(threading.Thread):
    def __init__(self, streams: Any, stream_arn: str, handler: Handler, batch_size: int = 25,
                 interval_s: float = 0.5, max_retries: int = 2,
                 name: str = "herald-stream-poller", start: str = "LATEST") -> None:
        super().__init__(name=name, daemon=True)
        self.streams = streams
        self.stream_arn = stream_arn
        self.handler = handler
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.max_retries = max_retries
        self.stopping = threading.Event()
        self.iterators: dict[str, str] = {}
        self.retries: dict[str, int] = {}  # sequence number -> times read again
        self._discover_shards(start)  # LATEST: records written before the start are not sent

    def _discover_shards(self, position: str) -> None:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)
        for shard in description["StreamDescription"]["Shards"]:
            if shard["ShardId"] not in self.iterators:
                self.iterators[shard["ShardId"]] = self._iterator(shard["ShardId"], position)

    def _iterator(self, shard: str, position: str, sequence: str | None = None) -> str:
        extra = {"SequenceNumber": sequence} if sequence else {}
        return self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard,
                                               ShardIteratorType=position,
                                               **extra)["ShardIterator"]

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - keep polling, as Lambda's poller would
                logs.error("local stream poller error", exc_info=True)

    def poll_once(self) -> int:
        """One read of every shard, each batch handed to the handler; returns the records read."""
        self._discover_shards("TRIM_HORIZON")  # shards opened since start: from their first
        handled = 0
        for shard, iterator in list(self.iterators.items()):
            response = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = response.get("Records", [])
            self.iterators[shard] = response["NextShardIterator"]
            if records:
                handled += len(records)
                self._settle(shard, records, self._failed(records))
        return handled

    def _failed(self, records: list[dict[str, Any]]) -> list[str]:
        """The sequence numbers the handler reports failed (all of them when it raises)."""
        try:
            event = lambda_event(records, self.stream_arn)
            result = self.handler(event, LocalLambdaContext()) or {}
        except Exception:  # noqa: BLE001 - a raising handler fails the whole batch
            logs.warning("local stream handler failed the batch", records=len(records))
            return [record["dynamodb"]["SequenceNumber"] for record in records]
        return [item["itemIdentifier"] for item in result.get("batchItemFailures", [])]

    def _settle(self, shard: str, records: list[dict[str, Any]], failed: list[str]) -> None:
        if not failed:
            return
        lowest = min(failed, key=int)
        tries = self.retries.get(lowest, 0)
        if tries < self.max_retries:
            self.retries[lowest] = tries + 1
            self.iterators[shard] = self._iterator(shard, "AT_SEQUENCE_NUMBER", lowest)
            return
        self.retries.pop(lowest, None)
        logs.warning("local stream record given up after retries (the deployed mapping sends "
                     "it to its on-failure queue)", sequence_number=lowest)
        self.iterators[shard] = self._iterator(shard, "AFTER_SEQUENCE_NUMBER", lowest)

    def stop(self) -> None:
        self.stopping.set()
