"""SES events (SES -> SNS -> SQS -> here) -> the message log and the suppression list.

SES publishes configuration-set events (`eventType`) and identity
notifications (`notificationType`) with the same detail objects. Each event
finds its message by Herald's id (the `herald_message_id` tag, or the
X-Herald-Message-Id header; the SES message id index otherwise) and moves it
to its outcome, never back: events may arrive late, out of order or twice.
SES's `Send` event is the evidence that a mail left even when the consumer
could not record it, so a consumer never resends a mail SES took. A permanent
bounce or a complaint suppresses the recipient even when the message has
left the log. A malformed or unknown event is logged and skipped; AWS trouble
returns that record to the queue (its own DLQ after repeated failures),
through the batch runner (chalicelib/platform/sqs_batch.py): applying an
event twice is harmless, so the runner needs no queue of its own to delete
from.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.addresses import parse_address
from chalicelib.errors import BadRequest
from chalicelib.platform import logs, metrics
from chalicelib.platform.clock import epoch_s
from chalicelib.platform.sqs_batch import BatchResponse, BatchRunner, SqsRecord
from chalicelib.records.message_log import MessageLog
from chalicelib.records.states import (
    BOUNCED,
    COMPLAINED,
    DELIVERED,
    EXPIRED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
)
from chalicelib.records.suppression import SuppressionList
from chalicelib.records.tables import index_name

SES_ID_INDEX = index_name("ses_message_id")

# event type -> the key of its detail object
DETAIL_KEYS = {"Send": "send", "Bounce": "bounce", "Complaint": "complaint", "Delivery": "delivery",
               "Reject": "reject", "DeliveryDelay": "deliveryDelay",
               "Rendering Failure": "failure"}


class MalformedEvent(ValueError):
    """An SNS record that is not a usable SES event."""


@dataclass(frozen=True)
class SesEvent:
    kind: str  # a key of DETAIL_KEYS
    ses_message_id: str
    detail: dict[str, Any]
    herald_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What an event does: the status it sets (from `only`, None: all that may precede
    it) and whom it suppresses."""

    status: str
    only: tuple[str, ...] | None
    detail: str
    metric: str | None = None
    suppress: tuple[tuple[str, str], ...] = ()  # (address, detail)
    reason: str = ""


def ses_event_of(body: Any) -> dict[str, Any]:
    """The SES event inside a feedback-queue body: an SNS notification envelope
    (its `Message` a JSON string), or the event itself (raw delivery)."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            raise MalformedEvent("message body is not JSON") from None
    if isinstance(body, dict) and body.get("Type") == "Notification":
        return ses_event_of(body.get("Message"))
    if not isinstance(body, dict):
        raise MalformedEvent("SES event is not a JSON object")
    return body


def parse_event(message: dict[str, Any]) -> SesEvent | None:
    """The SES event Herald tracks; None for event types it does not."""
    kind = message.get("eventType") or message.get("notificationType")
    if kind not in DETAIL_KEYS:
        return None
    mail = message.get("mail") or {}
    ses_message_id = mail.get("messageId")
    detail = message.get(DETAIL_KEYS[kind], {} if kind == "Send" else None)
    if not isinstance(ses_message_id, str) or not isinstance(detail, dict):
        raise MalformedEvent(f"{kind} event without mail.messageId or {DETAIL_KEYS[kind]}")
    return SesEvent(kind, ses_message_id, detail, _herald_id(mail))


def _herald_id(mail: dict[str, Any]) -> str | None:
    """Herald's message id from the event's tags, or from the mail's own header."""
    tags = mail.get("tags")
    values = tags.get("herald_message_id") if isinstance(tags, dict) else None
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    headers = mail.get("headers")
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == \
                "x-herald-message-id" and isinstance(header.get("value"), str):
            return header["value"]
    return None


def _recipients(detail: dict[str, Any], key: str) -> list[dict[str, Any]]:
    recipients = detail.get(key)
    if not isinstance(recipients, list) or not all(
            isinstance(r, dict) and isinstance(r.get("emailAddress"), str) for r in recipients):
        raise MalformedEvent(f"{key} is not a list of recipients")
    return recipients


def outcome(event: SesEvent) -> Outcome:
    """The status change (and suppressions) one event stands for."""
    detail = event.detail
    if event.kind == "Send":
        return Outcome(SENT, (QUEUED, SENDING, EXPIRED, FAILED), "Send: SES accepted the mail")
    if event.kind == "Delivery":
        return Outcome(DELIVERED, None, f"Delivery: {detail.get('smtpResponse', '')}",
                       metric="Delivered")
    if event.kind == "Bounce":
        kind = f"{detail.get('bounceType')}/{detail.get('bounceSubType')}"
        diagnostics = {r["emailAddress"]: f"{kind}: {r.get('diagnosticCode') or 'no DSN'}"
                       for r in _recipients(detail, "bouncedRecipients")}
        permanent = detail.get("bounceType") == "Permanent"  # Transient, Undetermined: may recover
        return Outcome(BOUNCED, None,
                       "Bounce " + next(iter(diagnostics.values()), kind), metric="Bounced",
                       suppress=tuple(diagnostics.items()) if permanent else (), reason="bounce")
    if event.kind == "Complaint":
        feedback = detail.get("complaintFeedbackType") or "no feedback report"
        return Outcome(COMPLAINED, None, f"Complaint: {feedback}",
                       metric="Complained", reason="complaint",
                       suppress=tuple((r["emailAddress"], feedback)
                                      for r in _recipients(detail, "complainedRecipients")))
    if event.kind == "Reject":
        return Outcome(FAILED, (SENDING, SENT), f"Reject: {detail.get('reason', '')}",
                       metric="Failed")
    if event.kind == "Rendering Failure":
        return Outcome(FAILED, (SENDING, SENT),
                       f"Rendering Failure: {detail.get('errorMessage', '')}",
                       metric="Failed")
    # DeliveryDelay: SES is still trying; the status stays `sent`, the event is noted.
    delayed = _recipients(detail, "delayedRecipients")
    reason = delayed[0].get("diagnosticCode", "") if delayed else ""
    return Outcome(SENT, None, f"DeliveryDelay {detail.get('delayType', '')}: {reason}")


