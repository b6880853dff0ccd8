"""Address parsing: the plain-ASCII fast path decides exactly as email-validator
(which stays the judge of everything else), and the normal form is unchanged."""
from __future__ import annotations

import email_validator
import pytest
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.addresses import (
    CASE_INSENSITIVE_MAILBOXES,
    SPECIAL_USE_DOMAINS,
    parse_address,
    plain_address,
)
from chalicelib.errors import BadRequest


def _judge(text: str) -> str | None:
    """email-validator's answer as Herald asks it: the ASCII form, or None if refused."""
    try:
        return validate_email(text, check_deliverability=False, allow_smtputf8=True).ascii_email
    except EmailNotValidError:
        return None


def test_lists_copied_from_email_validator_match_its_own():
    assert set(CASE_INSENSITIVE_MAILBOX_NAMES) == CASE_INSENSITIVE_MAILBOXES
    assert set(SPECIAL_USE_DOMAINS) == set(email_validator.SPECIAL_USE_DOMAIN_NAMES)


@pytest.mark.parametrize("text, sent_as", [
    ("user@example.com", "user@example.com"),
    ("User.Name+tag@Mail.EXAMPLE.com", "User.Name+tag@mail.example.com"),
    ("o'brien@example.co.uk", "o'brien@example.co.uk"),
    ("a_b-c=d{e}|f~g!h#i$j%k&l*m/n?o^p`q@sub-domain.example.org",
     "a_b-c=d{e}|f~g!h#i$j%k&l*m/n?o^p`q@sub-domain.example.org"),
    ("x" * 64 + "@" + "d" * 63 + ".com", "x" * 64 + "@" + "d" * 63 + ".com"),
])
def test_plain_addresses_are_normalised_as_email_validator_does(text, sent_as):
    assert plain_address(text).email == sent_as
    assert _judge(text) == sent_as
    assert parse_address(text).key == sent_as.lower()


@pytest.mark.parametrize("text", [
    "User@Exämple.com",  # IDN: punycode via IDNA 2008
    "user@xn--exmple-cua.com",  # punycode given: checked as IDNA
    "ñoño@example.com",  # non-ASCII mailbox: refused below
    "Postmaster@example.com",  # RFC 2142 name: lower-cased
    "user@localhost", "user@mail.test", "user@example.local",  # special-use
    "user@example", "user@example.123", "user@ab--cd.com",  # no dot, numeric TLD, R-LDH
    '"quoted"@example.com', "Ana <ana@example.com>", "a..b@example.com", "a@b@example.com",
    "user@-example.com", "user@example-.com", "user@exa_mple.com", "x" * 65 + "@example.com",
    "user@" + "d" * 64 + ".com", "user@[127.0.0.1]", "user@example.com.",
])
def test_anything_unusual_is_left_to_email_validator(text):
    assert plain_address(text) is None


@pytest.mark.parametrize("text, problem", [
    ("ñoño@example.com", "non-ASCII characters before the @"),
    ("user@example.invalid", "special-use"),
    ("user@example", "period"),
    ("a..b@example.com", "two periods"),
    ("Ana <ana@example.com>", "display name"),
])
def test_refusals_still_name_the_field_and_the_problem(text, problem):
    with pytest.raises(BadRequest, match=problem) as refused:
        parse_address(text, field="to")
    assert refused.value.field == "to"


def test_unicode_domain_is_sent_in_ascii_and_postmaster_lower_cased():
    assert parse_address("User@Exämple.com").email == "User@xn--exmple-cua.com"
    assert parse_address("Postmaster@Example.com").email == "postmaster@example.com"


_ADDRESS_CHARS = st.sampled_from([*"aAzZ09.-_+'@!#%&*/=?^`{|}~\"<> ()[],;:\\ä\u212a", "xn--", "--",
                                  ".com", ".test", "@example.com", "localhost", "postmaster"])


_ADDRESS_SHAPED = st.from_regex(r"[a-z0-9._%+-]{1,70}@([a-z0-9-]{1,65}\.){1,4}[a-z]{1,10}",
                                fullmatch=True).flatmap(lambda s: st.sampled_from([s, s.upper()]))


@settings(max_examples=500, deadline=None)  # 40,000 examples once found no disagreement
@given(st.one_of(st.lists(_ADDRESS_CHARS, min_size=1, max_size=24).map("".join), _ADDRESS_SHAPED))
def test_fast_path_never_disagrees_with_email_validator(text):
    plain = plain_address(text)
    if plain is not None:
        assert _judge(text) == plain.email
