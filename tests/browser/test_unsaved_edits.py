"""No lost edits: leaving the editor with unsaved changes asks first (links, Back, reload),
a draft kept in the browser is offered after a reload, Ctrl+S saves from any field,
and an unchanged save adds no version."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.test_editor import code

HAS_DRAFT = "() => Object.keys(localStorage).some((key) => key.startsWith('herald-draft:'))"
DRAFTS = """() => Object.keys(localStorage).filter((key) => key.startsWith('herald-draft:'))
  .map((key) => localStorage.getItem(key))"""
SECRET_SAMPLE = "987654"


def open_editor(page, admin, name):
    page.goto(f"{admin}#/templates/{name}/edit")
    expect(code(page, "Subject")).to_be_visible()


def type_into(page, label, text):
    """Typed with the keyboard, as a person does (the browser's beforeunload prompt
    needs the page to have had a real interaction)."""
    field = code(page, label)
    field.click()
    field.press("End")
    page.keyboard.type(text)


def wait_for_draft(page):
    page.wait_for_function(HAS_DRAFT)
    return page.evaluate(DRAFTS)


def test_a_nav_link_asks_before_leaving_unsaved_edits(page, admin, herald):
    herald.save("guard-demo")
    open_editor(page, admin, "guard-demo")
    type_into(page, "Subject", " and welcome")

    page.get_by_role("navigation").get_by_role("link", name="Operations").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Leave without saving?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Edit guard-demo")).to_be_visible()
    expect(code(page, "Subject")).to_have_text("Hello {{ name }} and welcome")
    assert page.url.endswith("#/templates/guard-demo/edit")

    page.get_by_role("navigation").get_by_role("link", name="Operations").click()
    page.get_by_role("dialog").get_by_role("button", name="Leave without saving").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()


def test_back_asks_too_and_a_clean_editor_leaves_without_asking(page, admin, herald):
    herald.save("back-demo")
    page.goto(f"{admin}#/templates/back-demo")
    page.get_by_role("link", name="Edit and preview").click()
    expect(code(page, "Subject")).to_be_visible()
    type_into(page, "Subject", "!")

    page.evaluate("history.back()")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Leave without saving?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(code(page, "Subject")).to_have_text("Hello {{ name }}!")
    assert page.url.endswith("#/templates/back-demo/edit")

    code(page, "Subject").fill("Hello {{ name }}")  # back to the saved text
    page.get_by_role("link", name="Templates", exact=True).first.click()
    expect(page.get_by_role("heading", name="Templates")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_reload_prompts_then_offers_the_draft_without_its_secret(page, admin, herald):
    herald.save("draft-demo", html="<p>Hello {{ name }}, {{ code }}</p>",
                variables={"name": {"required": True, "sample": "Ana"},
                           "code": {"required": True, "secret": True, "sample": SECRET_SAMPLE}})
    open_editor(page, admin, "draft-demo")
    type_into(page, "HTML", "<p>Typed before the crash</p>")
    drafts = wait_for_draft(page)
    assert "Typed before the crash" in drafts[0]
    assert SECRET_SAMPLE not in json.dumps(drafts)

    prompts = []
    page.on("dialog", lambda dialog: (prompts.append(dialog.type), dialog.accept()))
    page.reload()
    assert prompts == ["beforeunload"]

    html = code(page, "HTML")
    expect(page.get_by_role("heading", name="Unsaved draft found")).to_be_visible()
    expect(html).to_have_text("<p>Hello {{ name }}, {{ code }}</p>")
    page.get_by_role("button", name="Restore draft").click()
    expect(html).to_have_text("<p>Hello {{ name }}, {{ code }}</p><p>Typed before the crash</p>")
    secret = page.get_by_role("group", name="Variable code").get_by_label("Sample value")
    expect(secret).to_have_value(SECRET_SAMPLE)  # from the saved template, not the draft
    email = page.frame_locator("iframe.preview-frame")
    expect(email.get_by_text("Typed before the crash")).to_be_visible()

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved as version")).to_be_visible()
    assert "Typed before the crash" in herald.template("draft-demo")["html"]
    assert page.evaluate(DRAFTS) == []
    page.reload()
    expect(code(page, "HTML")).to_be_visible()
    expect(page.get_by_role("heading", name="Unsaved draft found")).to_have_count(0)


def test_discarding_the_draft_forgets_it(page, admin, herald):
    herald.save("discard-demo")
    open_editor(page, admin, "discard-demo")
    type_into(page, "Subject", " draft")
    wait_for_draft(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()

    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_role("heading", name="Unsaved draft found")).to_have_count(0)
    expect(code(page, "Subject")).to_have_text("Hello {{ name }}")
    assert page.evaluate(DRAFTS) == []


def test_ctrl_s_saves_from_inside_the_html_field(page, admin, herald):
    herald.save("shortcut-demo")
    open_editor(page, admin, "shortcut-demo")
    type_into(page, "HTML", "<p>Saved by shortcut</p>")
    code(page, "HTML").press("Control+s")

    expect(page.get_by_text("Saved as version")).to_be_visible()
    assert len(herald.versions("shortcut-demo")) == 2
    assert herald.template("shortcut-demo")["html"].endswith("<p>Saved by shortcut</p>")


def test_saving_unchanged_content_adds_no_version(page, admin, herald):
    herald.save("unchanged-demo")
    open_editor(page, admin, "unchanged-demo")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("No changes to save")).to_be_visible()
    assert len(herald.versions("unchanged-demo")) == 1


def test_status_messages_clear_when_they_stop_being_true(page, admin, herald, console):
    console.expect("status of 400")  # the refused save
    console.expect("status of 422")  # the preview of the same draft
    herald.save("status-demo")
    open_editor(page, admin, "status-demo")
    type_into(page, "Subject", "!")
    page.get_by_role("button", name="Save").click()
    saved = page.get_by_text("Saved as version")
    expect(saved).to_be_visible()
    type_into(page, "Subject", "!")
    expect(saved).to_have_count(0)

    html = code(page, "HTML")
    html.fill("<p>Hello {{ name }} {{ missing }}</p>")
    page.get_by_role("button", name="Save").click()
    expect(html).to_have_attribute("aria-invalid", "true")
    refused = page.get_by_text("Not saved: see the message")
    expect(refused).to_be_visible()
    html.fill("<p>Hello {{ name }}</p>")  # fixed: the preview renders it again
    expect(html).not_to_have_attribute("aria-invalid", "true")
    expect(refused).to_have_count(0)


def test_a_half_typed_notification_type_or_webhook_asks_before_leaving(page, admin):
    for screen, label in (("#/notifications", "Type name"), ("#/integrations", "URL")):
        page.goto(admin + screen)
        page.get_by_label(label, exact=True).fill("half-typed")
        page.get_by_role("navigation").get_by_role("link", name="Templates").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Leave without saving?")
        dialog.get_by_role("button", name="Cancel").click()
        expect(page.get_by_label(label, exact=True)).to_have_value("half-typed")
        page.get_by_label(label, exact=True).fill("")  # nothing typed: leaves at once
        page.get_by_role("navigation").get_by_role("link", name="Templates").click()
        expect(page.get_by_role("heading", name="Templates")).to_be_visible()
