"""Services use IAM, staff use Cognito groups; the groups are enforced in code
too (403 JSON), and only HERALD_AUTH_MODE=off turns the check off."""
from __future__ import annotations

import base64
import json
import re

from chalice import CognitoUserPoolAuthorizer
from helpers import OTP, body, put_template, routes

from chalicelib import wiring
from chalicelib.api import auth


def token(*groups: str) -> str:
    """An (unsigned) ID token as chalice local decodes it; API Gateway verifies real ones."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"cognito:username": "ana", "email": "ana@example.com", "cognito:groups": list(groups)}
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def as_staff(*groups: str) -> dict[str, str]:
    return {"Authorization": token(*groups), "Content-Type": "application/json"}


def test_every_staff_route_refuses_a_user_in_no_group(staff_client):
    staff_routes = [(p, m) for p, m, e in routes()
                    if isinstance(e.authorizer, CognitoUserPoolAuthorizer)]
    assert len(staff_routes) >= 10
    for path, method in staff_routes:
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = staff_client.http.request(method, url, headers=as_staff(), body=b"{}")
        assert response.status_code == 403, (method, path)
        assert body(response)["error"]["code"] == "forbidden", (method, path)


def test_editors_change_templates_and_operators_cannot(staff_client):
    saved = staff_client.http.put("/templates/otp", body=json.dumps(OTP),
                                  headers=as_staff(auth.EDITORS))
    assert saved.status_code == 200
    for method, path in (("PUT", "/templates/otp"), ("DELETE", "/templates/otp"),
                         ("POST", "/templates/otp/rollback")):
        refused = staff_client.http.request(method, path, body=json.dumps(OTP).encode(),
                                            headers=as_staff(auth.OPERATORS))
        assert refused.status_code == 403
        assert "editors" in body(refused)["error"]["message"]
    for group in auth.STAFF:
        listed = staff_client.http.get("/templates", headers=as_staff(group))
        assert [t["name"] for t in body(listed)["templates"]] == ["otp"]


def test_operators_touch_dlq_and_suppressions_and_editors_cannot(staff_client):
    address, dlq_message = "/suppressions/ana@example.com", "/dlq/messages/gone"
    for group, allowed in ((auth.EDITORS, False), (auth.OPERATORS, True)):
        suppressed = staff_client.http.put(address, body=b"{}", headers=as_staff(group))
        discarded = staff_client.http.delete(dlq_message, headers=as_staff(group))
        assert (suppressed.status_code == 200) is allowed
        # an operator passes the group check and learns the message is not there
        assert discarded.status_code == (404 if allowed else 403)
    for group in auth.STAFF:
        assert staff_client.http.get("/queues", headers=as_staff(group)).status_code == 200


def test_editors_send_tests_and_all_staff_look_messages_up(staff_client):
    staff_client.http.put("/templates/otp", body=json.dumps(OTP), headers=as_staff(auth.EDITORS))
    test_send = {"to": "ana@example.com"}
    refused = staff_client.http.post("/templates/otp/test-send", body=json.dumps(test_send),
                                     headers=as_staff(auth.OPERATORS))
    assert refused.status_code == 403
    assert "editors" in body(refused)["error"]["message"]
    accepted = staff_client.http.post("/templates/otp/test-send", body=json.dumps(test_send),
                                      headers=as_staff(auth.EDITORS))
    assert accepted.status_code == 202
    message_id = body(accepted)["message_id"]
    for group in auth.STAFF:
        found = staff_client.http.get(f"/messages/{message_id}", headers=as_staff(group))
        assert body(found)["to"] == "ana@example.com", group


def test_local_mode_needs_no_sign_in(client):
    assert put_template(client, "otp", OTP).status_code == 200


def test_errors_carry_the_cors_headers_so_the_admin_ui_can_read_them(staff_client, monkeypatch):
    monkeypatch.setenv("HERALD_ADMIN_ORIGIN", "https://d111.cloudfront.net")
    wiring.reset()
    refused = staff_client.http.put("/templates/otp", body=json.dumps(OTP).encode(),
                                    headers=as_staff(auth.OPERATORS))
    assert refused.status_code == 403
    assert refused.headers["Access-Control-Allow-Origin"] == "https://d111.cloudfront.net"
