"""Services use IAM, staff use Cognito groups: the route table, the group claims in
every shape API Gateway sends, the auth mode and CORS, without a request through the
app (tests/functional/test_auth.py sends those)."""
from __future__ import annotations

import pytest
from chalice import CognitoUserPoolAuthorizer, IAMAuthorizer
from helpers import routes

from chalicelib import wiring
from chalicelib.api import auth
from chalicelib.errors import Forbidden
from chalicelib.platform.settings import Settings

# services call these with SigV4; /notification-types is the staff's (editors write)
SERVICE_PATHS = ("/emails", "/users/", "/notifications")


def test_service_routes_use_iam_and_admin_routes_the_staff_pool():
    for path, method, entry in routes():
        if path == "/health":
            assert entry.authorizer is None
        elif path == "/openapi.json":
            assert entry.authorizer is None  # the API's description, public
        elif (path, method) == ("/hooks/{source}", "POST"):
            assert entry.authorizer is None  # the webhook signature is its auth
        elif path in ("/u/{token}", "/preferences/{token}"):
            assert entry.authorizer is None and entry.cors is None  # the signed link is its auth
        elif path == "/l/{token}":
            assert entry.authorizer is None and entry.cors is None  # the token is the credential
        elif path.startswith(SERVICE_PATHS):
            assert isinstance(entry.authorizer, IAMAuthorizer), (method, path)
        else:
            assert isinstance(entry.authorizer, CognitoUserPoolAuthorizer), (method, path)
            assert entry.authorizer.name == auth.STAFF_AUTHORIZER_NAME


class _Request:
    def __init__(self, claims: dict | None) -> None:
        self.context = {"authorizer": {"claims": claims}} if claims is not None else {}


@pytest.mark.parametrize("raw, groups", [
    (["editors", "operators"], {"editors", "operators"}),
    ("editors,operators", {"editors", "operators"}),   # API Gateway REST
    ("[editors operators]", {"editors", "operators"}),  # API Gateway, space separated
    ("operators", {"operators"}),
    (None, set()),
])
def test_group_claims_in_every_shape_api_gateway_sends(raw, groups):
    claims = {} if raw is None else {"cognito:groups": raw}
    assert auth.groups_of(_Request(claims)) == groups


def test_checks_are_on_unless_explicitly_off(monkeypatch):
    assert Settings().auth_mode == "cognito"
    for mode in ("", "cognito", "OFF", "none"):
        monkeypatch.setenv("HERALD_AUTH_MODE", mode)
        wiring.reset()
        with pytest.raises(Forbidden):
            auth.require(_Request(None), auth.EDITORS)
    monkeypatch.setenv("HERALD_AUTH_MODE", "off")
    wiring.reset()
    auth.require(_Request(None), auth.EDITORS)
    wiring.reset()


def test_cors_allows_only_the_admin_ui_origin(monkeypatch):
    monkeypatch.delenv("HERALD_ADMIN_ORIGIN", raising=False)
    wiring.reset()
    assert auth.staff_cors() is None
    monkeypatch.setenv("HERALD_ADMIN_ORIGIN", "https://d111.cloudfront.net")
    wiring.reset()
    headers = auth.staff_cors().get_access_control_headers()
    assert headers["Access-Control-Allow-Origin"] == "https://d111.cloudfront.net"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
    wiring.reset()
