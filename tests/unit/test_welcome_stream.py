"""The users stream's welcome mail with a fake accept path: which records send, with what
body and key, and what Lambda's mapping is told when a record fails."""
from __future__ import annotations

import json

import pytest
from helpers import USERS_STREAM_ARN, stream_record

from chalicelib.errors import ServiceUnavailable, Unprocessable
from chalicelib.intake.stream import WelcomeMapping, WelcomeSender, welcome_request
from chalicelib.platform.settings import Settings
from chalicelib.platform.sqs_batch import BatchFailed

ANA = {"user_id": "u-1", "email": "ana@example.com", "name": "Ana", "locale": "pt-BR"}
MAPPING = WelcomeMapping.from_settings(Settings(
    welcome_variables='{"getting_started_link": "https://app.example.com/start"}'))


class FakeAccept:
    """Producer.accept as the mapping sees it: the same key answers the first send again."""

    def __init__(self, fail_for: set[str] = frozenset(), error: Exception | None = None):
        self.sent: list[dict] = []
        self.answers: dict[str, dict] = {}
        self.fail_for = fail_for
        self.error = error

    def __call__(self, body: bytes, key: str | None) -> dict:
        request = json.loads(body)
        if request["to"] in self.fail_for:
            raise self.error or ServiceUnavailable("store down")
        if key in self.answers:
            return {**self.answers[key], "replayed": True}
        self.sent.append(request)
        self.answers[key] = {"message_id": f"m{len(self.sent)}", "status": "queued"}
        return self.answers[key]


def sender(accept: FakeAccept, report_partial: bool = True) -> WelcomeSender:
    return WelcomeSender(accept, MAPPING, report_partial=report_partial)


def test_an_insert_with_an_email_sends_one_welcome_with_name_and_locale():
    accept = FakeAccept()
    assert sender(accept).handle([stream_record("INSERT", ANA)]) == {"batchItemFailures": []}
    assert accept.sent == [{
        "template": "welcome", "to": "ana@example.com", "locale": "pt-BR",
        "variables": {"user_name": "Ana", "getting_started_link": "https://app.example.com/start"}}]


def test_modify_and_remove_send_nothing():
    accept = FakeAccept()
    renamed = {**ANA, "name": "Ana Maria"}
    sender(accept).handle([stream_record("MODIFY", renamed, old=ANA),
                           stream_record("REMOVE", ANA, sequence="101")])
    assert accept.sent == []


def test_a_replayed_insert_gets_the_same_key_and_sends_once():
    accept = FakeAccept()
    first = stream_record("INSERT", ANA, sequence="100")
    replay = {**stream_record("INSERT", ANA, sequence="100"), "eventID": "another-delivery"}
    sender(accept).handle([first])
    sender(accept).handle([replay])
    assert len(accept.sent) == 1
    assert welcome_request(first, MAPPING) == welcome_request(replay, MAPPING)


def test_the_key_is_the_tables_and_the_items_not_the_stream_labels():
    record = stream_record("INSERT", ANA)
    relabelled = {**record, "eventSourceARN": USERS_STREAM_ARN.rsplit("/", 1)[0] + "/2027"}
    other_table = {**record, "eventSourceARN": USERS_STREAM_ARN.replace("herald-dev-users",
                                                                         "members")}
    other_user = stream_record("INSERT", {**ANA, "user_id": "u-2"})
    key = welcome_request(record, MAPPING).idempotency_key
    assert welcome_request(relabelled, MAPPING).idempotency_key == key
    assert welcome_request(other_table, MAPPING).idempotency_key != key
    assert welcome_request(other_user, MAPPING).idempotency_key != key
    assert "u-1" not in key and len(key) <= 255


def test_an_insert_without_email_or_with_a_broken_image_is_skipped_and_logged(capsys):
    accept = FakeAccept()
    no_email = stream_record("INSERT", {"user_id": "u-3", "name": "Bo"}, sequence="7")
    broken = stream_record("INSERT", ANA, sequence="8")
    broken["dynamodb"]["NewImage"] = {"email": {"XX": "?"}}
    assert sender(accept).handle([no_email, broken]) == {"batchItemFailures": []}
    assert accept.sent == []
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["sequence_number"], line["reason"]) for line in lines] == [
        ("7", "the new item has no 'email' string attribute"),
        ("8", "NewImage is not a DynamoDB item")]
    assert "ana@example.com" not in str(lines) and "Bo" not in str(lines)


def test_a_bad_locale_is_dropped_and_the_welcome_still_sent():
    accept = FakeAccept()
    sender(accept).handle([stream_record("INSERT", {**ANA, "locale": "Portuguese"})])
    assert "locale" not in accept.sent[0]


def test_the_attribute_mapping_comes_from_settings():
    mapping = WelcomeMapping.from_settings(Settings(
        welcome_email_attribute="mail", welcome_attributes='{"first": "user_name"}'))
    record = stream_record("INSERT", {"user_id": "u-4", "mail": "cy@example.com",
                                      "first": "Cy", "name": "ignored"})
    request = json.loads(welcome_request(record, mapping).body)
    assert (request["to"], request["variables"]) == ("cy@example.com", {"user_name": "Cy"})
    with pytest.raises(ValueError, match="HERALD_WELCOME_ATTRIBUTES"):
        WelcomeMapping.from_settings(Settings(welcome_attributes="[]"))


def test_a_failing_record_is_reported_and_does_not_hold_back_the_others():
    accept = FakeAccept(fail_for={"bo@example.com"})
    records = [stream_record("INSERT", {**ANA, "user_id": "a"}, sequence="1"),
               stream_record("INSERT", {**ANA, "user_id": "b", "email": "bo@example.com"},
                             sequence="2"),
               stream_record("INSERT", {**ANA, "user_id": "c", "email": "cy@example.com"},
                             sequence="3")]
    assert sender(accept).handle(records) == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert [mail["to"] for mail in accept.sent] == ["ana@example.com", "cy@example.com"]
    # Lambda resends from sequence 2: the third record answers as a replay
    accept.fail_for = set()
    sender(accept).handle(records[1:])
    assert [mail["to"] for mail in accept.sent] == ["ana@example.com", "cy@example.com",
                                                    "bo@example.com"]


def test_a_final_refusal_is_logged_and_not_retried():
    accept = FakeAccept(fail_for={"ana@example.com"},
                        error=Unprocessable("suppressed", field="to", code="suppressed"))
    assert sender(accept).handle([stream_record("INSERT", ANA)]) == {"batchItemFailures": []}


def test_without_partial_responses_a_failure_fails_the_batch():
    with pytest.raises(BatchFailed):
        sender(FakeAccept(fail_for={"ana@example.com"}), report_partial=False).handle(
            [stream_record("INSERT", ANA)])
