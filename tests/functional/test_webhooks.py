"""Outbound delivery webhooks end to end under moto: staff register an endpoint,
a mail's status change travels the message log's stream, the fan-out and the
webhooks queue, and a receiver on loopback gets a signed POST that verifies with
the published Standard Webhooks algorithm; 500s are retried, repeated failures
disable the endpoint, and the secret never reaches a log line."""
from __future__ import annotations

import json
import logging

import boto3
import pytest
from helpers import body, consume, post, receive_event, send
from webhook_receiver import Receiver, verify

from chalicelib import wiring
from local_stack.stream_poller import StreamPoller, streams_client


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def hooks(otp, monkeypatch):
    """The dev stage in local mode (loopback receivers allowed), retries without delay."""
    monkeypatch.setenv("HERALD_LOCAL_MODE", "true")
    monkeypatch.setenv("HERALD_WEBHOOK_RETRY_BASE_S", "0")
    monkeypatch.setenv("HERALD_WEBHOOK_DISABLE_AFTER", "3")
    wiring.reset()
    return otp


def put_webhook(client, name, payload):
    return client.http.put(f"/webhooks/{name}", body=json.dumps(payload),
                           headers={"Content-Type": "application/json"})


def fan_out(client, aws) -> None:
    """Hand the message log's stream to the fan-out, as Lambda's mapping does."""
    arn = boto3.client("dynamodb").describe_table(TableName=aws.message_log_table)[
        "Table"]["LatestStreamArn"]
    StreamPoller(streams_client(aws.region), arn, lambda event, _: client.lambda_.invoke(
        "fan_out_webhook_events", event).payload, start="TRIM_HORIZON").poll_once()


def deliver(client, aws) -> dict:
    event = receive_event(boto3.client("sqs"), aws.webhooks_queue_url)
    return client.lambda_.invoke("send_webhooks", event).payload


def sent_mail(client, aws) -> str:
    message_id = body(send(client))["message_id"]
    consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url))
    return message_id


def test_registration_shows_the_secret_once_and_validates_fields(hooks, receiver):
    created = put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.sent"]})
    assert created.status_code == 200
    view = body(created)
    assert view["secret"].startswith("whsec_") and view["enabled"] is True
    assert view["failures"] == 0 and view["disabled_reason"] is None
    listed = body(hooks.http.get("/webhooks"))["webhooks"]
    assert [w["name"] for w in listed] == ["crm"] and "secret" not in listed[0]
    assert "secret" not in body(hooks.http.get("/webhooks/crm"))
    same = body(put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.bounced"]}))
    assert "secret" not in same and same["events"] == ["email.bounced"]
    rotated = body(put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.sent"],
                                              "rotate_secret": True}))
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != view["secret"]
    for payload, field in [({"url": receiver.url, "events": ["email.opened"]}, "events"),
                           ({"url": receiver.url, "events": []}, "events"),
                           ({"url": "http://10.0.0.1/x", "events": ["email.sent"]}, "url"),
                           ({"url": "https://169.254.169.254/", "events": ["email.sent"]}, "url"),
                           ({"events": ["email.sent"]}, "url"),
                           ({"url": receiver.url, "events": ["email.sent"], "enabled": "yes"},
                            "enabled"),
                           ({"url": receiver.url, "events": ["email.sent"], "x": 1}, "x")]:
        refused = put_webhook(hooks, "crm", payload)
        assert refused.status_code == 400, payload
        assert body(refused)["error"]["field"] == field
    assert put_webhook(hooks, "Bad Name", {"url": receiver.url, "events": ["email.sent"]}
                       ).status_code == 400
    assert hooks.http.delete("/webhooks/crm").status_code == 204
    assert hooks.http.get("/webhooks/crm").status_code == 404
    assert hooks.http.delete("/webhooks/crm").status_code == 404


def test_a_sent_mail_reaches_the_receiver_signed(hooks, aws, receiver):
    # GIVEN an endpoint for email.sent and another for bounces only
    secret = body(put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.sent"]})
                  )["secret"]
    put_webhook(hooks, "bounces", {"url": receiver.url, "events": ["email.bounced"]})
    # WHEN a mail is accepted and sent, and the stream and the queue are worked
    message_id = sent_mail(hooks, aws)
    fan_out(hooks, aws)
    assert deliver(hooks, aws) == {"batchItemFailures": []}
    # THEN one signed POST carries Herald's message id, and its signature verifies
    [(headers, raw)] = receiver.requests
    headers = {k.lower(): v for k, v in headers.items()}
    assert verify(secret, headers, raw)
    assert not verify(secret, headers, raw.replace(b"sent", b"SENT"))
    event = json.loads(raw)
    assert event["type"] == "email.sent"
    assert event["data"] == {"message_id": message_id, "to": "user@example.com",
                             "template": "otp", "status": "sent", "at": event["timestamp"]}
    # AND the endpoint shows the delivery
    [shown] = body(hooks.http.get("/webhooks/crm/deliveries"))["deliveries"]
    assert shown["id"] == headers["webhook-id"] and shown["message_id"] == message_id
    assert (shown["status"], shown["attempts"], shown["last_status_code"]) == (
        "delivered", 1, 200)
    assert body(hooks.http.get("/webhooks/crm"))["last_delivery_at"] == shown["at"]


def test_a_500_is_retried_with_the_same_id_and_a_test_event_goes_too(hooks, aws, receiver):
    put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.sent"]})
    receiver.statuses = [500, 200]
    sent_mail(hooks, aws)
    fan_out(hooks, aws)
    assert len(deliver(hooks, aws)["batchItemFailures"]) == 1
    [retrying] = body(hooks.http.get("/webhooks/crm/deliveries"))["deliveries"]
    assert (retrying["status"], retrying["last_status_code"]) == ("retrying", 500)
    assert deliver(hooks, aws) == {"batchItemFailures": []}
    first, second = (dict((k.lower(), v) for k, v in h.items()) for h, _ in receiver.requests)
    assert first["webhook-id"] == second["webhook-id"]
    [delivered] = body(hooks.http.get("/webhooks/crm/deliveries"))["deliveries"]
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)
    # a test event is queued by staff and delivered like any other
    assert post(hooks, "/webhooks/crm/test", {}).status_code == 202
    assert deliver(hooks, aws) == {"batchItemFailures": []}
    assert json.loads(receiver.requests[-1][1])["type"] == "webhook.test"


def test_repeated_failures_disable_the_endpoint_and_the_secret_stays_out_of_logs(
        hooks, aws, receiver, capsys, caplog):
    caplog.set_level(logging.INFO)  # what a Lambda logs (botocore debugs bodies)
    secret = body(put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.sent"]})
                  )["secret"]
    receiver.statuses = [500]
    sent_mail(hooks, aws)
    fan_out(hooks, aws)
    for _ in range(3):
        assert len(deliver(hooks, aws)["batchItemFailures"]) == 1
    shown = body(hooks.http.get("/webhooks/crm"))
    assert shown["enabled"] is False and shown["failures"] == 3
    assert "3 consecutive failed attempts (last: HTTP 500)" in shown["disabled_reason"]
    # the delivery still queued is dropped, not sent
    assert deliver(hooks, aws) == {"batchItemFailures": []}
    assert len(receiver.requests) == 3
    # re-enabling (PUT) forgets the failures
    again = body(put_webhook(hooks, "crm", {"url": receiver.url, "events": ["email.sent"]}))
    assert (again["enabled"], again["failures"], again["disabled_reason"]) == (True, 0, None)
    logged = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    assert "webhook endpoint disabled" in logged
    assert secret not in logged and secret.removeprefix("whsec_") not in logged
