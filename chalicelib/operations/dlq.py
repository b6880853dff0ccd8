"""Operator tools for the send queue and its DLQ: counts, peek, redrive (all or one),
discard.

None of them may lose a mail or leak a secret: a peek hides what it read
only for the length of the request, a redrive deletes a message from the DLQ
only after the queue accepted its copy, and views redact secret variables
(the SQS body carries them in clear, for the consumer).
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import Conflict, NotFound, ServiceUnavailable
from chalicelib.operations.dlq_view import dlq_view
from chalicelib.platform import logs
from chalicelib.records.message_log import MessageLog
from chalicelib.records.states import FAILED, FINAL, QUEUED

_SQS_BATCH = 10
_PEEK_VISIBILITY_S = 10  # hidden at most this long if the release after a peek fails
_MOVE_VISIBILITY_S = 60  # long enough to copy and delete one batch
_COUNT_ATTRIBUTES = {"visible": "ApproximateNumberOfMessages",
                     "in_flight": "ApproximateNumberOfMessagesNotVisible",
                     "delayed": "ApproximateNumberOfMessagesDelayed"}
class QueueAdmin:
    def __init__(self, sqs: Any, cloudwatch: Any, log: MessageLog, queue_url: str,
                 dlq_url: str, move_task: bool, max_move: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.sqs = sqs
        self.cloudwatch = cloudwatch
        self.log = log
        self.queue_url = queue_url
        self.dlq_url = dlq_url
        self.move_task = move_task
        self.max_move = max_move
        self.clock = clock

    # -- counts ---------------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        """GET /queues: counts and oldest-message age (seconds) of queue and DLQ.

        Both ages come from CloudWatch (ApproximateAgeOfOldestMessage,
        one-minute resolution; null where it has no data point, e.g. locally):
        sampling the queue would count as a receive and push mail towards the
        DLQ, and sampling the DLQ would raise each message's receive count on
        every refresh of the operations page.
        """
        queue = self._counts(self.queue_url)
        dlq = self._counts(self.dlq_url)
        queue["oldest_age_s"] = self._cloudwatch_age(self.queue_url) if any(queue.values()) else 0
        dlq["oldest_age_s"] = self._cloudwatch_age(self.dlq_url) if any(dlq.values()) else 0
        return {"queue": queue, "dlq": dlq}

    def _counts(self, url: str) -> dict[str, Any]:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=list(_COUNT_ATTRIBUTES.values()))["Attributes"]
        return {name: int(attributes.get(attribute, 0))
                for name, attribute in _COUNT_ATTRIBUTES.items()}

    def _cloudwatch_age(self, url: str) -> int | None:
        now = datetime.now(UTC)
        try:
            points = self.cloudwatch.get_metric_statistics(
                Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
                Dimensions=[{"Name": "QueueName",
                             "Value": url.rstrip("/").rsplit("/", 1)[-1]}],
                StartTime=now - timedelta(minutes=10), EndTime=now, Period=60,
                Statistics=["Maximum"])["Datapoints"]
        except (ClientError, BotoCoreError):
            logs.warning("queue age unavailable from CloudWatch", exc_info=True)
            return None
        latest = max(points, key=lambda point: point["Timestamp"], default=None)
        return int(latest["Maximum"]) if latest else None

    # -- DLQ ------------------------------------------------------------------

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` DLQ messages, oldest first, redacted, each with why its mail
        failed (the message log's reasons); visible again on return.

        Reading a DLQ message is a receive, which SQS counts in its
        ApproximateReceiveCount: each view carries `failed_attempts` from the
        log, which only the consumer's failures raise, and the admin UI reads
        the DLQ only when asked.
        """
        messages = self._collect(limit)
        try:
            views = [self._with_reasons(dlq_view(message)) for message in messages]
            return sorted(views, key=lambda view: view["sent_at"] or "")
        finally:
            self._release(messages)

    def _with_reasons(self, view: dict[str, Any]) -> dict[str, Any]:
        """`view` with its mail's log status and failure reasons (none for a body the log
        does not know)."""
        message_id = view.get("message_id")
        entry = self.log.get(message_id) if isinstance(message_id, str) else None
        reasons = [{"at": event.get("at"), "status": event.get("status"),
                    "detail": event["detail"]}
                   for event in (entry or {}).get("events") or []
                   if event.get("detail") and not event.get("event")]
        return {**view, "log_status": entry and entry.get("status"), "reasons": reasons,
                "failed_attempts": sum(1 for reason in reasons
                                       if reason["status"] in (QUEUED, FAILED))}

    def discard(self, wanted: str) -> None:
        """Delete one DLQ message (by its Herald message id or its SQS id); its mail is
        recorded `failed` (an operator gave up on it)."""
        found = self._take(wanted)
        self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=found["ReceiptHandle"])
        message_id = dlq_view(found).get("message_id")
        if isinstance(message_id, str):
            with logs.bind(message_id=message_id):
                # Only a mail nobody may still be sending (nor SES have taken, as far as
                # its events tell); SES's Send event would still correct it to `sent`.
                self.log.move(message_id, FAILED, claimable=True,
                              detail="removed from the DLQ by an operator")
                logs.info("DLQ message discarded", sqs_message_id=found["MessageId"])

    def redrive_one(self, wanted: str) -> dict[str, Any]:
        """POST /dlq/messages/{id}/redrive: move one DLQ message (by its Herald message
        id or its SQS id) back to the queue. 404 when it is not in the DLQ (redriven or
        deleted already); 409 when its mail is settled (the DLQ copy is then deleted)."""
        found = self._take(wanted)
        if self._settled(found):
            self._delete_from_dlq([found])
            raise Conflict(f"the mail of DLQ message {wanted!r} is already settled (sent, "
                           "failed or expired); its DLQ copy was removed, nothing was resent",
                           field="message_id", code="already_settled")
        try:
            copied = self._copy_to_queue([found])
        except (ClientError, BotoCoreError) as exc:
            self._release([found])
            raise self._interrupted(0, f"{type(exc).__name__}: {exc}") from None
        if not copied:
            self._release([found])
            raise self._interrupted(0, "the queue refused the message")
        self._delete_from_dlq([found])
        view = dlq_view(found)
        logs.info("DLQ message redriven", sqs_message_id=found["MessageId"],
                  message_id=view.get("message_id"))
        return {"moved": 1, "id": found["MessageId"], "message_id": view.get("message_id")}

    def _take(self, wanted: str) -> dict[str, Any]:
        """The DLQ message `wanted` names (hidden briefly); the others read meanwhile are
        released. 404 naming `message_id` when none is."""
        def named(message: dict[str, Any]) -> bool:
            return wanted in (message["MessageId"], dlq_view(message).get("message_id"))

        messages = self._collect(self.max_move, stop_when=named)
        found = next((m for m in messages if named(m)), None)
        self._release([m for m in messages if m is not found])
        if found is None:
            raise NotFound(f"no DLQ message {wanted!r} (searched {len(messages)}): it was "
                           "redriven or deleted already, or never failed", field="message_id")
        return found

    def redrive(self) -> dict[str, Any]:
        """Move the DLQ's messages back to the queue; `moved` says how many.

        With StartMessageMoveTask SQS moves them in the background and
        `moved` is the DLQ's approximate count when the task started.
        """
        if self.move_task:
            waiting = self._counts(self.dlq_url)["visible"]
            task = self.sqs.start_message_move_task(SourceArn=self._arn(self.dlq_url),
                                                    DestinationArn=self._arn(self.queue_url))
            return {"moved": waiting, "task_handle": task["TaskHandle"]}
        moved, settled = self._move_by_hand()
        return {"moved": moved, "already_settled": settled}

    def _move_by_hand(self) -> tuple[int, int]:
        """Copy then delete, a batch at a time, the messages in the DLQ when it started;
        a message whose mail is already settled (sent, failed, ...) is only deleted.
        Returns (moved, settled)."""
        target = min(self.max_move, self._counts(self.dlq_url)["visible"])
        moved = settled = 0
        while moved + settled < target:
            batch = self._receive(min(_SQS_BATCH, target - moved - settled),
                                  visibility_s=_MOVE_VISIBILITY_S, wait_s=1)
            if not batch:
                break
            done = [message for message in batch if self._settled(message)]
            self._delete_from_dlq(done)
            settled += len(done)
            batch = [message for message in batch if message not in done]
            if not batch:
                continue
            try:
                copied = self._copy_to_queue(batch)
            except (ClientError, BotoCoreError) as exc:
                self._release(batch)
                raise self._interrupted(moved, f"{type(exc).__name__}: {exc}") from None
            self._release([m for m in batch if m["MessageId"] not in copied])
            try:
                self._delete_from_dlq([m for m in batch if m["MessageId"] in copied])
            except (ClientError, BotoCoreError) as exc:
                # The copies are in the queue; the DLQ ones come back as harmless duplicates
                # (the consumer's claim sends a mail once).
                raise self._interrupted(moved + len(copied),
                                        f"{type(exc).__name__}: {exc}") from None
            moved += len(copied)
            if len(copied) < len(batch):
                raise self._interrupted(moved, "the queue refused some messages")
        logs.info("DLQ redriven", moved=moved, already_settled=settled)
        return moved, settled

    def _settled(self, message: dict[str, Any]) -> bool:
        """The DLQ message's mail needs no more sending (a redrive must not resend it)."""
        message_id = dlq_view(message).get("message_id")
        if not isinstance(message_id, str):
            return False
        entry = self.log.get(message_id)
        return entry is not None and entry.get("status") in FINAL

    def _copy_to_queue(self, batch: list[dict[str, Any]]) -> set[str]:
        """Send copies of `batch` to the queue; returns the ids of those it accepted."""
        entries = [{"Id": str(index), "MessageBody": message["Body"]}
                   for index, message in enumerate(batch)]
        for entry, message in zip(entries, batch, strict=True):
            if message.get("MessageAttributes"):  # only the fields SendMessage accepts
                entry["MessageAttributes"] = {
                    name: {key: value for key, value in attribute.items()
                           if key in {"DataType", "StringValue", "BinaryValue"}}
                    for name, attribute in message["MessageAttributes"].items()}
        response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return {batch[int(item["Id"])]["MessageId"] for item in response.get("Successful", [])}

    def _delete_from_dlq(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), _SQS_BATCH):
            self.sqs.delete_message_batch(QueueUrl=self.dlq_url, Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(messages[start:start + _SQS_BATCH])])

    @staticmethod
    def _interrupted(moved: int, reason: str) -> ServiceUnavailable:
        logs.warning("DLQ redrive interrupted", moved=moved, reason=reason)
        return ServiceUnavailable(f"redrive interrupted after moving {moved} messages "
                                  f"({reason}); the others are still in the DLQ: retry",
                                  code="redrive_interrupted")

    # -- SQS helpers ----------------------------------------------------------

    def _receive(self, count: int, visibility_s: int, wait_s: int = 0) -> list[dict[str, Any]]:
        return self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=count, VisibilityTimeout=visibility_s,
            WaitTimeSeconds=wait_s, AttributeNames=["All"],
            MessageAttributeNames=["All"]).get("Messages", [])

    def _collect(self, limit: int, stop_when: Callable[[dict[str, Any]], bool] | None = None
                 ) -> list[dict[str, Any]]:
        """Read up to `limit` distinct DLQ messages, hiding them briefly so reads progress;
        stop early after a batch holding one `stop_when` picks."""
        found: dict[str, dict[str, Any]] = {}
        while len(found) < limit:
            batch = self._receive(min(_SQS_BATCH, limit - len(found)), _PEEK_VISIBILITY_S)
            if not batch:
                break
            found.update((m["MessageId"], m) for m in batch)
            if stop_when is not None and any(stop_when(m) for m in batch):
                break
        return list(found.values())

    def _release(self, messages: list[dict[str, Any]]) -> None:
        """Make read messages visible again now (else they are after their visibility)."""
        for start in range(0, len(messages), _SQS_BATCH):
            entries = [{"Id": str(index), "ReceiptHandle": message["ReceiptHandle"],
                        "VisibilityTimeout": 0}
                       for index, message in enumerate(messages[start:start + _SQS_BATCH])]
            try:
                self.sqs.change_message_visibility_batch(QueueUrl=self.dlq_url, Entries=entries)
            except (ClientError, BotoCoreError):
                logs.warning("could not release DLQ messages; visible again shortly",
                             exc_info=True)

    def _arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
