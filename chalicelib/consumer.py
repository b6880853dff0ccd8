"""The SQS consumer: claim, render, send, record; one record's failure
never resends another.

Per batch: the records are processed side by side in threads (claim, render,
send under the shared rate limiter; render time limits are checked
cooperatively off the main thread), and the sent ones are recorded in one
transaction (two calls per mail, claim and send, plus one per batch). When
any record fails, the succeeded ones are deleted here before failing, so the
batch is correct whether or not the event source mapping honours
`batchItemFailures`.
"""
from __future__ import annotations

import contextvars
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib import dynamo, logs, metrics, redaction
from chalicelib.addresses import parse_address
from chalicelib.errors import HeraldError, RenderError
from chalicelib.mail_transport import SendFailed, SesTransport
from chalicelib.message_log import (
    EXPIRED,
    FAILED,
    FINAL_STATUSES,
    QUEUED,
    SENDING,
    SENT,
    SUPPRESSED,
    MessageLog,
)
from chalicelib.mime import build_mime
from chalicelib.queues import SendQueue
from chalicelib.send_rate import SendRateLimiter
from chalicelib.settings import Settings
from chalicelib.suppression import SuppressionList
from chalicelib.template_cache import TemplateCache

_REQUIRED_KEYS = {"message_id", "to", "template", "version", "variables"}


class BatchFailed(Exception):
    """Raised after acknowledging the good records, so Lambda retries only the rest."""


class _Retry(Exception):
    """This record should come back later (transient trouble)."""


@dataclass
class _Job:
    record_id: str
    message_id: str
    raw: bytes
    sender: str
    to: str
    secrets: tuple[str, ...]
    enqueued_at_ms: int | None


