"""Builds the MIME message and sends it through SES v2 as raw content.

Raw MIME lets Herald set its own Message-ID and headers (List-Unsubscribe
later) and keeps text and HTML as one multipart/alternative.
"""
from __future__ import annotations

import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.dynamo import error_code
from chalicelib.renderer import RenderedMail

# Errors that are about this one message: retrying cannot help.
PERMANENT_SES_ERRORS = {"MessageRejected", "BadRequestException", "InvalidParameterValue"}


class SendFailed(Exception):
    """A send did not happen; `permanent` says whether a retry could help."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def build_mime(mail: RenderedMail, to: str, sender: str, reply_to: str | None,
               herald_id: str, headers: Mapping[str, str] | None = None) -> bytes:
    message = EmailMessage(policy=SMTP)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "herald.local"
    message["From"] = sender
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(time.time(), usegmt=True)
    message["Message-ID"] = make_msgid(idstring=herald_id, domain=domain)
    message["X-Herald-Message-Id"] = herald_id
    if reply_to:
        message["Reply-To"] = reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message.as_bytes()


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
