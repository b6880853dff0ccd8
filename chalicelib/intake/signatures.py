"""Standard Webhooks signatures: HMAC-SHA256 over `{id}.{timestamp}.{body}`
with the base64 key after `whsec_`, sent as space-separated `v1,<base64>`
entries (several during a key rotation). Svix, which delivers Clerk's
webhooks, uses the same scheme under `svix-*` header names.

Hand-written rather than a dependency: a dozen lines, and the spec's test
vectors pin them (tests/unit/test_hook_signatures.py).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Iterable, Mapping

from chalicelib.errors import Unauthenticated

TOLERANCE_S = 5 * 60
SECRET_PREFIX = "whsec_"
MAX_ID_CHARS = 128
# Standard Webhooks' names first; Svix's for Clerk
_HEADER_SETS = (("webhook-id", "webhook-timestamp", "webhook-signature"),
                ("svix-id", "svix-timestamp", "svix-signature"))


@dataclass(frozen=True)
class SignedHeaders:
    webhook_id: str
    timestamp: int
    signatures: tuple[bytes, ...]  # the decoded `v1` entries


def decode_secret(text: str) -> bytes:
    """The key of `whsec_<base64>` (also as Supabase shows it, `v1,whsec_...`, or bare
    base64, padded or not); ValueError when it is not base64 or empty."""
    text = text.strip()
    text = text.removeprefix("v1,").removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is base64 after whsec_") from None
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def sign(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of one delivery (tests, the local stack, README)."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def read_headers(headers: Mapping[str, str], now: float,
                 tolerance_s: int = TOLERANCE_S) -> SignedHeaders:
    """The signature headers, checked for shape and freshness (401 naming the header)."""
    lowered = {str(name).lower(): value for name, value in headers.items()}
    names = next((names for names in _HEADER_SETS if names[0] in lowered), _HEADER_SETS[0])
    id_name, timestamp_name, signature_name = names
    webhook_id = lowered.get(id_name) or ""
    if not 0 < len(webhook_id) <= MAX_ID_CHARS or not webhook_id.isprintable():
        raise Unauthenticated(f"{id_name} is missing or malformed", field=id_name)
    raw_timestamp = lowered.get(timestamp_name) or ""
    if not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise Unauthenticated(f"{timestamp_name} must be Unix seconds", field=timestamp_name)
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance_s:
        raise Unauthenticated(f"{timestamp_name} is more than {tolerance_s // 60} minutes "
                              "from now", field=timestamp_name, code="stale_timestamp")
    signatures = tuple(_v1_signatures(lowered.get(signature_name) or ""))
    if not signatures:
        raise Unauthenticated(f"{signature_name} holds no v1 signature", field=signature_name)
    return SignedHeaders(webhook_id, timestamp, signatures)


def _v1_signatures(header: str) -> Iterable[bytes]:
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue  # v1a (asymmetric) and future versions are not Herald's to check
        try:
            yield base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue


def matches(signed: SignedHeaders, body: bytes, keys: Iterable[bytes]) -> bool:
    """Whether any key signed this delivery (every comparison in constant time)."""
    found = False
    for key in keys:
        expected = base64.b64decode(sign(key, signed.webhook_id, signed.timestamp, body)[3:])
        for signature in signed.signatures:
            found |= hmac.compare_digest(expected, signature)
    return found
