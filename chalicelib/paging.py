"""Query parameters of paged lists: `limit`, and opaque, URL-safe cursors."""
from __future__ import annotations

import base64
import binascii

from chalicelib.errors import BadRequest


def limit(raw: str | None, default: int, maximum: int) -> int:
    """`?limit=` as a number from 1 to `maximum`; 400 naming `limit` otherwise."""
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"limit must be a number from 1 to {maximum}", field="limit")
    return int(raw)


def encode_cursor(key: str) -> str:
    """Opaque and URL-safe (a key may hold `+`, which a query string turns into a space)."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        key = base64.b64decode(raw.encode() + b"=" * (-len(raw) % 4), altchars=b"-_",
                               validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = ""
    if not key:
        raise BadRequest("cursor is not one this API gave", field="cursor")
    return key
