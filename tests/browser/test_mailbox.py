"""The Mailbox screen (local stack only): what the emulated SES accepted, newest first,
the selected mail rendered in a sandboxed frame at desktop and mobile widths, with its
text part and headers; absent where /_local/info does not answer."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from stack_process import wait_for

from browser.test_pages import UNNAMED_CONTROLS, wait_until_loaded

ALERT = {"device": "Chrome on macOS", "ip_address": "203.0.113.9", "time": "2026-11-30 09:00 UTC",
         "secure_account_link": "https://app.example.com/account/security?token=t0k"}


def send(herald, to: str, template: str = "login-alert", variables: dict | None = None) -> str:
    """A mail through the API; returns its message id once the mailbox has it."""
    body = {"to": to, "template": template, "variables": ALERT if variables is None else variables}
    accepted = herald.call("POST", "/emails", body, expect=202)
    wait_for(lambda: herald.mail_to(to), 20, f"the mail to {to}")
    return accepted["message_id"]


def open_mailbox(page, admin):
    page.goto(f"{admin}#/mailbox")
    wait_until_loaded(page)


def test_a_sent_mail_shows_rendered_sandboxed_with_its_text_part_and_headers(
        page, admin, herald, screenshot):
    message_id = send(herald, "alert.reader@example.com")
    [mail] = herald.mail_to("alert.reader@example.com")  # the JSON API names both, for the UI
    assert (mail["herald_message_id"], mail["template"]) == (message_id, "login-alert")
    open_mailbox(page, admin)

    item = page.get_by_role("button", name=re.compile("alert.reader@example.com"))
    expect(item).to_contain_text(re.compile("New sign-in to your .+ account"))
    expect(item).to_contain_text("login-alert")
    item.click()
    expect(item).to_have_attribute("aria-current", "true")

    frame = page.locator("iframe.mail-frame")
    assert frame.get_attribute("sandbox") == ""
    rendered = page.frame_locator("iframe.mail-frame")
    expect(rendered.get_by_role("heading", name="New sign-in to your account")).to_be_visible()
    assert frame.bounding_box()["width"] >= 600
    screenshot(page, "mailbox", height=1400)

    mobile = page.get_by_role("button", name="Mobile (390 px)")
    mobile.click()
    expect(mobile).to_have_attribute("aria-pressed", "true")
    assert frame.bounding_box()["width"] == 390
    page.get_by_role("button", name="Desktop").click()
    assert frame.bounding_box()["width"] >= 600

    text = page.get_by_label("Text part of the mail")
    expect(text).to_contain_text("Device: Chrome on macOS")  # derived from the HTML
    headers = page.locator(".mail-headers")
    for name in ("From", "To", "Subject", "Message-ID", "X-Herald-Message-Id"):
        expect(headers.get_by_text(name, exact=True)).to_be_visible()
    expect(headers).to_contain_text(message_id)
    expect(page.get_by_role("link", name="login-alert")).to_have_attribute(
        "href", "#/templates/login-alert")


def test_new_mail_comes_in_on_its_own_newest_first(page, admin, herald):
    send(herald, "first.in@example.com")
    open_mailbox(page, admin)
    expect(page.get_by_role("button", name=re.compile("first.in@example.com"))).to_be_visible()

    send(herald, "second.in@example.com", "otp-code", {"code": "271828"})
    newest = page.locator(".mail-item").first
    expect(newest).to_contain_text("second.in@example.com", timeout=10_000)  # no click needed
    newest.click()
    expect(page.get_by_label("Text part of the mail")).to_contain_text("271828")


def test_readable_at_390_px_with_every_control_named(page, admin, herald):
    send(herald, "narrow.reader@example.com")
    page.set_viewport_size({"width": 390, "height": 800})
    open_mailbox(page, admin)
    page.get_by_role("button", name=re.compile("narrow.reader@example.com")).click()
    page.get_by_role("button", name="Mobile (390 px)").click()

    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Mailbox")).to_be_visible()


def test_the_screen_is_absent_where_the_local_routes_do_not_answer(page, admin, console):
    console.expect("404")  # the browser logs the refused probe
    page.route("**/_local/info", lambda route: route.fulfill(
        status=404, content_type="application/json",
        body='{"error": {"code": "not_found", "message": "no route"}}'))
    open_mailbox(page, admin)

    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Mailbox")).to_be_hidden()
