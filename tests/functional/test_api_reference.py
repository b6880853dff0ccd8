"""GET /openapi.json serves the API's document, and the inputs schemathesis found
answering 500 (tests/integration/test_openapi_fuzz.py) now get a 4xx naming the field."""
from __future__ import annotations

import json

from helpers import OTP, post, put_template

from chalicelib.api.reference import DOCUMENT

JSON = {"Content-Type": "application/json"}


def test_the_openapi_document_is_served_as_json(client):
    answer = client.http.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    served = json.loads(answer.body)
    with open(DOCUMENT, encoding="utf-8") as file:
        assert served == json.load(file)
    assert "/templates/{name}" in served["paths"]


def test_a_preview_version_id_that_is_not_a_string_is_a_400_naming_it(otp):
    answer = post(otp, "/templates/otp/preview", {"version_id": [{}], "locale": None})
    assert answer.status_code == 400
    assert json.loads(answer.body)["error"]["field"] == "version_id"


def test_preferences_for_a_type_name_that_cannot_exist_are_a_404_naming_it(client):
    assert client.http.put("/users/u-1", body=json.dumps({"email": "ana@example.com"}),
                           headers=JSON).status_code == 200
    for name in ("", "Not A Name"):
        answer = client.http.put("/users/u-1/preferences", headers=JSON,
                                 body=json.dumps({"preferences": {name: {"email": False}}}))
        assert answer.status_code == 404
        assert json.loads(answer.body)["error"]["field"] == f"preferences.{name}"


def test_a_tag_s3_would_refuse_is_a_400_naming_it(client):
    answer = put_template(client, "tagged", {**OTP, "tags": {"team": "a<b>"}})
    assert answer.status_code == 400
    assert json.loads(answer.body)["error"]["field"] == "tags.team"
    answer = put_template(client, "tagged", {**OTP, "tags": {"aws:team": "auth"}})
    assert answer.status_code == 400
    assert put_template(client, "tagged", {**OTP, "tags": {"team": "auth/sign-in"}}
                        ).status_code == 200
