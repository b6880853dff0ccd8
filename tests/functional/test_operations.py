"""Operator routes: suppression list, queue counts, DLQ peek / discard / redrive."""
from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from helpers import body, consume, herald_send_body, receive_event, send, sent_mail

from chalicelib import wiring

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def by_hand(monkeypatch):
    """Redrive with the receive-copy-delete loop (moto has no StartMessageMoveTask)."""
    monkeypatch.setenv("HERALD_REDRIVE_MOVE_TASK", "false")
    wiring.reset()  # settings are read once


def herald_body(index, code="SECRET-4242"):
    return herald_send_body(message_id=f"m-{index}", to=f"u{index}@example.com",
                            variables={"code": code, "name": "Bo"})


def fill_dlq(aws, bodies):
    sqs = boto3.client("sqs")
    for text in bodies:
        sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=text)


def drain(url):
    """Every body in a queue (received for good: the test is done with them)."""
    sqs = boto3.client("sqs")
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=300).get("Messages", []):
        found += [m["Body"] for m in batch]
    return found


def counts(client):
    response = client.http.get("/queues")
    assert response.status_code == 200
    return body(response)


# -- suppression list ---------------------------------------------------------

def test_suppress_refuse_unsuppress_send(otp):
    added = otp.http.put("/suppressions/Ana@Example.COM", headers=JSON,
                         body=json.dumps({"reason": "asked by support ticket 7"}))
    assert added.status_code == 200
    assert body(added)["email"] == "ana@example.com"
    assert body(added)["reason"] == "asked by support ticket 7"
    assert send(otp, to="ana@example.com").status_code == 422
    assert otp.http.delete("/suppressions/ANA@example.com").status_code == 204
    assert send(otp, to="ana@example.com").status_code == 202
    missing = otp.http.delete("/suppressions/ana@example.com")
    assert missing.status_code == 404 and body(missing)["error"]["field"] == "email"


def test_suppress_without_body_records_a_manual_entry_by_its_author(client):
    assert client.http.put("/suppressions/bo%2Btag%40example.com").status_code == 200
    [entry] = body(client.http.get("/suppressions"))["suppressions"]
    assert entry["email"] == "bo+tag@example.com"
    assert entry["reason"] == "manual" and entry["detail"] == "added by local"


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("/suppressions/not-an-address", None, "email"),
    ("/suppressions/a@example.com", {"reason": 7}, "reason"),
    ("/suppressions/a@example.com", {"reason": "x", "until": "later"}, "until"),
    ("/suppressions/a@example.com", ["reason"], "body"),
])
def test_bad_suppression_requests_are_400_naming_the_field(client, path, payload, field):
    response = client.http.put(path, headers=JSON,
                               body=json.dumps(payload) if payload is not None else "")
    assert response.status_code == 400 and body(response)["error"]["field"] == field


