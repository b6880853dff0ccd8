"""Variable contracts (GET /templates/{name}/schema, tools.check) and the save-time
warning for secrets that lock screens would show."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import OTP, body, put_template
from jsonschema import Draft202012Validator

from tools import check
from tools import templates as tool

STARTERS = Path(__file__).resolve().parents[2] / "templates"


def _schema(client, name):
    response = client.http.get(f"/templates/{name}/schema")
    assert response.status_code == 200
    return body(response)


def test_every_starter_schema_accepts_its_samples_and_refuses_a_missing_required(client):
    tool.push("dev", STARTERS)
    for summary in body(client.http.get("/templates"))["templates"]:
        if summary["category"] == "layout":
            continue
        name = summary["name"]
        schema = _schema(client, name)
        Draft202012Validator.check_schema(schema)
        samples = {variable: spec["sample"] for variable, spec in
                   body(client.http.get(f"/templates/{name}"))["variables"].items()
                   if "sample" in spec}
        assert not list(Draft202012Validator(schema).iter_errors(samples)), name
        for required in schema["required"]:
            missing = {k: v for k, v in samples.items() if k != required}
            assert list(Draft202012Validator(schema).iter_errors(missing)), (name, required)
        assert list(Draft202012Validator(schema).iter_errors({**samples, "stray": 1}))  # no extras


def test_the_schema_marks_secrets_and_pins_a_version(otp):
    schema = _schema(otp, "otp")
    assert schema["properties"]["code"]["writeOnly"] is True
    assert "examples" not in schema["properties"]["code"]  # no sample of a secret
    assert schema["required"] == ["code", "name"]  # product has a default
    version = body(otp.http.get("/templates/otp"))["version_id"]
    pinned = body(otp.http.get(f"/templates/otp/schema?version={version}"))
    assert pinned["$id"].endswith(version)
    missing = otp.http.get("/templates/ghost/schema")
    assert missing.status_code == 404


def test_tools_check_passes_a_good_payload_and_names_what_a_bad_one_lacks(otp, tmp_path,
                                                                          capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"to": "a@example.com", "template": "otp",
                                "variables": {"code": "123456", "name": "Ana"}}))
    assert check.main(["--stage", "dev", "--template", "otp", str(good)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"code": 123456}))
    assert check.main(["--stage", "dev", "--template", "otp", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "'name' is a required property" in out
    assert "variables.code: 123456 is not of type 'string'" in out
    assert check.main(["--stage", "dev", "--template", "ghost", str(good)]) == 2


@pytest.mark.parametrize(("template", "field"), [
    ({**OTP, "subject": "Your code is {{ code }}"}, "subject"),
    ({**OTP, "html": "{% block preheader %}Code {{ code }}{% endblock %}<p>{{ name }}</p>"},
     "html"),
])
def test_a_secret_in_the_subject_or_preheader_saves_with_a_warning(client, template, field):
    saved = put_template(client, "leaky", template)
    assert saved.status_code == 200
    [warning] = body(saved)["warnings"]
    assert warning["field"] == field and warning["variable"] == "code"
    assert "lock screens" in warning["message"]


def test_starters_save_without_warnings(client):
    assert body(put_template(client, "otp", OTP))["warnings"] == []
