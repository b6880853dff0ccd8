"""Request and response glue shared by the routes in app.py."""
from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.errors import UnsupportedMediaType
from chalicelib.errors import BadRequest, PayloadTooLarge
from chalicelib.platform.untrusted_json import load_json

_JSON = {"Content-Type": "application/json"}
_MAX_FORM_BYTES = 64 * 1024
_MAX_FORM_FIELDS = 500



def require_json_content(request: Any) -> None:
    """415 naming Content-Type unless the body is declared JSON. Browsers send
    cross-origin "simple" requests (forms, text/plain, no type) without a CORS
    preflight; demanding application/json turns those into preflighted ones."""
    declared = ((request.headers or {}).get("content-type") or "").split(";")[0]
    if declared.strip().lower() != "application/json":
        raise UnsupportedMediaType("send the body as JSON, with Content-Type: application/json",
                                   field="Content-Type")


def json_body(request: Any, optional: bool = False) -> Any:
    """The parsed JSON body; 415 unless declared JSON, 400 naming the field at fault."""
    raw = request.raw_body or b""
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest("request body is required", field="body")
    require_json_content(request)
    return load_json(raw)


def form_fields(request: Any) -> dict[str, list[str]]:
    """The fields of an HTML form posted as application/x-www-form-urlencoded (a
    checkbox left unticked is absent); 413 past 64 KiB, 400 past 500 fields."""
    from urllib.parse import parse_qs

    raw = request.raw_body or b""
    if len(raw) > _MAX_FORM_BYTES:
        raise PayloadTooLarge(f"the form is larger than {_MAX_FORM_BYTES} bytes", field="body")
    try:
        return parse_qs(raw.decode("utf-8", "replace"), max_num_fields=_MAX_FORM_FIELDS)
    except ValueError:
        raise BadRequest(f"the form has more than {_MAX_FORM_FIELDS} fields",
                         field="body") from None


def query(request: Any, name: str) -> str | None:
    return (request.query_params or {}).get(name)


def author_of(request: Any) -> str:
    """Who made a change: the Cognito user, the IAM caller, or `local`."""
    context = request.context or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    identity = context.get("identity") or {}
    return (claims.get("email") or claims.get("cognito:username") or identity.get("userArn")
            or identity.get("user") or "local")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=_JSON)


def no_content() -> Response:
    return Response(body="", status_code=204)