def test_suppression_list_pages_through_every_entry_once(client):
    emails = {f"p+{i}@example.com" for i in range(7)}
    for email in emails:
        client.http.put(f"/suppressions/{email}")
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = body(client.http.get(f"/suppressions{query}"))
        assert len(page["suppressions"]) <= 3
        seen += [entry["email"] for entry in page["suppressions"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(emails) and pages >= 3


@pytest.mark.parametrize("query", ["?limit=0", "?limit=5000", "?limit=ten", "?cursor=%21%21"])
def test_bad_paging_parameters_are_400(client, query):
    response = client.http.get(f"/suppressions{query}")
    assert response.status_code == 400
    assert body(response)["error"]["field"] in {"limit", "cursor"}


# -- queue counts -------------------------------------------------------------

def test_queue_counts_show_waiting_mail_and_dlq_age(otp, aws):
    assert counts(otp) == {
        "queue": {"visible": 0, "in_flight": 0, "delayed": 0, "oldest_age_s": 0},
        "dlq": {"visible": 0, "in_flight": 0, "delayed": 0, "oldest_age_s": 0}}
    send(otp, to="a@example.com")
    send(otp, to="b@example.com")
    fill_dlq(aws, [herald_body(1)])
    seen = counts(otp)
    assert seen["queue"]["visible"] == 2
    assert seen["queue"]["oldest_age_s"] is None  # CloudWatch has no datapoints in moto
    # from CloudWatch too: sampling the DLQ would count a receive on every refresh
    assert seen["dlq"]["visible"] == 1 and seen["dlq"]["oldest_age_s"] is None
    [message] = boto3.client("sqs").receive_message(
        QueueUrl=aws.dlq_url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"  # this receive alone


# -- DLQ peek and discard -----------------------------------------------------

def test_peek_redacts_secrets_shows_raw_bodies_safely_and_hides_nothing(client, aws):
    no_secret_list = json.loads(herald_body(3))
    del no_secret_list["secret"]
    fill_dlq(aws, [herald_body(1), '{"message_id": "m-2", "variables": {"code": "SECRET-4242"',
                   json.dumps(no_secret_list), "plain text, not JSON"])
    response = client.http.get("/dlq/messages")
    assert response.status_code == 200 and "SECRET-4242" not in response.body.decode()
    views = {view.get("message_id") or view["raw"]: view for view in body(response)["messages"]}
    assert len(views) == 4
    assert views["m-1"]["variables"] == {"code": "[redacted]", "name": "Bo"}
    assert views["m-1"]["to"] == "u1@example.com" and views["m-1"]["template_version"] == "v1"
    assert views["m-1"]["enqueued_at"].startswith("2023-11-14T")
    assert views["m-3"]["variables"] == {"code": "[redacted]", "name": "[redacted]"}
    assert views['{"message_id": "m-2", "[variables withheld]']["error"]
    assert views["plain text, not JSON"]["receive_count"] >= 1
    dlq = counts(client)["dlq"]
    assert (dlq["visible"], dlq["in_flight"]) == (4, 0)


def test_peek_limit_is_honoured(client, aws):
    fill_dlq(aws, [herald_body(i) for i in range(15)])
    assert len(body(client.http.get("/dlq/messages?limit=12"))["messages"]) == 12
    assert len(body(client.http.get("/dlq/messages"))["messages"]) == 10
    assert client.http.get("/dlq/messages?limit=101").status_code == 400


def test_discarding_a_dlq_message_removes_it_and_closes_its_mail(otp, aws):
    accepted = body(send(otp))["message_id"]
    sqs = boto3.client("sqs")
    [message] = sqs.receive_message(QueueUrl=aws.send_queue_url)["Messages"]
    fill_dlq(aws, [message["Body"], herald_body(2)])
    views = body(otp.http.get("/dlq/messages"))["messages"]
    target = next(v["id"] for v in views if v["message_id"] == accepted)
    assert otp.http.delete(f"/dlq/messages/{target}").status_code == 204
    assert [v["message_id"] for v in body(otp.http.get("/dlq/messages"))["messages"]] == ["m-2"]
    entry = body(otp.http.get(f"/emails/{accepted}"))
    assert entry["status"] == "failed"
    assert entry["events"][-1]["detail"] == "removed from the DLQ by an operator"
    again = otp.http.delete(f"/dlq/messages/{target}")
    assert again.status_code == 404 and body(again)["error"]["code"] == "not_found"


# -- redrive ------------------------------------------------------------------

def fail_to_dlq(client, aws, to):
    """Send a mail while SES is down until its message sits in the DLQ; returns its id."""
    accepted = body(send(client, to=to, variables={"code": "SECRET-4242", "name": "Bo"}))
    ses = wiring.services().email_channel.transport.ses

    def outage(**_):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}},
                          "SendEmail")
    ses.meta.events.register("before-parameter-build.sesv2.SendEmail", outage)
    sqs = boto3.client("sqs")
    while records := receive_event(sqs, aws.send_queue_url)["Records"]:
        consume(client, {"Records": records})
    ses.meta.events.unregister("before-parameter-build.sesv2.SendEmail", outage)
    return accepted["message_id"]


def test_operator_sees_why_a_mail_failed_redrives_it_and_it_is_sent(otp, aws, by_hand):
    accepted = fail_to_dlq(otp, aws, "user@example.com")
    assert counts(otp)["dlq"]["visible"] == 1
    # see why
    entry = body(otp.http.get(f"/emails/{accepted}"))
    assert entry["status"] == "queued"
    assert entry["events"][-1]["detail"] == "SES ServiceUnavailable; will retry"
    [view] = body(otp.http.get("/dlq/messages"))["messages"]
    assert view["message_id"] == accepted and view["receive_count"] >= 3
    # SES is back (fail_to_dlq ended the outage): redrive
    assert body(otp.http.post("/dlq/redrive")) == {"moved": 1, "already_settled": 0}
    assert counts(otp)["dlq"]["visible"] == 0
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    assert body(otp.http.get(f"/emails/{accepted}"))["status"] == "sent"
    assert len(sent_mail()) == 1


def test_redrive_moves_exactly_the_dlq_messages(client, aws, by_hand):
    fill_dlq(aws, [herald_body(i) for i in range(23)] + ["not json"])
    boto3.client("sqs").send_message(QueueUrl=aws.send_queue_url, MessageBody="already queued")
    response = client.http.post("/dlq/redrive")
    assert response.status_code == 200 and body(response) == {"moved": 24, "already_settled": 0}
    assert drain(aws.dlq_url) == []
    assert Counter(drain(aws.send_queue_url)) == Counter(
        [herald_body(i) for i in range(23)] + ["not json", "already queued"])
    assert body(client.http.post("/dlq/redrive")) == {"moved": 0, "already_settled": 0}


