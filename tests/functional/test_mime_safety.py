"""Header and body injection through MIME building (CVE-2024-6923 and kin), and
internationalised recipients: through the API and the consumer, and build_mime alone."""
from __future__ import annotations

import boto3
import pytest
from helpers import body, consume, put_template, receive_event, send, sent_mail
from markupsafe import escape
from mime_corpus import CORPUS, HEADERS, lines, mailboxes, parsed

WELCOME = {
    "subject": "Welcome, {{ user_name }}",
    "html": "<p>Hello {{ user_name }}</p>",
    "text": "Hello {{ user_name }}",
    "category": "notification",
    "variables": {"user_name": {"required": True, "sample": "Ana"}},
}


@pytest.fixture
def welcome(client):
    assert put_template(client, "welcome", WELCOME).status_code == 200
    return client


@pytest.mark.parametrize("payload", CORPUS.values(), ids=CORPUS.keys())
def test_variable_in_subject_cannot_add_headers_or_replace_the_body(welcome, aws, payload):
    # GIVEN a template whose subject holds a caller's variable
    accepted = send(welcome, to="user@example.com", template="welcome",
                    variables={"user_name": payload})
    assert accepted.status_code == 202, accepted.body
    # WHEN the consumer renders and sends it
    assert consume(welcome, receive_event(boto3.client("sqs"), aws.send_queue_url)) == {
        "batchItemFailures": []}
    # THEN the one mail goes to the one recipient, with Herald's headers only
    [sent] = sent_mail()
    assert set(sent.destinations) == {"user@example.com"}  # API destination + raw To/Cc/Bcc
    mail = parsed(sent.raw_data)
    assert sorted(mail.keys()) == sorted(HEADERS)
    assert mailboxes(mail, "To") == [("", "user@example.com")]
    # the subject reads as typed, its line breaks as spaces
    assert str(mail["Subject"]) == " ".join(f"Welcome, {payload}".split())
    html, text = mail.get_body(("html",)), mail.get_body(("plain",))
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert lines(html.get_content()) == lines(f"<p>Hello {escape(payload)}</p>")
    assert lines(text.get_content()) == lines(f"Hello {payload}")
    assert body(welcome.http.get(f"/emails/{body(accepted)['message_id']}"))["status"] == "sent"


def test_non_ascii_local_part_is_refused_at_the_api_and_nothing_is_written(welcome, aws):
    response = send(welcome, to="ñoño@example.com", template="welcome",
                    variables={"user_name": "Ana"})
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["field"] == "to" and "SMTPUTF8" in error["message"]
    sqs = boto3.client("sqs")
    assert sqs.receive_message(QueueUrl=aws.send_queue_url).get("Messages") is None
    log = boto3.client("dynamodb").scan(TableName=aws.message_log_table)
    assert log["Items"] == []


def test_idn_recipient_is_accepted_and_sent_to_its_ascii_form(welcome, aws):
    accepted = send(welcome, to="User@Exämple.com", template="welcome",
                    variables={"user_name": "Ana"})
    assert accepted.status_code == 202, accepted.body
    consume(welcome, receive_event(boto3.client("sqs"), aws.send_queue_url))
    [sent] = sent_mail()
    assert set(sent.destinations) == {"User@xn--exmple-cua.com"}
    assert mailboxes(parsed(sent.raw_data), "To") == [("", "User@xn--exmple-cua.com")]
