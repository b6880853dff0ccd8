"""Sends raw MIME through SES v2.

Raw MIME lets Herald set its own Message-ID and headers (List-Unsubscribe
later) and keeps text and HTML as one multipart/alternative.
"""
from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.platform.dynamo import error_code

# Errors that are about this one message: retrying cannot help.
PERMANENT_SES_ERRORS = {"MessageRejected", "BadRequestException", "InvalidParameterValue",
                        "AccountSuspendedException", "MailFromDomainNotVerifiedException"}
THROTTLING_ERRORS = {"Throttling", "ThrottlingException", "TooManyRequestsException",
                     "LimitExceededException", "SendingPausedException"}
# What a failed send means for the mail.
PERMANENT = "permanent"  # SES refused this mail: retrying cannot help
TRANSIENT = "transient"  # SES did not take it (throttled, 5xx, unreachable): retry
IN_DOUBT = "in_doubt"  # SES may have taken it, but its answer was lost


class SendFailed(Exception):
    """A send that did not (certainly) happen; `kind` says what a retry risks."""

    def __init__(self, reason: str, kind: str, throttled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.throttled = throttled


def classify(exc: Exception) -> SendFailed:
    """What an SES error means: by the error's kind, never by guessing from its text."""
    from botocore.exceptions import ConnectionError as NotConnected

    code = error_code(exc)
    if code:
        if code in PERMANENT_SES_ERRORS:
            return SendFailed(f"SES {code}", PERMANENT)
        return SendFailed(f"SES {code}", TRANSIENT, throttled=code in THROTTLING_ERRORS)
    name = type(exc).__name__
    if isinstance(exc, NotConnected):  # never reached SES (connect failed or timed out)
        return SendFailed(f"SES unreachable ({name})", TRANSIENT)
    return SendFailed(f"SES did not answer ({name})", IN_DOUBT)


class SesTransport:
    def __init__(self, sesv2: Any, configuration_set: str | None) -> None:
        self.ses = sesv2
        self.configuration_set = configuration_set

    def send(self, raw: bytes, sender: str, to: str, herald_id: str) -> str:
        """Send once and return SES's message id, or raise SendFailed."""
        args: dict[str, Any] = {
            # the bare address: SES wants it in ASCII; the From header keeps the name
            "FromEmailAddress": parseaddr(sender)[1] or sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": "herald_message_id", "Value": herald_id}],
        }
        if self.configuration_set:
            args["ConfigurationSetName"] = self.configuration_set
        try:
            return self.ses.send_email(**args)["MessageId"]
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc) from None
