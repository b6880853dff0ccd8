"""SMS end to end in moto: accepted on the accept path with channel sms, queued on the
SMS queue (never the send queue), texted by consume_sms_queue through SNS, recorded in
the message log like mail; per-number limits, refusals by field, codes never logged."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from helpers import body, post, put_template, receive_event, send
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from chalicelib.errors import BadRequest, TooManyRequests, Unprocessable
from chalicelib.wiring import services
from local_stack.poller import scheduled_event
from tools.template_files import read_all

OTP_SMS = read_all(Path(__file__).resolve().parents[2] / "templates")["otp-sms"]
PHONE = "+4915123456789"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def sms(client):
    """The client, with the starter `otp-sms` template saved."""
    assert put_template(client, "otp-sms", OTP_SMS).status_code == 200
    return client


def accept_sms(to: str = PHONE, code: str = "SECRET-4711", key: str | None = None) -> dict:
    raw = json.dumps({"to": to, "template": "otp-sms", "variables": {"code": code}}).encode()
    return services().producer.accept(raw, key, channel="sms")


def texted() -> list[tuple[str, str]]:
    """(number, text) of every SMS the emulated SNS accepted, oldest first."""
    return list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())


def consume_sms(client, aws) -> dict:
    event = receive_event(boto3.client("sqs"), aws.sms_queue_url)
    return client.lambda_.invoke("consume_sms_queue", event).payload


def waiting(queue_url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_an_sms_goes_from_accept_to_the_sms_queue_to_sns_and_the_log_says_sent(
        sms, aws, capsys):
    # WHEN a service accepts an OTP SMS for a number
    accepted = accept_sms()
    # THEN it waits on the SMS queue, not the send queue
    assert (waiting(aws.sms_queue_url), waiting(aws.send_queue_url)) == (1, 0)
    # AND the SMS consumer texts it through SNS
    assert consume_sms(sms, aws) == {"batchItemFailures": []}
    [(number, text)] = texted()
    assert number == PHONE
    assert text.splitlines()[-1] == "@example.com #SECRET-4711"  # the origin-bound line
    # AND the message log says sent, with SNS's id
    entry = body(sms.http.get(f"/messages/{accepted['message_id']}"))
    assert (entry["status"], entry["channel"], entry["to"]) == ("sent", "sms", PHONE)
    assert entry["sns_message_id"] and entry["variables"]["code"] != "SECRET-4711"
    logged = capsys.readouterr().out
    assert "sms accepted" in logged and "sms sent" in logged
    assert "SECRET-4711" not in logged + json.dumps(entry)


def test_auth_sms_are_limited_per_number_per_hour(sms, aws):
    for n in range(services().settings.sms_auth_rate_limit_per_hour):
        accept_sms(code=f"10000{n}")
    with pytest.raises(TooManyRequests) as refused:
        accept_sms(code="200000")
    assert refused.value.field == "to" and "this number" in refused.value.message
    assert refused.value.retry_after_s
    assert accept_sms(to="+4915199999998")["status"] == "queued"  # another number is free


def test_a_bad_number_or_a_template_of_the_other_channel_is_refused_by_field(sms):
    for bad in ("015123456789", "+49 151 2345678", "+4912", "+0123456789", "user@example.com"):
        with pytest.raises(BadRequest) as refused:
            accept_sms(to=bad)
        assert refused.value.field == "to", bad
    with pytest.raises(Unprocessable) as email_template:  # an email template refuses sms
        put_template(sms, "mail-otp", {"subject": "Code", "html": "<p>{{ code }}</p>",
                                       "variables": {"code": {"sample": "1"}}})
        services().producer.accept(json.dumps({"to": PHONE, "template": "mail-otp",
                                               "variables": {"code": "1"}}).encode(),
                                   None, channel="sms")
    assert (email_template.value.field, email_template.value.code) == ("template",
                                                                       "wrong_channel")
    # POST /emails stays email-only: an SMS template is refused there
    refused = send(sms, template="otp-sms", variables={"code": "1"})
    assert refused.status_code == 422 and body(refused)["error"]["field"] == "template"


def test_an_sms_template_is_text_only_and_its_preview_counts_segments(sms):
    mail_parts = put_template(sms, "bad-sms", {**OTP_SMS, "subject": "Hi"})
    assert mail_parts.status_code == 400 and body(mail_parts)["error"]["field"] == "subject"
    preview = body(sms.http.post("/templates/otp-sms/preview", body="{}", headers=JSON))
    assert (preview["encoding"], preview["segments"]) == ("GSM-7", 1)
    assert preview["text"].endswith("\n\n@example.com #482913")
    accented = body(sms.http.post("/templates/otp-sms/preview", headers=JSON, body=json.dumps(
        {"variables": {"product_name": "Ĉaro " + "x" * 60}})))
    assert (accented["encoding"], accented["segments"]) == ("UCS-2", 3)


def test_staff_test_send_an_sms_template_to_a_phone(sms, aws):
    sent = post(sms, "/templates/otp-sms/test-send", {"to": PHONE})
    assert sent.status_code == 202 and waiting(aws.sms_queue_url) == 1
    refused = post(sms, "/templates/otp-sms/test-send", {"to": "user@example.com"})
    assert refused.status_code == 400 and body(refused)["error"]["field"] == "to"


def test_a_number_that_replied_stop_fails_for_good_without_a_text(sms, aws):
    accepted = accept_sms(to="+4915100000099")  # moto: numbers ending 99 opted out
    assert consume_sms(sms, aws) == {"batchItemFailures": []}
    assert texted() == []
    entry = body(sms.http.get(f"/messages/{accepted['message_id']}"))
    assert entry["status"] == "failed" and "opted out" in entry["events"][-1]["detail"]


def test_the_reconciler_puts_a_lost_sms_on_the_sms_queue(sms, aws):
    # GIVEN an accepted SMS whose queue message was lost, its outbox copy left
    accepted = accept_sms()
    sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
    [message] = sqs.receive_message(QueueUrl=aws.sms_queue_url)["Messages"]
    sqs.delete_message(QueueUrl=aws.sms_queue_url, ReceiptHandle=message["ReceiptHandle"])
    dynamodb.put_item(TableName=aws.outbox_table, Item={
        "message_id": {"S": accepted["message_id"]}, "body": {"S": message["Body"]},
        "created_epoch_ms": {"N": "0"}})
    # WHEN the reconciler runs, THEN the SMS is back on its own queue and gets texted
    assert sms.lambda_.invoke("reconcile", scheduled_event()).payload["queued"] == 1
    assert (waiting(aws.sms_queue_url), waiting(aws.send_queue_url)) == (1, 0)
    assert consume_sms(sms, aws) == {"batchItemFailures": []} and len(texted()) == 1
