"""Runs one SQS batch through a per-record function (as Powertools' batch processor).

The runner owns everything about SQS: reading each body (through the decoder
it is given), running records side by side in threads (each in a copy of the
invocation's context, so log fields bound for the invocation reach every
line), each record's outcome, the partial batch response and the queue calls
that settle it. The per-record function sees only the decoded message: it
returns when the record is done, raises `Retry` to have it come back later
(after its delay, or a backoff by receive count); any other exception is a
failed record too (`BaseException`s, e.g. a dying process, are not caught).
A body the decoder refuses (`ValueError`) is retried as it is, so SQS moves
it to the DLQ, where an operator sees it.

When any record fails, the runner deletes the records that succeeded itself
before answering, so the batch comes out right whether or not the mapping
honours `batchItemFailures`; without partial reporting it then raises
`BatchFailed` and only the failed records come back. A runner without a
queue (records that may safely apply twice) deletes nothing and changes no
visibility: without partial reporting the whole batch comes back.
"""
from __future__ import annotations

import contextlib
import contextvars
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, Protocol, Sequence, TypeVar

from chalicelib.platform import logs, redaction

SqsRecord = dict[str, Any]  # one record of Lambda's SQS event (messageId, receiptHandle, body)
BatchResponse = dict[str, list[dict[str, str]]]  # {"batchItemFailures": [{"itemIdentifier"}]}
M = TypeVar("M")


class Retry(Exception):
    """Give the record back to SQS; it comes back after `delay_s` (None: backoff)."""

    def __init__(self, reason: str, delay_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay_s = delay_s


class BatchFailed(Exception):
    """Some records failed and the mapping cannot take `batchItemFailures`."""


class RecordQueue(Protocol):
    """The queue the records came from: acknowledges them and delays their retries."""

    def delete(self, receipts: Iterable[tuple[str, str]]) -> None: ...

    def delay_retry(self, receipt: str, seconds: int) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """A failed record's delay doubles with each receive, from `base_s` up to `max_s`."""

    base_s: float
    max_s: float

    def delay_s(self, receives: int) -> float:
        return min(self.max_s, self.base_s * 2 ** (receives - 1))


class BatchRunner(Generic[M]):
    """One handler's batches: `decode` reads a body, `scope` (optional) is entered
    around each record's work and the log of its outcome (log fields, secrets)."""

    def __init__(self, decode: Callable[[str], M], *, report_partial: bool,
                 queue: RecordQueue | None = None, backoff: Backoff | None = None,
                 threads: int = 1,
                 scope: Callable[[M], AbstractContextManager[object]] = contextlib.nullcontext,
                 ) -> None:
        self.decode = decode
        self.report_partial = report_partial
        self.queue = queue
        self.backoff = backoff
        self.threads = max(1, threads)
        self.scope = scope

    def run(self, records: Sequence[SqsRecord], process: Callable[[M], object]) -> BatchResponse:
        """Process one batch; returns `batchItemFailures` (or raises BatchFailed)."""
        failed: dict[str, Retry] = {}
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            futures = [(record, pool.submit(contextvars.copy_context().run, self._one,
                                            record, process)) for record in records]
            for record, future in futures:
                retry = future.result()
                if retry is not None:
                    failed[record["messageId"]] = retry
        if self.queue is not None:
            for record in records:
                retry = failed.get(record["messageId"])
                if retry is not None:
                    self._delay(self.queue, record, retry)
        return self._finish(records, failed)

    def _one(self, record: SqsRecord, process: Callable[[M], object]) -> Retry | None:
        """One record's outcome: None when done, else the Retry that brings it back."""
        try:
            message = self.decode(record["body"])
        except ValueError as exc:  # left to reach the DLQ, where it is shown
            return self._retry(record, Retry(str(exc)))
        with self.scope(message):
            try:
                process(message)
                return None
            except Retry as retry:
                return self._retry(record, retry)
            except Exception as exc:  # noqa: BLE001 - unknown trouble: retried, then DLQ
                return self._retry(record, Retry(redaction.scrub(f"{type(exc).__name__}: {exc}")))

    def _retry(self, record: SqsRecord, retry: Retry) -> Retry:
        """Settle when `record` comes back (backoff by receive count unless set); log why."""
        receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        delay_s = retry.delay_s
        if delay_s is None and self.backoff is not None:
            delay_s = self.backoff.delay_s(receives)
        timing = {"retry_in_s": int(delay_s)} if delay_s is not None else {}
        logs.warning("record will be retried", sqs_message_id=record["messageId"],
                     receive_count=receives, reason=retry.reason, **timing)
        return Retry(retry.reason, delay_s)

    @staticmethod
    def _delay(queue: RecordQueue, record: SqsRecord, retry: Retry) -> None:
        if retry.delay_s is None:
            return  # the queue's visibility timeout brings it back
        try:
            queue.delay_retry(record["receiptHandle"], int(retry.delay_s))
        except Exception:  # noqa: BLE001 - the queue's visibility timeout still applies
            logs.warning("could not delay retry", sqs_message_id=record["messageId"])

    def _finish(self, records: Sequence[SqsRecord], failed: dict[str, Retry]) -> BatchResponse:
        if not failed:
            return {"batchItemFailures": []}
        if self.queue is not None:
            self.queue.delete((r["messageId"], r["receiptHandle"]) for r in records
                              if r["messageId"] not in failed)
        if self.report_partial:
            return {"batchItemFailures": [{"itemIdentifier": record_id}
                                          for record_id in sorted(failed)]}
        settled = ("the others were acknowledged" if self.queue is not None
                   else "the whole batch comes back")
        raise BatchFailed(f"{len(failed)} of {len(records)} records failed; {settled}")
