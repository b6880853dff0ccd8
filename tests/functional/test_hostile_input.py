"""Hostile input at the API (issue 12, items 3, 4 and 7): each class is refused
with a 4xx naming the field, nothing is written or enqueued, and the DLQ view
keeps working around a body it cannot read."""
from __future__ import annotations

import base64
import json

import boto3
import pytest
from helpers import OTP, body, post, put_template, send
from helpers import herald_send_body as _herald_body

from chalicelib.sending.request import SQS_MESSAGE_LIMIT

DEEP = 200 * 1024  # the 200 KB of brackets
JSON_ROUTES = [("PUT", "/templates/x"), ("POST", "/preview"), ("POST", "/templates/otp/preview"),
               ("POST", "/templates/otp/test-send"), ("POST", "/emails"),
               ("PUT", "/suppressions/a%40example.com"), ("POST", "/templates/otp/rollback")]
JSON = {"Content-Type": "application/json"}


def _queued(aws) -> list:
    sqs = boto3.client("sqs")
    return sqs.receive_message(QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10,
                               VisibilityTimeout=0).get("Messages", [])


def _log_items(aws) -> list:
    return boto3.client("dynamodb").scan(TableName=aws.message_log_table)["Items"]


def _nothing_written(client, aws) -> None:
    assert _queued(aws) == [] and _log_items(aws) == []
    assert client.http.get("/templates/x").status_code == 404
    assert body(client.http.get("/suppressions"))["suppressions"] == []
    assert len(body(client.http.get("/templates/otp/versions"))["versions"]) == 1


def _refused(response, status: int, field: str) -> str:
    assert response.status_code == status, response.body
    error = body(response)["error"]
    assert error["field"] == field, error
    return error["message"]


# -- item 4: nesting --------------------------------------------------------

@pytest.mark.parametrize("bracket", ["[", "{"])
@pytest.mark.parametrize("method, path", JSON_ROUTES)
def test_deep_nesting_is_400_body_on_every_json_route(otp, aws, method, path, bracket):
    response = otp.http.request(method, path, body=(bracket * DEEP).encode(), headers=JSON)
    assert "nested deeper than 32 levels" in _refused(response, 400, "body")
    _nothing_written(otp, aws)


@pytest.mark.parametrize("levels", [33, 990])
def test_deeply_nested_variables_are_400_variables(otp, aws, levels):
    deep = "[" * levels + "]" * levels  # built as text: json.loads itself recurses
    raw = ('{"to": "a@example.com", "template": "otp", "variables": {"code": "1", "name": "Bo", '
           f'"extra": {deep}}}}}')
    _refused(post(otp, "/emails", raw), 400, "variables")
    _nothing_written(otp, aws)


def test_nesting_up_to_the_limit_is_accepted(client):
    nested = json.loads("[" * 28 + "]" * 28)  # body, template, variables, x, sample: 32
    template = {**OTP, "variables": {**OTP["variables"],
                                     "x": {"required": False, "sample": nested}}}
    assert put_template(client, "otp", template).status_code == 200


# -- item 3: lone surrogates ------------------------------------------------

@pytest.mark.parametrize("raw, field", [
    ('{"to": "a@example.com", "template": "otp", "variables": {"code": "1", "name": "\\ud800"}}',
     "variables.name"),
    ('{"to": "a@example.com", "template": "otp", "variables": {"code": "1", "name": "Bo",'
     ' "\\udfff": 1}}', "variables"),
    ('{"to": "a@example.com", "template": "otp", "variables": {"code": "1", "name": "Bo",'
     ' "deep": [{"k": "ok"}, {"k": "a\\udc00b"}]}}', "variables.deep[1].k"),
    ('{"to": "a\\ud800@example.com", "template": "otp", "variables": {"code": "1", "name": "B"}}',
     "to"),
    ('{"to": "a@example.com", "template": "otp", "locale": "\\ud800",'
     ' "variables": {"code": "1", "name": "B"}}', "locale"),
])
def test_lone_surrogates_are_400_naming_the_field(otp, aws, raw, field):
    message = _refused(post(otp, "/emails", raw), 400, field)
    assert "surrogate" in message
    _nothing_written(otp, aws)


