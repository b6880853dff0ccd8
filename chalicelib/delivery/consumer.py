"""The send queue's consumer: claim, render, send, record; one mail's trouble
never resends another, and no mail is sent twice by Herald's own doing.

Per message (the batch runner, chalicelib/platform/sqs_batch.py, runs a
batch's messages side by side and settles each with SQS):
- claim the mail in its log entry under a fresh owner, with a lease that
  outlives this invocation (so a lease only runs out when its holder is
  dead) plus a grace for SES's Send event before anyone may send it again;
- prepare it through its channel (render and MIME for email): a failure there
  is about the mail and recorded `failed` at once; transient AWS trouble gives
  the mail back;
- send through the channel once (no SDK retries): an answer the provider never
  gave (read timeout) leaves the mail `sending`, in doubt, until the grace has
  passed or SES's Send event recorded it;
- record `sent` right away, conditional on still owning the claim; when
  DynamoDB cannot take it, a note in the queue records it later.
"""
from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from chalicelib.delivery.channels import IN_DOUBT, PERMANENT, Channel, SendFailed
from chalicelib.delivery.throttle import SendRateLimiter
from chalicelib.errors import HeraldError
from chalicelib.messages import envelope
from chalicelib.messages.envelope import Envelope
from chalicelib.messages.queue import SendQueue
from chalicelib.platform import aws, dynamo, logs, metrics, redaction
from chalicelib.platform.dynamo import TransactionCancelled
from chalicelib.platform.settings import Settings
from chalicelib.platform.sqs_batch import BatchResponse, BatchRunner, Retry, SqsRecord
from chalicelib.records.message_log import MessageLog
from chalicelib.records.outbox import Outbox
from chalicelib.records.states import (
    ACCEPTED_BY_SES,
    EXPIRED,
    FAILED,
    FINAL,
    QUEUED,
    SENDING,
    SENT,
    SUPPRESSED,
)
from chalicelib.records.suppression import SuppressionList

_RECORD_ATTEMPTS = 3  # the `sent` write's own retries (each with botocore's)


@dataclass(frozen=True)
class _Run:
    """One invocation's time: when it ends, and the claims it makes."""

    deadline: float
    lease_until: float
    reclaim_at: float


