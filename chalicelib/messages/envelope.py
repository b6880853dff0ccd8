"""The send queue's message format, written and read only here.

Two kinds share the queue: `send` (a message to send, pinned to the template
versions the API checked) and `sent` (a note that SES accepted a mail whose
record could not be written at the time; it carries no variables). A `send`
names its `channel`: `email` (the send queue) or `sms` (the SMS queue), and a
`sent` note the channel of the message it records. Every body carries its
format version `v`; a body of an unknown version, kind or channel is refused
with a clear error rather than guessed at.

`v` changes only when a reader of the old format would misread the new one.
A `send` for a known user and one of their notification types also carries
`user_id` and `notification_type` (POST /notifications fills them; POST
/emails never does): the email channel builds that mail's unsubscribe links
from them. Both are optional within version 1: a body without them is mail
to an address, as every message written before them.

`channel` was added within version 1: every message written before it is
email, so a body without it reads as email, and a reader that predates it
reads the email messages written now correctly. A message for another
channel may be written only once every consumer reads `channel`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
SEND, SENT_NOTE = "send", "sent"
EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
_SEND_KEYS = ("message_id", "to", "template", "version", "variables")


class BadEnvelope(ValueError):
    """A queue message Herald cannot read (never retried into success)."""


@dataclass(frozen=True)
class Envelope:
    kind: str
    message_id: str
    body: dict[str, Any] = field(repr=False)
    channel: str = EMAIL

    @property
    def variables(self) -> dict[str, Any]:
        return self.body.get("variables") or {}

    @property
    def secret_names(self) -> list[str]:
        return list(self.body.get("secret") or [])

    @property
    def expires_at(self) -> float | None:
        return self.body.get("expires_at")

    @property
    def link_seed(self) -> str | None:
        """The mail's gateway-link seed (chalicelib/links/tokens.py), when it has links."""
        return self.body.get("link_seed")

    @property
    def audience(self) -> Audience | None:
        """The user and notification type this mail is for (None: mail to an address)."""
        user_id, kind = self.body.get("user_id"), self.body.get("notification_type")
        if isinstance(user_id, str) and isinstance(kind, str):
            return Audience(user_id, kind)
        return None


@dataclass(frozen=True)
class Audience:
    """A notification's user and type (what an unsubscribe link is bound to)."""

    user_id: str
    notification_type: str


def send_body(message_id: str, to: str, template: str, version: str, pins: dict[str, str],
              locale: str | None, variables: dict[str, Any], secret: list[str],
              expires_at: float | None, enqueued_at_ms: int, channel: str = EMAIL,
              audience: Audience | None = None,
              link_seed: str | None = None) -> dict[str, Any]:
    """The body of a `send` message (secret variables in clear: the consumer renders them;
    `link_seed`, as secret, makes the same gateway tokens on every attempt of the mail)."""
    body = {"v": VERSION, "kind": SEND, "channel": channel, "message_id": message_id, "to": to,
            "template": template, "version": version, "pins": pins, "locale": locale,
            "variables": variables, "secret": secret, "expires_at": expires_at,
            "enqueued_at": enqueued_at_ms}
    if audience is not None:
        body.update(user_id=audience.user_id, notification_type=audience.notification_type)
    if link_seed is not None:  # added within version 1, only to mail with link variables
        body["link_seed"] = link_seed
    return body


def sent_note(message_id: str, owner: str, ses_message_id: str, sent_epoch_ms: int,
              channel: str = EMAIL) -> str:
    """A `sent` message: what the consumer could not record (no variables, no secrets).
    `ses_message_id` is the provider's id (SNS's for an SMS)."""
    return encode({"v": VERSION, "kind": SENT_NOTE, "channel": channel,
                   "message_id": message_id, "owner": owner,
                   "ses_message_id": ses_message_id, "sent_epoch_ms": sent_epoch_ms})


def channel_of(raw: str) -> str:
    """The channel of an encoded message Herald wrote (the outbox's copies): which
    queue it belongs in."""
    return json.loads(raw).get("channel", EMAIL)


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def decode(raw: str) -> Envelope:
    """Read a queue message body; BadEnvelope names what is wrong with it."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadEnvelope("message body is not JSON") from None
    if not isinstance(body, dict):
        raise BadEnvelope("message body is not a JSON object")
    version = body.get("v", VERSION)
    if version != VERSION:
        raise BadEnvelope(f"message format version {version!r} is not supported "
                          f"(this code reads version {VERSION})")
    kind = body.get("kind", SEND)
    channel = body.get("channel", EMAIL)
    if channel not in CHANNELS:
        raise BadEnvelope(f"unknown channel {channel!r} (this code sends "
                          f"{', '.join(CHANNELS)})")
    if kind == SEND:
        missing = [key for key in _SEND_KEYS if key not in body]
        if missing or not isinstance(body["variables"], dict):
            raise BadEnvelope(f"send message without {', '.join(missing) or 'variables'}")
    elif kind == SENT_NOTE:
        if not isinstance(body.get("ses_message_id"), str):
            raise BadEnvelope("sent note without ses_message_id")
    else:
        raise BadEnvelope(f"unknown message kind {kind!r}")
    if not isinstance(body.get("message_id"), str):
        raise BadEnvelope("message without a message_id")
    return Envelope(kind, body["message_id"], body, channel)
