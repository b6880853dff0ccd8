"""Herald's error hierarchy: each error knows its HTTP status and JSON shape.

Errors subclass ChaliceUnhandledError so Chalice lets them reach the one
middleware in app.py that turns them into responses; no route formats errors.
"""
from __future__ import annotations

from typing import Any

from chalice import ChaliceUnhandledError


class HeraldError(ChaliceUnhandledError):
    """Base error: `code` is machine readable, `field` names the culprit."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, field: str | None = None,
                 code: str | None = None, line: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line
        self.headers = headers or {}
        if code:
            self.code = code

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.line is not None:
            error["line"] = self.line
        return {"error": error}


class BadRequest(HeraldError):
    status = 400
    code = "bad_request"


class Forbidden(HeraldError):
    """Authenticated, but not in a group allowed to do this."""

    status = 403
    code = "forbidden"


class NotFound(HeraldError):
    status = 404
    code = "not_found"


class Conflict(HeraldError):
    status = 409
    code = "conflict"


class PayloadTooLarge(HeraldError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(HeraldError):
    """A body sent as something other than JSON (blocks cross-origin form posts)."""

    status = 415
    code = "unsupported_media_type"


class Unprocessable(HeraldError):
    status = 422
    code = "unprocessable"


class TooManyRequests(HeraldError):
    status = 429
    code = "rate_limited"


class ServiceUnavailable(HeraldError):
    status = 503
    code = "unavailable"


class RenderError(Unprocessable):
    """A template failed to render (undefined variable, sandbox refusal, limit)."""

    code = "render_error"


class TemplateInvalid(BadRequest):
    """A template failed its save-time checks."""

    code = "invalid_template"
