"""The template library as product staff use it: search and filters, deleted
templates restored from the list or their history page, duplicates, and the same
brand in the preview and in a test send's mail."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from stack_process import wait_for

from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_pages import UNNAMED_CONTROLS, wait_until_loaded


def test_search_and_filters_narrow_the_list(page, admin, herald):
    herald.save("library-alpha", tags={"team": "growth"})
    herald.save("library-beta", tags={"team": "billing"})
    herald.save("library-gamma", category="auth", tags={"team": "growth"})
    page.goto(admin)
    table = page.get_by_role("table", name="Templates")
    expect(table.get_by_role("link", name="otp-code", exact=True)).to_be_visible()

    page.get_by_label("Search by name").fill("library-")
    expect(table.get_by_role("row")).to_have_count(4)  # header + 3
    expect(page.get_by_text(re.compile(r"^3 of \d+ templates$"))).to_be_visible()
    page.get_by_label("Tag").select_option(label="team: growth")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("link", name="library-beta")).to_have_count(0)
    page.get_by_label("Category").select_option("auth")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("link", name="library-gamma")).to_be_visible()
    page.get_by_label("Search by name").fill("nothing-has-this-name")
    expect(page.get_by_text("No template matches the search and filters.")).to_be_visible()


def test_a_deleted_template_is_restored_from_the_list_in_one_click(page, admin, herald):
    herald.save("restore-demo", subject="Kept {{ name }}")
    herald.call("DELETE", "/templates/restore-demo", expect=204)
    page.goto(admin)
    page.get_by_label("Show").select_option(label="Deleted templates")
    deleted = page.get_by_role("table", name="Deleted templates")
    deleted.get_by_role("button", name="Restore restore-demo").click()

    expect(page.get_by_role("status").filter(has_text="Restored restore-demo")).to_be_visible()
    expect(deleted.get_by_role("button", name="Restore restore-demo")).to_have_count(0)
    assert herald.template("restore-demo")["subject"] == "Kept {{ name }}"
    page.get_by_label("Show").select_option(label="Live templates")
    expect(page.get_by_role("table", name="Templates").get_by_role(
        "link", name="restore-demo")).to_be_visible()


def test_a_deleted_templates_history_is_shown_and_restored_from_there(page, admin, herald):
    herald.save("history-restore", subject="First {{ name }}")
    last = herald.save("history-restore", subject="Second {{ name }}")
    herald.call("DELETE", "/templates/history-restore", expect=204)
    page.goto(admin)
    page.get_by_label("Show").select_option(label="Deleted templates")
    page.get_by_role("link", name="history-restore, deleted: history").click()

    expect(page.get_by_role("heading", name="history-restore (deleted)")).to_be_visible()
    versions = page.get_by_role("table", name="Versions, newest first")
    expect(versions.get_by_role("row")).to_have_count(3)  # header + 2 versions
    expect(page.get_by_text("Second {{ name }}")).to_be_visible()
    page.get_by_role("button", name="Restore").click()

    expect(page.get_by_role("heading", name="history-restore", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Restored history-restore: version {last[:8]} is live again")
           ).to_be_visible()
    expect(page.get_by_role("table", name="Versions, newest first").get_by_role(
        "row")).to_have_count(4)


def test_duplicate_creates_a_working_copy_and_a_taken_name_is_named(page, admin, herald, console):
    herald.save("dup-source", subject="Copy me {{ name }}")
    herald.save("dup-taken")
    page.goto(f"{admin}#/templates/dup-source")
    page.get_by_role("button", name="Duplicate").click()
    name = page.get_by_label("Name of the copy")
    expect(name).to_have_value("dup-source-copy")

    console.expect("status of 409")
    name.fill("dup-taken")
    page.get_by_role("button", name="Create copy").click()
    expect(page.get_by_text("'dup-taken' already exists")).to_be_visible()
    expect(name).to_have_attribute("aria-invalid", "true")

    name.fill("dup-copy")
    page.get_by_role("button", name="Create copy").click()
    expect(page.get_by_role("heading", name="dup-copy")).to_be_visible()
    expect(page.get_by_text("Duplicated dup-source as dup-copy")).to_be_visible()
    expect(page.get_by_role("table", name="Versions, newest first").get_by_role(
        "row")).to_have_count(2)  # its own history: one version
    herald.call("POST", "/emails", {"to": "copy@example.com", "template": "dup-copy",
                                    "variables": {"name": "Bo"}}, expect=202)
    [mail] = wait_for(lambda: herald.mail_to("copy@example.com"), 10, "the copy's mail")
    assert mail["subject"] == "Copy me Bo"


def test_the_preview_and_a_test_sends_mail_show_the_same_brand(page, admin, herald):
    page.goto(f"{admin}#/templates/otp-code/edit")
    subject = page.locator(".preview-subject")
    expect(subject).to_contain_text("sign-in code")
    previewed = subject.inner_text().removeprefix("Subject: ").strip()
    header = page.frame_locator("iframe.preview-frame").locator("td.header")
    brand = header.inner_text().strip()
    assert brand and brand not in ("Acme", "[product_name]")

    page.get_by_label("Send to").fill("brand.check@example.com")
    page.get_by_role("button", name="Send test").click()
    [mail] = wait_for(lambda: herald.mail_to("brand.check@example.com"), 10, "the test mail")
    assert mail["subject"] == previewed == f"Your {brand} sign-in code"
    assert f">{brand}</td>" in mail["html"]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_library_screens_fit_and_pass_axe(page, admin, herald, width):
    herald.save("narrow-deleted", tags={"a-rather-long-tag-key": "and a long value too"})
    herald.call("DELETE", "/templates/narrow-deleted", expect=204)
    page.set_viewport_size({"width": width, "height": 800})

    def fits(screen):
        wait_until_loaded(page)
        assert page.evaluate(UNNAMED_CONTROLS) == [], screen
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        assert overflow <= 0, f"{screen} is {overflow} px too wide at {width} px"
        assert blocking_violations(Axe(), page) == [], screen

    page.goto(admin)
    page.get_by_label("Show").select_option(label="Deleted templates")
    expect(page.get_by_role("button", name="Restore narrow-deleted")).to_be_visible()
    fits("the deleted templates")
    page.goto(f"{admin}#/templates/narrow-deleted/deleted")
    fits("a deleted template's page")
    page.goto(f"{admin}#/templates/otp-code")
    page.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_label("Name of the copy")).to_be_visible()
    fits("a template's page with the duplicate form")
