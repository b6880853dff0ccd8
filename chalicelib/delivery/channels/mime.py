"""Builds the raw MIME message Herald hands to SES, and proves it says what was meant.

Raw MIME lets Herald set its own Message-ID and headers (List-Unsubscribe)
and keeps text and HTML as one multipart/alternative.

Headers whose values come from data (the rendered subject, the template's
sender and reply-to, the recipient) are encoded here, by Herald, into 7-bit
ASCII lines: every line break and control character becomes a space, and
text that is not plain printable ASCII, or that holds `=?` (the start of an
RFC 2047 encoded-word), is sent as base64 encoded-words of its UTF-8, so a
reader shows it literally. The `email` package never parses these values, so
its header folding cannot turn an encoded CR/LF back into a real one (CPython
CVE-2024-6923, present in 3.11.7) whatever the interpreter's patch level.
Only the body parts, which carry no data in their headers, are built by `email`.

Notification mail for a user carries RFC 8058's one-click unsubscribe:
`List-Unsubscribe: <url>` (the URL checked to be a plain http(s) URL with no
space, comma or angle bracket, so it cannot end the list or add a header) and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`, each on one unfolded
line (some DKIM verifiers fail on a folded List-Unsubscribe).

The result is then parsed back and checked: exactly Herald's headers, once
each, the one recipient meant, the subject and both bodies as rendered.
Anything else raises UnsafeMessage: a permanent failure, since the same
input builds the same bytes again.
"""
from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid

from chalicelib.addresses import parse_address
from chalicelib.errors import BadRequest, Unprocessable
from chalicelib.templating.renderer import RenderedMail

__all__ = ["UnsafeMessage", "build_mime", "one_line"]

_FOLD_AT = 78  # RFC 5322's recommended line length; 998 is the hard limit
_HARD_LIMIT = 998
_WORD_BYTES = 42  # 56 base64 characters: "Reply-To: " and one encoded-word fit in 78
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PLAIN = re.compile(r"[\x20-\x7e]*")
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_MAILBOX = re.compile(r"\s*(?:(?P<name>[^<>]*?)\s*<(?P<angle>[^<>]*)>|(?P<bare>[^<>]*?))\s*")
_HERALD_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_LONGEST_PLAIN_WORD = 50  # longer words are encoded, which can be split across lines
# RFC 3986's characters less the comma (RFC 2369's list separator); one line under 998
_UNSUBSCRIBE_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+;=%-]{1,900}")
ONE_CLICK = "List-Unsubscribe=One-Click"


class UnsafeMessage(Unprocessable, ValueError):
    """The message cannot be built to say exactly what Herald meant (headers, the
    recipient, the bodies). Permanent: rebuilding from the same input fails the same way."""

    code = "unsafe_message"


@dataclass(frozen=True)
class _Intent:
    """What the built message must say when parsed back."""

    headers: tuple[str, ...]
    mailboxes: dict[str, tuple[str, str]]  # header -> (display name, address)
    subject: str
    text: str
    html: str
    exact: dict[str, str] = field(default_factory=dict)  # header -> value, read back as is


def one_line(text: str) -> str:
    """`text` as one header line: line breaks (CR, LF, VT, FF, NEL, U+2028/9) and other
    control characters become spaces, runs of white space one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def build_mime(mail: RenderedMail, to: str, sender: str, reply_to: str | None,
               herald_id: str, unsubscribe_url: str | None = None) -> bytes:
    """The raw message for SES, checked; raises UnsafeMessage when it cannot be made safe.
    With `unsubscribe_url` it carries RFC 8058's one-click unsubscribe headers."""
    if not _HERALD_ID.fullmatch(herald_id):
        raise UnsafeMessage("the Herald message id is not a plain token")
    mailboxes = {"From": _mailbox(sender, "sender"), "To": ("", _mailbox(to, "to")[1])}
    if reply_to:
        mailboxes["Reply-To"] = _mailbox(reply_to, "reply_to")
    exact: dict[str, str] = {}
    if unsubscribe_url is not None:
        if not _UNSUBSCRIBE_URL.fullmatch(unsubscribe_url):
            raise UnsafeMessage("the unsubscribe link is not a plain http(s) URL")
        exact = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": ONE_CLICK}
    subject = one_line(mail.subject)
    try:
        head = _headers(mailboxes, subject, herald_id) + "".join(
            f"{name}: {value}\r\n" for name, value in exact.items())
        raw = head.encode("ascii") + _bodies(mail)
    except UnicodeError:
        raise UnsafeMessage("the mail holds text that is not valid Unicode "
                            "(a lone surrogate)") from None
    names = (*mailboxes, "Subject", "Date", "Message-ID", "X-Herald-Message-Id", *exact,
             "MIME-Version", "Content-Type")
    _verify(raw, _Intent(names, mailboxes, subject, mail.text, mail.html, exact))
    return raw


