"""The local stream poller with a fake DynamoDB Streams client: records reach the handler
in Lambda's shape, and a reported failure is read again, then passed over."""
from __future__ import annotations

from local_stack.stream_poller import StreamPoller

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/herald-dev-users/stream/label"


class FakeStreams:
    """One shard holding `records`, all written after the poller started (LATEST is the
    first); an iterator is the index of the next record."""

    def __init__(self, records: list[dict]) -> None:
        self.records = records

    def describe_stream(self, StreamArn):
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType, SequenceNumber=None):
        numbers = [r["dynamodb"]["SequenceNumber"] for r in self.records]
        start = {"TRIM_HORIZON": 0, "LATEST": 0}.get(ShardIteratorType)
        if start is None:
            start = numbers.index(SequenceNumber) + (ShardIteratorType == "AFTER_SEQUENCE_NUMBER")
        return {"ShardIterator": str(start)}

    def get_records(self, ShardIterator, Limit):
        start = int(ShardIterator)
        batch = self.records[start:start + Limit]
        return {"Records": batch, "NextShardIterator": str(start + len(batch))}


def _record(number: str) -> dict:
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": number, "Keys": {}}}


def test_a_failed_record_is_read_again_twice_then_passed_over():
    seen: list[list[str]] = []

    def handler(event, context):
        numbers = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        seen.append(numbers)
        assert all(r["eventSourceARN"] == ARN for r in event["Records"])
        return {"batchItemFailures": [{"itemIdentifier": "2"}] if "2" in numbers else []}

    poller = StreamPoller(FakeStreams([_record("1"), _record("2"), _record("3")]), ARN, handler)
    for _ in range(5):
        poller.poll_once()
    assert seen == [["1", "2", "3"], ["2", "3"], ["2", "3"], ["3"]]
