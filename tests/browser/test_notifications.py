"""Notifications: staff define a notification type and change a user's channels."""
from __future__ import annotations

from playwright.sync_api import expect


def test_a_type_is_defined_and_a_users_channel_turned_off(page, admin, herald):
    herald.save("digest-ui", category="notification")
    page.goto(f"{admin}#/notifications")
    page.get_by_label("Type name").fill("weekly-news")
    page.get_by_label("email template").fill("digest-ui")
    page.get_by_role("button", name="Save type").click()
    expect(page.get_by_text("Saved the weekly-news notification type.")).to_be_visible()
    types = page.get_by_role("table", name="Notification types")
    expect(types.get_by_role("row").filter(has_text="weekly-news")).to_contain_text(
        "email: digest-ui")

    herald.call("PUT", "/users/u-ui", {"email": "ui@example.com"})
    page.get_by_label("User id").fill("u-ui")
    page.get_by_role("button", name="Look up").click()
    toggle = page.get_by_label("weekly-news by email")
    expect(toggle).to_be_checked()  # the type's default
    toggle.uncheck()
    expect(page.get_by_text("weekly-news by email is off for u-ui.")).to_be_visible()
    expect(page.get_by_label("weekly-news by email")).not_to_be_checked()
    stored = herald.call("GET", "/users/u-ui/preferences")
    assert stored["stored"]["weekly-news"]["email"] is False
    assert stored["changed"]["weekly-news"]["updated_by"]  # who changed it is recorded
