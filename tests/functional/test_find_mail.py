"""Finding any mail: GET /messages by recipient and by status, and the lookup's rendered mail."""
from __future__ import annotations

import json
import time

import boto3
import pytest
from helpers import OTP, body, put_template, send

from chalicelib.platform import paging


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
    table = boto3.client("dynamodb")
    table.update_item(TableName="herald-dev-message-log", Key={"message_id": {"S": second}},
                      UpdateExpression="SET #s = :f", ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":f": {"S": "failed"}})
    assert sum(all_pages(otp, "x=1", limit=2), []) == [third, second, first]
    failed = body(otp.http.get("/messages?status=failed"))
    assert [(row["message_id"], row["status"]) for row in failed["messages"]] == [
        (second, "failed")]
    assert failed["next_cursor"] is None
    assert [row["message_id"] for row in body(otp.http.get("/messages?status=queued"))[
        "messages"]] == [third, first]


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
