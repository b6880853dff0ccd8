"""Who may call which route: services sign with SigV4 (IAM), staff sign in
with Cognito and act according to their groups.

API Gateway enforces the authorizers; `require` checks the groups again in
code, so a route wired to the wrong authorizer still refuses the wrong
group. Only `HERALD_AUTH_MODE=off` (local stack, tests) skips the check:
any other value, including none, enforces it (fail closed).
"""
from __future__ import annotations

from typing import Any

from chalice import CognitoUserPoolAuthorizer, CORSConfig, IAMAuthorizer

from chalicelib.errors import Forbidden
from chalicelib.settings import get_settings

EDITORS = "editors"
OPERATORS = "operators"
STAFF = (EDITORS, OPERATORS)
STAFF_AUTHORIZER_NAME = "HeraldStaff"
# Request headers the admin UI sends (CORS preflights and gateway error responses).
STAFF_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
# Replaced by the real pool ARN at deploy time (config env var or merge template).
UNSET_POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_unset"

SERVICE_AUTHORIZER = IAMAuthorizer()


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
    """The caller's Cognito groups. API Gateway passes claims as strings
    ("a,b" or "[a b]"); a decoded JWT (chalice local) passes a list."""
    claims = ((request.context or {}).get("authorizer") or {}).get("claims") or {}
    raw = claims.get("cognito:groups") or []
    if isinstance(raw, str):
        raw = raw.strip("[]").replace(",", " ").split()
    return {str(group) for group in raw}


def require(request: Any, *groups: str) -> None:
    """Raise Forbidden (403) unless the caller is in one of `groups`."""
    if get_settings().auth_mode == "off":
        return
    if not groups_of(request) & set(groups):
        raise Forbidden(f"this action needs membership of: {', '.join(groups)}")
