"""SES events (via SNS) -> the message log and the suppression list.

SES publishes configuration-set events (`eventType`) and identity
notifications (`notificationType`) with the same detail objects. Each event
finds its message by SES message id and moves it to its outcome, never back:
SNS may deliver late, out of order or twice. A permanent bounce or a
complaint suppresses the recipient even when the message has left the log.
A malformed or unknown event is logged and skipped; only AWS trouble fails
the invocation, so Lambda retries it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import logs, metrics
from chalicelib.addresses import parse_address
from chalicelib.errors import BadRequest
from chalicelib.message_log import BOUNCED, COMPLAINED, DELIVERED, FAILED, SENT, MessageLog
from chalicelib.suppression import SuppressionList

SES_ID_INDEX = "by_ses_message_id"

# event type -> the key of its detail object
DETAIL_KEYS = {"Bounce": "bounce", "Complaint": "complaint", "Delivery": "delivery",
               "Reject": "reject", "DeliveryDelay": "deliveryDelay",
               "Rendering Failure": "failure"}


class MalformedEvent(ValueError):
    """An SNS record that is not a usable SES event."""


class FeedbackFailed(Exception):
    """Some records could not be recorded (AWS trouble); Lambda retries the invocation."""


@dataclass(frozen=True)
class SesEvent:
    kind: str  # a key of DETAIL_KEYS
    ses_message_id: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What an event does: the status it sets (from `only_if`) and whom it suppresses."""

    status: str
    only_if: tuple[str, ...]
    detail: str
    metric: str | None = None
    suppress: tuple[tuple[str, str], ...] = ()  # (address, detail)
    reason: str = ""


def parse_record(record: dict[str, Any]) -> SesEvent | None:
    """The SES event in an SNS record; None for event types Herald does not track."""
    message = (record.get("Sns") or {}).get("Message")
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            raise MalformedEvent("SNS Message is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedEvent("SNS Message is not a JSON object")
    kind = message.get("eventType") or message.get("notificationType")
    if kind not in DETAIL_KEYS:
        return None
    ses_message_id = (message.get("mail") or {}).get("messageId")
    detail = message.get(DETAIL_KEYS[kind])
    if not isinstance(ses_message_id, str) or not isinstance(detail, dict):
        raise MalformedEvent(f"{kind} event without mail.messageId or {DETAIL_KEYS[kind]}")
    return SesEvent(kind, ses_message_id, detail)


def _recipients(detail: dict[str, Any], key: str) -> list[dict[str, Any]]:
    recipients = detail.get(key)
    if not isinstance(recipients, list) or not all(
            isinstance(r, dict) and isinstance(r.get("emailAddress"), str) for r in recipients):
        raise MalformedEvent(f"{key} is not a list of recipients")
    return recipients


def outcome(event: SesEvent) -> Outcome:
    """The status change (and suppressions) one event stands for."""
    detail = event.detail
    if event.kind == "Delivery":
        return Outcome(DELIVERED, (SENT,), f"Delivery: {detail.get('smtpResponse', '')}",
                       metric="Delivered")
    if event.kind == "Bounce":
        kind = f"{detail.get('bounceType')}/{detail.get('bounceSubType')}"
        diagnostics = {r["emailAddress"]: f"{kind}: {r.get('diagnosticCode') or 'no DSN'}"
                       for r in _recipients(detail, "bouncedRecipients")}
        permanent = detail.get("bounceType") == "Permanent"  # Transient, Undetermined: may recover
        return Outcome(BOUNCED, (SENT, DELIVERED),
                       "Bounce " + next(iter(diagnostics.values()), kind), metric="Bounced",
                       suppress=tuple(diagnostics.items()) if permanent else (), reason="bounce")
    if event.kind == "Complaint":
        feedback = detail.get("complaintFeedbackType") or "no feedback report"
        return Outcome(COMPLAINED, (SENT, DELIVERED, BOUNCED), f"Complaint: {feedback}",
                       metric="Complained", reason="complaint",
                       suppress=tuple((r["emailAddress"], feedback)
                                      for r in _recipients(detail, "complainedRecipients")))
    if event.kind == "Reject":
        return Outcome(FAILED, (SENT,), f"Reject: {detail.get('reason', '')}", metric="Failed")
    if event.kind == "Rendering Failure":
        return Outcome(FAILED, (SENT,), f"Rendering Failure: {detail.get('errorMessage', '')}",
                       metric="Failed")
    # DeliveryDelay: SES is still trying; the status stays `sent`, the event is noted.
    delayed = _recipients(detail, "delayedRecipients")
    reason = delayed[0].get("diagnosticCode", "") if delayed else ""
    return Outcome(SENT, (SENT,), f"DeliveryDelay {detail.get('delayType', '')}: {reason}")


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


class FeedbackHandler:
    def __init__(self, log: MessageLog, index: SesMessageIndex,
                 suppressions: SuppressionList) -> None:
        self.log = log
        self.index = index
        self.suppressions = suppressions

    def handle(self, records: list[dict[str, Any]]) -> dict[str, int]:
        """Apply each SNS record; returns how many changed a message and how many did not."""
        applied = skipped = failed = 0
        for record in records:
            try:
                if self._handle_record(record):
                    applied += 1
                else:
                    skipped += 1
            except (ClientError, BotoCoreError):
                logs.error("SES event not recorded; the invocation will be retried",
                           exc_info=True)
                failed += 1
        if failed:
            raise FeedbackFailed(f"{failed} of {len(records)} SES events not recorded")
        return {"applied": applied, "skipped": skipped}

    def _handle_record(self, record: dict[str, Any]) -> bool:
        try:
            event = parse_record(record)
            if event is None:
                logs.info("SES event type not tracked; skipped")
                return False
            change = outcome(event)
        except MalformedEvent as exc:
            logs.warning("malformed SES event skipped", reason=str(exc),
                         sns_message_id=(record.get("Sns") or {}).get("MessageId"))
            return False
        message_id = self.index.message_id(event.ses_message_id)
        with logs.bind(message_id=message_id, ses_message_id=event.ses_message_id,
                       event_type=event.kind):
            for address, detail in change.suppress:
                self._suppress(address, change.reason, detail)
            if message_id is None:
                logs.info("SES event for a message not in the log; skipped")
                return False
            if not self.log.record(message_id, change.status, only_if=change.only_if,
                                   detail=change.detail):
                logs.info("SES event not applied: the message has a later outcome")
                return False
            if change.metric:
                metrics.count(change.metric, message_id=message_id)
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
