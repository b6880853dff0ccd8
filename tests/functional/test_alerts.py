"""Alarm notifications reach the admin topic at most once per alarm per 15
minutes (seed 000), through the forward_alarm handler against moto."""
from __future__ import annotations

import boto3
import pytest
from helpers import ALARM
from helpers import alarm_change as _change

from chalicelib.operations import alerts


@pytest.fixture
def inbox(aws):
    """The admin topic (as the stack creates it) with a queue subscribed to read it."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="herald-dev-alerts")["TopicArn"]
    assert topic == aws.alert_topic_arn  # the dev stage's HERALD_ALERT_TOPIC_ARN
    queue = sqs.create_queue(QueueName="admin-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
    yield lambda: [m["Body"] for m in sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])]


def _forward(client, *messages: str):
    event = client.events.generate_sns_event(message=messages[0])
    event["Records"] = [{**event["Records"][0], "Sns": {**event["Records"][0]["Sns"],
                                                        "Message": m}} for m in messages]
    return client.lambda_.invoke("forward_alarm", event).payload


def _forwarder(aws, clock, topic_arn=None):
    return alerts.AlarmForwarder(boto3.client("dynamodb"), aws.rate_limit_table,
                                 boto3.client("sns"), topic_arn or aws.alert_topic_arn, "dev",
                                 clock=clock)


def test_a_flapping_alarm_notifies_once_and_the_next_notice_counts_the_held_changes(
        client, aws, inbox):
    # GIVEN an alarm that goes off, recovers and goes off again within minutes
    # WHEN the three changes reach forward_alarm
    assert _forward(client, _change("ALARM")) == {"forwarded": 1, "held": 0}
    assert _forward(client, _change("OK"), _change("ALARM")) == {"forwarded": 0, "held": 2}
    # THEN the admins got one notification, saying what went off and why
    [notice] = inbox()
    assert f"Alarm: {ALARM}" in notice and "State: ALARM" in notice
    assert "Threshold Crossed" in notice and "Mail waits in the DLQ" in notice
    # AND once the 15 minutes are over, the next change goes out with the held count
    later = _forwarder(aws, clock=lambda: 2_000_000_000)  # years later: window long over
    assert later.forward(alerts.AlarmChange.from_message(_change("OK"))) is True
    [notice] = inbox()
    assert "State: OK" in notice
    assert "2 earlier change(s) of this alarm were held back" in notice


def test_each_alarm_has_its_own_window(client, aws, inbox):
    result = _forward(client, _change("ALARM", "herald-dev-ApiErrorsAlarm"),
                      _change("ALARM", "herald-dev-FailedMailAlarm"))
    assert result == {"forwarded": 2, "held": 0}
    assert len(inbox()) == 2


def test_a_failed_publish_gives_the_window_back_so_the_retry_notifies(aws, inbox):
    # GIVEN publishing fails (the topic is gone)
    now = lambda: 2_000_000_000  # noqa: E731
    missing = aws.alert_topic_arn.replace("alerts", "missing")
    with pytest.raises(Exception, match="NotFound|does not exist"):
        _forwarder(aws, now, topic_arn=missing).forward(
            alerts.AlarmChange.from_message(_change("ALARM")))
    # WHEN Lambda retries the same change
    assert _forwarder(aws, now).forward(alerts.AlarmChange.from_message(_change("ALARM")))
    # THEN it is forwarded: the failed attempt did not hold the window
    assert len(inbox()) == 1


def test_a_message_that_is_not_an_alarm_is_forwarded_as_it_came(client, aws, inbox):
    assert _forward(client, "not json") == {"forwarded": 1, "held": 0}
    [notice] = inbox()
    assert "Alarm: unrecognised" in notice and "not json" in notice


def test_the_window_is_fifteen_minutes_from_the_last_notification(aws, inbox):
    start = 2_000_000_000
    change = alerts.AlarmChange.from_message(_change("ALARM"))
    assert _forwarder(aws, lambda: start).forward(change)
    assert not _forwarder(aws, lambda: start + 14 * 60 + 59).forward(change)
    assert _forwarder(aws, lambda: start + 15 * 60).forward(change)
    assert len(inbox()) == 2
