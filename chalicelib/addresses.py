"""Email address validation and the one normal form used as a key.

Suppression and rate limits key on the normal form so that one mailbox
cannot slip past them under another spelling (case, Unicode domain).

Amazon SES does not support SMTPUTF8 (RFC 6531): an address it sends to must
be 7-bit ASCII, a Unicode domain IDNA (punycode) encoded, and punycode is not
allowed before the @. So an internationalised domain is sent in its ASCII
form, and a mailbox with a non-ASCII local part (`ñoño@example.com`) is
refused here, at the API, since no mail to it could ever be delivered.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.errors import BadRequest


@dataclass(frozen=True)
class Address:
    email: str  # as mail is sent: normalised, 7-bit ASCII (IDNA domain)
    key: str  # lower-cased `email`: the identity for lists and limits


def parse_address(raw: object, field: str = "to") -> Address:
    """Validate syntax only (no DNS: a send must not wait on a lookup)."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest(f"{field} must be an email address", field=field)
    # imported on the first use: compiling its patterns costs ~30 ms of `import app`
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw.strip(), check_deliverability=False,
                                allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise BadRequest(f"{field} is not a valid email address: {exc}", field=field) from None
    if result.ascii_email is None:
        raise BadRequest(f"{field} has non-ASCII characters before the @: the mail service "
                         "(Amazon SES) cannot deliver to internationalised mailboxes (SMTPUTF8)",
                         field=field)
    return Address(email=result.ascii_email, key=result.ascii_email.lower())
