"""Sign-in in a deployed stage: the UI as CloudFront would serve it, with a config.js
naming a Cognito domain; the UI, the hosted UI and the API are all answered by
Playwright's routes (no local stack), so this runs in about a second."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect
from stack_process import PROJECT

ADMIN = "https://admin.herald.test/"
COGNITO = "auth.herald.test"
API = "https://api.herald.test/api"
CLIENT_ID = "admin-ui-client"
CONFIG = "window.HERALD_CONFIG = " + json.dumps({
    "apiBase": API, "region": "us-east-1", "userPoolId": "us-east-1_pool",
    "userPoolClientId": CLIENT_ID, "cognitoDomain": COGNITO}) + ";"
CORS = {"Access-Control-Allow-Origin": ADMIN.rstrip("/"),
        "Access-Control-Allow-Headers": "Authorization, Content-Type"}
TEMPLATES = {"templates": [{"name": "otp-code", "category": "auth", "description": "",
                            "version_id": "v1", "updated_at": "2030-01-01T00:00:00Z"}]}


def id_token(email: str) -> str:
    """An unsigned ID token (the UI reads its claims; API Gateway verifies real ones)."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"email": email, "cognito:groups": ["editors"], "exp": int(time.time()) + 3600}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


class FakeDeployment:
    """CloudFront (admin_ui/ with the stage's config.js), Cognito's hosted UI and the API."""

    def __init__(self, page) -> None:
        self.api_calls: list[dict[str, str]] = []
        self.api_status = 200
        page.route(ADMIN + "**", self._admin_ui)
        page.route(f"https://{COGNITO}/**", lambda route: route.fulfill(
            content_type="text/html", body="<title>Sign in</title><p>Cognito hosted UI</p>"))
        page.route(API + "/**", self._api)

    @staticmethod
    def _admin_ui(route) -> None:
        path = urlsplit(route.request.url).path.lstrip("/") or "index.html"
        if path == "config.js":
            route.fulfill(content_type="text/javascript", body=CONFIG)
        else:
            route.fulfill(path=PROJECT / "admin_ui" / path)

    def _api(self, route) -> None:
        request = route.request
        if request.method == "OPTIONS":  # CORS preflight (the Authorization header)
            route.fulfill(status=204, headers=CORS)
            return
        self.api_calls.append({"path": urlsplit(request.url).path,
                               "authorization": request.headers.get("authorization")})
        body = TEMPLATES if self.api_status == 200 else {"message": "Unauthorized"}
        route.fulfill(status=self.api_status, headers=CORS, json=body)


def login_parameters(page) -> dict[str, str]:
    page.wait_for_url(f"https://{COGNITO}/login?**")
    found = parse_qs(urlsplit(page.url).query)
    return {name: values[0] for name, values in found.items()}


@pytest.fixture
def deployment(page) -> FakeDeployment:
    return FakeDeployment(page)


def test_sign_in_through_the_hosted_ui_and_every_api_call_carries_the_token(
        page, deployment, console):
    # WHEN a staff member opens the admin UI without a token
    page.goto(ADMIN + "#/templates")
    # THEN the browser is sent to Cognito's hosted UI for an ID token, back to this page
    login = login_parameters(page)
    assert login["response_type"] == "token" and login["client_id"] == CLIENT_ID
    assert login["redirect_uri"] == ADMIN and login["scope"] == "openid email"
    assert deployment.api_calls == []

    # WHEN Cognito sends them back with the token in the fragment
    token = id_token("ana@example.com")
    page.goto(ADMIN + "#" + urlencode({"id_token": token, "access_token": "unused",
                                       "expires_in": 3600, "token_type": "Bearer",
                                       "state": login["state"]}))
    # THEN the UI shows who is signed in, the fragment is gone and API calls carry the token
    expect(page.get_by_role("link", name="otp-code")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text("Signed in as ana@example.com")
    assert page.url == ADMIN + "#/templates"
    assert deployment.api_calls == [{"path": "/api/templates", "authorization": token}]
    sign_out = page.get_by_role("link", name="Sign out").get_attribute("href")
    assert sign_out == f"https://{COGNITO}/logout?" + urlencode(
        {"client_id": CLIENT_ID, "logout_uri": ADMIN})

    # AND a reload keeps the sign-in (the token is kept for the tab)
    page.reload()
    expect(page.get_by_role("link", name="otp-code")).to_be_visible()
    assert [call["authorization"] for call in deployment.api_calls] == [token, token]

    # WHEN the API refuses the token (401), the UI signs in again
    console.expect("401")
    deployment.api_status = 401
    page.reload()
    assert login_parameters(page)["state"] != login["state"]


def test_a_token_cognito_did_not_issue_for_this_sign_in_is_refused(page, deployment):
    page.goto(ADMIN)
    login_parameters(page)
    page.goto(ADMIN + "#" + urlencode({"id_token": id_token("mallory@example.com"),
                                       "state": "not-ours"}))
    expect(page.get_by_role("alert")).to_contain_text("Not signed in")
    assert page.url == ADMIN and deployment.api_calls == []
    page.get_by_role("button", name="Try again").click()
    login_parameters(page)
