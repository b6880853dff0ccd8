"""The SMS channel: renders the pinned SMS template's text and publishes it with SNS
straight to the phone number, as a transactional SMS.

Publish has no idempotency key, so like SES it is tried once (retries go
through the SMS queue): an answer lost to a read timeout leaves the SMS in
doubt. SNS accepts a publish to a number that replied STOP and drops it
later, so `prepare` looks the number's opt-out up (a read: its failure sends
nothing and is retried) and `send` ends such an SMS `failed` without a publish.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.addresses import Phone, parse_phone
from chalicelib.delivery.channels import PERMANENT, SendFailed, classify_send_error
from chalicelib.messages.envelope import SMS, Envelope
from chalicelib.platform.aws import SMS_CALL_BUDGET_S
from chalicelib.templating.cache import TemplateCache

# Errors about this one SMS (the number, the text): retrying cannot help.
PERMANENT_SNS_ERRORS = {"InvalidParameter", "InvalidParameterValue", "ParameterValueInvalid",
                        "ValidationException"}
THROTTLING_ERRORS = {"Throttled", "Throttling", "ThrottlingException", "ThrottledException"}
TRANSACTIONAL = "Transactional"  # delivery over cost: codes and alerts, not marketing


def classify(exc: Exception) -> SendFailed:
    """What an SNS Publish error means: by the error's kind, never by guessing from its text."""
    return classify_send_error(exc, "SNS", PERMANENT_SNS_ERRORS, THROTTLING_ERRORS)


class SnsSmsTransport:
    """SNS's SMS calls, on a client without retries (chalicelib/platform/aws.py)."""

    def __init__(self, sns: Any, sender_id: str = "") -> None:
        self.sns = sns
        self.sender_id = sender_id

    def opted_out(self, number: str) -> bool:
        """Whether the number replied STOP (raises AWS's errors as they are)."""
        return bool(self.sns.check_if_phone_number_is_opted_out(
            phoneNumber=number)["isOptedOut"])

    def publish(self, number: str, text: str) -> str:
        """Publish once and return SNS's message id, or raise SendFailed."""
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                              "StringValue": TRANSACTIONAL}}
        if self.sender_id:  # used where the destination country allows sender ids
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String",
                                                  "StringValue": self.sender_id}
        try:
            return self.sns.publish(PhoneNumber=number, Message=text,
                                    MessageAttributes=attributes)["MessageId"]
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc) from None


@dataclass(frozen=True)
class PreparedSms:
    number: str
    text: str
    opted_out: bool


class SmsChannel:
    """Implements chalicelib.delivery.channels.Channel for SMS sent through SNS."""

    name = SMS
    call_budget_s = SMS_CALL_BUDGET_S
    provider_id_field = "sns_message_id"

    def __init__(self, cache: TemplateCache, transport: SnsSmsTransport) -> None:
        self.cache = cache
        self.transport = transport

    def recipient(self, to: str) -> Phone:
        return parse_phone(to)

    def prepare(self, message: Envelope) -> PreparedSms:
        """Render the SMS template version the API checked; look the number's opt-out up."""
        body = message.body
        compiled = self.cache.pinned(body["template"], body["version"], body.get("pins"))
        text = compiled.render_sms(message.variables, body.get("locale")).text
        return PreparedSms(body["to"], text, self.transport.opted_out(body["to"]))

    def send(self, prepared: PreparedSms, message_id: str) -> str:
        if prepared.opted_out:
            raise SendFailed("the number opted out of SMS (replied STOP)", PERMANENT)
        return self.transport.publish(prepared.number, prepared.text)
