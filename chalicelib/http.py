"""Request and response glue shared by the routes in app.py."""
from __future__ import annotations

import json
from typing import Any

from chalice import Response

from chalicelib.errors import BadRequest, HeraldError

_JSON = {"Content-Type": "application/json"}


def json_body(request: Any, optional: bool = False) -> Any:
    """The parsed JSON body; 400 naming `body` when it is not JSON."""
    raw = request.raw_body or b""
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest("request body is required", field="body")
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest("request body is not valid JSON", field="body") from None


def query(request: Any, name: str) -> str | None:
    return (request.query_params or {}).get(name)


def author_of(request: Any) -> str:
    """Who made a change: the Cognito user, the IAM caller, or `local`."""
    context = request.context or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    identity = context.get("identity") or {}
    return (claims.get("email") or claims.get("cognito:username") or identity.get("userArn")
            or identity.get("user") or "local")


def error_response(error: HeraldError) -> Response:
    return Response(body=error.to_body(), status_code=error.status,
                    headers={**_JSON, **error.headers})


def internal_error_response() -> Response:
    body = {"error": {"code": "internal_error", "message": "an internal error occurred"}}
    return Response(body=body, status_code=500, headers=_JSON)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=_JSON)


def no_content() -> Response:
    return Response(body="", status_code=204)
