"""Schemathesis over the OpenAPI document against the local stack: for every
operation, generated requests (valid and invalid) never get a 5xx, and every
answer has a documented status, content type and body schema.

The things the document's examples name (user `user-123`, notification type
`account-notice`, webhook `crm`, the starter templates) exist, and a valid
generated name in a path is replaced by one of them, so bodies reach the code
behind the 404s (invalid names stay, to test the refusals). Bounded for `make
test`: a few examples per operation, derandomized (the same requests every run),
no per-example deadline.
Nothing is excluded: every operation is safe to fuzz on a throwaway stack.
"""
from __future__ import annotations

import http.client
import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.api.reference import DOCUMENT

schema = schemathesis.openapi.from_path(DOCUMENT)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SEEDS = (("/users/user-123", {"email": "ana@example.com", "phone": "+14155550100"}),
         ("/notification-types/account-notice",
          {"category": "notification", "channels": {"email": {"template": "welcome"},
                                                    "sms": {"template": "otp-sms"}}}),
         ("/webhooks/crm", {"url": "http://127.0.0.1:9/hook", "events": ["email.sent"]}))
# path prefix -> (parameter, a name that exists, what a valid name looks like)
EXISTING = {"/templates/": ("name", "welcome", r"[a-z0-9-]{1,64}"),
            "/users/": ("user_id", "user-123", r"[A-Za-z0-9_.:@+=-]{1,128}"),
            "/staff/users/": ("user_id", "user-123", r"[A-Za-z0-9_.:@+=-]{1,128}"),
            "/webhooks/": ("name", "crm", r"[a-z0-9][a-z0-9_-]{0,63}"),
            "/notification-types/": ("name", "account-notice", r"[a-z0-9-]{1,64}")}


def existing(case) -> None:
    """Point a valid generated name at one that exists."""
    for prefix, (name, value, pattern) in EXISTING.items():
        given = (case.path_parameters or {}).get(name)
        if case.path.startswith(prefix) and isinstance(given, str) \
                and re.fullmatch(pattern, given):
            case.path_parameters[name] = value


@pytest.fixture(scope="module")
def seeded(stack):
    """The stack, holding what the document's examples name."""
    for path, body in SEEDS:
        answer = requests.put(stack.base + path, json=body, timeout=10)
        assert answer.status_code == 200, answer.text
    return stack


@schema.parametrize()
@settings(max_examples=10, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, seeded):
    existing(case)
    case.call_and_validate(base_url=seeded.base, checks=CHECKS, timeout=15)


def test_a_head_answer_has_no_body_and_the_connection_serves_the_next_request(stack):
    """Found by `schemathesis run`: HEAD /l/{token} sent the page's body after its
    headers, and the next request on the connection read it as its answer."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    try:
        connection.request("HEAD", "/l/not-a-token")
        head = connection.getresponse()
        assert (head.status, head.read()) == (404, b"")
        assert int(head.headers["Content-Length"]) > 0  # what GET would send
        connection.request("GET", "/health")
        answer = connection.getresponse()
        assert (answer.status, answer.read()) == (200, b'{"status":"ok"}')
    finally:
        connection.close()


def test_what_the_fuzzer_found_on_the_local_stack_is_a_clear_4xx(stack):
    """A method no route takes answered http.server's HTML 501, a staff token that is
    not a JWT dropped the connection, and a JSON list to a /_local/ route was a 500."""
    trace = requests.request("TRACE", f"{stack.base}/health", timeout=10)
    assert (trace.status_code, trace.json()["error"]["field"]) == (405, "method")
    for token in ("", "not-a-jwt", "a.W10.c"):  # W10: base64 of [], not claims
        answer = requests.get(f"{stack.base}/templates", headers={"Authorization": token},
                              timeout=10)
        assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
    for path in ("/_local/consumer", "/_local/cognito"):
        answer = requests.post(stack.base + path, json=[1], timeout=10)
        assert (answer.status_code, answer.json()["error"]["field"]) == (400, "body")
