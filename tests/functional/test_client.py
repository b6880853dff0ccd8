"""HeraldClient signs with SigV4 and reaches a real local HTTP server."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.session import Session

from herald_client import HeraldClient, HeraldError

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "session-token")


class _Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer: tuple[int, dict] = (202, {})

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.received.append({"method": self.command, "path": self.path,
                              "headers": dict(self.headers.items()), "body": body})
        status, payload = self.answer
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _handle

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def server():
    _Recorder.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/api", _Recorder
    httpd.shutdown()
    httpd.server_close()


def _client(base_url: str) -> HeraldClient:
    session = Session()
    session.get_credentials = lambda: CREDENTIALS
    return HeraldClient(base_url, region="eu-west-1", session=session)


def _expected_signature(received: dict, url: str) -> str:
    """Sign what the server received again, with the same time: must match."""
    signed = {name: value for name, value in received["headers"].items()
              if name.lower() in {"content-type", "idempotency-key", "x-amz-date",
                                  "x-amz-security-token", "host"}}
    request = AWSRequest(method=received["method"], url=url, data=received["body"] or None,
                         headers={k: v for k, v in signed.items() if k.lower() != "host"})
    _SignerAt(received["headers"]["X-Amz-Date"]).add_auth(request)
    return request.headers["Authorization"]


class _SignerAt(SigV4Auth):
    """SigV4 at the time the client signed: botocore's add_auth always signs "now",
    so re-signing in the next second would give another signature."""

    def __init__(self, timestamp: str) -> None:
        super().__init__(CREDENTIALS, "execute-api", "eu-west-1")
        self.timestamp = timestamp

    def add_auth(self, request: AWSRequest) -> None:
        request.context["timestamp"] = self.timestamp
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        self._inject_signature_to_request(
            request, self.signature(self.string_to_sign(request, canonical), request))


def test_send_is_signed_for_execute_api_and_reaches_the_server(server):
    # GIVEN a local server answering like Herald
    base_url, recorder = server
    recorder.answer = (202, {"message_id": "m-1", "status": "queued", "template_version": "v1"})
    # WHEN a service sends a mail
    accepted = _client(base_url).send("ana@example.com", "otp-code", {"code": "123456"},
                                      locale="pt-BR", idempotency_key="signin-42")
    # THEN the request arrived signed, with the body and headers the API expects
    assert accepted["message_id"] == "m-1"
    [received] = recorder.received
    headers = received["headers"]
    assert received["method"] == "POST" and received["path"] == "/api/emails"
    assert headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert "SignedHeaders=" in headers["Authorization"]
    assert headers["X-Amz-Date"] and headers["X-Amz-Security-Token"] == "session-token"
    assert headers["Idempotency-Key"] == "signin-42"
    assert json.loads(received["body"]) == {"to": "ana@example.com", "template": "otp-code",
                                            "variables": {"code": "123456"}, "locale": "pt-BR"}
    assert headers["Authorization"] == _expected_signature(received, base_url + "/emails")


def test_status_is_a_signed_get(server):
    base_url, recorder = server
    recorder.answer = (200, {"message_id": "m/1", "status": "sent"})
    assert _client(base_url).status("m/1")["status"] == "sent"
    [received] = recorder.received
    assert received["method"] == "GET" and received["path"] == "/api/emails/m%2F1"
    assert received["headers"]["Authorization"] == _expected_signature(
        received, base_url + "/emails/m%2F1")


def test_herald_errors_become_exceptions_with_code_and_field(server):
    base_url, recorder = server
    recorder.answer = (422, {"error": {"code": "suppressed", "message": "address is suppressed",
                                       "field": "to"}})
    with pytest.raises(HeraldError) as raised:
        _client(base_url).send("bounce@example.com", "otp-code")
    assert (raised.value.status, raised.value.code, raised.value.field) == (
        422, "suppressed", "to")


def test_gateway_refusals_keep_their_message(server):
    base_url, recorder = server
    recorder.answer = (403, {"message": "The security token included in the request is invalid"})
    with pytest.raises(HeraldError) as raised:
        _client(base_url).send("ana@example.com", "otp-code")
    assert raised.value.status == 403 and "security token" in str(raised.value)
