"""POST /notifications over HTTP on the local stack: API -> the emulated SNS topic ->
(filter policy `channel=email`, raw delivery) -> the send queue -> the poller -> the mail
in /_local/mail, as the README's curl lines do it."""
from __future__ import annotations

import time

import requests
from stack_process import wait_for

NEWS = {"subject": "Digest for {{ name }}", "html": "<p>Hi {{ name }}, here is your digest</p>",
        "category": "notification", "variables": {"name": {"required": True, "sample": "Ana"}}}


def _put(base: str, path: str, payload: dict) -> dict:
    response = requests.put(f"{base}{path}", json=payload, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def _mail(base: str, subject: str) -> list[dict]:
    mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
    return [mail for mail in mails if mail["subject"] == subject]


def test_a_notification_reaches_the_mailbox_through_the_topic(stack):
    base = stack.base
    _put(base, "/templates/digest", NEWS)
    _put(base, "/notification-types/digest", {
        "category": "notification", "channels": {"email": {"template": "digest"}}})
    _put(base, "/users/u-77", {"email": "digest.reader@example.com", "locale": "en"})
    started = time.monotonic()
    answer = requests.post(f"{base}/notifications", json={
        "user_id": "u-77", "notification": "digest", "variables": {"name": "Ana"},
        "channels": ["email", "sms"]}, timeout=5)
    assert answer.status_code == 202, answer.text
    email, sms = answer.json()["deliveries"]
    assert email["status"] == "queued" and sms == {
        "channel": "sms", "status": "skipped", "reason": "no_template"}
    [mail] = wait_for(lambda: _mail(base, "Digest for Ana"), 10, "the digest in /_local/mail")
    print(f"POST /notifications -> /_local/mail: {time.monotonic() - started:.1f} s")
    assert mail["to"] == "digest.reader@example.com"
    looked_up = requests.get(f"{base}/emails/{email['message_id']}", timeout=5).json()
    assert looked_up["template"] == "digest"
    # turned off: skipped, nothing more sent
    _put(base, "/users/u-77/preferences", {"preferences": {"digest": {"email": False}}})
    again = requests.post(f"{base}/notifications", json={
        "user_id": "u-77", "notification": "digest", "variables": {"name": "Ana"}}, timeout=5)
    assert again.json()["deliveries"] == [{"channel": "email", "status": "skipped",
                                           "reason": "turned_off"}]


def test_one_click_unsubscribe_over_http_and_the_next_notification_skips_email(stack):
    base = stack.base
    _put(base, "/templates/news", {**NEWS, "subject": "News for {{ name }}"})
    _put(base, "/notification-types/news", {
        "category": "notification", "channels": {"email": {"template": "news"}}})
    _put(base, "/users/u-88", {"email": "news.reader@example.com"})
    sent = requests.post(f"{base}/notifications", json={
        "user_id": "u-88", "notification": "news", "variables": {"name": "Bo"}}, timeout=5)
    assert sent.status_code == 202, sent.text
    [mail] = wait_for(lambda: _mail(base, "News for Bo"), 10, "the news in /_local/mail")
    headers = {name.lower(): value for name, value in mail["headers"].items()}
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
    url = headers["list-unsubscribe"].strip("<>")
    assert url.startswith(f"{base}/u/")
    # a link scanner's GET changes nothing
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "<form" in page.text
    assert requests.get(f"{base}/users/u-88/preferences", timeout=5).json()["stored"] == {}
    # the mailbox provider's one-click POST turns the type's email off
    done = requests.post(url, data="List-Unsubscribe=One-Click", timeout=5, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200
    stored = requests.get(f"{base}/users/u-88/preferences", timeout=5).json()["stored"]
    assert stored["news"]["email"] is False
    again = requests.post(f"{base}/notifications", json={
        "user_id": "u-88", "notification": "news", "variables": {"name": "Bo"}}, timeout=5)
    assert again.json()["deliveries"] == [{"channel": "email", "status": "skipped",
                                           "reason": "turned_off"}]
    # a tampered link: a clear page, no change
    assert requests.post(url[:-2] + "xx", timeout=5).status_code in {400, 404}


def test_auth_mail_carries_no_unsubscribe_headers(stack):
    base = stack.base
    accepted = requests.post(f"{base}/emails", timeout=5, json={
        "to": "auth.reader@example.com", "template": "otp-code",
        "variables": {"code": "123456", "user_name": "Ana"}})
    assert accepted.status_code == 202, accepted.text

    def mail():
        mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
        return [m for m in mails if m["to"] == "auth.reader@example.com"]
    [received] = wait_for(mail, 10, "the code in /_local/mail")
    assert not {name.lower() for name in received["headers"]} & {
        "list-unsubscribe", "list-unsubscribe-post"}
