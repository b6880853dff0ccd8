"""Scanner-safe links through the real accept path, consumer, moto's SES and the routes:
the mail holds the gateway link, never the target; GET and HEAD show a page and record
a view; only POST redirects (once, for the single-use magic link)."""
from __future__ import annotations

import email
import json
import re
import time
from email.policy import default as default_policy
from pathlib import Path

import boto3
import pytest
from helpers import body, consume, put_template, receive_event, send, sent_mail

from chalicelib import wiring
from chalicelib.platform.clock import iso_time
from tools.template_files import read_all

STARTERS = read_all(Path(__file__).resolve().parents[2] / "templates")
BASE = "https://mail.example.com"
TARGET = "https://app.example.com/auth/magic?token=tgt_5f1c9a7e2b&next=%2Fhome"
GATEWAY = re.compile(re.escape(BASE) + r"/l/[A-Za-z0-9_-]{43}")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
A_PERSON = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"}
REUSABLE = {"subject": "Open the report", "category": "notification",
            "html": '<p><a href="{{ report }}">Open the report</a></p>',
            "variables": {"report": {"link": True, "sample": "https://app.example.com/r/1"}}}


@pytest.fixture
def gateway(client, monkeypatch):
    """The dev stage with its public base, the magic-link starter and a reusable link."""
    monkeypatch.setenv("HERALD_PUBLIC_BASE_URL", BASE)
    wiring.reset()
    for name in ("base", "magic-link"):
        assert put_template(client, name, STARTERS[name]).status_code == 200
    assert put_template(client, "report", REUSABLE).status_code == 200
    return client


def _deliver(client, aws, template="magic-link", variables=None):
    """Accept, consume and read back one mail: (message id, parsed mail, gateway link)."""
    variables = variables or {"link": TARGET, "code": "493817", "product_name": "Acme"}
    accepted = send(client, template=template, variables=variables)
    assert accepted.status_code == 202, accepted.body
    consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url))
    raw = sent_mail()[-1].raw_data
    mail = email.message_from_string(raw, policy=default_policy)
    [link] = set(GATEWAY.findall(mail.get_body(("html",)).get_content()))
    return body(accepted)["message_id"], raw, mail, link[len(BASE):]


def _events(client, message_id):
    entry = body(client.http.get(f"/emails/{message_id}"))
    return entry, [e for e in entry["events"] if e.get("event")]


def _is_a_page(response, status):
    headers = {k.lower(): v for k, v in response.headers.items()}
    html = response.body.decode()
    assert response.status_code == status
    assert "location" not in headers
    assert headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "access-control-allow-origin" not in headers
    assert not re.search(r"http-equiv|<script|refresh", html, re.IGNORECASE)
    return html


def test_the_mail_carries_the_gateway_link_and_the_code_never_the_target(gateway, aws, capsys):
    message_id, raw, mail, path = _deliver(gateway, aws)
    text = mail.get_body(("plain",)).get_content()
    assert f"{BASE}{path}" in text and "Or enter this code: 493817" in text
    assert "tgt_5f1c9a7e2b" not in raw and "app.example.com" not in raw
    entry, _ = _events(gateway, message_id)
    assert entry["status"] == "sent" and entry["variables"]["link"] != TARGET
    gateway.http.get(path, headers=A_PERSON)
    gateway.http.post(path, headers=FORM, body=b"")
    entry, _ = _events(gateway, message_id)
    queued_body = json.dumps(entry)
    assert "tgt_5f1c9a7e2b" not in queued_body and path[3:] not in queued_body
    logged = capsys.readouterr()
    assert "tgt_5f1c9a7e2b" not in logged.out + logged.err
    assert path[3:] not in logged.out + logged.err  # nor the token


def test_get_and_head_show_a_page_record_a_view_and_change_nothing_else(gateway, aws):
    message_id, _, _, path = _deliver(gateway, aws)
    page = _is_a_page(gateway.http.get(path, headers=A_PERSON), 200)
    assert "Continue to sign in" in page and '<form method="post">' in page
    assert "<button" in page and "tgt_5f1c9a7e2b" not in page
    _is_a_page(gateway.http.head(path, headers=A_PERSON), 200)
    scanner = {"User-Agent": "Mozilla/5.0 (compatible; BingPreview/1.0b) SafeLinks"}
    _is_a_page(gateway.http.get(path, headers=scanner), 200)
    entry, events = _events(gateway, message_id)
    assert entry["status"] == "sent"  # a view is a note, never a status move
    assert [e["event"] for e in events] == ["link_viewed"] * 3
    assert "scanner_hint" not in events[0]
    assert "HEAD" in events[1]["scanner_hint"] and "preview" in events[2]["scanner_hint"]
    # the views did not use the single-use link up: the button still works
    assert gateway.http.post(path, headers=FORM, body=b"").status_code == 303


