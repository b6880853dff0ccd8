"""Staff routes for the admin UI: a test send of a saved template and a message
lookup, answering as POST /emails and GET /emails/{id} do for services."""
from __future__ import annotations

import email
from email.policy import default as default_policy

import boto3
import pytest
from helpers import OTP, body, consume, post, put_template, receive_event, send, sent_mail


def send_test(client, payload, template="otp"):
    return post(client, f"/templates/{template}/test-send", payload)


def test_test_send_uses_the_samples_with_given_values_on_top_and_is_sent(otp, aws):
    # WHEN an editor sends a test giving only a name
    response = send_test(otp, {"to": "ana@example.com", "variables": {"name": "Bo"}})
    # THEN it is accepted as a send of the saved version
    assert response.status_code == 202
    accepted = body(response)
    assert accepted["status"] == "queued"
    assert accepted["template_version"] == body(otp.http.get("/templates/otp"))["version_id"]
    # AND the consumer sends it with the sample code, the default product and the given name
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    [raw] = sent_mail()
    mail = email.message_from_string(raw.raw_data, policy=default_policy)
    assert mail["To"] == "ana@example.com" and mail["Subject"] == "Your code for Herald"
    assert "Hello Bo, your code is 123456" in mail.get_body(("plain",)).get_content()
    # AND the message log has it, secrets redacted
    entry = body(otp.http.get(f"/messages/{accepted['message_id']}"))
    assert entry["status"] == "sent" and entry["to"] == "ana@example.com"
    assert entry["variables"] == {"code": "[redacted]", "name": "Bo", "product": "Herald"}


@pytest.mark.parametrize("payload, status, field", [
    ({"variables": {}}, 400, "to"),
    ({"to": "not-an-address"}, 400, "to"),
    ({"to": "a@example.com", "template": "other"}, 400, "template"),
    ({"to": "a@example.com", "variables": ["Bo"]}, 400, "variables"),
    ({"to": "a@example.com", "variables": {"typo": 1}}, 422, "variables.typo"),
    ({"to": "a@example.com", "locale": "en_US!"}, 400, "locale"),
])
def test_test_send_is_validated_like_any_send(otp, aws, payload, status, field):
    response = send_test(otp, payload)
    assert response.status_code == status, response.body
    assert body(response)["error"]["field"] == field


def test_unknown_template_is_404(client):
    response = send_test(client, {"to": "a@example.com"}, template="ghost")
    assert response.status_code == 404 and body(response)["error"]["field"] == "name"


def test_test_send_respects_suppression_but_not_the_recipients_rate_limit(client, aws):
    # test sends have their own limit (test_brand_and_test_sends.py), so the template's
    # per-recipient limit is left for the recipient's real mail
    put_template(client, "otp", {**OTP, "rate_limit_per_hour": 1})
    boto3.client("dynamodb").put_item(TableName=aws.suppression_table, Item={
        "email": {"S": "gone@example.com"}, "reason": {"S": "bounce"}})
    suppressed = send_test(client, {"to": "gone@example.com"})
    assert suppressed.status_code == 422 and body(suppressed)["error"]["code"] == "suppressed"
    assert send_test(client, {"to": "ana@example.com"}).status_code == 202
    assert send_test(client, {"to": "ana@example.com"}).status_code == 202
    assert send(client, to="ana@example.com").status_code == 202
    assert send(client, to="ana@example.com").status_code == 429


def test_staff_lookup_answers_as_the_service_route_does(otp):
    message_id = body(send(otp))["message_id"]
    staff = otp.http.get(f"/messages/{message_id}")
    assert staff.status_code == 200
    assert body(staff) == body(otp.http.get(f"/emails/{message_id}"))
    missing = otp.http.get("/messages/does-not-exist")
    assert missing.status_code == 404 and body(missing)["error"]["field"] == "message_id"
