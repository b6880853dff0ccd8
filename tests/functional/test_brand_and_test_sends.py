"""One source of brand values (the stage's settings) for preview, test send and real
mail, and test sends with their own hourly limit instead of the recipient's."""
from __future__ import annotations

import email
from email.policy import default as default_policy
from pathlib import Path

import boto3
import pytest
from helpers import body, consume, post, receive_event, send, sent_mail

from chalicelib import wiring
from tools.template_files import read_all

PROJECT = Path(__file__).resolve().parents[2]
BRAND = {"HERALD_BRAND_NAME": "Nimbus Notes", "HERALD_SUPPORT_EMAIL": "help@nimbus.test",
         "HERALD_LOGO_URL": "https://cdn.nimbus.test/logo.png"}


@pytest.fixture
def starters(client, monkeypatch):
    """The client, on a stage with its own brand and the starter templates saved."""
    for name, value in BRAND.items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    for name, payload in read_all(PROJECT / "templates").items():
        wiring.services().templates.save(name, payload, author="templates/")
    return client


def delivered(client, aws) -> list[email.message.EmailMessage]:
    consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url))
    return [email.message_from_string(m.raw_data, policy=default_policy) for m in sent_mail()]


def test_preview_test_send_and_real_mail_show_the_stages_brand(starters, aws):
    preview = body(post(starters, "/templates/otp-code/preview", {}))
    assert post(starters, "/templates/otp-code/test-send",
                {"to": "staff@example.com"}).status_code == 202
    assert send(starters, to="user@example.com", template="otp-code",
                variables={"code": "551234"}).status_code == 202
    test_mail, real_mail = delivered(starters, aws)

    assert preview["subject"] == "Your Nimbus Notes sign-in code"
    for mail in (test_mail, real_mail):
        assert mail["Subject"] == preview["subject"]
        html = mail.get_body(("html",)).get_content()
        for shown in ('src="https://cdn.nimbus.test/logo.png"', 'alt="Nimbus Notes"',
                      'href="mailto:help@nimbus.test"'):
            assert shown in html and shown in preview["html"]
        assert "Acme" not in html and "support@example.com" not in html


def test_a_value_the_caller_passes_wins_over_the_brand(starters, aws):
    variables = {"code": "551234", "product_name": "Nimbus Docs"}
    preview = body(post(starters, "/templates/otp-code/preview", {"variables": variables}))
    assert send(starters, template="otp-code", variables=variables).status_code == 202
    [mail] = delivered(starters, aws)
    assert preview["subject"] == mail["Subject"] == "Your Nimbus Docs sign-in code"


def test_the_brand_is_not_part_of_a_test_sends_logged_variables(starters):
    accepted = body(post(starters, "/templates/otp-code/test-send", {"to": "s@example.com"}))
    logged = body(starters.http.get(f"/messages/{accepted['message_id']}"))["variables"]
    assert "product_name" not in logged and logged["code"] == "[redacted]"


def test_eleven_test_sends_leave_the_recipients_sign_in_mail_alone(starters):
    for _ in range(11):  # the real per-recipient auth limit is 10 an hour
        assert post(starters, "/templates/otp-code/test-send",
                    {"to": "ana@example.com"}).status_code == 202
    real = send(starters, to="ana@example.com", template="otp-code",
                variables={"code": "551234"})
    assert real.status_code == 202, real.body


def test_test_sends_have_their_own_hourly_limit_answered_with_retry_after(starters):
    for _ in range(20):
        assert post(starters, "/templates/otp-code/test-send",
                    {"to": "ana@example.com"}).status_code == 202
    refused = post(starters, "/templates/otp-code/test-send", {"to": "ana@example.com"})
    assert refused.status_code == 429
    error = body(refused)["error"]
    assert error["code"] == "test_send_limited" and error["field"] == "to"
    assert "test sends to this address (limit 20 an hour, HERALD_TEST_SEND_LIMIT_PER_HOUR)" in (
        error["message"])
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # the recipient's real sign-in mail is still accepted
    assert send(starters, to="ana@example.com", template="otp-code",
                variables={"code": "551234"}).status_code == 202


def test_the_test_send_limit_counts_per_staff_member_too(starters, monkeypatch):
    monkeypatch.setenv("HERALD_TEST_SEND_LIMIT_PER_HOUR", "2")
    wiring.reset()
    for n in range(2):
        assert post(starters, "/templates/otp-code/test-send",
                    {"to": f"other{n}@example.com"}).status_code == 202
    refused = post(starters, "/templates/otp-code/test-send", {"to": "new@example.com"})
    assert refused.status_code == 429
    assert "test sends by you" in body(refused)["error"]["message"]
    assert "limit 2 an hour" in body(refused)["error"]["message"]
