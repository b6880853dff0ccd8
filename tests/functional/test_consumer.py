"""The SQS consumer through the real handler: send once, partial failures, DLQ, statuses."""
from __future__ import annotations

import email
import json
from email.policy import default as default_policy

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import OTP, body, consume, put_template, receive_event, send, sent_mail

from chalicelib import wiring


@pytest.fixture
def otp_template():
    """A notification: no per-recipient limit on the many sends to one address here."""
    return {**OTP, "category": "notification"}


def _parsed(raw_message):
    return email.message_from_string(raw_message.raw_data, policy=default_policy)


def _status(client, message_id):
    return body(client.http.get(f"/emails/{message_id}"))


def _fail_sends_to(address, code="Throttling"):
    """Make the consumer's SES client fail for one recipient (a botocore hook, no patching)."""
    ses = wiring.services().email_channel.transport.ses

    def refuse(params, **_):
        if address in params["Destination"]["ToAddresses"]:
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "SendEmail")
    ses.meta.events.register("before-parameter-build.sesv2.SendEmail", refuse)


def test_mail_is_sent_as_multipart_with_message_id_and_recorded(otp, aws):
    accepted = body(send(otp, variables={"code": "135790", "name": "Ana <b>"}))
    sqs = boto3.client("sqs")
    assert consume(otp, receive_event(sqs, aws.send_queue_url)) == {"batchItemFailures": []}
    [raw] = sent_mail()
    mail = _parsed(raw)
    assert mail["Subject"] == "Your code for Herald"
    assert mail["To"] == "user@example.com" and mail["Message-ID"]
    assert mail.get_content_type() == "multipart/alternative"
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Ana &lt;b&gt;" in html and "135790" in html
    assert "Ana <b>" in text
    entry = _status(otp, accepted["message_id"])
    assert entry["status"] == "sent" and entry["ses_message_id"]
    assert [e["status"] for e in entry["events"]] == ["queued", "sent"]
    assert sqs.receive_message(QueueUrl=aws.send_queue_url).get("Messages") is None


def test_duplicate_delivery_sends_once(otp, aws):
    send(otp)
    event = receive_event(boto3.client("sqs"), aws.send_queue_url)
    consume(otp, event)
    consume(otp, event)
    assert len(sent_mail()) == 1


def test_one_failing_record_in_ten_resends_none_of_the_others(otp, aws, monkeypatch):
    ids = [body(send(otp, to=f"user{i}@example.com"))["message_id"] for i in range(10)]
    _fail_sends_to("user3@example.com")
    sqs = boto3.client("sqs")
    event = receive_event(sqs, aws.send_queue_url)
    assert len(event["Records"]) == 10
    result = consume(otp, event)
    failing = [r["messageId"] for r in event["Records"]
               if json.loads(r["body"])["to"] == "user3@example.com"]
    assert result == {"batchItemFailures": [{"itemIdentifier": failing[0]}]}
    assert len(sent_mail()) == 9
    assert _status(otp, ids[3])["status"] == "queued"
    consume(otp, event)  # the whole batch again, as a mapping without the list would
    assert len(sent_mail()) == 9
    statuses = [_status(otp, message_id)["status"] for message_id in ids]
    assert statuses.count("sent") == 9


def test_without_report_batch_item_failures_succeeded_records_are_deleted_first(
        otp, aws, monkeypatch):
    monkeypatch.setenv("HERALD_REPORT_BATCH_ITEM_FAILURES", "false")
    wiring.reset()
    for i in range(3):
        send(otp, to=f"user{i}@example.com")
    _fail_sends_to("user1@example.com")
    sqs = boto3.client("sqs")
    event = receive_event(sqs, aws.send_queue_url)
    with pytest.raises(Exception, match="1 of 3 records failed"):
        consume(otp, event)
    left = sqs.receive_message(QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10,
                               VisibilityTimeout=0).get("Messages", [])
    assert [json.loads(m["Body"])["to"] for m in left] == ["user1@example.com"]


def test_poison_message_reaches_dlq_after_three_receives(otp, aws):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.send_queue_url, MessageBody="{not json")
    receives = 0
    for _ in range(6):
        event = receive_event(sqs, aws.send_queue_url)
        if not event["Records"]:
            break
        receives += 1
        assert consume(otp, event)["batchItemFailures"]
    assert receives == 3
    dlq = sqs.receive_message(QueueUrl=aws.dlq_url).get("Messages", [])
    assert [m["Body"] for m in dlq] == ["{not json"]


