"""Gateway link tokens: 256 bits, the same on every attempt of one mail.

A mail with link variables carries a seed of 32 bytes from `secrets`, made when
it is accepted and kept only where the mail's other secrets are (the queue
message). Its token for a variable is HMAC-SHA256(seed, message id, variable):
a retry of the mail makes the same token, so a resend never mints a second live
link. The links table is keyed by SHA-256 of the token, so it never holds a
usable token, and a token that is not of the exact shape is refused unread.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SEED_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, unpadded base64url


def new_seed() -> str:
    """A fresh seed for one mail's links."""
    return secrets.token_urlsafe(SEED_BYTES)


def token_for(seed: str, message_id: str, variable: str) -> str:
    """The token of `variable`'s link in mail `message_id`."""
    mac = hmac.new(seed.encode(), f"{message_id}\x1f{variable}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def token_digest(token: str) -> str | None:
    """The links table's key for `token`; None when it cannot be a token (no lookup)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return hashlib.sha256(token.encode()).hexdigest()
