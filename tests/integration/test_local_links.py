"""Scanner-safe links in the local stack, over HTTP as a newcomer tries them: the magic
link in /_local/mail points at the stack's own /l/{token}; GET and HEAD show the page,
the button's POST redirects (303) to the real URL, once."""
from __future__ import annotations

import re

import pytest
import requests
from stack_process import running_stack, wait_for

TARGET = "https://app.example.com/auth/magic?token=local_7c1e"


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


def test_a_magic_link_goes_through_the_gateway(stack):
    base = stack.base
    accepted = requests.post(f"{base}/emails", timeout=5, json={
        "to": "links@example.com", "template": "magic-link",
        "variables": {"link": TARGET, "code": "493817"}})
    assert accepted.status_code == 202, accepted.text
    message_id = accepted.json()["message_id"]

    def delivered():
        mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
        return [m for m in mails if m["to"] == "links@example.com"]
    [mail] = wait_for(delivered, 20, "the magic link in /_local/mail")
    assert "local_7c1e" not in mail["html"] + mail["text"]
    assert "Or enter this code: 493817" in mail["text"]
    [link] = set(re.findall(re.escape(base) + r"/l/[A-Za-z0-9_-]{43}", mail["text"]))

    for method in ("GET", "HEAD"):
        page = requests.request(method, link, timeout=5, allow_redirects=False)
        assert page.status_code == 200 and "Location" not in page.headers
        assert page.headers["Cache-Control"] == "no-store"
    assert "Continue to sign in" in requests.get(link, timeout=5).text

    followed = requests.post(link, data={}, timeout=5, allow_redirects=False)
    assert (followed.status_code, followed.headers["Location"]) == (303, TARGET)
    again = requests.post(link, data={}, timeout=5, allow_redirects=False)
    assert again.status_code == 410 and "Location" not in again.headers

    entry = requests.get(f"{base}/emails/{message_id}", timeout=5).json()
    events = [e["event"] for e in entry["events"] if e.get("event")]
    assert events == ["link_viewed"] * 3 + ["link_followed"]
    assert "local_7c1e" not in str(entry)
