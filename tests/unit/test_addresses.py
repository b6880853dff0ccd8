"""One mailbox, one key: suppression and rate limits cannot be slipped past under another
spelling, and an address SES could never deliver to is refused naming the field."""
from __future__ import annotations

import pytest

from chalicelib.addresses import parse_address
from chalicelib.errors import BadRequest


def test_spellings_of_one_mailbox_share_one_key_and_are_sent_in_ascii():
    spellings = [parse_address(raw) for raw in
                 ("Ana@Exämple.com", "  ana@EXÄMPLE.COM ", "ANA@xn--exmple-cua.com")]
    assert {address.key for address in spellings} == {"ana@xn--exmple-cua.com"}
    assert spellings[0].email == "Ana@xn--exmple-cua.com"  # the local part as given
    assert all(address.email.isascii() for address in spellings)


@pytest.mark.parametrize("raw, says", [
    ("ñoño@example.com", "SMTPUTF8"),
    ("no-at-sign", "is not a valid email address"),
    ("a@b@example.com", "is not a valid email address"),
    ("", "must be an email address"),
    ("   ", "must be an email address"),
    (["a@example.com"], "must be an email address"),
    (None, "must be an email address"),
])
def test_an_address_that_cannot_be_one_mailbox_is_refused_naming_the_field(raw, says):
    with pytest.raises(BadRequest, match=says) as refused:
        parse_address(raw, field="reply_to")
    assert refused.value.field == "reply_to"
    assert refused.value.message.startswith("reply_to ")
