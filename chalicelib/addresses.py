"""Email address validation and the one normal form used as a key.

Suppression and rate limits key on the normal form so that one mailbox
cannot slip past them under another spelling (case, Unicode domain).

Amazon SES does not support SMTPUTF8 (RFC 6531): an address it sends to must
be 7-bit ASCII, a Unicode domain IDNA (punycode) encoded, and punycode is not
allowed before the @. So an internationalised domain is sent in its ASCII
form, and a mailbox with a non-ASCII local part (`ñoño@example.com`) is
refused here, at the API, since no mail to it could ever be delivered.

email-validator decides every address; a plain ASCII address (the common
case) is answered by `plain_address`, which accepts only what email-validator
accepts and gives its normal form, so the first request of a container does
not pay for importing it (~30 ms compiling its Unicode patterns).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.errors import BadRequest

# RFC 5322 dot-atom (email-validator's DOT_ATOM_TEXT) and one RFC 952 host label
_DOT_ATOM = re.compile(r"[A-Za-z0-9_!#$%&'*+\-/=?^`{|}~]+(?:\.[A-Za-z0-9_!#$%&'*+\-/=?^`{|}~]+)*\Z")
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
# email-validator lower-cases these mailbox names (RFC 2142) and refuses these
# domains (special-use); a test keeps both lists equal to its own.
CASE_INSENSITIVE_MAILBOXES = frozenset({
    "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
    "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp"})
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")


@dataclass(frozen=True)
class Address:
    email: str  # as mail is sent: normalised, 7-bit ASCII (IDNA domain)
    key: str  # lower-cased `email`: the identity for lists and limits


def parse_address(raw: object, field: str = "to") -> Address:
    """Validate syntax only (no DNS: a send must not wait on a lookup)."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest(f"{field} must be an email address", field=field)
    plain = plain_address(raw.strip())
    if plain is not None:
        return plain
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


def plain_address(text: str) -> Address | None:
    """`text` as email-validator would normalise it when it is a plain ASCII
    address (dot-atom local part, LDH labels, no punycode, not a special-use
    domain or RFC 2142 mailbox name); None leaves the decision to email-validator."""
    if not text.isascii() or len(text) > 254:
        return None
    local, at, domain = text.rpartition("@")
    if not at or len(local) > 64 or not _DOT_ATOM.match(local):
        return None
    if local.lower() in CASE_INSENSITIVE_MAILBOXES:
        return None
    domain = domain.lower()  # what UTS-46 mapping does to an ASCII domain
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not labels[-1][-1:].isalpha():
        return None
    if any(not _HOST_LABEL.match(label) or label[2:4] == "--" for label in labels):
        return None  # punycode and other R-LDH labels need IDNA checks
    if any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAINS):
        return None
    email = f"{local}@{domain}"
    return Address(email=email, key=email.lower())


# E.164: `+`, a country code that never starts with 0, at most 15 digits in all. At
# least 8: no country's full number is shorter, and a short code is not a phone.
_E164 = re.compile(r"\+[1-9][0-9]{7,14}\Z")


@dataclass(frozen=True)
class Phone:
    """A phone number for SMS, in E.164 (`+4915123456789`): its one spelling, so
    suppression and rate limits key on it as they key on a mail address."""

    number: str

    @property
    def key(self) -> str:
        return self.number


def parse_phone(raw: object, field: str = "to") -> Phone:
    """Validate an E.164 number as given: no spaces, dashes or national forms to guess at
    (a leading 0 means another number in every country)."""
    if not isinstance(raw, str) or not _E164.match(raw):
        raise BadRequest(f"{field} must be a phone number in E.164 form: + and 8-15 digits, "
                         "country code first (e.g. +4915123456789)", field=field)
    return Phone(raw)