def _headers(mailboxes: dict[str, tuple[str, str]], subject: str, herald_id: str) -> str:
    """Herald's header lines, each value encoded here (never parsed by `email`)."""
    domain = mailboxes["From"][1].rpartition("@")[2]
    lines = [_fold(name, _mailbox_words(*mailbox)) for name, mailbox in mailboxes.items()]
    lines += [_fold("Subject", _text_words(subject)),
              _fold("Date", [formatdate(time.time(), usegmt=True)]),
              _fold("Message-ID", [make_msgid(idstring=herald_id, domain=domain)]),
              _fold("X-Herald-Message-Id", [herald_id])]
    return "".join(lines)


def _mailbox(raw: str, field: str) -> tuple[str, str]:
    """(display name, 7-bit ASCII address) of `Name <address>` or a bare address."""
    match = _MAILBOX.fullmatch(raw)
    if match is None:
        raise UnsafeMessage(f"{field} is not a single mailbox")
    name = one_line(match["name"] or "")
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1]).strip()
    try:
        address = parse_address(match["angle"] if match["name"] is not None else match["bare"],
                                field)
    except BadRequest as exc:
        raise UnsafeMessage(exc.message) from None
    return name, address.email


def _is_plain(text: str) -> bool:
    """Safe to send as is: printable ASCII, no encoded-word opener, words that fit a line."""
    return (_PLAIN.fullmatch(text) is not None and "=?" not in text
            and all(len(word) <= _LONGEST_PLAIN_WORD for word in text.split(" ")))


def _text_words(text: str) -> list[str]:
    """An unstructured value (Subject) as foldable words."""
    if _is_plain(text):
        return text.split(" ") if text else []
    return _encoded_words(text)


def _mailbox_words(name: str, address: str) -> list[str]:
    """`name <address>` as foldable words; the address is never encoded."""
    if not name:
        return [address]
    if _is_plain(name):
        phrase = ([name] if _ATOMS.fullmatch(name) else
                  ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'])
        if len(phrase[0]) <= _LONGEST_PLAIN_WORD:
            return [*phrase, f"<{address}>"]
    return [*_encoded_words(name), f"<{address}>"]


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 B-encoded UTF-8, split between characters into words of at most 75."""
    chunks: list[bytes] = [b""]
    for char in text:
        data = char.encode("utf-8")
        if len(chunks[-1]) + len(data) > _WORD_BYTES:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks
            if chunk]


def _fold(name: str, words: list[str]) -> str:
    """`Name: words` with CRLF + space before a word that would pass 78 characters."""
    lines = [f"{name}:"]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > _FOLD_AT and lines != [f"{name}:"]:
            lines.append("")
        lines[-1] += " " + word
    return "\r\n".join(lines) + "\r\n"


def _bodies(mail: RenderedMail) -> bytes:
    """MIME-Version, Content-Type and the text and HTML parts (no data in their headers)."""
    message = EmailMessage(policy=SMTP)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message.as_bytes()


def _verify(raw: bytes, intent: _Intent) -> None:
    """Parse the message back; raise UnsafeMessage unless it says exactly `intent`."""
    head, blank, _ = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not blank or any(b"\r" in line or b"\n" in line or not line.isascii()
                        or len(line) > _HARD_LIMIT for line in lines):
        raise UnsafeMessage("a header line holds a stray line break or non-ASCII byte")
    names = [line.split(b":", 1)[0].decode() for line in lines if line[:1] not in (b" ", b"\t")]
    parsed = BytesParser(policy=default_policy).parsebytes(raw)
    if sorted(names) != sorted(intent.headers) or sorted(parsed.keys()) != sorted(intent.headers):
        raise UnsafeMessage("the message's headers are not the ones Herald set")
    for name, mailbox in intent.mailboxes.items():
        found = [(_squeezed(a.display_name), a.addr_spec) for a in parsed[name].addresses]
        if found != [(_squeezed(mailbox[0]), mailbox[1])]:
            raise UnsafeMessage(f"the {name} header does not name the mailbox meant")
    if any(str(parsed[name]) != value for name, value in intent.exact.items()):
        raise UnsafeMessage("the unsubscribe headers do not read back as set")
    if str(parsed["Subject"]) != intent.subject:
        raise UnsafeMessage("the subject does not read back as rendered")
    parts = list(parsed.iter_parts())
    if (parsed.get_content_type() != "multipart/alternative"
            or [p.get_content_type() for p in parts] != ["text/plain", "text/html"]
            or _lines(parts[0].get_content()) != _lines(intent.text)
            or _lines(parts[1].get_content()) != _lines(intent.html)):
        raise UnsafeMessage("the message's bodies are not the rendered text and HTML")


def _squeezed(name: str) -> str:
    """A display name without white space: CPython's parser keeps the space between two
    encoded-words of a phrase, which RFC 2047 (and mail readers) drop."""
    return "".join(name.split())


def _lines(text: str) -> list[str]:
    """Body text as MIME carries it: lines, whatever their ending, no trailing blank ones."""
    return re.split(r"\r\n|\r|\n", text.rstrip("\r\n"))
