"""Finding any mail: GET /messages by recipient and by status, and the lookup's rendered mail."""
from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
from helpers import OTP, body, consume, put_template, receive_event, send

from chalicelib import wiring
from chalicelib.platform import paging
from chalicelib.platform.clock import iso_time
from local_stack.ses_feedback import feedback_queue_event

LOG = "herald-dev-message-log"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "ses-events"


def send_to(client, to, code="111111"):
    accepted = send(client, to=to, variables={"code": code, "name": "Bo"})
    assert accepted.status_code == 202
    time.sleep(0.002)  # accepted times in ms: each mail its own
    return body(accepted)["message_id"]


def all_pages(client, query, limit):
    """Every page of GET /messages?<query>, as lists of message ids."""
    pages, cursor = [], None
    while True:
        url = f"/messages?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.http.get(url)
        assert response.status_code == 200, response.body
        page = body(response)
        pages.append([row["message_id"] for row in page["messages"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def test_a_recipients_mail_comes_newest_first_in_pages_whatever_the_case(otp):
    mine = [send_to(otp, "Ana@Example.com" if i % 2 else "ana@example.com") for i in range(5)]
    send_to(otp, "someone-else@example.com")
    pages = all_pages(otp, "to=ANA@example.com", limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sum(pages, []) == mine[::-1]
    row = body(otp.http.get("/messages?to=ana@example.com&limit=1"))["messages"][0]
    assert row["status"] == "queued" and row["template"] == "otp"
    assert row["to"] == "ana@example.com" and row["created_at"]
    assert "variables" not in row


def test_recent_activity_lists_everyones_mail_and_filters_by_status(otp):
    first, second, third = (send_to(otp, f"u{i}@example.com") for i in range(3))
    assert wiring.services().message_log.move(second, "failed", detail="given up")
    assert sum(all_pages(otp, "x=1", limit=2), []) == [third, second, first]
    failed = body(otp.http.get("/messages?status=failed"))
    assert [(row["message_id"], row["status"]) for row in failed["messages"]] == [
        (second, "failed")]
    assert failed["next_cursor"] is None
    assert [row["message_id"] for row in body(otp.http.get("/messages?status=queued"))[
        "messages"]] == [third, first]


def test_a_status_filter_shows_each_mail_under_its_status_now(otp, aws):
    """Rare statuses come from the sparse by_attention index, ordinary ones from the
    recent-activity walk; a mail moving between them shows under its new status only."""
    rejected = send_to(otp, "rejected@example.com")
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    queued = send_to(otp, "waiting@example.com")
    assert status_list(otp, "sent") == [rejected]
    ses_id = body(otp.http.get(f"/emails/{rejected}"))["ses_message_id"]
    feed(otp, ses_event("event-reject", ses_id, "rejected@example.com"))
    assert status_list(otp, "failed") == [rejected] and status_list(otp, "sent") == []
    assert log_item(rejected)["attention"] == {"S": "failed"}
    assert "attention" not in log_item(queued)  # ordinary mail never writes the index
    # SES delivered it after all: its evidence overrules the failure
    feed(otp, ses_event("event-delivery", ses_id, "rejected@example.com"))
    assert status_list(otp, "failed") == []
    assert status_list(otp, "delivered") == [rejected]
    assert status_list(otp, "queued") == [queued]
    assert "attention" not in log_item(rejected)


def test_an_ordinary_status_pages_past_a_stretch_without_a_match(otp, aws):
    """A page reads at most 500 recent mails: past more non-matching ones it comes back
    empty with a cursor, and the next page goes on to the match."""
    delivered = send_to(otp, "old@example.com")
    consume(otp, receive_event(boto3.client("sqs"), aws.send_queue_url))
    ses_id = body(otp.http.get(f"/emails/{delivered}"))["ses_message_id"]
    feed(otp, ses_event("event-delivery", ses_id, "old@example.com"))
    newer = write_queued(600)
    assert all_pages(otp, "status=delivered", limit=25) == [[], [delivered]]
    assert all_pages(otp, "status=queued", limit=100)[0] == newer[::-1][:100]


def status_list(client, status):
    return sum(all_pages(client, f"status={status}", limit=25), [])


def log_item(message_id):
    return boto3.client("dynamodb").get_item(TableName=LOG, Key={
        "message_id": {"S": message_id}})["Item"]


def write_queued(count):
    """Queued mails written straight into the log, oldest first (600 through the API
    would take too long); their ids."""
    dynamodb, ids = boto3.client("dynamodb"), []
    for first in range(0, count, 25):
        items = []
        for n in range(first, min(first + 25, count)):
            created_at, address = iso_time(time.time() + n / 1000), f"bulk{n}@example.com"
            ids.append(f"bulk-{n:04d}")
            items.append({"PutRequest": {"Item": {
                "message_id": {"S": ids[-1]}, "status": {"S": "queued"}, "to": {"S": address},
                "recipient_key": {"S": address}, "template": {"S": "otp"},
                "created_at": {"S": created_at}, "accept_day": {"S": created_at[:10]}}}})
        dynamodb.batch_write_item(RequestItems={LOG: items})
    return ids


def ses_event(name, ses_message_id, recipient):
    """An SES event fixture re-addressed to one of our mails."""
    event = json.loads((FIXTURES / f"{name}.json").read_text())
    event["mail"]["messageId"] = ses_message_id
    event["mail"]["destination"] = [recipient]
    if "delivery" in event:
        event["delivery"]["recipients"] = [recipient]
    return event


def feed(client, event):
    """The feedback handler, given one SES event as SNS delivers it to the queue."""
    payload = client.lambda_.invoke("handle_ses_feedback", feedback_queue_event([event])).payload
    assert payload == {"batchItemFailures": []}


@pytest.mark.parametrize("query, field", [
    ("to=not-an-address", "to"), ("to=", "to"), ("to=%2B12", "to"),
    ("status=lost", "status"), ("status=sent&to=a@example.com", "status"),
    ("limit=0", "limit"), ("limit=101", "limit"), ("cursor=%21%21", "cursor"),
    (f"cursor={paging.encode_cursor('[' * 2000)}", "cursor"),
    (f"to=a@example.com&cursor={paging.encode_cursor(json.dumps({'recipient_key': 'b@example.com', 'message_id': 'x', 'created_at': 'y'}))}", "cursor"),  # noqa: E501 - one case
    (f"cursor={paging.encode_cursor(json.dumps({'day': '1999-01-01', 'key': None}))}",
     "cursor"),
])
def test_bad_searches_are_400_naming_the_field(otp, query, field):
    response = otp.http.get(f"/messages?{query}")
    assert response.status_code == 400, response.body
    assert body(response)["error"]["field"] == field


def test_a_cursor_of_one_recipient_cannot_page_another(otp):
    for _ in range(2):
        send_to(otp, "a@example.com")
    cursor = body(otp.http.get("/messages?to=a@example.com&limit=1"))["next_cursor"]
    assert otp.http.get(f"/messages?to=a@example.com&cursor={cursor}").status_code == 200
    assert otp.http.get(f"/messages?to=b@example.com&cursor={cursor}").status_code == 400
    assert otp.http.get(f"/messages?status=queued&cursor={cursor}").status_code == 400


def test_the_lookup_shows_the_mail_as_sent_with_the_secret_redacted(otp):
    message_id = send_to(otp, "ana@example.com", code="SECRET-4242")
    response = otp.http.get(f"/messages/{message_id}")
    assert response.status_code == 200
    assert "SECRET-4242" not in response.body.decode()
    entry = body(response)
    rendered = entry["rendered"]
    assert rendered["subject"] == "Your code for Herald"
    assert "your code is <b>[redacted]</b>" in rendered["html"]
    assert "Hello Bo" in rendered["html"] and "[redacted]" in rendered["text"]
    assert rendered["pins"]["otp"] == entry["template_version"]
    assert entry["timings"]["accepted_at"] == entry["created_at"]
    assert [event["status"] for event in entry["events"]] == ["queued"]


def test_the_lookup_renders_the_pinned_version_not_the_latest(otp):
    message_id = send_to(otp, "ana@example.com")
    changed = {**OTP, "html": "<p>Changed since: {{ code }}</p>"}
    assert put_template(otp, "otp", changed).status_code == 200
    assert "Hello Bo" in body(otp.http.get(f"/messages/{message_id}"))["rendered"]["html"]


def test_an_unknown_message_is_404(otp):
    response = otp.http.get("/messages/no-such-id")
    assert response.status_code == 404 and body(response)["error"]["field"] == "message_id"
