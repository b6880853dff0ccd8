"""POST /emails and GET /emails/{id}: every answer of the contract."""
from __future__ import annotations

import email
import hashlib
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from helpers import OTP, body, consume, post, put_template, receive_event, send, sent_mail

from chalicelib import wiring
from chalicelib.platform import dynamo
from local_stack.poller import scheduled_event


def _queued(aws):
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_a_newer_code_supersedes_the_queued_one_which_is_never_sent(otp, aws):
    first = body(send(otp, to="ana@example.com", supersede_key="sign-in"))
    assert first["superseded"] == []
    second = body(send(otp, to="ana@example.com", supersede_key="sign-in",
                       variables={"code": "111222", "name": "Bo"}))
    assert second["superseded"] == [first["message_id"]]
    other = body(send(otp, to="bo@example.com", supersede_key="sign-in"))
    assert other["superseded"] == []  # another recipient's group
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    statuses = {m: body(otp.http.get(f"/emails/{m}"))["status"]
                for m in (first["message_id"], second["message_id"], other["message_id"])}
    assert statuses == {first["message_id"]: "superseded", second["message_id"]: "sent",
                        other["message_id"]: "sent"}
    assert sorted(email.message_from_string(m.raw_data)["To"] for m in sent_mail()) == [
        "ana@example.com", "bo@example.com"]
    # a mail already sent is not superseded: the next one is simply sent too
    third = body(send(otp, to="ana@example.com", supersede_key="sign-in"))
    assert third["superseded"] == []
    assert send(otp, supersede_key="").status_code == 400


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


def test_the_idempotency_record_cannot_give_a_code_back(otp, aws):
    key = {"Idempotency-Key": "login-7"}
    first = body(send(otp, variables={"code": "004242", "name": "Bo"}, headers=key))
    [record] = boto3.client("dynamodb").scan(TableName=aws.idempotency_table)["Items"]
    stored = json.dumps(dynamo.from_item(record))
    # every digest of the request with each candidate code, in any spelling Herald could
    # have hashed, misses: the secret's value is not in the fingerprint
    for candidate in (f"{n:06d}" for n in range(10_000)):
        request = {"to": "user@example.com", "template": "otp",
                   "variables": {"code": candidate, "name": "Bo"}}
        for spelling in (json.dumps(request), json.dumps(request, sort_keys=True),
                         json.dumps(request, sort_keys=True, separators=(",", ":"))):
            assert hashlib.sha256(spelling.encode()).hexdigest() not in stored
    # a retry with the same key and another code is the same request: its first answer
    again = send(otp, variables={"code": "999999", "name": "Bo"}, headers=key)
    assert again.status_code == 202 and body(again)["message_id"] == first["message_id"]
    # while any other difference still is a conflict
    other = send(otp, variables={"code": "004242", "name": "Ana"}, headers=key)
    assert other.status_code == 409


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


def _refuse_enqueue(times: int = 1) -> list[int]:
    """The API's SQS client fails its next `times` SendMessage calls (a botocore hook)."""
    sqs = wiring.services().queue.sqs
    left = [times]

    def refuse(**_):
        if left[0] > 0:
            left[0] -= 1
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}},
                              "SendMessage")
    sqs.meta.events.register("before-call.sqs.SendMessage", refuse)
    return left


def test_accepted_mail_whose_enqueue_failed_is_queued_by_the_callers_retry(otp, aws):
    # GIVEN a mail accepted while SQS refused its message (the outbox keeps it)
    key = {"Idempotency-Key": "stuck-1"}
    _refuse_enqueue()
    first = send(otp, headers=key)
    assert first.status_code == 202
    sqs = boto3.client("sqs")
    assert receive_event(sqs, aws.send_queue_url)["Records"] == []
    # WHEN the caller retries with the same key
    again = body(send(otp, headers=key))
    # THEN the same id is answered and the mail is queued, then sent once
    assert again["message_id"] == body(first)["message_id"] and again["replayed"]
    event = receive_event(sqs, aws.send_queue_url)
    assert [json.loads(r["body"])["message_id"] for r in event["Records"]] == \
        [again["message_id"]]
    consume(otp, event)
    consume(otp, event)
    assert len(sent_mail()) == 1
    # AND a later retry queues nothing more
    send(otp, headers=key)
    assert receive_event(sqs, aws.send_queue_url)["Records"] == []


def test_reconciler_queues_an_accepted_mail_nobody_asked_about_again(otp, aws, monkeypatch):
    monkeypatch.setenv("HERALD_RECONCILE_AFTER_S", "0")
    wiring.reset()
    _refuse_enqueue()
    accepted = send(otp)  # no key, no retry: only the reconciler can find it
    assert accepted.status_code == 202
    sqs = boto3.client("sqs")
    assert otp.lambda_.invoke("reconcile", scheduled_event()).payload == \
        {"queued": 1, "dropped": 0}
    event = receive_event(sqs, aws.send_queue_url)
    consume(otp, event)
    assert body(otp.http.get(f"/emails/{body(accepted)['message_id']}"))["status"] == "sent"
    assert otp.lambda_.invoke("reconcile", scheduled_event()).payload == \
        {"queued": 0, "dropped": 0}


def test_reconciler_drops_outbox_copies_of_mail_already_claimed(otp, aws, monkeypatch):
    monkeypatch.setenv("HERALD_RECONCILE_AFTER_S", "0")
    wiring.reset()
    outbox = wiring.services().outbox
    accepted = body(send(otp))
    # the API's delete was lost: the copy is still there, the mail in the queue
    outbox.db.put_item(TableName=outbox.table, Item={
        "message_id": {"S": accepted["message_id"]}, "body": {"S": "{}"},
        "created_epoch_ms": {"N": "0"}})
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    assert outbox.get(accepted["message_id"]) is None  # the claim removed it
    assert otp.lambda_.invoke("reconcile", scheduled_event()).payload == \
        {"queued": 0, "dropped": 0}
    assert len(sent_mail()) == 1


def test_lost_response_of_the_accept_transaction_is_not_a_replay(otp, aws):
    """The transaction took effect but its answer never came: the API looks, then goes on."""
    dynamodb = wiring.services().dynamodb
    lost = [1]

    def lose_response(http_response, **_):
        if lost[0] and http_response.status_code == 200:
            lost[0] = 0
            raise ReadTimeoutError(endpoint_url="https://dynamodb")
    dynamodb.meta.events.register("after-call.dynamodb.TransactWriteItems", lose_response)
    answer = send(otp, headers={"Idempotency-Key": "lost-1"})
    assert answer.status_code == 202 and "replayed" not in body(answer)
    event = receive_event(boto3.client("sqs"), aws.send_queue_url)
    assert [json.loads(r["body"])["message_id"] for r in event["Records"]] == \
        [body(answer)["message_id"]]


def test_a_resent_transaction_with_its_token_succeeds_once(aws):
    """DynamoDB (and the emulation) answer a repeated ClientRequestToken with success."""
    db = boto3.client("dynamodb")
    op = [("entry", {"Put": {"TableName": aws.outbox_table,
                             "Item": {"message_id": {"S": "m-1"}, "body": {"S": "{}"}},
                             "ConditionExpression": "attribute_not_exists(message_id)"}})]
    dynamo.transact(db, op, "token-1")
    dynamo.transact(db, op, "token-1")  # botocore's resend after a lost response
    with pytest.raises(dynamo.TransactionCancelled) as refused:
        dynamo.transact(db, op, "token-2")
    assert refused.value.refused("entry")