def test_render_failure_is_permanent_and_not_retried(otp, aws):
    accepted = body(send(otp))
    sqs = boto3.client("sqs")
    event = receive_event(sqs, aws.send_queue_url)
    message = json.loads(event["Records"][0]["body"])
    message["variables"] = {"name": "only"}
    event["Records"][0]["body"] = json.dumps(message)
    assert consume(otp, event) == {"batchItemFailures": []}
    entry = _status(otp, accepted["message_id"])
    assert entry["status"] == "failed" and "'code' is required" in entry["events"][-1]["detail"]
    assert sent_mail() == []


def test_rejected_address_fails_at_once_and_throttling_retries(otp, aws):
    rejected = body(send(otp, to="rejected@example.com"))["message_id"]
    throttled = body(send(otp, to="slow@example.com"))["message_id"]
    _fail_sends_to("rejected@example.com", code="MessageRejected")
    _fail_sends_to("slow@example.com", code="TooManyRequestsException")
    event = receive_event(boto3.client("sqs"), aws.send_queue_url)
    result = consume(otp, event)
    assert len(result["batchItemFailures"]) == 1
    assert _status(otp, rejected)["status"] == "failed"
    slow = _status(otp, throttled)
    assert slow["status"] == "queued" and "will retry" in slow["events"][-1]["detail"]


def test_expired_message_is_never_sent(otp, aws):
    accepted = body(send(otp, expires_at="2999-01-01T00:00:00Z"))
    event = receive_event(boto3.client("sqs"), aws.send_queue_url)
    message = json.loads(event["Records"][0]["body"])
    message["expires_at"] = 1.0
    event["Records"][0]["body"] = json.dumps(message)
    assert consume(otp, event) == {"batchItemFailures": []}
    assert _status(otp, accepted["message_id"])["status"] == "expired"
    assert sent_mail() == []


def test_address_suppressed_after_accept_is_not_sent(otp, aws):
    accepted = body(send(otp, to="late@example.com"))
    boto3.client("dynamodb").put_item(TableName=aws.suppression_table, Item={
        "email": {"S": "late@example.com"}, "reason": {"S": "complaint"}})
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    assert _status(otp, accepted["message_id"])["status"] == "suppressed"
    assert sent_mail() == []


def test_generated_events_with_distinct_ids_are_processed(otp, aws):
    send(otp, to="a@example.com")
    send(otp, to="b@example.com")
    bodies = [m["Body"] for m in boto3.client("sqs").receive_message(
        QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10)["Messages"]]
    event = otp.events.generate_sqs_event(message_bodies=bodies, queue_name="herald-dev-send")
    for index, record in enumerate(event["Records"]):
        record["messageId"] = f"record-{index}"
    assert consume(otp, event) == {"batchItemFailures": []}
    assert sorted(_parsed(m)["To"] for m in sent_mail()) == ["a@example.com", "b@example.com"]


def test_crlf_in_subject_variable_cannot_add_a_header(client, aws):
    put_template(client, "hello", {"subject": "Hi {{ name }}", "html": "<p>x</p>",
                                   "category": "notification",
                                   "variables": {"name": {"sample": "A"}}})
    send(client, template="hello", variables={"name": "Eve\r\nBcc: victim@example.com"})
    consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url))
    [raw] = sent_mail()
    mail = _parsed(raw)
    assert mail["Bcc"] is None
    assert mail["Subject"] == "Hi Eve Bcc: victim@example.com"
    assert "\nBcc:" not in raw.raw_data.split("\n\n", 1)[0]


def test_secrets_never_reach_logs_errors_or_views(client, aws, capsys):
    put_template(client, "otp", OTP)
    accepted = body(send(client, variables={"code": "SECRET-731", "name": "Bo"}))
    sqs = boto3.client("sqs")
    event = receive_event(sqs, aws.send_queue_url)
    message = json.loads(event["Records"][0]["body"])
    poison = dict(message, message_id="unknown-id")
    event["Records"].append({**event["Records"][0], "messageId": "poison",
                             "body": json.dumps(poison)})
    _fail_sends_to("user@example.com", code="MessageRejected")
    consume(client, event)
    failed = send(client, variables={"code": "SECRET-731", "name": "Bo", "extra": "x"})
    assert failed.status_code == 422
    everything = capsys.readouterr().out + failed.body.decode() + json.dumps(
        _status(client, accepted["message_id"]))
    assert "email accepted" in everything and "record will be retried" in everything
    assert "SECRET-731" not in everything
