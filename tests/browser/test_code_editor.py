"""The code editor (CodeMirror, vendored) on the template's fields: HTML and Jinja
highlighting, line numbers, find, jump to an error's line, the hidden field kept in
step both ways, and the form and preview as tabs on a phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_editor import code, open_editor

HTML = ("<p class=\"greeting\">Hello {{ name|upper }}</p>\n"
        "{% if name %}\n"
        "<p>Welcome back</p>\n"
        "{% endif %}\n")


def editor_of(page, label):
    return page.locator(".code-editor", has=code(page, label))


def test_html_field_highlights_html_and_jinja_with_line_numbers(page, admin, herald):
    herald.save("cm-highlight", html=HTML)
    open_editor(page, admin, "cm-highlight")
    html = code(page, "HTML")

    expect(html.locator(".tok-typeName").first).to_have_text("p")  # the tag name
    expect(html.locator(".tok-propertyName").first).to_have_text("class")  # an attribute
    expect(html.locator(".tok-string").first).to_have_text("\"greeting\"")
    expect(html.locator(".cm-jinja-filter")).to_have_text("|upper")
    expect(html.locator(".cm-jinja-keyword")).to_have_text(["if", "endif"])
    numbers = editor_of(page, "HTML").locator(".cm-lineNumbers .cm-gutterElement:visible")
    expect(numbers).to_contain_text(["1", "2", "3", "4", "5"])
    expect(page.locator("textarea").first).to_be_hidden()  # the source of truth stays, hidden


def test_typing_fills_the_hidden_field_and_code_setting_it_updates_the_editor(page, admin, herald):
    herald.save("cm-sync", html="<p>Hello {{ name }}</p>")
    open_editor(page, admin, "cm-sync")
    html = code(page, "HTML")
    textarea = page.get_by_label("HTML", exact=True).and_(page.locator("textarea"))
    textarea_id = textarea.get_attribute("id")

    html.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n<p>Typed line</p>")
    expect(textarea).to_have_value("<p>Hello {{ name }}</p>\n<p>Typed line</p>")
    email = page.frame_locator("iframe.preview-frame")
    expect(email.get_by_text("Typed line")).to_be_visible()  # the `input` event reached the form

    page.evaluate("""async (id) => {
        const {setFieldValue} = await import("./js/dom.js");
        setFieldValue(document.getElementById(id), "<p>Set by code</p>");
    }""", textarea_id)
    expect(html).to_have_text("<p>Set by code</p>")


def test_ctrl_f_opens_find_and_ctrl_s_still_saves_from_the_editor(page, admin, herald):
    herald.save("cm-find", html=HTML)
    open_editor(page, admin, "cm-find")
    code(page, "HTML").click()

    page.keyboard.press("Control+f")
    find = page.get_by_role("textbox", name="Find", exact=True)
    expect(find).to_be_focused()
    page.keyboard.type("Welcome")  # the panel reads its query on keyup
    page.keyboard.press("Enter")
    expect(code(page, "HTML").locator(".cm-searchMatch-selected")).to_have_text("Welcome")

    page.keyboard.press("Escape")  # closes the panel, back in the text
    page.keyboard.press("ArrowLeft")  # to the start of the found word
    page.keyboard.type("Hi, ")
    page.keyboard.press("Control+s")
    expect(page.get_by_text("Saved as version")).to_be_visible()
    assert "<p>Hi, Welcome back</p>" in herald.template("cm-find")["html"]


def test_subject_is_one_line_and_enter_saves(page, admin, herald):
    herald.save("cm-subject")
    open_editor(page, admin, "cm-subject")
    subject = code(page, "Subject")
    expect(subject).to_have_attribute("aria-multiline", "false")

    subject.click()
    page.keyboard.press("End")
    page.keyboard.type(" again")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved as version")).to_be_visible()
    assert herald.template("cm-subject")["subject"] == "Hello {{ name }} again"


def test_a_syntax_error_moves_the_cursor_to_its_line(page, admin, herald, console):
    console.expect("status of 400")  # the save
    console.expect("status of 422")  # the preview of the same draft
    herald.save("cm-error")
    open_editor(page, admin, "cm-error")
    broken = "<p>One {{ name }}</p>\n<p>Two</p>\n<p>{% endfor %}</p>\n<p>Four</p>"
    html = code(page, "HTML")
    html.fill(broken)
    page.get_by_role("button", name="Save").click()

    expect(html).to_have_attribute("aria-invalid", "true")
    expect(html).to_be_focused()
    marked = html.locator(".cm-error-line")
    expect(marked).to_have_text("<p>{% endfor %}</p>")
    assert page.evaluate("getSelection().toString()") == "<p>{% endfor %}</p>"

    page.keyboard.press("Control+Home")  # wander off, then come back with the button
    html_field = page.locator(".field", has=html)
    html_field.get_by_role("button", name="Go to line 3").click()
    expect(html).to_be_focused()
    assert page.evaluate("getSelection().toString()") == "<p>{% endfor %}</p>"
    assert len(herald.versions("cm-error")) == 1


def test_an_error_in_a_locale_variant_goes_to_that_variants_editor(page, admin, herald, console):
    console.expect("status of 400")  # the save
    console.expect("status of 422")  # the preview of the same draft
    herald.save("cm-locale", locales={"pt-BR": {"html": "<p>Olá {{ name }}</p>"}})
    open_editor(page, admin, "cm-locale")
    variant = code(page, "HTML (pt-BR)")
    expect(variant.locator(".tok-typeName").first).to_have_text("p")
    variant.fill("<p>Olá {{ name }}</p>\n{% endif %}")
    page.get_by_role("button", name="Save").click()

    expect(variant).to_be_focused()
    expect(variant.locator(".cm-error-line")).to_have_text("{% endif %}")
    expect(code(page, "HTML").locator(".cm-error-line")).to_have_count(0)


def test_a_preview_error_leads_from_the_preview_tab_to_its_line(page, admin, herald, console):
    console.expect("status of 422")  # the preview
    herald.save("cm-preview-error")
    page.set_viewport_size({"width": 390, "height": 800})
    open_editor(page, admin, "cm-preview-error")
    html = code(page, "HTML")
    html.fill("<p>One</p>\n<p>{{ name }}</p>\n<p>{{ nobody }}</p>")
    page.get_by_role("tab", name="Preview").click()

    problem = page.locator(".preview-problem")
    expect(problem).to_contain_text("Preview failed")
    problem.get_by_role("button", name="Go to line 3").click()
    expect(page.get_by_role("tab", name="Template")).to_have_attribute("aria-selected", "true")
    expect(html).to_be_focused()
    expect(html.locator(".cm-error-line")).to_have_text("<p>{{ nobody }}</p>")


def test_phone_width_shows_form_and_preview_as_tabs(page, admin, herald):
    herald.save("cm-tabs")
    page.set_viewport_size({"width": 390, "height": 800})
    open_editor(page, admin, "cm-tabs")
    tabs = page.get_by_role("tablist", name="Editor")
    template_tab = tabs.get_by_role("tab", name="Template")
    preview_tab = tabs.get_by_role("tab", name="Preview")
    preview = page.get_by_role("heading", name="Preview", exact=True)

    expect(template_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Template")).to_contain_text("Subject")
    expect(preview).to_be_hidden()

    template_tab.focus()
    page.keyboard.press("ArrowRight")
    expect(preview_tab).to_be_focused()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Preview")).to_be_visible()
    expect(code(page, "HTML")).to_be_hidden()
    page.keyboard.press("Home")
    expect(template_tab).to_be_focused()
    expect(code(page, "HTML")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})  # a wide window: side by side
    expect(tabs).to_be_hidden()
    expect(preview).to_be_visible()
    expect(code(page, "HTML")).to_be_visible()
    expect(page.get_by_role("tabpanel")).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 390])
def test_long_lines_wrap_inside_the_editor(page, admin, herald, width):
    herald.save("cm-wrap", html="<p>" + "A long sentence {{ name }} goes on. " * 40 + "</p>")
    page.set_viewport_size({"width": width, "height": 800})
    open_editor(page, admin, "cm-wrap")
    html = code(page, "HTML")
    assert html.evaluate("(content) => content.scrollWidth <= content.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
