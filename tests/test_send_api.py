"""POST /emails and GET /emails/{id}: every answer of the contract."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from conftest import sent_mail
from helpers import OTP, body, consume, post, put_template, receive_event, send

from chalicelib import wiring


@pytest.fixture
def otp(client):
    assert put_template(client, "otp", OTP).status_code == 200
    return client


def _queued(aws):
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_accepted_mail_is_queued_small_and_pinned(otp, aws):
    response = send(otp)
    assert response.status_code == 202
    accepted = body(response)
    assert accepted["status"] == "queued"
    version = body(otp.http.get("/templates/otp"))["version_id"]
    assert accepted["template_version"] == version
    [message] = _queued(aws)
    assert message["message_id"] == accepted["message_id"] and message["version"] == version
    raw = json.dumps(message)
    assert "<p>" not in raw and len(raw) < 1024
    entry = body(otp.http.get(f"/emails/{accepted['message_id']}"))
    assert entry["status"] == "queued" and entry["to"] == "user@example.com"
    assert entry["template"] == "otp" and entry["template_version"] == version
    assert entry["variables"] == {"code": "[redacted]", "name": "Bo"}
    assert "987654" not in json.dumps(entry)
    assert [e["status"] for e in entry["events"]] == ["queued"]


def test_unknown_message_is_404(client):
    response = client.http.get("/emails/does-not-exist")
    assert response.status_code == 404 and body(response)["error"]["field"] == "message_id"


def test_idempotency_key_replays_and_conflicts(otp, aws):
    key = {"Idempotency-Key": "order-42"}
    first = body(send(otp, headers=key))
    again = send(otp, headers=key)
    assert again.status_code == 202
    assert body(again)["message_id"] == first["message_id"]
    assert [m["message_id"] for m in _queued(aws)] == [first["message_id"]]
    other = send(otp, to="other@example.com", headers=key)
    assert other.status_code == 409
    assert body(other)["error"]["field"] == "Idempotency-Key"
    assert body(send(otp, headers={"Idempotency-Key": "order-43"}))["message_id"] != \
        first["message_id"]


@pytest.mark.parametrize("payload, status, field", [
    (b"{not json", 400, "body"),
    (b"[1, 2]", 400, "body"),
    ({"to": "not-an-address", "template": "otp", "variables": {}}, 400, "to"),
    ({"to": "a@example.com", "template": "otp", "variables": [], }, 400, "variables"),
    ({"to": "a@example.com", "template": "otp", "varibles": {}}, 400, "varibles"),
    ({"to": "a@example.com"}, 400, "template"),
    ({"to": "a@example.com", "template": "ghost", "variables": {}}, 404, "name"),
    ({"to": "a@example.com", "template": "otp", "variables": {"name": "x"}}, 422,
     "variables.code"),
    ({"to": "a@example.com", "template": "otp", "variables": {"code": "1", "name": "x",
                                                              "extra": 1}}, 422,
     "variables.extra"),
    ({"to": "a@example.com", "template": "otp", "locale": "en_US!",
      "variables": {"code": "1", "name": "x"}}, 400, "locale"),
    ({"to": "a@example.com", "template": "otp", "expires_at": "tomorrow",
      "variables": {"code": "1", "name": "x"}}, 400, "expires_at"),
    ({"to": "a@example.com", "template": "otp", "expires_at": "2001-01-01T00:00:00Z",
      "variables": {"code": "1", "name": "x"}}, 422, "expires_at"),
])
def test_bad_requests_name_the_field(otp, aws, payload, status, field):
    response = post(otp, "/emails", payload)
    assert response.status_code == status, response.body
    assert body(response)["error"]["field"] == field
    assert _queued(aws) == []


def test_missing_variable_message_names_it(otp):
    error = body(send(otp, variables={"name": "x"}))["error"]
    assert "'code'" in error["message"]


def test_body_over_256_kb_is_413(otp, aws):
    response = send(otp, variables={"code": "1", "name": "x" * (256 * 1024)})
    assert response.status_code == 413
    assert _queued(aws) == []


def test_auth_mail_is_rate_limited_per_recipient(otp, aws):
    for _ in range(10):
        assert send(otp, to="Busy@Example.com").status_code == 202
    limited = send(otp, to="busy@EXAMPLE.com")
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert body(limited)["error"]["field"] == "to"
    assert send(otp, to="calm@example.com").status_code == 202


def test_rate_limit_is_configurable_per_template_and_notifications_are_not_limited(client):
    put_template(client, "otp", {**OTP, "rate_limit_per_hour": 2})
    put_template(client, "news", {**OTP, "category": "notification"})
    assert [send(client).status_code for _ in range(3)] == [202, 202, 429]
    assert {send(client, template="news").status_code for _ in range(12)} == {202}


def test_suppressed_address_is_422(otp, aws):
    boto3.client("dynamodb").put_item(TableName=aws.suppression_table, Item={
        "email": {"S": "gone@example.com"}, "reason": {"S": "bounce"}})
    response = send(otp, to="GONE@example.com")
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "suppressed"
    assert _queued(aws) == []


def test_layouts_cannot_be_sent(client):
    put_template(client, "base", {"category": "layout",
                                  "html": "{% block content %}{% endblock %}"})
    response = send(client, template="base", variables={})
    assert response.status_code == 422 and body(response)["error"]["field"] == "template"


def test_expires_at_is_recorded(otp):
    when = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0)
    accepted = body(send(otp, expires_at=when.isoformat()))
    entry = body(otp.http.get(f"/emails/{accepted['message_id']}"))
    assert entry["expires_at"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_replay_of_a_mail_stuck_unqueued_enqueues_it_again_and_it_is_sent_once(otp, aws):
    # GIVEN a mail accepted long ago whose SQS message was lost (the first attempt died)
    key = {"Idempotency-Key": "stuck-1"}
    first = body(send(otp, headers=key))
    sqs = boto3.client("sqs")
    for message in sqs.receive_message(QueueUrl=aws.send_queue_url)["Messages"]:
        sqs.delete_message(QueueUrl=aws.send_queue_url, ReceiptHandle=message["ReceiptHandle"])
    producer = wiring.services().producer
    now = time.time()
    producer.clock = lambda: now + 600
    # WHEN the caller retries with the same key
    again = body(send(otp, headers=key))
    # THEN the same id is answered and the mail is queued again, then sent once
    assert again["message_id"] == first["message_id"]
    event = receive_event(sqs, aws.send_queue_url)
    assert [json.loads(r["body"])["message_id"] for r in event["Records"]] == \
        [first["message_id"]]
    consume(otp, event)
    consume(otp, event)
    assert len(sent_mail()) == 1