def test_post_redirects_once_and_a_single_use_link_refuses_the_second(gateway, aws):
    message_id, _, _, path = _deliver(gateway, aws)
    followed = gateway.http.post(path, headers=FORM, body=b"")
    assert followed.status_code == 303 and followed.headers["Location"] == TARGET
    again = _is_a_page(gateway.http.post(path, headers=FORM, body=b""), 410)
    assert "already used" in again
    _is_a_page(gateway.http.get(path, headers=A_PERSON), 410)
    entry, events = _events(gateway, message_id)
    assert [e["event"] for e in events] == ["link_followed"] and entry["status"] == "sent"


def test_a_link_that_is_not_single_use_redirects_each_time(gateway, aws):
    target = "https://app.example.com/reports/7"
    _, _, _, path = _deliver(gateway, aws, "report", {"report": target})
    for _ in range(2):
        followed = gateway.http.post(path, headers=FORM, body=b"")
        assert (followed.status_code, followed.headers["Location"]) == (303, target)


def test_tampered_and_unknown_tokens_get_a_404_page_never_a_redirect(gateway, aws):
    _, _, _, path = _deliver(gateway, aws)
    flipped = path[:-1] + ("A" if path[-1] != "A" else "B")
    for bad in (flipped, "/l/nope", "/l/" + "A" * 43, path + "x"):
        for method in ("GET", "HEAD", "POST"):
            _is_a_page(gateway.http.request(method, bad, headers=FORM), 404)


def test_an_expired_link_gets_a_410_page_never_a_redirect(gateway, aws):
    _, _, _, path = _deliver(gateway, aws)
    dynamodb = boto3.client("dynamodb")
    [item] = dynamodb.scan(TableName=aws.links_table)["Items"]
    dynamodb.update_item(TableName=aws.links_table, Key={"token_digest": item["token_digest"]},
                         UpdateExpression="SET expires_at = :past",
                         ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})
    for method in ("GET", "HEAD", "POST"):
        _is_a_page(gateway.http.request(method, path, headers=FORM), 410)


def test_the_links_table_holds_a_digest_the_target_and_the_mails_expiry(gateway, aws):
    expires_at = int(time.time()) + 600
    accepted = send(gateway, template="magic-link", variables={"link": TARGET},
                    expires_at=iso_time(expires_at, millis=False))
    assert accepted.status_code == 202
    consume(gateway, receive_event(boto3.client("sqs"), aws.send_queue_url))
    [item] = boto3.client("dynamodb").scan(TableName=aws.links_table)["Items"]
    assert len(item["token_digest"]["S"]) == 64
    assert item["message_id"]["S"] == body(accepted)["message_id"]
    assert item["target"]["S"] == TARGET and item["single_use"]["BOOL"] is True
    assert int(item["expires_at"]["N"]) == expires_at
    assert int(item["expires_ttl"]["N"]) > expires_at


@pytest.mark.parametrize("target", ["http://app.example.com/magic", "javascript:alert(1)",
                                    "/relative/path", "https://app.example.com/a b", 42])
def test_a_link_that_is_not_https_is_refused_at_accept_naming_the_variable(gateway, target):
    refused = send(gateway, template="magic-link", variables={"link": target})
    assert refused.status_code == 422
    assert body(refused)["error"]["field"] == "variables.link"
    assert body(refused)["error"]["code"] == "invalid_link"


@pytest.mark.parametrize("change, field", [
    ({"subject": "Open {{ report }}"}, "subject"),
    ({"variables": {"report": {"link": True, "sample": "not a url"}}}, "variables.report.sample"),
    ({"variables": {"report": {"link": True, "sample": "https://a.example/r",
                               "default": "https://a.example/r"}}}, "variables.report.default"),
    ({"link_ttl_s": 5}, "link_ttl_s"),
])
def test_a_link_variable_is_checked_when_the_template_is_saved(gateway, change, field):
    refused = put_template(gateway, "report", {**REUSABLE, **change})
    assert refused.status_code == 400
    assert body(refused)["error"]["field"] == field


def test_the_form_post_needs_no_json_content_type(gateway, aws):
    _, _, _, path = _deliver(gateway, aws, "report", {"report": "https://app.example.com/r/2"})
    for headers in ({"Content-Type": "multipart/form-data; boundary=x"},
                    {"Content-Type": "text/plain"}, {}):
        assert gateway.http.post(path, headers=headers, body=b"").status_code == 303
