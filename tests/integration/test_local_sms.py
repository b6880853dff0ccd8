"""SMS through the local stack over HTTP, as the README shows it: staff test-send the
starter otp-sms template to a phone and the text appears in /_local/sms."""
from __future__ import annotations

import time

import requests
from stack_process import wait_for

PHONE = "+4915123456789"


def _sms_to(base: str, number: str) -> list[dict]:
    texts = requests.get(f"{base}/_local/sms", timeout=5).json()["sms"]
    return [sms for sms in texts if sms["to"] == number]


def test_a_test_sent_sms_appears_in_local_sms_and_its_log_says_sent(stack):
    preview = requests.post(f"{stack.base}/templates/otp-sms/preview", json={}, timeout=5)
    assert (preview.json()["encoding"], preview.json()["segments"]) == ("GSM-7", 1)
    started = time.monotonic()
    sent = requests.post(f"{stack.base}/templates/otp-sms/test-send",
                         json={"to": PHONE, "variables": {"code": "731904"}}, timeout=5)
    assert sent.status_code == 202, sent.text
    [sms] = wait_for(lambda: _sms_to(stack.base, PHONE), 15, "the SMS in /_local/sms")
    print(f"test-send -> SMS in /_local/sms: {time.monotonic() - started:.1f} s")
    assert sms["text"].splitlines()[-1] == "@example.com #731904" and sms["sent_at"]
    look_up = f"{stack.base}/messages/{sent.json()['message_id']}"
    entry = wait_for(lambda: [e for e in [requests.get(look_up, timeout=5).json()]
                              if e["status"] == "sent"], 5, "the log saying sent")[0]
    assert (entry["channel"], entry["to"]) == ("sms", PHONE)


def test_an_sms_template_refuses_an_email_address(stack):
    refused = requests.post(f"{stack.base}/templates/otp-sms/test-send",
                            json={"to": "user@example.com"}, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "to"
