"""Serves admin_ui/ at /admin/ in front of Chalice's local handler.

Chalice's local router cannot serve nested static paths (they answer 403),
so GETs under /admin/ are answered from the folder before reaching it. A path
no route matches answers a JSON 404 naming it, not API Gateway's "Missing
Authentication Token" 403, which reads like an auth error on a stack without
auth.
"""
from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    LocalGatewayAuthorizer,
    LocalGatewayException,
    NotAuthorizedError,
)

ADMIN_PREFIX = "/admin"


class TokenCheckingAuthorizer(LocalGatewayAuthorizer):
    """Chalice local decodes a staff route's Authorization header as a JWT, and a
    header that is not one (empty, no dots, not base64 JSON) raised out of the
    request handler: the connection closed with no answer. Such a token gets API
    Gateway's 401 instead."""

    def _decode_jwt_payload(self, jwt: str) -> dict:
        try:
            claims = super()._decode_jwt_payload(jwt)
        except (IndexError, ValueError):  # binascii.Error and UnicodeError are ValueErrors
            claims = None
        if not isinstance(claims, dict):
            raise NotAuthorizedError({"Content-Type": "application/json",
                                      "x-amzn-ErrorType": "UnauthorizedException"},
                                     b'{"message":"Unauthorized"}')
        return claims


def make_handler(root: Path) -> type[ChaliceRequestHandler]:
    root = root.resolve()

    class StaticThenChalice(ChaliceRequestHandler):
        def handle(self) -> None:
            gateway = self.local_gateway  # one per connection, built before handle()
            gateway._authorizer = TokenCheckingAuthorizer(gateway._app_object)
            super().handle()

        def do_GET(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's naming
            path = self.path.split("?", 1)[0]
            if path == ADMIN_PREFIX:
                self._redirect(ADMIN_PREFIX + "/")
            elif path.startswith(ADMIN_PREFIX + "/"):
                self._serve(path[len(ADMIN_PREFIX) + 1:] or "index.html")
            else:
                super().do_GET()

        def _send_error_response(self, error: LocalGatewayException) -> None:
            if not isinstance(error, ForbiddenError) or b"Missing Authentication Token" not in (
                    error.body or b""):
                super()._send_error_response(error)
                return
            path = self.path.split("?", 1)[0]
            body = json.dumps({"error": {
                "code": "not_found", "field": "path",
                "message": f"no route for {self.command} {path}"}}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_error(self, code: int, message: str | None = None,
                       explain: str | None = None) -> None:
            """A method no route takes (TRACE, CONNECT...) answers a JSON 405, as a method
            a route lacks does: http.server's default is an HTML 501, a server error."""
            if code != 501:
                super().send_error(code, message, explain)
                return
            self._json(405, {"error": {"code": "method_not_allowed", "field": "method",
                                       "message": f"no route takes {self.command}"}})

        def _send_http_response_with_body(self, code: int, headers: dict,
                                          body: str | bytes) -> None:
            """HEAD gets the headers GET would, and no body: Chalice local wrote the
            body, which the client read as the start of the next answer."""
            if self.command != "HEAD":
                super()._send_http_response_with_body(code, headers, body)
                return
            self.send_response(code)
            self.send_header("Content-Length", str(len(body.encode() if isinstance(body, str)
                                                       else body)))
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self._send_headers(headers)

        def _json(self, status: int, answer: dict) -> None:
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(301)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _serve(self, relative: str) -> None:
            target = (root / relative).resolve()
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents or not target.is_file():
                body = b"not found"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
            else:
                body = target.read_bytes()
                self.send_response(200)
                kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                self.send_header("Content-Type", kind)
                self.send_header("Cache-Control", "no-cache")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return StaticThenChalice
