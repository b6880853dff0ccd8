"""axe-core (shipped by the axe-playwright-python package) on every screen of the admin
UI at desktop and phone widths: no critical or serious violation."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_pages import SCREENS, wait_until_loaded

BLOCKING = {"critical", "serious"}
# Besides axe's default rules: a visible label that is not part of the accessible name
# (voice control users say what they see), an experimental rule in axe 4.
OPTIONS = {"resultTypes": ["violations"],
           "rules": {"label-content-name-mismatch": {"enabled": True}}}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def blocking_violations(axe: Axe, page) -> list[str]:
    violations = axe.run(page, options=OPTIONS).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
            for v in violations if v["impact"] in BLOCKING]


@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_violation_on_any_screen(page, admin, herald, axe, width):
    herald.save("axe-demo", subject="One {{ name }}")
    herald.save("axe-demo", subject="Two {{ name }}")  # two versions: "Changes" buttons
    page.set_viewport_size({"width": width, "height": 800})
    found = {}
    for screen in [*SCREENS, "#/templates/axe-demo"]:
        page.goto(admin + screen)
        wait_until_loaded(page)
        found[screen] = blocking_violations(axe, page)
    assert found == {screen: [] for screen in found}


@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_violation_in_the_editor_with_find_open_and_an_error_shown(
        page, admin, herald, axe, console, width):
    console.expect("status of 400")  # the save
    console.expect("status of 422")  # the preview of the same draft
    herald.save("axe-editor")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{admin}#/templates/axe-editor/edit")
    html = page.get_by_role("textbox", name="HTML", exact=True)
    html.fill("<p>{{ name }}</p>\n{% endif %}")
    page.get_by_role("button", name="Save").click()
    expect(html).to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Control+f")
    expect(page.get_by_role("textbox", name="Find", exact=True)).to_be_focused()
    assert blocking_violations(axe, page) == []
