"""The send queue behind a small adapter (the DLQ is queue_admin's)."""
from __future__ import annotations

from typing import Any, Iterable

_SQS_BATCH = 10


class SendQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, body: str) -> str:
        """Enqueue one encoded message (chalicelib/messages/envelope.py)."""
        return self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)["MessageId"]

    def delete(self, receipts: Iterable[tuple[str, str]]) -> None:
        """Acknowledge records (id, receipt handle) in batches of ten."""
        entries = [{"Id": str(index), "ReceiptHandle": receipt}
                   for index, (_, receipt) in enumerate(receipts)]
        for start in range(0, len(entries), _SQS_BATCH):
            self.sqs.delete_message_batch(QueueUrl=self.queue_url,
                                          Entries=entries[start:start + _SQS_BATCH])

    def delay_retry(self, receipt: str, seconds: int) -> None:
        """Back off a failed record: it becomes visible again after `seconds`."""
        self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=receipt,
                                           VisibilityTimeout=max(0, min(seconds, 43_200)))
