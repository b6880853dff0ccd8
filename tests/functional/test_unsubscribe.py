"""One-click unsubscribe through the real paths: a notification for a user is accepted,
consumed and sent to moto's SES with its List-Unsubscribe headers (auth mail without);
GET of the link changes nothing, POST turns the type's email off; a tampered link gets
a clear page and changes nothing; the preference page saves the user's choices.

The preference store and the notification types are test doubles written against the
shared contract (chalicelib/records/preferences.py and notification_types.py)."""
from __future__ import annotations

import json
import re

import boto3
import pytest
from contract_doubles import FakePreferences
from helpers import consume, put_template, receive_event, sent_mail
from mime_corpus import parsed

from chalicelib import wiring
from chalicelib.messages.envelope import Audience

BASE = "https://mail.example.com"
DIGEST = {
    "subject": "Your weekly digest",
    "html": '<p>News for you.</p><p><a href="{{ preferences_url }}">Preferences</a></p>',
    "category": "notification",
    "variables": {"preferences_url": {"required": False, "sample": "https://x.test/p"}},
}
TYPES = {
    "weekly-digest": {"name": "weekly-digest", "category": "notification",
                      "description": "the weekly digest",
                      "channels": {"email": {"template": "digest"}, "sms": {"template": "d"}},
                      "defaults": {"email": True, "sms": False}},
    "sign-in": {"name": "sign-in", "category": "auth",
                "channels": {"email": {"template": "otp"}}, "defaults": {"email": True}},
}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class FakeTypes:
    def get(self, name):
        return TYPES.get(name)

    def list(self):
        return list(TYPES.values())


@pytest.fixture
def preferences(otp, monkeypatch):
    """The dev stage with its public base set, the digest template saved, and the
    contract's stores as doubles; returns the preference store."""
    monkeypatch.setenv("HERALD_PUBLIC_BASE_URL", BASE)
    wiring.reset()
    store = FakePreferences()
    services = wiring.services()
    services.preferences = store
    services.notification_types = FakeTypes()
    assert put_template(otp, "digest", DIGEST).status_code == 200
    return store


def notify(client, aws, template: str, variables: dict, kind: str):
    """A mail for user-1 and `kind`, as POST /notifications hands it to the accept path,
    consumed and sent; returns the raw mail."""
    body = json.dumps({"to": "ana@example.com", "template": template, "variables": variables})
    wiring.services().producer.accept(body.encode(), None, audience=Audience("user-1", kind))
    assert consume(client, receive_event(boto3.client("sqs"), aws.send_queue_url)) == {
        "batchItemFailures": []}
    return sent_mail()[-1].raw_data


def unsubscribe_path(raw: bytes) -> str:
    header = str(parsed(raw)["List-Unsubscribe"])
    assert header.startswith(f"<{BASE}/u/") and header.endswith(">")
    return header[len(BASE) + 1:-1]


def test_notification_mail_carries_one_click_unsubscribe_and_auth_mail_does_not(
        otp, aws, preferences):
    mail = parsed(notify(otp, aws, "digest", {}, "weekly-digest"))
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert re.fullmatch(rf"<{BASE}/u/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>",
                        str(mail["List-Unsubscribe"]))
    # the footer's preference link, filled in for a template that declares it
    assert f'href="{BASE}/preferences/' in mail.get_body(("html",)).get_content()

    auth = parsed(notify(otp, aws, "otp", {"code": "123456", "name": "Ana"}, "sign-in"))
    assert "List-Unsubscribe" not in auth and "List-Unsubscribe-Post" not in auth


def test_get_shows_a_page_and_changes_nothing_post_turns_email_off(otp, aws, preferences):
    path = unsubscribe_path(notify(otp, aws, "digest", {}, "weekly-digest"))

    page = otp.http.get(path)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    text = page.body.decode()
    assert "the weekly digest" in text and '<form method="post">' in text
    assert preferences.writes == []  # link scanners fetch GETs

    # what Gmail and Yahoo send (RFC 8058), and a browser's form post
    done = otp.http.post(path, body="List-Unsubscribe=One-Click", headers=FORM)
    assert done.status_code == 200
    assert "no longer receive" in done.body.decode()
    assert preferences.writes == [("user-1", "weekly-digest", "email", False, "unsubscribe")]


def test_a_multipart_one_click_post_unsubscribes_too(otp, aws, preferences):
    path = unsubscribe_path(notify(otp, aws, "digest", {}, "weekly-digest"))
    body = ('--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            "One-Click\r\n--b--\r\n")
    done = otp.http.post(path, body=body,
                         headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert done.status_code == 200
    assert preferences.stored["user-1"]["weekly-digest"]["email"] is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(otp, aws, preferences, method):
    path = unsubscribe_path(notify(otp, aws, "digest", {}, "weekly-digest"))
    payload, tag = path.rsplit("/", 1)[1].split(".")
    forged = f"/u/{payload[:-3]}{'AAA' if payload[-3:] != 'AAA' else 'BBB'}.{tag}"
    page = getattr(otp.http, method)(forged, **({"body": "", "headers": FORM}
                                                 if method == "post" else {}))
    assert page.status_code == 400
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.body.decode()
    assert "This link does not work" in text and "Nothing was changed" in text
    assert preferences.writes == []


def test_the_preference_page_lists_notification_types_and_saves_the_boxes(
        otp, aws, preferences):
    mail = parsed(notify(otp, aws, "digest", {}, "weekly-digest"))
    html = mail.get_body(("html",)).get_content()
    path = "/" + html.split(f'href="{BASE}/')[1].split('"')[0]

    page = otp.http.get(path).body.decode()
    assert 'name="weekly-digest:email" checked' in page
    assert 'name="weekly-digest:sms">' in page  # off by default
    assert "sign-in:" not in page  # auth mail is never switched off
    assert preferences.writes == []

    saved = otp.http.post(path, body="weekly-digest%3Asms=on", headers=FORM)
    assert saved.status_code == 200 and "saved" in saved.body.decode()
    assert preferences.stored["user-1"] == {"weekly-digest": {"email": False, "sms": True}}
    assert preferences.writes[-1][2] == "preference-page"
