"""Find mail: search by recipient, recent activity by status, a result shows the mail as sent."""
from __future__ import annotations

import time

from playwright.sync_api import expect

from chalicelib.platform.clock import iso_time


def test_search_by_recipient_opens_the_mail_as_sent_with_the_code_redacted(page, admin, herald,
                                                                          screenshot):
    herald.save("find-demo", category="auth",
                variables={"name": {"required": True, "sample": "Ana"},
                           "code": {"required": True, "secret": True, "sample": "123456"}},
                html="<p>Hello {{ name }}, your code is {{ code }}</p>")
    send = {"to": "finder@example.com", "template": "find-demo",
            "variables": {"name": "Bo", "code": "SECRET-4242"}}
    older = herald.call("POST", "/emails", send, expect=202)["message_id"]
    newer = herald.call("POST", "/emails", send, expect=202)["message_id"]
    herald.call("POST", "/emails", {**send, "to": "other@example.com"}, expect=202)

    page.goto(f"{admin}#/mail")
    page.get_by_label("Recipient address").fill("Finder@Example.com")
    page.get_by_role("button", name="Find mail").click()
    results = page.get_by_role("table", name="Mail to the address")
    expect(results.get_by_role("row")).to_have_count(3)  # a header and two mails
    ids = results.get_by_role("button").all_text_contents()
    assert ids == [newer, older]  # newest first
    expect(page.get_by_text("null", exact=True)).to_have_count(0)  # the last page: no cursor

    results.get_by_role("button", name=f"Open message {older}").click()
    sent = page.get_by_role("region", name="Mail as sent")
    frame = sent.frame_locator("iframe")
    expect(frame.locator("p")).to_have_text("Hello Bo, your code is [redacted]")
    assert page.locator("iframe.sent-mail-frame").get_attribute("sandbox") == ""
    expect(page.get_by_text("SECRET-4242")).to_have_count(0)
    screenshot(page, "find-mail", height=1200)


def test_recent_activity_filters_by_status(page, admin, herald):
    herald.save("status-demo", category="notification",
                variables={"name": {"required": True, "sample": "Ana"}},
                html="<p>Hi {{ name }}</p>")
    queued = herald.call("POST", "/emails", {"to": "recent@example.com", "template": "status-demo",
                                             "variables": {"name": "Bo"}}, expect=202)["message_id"]
    page.goto(f"{admin}#/mail")
    recent = page.get_by_role("table", name="Recent mail")
    expect(recent).to_contain_text("recent@example.com")
    page.get_by_role("group", name="Filter recent mail by status").get_by_role(
        "button", name="bounced").click()
    expect(page.get_by_text("No mail found.")).to_be_visible()
    expect(page.get_by_role("button", name="bounced")).to_have_attribute("aria-pressed", "true")
    assert queued  # sent to the stack; it is not bounced, so it is filtered out


def test_an_ordinary_status_goes_on_past_a_stretch_without_a_match(page, admin, stack):
    """A status page reads at most 500 recent mails: past 520 queued ones it holds no
    match, says so, and "Older mail" goes on to the sent one."""
    dynamodb, _ = stack.aws("dynamodb")
    now = time.time()
    rows = [("stretch-sent", "sent", now)] + [
        (f"stretch-{n:03d}", "queued", now + (n + 1) / 1000) for n in range(520)]
    for first in range(0, len(rows), 25):
        dynamodb.batch_write_item(RequestItems={"herald-dev-message-log": [
            {"PutRequest": {"Item": log_row(*row)}} for row in rows[first:first + 25]]})
    page.goto(f"{admin}#/mail")
    page.get_by_role("group", name="Filter recent mail by status").get_by_role(
        "button", name="sent").click()
    expect(page.get_by_text("No matching mail in this stretch.")).to_be_visible()
    page.get_by_role("button", name="Older mail").click()
    expect(page.get_by_role("button", name="Open message stretch-sent")).to_be_visible()


def log_row(message_id, status, at):
    created_at = iso_time(at)
    return {"message_id": {"S": message_id}, "status": {"S": status},
            "to": {"S": f"{message_id}@example.com"}, "template": {"S": "status-demo"},
            "recipient_key": {"S": f"{message_id}@example.com"},
            "created_at": {"S": created_at}, "accept_day": {"S": created_at[:10]}}
