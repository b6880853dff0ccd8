"""Browser tests: Debian's Chromium driven by Playwright against the local stack.

Each module gets its own stack (a subprocess on a free port); every test gets a
fresh page whose console errors fail the test unless it said it expects them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from playwright.sync_api import sync_playwright
from stack_process import PROJECT, running_stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# The README's screenshots are refreshed on request (UPDATE_SCREENSHOTS=1 make test);
# an ordinary run writes them under test-artifacts/ so it leaves the tree clean.
SCREENSHOTS = (PROJECT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS")
               else PROJECT / "test-artifacts" / "screenshots")
DESKTOP = {"width": 1280, "height": 900}

@dataclass
class HeraldApi:
    """The API as a service (or a colleague) would use it, behind the UI's back."""

    base: str

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = requests.request(method, self.base + path, json=body, timeout=10)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def save(self, name: str, **fields: Any) -> str:
        template = {"category": "notification", "subject": "Hello {{ name }}",
                    "html": "<p>Hello {{ name }}</p>",
                    "variables": {"name": {"required": True, "sample": "Ana"}}, **fields}
        return self.call("PUT", f"/templates/{name}", template)["version_id"]

    def template(self, name: str) -> dict[str, Any]:
        return self.call("GET", f"/templates/{name}")

    def versions(self, name: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/templates/{name}/versions")["versions"]

    def mail_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.call("GET", "/_local/mail")["mail"] if m["to"] == address]


@dataclass
class Console:
    """Console errors and uncaught exceptions of the page, minus the expected ones."""

    errors: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect(self, fragment: str) -> None:
        """A test that provokes an error answer (a 409, say) expects the browser to log it."""
        self.expected.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(fragment in e for fragment in self.expected)]


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


@pytest.fixture(scope="module")
def herald(stack) -> HeraldApi:
    return HeraldApi(stack.base)


@pytest.fixture(scope="module")
def admin(stack) -> str:
    return f"{stack.base}/admin/"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser, console):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and console.errors.append(
        f"{message.text} [{message.location.get('url', '')}]"))
    page.on("pageerror", lambda error: console.errors.append(f"uncaught {error}"))
    yield page
    context.close()
    assert not console.unexpected(), f"console errors: {console.unexpected()}"


@pytest.fixture
def screenshot():
    """Saves what the person sees (into docs/screenshots/ with UPDATE_SCREENSHOTS=1)."""
    def save(page, name: str, height: int = DESKTOP["height"]) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": DESKTOP["width"], "height": height})
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    return save
