"""Secret variables (codes, magic links) never show: replaced where variables are shown,
and scrubbed from any text while the request or record that holds them is handled."""
from __future__ import annotations

from chalicelib.platform.redaction import (
    REDACTED,
    guarding,
    redact_variables,
    scrub,
    secret_values,
)


def test_only_the_secret_variables_are_replaced_and_the_original_is_kept():
    variables = {"code": "123456", "name": "Ana"}
    assert redact_variables(variables, ["code", "absent"]) == {"code": REDACTED, "name": "Ana"}
    assert variables["code"] == "123456"


def test_secret_values_are_strings_longest_first_and_too_short_ones_left_out():
    variables = {"code": 4242, "link": "https://x.example/t/4242", "pin": "12", "name": "Ana"}
    assert secret_values(variables, ["code", "link", "pin", "gone"]) == (
        "https://x.example/t/4242", "4242")


def test_text_is_scrubbed_while_guarded_and_left_alone_after():
    text = "failed for https://x.example/t/4242 (code 4242)"
    with guarding(secret_values({"code": "4242", "link": "https://x.example/t/4242"},
                                ["code", "link"])):
        # the longer secret goes first: no tail of the link is left behind
        assert scrub(text) == f"failed for {REDACTED} (code {REDACTED})"
    assert scrub(text) == text


def test_an_inner_guard_adds_its_secrets_and_gives_them_back_on_exit():
    with guarding(["outer-secret"]):
        with guarding(["inner-secret"]):
            assert scrub("outer-secret inner-secret") == f"{REDACTED} {REDACTED}"
        assert scrub("outer-secret inner-secret") == f"{REDACTED} inner-secret"
