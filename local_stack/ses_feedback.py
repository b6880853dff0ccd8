"""The SES events the local stack feeds to the feedback handler, as AWS would.

In AWS, SES publishes a configuration set's events to SNS, which invokes
the feedback Lambda. Locally nothing does, so for each mail the emulated SES
accepted the poller asks this module for the SNS Lambda events SES would
have published and hands them to the real handler. Recipients at SES's
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

from chalicelib.settings import feedback_topic_name

SIMULATOR_DOMAIN = "simulator.amazonses.com"
_SUBJECT = "Amazon SES Email Event Notification"
_ACCOUNT = "123456789012"  # moto's default account
_REPORTING_MTA = "a8-30.smtp-out.amazonses.com"


def _iso(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s)) + \
        f".{int(epoch_s * 1000) % 1000:03d}Z"


def _simulator_box(recipient: str) -> str | None:
    """`bounce` for bounce@ or bounce+label@simulator.amazonses.com; None off the simulator."""
    local, _, domain = parseaddr(recipient)[1].rpartition("@")
    return local.split("+", 1)[0].lower() if domain.lower() == SIMULATOR_DOMAIN else None


def _mail(recipient: str, ses_message_id: str, herald_message_id: str, sender: str,
          subject: str, configuration_set: str, region: str, sent_at: float) -> dict[str, Any]:
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return {
        "timestamp": _iso(sent_at), "source": sender,
        "sourceArn": f"arn:aws:ses:{region}:{_ACCOUNT}:identity/{domain}",
        "sendingAccountId": _ACCOUNT, "messageId": ses_message_id,
        "destination": [recipient], "headersTruncated": False,
        "headers": [{"name": "From", "value": sender}, {"name": "To", "value": recipient},
                    {"name": "Subject", "value": subject},
                    {"name": "MIME-Version", "value": "1.0"},
                    {"name": "Content-Type", "value": "multipart/alternative"}],
        "commonHeaders": {"from": [sender], "to": [recipient], "messageId": ses_message_id,
                          "subject": subject},
        "tags": {"ses:configuration-set": [configuration_set], "ses:source-ip": ["127.0.0.1"],
                 "ses:from-domain": [domain], "ses:caller-identity": ["herald-local"],
                 "herald_message_id": [herald_message_id]},
    }


def _delivery(recipient: str, at: float) -> tuple[str, dict[str, Any]]:
    return "delivery", {"timestamp": _iso(at), "processingTimeMillis": 850,
                        "recipients": [recipient], "smtpResponse": "250 2.6.0 Message received",
                        "reportingMTA": _REPORTING_MTA}


def _bounce(recipient: str, at: float, subtype: str,
            diagnostic: str) -> tuple[str, dict[str, Any]]:
    return "bounce", {
        "bounceType": "Permanent", "bounceSubType": subtype,
        "bouncedRecipients": [{"emailAddress": recipient, "action": "failed",
                               "status": "5.1.1", "diagnosticCode": diagnostic}],
        "timestamp": _iso(at), "feedbackId": f"{uuid.uuid4()}-000000",
        "reportingMTA": f"dsn; {_REPORTING_MTA}"}


def _complaint(recipient: str, at: float) -> tuple[str, dict[str, Any]]:
    return "complaint", {
        "complainedRecipients": [{"emailAddress": recipient}], "timestamp": _iso(at),
        "feedbackId": f"{uuid.uuid4()}-000000", "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse", "arrivalDate": _iso(at)}


def _sns_event(message: dict[str, Any], topic_arn: str, at: float) -> dict[str, Any]:
    """One SNS -> Lambda event, the Message a JSON string as AWS sends it."""
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
        "Sns": {
            "Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn,
            "Subject": _SUBJECT, "Message": json.dumps(message, separators=(",", ":")) + "\n",
            "Timestamp": _iso(at), "SignatureVersion": "1", "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.local/SimpleNotificationService.pem",
            "UnsubscribeUrl": f"https://sns.local/?Action=Unsubscribe&SubscriptionArn={topic_arn}",
            "MessageAttributes": {},
        },
    }]}


def feedback_events(recipient: str, ses_message_id: str, herald_message_id: str, sender: str,
                    subject: str, *, configuration_set: str = "herald-dev",
                    region: str = "us-east-1", topic_name: str | None = None,
                    now: float | None = None) -> list[dict[str, Any]]:
    """The SNS Lambda events SES would publish for one accepted mail, in order."""
    sent_at = time.time() if now is None else now
    outcome_at = sent_at + 1
    box = _simulator_box(recipient)
    if box == "bounce":
        details = [_bounce(recipient, outcome_at, "General", "smtp; 550 5.1.1 user unknown")]
    elif box == "suppressionlist":
        details = [_bounce(recipient, outcome_at, "OnAccountSuppressionList",
                           "Amazon SES did not send the message to this address because it "
                           "is on the suppression list for your account.")]
    elif box == "complaint":
        details = [_delivery(recipient, outcome_at), _complaint(recipient, outcome_at + 1)]
    else:
        details = [_delivery(recipient, outcome_at)]
    mail = _mail(recipient, ses_message_id, herald_message_id, sender, subject,
                 configuration_set, region, sent_at)
    topic_arn = f"arn:aws:sns:{region}:{_ACCOUNT}:{topic_name or feedback_topic_name()}"
    return [_sns_event({"eventType": key.capitalize(), "mail": mail, key: detail},
                       topic_arn, outcome_at)
            for key, detail in details]