class Consumer:
    def __init__(self, settings: Settings, cache: TemplateCache, log: MessageLog,
                 suppressions: SuppressionList, transport: SesTransport, queue: SendQueue,
                 dynamodb: Any, rate: SendRateLimiter,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.cache = cache
        self.log = log
        self.suppressions = suppressions
        self.transport = transport
        self.queue = queue
        self.db = dynamodb
        self.rate = rate
        self.clock = clock

    def handle(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Process one SQS batch; returns `batchItemFailures` (or raises BatchFailed)."""
        failed: set[str] = set()
        sent: list[tuple[_Job, str]] = []
        with ThreadPoolExecutor(max_workers=max(1, self.settings.send_threads)) as pool:
            futures = [(record, pool.submit(contextvars.copy_context().run, self._process,
                                            record)) for record in records]
            for record, future in futures:
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - one record must not sink the batch
                    self._retry_later(record, exc)
                    failed.add(record["messageId"])
                    continue
                if outcome is not None:
                    sent.append(outcome)
        self._record_sent(sent)
        return self._finish(records, failed)

    def _process(self, record: dict[str, Any]) -> tuple[_Job, str] | None:
        """Claim, render and send one record: (job, SES id), or None when nothing was sent."""
        job = self._prepare(record)
        if job is None:
            return None
        ses_id = self._send(job)
        return None if ses_id is None else (job, ses_id)

    def _record_sent(self, sent: list[tuple[_Job, str]]) -> None:
        """Record the batch's sends in one write, as soon as they are all out."""
        if not sent:
            return
        now_ms = int(self.clock() * 1000)
        try:
            self.log.record_all([(job.message_id, SENT, {"ses_message_id": ses_id,
                                                         "sent_epoch_ms": now_ms})
                                 for job, ses_id in sent])
        except Exception:  # noqa: BLE001 - the mails are out: never send them again
            logs.error("sent but not recorded", exc_info=True,
                       message_ids=[job.message_id for job, _ in sent])
        for job, ses_id in sent:
            logs.info("email sent", message_id=job.message_id, ses_message_id=ses_id)
            measured = {"Sent": (1, metrics.COUNT)}
            if job.enqueued_at_ms:
                latency_ms = max(0, now_ms - job.enqueued_at_ms)
                measured["EnqueueToSendLatency"] = (latency_ms, metrics.MILLISECONDS)
            metrics.put(measured, message_id=job.message_id)

    def _finish(self, records: list[dict[str, Any]], failed: set[str]) -> dict[str, Any]:
        failures = [{"itemIdentifier": record_id} for record_id in sorted(failed)]
        if not failed:
            return {"batchItemFailures": []}
        self.queue.delete((r["messageId"], r["receiptHandle"]) for r in records
                          if r["messageId"] not in failed)
        if self.settings.report_batch_item_failures:
            return {"batchItemFailures": failures}
        raise BatchFailed(f"{len(failed)} of {len(records)} records failed; "
                          "the others were acknowledged")

    def _retry_later(self, record: dict[str, Any], exc: Exception) -> None:
        receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        delay = min(self.settings.retry_max_s, self.settings.retry_base_s * 2 ** (receives - 1))
        logs.warning("record will be retried", sqs_message_id=record["messageId"],
                     message_id=_message_id_of(record),
                     receive_count=receives, retry_in_s=delay,
                     reason=redaction.scrub(f"{type(exc).__name__}: {exc}"))
        try:
            self.queue.delay_retry(record["receiptHandle"], delay)
        except Exception:  # noqa: BLE001 - the default visibility timeout still applies
            logs.warning("could not delay retry", sqs_message_id=record["messageId"])

    def _prepare(self, record: dict[str, Any]) -> _Job | None:
        """Claim and render one record; None when it needs no send (done or final)."""
        message = self._parse(record)
        message_id = message["message_id"]
        secrets = redaction.secret_values(message["variables"], message.get("secret", []))
        with redaction.guarding(secrets):
            expires_at = message.get("expires_at")
            if expires_at and self.clock() > expires_at:
                if self.log.record(message_id, EXPIRED, only_if=(QUEUED,),
                                   detail="not delivered before expires_at"):
                    logs.info("message expired", message_id=message_id)
                    metrics.count("Expired", message_id=message_id)
                return None
            address = parse_address(message["to"])
            if not self._claim(message_id, address):
                return None
            try:
                compiled = self.cache.pinned(message["template"], message["version"],
                                             message.get("pins"))
                mail = compiled.render(message["variables"], message.get("locale"))
            except (RenderError, HeraldError) as exc:
                self.log.record(message_id, FAILED, detail=redaction.scrub(exc.message))
                logs.warning("render failed; not retried", message_id=message_id,
                             reason=redaction.scrub(exc.message))
                metrics.count("Failed", "RenderErrors", message_id=message_id,
                              template=message["template"])
                return None
            except Exception:
                self.log.record(message_id, QUEUED, detail="template unavailable; will retry")
                raise
            sender = compiled.doc.sender or self.settings.default_sender
            raw = build_mime(mail, address.email, sender, compiled.doc.reply_to, message_id)
            return _Job(record["messageId"], message_id, raw, sender, address.email, secrets,
                        message.get("enqueued_at"))

    def _parse(self, record: dict[str, Any]) -> dict[str, Any]:
        try:
            message = json.loads(record["body"])
        except ValueError:
            raise ValueError("message body is not JSON") from None
        if not isinstance(message, dict) or not set(message) >= _REQUIRED_KEYS:
            raise ValueError("message body is not a Herald send message")
        return message

    def _claim(self, message_id: str, address: Any) -> bool:
        """Take the message for sending; False when it needs nothing more."""
        ops = [self.suppressions.not_suppressed_op(address),
               self.log.claim_op(message_id, self.settings.visibility_timeout_s)]
        try:
            self.db.transact_write_items(TransactItems=ops)
            return True
        except Exception as exc:
            codes = dynamo.cancellation_codes(exc)
            if not codes:
                raise
        if codes[0] == "ConditionalCheckFailed":
            if self.log.record(message_id, SUPPRESSED, only_if=(QUEUED, SENDING),
                               detail="recipient is on the suppression list"):
                metrics.count("Suppressed", message_id=message_id)
            return False
        entry = self.log.get(message_id)
        if entry is None:
            raise ValueError("no message-log entry for this message")
        if entry["status"] in FINAL_STATUSES:
            logs.info("duplicate delivery skipped", message_id=message_id,
                      status=entry["status"])
            return False
        raise _Retry(f"message is {entry['status']} elsewhere; will look again")

    def _send(self, job: _Job) -> str | None:
        """Send one mail: SES's message id, None when refused for good (recorded)."""
        with redaction.guarding(job.secrets):
            self.rate.acquire()
            try:
                return self.transport.send(job.raw, job.sender, job.to, job.message_id)
            except SendFailed as exc:
                if exc.permanent:
                    self.log.record(job.message_id, FAILED, detail=exc.reason)
                    logs.warning("send rejected; not retried", message_id=job.message_id,
                                 reason=exc.reason)
                    metrics.count("Failed", message_id=job.message_id)
                    return None
                self.log.record(job.message_id, QUEUED, detail=f"{exc.reason}; will retry")
                raise


def _message_id_of(record: dict[str, Any]) -> str | None:
    """The Herald message id of a record, when its body is readable (for the logs)."""
    try:
        message = json.loads(record["body"])
    except ValueError:
        return None
    return message.get("message_id") if isinstance(message, dict) else None