class Consumer:
    """Delivers one queue message at a time; its batches run through `batches`."""

    def __init__(self, settings: Settings, channels: Mapping[str, Channel[Any]],
                 log: MessageLog, suppressions: SuppressionList, queue: SendQueue,
                 outbox: Outbox, dynamodb: Any, rate: SendRateLimiter,
                 batches: BatchRunner[Envelope],
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.channels = channels
        self.log = log
        self.suppressions = suppressions
        self.queue = queue
        self.outbox = outbox
        self.db = dynamodb
        self.rate = rate
        self.batches = batches
        self.clock = clock
        self.sleep = sleep

    def handle(self, records: list[SqsRecord], remaining_ms: float | None = None) -> BatchResponse:
        """Process one SQS batch; returns `batchItemFailures` (or raises BatchFailed)."""
        now = self.clock()
        deadline = now + (remaining_ms if remaining_ms is not None else 10_000) / 1000
        lease_until = deadline + self.settings.lease_margin_s
        run = _Run(deadline, lease_until, lease_until + self.settings.send_evidence_grace_s)
        return self.batches.run(records, lambda message: self.process(message, run))

    def process(self, message: Envelope, run: _Run) -> None:
        """Handle one message; raises Retry when it should come back."""
        try:
            if message.kind == envelope.SENT_NOTE:
                self._apply_note(message)
            else:
                self._deliver(message, run)
        except Retry:
            raise
        except Exception as exc:
            if message.kind == envelope.SEND:
                self._note_failed_attempt(message.message_id, aws.describe(exc))
            raise

    # -- one mail ---------------------------------------------------------------

    def _deliver(self, message: Envelope, run: _Run) -> None:
        message_id = message.message_id
        if message.expires_at and self.clock() > message.expires_at:
            self._expire(message_id)
            return
        channel = self.channels[message.channel]
        owner = str(uuid.uuid4())
        if not self._claim(message, channel, owner, run):
            return
        try:
            prepared = channel.prepare(message)
        except Exception as exc:  # noqa: BLE001 - sorted by kind just below
            if aws.is_transient(exc) or (isinstance(exc, HeraldError) and exc.retryable):
                reason = f"template unavailable ({aws.describe(exc)})"
                self._give_back(message_id, owner, reason)
                raise Retry(reason) from None
            self._fail(message_id, owner, _render_failure(exc), "RenderErrors",
                       template=message.body["template"])
            return
        self.rate.acquire()
        if run.lease_until - self.clock() < channel.call_budget_s:
            # a send must end (at worst by its timeouts) while the claim still holds
            self._give_back(message_id, owner, "too little time left in this invocation")
            raise Retry("too little time left in this invocation", delay_s=0)
        try:
            ses_id = channel.send(prepared, message_id)
        except SendFailed as exc:
            self._send_failed(message_id, owner, exc)
            return
        self._record_sent(message, channel, owner, ses_id)

    def _claim(self, message: Envelope, channel: Channel[Any], owner: str, run: _Run) -> bool:
        """Take the mail for sending under `owner`; False when it needs nothing more."""
        message_id = message.message_id
        try:
            address = channel.recipient(message.body["to"])
        except HeraldError as exc:  # accepted by an older API, refused by this one
            if self.log.move(message_id, FAILED, claimable=True, detail=exc.message):
                metrics.count("Failed", message_id=message_id)
            return False
        ops = [("suppression", self.suppressions.not_suppressed_op(address)),
               ("claim", self.log.claim_op(message_id, owner, run.lease_until, run.reclaim_at)),
               ("outbox", self.outbox.delete_op(message_id))]
        try:
            dynamo.transact(self.db, ops, owner)
            return True
        except TransactionCancelled as cancelled:
            if cancelled.refused("suppression"):
                self._suppress(message_id)
                return False
            if not cancelled.refused("claim"):
                raise Retry(f"claim refused ({cancelled})", delay_s=1) from None
        except Exception:
            if self._owner_of(message_id) == owner:
                return True  # the claim took effect; only its answer was lost
            raise
        entry = self._settled_or_waiting(message_id)
        if entry is None:
            return False
        ops[1] = ("claim", self.log.claim_op(message_id, owner, run.lease_until,
                                             run.reclaim_at, reclaim=True))
        try:
            dynamo.transact(self.db, ops, str(uuid.uuid4()))
            return True
        except TransactionCancelled as cancelled:
            if cancelled.refused("suppression"):
                self._suppress(message_id)
                return False
            raise Retry("another consumer took the mail at the same moment", 1) from None

    def _owner_of(self, message_id: str) -> str | None:
        entry = self.log.get(message_id)
        return entry.get("owner") if entry else None

    def _settled_or_waiting(self, message_id: str) -> dict[str, Any] | None:
        """After a refused claim or expiry: None when the mail needs nothing more; the
        entry when it may be reclaimed now; Retry while another attempt may still hold it."""
        entry = self.log.get(message_id)
        if entry is None:
            raise Retry("no message-log entry for this mail")
        status = entry["status"]
        if status in FINAL:
            logs.info("duplicate delivery skipped", status=status)
            return None
        if status == SENDING:
            wait_s = entry.get("reclaim_at", 0) - int(self.clock())  # as the condition reads
            if wait_s > 0:
                raise Retry("another attempt holds the mail, or its send awaits SES's "
                            "Send event", delay_s=wait_s + 1)
            return entry
        raise Retry(f"the mail is {status}; will look again", delay_s=1)

    def _expire(self, message_id: str) -> None:
        """Record `expired` unless the mail is settled or a live attempt may have sent it."""
        detail = "not sent before expires_at"
        if not self.log.move(message_id, EXPIRED, claimable=True, detail=detail):
            if self._settled_or_waiting(message_id) is None:
                return
            if not self.log.move(message_id, EXPIRED, claimable=True, detail=detail):
                raise Retry("the mail changed while it expired; will look again", delay_s=1)
        logs.info("message expired")
        metrics.count("Expired", message_id=message_id)

    def _suppress(self, message_id: str) -> None:
        if self.log.move(message_id, SUPPRESSED, claimable=True,
                         detail="recipient is on the suppression list"):
            metrics.count("Suppressed", message_id=message_id)

    # -- after the send ---------------------------------------------------------

    def _send_failed(self, message_id: str, owner: str, exc: SendFailed) -> None:
        if exc.kind == PERMANENT:
            self._fail(message_id, owner, exc.reason)
            return
        if exc.kind == IN_DOUBT:
            # SES may have accepted it: nobody sends it again until SES's Send event
            # had time to say so (and recorded it `sent` if it did).
            reclaim_at = self.clock() + self.settings.send_evidence_grace_s
            self.log.move(message_id, SENDING, owner=owner,
                          detail=f"{exc.reason}: in doubt, waiting for SES's Send event",
                          fields={"lease_until": int(self.clock()),
                                  "reclaim_at": int(reclaim_at) + 1})
            raise Retry(f"{exc.reason}; in doubt", delay_s=self.settings.send_evidence_grace_s + 1)
        if exc.throttled:
            self.rate.slow_down()
        self._give_back(message_id, owner, exc.reason)
        raise Retry(exc.reason)

    def _record_sent(self, message: Envelope, channel: Channel[Any], owner: str,
                     ses_id: str) -> None:
        """Record `sent` now (the mail is out: from here on only records may be retried)."""
        message_id = message.message_id
        sent_ms = int(self.clock() * 1000)
        fields = {channel.provider_id_field: ses_id, "sent_epoch_ms": sent_ms}
        for attempt in range(_RECORD_ATTEMPTS):
            try:
                if not self.log.move(message_id, SENT, only=(SENDING,), owner=owner,
                                     fields=fields):
                    entry = self.log.get(message_id) or {}
                    if entry.get("status") not in ACCEPTED_BY_SES:
                        logs.error("sent, but the log moved on meanwhile",
                                   status=entry.get("status"))
                break
            except Exception:  # noqa: BLE001 - retried below, then noted in the queue
                if attempt == _RECORD_ATTEMPTS - 1:
                    self._note_sent(message, owner, ses_id, sent_ms)
                    break
                self.sleep(0.05 * 2 ** attempt)
        logs.info(f"{channel.name} sent", **{channel.provider_id_field: ses_id})
        measured = {"Sent": (1, metrics.COUNT)}
        enqueued_ms = message.body.get("enqueued_at")
        if isinstance(enqueued_ms, int):
            measured["EnqueueToSendLatency"] = (max(0, sent_ms - enqueued_ms),
                                                metrics.MILLISECONDS)
        metrics.put(measured, message_id=message_id)

    def _note_sent(self, message: Envelope, owner: str, ses_id: str, sent_ms: int) -> None:
        """DynamoDB would not take the record: queue a note that records it later."""
        try:
            self.queue.send(envelope.sent_note(message.message_id, owner, ses_id, sent_ms,
                                               message.channel))
            logs.warning("sent; the record is queued as a note")
        except Exception:  # noqa: BLE001 - SES's Send event is the last record left
            logs.error("sent but not recorded; SES's Send event will record it",
                       exc_info=True)

    def _apply_note(self, message: Envelope) -> None:
        body = message.body
        field = self.channels[message.channel].provider_id_field
        self.log.move(message.message_id, SENT, only=(QUEUED, SENDING),
                      detail="recorded from the consumer's note",
                      fields={field: body["ses_message_id"],
                              "sent_epoch_ms": body.get("sent_epoch_ms")})

    def _note_failed_attempt(self, message_id: str, reason: str) -> None:
        """An attempt that failed before it held the mail still says why (best effort:
        the trouble may be DynamoDB's own), so a mail in the DLQ explains itself."""
        try:
            self.log.note(message_id, QUEUED, f"{reason}; will retry")
        except Exception:  # noqa: BLE001 - the log line above still says it
            logs.warning("could not note the failed attempt")

    def _give_back(self, message_id: str, owner: str, reason: str) -> None:
        """End the claim so the next delivery may try again; the event says why."""
        self.log.move(message_id, QUEUED, owner=owner, detail=f"{reason}; will retry")

    def _fail(self, message_id: str, owner: str, reason: str, *extra_metrics: str,
              **properties: Any) -> None:
        if self.log.move(message_id, FAILED, only=(SENDING,), owner=owner, detail=reason):
            logs.warning("mail failed for good; not retried", reason=reason)
            metrics.count("Failed", *extra_metrics, message_id=message_id, **properties)


def _render_failure(exc: Exception) -> str:
    """Why a mail could not be built, without any of its variables' values."""
    message = getattr(exc, "message", None)
    if isinstance(message, str):
        return redaction.scrub(message)
    return f"the mail could not be built ({type(exc).__name__})"


@contextlib.contextmanager
def message_scope(message: Envelope) -> Iterator[None]:
    """Around one message's work and the log of its outcome: every line names the
    message, and its secret variables are scrubbed from logs and errors."""
    secrets = redaction.secret_values(message.variables, message.secret_names)
    with redaction.guarding(secrets), logs.bind(message_id=message.message_id):
        yield
