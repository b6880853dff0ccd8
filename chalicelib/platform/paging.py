"""Query parameters of paged lists: `limit`, and opaque, URL-safe cursors."""
from __future__ import annotations

import base64
import binascii
import re

from chalicelib.errors import BadRequest

_DIGITS = re.compile(r"[0-9]{1,9}")
_MAX_KEY_BYTES = 2048


def limit(raw: str | None, default: int, maximum: int) -> int:
    """`?limit=` as a number from 1 to `maximum`; 400 naming `limit` otherwise.
    ASCII digits only, few of them: int() refuses over 4,300 digits and
    `str.isdigit` accepts digits (`²`) that int() does not."""
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"limit must be a number from 1 to {maximum}", field="limit")
    return int(raw)


def encode_cursor(key: str) -> str:
    """Opaque and URL-safe (a key may hold `+`, which a query string turns into a space)."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> str | None:
    """The key a cursor encodes; 400 naming `cursor` for anything this API did not
    give (a DynamoDB key holds at most 2,048 bytes, so longer cannot be one)."""
    if not raw:
        return None
    try:
        key = base64.b64decode(raw.encode() + b"=" * (-len(raw) % 4), altchars=b"-_",
                               validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        key = ""
    if not key or len(key.encode()) > _MAX_KEY_BYTES:
        raise BadRequest("cursor is not one this API gave", field="cursor")
    return key