def test_a_surrogate_pair_is_an_ordinary_character(otp, aws):
    raw = ('{"to": "a@example.com", "template": "otp", '
           '"variables": {"code": "1", "name": "\\ud83d\\ude00"}}')
    assert post(otp, "/emails", raw).status_code == 202


def test_a_surrogate_in_a_template_is_refused_at_save(client, aws):
    raw = json.dumps({**OTP, "subject": "Code \ud800"})
    _refused(client.http.put("/templates/x", body=raw, headers=JSON), 400, "subject")
    assert client.http.get("/templates/x").status_code == 404


# -- item 3: sender and reply_to --------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("sender", "Ana\r\nBcc: evil@attacker.test <no-reply@example.com>"),
    ("sender", "no-reply@example.com\nBcc: evil@attacker.test"),
    ("sender", "Ana\u2028 <no-reply@example.com>"),
    ("sender", "Ana\x85 <no-reply@example.com>"),
    ("sender", "\u202eAna <no-reply@example.com>"),
    ("sender", "=?utf-8?q?Ana=0D=0ABcc:_evil@attacker.test?= <no-reply@example.com>"),
    ("sender", "no-reply@example.com, evil@example.com"),
    ("sender", "<no-reply@example.com>, <evil@example.com>"),
    ("sender", "not an address"),
    ("sender", "undisclosed-recipients:;"),
    ("sender", "no-reply@attacker.example.org"),  # outside the stage's sending identity
    ("sender", "no-reply@mail.example.com"),
    ("reply_to", "help@example.com\r\nBcc: evil@attacker.test"),
    ("reply_to", "=?utf-8?b?SGk=?= <help@example.com>"),
    ("reply_to", "help@example.com; evil@example.org"),
    ("reply_to", 42),
])
def test_bad_sender_or_reply_to_is_refused_at_save(client, aws, field, value):
    response = client.http.put("/templates/x", body=json.dumps({**OTP, field: value}),
                               headers=JSON)
    _refused(response, 400, field)
    assert client.http.get("/templates/x").status_code == 404


@pytest.mark.parametrize("sender, reply_to", [
    ("no-reply@example.com", "help@elsewhere.example.org"),
    ('"Herald, Inc." <no-reply@example.com>', None),
    ("Zoë's Shop <shop@EXAMPLE.com>", "Zoë <zoe@example.org>"),
])
def test_single_addresses_at_the_sending_domain_are_saved(client, sender, reply_to):
    template = {**OTP, "sender": sender, "reply_to": reply_to}
    assert put_template(client, "x", template).status_code == 200
    saved = body(client.http.get("/templates/x"))
    assert (saved["sender"], saved["reply_to"]) == (sender, reply_to)


def test_sending_domain_is_a_setting(client, monkeypatch):
    monkeypatch.setenv("HERALD_SENDING_DOMAIN", "mail.example.org")
    from chalicelib import wiring

    wiring.reset()
    ours = put_template(client, "x", {**OTP, "sender": "no-reply@mail.example.org"})
    assert ours.status_code == 200
    _refused(put_template(client, "y", {**OTP, "sender": "no-reply@example.com"}), 400, "sender")


# -- item 4: sizes ------------------------------------------------------------

