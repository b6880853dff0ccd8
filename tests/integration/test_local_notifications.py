"""POST /notifications over HTTP on the local stack: API -> the emulated SNS topic ->
(filter policy `channel=email`, raw delivery) -> the send queue -> the poller -> the mail
in /_local/mail, as the README's curl lines do it."""
from __future__ import annotations

import time

import pytest
import requests
from stack_process import running_stack, wait_for

NEWS = {"subject": "Digest for {{ name }}", "html": "<p>Hi {{ name }}, here is your digest</p>",
        "category": "notification", "variables": {"name": {"required": True, "sample": "Ana"}}}


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


def _put(base: str, path: str, payload: dict) -> dict:
    response = requests.put(f"{base}{path}", json=payload, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def _mail(base: str, subject: str) -> list[dict]:
    mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
    return [mail for mail in mails if mail["subject"] == subject]


def test_a_notification_reaches_the_mailbox_through_the_topic(stack):
    base = stack.base
    _put(base, "/templates/digest", NEWS)
    _put(base, "/notification-types/digest", {
        "category": "notification", "channels": {"email": {"template": "digest"}}})
    _put(base, "/users/u-77", {"email": "digest.reader@example.com", "locale": "en"})
    started = time.monotonic()
    answer = requests.post(f"{base}/notifications", json={
        "user_id": "u-77", "notification": "digest", "variables": {"name": "Ana"},
        "channels": ["email", "sms"]}, timeout=5)
    assert answer.status_code == 202, answer.text
    email, sms = answer.json()["deliveries"]
    assert email["status"] == "queued" and sms == {
        "channel": "sms", "status": "skipped", "reason": "no_template"}
    [mail] = wait_for(lambda: _mail(base, "Digest for Ana"), 10, "the digest in /_local/mail")
    print(f"POST /notifications -> /_local/mail: {time.monotonic() - started:.1f} s")
    assert mail["to"] == "digest.reader@example.com"
    looked_up = requests.get(f"{base}/emails/{email['message_id']}", timeout=5).json()
    assert looked_up["template"] == "digest"
    # turned off: skipped, nothing more sent
    _put(base, "/users/u-77/preferences", {"preferences": {"digest": {"email": False}}})
    again = requests.post(f"{base}/notifications", json={
        "user_id": "u-77", "notification": "digest", "variables": {"name": "Ana"}}, timeout=5)
    assert again.json()["deliveries"] == [{"channel": "email", "status": "skipped",
                                           "reason": "turned_off"}]
