"""The local stack's SES simulator: the simulator mailboxes produce the events SES would,
shaped as the real ones (fixtures from the SES developer guide)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.feedback.ses import DETAIL_KEYS
from local_stack.ses_feedback import feedback_events

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ses-events"


def ses_message(event):
    """The SES event inside a feedback-queue Lambda event's one record."""
    return json.loads(json.loads(event["Records"][0]["body"])["Message"])


def kinds(events):
    return [ses_message(e)["eventType"] for e in events]


@pytest.mark.parametrize(("recipient", "expected"), [
    ("ana@example.com", ["Send", "Delivery"]),
    ("success@simulator.amazonses.com", ["Send", "Delivery"]),
    ("bounce@simulator.amazonses.com", ["Send", "Bounce"]),
    ("Bounce+label@Simulator.AmazonSES.com", ["Send", "Bounce"]),
    ("suppressionlist@simulator.amazonses.com", ["Send", "Bounce"]),
    ("complaint@simulator.amazonses.com", ["Send", "Delivery", "Complaint"]),
])
def test_simulator_mailboxes_produce_the_events_ses_would(recipient, expected):
    events = feedback_events(recipient, "ses-1", "m-1", "Herald <no-reply@example.com>", "Hi")
    assert kinds(events) == expected


def test_simulated_events_have_the_shape_of_real_ones():
    envelope = json.loads((FIXTURES / "sns-lambda-envelope.json").read_text())["Records"][0]
    # SNS -> SQS spells two keys differently from SNS -> Lambda, and has no attributes
    renamed = {"SigningCertUrl": "SigningCertURL", "UnsubscribeUrl": "UnsubscribeURL"}
    sqs_keys = {renamed.get(key, key) for key in envelope["Sns"]} - {"MessageAttributes"}
    for recipient, fixtures in (
            ("bounce@simulator.amazonses.com", ["event-send", "event-bounce-permanent"]),
            ("complaint@simulator.amazonses.com",
             ["event-send", "event-delivery", "event-complaint"])):
        events = feedback_events(recipient, "ses-1", "m-1", "no-reply@example.com", "Hi",
                                 now=1_700_000_000.0)
        for event, fixture in zip(events, fixtures, strict=True):
            [record] = event["Records"]
            assert json.loads(record["body"]).keys() == sqs_keys
            message = ses_message(event)
            real = json.loads((FIXTURES / f"{fixture}.json").read_text())
            assert message.keys() == real.keys()
            assert message["mail"].keys() == real["mail"].keys()
            detail = DETAIL_KEYS[message["eventType"]]
            assert message[detail].keys() == real[detail].keys()
            assert message["mail"]["messageId"] == "ses-1"
            assert message["mail"]["tags"]["herald_message_id"] == ["m-1"]
            assert message["mail"]["timestamp"] == "2023-11-14T22:13:20.000Z"
    [_, bounce] = feedback_events("bounce@simulator.amazonses.com", "s", "m", "a@example.com",
                                  "")
    detail = ses_message(bounce)["bounce"]
    assert (detail["bounceType"], detail["bounceSubType"]) == ("Permanent", "General")
