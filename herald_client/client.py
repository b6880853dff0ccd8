"""HeraldClient: signed calls to POST /emails and GET /emails/{id}."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import Session


class HeraldError(Exception):
    """Herald refused the request; `status`, `code` and `field` say why."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.field = field


class HeraldClient:
    """Calls Herald at `base_url` (the stage's API URL, e.g.
    https://abc123.execute-api.us-east-1.amazonaws.com/api)."""

    def __init__(self, base_url: str, region: str = "us-east-1",
                 session: Session | None = None, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.session = session or Session()
        self.timeout_s = timeout_s

    def send(self, to: str, template: str, variables: dict[str, Any] | None = None,
             locale: str | None = None, expires_at: str | None = None,
             idempotency_key: str | None = None) -> dict[str, Any]:
        """Queue one mail; returns `{"message_id", "status", "template_version"}`.

        Pass an `idempotency_key` when you may retry: Herald then never sends twice."""
        body = {"to": to, "template": template, "variables": variables or {}}
        if locale:
            body["locale"] = locale
        if expires_at:
            body["expires_at"] = expires_at
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._call("POST", "/emails", json.dumps(body).encode(), headers)

    def status(self, message_id: str) -> dict[str, Any]:
        """The message-log entry of a mail Herald accepted."""
        return self._call("GET", f"/emails/{quote(message_id, safe='')}")

    def _call(self, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
        request = AWSRequest(method=method, url=self.base_url + path, data=body,
                             headers={"Content-Type": "application/json", **(headers or {})})
        credentials = self.session.get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials found to sign the request with")
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", self.region).add_auth(
            request)
        prepared = urllib.request.Request(request.url, data=body, method=method,
                                          headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(prepared, timeout=self.timeout_s) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _error(exc.code, exc.read()) from None


def _error(status: int, raw: bytes) -> HeraldError:
    try:
        error = json.loads(raw).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    return HeraldError(status, error.get("code", "http_error"),
                       error.get("message", raw.decode(errors="replace")[:200]),
                       error.get("field"))