def test_redrive_keeps_message_attributes(client, aws, by_hand):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=herald_body(1), MessageAttributes={
        "trace_id": {"DataType": "String", "StringValue": "t-1"}})
    assert body(client.http.post("/dlq/redrive")) == {"moved": 1, "already_settled": 0}
    [message] = sqs.receive_message(QueueUrl=aws.send_queue_url,
                                    MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"]["trace_id"]["StringValue"] == "t-1"


@pytest.mark.parametrize("failing", ["SendMessageBatch", "DeleteMessageBatch"])
def test_a_redrive_failing_half_way_loses_nothing(client, aws, by_hand, failing):
    originals = [herald_body(i) for i in range(25)]
    fill_dlq(aws, originals)
    sqs = wiring.services().queue_admin.sqs
    calls = []

    def fail_second_call(**_):
        calls.append(1)
        if len(calls) == 2:
            raise ClientError({"Error": {"Code": "RequestThrottled", "Message": "injected"}},
                              failing)
    event = f"before-parameter-build.sqs.{failing}"
    sqs.meta.events.register(event, fail_second_call)
    response = client.http.post("/dlq/redrive")
    sqs.meta.events.unregister(event, fail_second_call)
    assert response.status_code == 503
    error = body(response)["error"]
    assert error["code"] == "redrive_interrupted"
    moved = 10 if failing == "SendMessageBatch" else 20
    assert f"after moving {moved} messages" in error["message"]
    seen = counts(client)
    assert seen["queue"]["visible"] == moved
    assert seen["dlq"]["visible"] + seen["dlq"]["in_flight"] == 25 - 10
    everywhere = set(drain(aws.send_queue_url))
    if failing == "SendMessageBatch":  # the unsent batch is visible again at once
        assert seen["dlq"]["visible"] == 15
        everywhere |= set(drain(aws.dlq_url))
        assert everywhere == set(originals)
    else:  # copies of the undeleted batch are in the queue: duplicates, nothing lost
        assert everywhere | set(drain(aws.dlq_url)) == set(originals)


def test_redrive_uses_sqs_move_task_where_available(client, aws):
    fill_dlq(aws, [herald_body(i) for i in range(3)])
    sqs = wiring.services().queue_admin.sqs
    started = []

    def move_task(params, **_):
        started.append(params)
        return AWSResponse("https://sqs", 200, {}, None), {"TaskHandle": "task-1"}
    sqs.meta.events.register("before-call.sqs.StartMessageMoveTask", move_task)
    response = client.http.post("/dlq/redrive")
    assert body(response) == {"moved": 3, "task_handle": "task-1"}
    [request] = started
    params = json.loads(request["body"])
    assert params["SourceArn"].endswith(":herald-dev-dlq")
    assert params["DestinationArn"].endswith(":herald-dev-send")


# -- one DLQ message: why it failed, redrive it alone ---------------------------

def test_a_dlq_message_says_why_it_failed_and_looking_adds_no_failure(otp, aws):
    message_id = fail_to_dlq(otp, aws, "a@example.com")
    [view] = body(otp.http.get("/dlq/messages"))["messages"]
    assert view["message_id"] == message_id and view["log_status"] == "queued"
    assert [reason["detail"] for reason in view["reasons"]] == [
        "SES ServiceUnavailable; will retry"] * 3
    assert view["failed_attempts"] == 3
    for _ in range(3):
        counts(otp)
        [again] = body(otp.http.get("/dlq/messages"))["messages"]
    assert again["failed_attempts"] == 3 and again["reasons"] == view["reasons"]
    assert "SECRET-4242" not in json.dumps(again)


def test_one_dlq_message_is_redriven_alone_by_its_mail_id(otp, aws):
    first = fail_to_dlq(otp, aws, "a@example.com")
    second = fail_to_dlq(otp, aws, "b@example.com")
    response = otp.http.post(f"/dlq/messages/{first}/redrive")
    assert response.status_code == 200
    assert body(response)["moved"] == 1 and body(response)["message_id"] == first
    assert [v["message_id"] for v in body(otp.http.get("/dlq/messages"))["messages"]] == [second]
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    assert body(otp.http.get(f"/emails/{first}"))["status"] == "sent"
    assert body(otp.http.get(f"/emails/{second}"))["status"] == "queued"
    gone = otp.http.post(f"/dlq/messages/{first}/redrive")
    assert gone.status_code == 404
    assert "redriven or deleted already" in body(gone)["error"]["message"]


def test_redriving_a_dlq_message_whose_mail_was_sent_is_409_and_resends_nothing(otp, aws):
    accepted = body(send(otp))["message_id"]
    sqs = boto3.client("sqs")
    [message] = sqs.receive_message(QueueUrl=aws.send_queue_url)["Messages"]
    sqs.change_message_visibility(QueueUrl=aws.send_queue_url,
                                  ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    consume(otp, receive_event(sqs, aws.send_queue_url))
    fill_dlq(aws, [message["Body"]])  # a stale copy of a mail that went out
    response = otp.http.post(f"/dlq/messages/{accepted}/redrive")
    assert response.status_code == 409 and body(response)["error"]["code"] == "already_settled"
    assert drain(aws.send_queue_url) == [] and drain(aws.dlq_url) == []
    assert len(sent_mail()) == 1


def test_the_row_id_deletes_the_row(otp, aws):
    """The admin UI shows the mail's id in the row and its dialog: it deletes by it too."""
    message_id = fail_to_dlq(otp, aws, "a@example.com")
    assert otp.http.delete(f"/dlq/messages/{message_id}").status_code == 204
    assert body(otp.http.get("/dlq/messages"))["messages"] == []
