"""C3a through the real handlers: what happens to a mail when an AWS call's
answer is lost, a call is slow, a write fails or the consumer dies mid-way.

Faults are botocore event hooks on Herald's own clients; a `Crash` (not an
Exception) stands for the Lambda dying at that point. Time is moved on by
handing the consumer a later clock (its `clock` is an injected callable).
"""
from __future__ import annotations

import email
import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from helpers import OTP, body, consume, receive_event, send, sent_mail

from chalicelib import wiring
from local_stack.ses_feedback import feedback_queue_event, ses_events


class Crash(BaseException):
    """The process dies here: nothing after it runs."""


@pytest.fixture
def otp_template():
    """A notification: no per-recipient limit on the many sends to one address here."""
    return {**OTP, "category": "notification"}


def status(client, message_id):
    return body(client.http.get(f"/emails/{message_id}"))


def later(seconds: float) -> None:
    """The consumer's clock (and its message log's) runs `seconds` ahead from now on."""
    consumer = wiring.services().consumer
    consumer.clock = consumer.log.clock = lambda: time.time() + seconds


def ses_hook(event: str, action) -> None:
    wiring.services().email_channel.transport.ses.meta.events.register(
        f"{event}.sesv2.SendEmail", action)


def once(action):
    """A hook that acts on its first call only."""
    calls = []

    def hook(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            return action(**kwargs)
    return hook


def lost_answer(**_):
    raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")


def crash(**_):
    raise Crash()


def send_event_for(client, message_id: str, ses_id: str = "ses-late-1") -> None:
    """SES's Send event for one mail, through the feedback queue's handler."""
    [send_event, _] = ses_events("user@example.com", ses_id, message_id, "no-reply@example.com",
                                 "Hi")
    client.lambda_.invoke("handle_ses_feedback", feedback_queue_event([send_event]))


def first_delivery(aws):
    """The next batch from the queue; handing it over again is SQS's redelivery."""
    return receive_event(boto3.client("sqs"), aws.send_queue_url)


def test_ses_answer_lost_is_in_doubt_and_the_send_event_settles_it(otp, aws):
    message_id = body(send(otp))["message_id"]
    ses_hook("after-call", once(lost_answer))  # SES took it; its answer never came
    delivery = first_delivery(aws)
    assert len(consume(otp, delivery)["batchItemFailures"]) == 1
    entry = status(otp, message_id)
    assert entry["status"] == "sending" and "in doubt" in entry["events"][-1]["detail"]
    assert len(sent_mail()) == 1
    # a redelivery inside the grace waits; SES's Send event then records it
    assert consume(otp, delivery)["batchItemFailures"]
    send_event_for(otp, message_id)
    assert status(otp, message_id)["status"] == "sent"
    later(600)
    assert consume(otp, delivery) == {"batchItemFailures": []}
    assert len(sent_mail()) == 1


def test_in_doubt_send_without_any_evidence_is_sent_again_after_the_grace(otp, aws):
    """The documented window: SES's answer AND its Send event lost."""
    message_id = body(send(otp))["message_id"]
    ses_hook("after-call", once(lost_answer))
    delivery = first_delivery(aws)
    consume(otp, delivery)
    later(wiring.services().settings.send_evidence_grace_s + 5)
    assert consume(otp, delivery) == {"batchItemFailures": []}
    entry = status(otp, message_id)
    assert entry["status"] == "sent"
    assert any("ended without a record" in e.get("detail", "") for e in entry["events"])
    assert len(sent_mail()) == 2


def test_botocore_never_resends_a_send_email(otp, aws):
    calls = []
    ses_hook("before-send", lambda **_: calls.append(1))
    ses_hook("after-call", once(lost_answer))
    send(otp)
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    assert len(calls) == 1


def test_crash_after_the_send_waits_for_the_send_event_and_never_resends(otp, aws):
    message_id = body(send(otp))["message_id"]
    ses_hook("after-call", once(crash))
    delivery = first_delivery(aws)
    with pytest.raises(Crash):
        consume(otp, delivery)
    assert status(otp, message_id)["status"] == "sending" and len(sent_mail()) == 1
    # SES's Send event arrives within seconds; SQS redelivers after its visibility
    # timeout, by which time the lease and the grace have run out
    send_event_for(otp, message_id)
    later(wiring.services().settings.visibility_timeout_s)
    assert consume(otp, delivery) == {"batchItemFailures": []}
    assert status(otp, message_id)["status"] == "sent" and len(sent_mail()) == 1


def test_a_failed_sent_write_is_noted_in_the_queue_and_never_resent(otp, aws):
    message_id = body(send(otp))["message_id"]
    dynamodb = wiring.services().dynamodb

    def refuse_record(params, **_):
        if ":f1" in params.get("ExpressionAttributeValues", {}) and \
                params["ExpressionAttributeValues"][":status"] == {"S": "sent"}:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}},
                              "UpdateItem")
    dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", refuse_record)
    assert consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url)) == \
        {"batchItemFailures": []}
    assert status(otp, message_id)["status"] == "sending"
    dynamodb.meta.events.unregister("before-parameter-build.dynamodb.UpdateItem", refuse_record)
    note = receive_event(boto3.client("sqs"), aws.send_queue_url)
    assert [json.loads(r["body"])["kind"] for r in note["Records"]] == ["sent"]
    assert "variables" not in note["Records"][0]["body"]
    consume(otp, note)
    entry = status(otp, message_id)
    assert entry["status"] == "sent" and entry["ses_message_id"]
    assert len(sent_mail()) == 1


