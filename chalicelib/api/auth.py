"""Who may call which route: services sign with SigV4 (IAM), staff sign in
with Cognito and act according to their groups.

API Gateway enforces the authorizers; `require` checks the groups again in
code, so a route wired to the wrong authorizer still refuses the wrong
group. Only `HERALD_AUTH_MODE=off` (local stack, tests) skips the check:
any other value, including none, enforces it (fail closed).
"""
from __future__ import annotations

import json
import re
from typing import Any

from chalice import CognitoUserPoolAuthorizer, CORSConfig, IAMAuthorizer

from chalicelib.errors import Forbidden
from chalicelib.platform.settings import get_settings

EDITORS = "editors"
OPERATORS = "operators"
STAFF = (EDITORS, OPERATORS)
STAFF_AUTHORIZER_NAME = "HeraldStaff"
# Request headers the admin UI sends (CORS preflights and gateway error responses).
STAFF_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
# Replaced by the real pool ARN at deploy time (config env var or merge template).
UNSET_POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_unset"

SERVICE_AUTHORIZER = IAMAuthorizer()
# Between two groups of a flattened claim: whitespace, after an optional comma.
_GROUP_SEPARATOR = re.compile(r",?\s+")


def staff_authorizer() -> CognitoUserPoolAuthorizer:
    """The Cognito authorizer for admin routes (built at import: Chalice reads it then)."""
    arn = get_settings().cognito_user_pool_arn or UNSET_POOL_ARN
    return CognitoUserPoolAuthorizer(STAFF_AUTHORIZER_NAME, provider_arns=[arn])


def staff_cors() -> CORSConfig | None:
    """CORS for the admin UI's origin only; none when the UI is served same-origin (local)."""
    origin = get_settings().admin_origin
    if not origin:
        return None
    return CORSConfig(allow_origin=origin, allow_headers=STAFF_HEADERS,
                      max_age=600)


def cors_headers() -> dict[str, str]:
    """CORS headers for responses Chalice does not decorate (errors raised to the middleware)."""
    cors = staff_cors()
    return cors.get_access_control_headers() if cors else {}


def groups_of(request: Any) -> set[str]:
    """The caller's Cognito groups, read so that no group name can pose as another.

    A decoded token (chalice local) holds a list. API Gateway flattens it to a
    string, in a format AWS does not document and that varies by API type:
    JSON (`["a","b"]`), `[a b]`, `[a, b]` or `a,b`. Cognito group names may hold
    commas and brackets but no whitespace, so whitespace always separates, and a
    comma only does when every part it splits off is a Herald group: `x,operators`
    stays one (unknown) group, `editors,operators` is both.
    """
    claims = ((request.context or {}).get("authorizer") or {}).get("claims") or {}
    raw = claims.get("cognito:groups") or []
    if isinstance(raw, str):
        raw = _parse_group_claim(raw)
    if not isinstance(raw, list):
        return set()
    return {group for group in raw if isinstance(group, str)}


def _parse_group_claim(raw: str) -> list[str]:
    text = raw.strip()
    if text.startswith('["'):
        try:
            parsed = json.loads(text)
        except ValueError:
            return []
        return parsed if isinstance(parsed, list) else []
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    groups = []
    for token in _GROUP_SEPARATOR.split(text):
        parts = token.split(",")
        groups.extend(parts if all(part in STAFF for part in parts) else [token])
    return [group for group in groups if group]


def require(request: Any, *groups: str) -> None:
    """Raise Forbidden (403) unless the caller is in one of `groups`."""
    if get_settings().auth_mode == "off":
        return
    if not groups_of(request) & set(groups):
        raise Forbidden(f"this action needs membership of: {', '.join(groups)}")
