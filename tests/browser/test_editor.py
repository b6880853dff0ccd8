"""The editor: save with base_version, field errors, the 409 on a concurrent save,
the sandboxed live preview and the test send."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from stack_process import wait_for


def code(page, label):
    """A field's code editor (the form control itself is hidden behind it)."""
    return page.get_by_role("textbox", name=label, exact=True)


def open_editor(page, admin, name):
    page.goto(f"{admin}#/templates/{name}/edit")
    expect(code(page, "Subject")).to_be_visible()


def test_edit_and_save_creates_a_version(page, admin, herald):
    herald.save("edit-demo")
    open_editor(page, admin, "edit-demo")

    code(page, "Subject").fill("Good news, {{ name }}")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved as version")).to_be_visible()
    versions = herald.versions("edit-demo")
    assert len(versions) == 2
    assert herald.template("edit-demo")["subject"] == "Good news, {{ name }}"
    expect(page.get_by_text(f"Editing version {versions[0]['version_id'][:8]}")).to_be_visible()


def test_new_template_is_created_and_opened(page, admin, herald):
    page.goto(f"{admin}#/new")
    page.get_by_label("Template name").fill("fresh-start")
    page.get_by_role("button", name="Create template").click()

    expect(page.get_by_role("heading", name="Edit fresh-start")).to_be_visible()
    expect(page.get_by_text("Created fresh-start")).to_be_visible()
    assert len(herald.versions("fresh-start")) == 1


def test_save_error_is_shown_next_to_the_field_with_its_line(page, admin, herald, console):
    console.expect("status of 400")  # the save
    console.expect("status of 422")  # the preview of the same draft
    herald.save("error-demo")
    open_editor(page, admin, "error-demo")

    code(page, "HTML").fill("<p>Hello {{ name }}</p>\n<p>{{ missing }}</p>")
    page.get_by_role("button", name="Save").click()

    html = code(page, "HTML")
    expect(html).to_have_attribute("aria-invalid", "true")
    error = page.locator(".field", has=html).locator(".field-error")
    expect(error).to_contain_text("missing")
    expect(error.get_by_role("button", name="Go to line 2")).to_be_visible()
    expect(page.locator(".preview-problem")).to_contain_text("Preview failed")
    assert len(herald.versions("error-demo")) == 1


def test_concurrent_save_is_refused_and_their_change_can_be_seen(page, admin, herald, console):
    console.expect("status of 409")
    herald.save("conflict-demo", subject="First {{ name }}")
    open_editor(page, admin, "conflict-demo")
    herald.save("conflict-demo", subject="Theirs {{ name }}")  # a colleague, meanwhile

    code(page, "Subject").fill("Mine {{ name }}")
    page.get_by_role("button", name="Save").click()

    conflict = page.get_by_role("alert").filter(has_text="Someone saved this template meanwhile")
    expect(conflict).to_be_visible()
    conflict.get_by_role("button", name="Show their change").click()
    expect(conflict.locator(".diff-del")).to_contain_text("subject: First {{ name }}")
    expect(conflict.locator(".diff-add")).to_contain_text("subject: Theirs {{ name }}")
    assert herald.template("conflict-demo")["subject"] == "Theirs {{ name }}"
    expect(code(page, "Subject")).to_have_text("Mine {{ name }}")


def test_preview_follows_typing_escapes_values_and_cannot_run_script(page, admin, herald):
    herald.save("preview-demo", html="<p>Hello {{ name }}</p>")
    open_editor(page, admin, "preview-demo")
    frame_element = page.locator("iframe.preview-frame")
    assert frame_element.get_attribute("sandbox") == ""  # no allow-scripts, no allow-same-origin
    email = page.frame_locator("iframe.preview-frame")
    expect(email.locator("p")).to_have_text("Hello Ana")

    code(page, "HTML").fill("<p>Hello {{ name }}</p><p>See you soon</p>")
    expect(email.get_by_text("See you soon")).to_be_visible()

    attack = "<script>parent.document.title='pwned'</script>"
    page.get_by_role("textbox", name="name", exact=True).fill(attack)
    expect(email.locator("p").first).to_have_text(f"Hello {attack}")
    assert email.locator("script").count() == 0
    expect(page.locator(".preview-text")).to_contain_text(f"Hello {attack}")
    assert "pwned" not in page.title()

    page.get_by_label("Mobile (390 px)").check()
    assert frame_element.bounding_box()["width"] == 390


