"""Feeds queues to their SQS handlers the way Lambda's event source mapping
does, and runs scheduled handlers on a timer.

`chalice local` serves routes only, so a poller thread long-polls a queue,
hands batches of up to 10 to the very same handler as a Lambda-shaped event,
deletes what succeeded, and leaves failed records to come back after their
visibility timeout (so the queue's redrive policy moves poison to the DLQ).
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable

from chalicelib.platform import logs
from chalicelib.platform.clock import iso_time
from local_stack.sqs_events import lambda_event

Handler = Callable[[dict[str, Any], Any], Any]


class LocalLambdaContext:
    """The context a local handler gets: a fixed name, request id and 10 s budget."""

    function_name = "herald-local-consumer"
    aws_request_id = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


class QueuePoller(threading.Thread):
    def __init__(self, sqs: Any, queue_url: str, handler: Handler, region: str,
                 batch_size: int = 10, wait_s: int = 1,
                 name: str = "herald-queue-poller",
                 paused: threading.Event | None = None) -> None:
        super().__init__(name=name, daemon=True)
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.region = region
        self.batch_size = batch_size
        self.wait_s = wait_s
        self.stopping = threading.Event()
        # set: receive nothing (POST /_local/consumer), so mail waits in the queue
        self.paused = paused or threading.Event()
        self.queue_arn = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def run(self) -> None:
        while not self.stopping.is_set():
            if self.paused.is_set():
                self.stopping.wait(0.2)
                continue
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - keep polling, as Lambda's poller would
                logs.error("local poller error", exc_info=True)
                self.stopping.wait(1)

    def poll_once(self) -> int:
        """One receive + invoke + delete cycle; returns how many records were handled."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_s, AttributeNames=["All"])
        messages = response.get("Messages", [])
        if not messages:
            return 0
        if self.paused.is_set():  # paused while this receive waited: leave them queued
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(messages)])
            return 0
        event = lambda_event(messages, self.queue_arn, self.region)
        try:
            result = self.handler(event, LocalLambdaContext()) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - a raising handler fails the whole batch
            logs.warning("local consumer failed the batch", records=len(messages))
            return len(messages)
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
        return len(messages)

    def stop(self) -> None:
        self.stopping.set()


def scheduled_event() -> dict[str, Any]:
    """The event EventBridge hands a scheduled function."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012",
            "time": iso_time(time.time(), millis=False),
            "region": "us-east-1", "resources": [], "detail": {}}


class Ticker(threading.Thread):
    """Calls a scheduled handler every `interval_s`, as EventBridge's schedule would."""

    def __init__(self, handler: Handler, interval_s: float) -> None:
        super().__init__(name="herald-schedule", daemon=True)
        self.handler = handler
        self.interval_s = interval_s
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            try:
                self.handler(scheduled_event(), LocalLambdaContext())
            except Exception:  # noqa: BLE001 - the next tick tries again
                logs.error("local scheduled handler failed", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()