@pytest.mark.parametrize("body_kb", [90, 240])
def test_non_ascii_variables_too_large_to_queue_are_413(otp, aws, body_kb):
    name = "é" * (body_kb * 1024 // 2)  # 2 bytes in the body, 6 (\u00e9) in the queue
    raw = json.dumps({"to": "a@example.com", "template": "otp",
                      "variables": {"code": "1", "name": name}}, ensure_ascii=False).encode()
    assert len(raw) < 256 * 1024
    message = _refused(post(otp, "/emails", raw), 413, "variables")
    assert "6 bytes" in message
    _nothing_written(otp, aws)


def test_variables_that_fit_the_queue_are_accepted(otp, aws):
    assert send(otp, variables={"code": "1", "name": "x" * 200_000}).status_code == 202
    [message] = _queued(aws)
    assert len(message["Body"].encode()) <= SQS_MESSAGE_LIMIT


# -- item 4: ?limit= ----------------------------------------------------------

@pytest.mark.parametrize("path", ["/dlq/messages", "/suppressions"])
@pytest.mark.parametrize("raw", ["9" * 5000, "²", "١٠", "-1", "0", "1e3", " 5"])
def test_odd_limits_are_400_limit(client, path, raw):
    _refused(client.http.get(f"{path}?limit={raw}"), 400, "limit")


def test_an_overlong_cursor_is_400_cursor(client):
    cursor = base64.urlsafe_b64encode(b"a" * 3000).decode()
    _refused(client.http.get(f"/suppressions?cursor={cursor}"), 400, "cursor")


# -- item 4: the DLQ view -----------------------------------------------------

ODD_BODIES = [
    _herald_body(enqueued_at="yesterday"),
    _herald_body(expires_at="soon"),
    _herald_body(expires_at=1e300),
    _herald_body(enqueued_at=True),
    _herald_body(enqueued_at=10 ** 400),
    _herald_body(secret=[{"code": 1}]),
    _herald_body(variables={"code": "DEEP"}).replace('"DEEP"', "[" * 100 + "]" * 100),
    "[" * DEEP,
    '{"variables": ' * 50_000,
]


def test_dlq_view_shows_odd_bodies_as_unreadable_and_keeps_working(client, aws):
    sqs = boto3.client("sqs")
    for text in [_herald_body(message_id="m-good")] + ODD_BODIES:
        sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=text)
    response = client.http.get("/dlq/messages?limit=20")
    assert response.status_code == 200 and "SECRET-4242" not in response.body.decode()
    views = body(response)["messages"]
    assert len(views) == len(ODD_BODIES) + 1
    unreadable = [view for view in views if "error" in view]
    assert len(unreadable) == len(ODD_BODIES)
    assert all(view["raw"] and view["sent_at"] for view in unreadable)
    [good] = [view for view in views if "error" not in view]
    assert good["message_id"] == "m-good" and good["variables"] == {"code": "[redacted]"}
    odd = unreadable[0]["id"]
    assert client.http.delete(f"/dlq/messages/{odd}").status_code == 204
    assert len(body(client.http.get("/dlq/messages?limit=20"))["messages"]) == len(ODD_BODIES)


# -- item 7: Content-Type -----------------------------------------------------

@pytest.mark.parametrize("method, path", [route for route in JSON_ROUTES
                                          if route[1] != "/emails"])
def test_json_routes_without_a_json_content_type_are_415(otp, aws, method, path):
    raw = json.dumps({**OTP, "version_id": "v", "to": "a@example.com"}).encode()
    response = otp.http.request(method, path, body=raw, headers={})
    assert "Content-Type" in _refused(response, 415, "Content-Type")
    assert otp.http.request(method, path, body=raw,
                            headers={"Content-Type": "text/plain"}).status_code == 415
    _nothing_written(otp, aws)


def test_post_emails_without_a_json_content_type_is_415(otp, aws):
    raw = json.dumps({"to": "a@example.com", "template": "otp",
                      "variables": {"code": "1", "name": "Bo"}})
    _refused(otp.http.post("/emails", body=raw, headers={}), 415, "Content-Type")
    _nothing_written(otp, aws)


def test_json_with_a_charset_is_json(client):
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert client.http.put("/templates/x", body=json.dumps(OTP), headers=headers).status_code == 200


# -- item 7: Cognito group claims ---------------------------------------------


def _token(groups) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"cognito:username": "ana", "cognito:groups": groups}  # as chalice local decodes
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def test_a_group_named_like_operators_gets_no_operator_rights(staff_client):  # noqa: F811
    for claim in ("x,operators", ["x,operators"], "[x,operators]"):
        refused = staff_client.http.put("/suppressions/a%40example.com", body=b"{}",
                                        headers={**JSON, "Authorization": _token(claim)})
        assert refused.status_code == 403, claim
    allowed = staff_client.http.put("/suppressions/a%40example.com", body=b"{}",
                                    headers={**JSON, "Authorization": _token("x operators")})
    assert allowed.status_code == 200
