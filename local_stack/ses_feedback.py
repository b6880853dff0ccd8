"""The SES events the local stack feeds to the feedback handler, as AWS would.

In AWS, SES publishes a configuration set's events to SNS, which delivers
them to the feedback queue, which the feedback Lambda consumes. The
emulated SES publishes nothing, so for each mail it accepted the local stack
asks this module for the events SES would have published (a `Send` event at
once, then the outcome) and publishes them to the emulated SNS topic, whose
subscription delivers them to the feedback queue. Recipients at SES's
mailbox simulator behave as in AWS: `bounce@` hard-bounces, `complaint@` is
delivered then complained about, `suppressionlist@` bounces as on the
account's suppression list; every other address is delivered. The events
follow the formats of the SES developer guide (see tests/fixtures/ses-events).
"""
from __future__ import annotations

import json
import time
import uuid
from email.utils import parseaddr
from typing import Any

from chalicelib.platform.clock import iso_time
from chalicelib.platform.settings import feedback_queue_name, feedback_topic_name
from local_stack.sqs_events import lambda_event

SIMULATOR_DOMAIN = "simulator.amazonses.com"
_SUBJECT = "Amazon SES Email Event Notification"
_ACCOUNT = "123456789012"  # moto's default account
_REPORTING_MTA = "a8-30.smtp-out.amazonses.com"


def _simulator_box(recipient: str) -> str | None:
    """`bounce` for bounce@ or bounce+label@simulator.amazonses.com; None off the simulator."""
    local, _, domain = parseaddr(recipient)[1].rpartition("@")
    return local.split("+", 1)[0].lower() if domain.lower() == SIMULATOR_DOMAIN else None


def _mail(recipient: str, ses_message_id: str, herald_message_id: str, sender: str,
          subject: str, configuration_set: str, region: str, sent_at: float) -> dict[str, Any]:
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return {
        "timestamp": iso_time(sent_at), "source": sender,
        "sourceArn": f"arn:aws:ses:{region}:{_ACCOUNT}:identity/{domain}",
        "sendingAccountId": _ACCOUNT, "messageId": ses_message_id,
        "destination": [recipient], "headersTruncated": False,
        "headers": [{"name": "From", "value": sender}, {"name": "To", "value": recipient},
                    {"name": "Subject", "value": subject},
                    {"name": "X-Herald-Message-Id", "value": herald_message_id},
                    {"name": "MIME-Version", "value": "1.0"},
                    {"name": "Content-Type", "value": "multipart/alternative"}],
        "commonHeaders": {"from": [sender], "to": [recipient], "messageId": ses_message_id,
                          "subject": subject},
        "tags": {"ses:configuration-set": [configuration_set], "ses:source-ip": ["127.0.0.1"],
                 "ses:from-domain": [domain], "ses:caller-identity": ["herald-local"],
                 "herald_message_id": [herald_message_id]},
    }


def _delivery(recipient: str, at: float) -> tuple[str, dict[str, Any]]:
    return "delivery", {"timestamp": iso_time(at), "processingTimeMillis": 850,
                        "recipients": [recipient], "smtpResponse": "250 2.6.0 Message received",
                        "reportingMTA": _REPORTING_MTA}


def _bounce(recipient: str, at: float, subtype: str,
            diagnostic: str) -> tuple[str, dict[str, Any]]:
    return "bounce", {
        "bounceType": "Permanent", "bounceSubType": subtype,
        "bouncedRecipients": [{"emailAddress": recipient, "action": "failed",
                               "status": "5.1.1", "diagnosticCode": diagnostic}],
        "timestamp": iso_time(at), "feedbackId": f"{uuid.uuid4()}-000000",
        "reportingMTA": f"dsn; {_REPORTING_MTA}"}


def _complaint(recipient: str, at: float) -> tuple[str, dict[str, Any]]:
    return "complaint", {
        "complainedRecipients": [{"emailAddress": recipient}], "timestamp": iso_time(at),
        "feedbackId": f"{uuid.uuid4()}-000000", "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse", "arrivalDate": iso_time(at)}


def sns_envelope(message: dict[str, Any], topic_arn: str, at: float) -> dict[str, Any]:
    """The SNS notification a (non-raw) SQS subscription receives, Message a JSON string."""
    return {
        "Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn,
        "Subject": _SUBJECT, "Message": json.dumps(message, separators=(",", ":")) + "\n",
        "Timestamp": iso_time(at), "SignatureVersion": "1", "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.local/SimpleNotificationService.pem",
        "UnsubscribeURL": f"https://sns.local/?Action=Unsubscribe&SubscriptionArn={topic_arn}",
    }


def feedback_queue_event(messages: list[dict[str, Any]], region: str = "us-east-1",
                         topic_name: str | None = None) -> dict[str, Any]:
    """The Lambda event the feedback queue's mapping hands over for these SES events."""
    topic_arn = f"arn:aws:sns:{region}:{_ACCOUNT}:{topic_name or feedback_topic_name()}"
    queue_arn = f"arn:aws:sqs:{region}:{_ACCOUNT}:{feedback_queue_name()}"
    return lambda_event([{"MessageId": str(uuid.uuid4()), "ReceiptHandle": str(uuid.uuid4()),
                          "Body": json.dumps(sns_envelope(m, topic_arn, time.time()))}
                         for m in messages], queue_arn, region)


def ses_events(recipient: str, ses_message_id: str, herald_message_id: str, sender: str,
               subject: str, *, configuration_set: str = "herald-dev",
               region: str = "us-east-1", now: float | None = None) -> list[dict[str, Any]]:
    """The SES events SES would publish for one accepted mail, in order: Send first."""
    sent_at = time.time() if now is None else now
    outcome_at = sent_at + 1
    box = _simulator_box(recipient)
    details = [("send", {})]
    if box == "bounce":
        details.append(_bounce(recipient, outcome_at, "General", "smtp; 550 5.1.1 user unknown"))
    elif box == "suppressionlist":
        details.append(_bounce(recipient, outcome_at, "OnAccountSuppressionList",
                               "Amazon SES did not send the message to this address because "
                               "it is on the suppression list for your account."))
    elif box == "complaint":
        details += [_delivery(recipient, outcome_at), _complaint(recipient, outcome_at + 1)]
    else:
        details.append(_delivery(recipient, outcome_at))
    mail = _mail(recipient, ses_message_id, herald_message_id, sender, subject,
                 configuration_set, region, sent_at)
    return [{"eventType": key.capitalize(), "mail": mail, key: detail}
            for key, detail in details]


def feedback_events(recipient: str, ses_message_id: str, herald_message_id: str, sender: str,
                    subject: str, *, configuration_set: str = "herald-dev",
                    region: str = "us-east-1", now: float | None = None) -> list[dict[str, Any]]:
    """One feedback-queue Lambda event per SES event of one accepted mail, in order."""
    return [feedback_queue_event([message], region)
            for message in ses_events(recipient, ses_message_id, herald_message_id, sender,
                                      subject, configuration_set=configuration_set,
                                      region=region, now=now)]
