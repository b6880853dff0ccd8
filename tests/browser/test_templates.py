"""Template list, history with diff, rollback and delete, as product staff use them."""
from __future__ import annotations

from playwright.sync_api import expect

STARTERS = ["base", "otp-code", "magic-link", "login-alert", "welcome", "password-reset"]


def test_list_shows_the_starter_templates(page, admin, screenshot):
    page.goto(admin)
    table = page.get_by_role("table", name="Templates")
    for name in STARTERS:
        expect(table.get_by_role("link", name=name, exact=True)).to_be_visible()
    otp_row = table.get_by_role("row").filter(has=page.get_by_role("link", name="otp-code"))
    expect(otp_row).to_contain_text("auth")
    expect(otp_row).to_contain_text("One-time sign-in code")
    expect(otp_row).to_contain_text("ago")
    screenshot(page, "template-list")


def test_history_shows_who_saved_and_a_coloured_diff(page, admin, herald):
    herald.save("history-demo", subject="Welcome {{ name }}")
    herald.save("history-demo", subject="Hi {{ name }}, welcome aboard")

    page.goto(f"{admin}#/templates/history-demo")
    versions = page.get_by_role("table", name="Versions, newest first")
    expect(versions.get_by_role("row")).to_have_count(3)  # header + 2 versions
    expect(versions).to_contain_text("local")
    page.get_by_role("button", name="Show diff").click()
    removed = page.locator(".diff-del", has_text="subject: Welcome {{ name }}")
    added = page.locator(".diff-add", has_text="subject: Hi {{ name }}, welcome aboard")
    expect(removed).to_be_visible()
    expect(added).to_be_visible()
    assert removed.evaluate("e => getComputedStyle(e).backgroundColor") != added.evaluate(
        "e => getComputedStyle(e).backgroundColor")


def test_rollback_asks_first_then_restores_the_old_content(page, admin, herald):
    old = herald.save("rollback-demo", subject="Original {{ name }}")
    herald.save("rollback-demo", subject="Broken {{ name }}")

    page.goto(f"{admin}#/templates/rollback-demo")
    restore = page.get_by_role("button", name=f"Restore version {old[:8]}")
    restore.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Restore version {old[:8]}?")
    dialog.get_by_role("button", name="Cancel").click()
    assert herald.template("rollback-demo")["subject"] == "Broken {{ name }}"

    restore.click()
    page.get_by_role("dialog").get_by_role("button", name="Restore this version").click()
    expect(page.get_by_role("status").filter(has_text="Restored version")).to_be_visible()
    versions = page.get_by_role("table", name="Versions, newest first")
    expect(versions.get_by_role("row")).to_have_count(4)
    assert herald.template("rollback-demo")["subject"] == "Original {{ name }}"


def test_delete_asks_then_removes_it_from_the_list(page, admin, herald):
    herald.save("delete-demo")

    page.goto(f"{admin}#/templates/delete-demo")
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete template").click()
    expect(page.get_by_text("Deleted delete-demo. Its history is kept.")).to_be_visible()
    expect(page.get_by_role("table", name="Templates")).to_be_visible()
    expect(page.get_by_role("link", name="delete-demo")).to_have_count(0)


def test_the_template_page_shows_its_variable_contract(page, admin):
    page.goto(f"{admin}#/templates/otp-code")
    contract = page.get_by_role("region", name="Variable contract")
    contract.get_by_text("JSON Schema of the variables").click()
    schema = contract.locator("pre.schema")
    expect(schema).to_contain_text('"additionalProperties": false')
    expect(schema).to_contain_text('"writeOnly": true')  # the code is a secret
    expect(contract).to_contain_text("python -m tools.check --template otp-code payload.json")
