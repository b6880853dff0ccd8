"""The API reference screen renders GET /openapi.json: operations by tag, each opening
to its auth, parameters, request schema and responses."""
from __future__ import annotations

from playwright.sync_api import expect


def test_the_api_reference_shows_each_operation_with_its_schemas(page, admin):
    page.goto(f"{admin}#/api")
    expect(page.get_by_role("heading", name="API reference", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="templates", level=2)).to_be_visible()
    nav_link = page.get_by_role("link", name="API", exact=True)
    expect(nav_link).to_have_attribute("aria-current", "page")

    operation = page.locator("#op-saveTemplate")
    expect(operation.locator("summary").first).to_contain_text("PUT /templates/{name}")
    operation.locator("summary").first.click()
    expect(operation).to_contain_text("Staff (Cognito), groups: editors")
    expect(operation).to_contain_text("Request body")
    operation.get_by_text("TemplateInput", exact=True).click()
    expect(operation).to_contain_text("subject")
    expect(operation).to_contain_text("maxLength 998")
    expect(operation.get_by_text("409", exact=True)).to_be_visible()

    local = page.locator("#op-localMail")
    local.locator("summary").first.click()
    expect(local).to_contain_text("Local stack only")
    assert page.get_by_role("link", name="openapi.json").get_attribute("href").endswith(
        "/openapi.json")
