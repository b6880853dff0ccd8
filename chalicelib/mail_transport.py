"""Sends raw MIME through SES v2.

Raw MIME lets Herald set its own Message-ID and headers (List-Unsubscribe
later) and keeps text and HTML as one multipart/alternative.
"""
from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.dynamo import error_code

# Errors that are about this one message: retrying cannot help.
PERMANENT_SES_ERRORS = {"MessageRejected", "BadRequestException", "InvalidParameterValue"}


class SendFailed(Exception):
    """A send did not happen; `permanent` says whether a retry could help."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SesTransport:
    def __init__(self, sesv2: Any, configuration_set: str | None) -> None:
        self.ses = sesv2
        self.configuration_set = configuration_set

    def send(self, raw: bytes, sender: str, to: str, herald_id: str) -> str:
        """Send and return SES's message id, or raise SendFailed."""
        args: dict[str, Any] = {
            "FromEmailAddress": sender, "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": "herald_message_id", "Value": herald_id}],
        }
        if self.configuration_set:
            args["ConfigurationSetName"] = self.configuration_set
        try:
            return self.ses.send_email(**args)["MessageId"]
        except (ClientError, BotoCoreError) as exc:
            code = error_code(exc)
            raise SendFailed(f"SES {code or type(exc).__name__}",
                             permanent=code in PERMANENT_SES_ERRORS) from None