def test_one_slow_send_does_not_leave_the_others_unrecorded(otp, aws):
    ids = [body(send(otp, to=f"user{i}@example.com"))["message_id"] for i in range(5)]
    seen_during_slow_send = []

    def slow(params, **_):
        if "user0@example.com" in params["Destination"]["ToAddresses"]:
            time.sleep(1.0)
            seen_during_slow_send.extend(status(otp, m)["status"] for m in ids[1:])
    ses_hook("before-parameter-build", slow)
    assert consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url)) == \
        {"batchItemFailures": []}
    assert seen_during_slow_send == ["sent"] * 4
    assert [status(otp, m)["status"] for m in ids] == ["sent"] * 5


def test_expired_mail_left_sending_is_recorded_expired(otp, aws):
    message_id = body(send(otp, expires_at="2100-01-01T00:00:00Z"))["message_id"]
    ses_hook("before-send", once(crash))  # dies before SES got it
    delivery = first_delivery(aws)
    with pytest.raises(Crash):
        consume(otp, delivery)
    later(3 * 10**9)  # past expires_at, the lease and the grace
    assert consume(otp, delivery) == {"batchItemFailures": []}
    entry = status(otp, message_id)
    assert entry["status"] == "expired" and sent_mail() == []


def test_a_lost_claim_answer_is_recognised_as_our_own_claim(otp, aws):
    message_id = body(send(otp))["message_id"]
    dynamodb = wiring.services().dynamodb
    dynamodb.meta.events.register("after-call.dynamodb.TransactWriteItems",
                                  once(lambda **_: lost_answer()))
    assert consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url)) == \
        {"batchItemFailures": []}
    assert status(otp, message_id)["status"] == "sent" and len(sent_mail()) == 1


def test_each_failed_attempt_leaves_its_reason_and_redrive_never_resends_sent_mail(
        otp, aws, monkeypatch):
    monkeypatch.setenv("HERALD_REDRIVE_MOVE_TASK", "false")
    wiring.reset()
    failing = body(send(otp, to="down@example.com"))["message_id"]
    done = body(send(otp, to="ok@example.com"))["message_id"]

    def outage(params, **_):
        if "down@example.com" in params["Destination"]["ToAddresses"]:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "x"}},
                              "SendEmail")
    ses_hook("before-parameter-build", outage)
    sqs = boto3.client("sqs")
    while records := receive_event(sqs, aws.send_queue_url)["Records"]:
        consume(otp, {"Records": records})
    reasons = [e["detail"] for e in status(otp, failing)["events"] if e.get("detail")]
    assert reasons == ["SES ServiceUnavailable; will retry"] * 3
    # a copy of the sent mail's message in the DLQ (e.g. its delete was lost)
    sent_body = json.loads(sqs.receive_message(QueueUrl=aws.dlq_url, VisibilityTimeout=0)[
        "Messages"][0]["Body"])
    sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=json.dumps({**sent_body,
                                                                   "message_id": done}))
    assert body(otp.http.post("/dlq/redrive")) == {"moved": 1, "already_settled": 1}
    wiring.services().email_channel.transport.ses.meta.events.unregister(
        "before-parameter-build.sesv2.SendEmail", outage)
    while records := receive_event(sqs, aws.send_queue_url)["Records"]:
        consume(otp, {"Records": records})
    assert status(otp, failing)["status"] == "sent"
    recipients = [email.message_from_string(m.raw_data)["To"] for m in sent_mail()]
    assert sorted(recipients) == ["down@example.com", "ok@example.com"]


def test_an_attempt_that_fails_before_its_claim_still_says_why(otp, aws):
    message_id = body(send(otp))["message_id"]

    def throttled(**_):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}},
                          "TransactWriteItems")
    wiring.services().dynamodb.meta.events.register(
        "before-call.dynamodb.TransactWriteItems", throttled)
    sqs = boto3.client("sqs")
    while records := receive_event(sqs, aws.send_queue_url)["Records"]:
        consume(otp, {"Records": records})
    entry = status(otp, message_id)
    assert entry["status"] == "queued"
    assert [e.get("detail") for e in entry["events"][1:]] == \
        ["ThrottlingException; will retry"] * 3
    assert len(sqs.receive_message(QueueUrl=aws.dlq_url)["Messages"]) == 1