def test_test_send_reaches_the_mailbox_and_shows_the_status(page, admin, herald, screenshot):
    open_editor(page, admin, "welcome")
    expect(page.frame_locator("iframe.preview-frame").get_by_text("Welcome, Ana!")).to_be_visible()
    screenshot(page, "editor-preview", height=1000)
    page.get_by_label("Send to").fill("product.person@example.com")
    page.get_by_role("button", name="Send test").click()

    result = page.locator(".send-result")
    expect(result).to_contain_text("Accepted: message")
    expect(result.locator(".message-status")).to_have_text(re.compile("sent|delivered"),
                                                            timeout=20_000)
    expect(result.get_by_role("list", name="Events")).to_contain_text("queued")
    [mail] = wait_for(lambda: herald.mail_to("product.person@example.com"), 10, "the test mail")
    assert "Ana" in mail["text"]


def test_a_secret_in_the_subject_saves_with_a_visible_warning(page, admin, herald):
    herald.save("warn-demo", variables={"name": {"required": True, "sample": "Ana"},
                                        "code": {"required": True, "secret": True,
                                                 "sample": "123456"}},
                html="<p>Hello {{ name }}, {{ code }}</p>")
    open_editor(page, admin, "warn-demo")

    code(page, "Subject").fill("Your code is {{ code }}")
    page.get_by_role("button", name="Save").click()

    status = page.get_by_text("Saved as version")
    expect(status).to_contain_text("Warning (subject)")
    expect(status).to_contain_text("lock screens")
    assert herald.template("warn-demo")["subject"] == "Your code is {{ code }}"  # saved anyway


def test_an_sms_template_edits_its_text_and_counts_segments(page, admin):
    page.goto(f"{admin}#/templates/otp-sms/edit")
    expect(code(page, "SMS text")).to_be_visible()
    expect(code(page, "Subject")).to_have_count(0)  # text only
    expect(page.get_by_text("SMS: GSM-7")).to_contain_text("1 segment")
    code(page, "SMS text").fill("Code {{ code }} ✓ for {{ app_domain }}\n\n"
                                       "@{{ app_domain }} #{{ code }}")
    expect(page.get_by_text("SMS: UCS-2")).to_be_visible()  # the tick is not GSM-7


def test_sender_reply_to_tags_rate_limit_and_variable_details_are_editable(page, admin, herald):
    herald.save("fields-demo", category="auth", variables={
        "name": {"required": False, "sample": "Ana"}})
    open_editor(page, admin, "fields-demo")

    page.get_by_text("Sending options").click()
    page.get_by_label("Sender (From)").fill("Acme Sign-in <sign-in@example.com>")
    page.get_by_label("Reply-To").fill("help@acme.example")
    page.get_by_label("Rate limit per hour").fill("4")
    page.get_by_role("button", name="Add tag").click()
    page.get_by_label("Tag key").fill("team")
    page.get_by_label("Tag value").fill("identity")
    variable = page.get_by_role("group", name="Variable name")
    variable.get_by_label("Default").fill("there")
    variable.get_by_label("Description").fill("How the mail greets the person")
    page.keyboard.press("Control+s")

    expect(page.get_by_text("Saved as version")).to_be_visible()
    saved = herald.template("fields-demo")
    assert saved["sender"] == "Acme Sign-in <sign-in@example.com>"
    assert saved["reply_to"] == "help@acme.example"
    assert saved["rate_limit_per_hour"] == 4
    assert saved["tags"] == {"team": "identity"}
    assert saved["variables"]["name"]["default"] == "there"
    assert saved["variables"]["name"]["description"] == "How the mail greets the person"

    page.reload()  # and they read back into the form
    page.get_by_text("Sending options").click()
    expect(page.get_by_label("Sender (From)")).to_have_value("Acme Sign-in <sign-in@example.com>")
    expect(page.get_by_label("Tag value")).to_have_value("identity")
    variable = page.get_by_role("group", name="Variable name")
    expect(variable.get_by_label("Default")).to_have_value("there")


def test_a_sender_outside_the_sending_domain_is_marked_in_the_folded_options(page, admin, herald,
                                                                            console):
    console.expect("status of 400")  # the save
    console.expect("status of 422")  # the preview of the same draft
    herald.save("sender-demo")
    open_editor(page, admin, "sender-demo")
    page.get_by_text("Sending options").click()
    page.get_by_label("Sender (From)").fill("someone@elsewhere.example")
    page.get_by_text("Sending options").click()  # folded again
    page.get_by_role("button", name="Save").click()

    sender = page.get_by_label("Sender (From)")
    expect(sender).to_be_visible()  # opened to show the error
    expect(sender).to_have_attribute("aria-invalid", "true")
    expect(sender).to_be_focused()
    assert len(herald.versions("sender-demo")) == 1


def test_a_layout_offers_no_test_send(page, admin):
    page.goto(f"{admin}#/templates/base/edit")
    expect(code(page, "HTML")).to_be_visible()
    expect(page.get_by_role("heading", name="Send a test")).to_have_count(0)
    expect(page.get_by_role("button", name="Send test")).to_have_count(0)

    page.goto(f"{admin}#/templates/welcome/edit")
    expect(page.get_by_role("button", name="Send test")).to_be_visible()