def inbox_fields(entry: dict[str, Any], delivery: dict[str, Any]) -> dict[str, Any]:
    """When SES says the receiving server took the mail, and whether that was after the
    mail's `expires_at` (a code that arrived late: `late`)."""
    delivered_at = delivery.get("timestamp")
    if not isinstance(delivered_at, str):
        return {}
    fields: dict[str, Any] = {"delivered_at": delivered_at}
    delivered_s = epoch_s(delivered_at)
    expires_at = entry.get("expires_at")
    if delivered_s is not None and isinstance(expires_at, (int, float)) and \
            delivered_s > expires_at:
        fields["late"] = True
    return fields


def _time_to_inbox(entry: dict[str, Any], fields: dict[str, Any], message_id: str) -> None:
    """Accepted -> delivered, per stage and, for auth mail, per template (its p95 alarms)."""
    accepted_s = epoch_s(entry.get("created_at"))
    delivered_s = epoch_s(fields.get("delivered_at"))
    if accepted_s is None or delivered_s is None:
        return
    by_template = ({"Template": entry["template"]}
                   if entry.get("category") == "auth" and isinstance(entry.get("template"), str)
                   else {})
    metrics.put({"TimeToInbox": (max(0, int((delivered_s - accepted_s) * 1000)),
                                 metrics.MILLISECONDS)},
                dimensions={"Category": str(entry.get("category")), **by_template},
                message_id=message_id, late=bool(fields.get("late")))


class SesMessageIndex:
    """Finds a message-log item by SES message id (the table's KEYS_ONLY index)."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.db = dynamodb
        self.table = table

    def message_id(self, ses_message_id: str) -> str | None:
        response = self.db.query(
            TableName=self.table, IndexName=SES_ID_INDEX, Limit=1,
            KeyConditionExpression="ses_message_id = :id",
            ExpressionAttributeValues={":id": {"S": ses_message_id}})
        items = response.get("Items", [])
        return items[0]["message_id"]["S"] if items else None


@dataclass(frozen=True)
class Feedback:
    """A tracked SES event and the change it stands for."""

    event: SesEvent
    change: Outcome


def read_feedback(body: str) -> Feedback | None:
    """The change a feedback-queue body asks for; None (logged) for one Herald skips:
    an event type it does not track, or a malformed event (retrying cannot mend it)."""
    try:
        event = parse_event(ses_event_of(body))
        if event is None:
            logs.info("SES event type not tracked; skipped")
            return None
        return Feedback(event, outcome(event))
    except MalformedEvent as exc:
        logs.warning("malformed SES event skipped", reason=str(exc))
        return None


class FeedbackHandler:
    def __init__(self, log: MessageLog, index: SesMessageIndex,
                 suppressions: SuppressionList,
                 batches: BatchRunner[Feedback | None]) -> None:
        self.log = log
        self.index = index
        self.suppressions = suppressions
        self.batches = batches

    def handle(self, records: list[SqsRecord]) -> BatchResponse:
        """Apply each feedback-queue record; AWS trouble returns that record to the queue."""
        return self.batches.run(records, self.apply)

    def apply(self, feedback: Feedback | None) -> bool:
        """Apply one SES event; True if it changed a mail."""
        if feedback is None:
            return False
        event, change = feedback.event, feedback.change
        message_id = event.herald_id or self.index.message_id(event.ses_message_id)
        with logs.bind(message_id=message_id, ses_message_id=event.ses_message_id,
                       event_type=event.kind):
            for address, detail in change.suppress:
                self._suppress(address, change.reason, detail)
            if message_id is None:
                logs.info("SES event for a message not in the log; skipped")
                return False
            fields: dict[str, Any] = {"ses_message_id": event.ses_message_id}
            entry = None
            if change.status == DELIVERED:
                entry = self.log.get(message_id) or {}
                fields.update(inbox_fields(entry, event.detail))
            if not self.log.move(message_id, change.status, only=change.only,
                                 detail=change.detail, fields=fields):
                logs.info("SES event not applied: the message has a later outcome")
                return False
            if change.metric:
                metrics.count(change.metric, message_id=message_id)
            if entry is not None:
                _time_to_inbox(entry, fields, message_id)
            logs.info("SES event recorded", status=change.status, detail=change.detail)
            return True

    def _suppress(self, raw_address: str, reason: str, detail: str) -> None:
        try:
            address = parse_address(raw_address, field="emailAddress")
        except BadRequest:
            logs.warning("SES event names an invalid address; not suppressed", reason=reason)
            return
        self.suppressions.add(address, reason, detail)
        logs.info("recipient suppressed", reason=reason)
