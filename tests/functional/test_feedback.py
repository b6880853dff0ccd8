"""SES events (fixtures from the SES developer guide) through the real feedback-queue handler."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import body, consume, receive_event, send
from helpers import sent_mail as ses_accepted

from chalicelib import wiring
from chalicelib.platform.sqs_batch import BatchFailed
from local_stack.ses_feedback import feedback_events, feedback_queue_event

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ses-events"
HANDLER = "handle_ses_feedback"
TO = "user@example.com"


def sent_mail(client, aws, to=TO, **send_fields):
    """Send one mail through API and consumer; returns (message id, SES message id)."""
    message_id = body(send(client, to=to, **send_fields))["message_id"]
    consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url))
    entry = status(client, message_id)
    assert entry["status"] == "sent"
    return message_id, entry["ses_message_id"]


def status(client, message_id):
    return body(client.http.get(f"/emails/{message_id}"))


def ses_event(name, ses_message_id, recipient=TO):
    """A fixture re-addressed to one of our mails (its SES id and recipient)."""
    event = json.loads((FIXTURES / f"{name}.json").read_text())
    event["mail"]["messageId"] = ses_message_id
    event["mail"]["destination"] = [recipient]
    for detail, key in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients"),
                        ("deliveryDelay", "delayedRecipients")):
        for entry in event.get(detail, {}).get(key, []):
            entry["emailAddress"] = recipient
    if "delivery" in event:
        event["delivery"]["recipients"] = [recipient]
    return event


NO_FAILURES = {"batchItemFailures": []}


def feed(client, *messages):
    """Invoke the handler with one feedback-queue record per message, each in the SNS
    envelope SNS delivers to SQS (dicts become JSON strings)."""
    event = feedback_queue_event([])
    event["Records"] = [
        {**record, "body": json.dumps({**json.loads(record["body"]), "Message": m})
         if isinstance(m, str) else record["body"]}
        for record, m in zip(feedback_queue_event(
            [m if isinstance(m, dict) else {} for m in messages])["Records"], messages,
            strict=True)]
    return client.lambda_.invoke(HANDLER, event).payload


def suppressed(client):
    return {e["email"]: e for e in body(client.http.get("/suppressions"))["suppressions"]}


def test_delivery_event_marks_the_mail_delivered(otp, aws):
    message_id, ses_id = sent_mail(otp, aws)
    assert feed(otp, ses_event("event-delivery", ses_id)) == NO_FAILURES
    entry = status(otp, message_id)
    assert entry["status"] == "delivered"
    assert [e["status"] for e in entry["events"]] == ["queued", "sent", "delivered"]
    assert "250 2.6.0 Message received" in entry["events"][-1]["detail"]


def test_permanent_bounce_suppresses_and_the_next_send_is_refused(otp, aws):
    message_id, ses_id = sent_mail(otp, aws, to="Gone@Example.COM")
    feed(otp, ses_event("event-bounce-permanent", ses_id, recipient="Gone@Example.COM"))
    entry = status(otp, message_id)
    assert entry["status"] == "bounced"
    assert "Permanent/General: smtp; 550 5.1.1 user unknown" in entry["events"][-1]["detail"]
    listed = suppressed(otp)["gone@example.com"]
    assert listed["reason"] == "bounce" and "5.1.1" in listed["detail"] and listed["added_at"]
    refused = send(otp, to="gone@EXAMPLE.com")
    assert refused.status_code == 422
    assert body(refused)["error"]["code"] == "suppressed"


@pytest.mark.parametrize("fixture", ["event-bounce-transient",
                                     "event-bounce-transient-realworld"])
def test_transient_bounce_is_recorded_but_does_not_suppress(otp, aws, fixture):
    message_id, ses_id = sent_mail(otp, aws)
    feed(otp, ses_event(fixture, ses_id))
    entry = status(otp, message_id)
    assert entry["status"] == "bounced" and "Transient/" in entry["events"][-1]["detail"]
    assert suppressed(otp) == {}
    assert send(otp).status_code == 202


def test_complaint_after_delivery_marks_complained_and_suppresses(otp, aws):
    message_id, ses_id = sent_mail(otp, aws)
    feed(otp, ses_event("event-delivery", ses_id))
    feed(otp, ses_event("event-complaint", ses_id))
    entry = status(otp, message_id)
    assert entry["status"] == "complained"
    assert [e["status"] for e in entry["events"]][-2:] == ["delivered", "complained"]
    assert suppressed(otp)[TO]["reason"] == "complaint"
    assert suppressed(otp)[TO]["detail"] == "abuse"


@pytest.mark.parametrize(("fixture", "detail"), [
    ("event-reject", "Reject: Bad content"),
    ("event-rendering-failure", "Rendering Failure: Attribute 'attributeName' is not present"),
])
def test_reject_and_rendering_failure_mark_the_mail_failed(otp, aws, fixture, detail):
    message_id, ses_id = sent_mail(otp, aws)
    feed(otp, ses_event(fixture, ses_id))
    entry = status(otp, message_id)
    assert entry["status"] == "failed" and entry["events"][-1]["detail"].startswith(detail)
    assert suppressed(otp) == {}


def test_delivery_delay_is_noted_and_the_mail_stays_sent(otp, aws):
    message_id, ses_id = sent_mail(otp, aws)
    feed(otp, ses_event("event-delivery-delay", ses_id))
    entry = status(otp, message_id)
    assert entry["status"] == "sent"
    assert entry["events"][-1]["detail"] == (
        "DeliveryDelay TransientCommunicationFailure: "
        "smtp; 421 4.4.1 Unable to connect to remote host")
    feed(otp, ses_event("event-delivery", ses_id))
    assert status(otp, message_id)["status"] == "delivered"


@pytest.mark.parametrize(("fixture", "expected", "reason"), [
    ("notification-delivery", "delivered", None),
    ("notification-bounce", "bounced", "bounce"),
    ("notification-complaint", "complained", "complaint"),
])
def test_identity_notifications_are_understood_too(otp, aws, fixture, expected, reason):
    message_id, ses_id = sent_mail(otp, aws)
    feed(otp, ses_event(fixture, ses_id))
    assert status(otp, message_id)["status"] == expected
    assert suppressed(otp).get(TO, {}).get("reason") == reason


def test_raw_delivery_and_the_sns_envelope_are_both_accepted(otp, aws):
    first, first_ses = sent_mail(otp, aws, to="a@example.com")
    second, second_ses = sent_mail(otp, aws, to="b@example.com")
    # a subscription with raw message delivery: the SES event is the body
    event = feedback_queue_event([])
    event["Records"] = [{**feedback_queue_event([{}])["Records"][0],
                         "body": json.dumps(ses_event("event-delivery", first_ses,
                                                      "a@example.com"))}]
    assert otp.lambda_.invoke(HANDLER, event).payload == NO_FAILURES
    # AWS's own capture of an SNS envelope: Message a compact JSON string with a newline
    envelope = json.loads((FIXTURES / "sns-lambda-envelope.json").read_text())["Records"][0]
    message = json.dumps(ses_event("event-delivery", second_ses, "b@example.com"),
                         separators=(",", ":")) + "\n"
    event["Records"][0]["body"] = json.dumps({**envelope["Sns"], "Message": message})
    assert otp.lambda_.invoke(HANDLER, event).payload == NO_FAILURES
    assert status(otp, first)["status"] == status(otp, second)["status"] == "delivered"


def test_send_event_records_a_mail_the_consumer_could_not(otp, aws):
    """SES's Send event, found by Herald's tag, is the record of last resort."""
    message_id = body(send(otp))["message_id"]
    send_event = json.loads((FIXTURES / "event-send.json").read_text())
    send_event["mail"]["messageId"] = "ses-0001"
    send_event["mail"]["tags"]["herald_message_id"] = [message_id]
    assert feed(otp, send_event, send_event) == NO_FAILURES
    entry = status(otp, message_id)
    assert entry["status"] == "sent" and entry["ses_message_id"] == "ses-0001"
    assert [e["status"] for e in entry["events"]] == ["queued", "sent"]
    # the queued message is then skipped, not sent again
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    assert ses_accepted() == []
    # and a delivery still follows
    feed(otp, ses_event("event-delivery", "ses-0001"))
    assert status(otp, message_id)["status"] == "delivered"


def test_late_and_repeated_events_never_undo_an_outcome(otp, aws):
    message_id, ses_id = sent_mail(otp, aws)
    complaint, delivery = ses_event("event-complaint", ses_id), ses_event("event-delivery", ses_id)
    assert feed(otp, complaint, delivery, complaint) == NO_FAILURES
    entry = status(otp, message_id)
    assert entry["status"] == "complained"
    assert [e["status"] for e in entry["events"]] == ["queued", "sent", "complained"]


def test_malformed_and_untracked_events_are_skipped_without_failing_the_batch(
        otp, aws, capsys):
    message_id, ses_id = sent_mail(otp, aws)
    no_mail = ses_event("event-bounce-permanent", ses_id)
    del no_mail["mail"]
    bad_recipients = ses_event("event-complaint", ses_id)
    bad_recipients["complaint"]["complainedRecipients"] = "someone"
    moto_style = {"notificationType": "notificationType", "mail": {"messageId": ses_id}}
    result = feed(otp, "{not json", "[1, 2]", no_mail, bad_recipients, moto_style,
                  ses_event("event-open", ses_id), ses_event("event-delivery", ses_id))
    assert result == NO_FAILURES
    assert status(otp, message_id)["status"] == "delivered"
    warnings = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                if "malformed SES event skipped" in line]
    assert len(warnings) == 4
    assert suppressed(otp) == {}


def test_bounce_for_a_message_not_in_the_log_still_suppresses(otp, aws):
    result = feed(otp, ses_event("event-bounce-permanent", "not-ours-000000",
                                 recipient="stranger@example.com"))
    assert result == NO_FAILURES
    assert suppressed(otp)["stranger@example.com"]["reason"] == "bounce"


def test_aws_trouble_returns_the_event_to_the_queue(otp, aws, monkeypatch):
    message_id, ses_id = sent_mail(otp, aws)
    dynamodb = wiring.services().dynamodb

    def unavailable(**_):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                     "Message": "injected"}}, "Query")
    dynamodb.meta.events.register("before-parameter-build.dynamodb.Query", unavailable)
    failed = feed(otp, ses_event("event-delivery", ses_id))
    assert len(failed["batchItemFailures"]) == 1
    assert status(otp, message_id)["status"] == "sent"
    # a mapping without ReportBatchItemFailures: the whole batch comes back
    monkeypatch.setenv("HERALD_REPORT_BATCH_ITEM_FAILURES", "false")
    wiring.reset()
    dynamodb = wiring.services().dynamodb
    dynamodb.meta.events.register("before-parameter-build.dynamodb.Query", unavailable)
    with pytest.raises(BatchFailed):
        feed(otp, ses_event("event-delivery", ses_id))
    dynamodb.meta.events.unregister("before-parameter-build.dynamodb.Query", unavailable)
    assert feed(otp, ses_event("event-delivery", ses_id)) == NO_FAILURES
    assert status(otp, message_id)["status"] == "delivered"


# -- the local stack's SES simulator ------------------------------------------


def test_simulated_bounce_through_the_handler_suppresses_the_address(otp, aws):
    bounced = "bounce@simulator.amazonses.com"
    message_id, ses_id = sent_mail(otp, aws, to=bounced)
    for event in feedback_events(bounced, ses_id, message_id, "no-reply@example.com", "Hi"):
        otp.lambda_.invoke(HANDLER, event)
    assert status(otp, message_id)["status"] == "bounced"
    assert send(otp, to=bounced).status_code == 422


# -- time to inbox: timings on the log, the metric per auth template, `late` --------

def _delivered(client, aws, at: datetime, **send_fields):
    message_id, ses_id = sent_mail(client, aws, **send_fields)
    event = ses_event("event-delivery", ses_id)
    event["delivery"]["timestamp"] = at.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")
    assert feed(client, event) == {"batchItemFailures": []}
    return status(client, message_id)


def _emf(capsys, metric):
    return [entry for entry in (json.loads(line) for line in capsys.readouterr().out.splitlines()
                                if line.startswith("{")) if metric in entry]


def test_timings_and_the_metric_per_auth_template(otp, aws, capsys):
    assert body(otp.http.get("/templates/otp"))["category"] == "auth"
    entry = _delivered(otp, aws, datetime.now(UTC) + timedelta(seconds=2))
    timings = entry["timings"]
    assert timings["accepted_at"] == entry["created_at"]
    assert timings["sent_at"] and timings["delivered_at"].endswith("Z")
    assert 1_000 <= timings["time_to_inbox_ms"] <= 60_000
    assert entry["late"] is False
    [line] = _emf(capsys, "TimeToInbox")
    assert line["TimeToInbox"] == timings["time_to_inbox_ms"]
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["Stage"], ["Stage", "Category"], ["Stage", "Template"]]
    assert (line["Category"], line["Template"]) == ("auth", "otp")


def test_a_code_delivered_after_it_expired_is_marked_late(otp, aws):
    expires = datetime.now(UTC) + timedelta(minutes=5)
    entry = _delivered(otp, aws, expires + timedelta(seconds=30),
                       expires_at=expires.isoformat())
    assert entry["status"] == "delivered" and entry["late"] is True


def test_a_mail_not_yet_delivered_has_no_time_to_inbox(otp, aws):
    message_id, _ = sent_mail(otp, aws)
    timings = status(otp, message_id)["timings"]
    assert timings["delivered_at"] is None and timings["time_to_inbox_ms"] is None
