"""Every screen: no console errors, a name for every control, readable at 375 px,
usable with the keyboard alone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

SCREENS = ["#/templates", "#/templates/otp-code", "#/templates/otp-code/edit", "#/new",
           "#/operations", "#/integrations", "#/notifications", "#/mailbox",
           "#/api"]
UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((control) => !control.closest('[hidden]'))
  .filter((control) => !(control.labels?.length || control.getAttribute('aria-label')
                         || control.getAttribute('aria-labelledby') || control.textContent.trim()))
  .map((control) => control.outerHTML)"""


def wait_until_loaded(page):
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 375])
def test_every_screen_loads_cleanly_with_labelled_controls(page, admin, width):
    page.set_viewport_size({"width": width, "height": 800})
    for screen in SCREENS:
        page.goto(admin + screen)
        wait_until_loaded(page)
        assert page.evaluate(UNNAMED_CONTROLS) == [], screen
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        assert overflow <= 0, f"{screen} is {overflow} px too wide at {width} px"
    # The page fixture fails the test on any console error seen on the way.


def press_tab_until(page, predicate_js, limit=60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"focus never reached: {predicate_js}")


def test_keyboard_alone_opens_edits_and_saves_a_template(page, admin, herald):
    herald.save("keyboard-demo", subject="Hello {{ name }}")
    page.goto(admin)
    wait_until_loaded(page)

    press_tab_until(page, "document.activeElement.textContent === 'keyboard-demo'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="keyboard-demo")).to_be_focused()
    press_tab_until(page, "document.activeElement.textContent === 'Edit and preview'")
    page.keyboard.press("Enter")
    wait_until_loaded(page)
    press_tab_until(page, "document.activeElement.ariaLabel === 'Subject'")  # its code editor
    page.keyboard.press("End")
    page.keyboard.type(", from the keyboard")
    page.keyboard.press("Control+s")

    expect(page.get_by_text("Saved as version")).to_be_visible()
    assert herald.template("keyboard-demo")["subject"] == "Hello {{ name }}, from the keyboard"


def test_confirmation_dialog_is_keyboard_operable_and_escape_cancels(page, admin, herald):
    herald.save("dialog-demo", subject="One {{ name }}")
    herald.save("dialog-demo", subject="Two {{ name }}")
    page.goto(f"{admin}#/templates/dialog-demo")
    wait_until_loaded(page)

    press_tab_until(page, "document.activeElement.textContent === 'Restore'")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert len(herald.versions("dialog-demo")) == 2
