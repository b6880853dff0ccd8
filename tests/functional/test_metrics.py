"""Metrics (CloudWatch embedded metric format) and structured logs, as captured on stdout."""
from __future__ import annotations

import json
import time

import boto3
from botocore.exceptions import ClientError
from helpers import body, consume, receive_event, send

from chalicelib import wiring
from local_stack.ses_feedback import feedback_events

SECRET = "SECRET-5150"
# The units CloudWatch accepts (EMF specification, MetricDefinition.Unit).
UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
         "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
         "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
         "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
         "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}


def lines(capsys):
    """Every JSON object printed since the last call."""
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()
            if line.startswith("{")]


def check_emf(entry):
    """Assert `entry` follows the EMF specification; returns {metric name: (value, unit)}."""
    meta = entry["_aws"]
    assert isinstance(meta["Timestamp"], int) and abs(meta["Timestamp"] / 1000 - time.time()) < 60
    found = {}
    for directive in meta["CloudWatchMetrics"]:
        assert isinstance(directive["Namespace"], str) and directive["Namespace"]
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            assert all(isinstance(entry[name], str) for name in dimension_set)
        assert 1 <= len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            value = entry[metric["Name"]]
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
            assert metric.get("Unit", "None") in UNITS
            found[metric["Name"]] = (value, metric.get("Unit"))
    return found


def metrics_in(entries):
    emitted = []
    for entry in entries:
        if "_aws" in entry:
            emitted.append((check_emf(entry), entry))
    return emitted


def one_record(client, aws):
    return receive_event(boto3.client("sqs"), aws.send_queue_url)


def rewrite(event, **changes):
    message = json.loads(event["Records"][0]["body"])
    message.update(changes)
    event["Records"][0]["body"] = json.dumps(message)
    return event


def test_each_outcome_emits_its_metric_as_emf(otp, aws, capsys):
    # sent, with its enqueue-to-send latency
    sent_id = body(send(otp, to="sent@example.com"))["message_id"]
    consume(otp, rewrite(one_record(otp, aws), enqueued_at=int(time.time() * 1000) - 5000))
    # expired, and failed by a render error
    send(otp, to="late@example.com")
    consume(otp, rewrite(one_record(otp, aws), expires_at=1.0))
    send(otp, to="broken@example.com")
    consume(otp, rewrite(one_record(otp, aws), variables={"name": "no code"}))
    # failed: SES rejected it
    wiring.services().email_channel.transport.ses.meta.events.register(
        "before-parameter-build.sesv2.SendEmail", _reject)
    send(otp, to="rejected@example.com")
    consume(otp, one_record(otp, aws))
    # suppressed at accept (422) and at send (suppressed after accept)
    send(otp, to="quiet@example.com")
    otp.http.put("/suppressions/quiet@example.com")
    consume(otp, one_record(otp, aws))
    assert send(otp, to="quiet@example.com").status_code == 422
    emitted = metrics_in(lines(capsys))

    names = [name for found, _ in emitted for name in found]
    assert sorted(names) == sorted(["Sent", "EnqueueToSendLatency", "Expired", "Failed",
                                    "RenderErrors", "Failed", "Suppressed", "Suppressed"])
    [(found, entry)] = [(f, e) for f, e in emitted if "Sent" in f]
    assert found["Sent"] == (1, "Count")
    latency, unit = found["EnqueueToSendLatency"]
    assert unit == "Milliseconds" and 5000 <= latency < 60_000
    assert entry["message_id"] == sent_id and entry["Stage"] == "dev"
    assert all(e["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Herald" for _, e in emitted)


def _reject(params, **_):
    if "rejected@example.com" in params["Destination"]["ToAddresses"]:
        raise ClientError({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendEmail")


def test_delivery_feedback_emits_outcome_metrics(otp, aws, capsys):
    for to in ("success@simulator.amazonses.com", "bounce@simulator.amazonses.com",
               "complaint@simulator.amazonses.com"):
        message_id = body(send(otp, to=to))["message_id"]
        consume(otp, one_record(otp, aws))
        entry = body(otp.http.get(f"/emails/{message_id}"))
        for event in feedback_events(to, entry["ses_message_id"], message_id,
                                     "no-reply@example.com", "Your code"):
            otp.lambda_.invoke("handle_ses_feedback", event)
    outcomes = [name for found, _ in metrics_in(lines(capsys)) for name in found
                if name not in {"Sent", "EnqueueToSendLatency", "TimeToInbox"}]
    assert sorted(outcomes) == ["Bounced", "Complained", "Delivered", "Delivered"]


def test_no_secret_in_any_log_line_and_each_line_names_its_message(otp, aws, capsys):
    accepted = body(send(otp, to="ana@example.com", variables={"code": SECRET, "name": "Ana"}))
    message_id = accepted["message_id"]
    ses = wiring.services().email_channel.transport.ses

    def throttled(**_):
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")
    ses.meta.events.register("before-parameter-build.sesv2.SendEmail", throttled)
    consume(otp, one_record(otp, aws))  # fails, will be retried
    ses.meta.events.unregister("before-parameter-build.sesv2.SendEmail", throttled)
    consume(otp, one_record(otp, aws))
    ses_id = body(otp.http.get(f"/emails/{message_id}"))["ses_message_id"]
    for event in feedback_events("complaint@simulator.amazonses.com", ses_id, message_id,
                                 "no-reply@example.com", "Your code"):
        otp.lambda_.invoke("handle_ses_feedback", event)
    entries = lines(capsys)

    logged = [e for e in entries if "level" in e]
    events = {e["event"] for e in logged}
    assert {"email accepted", "record will be retried", "email sent",
            "SES event recorded", "recipient suppressed"} <= events
    assert all(e.get("message_id") == message_id for e in logged), [
        e["event"] for e in logged if e.get("message_id") != message_id]
    assert len(entries) > len(logged)  # metric lines too
    assert all(SECRET not in json.dumps(e) for e in entries)
    # the DLQ view of the same message is redacted as well
    boto3.client("sqs").send_message(QueueUrl=aws.dlq_url, MessageBody=json.dumps(
        {"message_id": message_id, "variables": {"code": SECRET}, "secret": ["code"]}))
    peek = otp.http.get("/dlq/messages")
    assert peek.status_code == 200 and SECRET not in peek.body.decode()
    assert all(SECRET not in json.dumps(e) for e in lines(capsys))


def test_every_log_line_carries_its_invocations_request_id(otp, aws, capsys):
    lines(capsys)
    send(otp, to="ana@example.com")  # an API invocation
    consume(otp, one_record(otp, aws))  # a consumer invocation
    logged = [e for e in lines(capsys) if "level" in e]
    assert {"email accepted", "email sent"} <= {e["event"] for e in logged}
    assert all(e.get("request_id") for e in logged), [
        e["event"] for e in logged if not e.get("request_id")]
    by_event = {e["event"]: e["request_id"] for e in logged}
    assert by_event["email accepted"] != by_event["email sent"]  # one id per invocation
