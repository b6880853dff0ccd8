"""Header-injection payloads and the readers that check a built mail, shared by
tests/unit/test_mime_safety.py (build_mime alone) and tests/functional/test_mime_safety.py
(through the API and the consumer)."""
from __future__ import annotations

import base64
import email
import re
from email.message import EmailMessage
from email.policy import default as default_policy

HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "X-Herald-Message-Id",
           "MIME-Version", "Content-Type"]
SENDER = "Herald <no-reply@example.com>"


def b64(text: str, codec: str = "utf-8") -> str:
    return base64.b64encode(text.encode(codec)).decode()


BCC = "Ana\r\nBcc: evil@attacker.test"
SWAP = "x\r\nContent-Type: text/html\r\n\r\n<h1>swapped</h1>"
CORPUS = {
    "q": "=?utf-8?q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "Q upper": "=?UTF-8?Q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "b": f"=?utf-8?b?{b64(BCC)}?=",
    "B upper": f"=?UTF-8?B?{b64(BCC)}?=",
    "iso-8859-1": "=?iso-8859-1?q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "utf-16": f"=?utf-16?b?{b64(BCC, 'utf-16')}?=",
    "rfc 2231 language": "=?utf-8*en?q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "rfc 2231 parameter": "x=?utf-8?q?=0D=0AContent-Type:_text/plain;_name*=utf-8''%0D%0ABcc?=",
    "split across words": "=?utf-8?q?Ana=0D?= =?utf-8?q?=0ABcc:_evil@attacker.test?=",
    "folded inside": "=?utf-8?q?Ana=0D=0A=09Bcc:_evil@attacker.test?=",
    "lone CR encoded": "=?utf-8?q?Ana=0DBcc:_evil@attacker.test?=",
    "lone LF encoded": "=?us-ascii?q?Ana=0ABcc:_evil@attacker.test?=",
    "To added": "=?utf-8?q?=0D=0ATo:_other@attacker.test?=",
    "content-type and blank line": f"=?utf-8?b?{b64(SWAP)}?=",
    "raw CRLF": BCC,
    "raw lone CR": "Ana\rBcc: evil@attacker.test",
    "raw lone LF": "Ana\nBcc: evil@attacker.test",
    "folded whitespace": "Ana\r\n Bcc: evil@attacker.test\r\n\tCc: evil@attacker.test",
    "U+2028": "Ana\u2028Bcc: evil@attacker.test",
    "U+2029": "Ana\u2029Bcc: evil@attacker.test",
    "U+0085": "Ana\x85Bcc: evil@attacker.test",
    "VT": "Ana\vBcc: evil@attacker.test",
    "FF": "Ana\fBcc: evil@attacker.test",
}


def parsed(raw: bytes | str) -> EmailMessage:
    data = raw.encode() if isinstance(raw, str) else raw
    return email.message_from_bytes(data, policy=default_policy)


def lines(text: str) -> list[str]:
    """Body lines as MIME carries them (CR, LF and CRLF all end a line)."""
    return re.split(r"\r\n|\r|\n", text.rstrip("\r\n"))


def mailboxes(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name without white space, address) of each mailbox: CPython's parser keeps
    the space between two encoded-words in a display name, which mail readers drop."""
    return [(squeezed(a.display_name), a.addr_spec) for a in message[name].addresses]


def squeezed(name: str) -> str:
    return "".join(name.split())
