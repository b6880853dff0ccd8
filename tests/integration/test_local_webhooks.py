"""Outbound webhooks through the local stack: an endpoint on loopback registered over
HTTP gets a signed `email.sent` for a mail sent through the stack (the message log's
stream and the webhooks queue worked by the stack's own pollers)."""
from __future__ import annotations

import json

import requests
from stack_process import wait_for
from webhook_receiver import Receiver, verify


def test_a_sent_mail_is_posted_signed_to_a_loopback_receiver(stack):
    receiver = Receiver()
    try:
        created = requests.put(f"{stack.base}/webhooks/local-crm", timeout=5, json={
            "url": receiver.url, "events": ["email.sent", "email.delivered"]})
        assert created.status_code == 200, created.text
        secret = created.json()["secret"]
        accepted = requests.post(f"{stack.base}/emails", timeout=5, json={
            "to": "hooked@example.com", "template": "otp-code",
            "variables": {"code": "424242"}})
        assert accepted.status_code == 202, accepted.text
        message_id = accepted.json()["message_id"]
        wait_for(lambda: any(json.loads(raw)["type"] == "email.sent"
                             for _, raw in receiver.requests), 30, "the email.sent webhook")
        headers, raw = next((h, r) for h, r in receiver.requests
                            if json.loads(r)["type"] == "email.sent")
        assert verify(secret, {k.lower(): v for k, v in headers.items()}, raw)
        assert json.loads(raw)["data"]["message_id"] == message_id
        deliveries = requests.get(f"{stack.base}/webhooks/local-crm/deliveries",
                                  timeout=5).json()["deliveries"]
        assert any(d["status"] == "delivered" and d["message_id"] == message_id
                   for d in deliveries)
    finally:
        receiver.close()
