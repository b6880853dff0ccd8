"""Email address validation and the one normal form used as a key.

Suppression and rate limits key on the normal form so that one mailbox
cannot slip past them under another spelling (case, Unicode domain).
"""
from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from chalicelib.errors import BadRequest


@dataclass(frozen=True)
class Address:
    email: str  # as mail is sent: normalised, Unicode domain kept
    key: str  # lower-cased, ASCII (IDNA) domain: the identity for lists and limits


def parse_address(raw: object, field: str = "to") -> Address:
    """Validate syntax only (no DNS: a send must not wait on a lookup)."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest(f"{field} must be an email address", field=field)
    try:
        result = validate_email(raw.strip(), check_deliverability=False,
                                allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise BadRequest(f"{field} is not a valid email address: {exc}", field=field) from None
    ascii_form = result.ascii_email or f"{result.local_part}@{result.ascii_domain}"
    return Address(email=result.normalized, key=ascii_form.lower())
