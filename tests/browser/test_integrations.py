"""Integrations: intake sources with their secrets and last events; outbound
webhook endpoints added, tested, paused and removed from the admin UI."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect


@pytest.fixture
def receiver():
    """A webhook receiver on loopback that answers 200 and keeps what it got."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length", 0))
            received.append({"headers": dict(self.headers),
                             "body": json.loads(self.rfile.read(length) or b"{}")})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/events", received
    server.shutdown()


def test_intake_sources_show_their_secrets_are_configured(page, admin):
    page.goto(f"{admin}#/integrations")
    sources = page.get_by_role("table", name="Intake sources")
    for source in ("supabase", "clerk"):
        row = sources.get_by_role("row").filter(has_text=source)
        expect(row).to_contain_text("configured")


def test_an_endpoint_is_added_tested_paused_and_removed(page, admin, receiver, screenshot):
    url, received = receiver
    page.goto(f"{admin}#/integrations")
    page.get_by_label("Name").fill("audit-log")
    page.get_by_label("URL").fill(url)
    page.get_by_label("email.expired").uncheck()
    page.get_by_role("button", name="Add endpoint").click()

    secret = page.locator(".secret-box code")
    expect(secret).to_contain_text("whsec_")
    card = page.get_by_role("article", name="audit-log")
    expect(card).to_contain_text(url)
    expect(card).not_to_contain_text("email.expired")
    screenshot(page, "integrations", height=1100)

    card.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_text("A test event is on its way to audit-log.")).to_be_visible()
    for _ in range(100):  # the sender runs on the local stack's poller
        if received:
            break
        page.wait_for_timeout(200)
    assert received and received[0]["headers"].get("webhook-signature", "").startswith("v1,")
    card.get_by_role("button", name="Recent deliveries").click()
    expect(card.get_by_role("table", name="Recent deliveries")).to_contain_text("delivered")

    card.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("audit-log is paused.")).to_be_visible()
    expect(page.get_by_role("article", name="audit-log")).to_contain_text("paused")

    page.get_by_role("article", name="audit-log").get_by_role("button", name="Remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove the endpoint").click()
    expect(page.get_by_text("audit-log is removed.")).to_be_visible()
    expect(page.get_by_role("article", name="audit-log")).to_have_count(0)
