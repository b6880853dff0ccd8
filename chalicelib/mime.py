"""Builds the raw MIME message Herald hands to SES.

Raw MIME lets Herald set its own Message-ID and headers (List-Unsubscribe
later) and keeps text and HTML as one multipart/alternative.
"""
from __future__ import annotations

import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from typing import Mapping

from chalicelib.renderer import RenderedMail


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
