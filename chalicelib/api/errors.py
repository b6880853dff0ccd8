"""Domain errors as HTTP responses: the one place that knows the statuses."""
from __future__ import annotations

from chalice import Response

from chalicelib import errors
from chalicelib.errors import HeraldError


class UnsupportedMediaType(errors.BadRequest):
    """A body sent as something other than JSON (blocks cross-origin form posts)."""

    code = "unsupported_media_type"


# Most specific first: the first class an error is an instance of gives its status.
STATUSES: tuple[tuple[type[HeraldError], int], ...] = (
    (UnsupportedMediaType, 415),
    (errors.BadRequest, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Gone, 410),
    (errors.PayloadTooLarge, 413),
    (errors.Unprocessable, 422),
    (errors.TooManyRequests, 429),
    (errors.ServiceUnavailable, 503),
)
_JSON = {"Content-Type": "application/json"}


def status_of(error: HeraldError) -> int:
    return next((status for kind, status in STATUSES if isinstance(error, kind)), 500)


def error_response(error: HeraldError) -> Response:
    """`{"error": {...}}` with the error's status, and Retry-After when it says when."""
    headers = dict(_JSON)
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    return Response(body={"error": error.describe()}, status_code=status_of(error),
                    headers=headers)


def hook_error_response(error: HeraldError, style: str) -> Response:
    """A webhook source's error: Supabase reads `{"error": {"http_code", "message"}}`,
    the others Herald's shape."""
    if style != "supabase":
        return error_response(error)
    status = status_of(error)
    return Response(body={"error": {"http_code": status, "message": error.message}},
                    status_code=status, headers=dict(_JSON))


def internal_error_response() -> Response:
    body = {"error": {"code": "internal_error", "message": "an internal error occurred"}}
    return Response(body=body, status_code=500, headers=_JSON)
