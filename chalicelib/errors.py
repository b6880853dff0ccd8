"""Herald's domain errors: what went wrong, who is at fault, whether to retry.

They know nothing of HTTP: `chalicelib/api/errors.py` maps each kind to a
status in one place, and the consumer decides between a retry and a
permanent failure from `retryable`, not from a status.
"""
from __future__ import annotations

from typing import Any


class HeraldError(Exception):
    """Base error: `code` is machine readable, `field` names the culprit,
    `retryable` says whether the same request may succeed later
    (`retry_after_s` says when, if known)."""

    code = "internal_error"
    retryable = False

    def __init__(self, message: str, field: str | None = None,
                 code: str | None = None, line: int | None = None,
                 retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line
        self.retry_after_s = retry_after_s
        if code:
            self.code = code

    def describe(self) -> dict[str, Any]:
        """The error as callers see it: code, message, and the field and line at fault."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.line is not None:
            error["line"] = self.line
        return error


class BadRequest(HeraldError):
    """The input is malformed or breaks a rule; the same input fails again."""

    code = "bad_request"


class Unauthenticated(HeraldError):
    """The caller did not prove who it is (a missing, wrong or stale webhook signature)."""

    code = "unauthenticated"


class Forbidden(HeraldError):
    """Authenticated, but not in a group allowed to do this."""

    code = "forbidden"


class NotFound(HeraldError):
    code = "not_found"


class Conflict(HeraldError):
    """The thing changed meanwhile (a concurrent save, a reused key)."""

    code = "conflict"


class Gone(HeraldError):
    """It existed once and no longer does (an expired link)."""

    code = "gone"


class PayloadTooLarge(HeraldError):
    code = "payload_too_large"


class Unprocessable(HeraldError):
    """Well-formed, but refused (suppressed recipient, unknown template)."""

    code = "unprocessable"


class TooManyRequests(HeraldError):
    """A limit was reached; the same request succeeds after `retry_after_s`."""

    code = "rate_limited"
    retryable = True


class ServiceUnavailable(HeraldError):
    """A store or queue did not answer; the same request may succeed now."""

    code = "unavailable"
    retryable = True


class RenderError(Unprocessable):
    """A template failed to render (undefined variable, sandbox refusal, limit)."""

    code = "render_error"


class TemplateInvalid(BadRequest):
    """A template failed its save-time checks."""

    code = "invalid_template"


class UndecryptableCode(BadRequest):
    """A Cognito code that does not decrypt with the stage's key (tampered, wrong key)."""

    code = "undecryptable_code"


class BadLink(BadRequest):
    """A signed link that is malformed or does not verify (tampered, made for another use)."""

    code = "bad_link"
