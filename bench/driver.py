"""Drives Herald in this process the way AWS would: API Gateway events into
the app, SQS batches into the consumer handler (as the event source mapping
hands them over, deleting what succeeded)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Mapping

from bench.events import LambdaContext, api_event, send_body


def _herald() -> Any:
    """Herald's app module, imported on first use (once the emulation's env is set)."""
    import app

    return app


def post_emails(count: int, first_index: int = 0, keyed: bool = False) -> list[str]:
    """POST /emails `count` times (`keyed`: each with its own Idempotency-Key);
    returns the accepted message ids."""
    app = _herald().app
    ids = []
    for index in range(first_index, first_index + count):
        headers = {"idempotency-key": f"bench-{index}"} if keyed else None
        response = app(api_event("POST", "/emails", send_body(index), headers), LambdaContext())
        if response["statusCode"] != 202:
            raise RuntimeError(f"POST /emails answered {response['statusCode']}: "
                               f"{response['body']}")
        ids.append(json.loads(response["body"])["message_id"])
    return ids


def queue_depth(sqs: Any, url: str) -> int:
    """Visible plus in-flight messages."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


class Queue:
    """The send queue as Lambda's event source mapping uses it: receive, delete."""

    def __init__(self, env: Mapping[str, str], sqs: Any = None) -> None:
        if sqs is None:
            import boto3

            sqs = boto3.session.Session().client("sqs", region_name=env["AWS_DEFAULT_REGION"])
        self.sqs = sqs
        self.url = env["HERALD_SEND_QUEUE_URL"]
        self.dlq_url = env["HERALD_DLQ_URL"]
        self.region = env["AWS_DEFAULT_REGION"]
        self.arn = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def receive(self, at_most: int = 10) -> list[dict[str, Any]]:
        return self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=at_most,
                                        AttributeNames=["All"]).get("Messages", [])

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        from local_stack.sqs_events import lambda_event

        return lambda_event(messages, self.arn, self.region)

    def acknowledge(self, messages: list[dict[str, Any]], failed: set[str]) -> None:
        """Delete what the handler did not report failed (Lambda's part of the deal)."""
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=done)



@dataclass(frozen=True)
class Batch:
    handled: int  # records handed to the handler
    failed: int  # records it reported failed (left for SQS to redeliver)
    seconds: float  # the handler's time


def consume_batch(queue: Queue, at_most: int = 10) -> Batch:
    """Receive up to `at_most` records, run the real handler on them and
    acknowledge what succeeded."""
    messages = queue.receive(at_most)
    if not messages:
        return Batch(0, 0, 0.0)
    started = time.perf_counter()
    result = _herald().consume_send_queue(queue.event(messages), LambdaContext()) or {}
    elapsed = time.perf_counter() - started
    failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
    queue.acknowledge(messages, failed)
    return Batch(len(messages), len(failed), elapsed)
