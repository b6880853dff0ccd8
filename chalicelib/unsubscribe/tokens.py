"""Signed self-service links: unguessable, bound to a user (and a notification type).

A token is `base64url(payload) "." base64url(tag)`, the payload the JSON array
`[use, issued_day, user_id, notification_type]` and the tag the first 16 bytes
of HMAC-SHA256 over a domain label and the payload, keyed with the stage's
unsubscribe key (SSM SecureString `/herald/{stage}/unsubscribe-key`). Nothing
is stored per mail: notification mail at volume costs no write, a link keeps
working for as long as the mail is kept (up to `max_age_days`), and no table
can leak a live token. Changing a byte of the payload changes the tag; 128
bits of tag cannot be guessed. `use` keeps a preference-page link from being
replayed as an unsubscribe link and the reverse.

The parameter holds one or more space-separated keys: the first signs, any
verifies, so a key is rotated by putting the new one first and dropping the old
one once its links may expire.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from typing import Any, Callable, Protocol

from chalicelib.errors import BadLink, Gone, ServiceUnavailable
from chalicelib.messages.envelope import Audience
from chalicelib.platform import logs
from chalicelib.platform.secrets import ParameterCache

UNSUBSCRIBE, PREFERENCES = "u", "p"
_DOMAIN = b"herald-self-service-link\x00"
_TAG_BYTES = 16
_MAX_TOKEN_CHARS = 1024  # refused before any decoding
_MIN_KEY_CHARS = 32
_DAY_S = 86400
_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_INCOMPLETE = "this link is not valid: it may have been copied incompletely"


class KeyRing(Protocol):
    def keys(self) -> tuple[bytes, ...]:
        """The keys, the signing one first (empty: none configured)."""
        ...

    def reread(self) -> tuple[bytes, ...] | None:
        """The keys read again after a mismatch; None when read too recently."""
        ...


def parameter_name(stage: str) -> str:
    return f"/herald/{stage}/unsubscribe-key"


def parse_keys(value: str) -> tuple[bytes, ...]:
    """The parameter's space-separated keys; entries shorter than 32 characters are skipped."""
    keys = []
    for position, text in enumerate(value.split(), start=1):
        if len(text) < _MIN_KEY_CHARS:
            logs.warning("unsubscribe key entry is shorter than 32 characters; skipped",
                         entry=position)
            continue
        keys.append(text.encode())
    return tuple(keys)


class UnsubscribeKeys:
    """The stage's unsubscribe keys, read from SSM and cached per container."""

    def __init__(self, ssm: Any, stage: str, ttl_s: float = 300) -> None:
        self.name = parameter_name(stage)
        self.parameters = ParameterCache(ssm, "the unsubscribe key", ttl_s=ttl_s)

    def keys(self) -> tuple[bytes, ...]:
        return parse_keys(self.parameters.value(self.name))

    def reread(self) -> tuple[bytes, ...] | None:
        value = self.parameters.reread(self.name)
        return None if value is None else parse_keys(value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + payload, hashlib.sha256).digest()[:_TAG_BYTES]


def _not_configured() -> ServiceUnavailable:
    return ServiceUnavailable("the unsubscribe key is not configured (SSM parameter "
                              "/herald/<stage>/unsubscribe-key; README, Unsubscribe)",
                              code="unsubscribe_key_missing")


class LinkSigner:
    def __init__(self, keys: KeyRing, max_age_days: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.ring = keys
        self.max_age_days = max_age_days
        self.clock = clock

    def token_for(self, use: str, user_id: str, notification_type: str = "") -> str:
        """A token for `use` (UNSUBSCRIBE or PREFERENCES) bound to the user (and type)."""
        keys = self.ring.keys()
        if not keys:
            raise _not_configured()
        day = int(self.clock() // _DAY_S)
        payload = json.dumps([use, day, user_id, notification_type],
                             separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(_tag(keys[0], payload))}"

    def audience_of(self, token: str, use: str) -> Audience:
        """The user (and type) a token was made for. BadLink when it is malformed, tampered
        or made for another use; Gone when older than `max_age_days`."""
        payload, tag = self._split(token)
        if not self._signed(payload, tag):
            raise BadLink(_INCOMPLETE)
        try:
            kind, day, user_id, notification_type = json.loads(payload)
        except (ValueError, TypeError):
            raise BadLink("this link is not valid") from None
        if kind != use or not isinstance(user_id, str) or not isinstance(day, int):
            raise BadLink("this link is not valid here")
        if self.clock() // _DAY_S - day > self.max_age_days:
            raise Gone("this link has expired: use the link in a more recent mail",
                       code="link_expired")
        return Audience(user_id, notification_type)

    @staticmethod
    def _split(token: str) -> tuple[bytes, bytes]:
        if len(token) > _MAX_TOKEN_CHARS or not _TOKEN.fullmatch(token):
            raise BadLink(_INCOMPLETE)
        parts = token.split(".")
        try:
            payload, tag = (_unb64(part) for part in parts)
        except (binascii.Error, ValueError):
            raise BadLink(_INCOMPLETE) from None
        if [_b64(payload), _b64(tag)] != parts:  # one spelling per token: unused bits zero
            raise BadLink(_INCOMPLETE)
        return payload, tag

    def _signed(self, payload: bytes, tag: bytes) -> bool:
        """Whether a current key made `tag`; after a miss, read the keys again (rotation)."""
        keys = self.ring.keys()
        if not keys:
            raise _not_configured()
        if any(hmac.compare_digest(_tag(key, payload), tag) for key in keys):
            return True
        fresh = self.ring.reread()
        return bool(fresh) and any(hmac.compare_digest(_tag(key, payload), tag)
                                   for key in fresh or ())
